// SPDX-License-Identifier: BSL-1.0
// The web client's page: sign-in, the conversation list, the shown conversation, members,
// the composer, the tab title and notifications. The session (session.js) holds the state;
// this module only draws it and forwards what the person does. No markup from strings: every
// node is built by render.js.

import { Session, chatUrl, roomKey } from './session.js';
import { Notifier } from './notify.js';
import { displayLabel, displayText } from './text.js';
import {
  entryElement, daySeparator, dayOf, conversationElement, memberElement, label,
} from './render.js';

const $ = (id) => document.getElementById(id);
const ui = {
  signin: $('signin'), signinForm: $('signin-form'), signinName: $('signin-name'),
  signinRoom: $('signin-room'), signinButton: $('signin-button'), signinError: $('signin-error'),
  chat: $('chat'), roomsToggle: $('rooms-toggle'), membersToggle: $('members-toggle'),
  title: $('conversation-title'), topic: $('topic'), status: $('status'), notifyButton: $('notify-button'),
  sidebar: $('sidebar'), whoami: $('whoami'), roomList: $('room-list'), privateList: $('private-list'),
  joinForm: $('join-form'), joinInput: $('join-input'), messages: $('message-list'),
  composer: $('composer'), composerInput: $('composer-input'), composerError: $('composer-error'),
  members: $('members'), memberList: $('member-list'), membersTitle: $('members-title'),
};

const session = new Session({ url: chatUrl(location) });
const notifier = new Notifier();
let lastDay = null;  // day of the last entry drawn in the message list

// ---- sign-in ------------------------------------------------------------------------------

ui.signinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const problem = session.signIn(ui.signinName.value.trim(), ui.signinRoom.value.trim());
  if (problem) return showSigninError(problem);
  ui.signinError.textContent = '';
  ui.signinButton.disabled = true;
  ui.signinButton.textContent = 'Signing in…';
});

function showSigninError(text) {
  ui.signinError.replaceChildren(label(text));
  ui.signinButton.disabled = false;
  ui.signinButton.textContent = 'Sign in';
  ui.signinName.setAttribute('aria-invalid', 'true');
  ui.signinName.focus();
  ui.signinName.select();
}

session.on('signin-error', ({ text }) => showSigninError(text));

session.on('signed-in', () => {
  ui.signin.hidden = true;
  ui.chat.hidden = false;
  ui.signinName.removeAttribute('aria-invalid');
  drawAll();
  ui.composerInput.focus();
});

// ---- status, name, title -----------------------------------------------------------------

const statusText = {
  'signed-out': 'Signed out', connecting: 'Connecting…', 'signing-in': 'Signing in…',
  online: 'Online', reconnecting: 'Reconnecting…', ended: 'Disconnected',
};

session.on('status', ({ status, retryInMs }) => {
  ui.status.textContent = status === 'reconnecting' && retryInMs
    ? `Connection lost — retrying in ${Math.round(retryInMs / 1000)} s` : statusText[status] ?? status;
  ui.status.dataset.state = status;
  ui.composerInput.setAttribute('aria-disabled', String(status !== 'online'));
  ui.chat.classList.toggle('offline', status !== 'online');
});

session.on('name', () => drawWhoami());

function drawWhoami() {
  ui.whoami.replaceChildren('Signed in as ', label(session.name, 'self'));
}

function updateTitle() {
  const unread = session.totalUnread();
  const shown = session.conversation(session.active);
  const where = shown ? displayLabel(shown.name ?? shown.peer) : '';
  document.title = `${unread ? `(${unread}) ` : ''}${where ? `${where} — ` : ''}libchat`;
}

// ---- conversations ---------------------------------------------------------------------------

session.on('conversations', () => { drawConversations(); updateTitle(); });
session.on('active', () => drawAll());
session.on('reset', ({ key }) => { if (key === session.active) drawMessages(); });

function drawConversations() {
  const rooms = [];
  const privates = [];
  for (const c of session.conversations())
    (c.kind === 'room' ? rooms : privates).push(conversationElement(c, c.key === session.active));
  ui.roomList.replaceChildren(...rooms);
  ui.privateList.replaceChildren(...privates);
  ui.privateList.previousElementSibling.hidden = privates.length === 0;
}

function select(key) {
  session.select(key);
  closeDrawers();
}

function onConversationClick(event) {
  const button = event.target.closest('button[data-key]');
  if (button) {
    select(button.dataset.key);
    ui.composerInput.focus();
  }
}
ui.roomList.addEventListener('click', onConversationClick);
ui.privateList.addEventListener('click', onConversationClick);

ui.joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const room = ui.joinInput.value.trim();
  if (!room) return;
  const problem = session.status === 'online' ? session.join(room) : 'Not connected.';
  showComposerError(problem);
  if (!problem) {
    ui.joinInput.value = '';
    ui.composerInput.focus();
  }
});

function drawAll() {
  drawConversations();
  drawHeading();
  drawMessages();
  drawMembers();
  drawWhoami();
  updateTitle();
}

function drawHeading() {
  const shown = session.conversation(session.active);
  if (!shown) {
    ui.title.replaceChildren('No conversation');
    ui.topic.replaceChildren('Join a room with /join, or write to someone with /msg.');
    return;
  }
  if (session.active.startsWith('room:')) {
    ui.title.replaceChildren(label(shown.name, 'room-name'));
    drawTopic(shown);
  } else {
    ui.title.replaceChildren('Private: ', label(shown.peer, 'peer-name'));
    ui.topic.replaceChildren('Only the two of you see these messages; the server keeps no copy.');
  }
}

function drawTopic(room) {
  if (!room.topic.text) {
    ui.topic.replaceChildren(Object.assign(document.createElement('span'), { className: 'no-topic', textContent: 'No topic' }));
    return;
  }
  const text = label(room.topic.text, 'topic-text');
  ui.topic.replaceChildren(text);
  if (room.topic.set_by) {
    ui.topic.append(' — set by ', label(room.topic.set_by, 'topic-setter'));
  }
}

session.on('topic', ({ room }) => {
  if (session.active === roomKey(room)) drawTopic(session.rooms.get(room));
});

// ---- messages --------------------------------------------------------------------------------

function entriesShown() {
  const shown = session.conversation(session.active);
  return shown ? shown.entries : session.serverLog;
}

function drawMessages() {
  lastDay = null;
  const nodes = [];
  for (const entry of entriesShown()) nodes.push(...entryNodes(entry));
  ui.messages.replaceChildren(...nodes);
  ui.messages.scrollTop = ui.messages.scrollHeight;
}

function entryNodes(entry) {
  const nodes = [];
  const day = dayOf(entry.time_ms);
  if (day !== lastDay) nodes.push(daySeparator(entry.time_ms));
  lastDay = day;
  nodes.push(entryElement(entry));
  return nodes;
}

session.on('entry', ({ key, entry }) => {
  if (key !== session.active && !(key === null && !session.active)) return;
  // Keep following the conversation only if the person was at its end.
  const list = ui.messages;
  const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.append(...entryNodes(entry));
  if (atEnd || entry.own) list.scrollTop = list.scrollHeight;
});

// ---- members ---------------------------------------------------------------------------------

session.on('members', ({ room }) => { if (session.active === roomKey(room)) drawMembers(); });

function drawMembers() {
  const shown = session.active?.startsWith('room:') ? session.conversation(session.active) : null;
  ui.members.hidden = !shown;
  ui.membersToggle.hidden = !shown;
  if (!shown) return;
  const names = shown.members ?? [];
  ui.membersTitle.textContent = `Members (${shown.memberCount || names.length})`;
  const self = session.name.toLowerCase();
  ui.memberList.replaceChildren(...names.map((n) => memberElement(n, n.toLowerCase() === self)));
}

ui.memberList.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-name]');
  if (!button || button.dataset.name.toLowerCase() === session.name.toLowerCase()) return;
  showComposerError(session.openPrivate(button.dataset.name));
  closeDrawers();
  ui.composerInput.focus();
});

// ---- composer --------------------------------------------------------------------------------

ui.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  const line = ui.composerInput.value;
  const problem = session.input(line);
  showComposerError(problem);
  if (!problem) ui.composerInput.value = '';  // a refused line stays, to be fixed
});

function showComposerError(problem) {
  ui.composerError.replaceChildren(...(problem ? [label(problem)] : []));
}

session.on('error', ({ text }) => showComposerError(text));
ui.composerInput.addEventListener('input', () => { if (ui.composerError.textContent) showComposerError(null); });

// ---- notifications ---------------------------------------------------------------------------

function drawNotifyButton() {
  ui.notifyButton.hidden = !notifier.supported;
  ui.notifyButton.setAttribute('aria-pressed', String(notifier.enabled));
  ui.notifyButton.textContent = notifier.enabled ? 'Notifications on'
    : notifier.denied ? 'Notifications blocked' : 'Notify me';
  ui.notifyButton.title = notifier.denied
    ? 'The browser blocks notifications for this page; allow them in its site settings.'
    : 'Desktop notifications for mentions of your name and private messages, while this tab is hidden';
}

ui.notifyButton.addEventListener('click', async () => {
  if (notifier.enabled) notifier.disable();
  else await notifier.enable();
  drawNotifyButton();
});

session.on('notify', ({ key, kind, from, text, where }) => {
  notifier.show({
    title: kind === 'private' ? `${displayLabel(from)} (private)` : `${displayLabel(from)} in ${displayLabel(where)}`,
    body: displayText(text).slice(0, 200),
    tag: key,
    onClick: () => { window.focus(); select(key); },
  });
});

document.addEventListener('visibilitychange', () => {
  session.setVisible(document.visibilityState === 'visible');
  updateTitle();
});
session.setVisible(document.visibilityState === 'visible');
window.addEventListener('online', () => session.reconnectNow());

// ---- drawers (narrow screens) and keyboard -------------------------------------------------

function toggleDrawer(which, open) {
  const [panel, button] = which === 'rooms' ? [ui.sidebar, ui.roomsToggle] : [ui.members, ui.membersToggle];
  const show = open ?? !panel.classList.contains('open');
  panel.classList.toggle('open', show);
  button.setAttribute('aria-expanded', String(show));
  if (show) panel.querySelector('button, input')?.focus();
}

function closeDrawers() {
  for (const which of ['rooms', 'members']) toggleDrawer(which, false);
}

ui.roomsToggle.addEventListener('click', () => toggleDrawer('rooms'));
// A tap beside an open drawer closes it (narrow screens).
document.querySelector('main').addEventListener('pointerdown', () => {
  if (ui.sidebar.classList.contains('open') || ui.members.classList.contains('open')) closeDrawers();
});
ui.membersToggle.addEventListener('click', () => toggleDrawer('members'));

function moveConversation(step) {
  const list = session.conversations();
  if (!list.length) return;
  const at = list.findIndex((c) => c.key === session.active);
  const next = list[(at + step + list.length) % list.length];
  select(next.key);
}

document.addEventListener('keydown', (event) => {
  if (ui.chat.hidden) return;
  if (event.altKey && !event.ctrlKey && !event.metaKey) {
    const actions = {
      ArrowUp: () => moveConversation(-1),
      ArrowDown: () => moveConversation(1),
      KeyR: () => toggleDrawer('rooms'),
      KeyM: () => toggleDrawer('members'),
    };
    // Letters by their key's position: Alt+R on a Mac types '®'.
    const action = actions[event.key] ?? actions[event.code];
    if (action) {
      event.preventDefault();
      action();
    }
    return;
  }
  if (event.key === 'Escape') {
    closeDrawers();
    ui.composerInput.focus();
  }
});

drawNotifyButton();
ui.signinName.focus();
