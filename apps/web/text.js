// SPDX-License-Identifier: BSL-1.0
// The server's rules for names, rooms and text (docs/PROTOCOL.md section 6), checked before
// sending so that a request the server would refuse is refused here with the same reason; and
// the sanitising of every network string before it is shown. Pure functions, no DOM.

export const limits = Object.freeze({
  minName: 2,
  maxName: 32,
  maxRoom: 64,
  maxTextBytes: 16384,
  maxTopicBytes: 512,
  maxReasonBytes: 256,
});

const nameChar = /^[A-Za-z0-9_.-]+$/;
const roomChar = /^[A-Za-z0-9_.#-]+$/;

/** 2-32 ASCII letters, digits, '_', '-', '.' (6.1). */
export function isValidName(name) {
  return typeof name === 'string' && name.length >= limits.minName &&
         name.length <= limits.maxName && nameChar.test(name);
}

/** 1-64 ASCII letters, digits, '_', '-', '.', '#' (6.2). */
export function isValidRoom(room) {
  return typeof room === 'string' && room.length >= 1 && room.length <= limits.maxRoom &&
         roomChar.test(room);
}

/** The case-insensitive identity of a name or room: ASCII lower case only, as the server. */
export function foldCase(s) {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

const encoder = new TextEncoder();

/** Bytes of `s` as UTF-8 (a lone surrogate counts as the 3 bytes it would be replaced by). */
export function utf8Length(s) {
  return encoder.encode(s).length;
}

/** A JS string that is not well-formed UTF-16 (a lone surrogate) has no UTF-8 form. */
export function isWellFormed(s) {
  for (let i = 0; i < s.length; ++i) {
    const unit = s.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      ++i;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return false;
    }
  }
  return true;
}

/** C0 controls other than TAB, DEL and C1 controls: forbidden in text (6.3). */
export function isForbiddenControl(codePoint) {
  return (codePoint < 0x20 && codePoint !== 0x09) || (codePoint >= 0x7f && codePoint <= 0x9f);
}

function hasForbiddenControl(s) {
  for (let i = 0; i < s.length; ++i)
    if (isForbiddenControl(s.charCodeAt(i))) return true;
  return false;
}

/**
 * A topic or PART/BYE reason (6.4): null if acceptable, else the ERROR code name the server
 * would answer ('invalid_utf8' before 'invalid_text', as the server checks).
 */
export function checkShortText(text, maxBytes) {
  if (!isWellFormed(text)) return 'invalid_utf8';
  if (hasForbiddenControl(text) || utf8Length(text) > maxBytes) return 'invalid_text';
  return null;
}

/** SAY or PRIVATE text (6.3): 1-16384 bytes, no controls but TAB. null if acceptable. */
export function checkText(text) {
  const problem = checkShortText(text, limits.maxTextBytes);
  if (problem) return problem;
  return text.length === 0 ? 'invalid_text' : null;
}

/** Why a text problem code stops a send, in words a person reads. */
export function describeTextProblem(problem, what = 'message') {
  if (problem === 'invalid_utf8') return `The ${what} contains a broken character (a lone surrogate).`;
  return `The ${what} is empty, too long or contains a control character.`;
}

/**
 * `text` cut into pieces of at most `maxBytes` UTF-8 bytes each, never inside a character, so
 * that a long paste goes out as several messages in order (as chatcli does).
 */
export function splitText(text, maxBytes = limits.maxTextBytes) {
  const pieces = [];
  let piece = '';
  let pieceBytes = 0;
  for (const ch of text) {
    const bytes = utf8Length(ch);
    if (pieceBytes + bytes > maxBytes && piece) {
      pieces.push(piece);
      piece = '';
      pieceBytes = 0;
    }
    piece += ch;
    pieceBytes += bytes;
  }
  if (piece) pieces.push(piece);
  return pieces;
}

// Characters that reorder (bidi embeddings, overrides, isolates, the Arabic letter mark) or
// hide text (zero-width space and no-break space, word joiner, BOM, invisible operators),
// and the line and paragraph separators, which would break a line in the page.
function isBidiControl(cp) {
  return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp === 0x061c;
}
function isInvisible(cp) {
  return cp === 0x200b || cp === 0xfeff || (cp >= 0x2060 && cp <= 0x2064) || cp === 0x180e ||
         cp === 0x2028 || cp === 0x2029 || (cp >= 0xe0000 && cp <= 0xe007f);
}
// Zero-width (non-)joiners and the left-to-right / right-to-left marks: needed inside real
// words (emoji sequences, Persian, mixed-direction text), so kept in message text, whose
// element is isolated; made visible in names, rooms and topics, which must be what they look.
function isJoinerOrMark(cp) {
  return cp >= 0x200c && cp <= 0x200f;
}

function marker(cp) {
  return `⟨U+${cp.toString(16).toUpperCase().padStart(4, '0')}⟩`;
}

function sanitise(s, keepJoiners) {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (cp >= 0xd800 && cp <= 0xdfff) out += '\uFFFD';
    else if (cp === 0x09) out += ' ';
    else if (isForbiddenControl(cp)) out += '\uFFFD';
    else if (isBidiControl(cp) || isInvisible(cp)) out += marker(cp);
    else if (isJoinerOrMark(cp) && !keepJoiners) out += marker(cp);
    else out += ch;
  }
  return out;
}

/**
 * A name, room, topic, reason or server text as shown: controls become U+FFFD, and every
 * character that could reorder or hide the text around it is shown as ⟨U+XXXX⟩.
 */
export function displayLabel(s) {
  return sanitise(String(s), false);
}

/**
 * Message text as shown: as displayLabel, except that joiners and direction marks that real
 * words use stay (the text's element isolates its direction from the page).
 */
export function displayText(s) {
  return sanitise(String(s), true);
}
