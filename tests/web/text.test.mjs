// SPDX-License-Identifier: BSL-1.0
// The web client refuses what the server would refuse (PROTOCOL.md section 6), for the same
// reason, and shows network strings so that they cannot reorder or hide the page around them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isValidName, isValidRoom, foldCase, checkText, checkShortText, splitText, utf8Length,
  displayLabel, displayText, limits,
} from '../../apps/web/text.js';

test('names: 2-32 of letters, digits, _ - . (6.1)', () => {
  for (const ok of ['al', 'alice', 'Bob_2', 'a.b-c', 'x'.repeat(32)]) assert.ok(isValidName(ok), ok);
  for (const bad of ['', 'a', 'x'.repeat(33), 'al ice', 'al#ice', 'élise', 'a\u202Eb', '<b>', 'a\0b'])
    assert.ok(!isValidName(bad), JSON.stringify(bad));
});

test('rooms: 1-64 of letters, digits, _ - . # (6.2), folded to lower case', () => {
  for (const ok of ['#', 'lobby', '#Dev', 'a.b_c-d', '#'.repeat(64)]) assert.ok(isValidRoom(ok), ok);
  for (const bad of ['', '#'.repeat(65), 'a b', 'ü', '<script>']) assert.ok(!isValidRoom(bad), bad);
  assert.equal(foldCase('#Dev-ÄB'), '#dev-Äb');  // ASCII only, as the server
});

test('text: 1-16384 bytes, no control but TAB; invalid_utf8 before invalid_text (6.3)', () => {
  assert.equal(checkText('hello\tworld'), null);
  assert.equal(checkText('é'.repeat(8192)), null);          // 16384 bytes
  assert.equal(checkText('é'.repeat(8192) + 'x'), 'invalid_text');
  assert.equal(checkText(''), 'invalid_text');
  for (const c of ['\n', '\r', '\x1b', '\x7f', '\x85', '\0'])
    assert.equal(checkText(`a${c}b`), 'invalid_text', JSON.stringify(c));
  assert.equal(checkText('lone \uD800 surrogate'), 'invalid_utf8');
  assert.equal(checkText('\uD800\n'), 'invalid_utf8');
  assert.equal(checkText('emoji 😀 fine \u202E too'), null);  // the server accepts bidi controls
});

test('topics and reasons may be empty, and are bounded in bytes (6.4)', () => {
  assert.equal(checkShortText('', limits.maxTopicBytes), null);
  assert.equal(checkShortText('x'.repeat(512), limits.maxTopicBytes), null);
  assert.equal(checkShortText('x'.repeat(513), limits.maxTopicBytes), 'invalid_text');
  assert.equal(checkShortText('x'.repeat(257), limits.maxReasonBytes), 'invalid_text');
  assert.equal(checkShortText('bye\n', limits.maxReasonBytes), 'invalid_text');
});

test('a long paste is cut into messages at character boundaries', () => {
  const text = 'a' + '😀'.repeat(5000);  // 1 + 20000 bytes
  const pieces = splitText(text);
  assert.equal(pieces.join(''), text);
  assert.equal(pieces.length, 2);
  for (const piece of pieces) assert.ok(utf8Length(piece) <= 16384 && checkText(piece) === null);
  assert.deepEqual(splitText(''), []);
  assert.deepEqual(splitText('abcdef', 4), ['abcd', 'ef']);
});

test('names, rooms and topics show bidi and invisible characters as visible markers', () => {
  assert.equal(displayLabel('ev\u202Elive'), 'ev⟨U+202E⟩live');
  assert.equal(displayLabel('a\u2066b\u2069c'), 'a⟨U+2066⟩b⟨U+2069⟩c');
  assert.equal(displayLabel('zero\u200Bwidth\uFEFF\u2060'), 'zero⟨U+200B⟩width⟨U+FEFF⟩⟨U+2060⟩');
  assert.equal(displayLabel('rlm\u200F'), 'rlm⟨U+200F⟩');
  assert.equal(displayLabel('line\u2028break'), 'line⟨U+2028⟩break');
});

test('controls become U+FFFD and markup stays text', () => {
  assert.equal(displayText('a\x1b[31mb\nc\rd\x85e\0'), 'a\uFFFD[31mb\uFFFDc\uFFFDd\uFFFDe\uFFFD');
  assert.equal(displayText('<script>alert(1)</script>'), '<script>alert(1)</script>');
  assert.equal(displayText('tab\there'), 'tab here');
});

test('message text keeps what real words need (joiners, direction marks) but not overrides', () => {
  const family = '👩\u200D👩\u200D👧';
  assert.equal(displayText(family), family);
  assert.equal(displayText('שלום\u200F!'), 'שלום\u200F!');
  assert.equal(displayText('x\u202Ey'), 'x⟨U+202E⟩y');
  assert.equal(displayText('x\u200By'), 'x⟨U+200B⟩y');
});
