// SPDX-License-Identifier: BSL-1.0
// DOM for what the session holds: messages, notices, day separators, conversation entries,
// members. Inert by construction: every string from the network goes into its own element as
// textContent (never markup), sanitised (text.js), with dir="auto" and an isolating class so
// that its direction cannot reorder what surrounds it.

import { displayLabel, displayText } from './text.js';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });

/** The local calendar day of `ms`, as a comparable key. */
export function dayOf(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function dayLabel(ms, now = Date.now()) {
  if (dayOf(ms) === dayOf(now)) return 'Today';
  if (dayOf(ms) === dayOf(now - 86400000)) return 'Yesterday';
  return dayFormat.format(new Date(ms));
}

export function clockTime(ms) {
  return timeFormat.format(new Date(ms));
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A network name/room/topic: sanitised, isolated. */
export function label(text, className = '') {
  const node = element('bdi', `net ${className}`.trim(), displayLabel(text));
  node.dir = 'auto';
  return node;
}

/** Network message text: sanitised, isolated. */
function body(text) {
  const node = element('span', 'net text', displayText(text));
  node.dir = 'auto';
  return node;
}

function timeElement(ms) {
  const node = element('time', 'time', clockTime(ms));
  node.dateTime = new Date(ms).toISOString();
  node.title = new Date(ms).toLocaleString();
  return node;
}

export function daySeparator(ms) {
  const node = element('li', 'day');
  node.setAttribute('role', 'separator');
  node.dataset.testid = 'day-separator';
  node.append(element('span', '', dayLabel(ms)));
  return node;
}

// A stable colour per name (one of a few classes), as chatcli colours names.
function nameColour(name) {
  let hash = 2166136261;
  for (const c of name.toLowerCase()) hash = Math.imul(hash ^ c.charCodeAt(0), 16777619) >>> 0;
  return `c${hash % 8}`;
}

/** One message or notice of a conversation. */
export function entryElement(entry) {
  const item = element('li');
  item.append(timeElement(entry.time_ms));
  if (entry.kind === 'notice') {
    item.className = `notice tone-${entry.tone}`;
    item.dataset.testid = 'notice';
    // Our words as text; each value from the network as its own isolated label.
    const words = element('span', 'text');
    for (const part of entry.parts ?? [{ text: entry.text }])
      words.append(part.net !== undefined ? label(part.net) : displayText(part.text));
    item.append(words);
    return item;
  }
  item.className = 'message';
  item.dataset.testid = 'message';
  if (entry.previousRun) {
    item.classList.add('previous-run');
    item.title = 'From before the server restarted';
  } else {
    item.dataset.id = String(entry.id);
  }
  if (entry.own) item.classList.add('own');
  if (entry.mention) item.classList.add('mention');
  if (entry.history) item.classList.add('history');
  if (entry.action) item.classList.add('action');
  const sender = label(entry.sender, `sender ${nameColour(entry.sender)}`);
  sender.dataset.testid = 'sender';
  if (entry.action) {
    item.append(element('span', 'action-mark', '* '), sender, ' ', body(entry.text));
  } else {
    item.append(sender, element('span', 'colon', ': '), body(entry.text));
  }
  item.lastChild.dataset.testid = 'text';
  return item;
}

/** An entry of the conversation list. */
export function conversationElement(c, active) {
  const item = element('li');
  const button = element('button', 'conversation-entry');
  button.type = 'button';
  button.dataset.testid = c.kind === 'room' ? 'room-entry' : 'private-entry';
  button.dataset.name = c.label;
  button.dataset.key = c.key;
  if (active) {
    button.classList.add('active');
    button.setAttribute('aria-current', 'page');
  }
  if (c.mentioned) button.classList.add('mentioned');
  if (!c.joined) button.classList.add('away');
  button.append(label(c.label, 'name'));
  if (c.unread > 0) {
    const badge = element('span', 'badge', String(c.unread));
    badge.dataset.testid = 'unread-badge';
    badge.setAttribute('aria-label', `${c.unread} unread`);
    button.append(badge);
  }
  item.append(button);
  return item;
}

export function memberElement(name, self) {
  const item = element('li');
  const button = element('button', 'member');
  button.type = 'button';
  button.dataset.testid = 'member';
  button.dataset.name = name;
  button.title = self ? 'you' : 'Private message';
  button.append(label(name, nameColour(name)));
  if (self) button.append(element('span', 'you', ' (you)'));
  item.append(button);
  return item;
}
