// SPDX-License-Identifier: BSL-1.0
// The web client's model driven through a fake WebSocket with the real protocol codec: what a
// person signs in, sees, says and gets back after the connection drops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Session, roomKey, privateKey, chatUrl } from '../../apps/web/session.js';
import { encode, decode } from '../../apps/web/protocol.js';

class FakeSocket {
  constructor(url, protocol) {
    this.url = url;
    this.protocol = protocol;
    this.sent = [];
    this.closed = false;
  }
  send(bytes) {
    assert.ok(bytes instanceof Uint8Array);
    this.sent.push(decode(bytes, 'client'));
  }
  close() { this.closed = true; }
  // The server side of the test:
  open() { this.onopen?.({}); }
  frame(message) {
    const bytes = encode({ kind: 'server', ...message });
    // Browsers deliver an ArrayBuffer (binaryType 'arraybuffer').
    this.onmessage?.({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
  }
  drop(code = 1006) { this.onclose?.({ code }); }
  take() { const s = this.sent; this.sent = []; return s; }
}

// Timers run only when the test says so: no sleeping.
class FakeTimers {
  constructor() { this.queue = []; }
  setTimeout(fn, ms) { this.queue.push({ fn, ms }); return this.queue.length; }
  clearTimeout() { this.queue = []; }
  runAll() { const q = this.queue; this.queue = []; for (const t of q) t.fn(); return q.map((t) => t.ms); }
}

function setUp() {
  const sockets = [];
  const timers = new FakeTimers();
  const session = new Session({
    url: 'ws://chat.test/chat', timers, now: () => 0,
    socket: (url, protocol) => { const s = new FakeSocket(url, protocol); sockets.push(s); return s; },
  });
  const events = [];
  for (const type of ['signin-error', 'signed-in', 'notify', 'status', 'error'])
    session.on(type, (detail) => events.push({ type, ...detail }));
  return { session, sockets, timers, events, socket: () => sockets[sockets.length - 1] };
}

const msg = (id, sender, target, text, flags = 0, time_ms = 1700000000000n) =>
  ({ type: 'message', id: BigInt(id), time_ms, flags, sender, target, text });
const texts = (session, key) =>
  session.conversation(key).entries.filter((e) => e.kind === 'message').map((e) => e.text);
const notices = (session, key) =>
  session.conversation(key).entries.filter((e) => e.kind === 'notice').map((e) => e.text);

// Signs in as `name` and joins `room` with `members` there; returns the fixture.
function signedIn({ name = 'alice', room = '#dev', members = [name], history = [], resume = true, serverId = 42n } = {}) {
  const f = setUp();
  assert.equal(f.session.signIn(name, room), null);
  const ws = f.socket();
  ws.open();
  assert.deepEqual(ws.take().map((m) => m.type), ['cap', 'hello']);
  ws.frame({ type: 'caps', names: resume ? ['resume'] : [] });
  ws.frame({ type: 'welcome', server_info: 'chatd test', server_id: serverId, name });
  if (resume) ws.frame({ type: 'session', token: 'a'.repeat(32), grace_ms: 60000 });
  greet(ws, name, room, members, history);
  return f;
}

function greet(ws, name, room, members, history, { after = 0n, flags = 0 } = {}) {
  const join = ws.take().find((m) => m.type === 'join');
  assert.deepEqual({ room: join.room, after_id: join.after_id }, { room, after_id: after });
  ws.frame({ type: 'joined', name, room, member_count: members.length });
  ws.frame({ type: 'topic', room, text: '', set_by: '', time_ms: 0n });
  for (const m of history) ws.frame({ ...m, flags: m.flags | 0x01 });
  const last = history.length ? history[history.length - 1].id : after;
  ws.frame({ type: 'end', request: 0x05, room, flags, last_id: last });
  if (members.length > 1) {
    const who = ws.take().find((m) => m.type === 'who');
    assert.equal(who.room, room);
    ws.frame({ type: 'members', room, names: members });
    ws.frame({ type: 'end', request: 0x08, room, flags: 0, last_id: 0n });
  }
}

test('the URL is the page host\'s /chat, ws or wss as the page', () => {
  assert.equal(chatUrl({ protocol: 'http:', host: 'h:8080' }), 'ws://h:8080/chat');
  assert.equal(chatUrl({ protocol: 'https:', host: 'h' }), 'wss://h/chat');
});

test('sign-in: an invalid name is refused before anything is sent', () => {
  const { session, sockets } = setUp();
  assert.match(session.signIn('a b', ''), /2 to 32/);
  assert.match(session.signIn('x', ''), /2 to 32/);
  assert.match(session.signIn('alice', 'no room'), /room/);
  assert.equal(sockets.length, 0);
});

test('sign-in: the server\'s refusal is shown and another name can be tried on the same connection', () => {
  const { session, socket, events } = setUp();
  session.signIn('alice', 'lobby');
  const ws = socket();
  assert.equal(ws.protocol, 'libchat.v2');
  assert.equal(ws.binaryType, 'arraybuffer');
  ws.open();
  const [cap, hello] = ws.take();
  assert.deepEqual(cap.names, ['resume']);
  assert.deepEqual({ version: hello.version, name: hello.name, room: hello.room }, { version: 2, name: 'alice', room: '' });
  ws.frame({ type: 'caps', names: ['resume'] });
  ws.frame({ type: 'error', code: 11, text: 'name alice is taken' });
  assert.deepEqual(events.filter((e) => e.type === 'signin-error').map((e) => e.text), ['name alice is taken']);
  assert.equal(session.status, 'signing-in');
  session.signIn('alice2', 'lobby');
  assert.deepEqual(ws.take().map((m) => [m.type, m.name]), [['hello', 'alice2']]);
  ws.frame({ type: 'welcome', server_info: 'x', server_id: 1n, name: 'alice2' });
  assert.equal(session.status, 'online');
  assert.equal(session.name, 'alice2');
  assert.deepEqual(ws.take().map((m) => [m.type, m.room]), [['join', 'lobby']]);
});

test('an old server without extensions: CAP unknown_type means no capabilities', () => {
  const { session, socket } = setUp();
  session.signIn('alice', '');
  const ws = socket();
  ws.open();
  ws.take();
  ws.frame({ type: 'error', code: 3, text: 'unknown message type 0x0e' });
  ws.frame({ type: 'welcome', server_info: 'old', server_id: 1n, name: 'alice' });
  assert.equal(session.status, 'online');
  assert.deepEqual(session.caps, []);
});

test('join: history on join, the member list, then live messages; unread counts elsewhere', () => {
  const { session, socket } = signedIn({
    members: ['bob', 'alice'],
    history: [msg(3, 'bob', '#dev', 'earlier one'), msg(5, 'bob', '#dev', 'earlier two')],
  });
  const ws = socket();
  assert.equal(session.active, roomKey('#dev'));
  assert.deepEqual(texts(session, roomKey('#dev')), ['earlier one', 'earlier two']);
  assert.deepEqual(session.rooms.get('#dev').members, ['bob', 'alice']);
  assert.equal(session.rooms.get('#dev').unread, 0);  // history is not news

  ws.frame(msg(6, 'bob', '#dev', 'live'));
  assert.deepEqual(texts(session, roomKey('#dev')), ['earlier one', 'earlier two', 'live']);
  assert.equal(session.rooms.get('#dev').unread, 0);  // being looked at

  assert.equal(session.input('/join #Ops'), null);
  assert.deepEqual(ws.take().map((m) => [m.type, m.room, m.after_id]), [['join', '#ops', 0n]]);
  ws.frame({ type: 'joined', name: 'alice', room: '#ops', member_count: 1 });
  ws.frame({ type: 'topic', room: '#ops', text: 'ops things', set_by: 'carol', time_ms: 1n });
  ws.frame({ type: 'end', request: 0x05, room: '#ops', flags: 0, last_id: 0n });
  assert.equal(session.active, roomKey('#ops'));
  assert.equal(session.rooms.get('#ops').topic.text, 'ops things');
  assert.deepEqual(session.rooms.get('#ops').members, ['alice']);
  ws.frame(msg(8, 'bob', '#dev', 'while you look at ops'));
  assert.equal(session.rooms.get('#dev').unread, 1);
  assert.equal(session.totalUnread(), 1);
  session.select(roomKey('#dev'));
  assert.equal(session.totalUnread(), 0);
  assert.deepEqual(session.conversations().map((c) => c.label), ['#dev', '#ops']);
});

test('saying, /me, and a local refusal that keeps the text', () => {
  const { session, socket } = signedIn();
  const ws = socket();
  assert.equal(session.input('hello all'), null);
  assert.equal(session.input('/me waves'), null);
  assert.deepEqual(ws.take().map((m) => [m.type, m.room, m.flags, m.text]),
                   [['say', '#dev', 0, 'hello all'], ['say', '#dev', 2, 'waves']]);
  ws.frame(msg(10, 'alice', '#dev', 'hello all'));
  ws.frame(msg(11, 'alice', '#dev', 'waves', 0x02));
  const [hello, wave] = session.conversation(roomKey('#dev')).entries.filter((e) => e.kind === 'message');
  assert.equal(hello.own, true);
  assert.equal(wave.action, true);
  assert.equal(session.pending.length, 0);  // the echoes were the answers
  assert.match(session.input('bad\u0007bell'), /control character/);
  assert.match(session.input('/frob'), /unknown command/);
  assert.deepEqual(ws.take(), []);
});

test('a server ERROR is attributed to the request it answers and shown', () => {
  const { session, socket, events } = signedIn();
  const ws = socket();
  session.input('/join #full');
  ws.take();
  ws.frame({ type: 'error', code: 21, text: 'too many rooms (limit 64)' });
  assert.ok(notices(session, roomKey('#dev')).some((t) => t.includes('Cannot join #full: too many rooms (limit 64)')));
  assert.ok(events.some((e) => e.type === 'error' && e.text.includes('too many rooms')));
  assert.equal(session.rooms.has('#full'), false);
});

test('members: JOINED, LEFT and RENAMED update the list and are noticed', () => {
  const { session, socket } = signedIn({ members: ['bob', 'alice'] });
  const ws = socket();
  ws.frame({ type: 'joined', name: 'carol', room: '#dev', member_count: 3 });
  assert.deepEqual(session.rooms.get('#dev').members, ['bob', 'alice', 'carol']);
  ws.frame({ type: 'left', name: 'bob', room: '#dev', member_count: 2, reason: 'lunch' });
  assert.deepEqual(session.rooms.get('#dev').members, ['alice', 'carol']);
  ws.frame({ type: 'renamed', old_name: 'carol', new_name: 'caroline' });
  assert.deepEqual(session.rooms.get('#dev').members, ['alice', 'caroline']);
  assert.deepEqual(notices(session, roomKey('#dev')).slice(-3),
                   ['carol joined #dev', 'bob left #dev: lunch', 'carol is now known as caroline.']);
  assert.deepEqual(ws.take(), []);  // every notice fitted the list: no WHO needed
  // One that does not fit (a missed notice, 7.16) asks WHO again.
  ws.frame({ type: 'joined', name: 'dave', room: '#dev', member_count: 9 });
  assert.deepEqual(ws.take().map((m) => [m.type, m.room]), [['who', '#dev']]);
});

test('rename yourself: /nick, RENAMED, later messages under the new name', () => {
  const { session, socket } = signedIn();
  const ws = socket();
  assert.match(session.input('/nick no way'), /usage/);
  assert.match(session.input('/nick x'), /2 to 32/);
  assert.equal(session.input('/nick alicia'), null);
  assert.deepEqual(ws.take().map((m) => [m.type, m.name]), [['nick', 'alicia']]);
  ws.frame({ type: 'renamed', old_name: 'alice', new_name: 'alicia' });
  assert.equal(session.name, 'alicia');
  assert.deepEqual(session.rooms.get('#dev').members, ['alicia']);
  assert.ok(notices(session, roomKey('#dev')).includes('You are now known as alicia.'));
  ws.frame(msg(20, 'alicia', '#dev', 'mine'));
  assert.equal(session.conversation(roomKey('#dev')).entries.at(-1).own, true);
});

test('private conversations are their own entries, follow renames, and notify', () => {
  const { session, socket, events } = signedIn();
  const ws = socket();
  assert.equal(session.input('/msg bob psst'), null);
  assert.deepEqual(ws.take().map((m) => [m.type, m.to, m.text]), [['private_message', 'bob', 'psst']]);
  assert.equal(session.active, privateKey('bob'));
  ws.frame(msg(30, 'alice', 'Bob', 'psst', 0x04));
  ws.frame(msg(31, 'Bob', 'alice', 'yes?', 0x04));
  assert.deepEqual(texts(session, privateKey('bob')), ['psst', 'yes?']);
  assert.deepEqual(session.conversations().map((c) => [c.kind, c.label]), [['room', '#dev'], ['private', 'Bob']]);
  // Plain text in a private conversation goes to the peer.
  session.input('/me nods');
  assert.deepEqual(ws.take().map((m) => [m.type, m.to, m.flags]), [['private_message', 'Bob', 2]]);
  // A message from someone new opens a conversation, unread, with a notification.
  session.select(roomKey('#dev'));
  ws.frame(msg(32, 'carol', 'alice', 'hi alice', 0x04));
  assert.equal(session.privates.get('carol').unread, 1);
  // (Every private message from someone else is news; the page notifies only while hidden.)
  assert.deepEqual(events.filter((e) => e.type === 'notify').map((e) => [e.kind, e.from]),
                   [['private', 'Bob'], ['private', 'carol']]);
  ws.frame({ type: 'renamed', old_name: 'carol', new_name: 'caro' });
  assert.ok(session.privates.has('caro') && !session.privates.has('carol'));
  assert.deepEqual(texts(session, privateKey('caro')), ['hi alice']);
});

test('mentions of your name notify; others do not', () => {
  const { socket, events } = signedIn();
  const ws = socket();
  ws.frame(msg(40, 'bob', '#dev', 'malice aforethought'));
  ws.frame(msg(41, 'bob', '#dev', 'ALICE: look'));
  ws.frame(msg(42, 'alice', '#dev', 'I am alice'));
  assert.deepEqual(events.filter((e) => e.type === 'notify').map((e) => [e.kind, e.text]), [['mention', 'ALICE: look']]);
});

test('topic: the greeting sets it quietly, a change is noticed, /topic sets and asks', () => {
  const { session, socket } = signedIn();
  const ws = socket();
  ws.frame({ type: 'topic', room: '#dev', text: 'release friday', set_by: 'bob', time_ms: 5n });
  assert.equal(session.rooms.get('#dev').topic.text, 'release friday');
  assert.equal(notices(session, roomKey('#dev')).at(-1), 'bob set the topic: release friday');
  session.input('/topic ship it');
  assert.deepEqual(ws.take().map((m) => [m.type, m.room, m.set, m.text]), [['topic', '#dev', 1, 'ship it']]);
  session.input('/topic --clear');
  assert.deepEqual(ws.take().map((m) => [m.set, m.text]), [[1, '']]);
  assert.match(session.input(`/topic ${'x'.repeat(513)}`), /512/);
  session.input('/topic');
  assert.deepEqual(ws.take().map((m) => [m.type, m.set]), [['topic', 0]]);
});

test('PING is answered with PONG carrying the token', () => {
  const { socket } = signedIn();
  const ws = socket();
  ws.frame({ type: 'ping', token: 0xfedcba9876543210n });
  assert.deepEqual(ws.take().map((m) => [m.type, m.token]), [['pong', 0xfedcba9876543210n]]);
});

test('/part leaves the room and it leaves the list', () => {
  const { session, socket } = signedIn();
  const ws = socket();
  assert.match(session.input('/part #nope'), /not in #nope/);
  session.input('/part #dev see you');
  assert.deepEqual(ws.take().map((m) => [m.type, m.room, m.reason]), [['part', '#dev', 'see you']]);
  ws.frame({ type: 'left', name: 'alice', room: '#dev', member_count: 0, reason: 'see you' });
  assert.equal(session.rooms.size, 0);
  assert.equal(session.active, null);
});

test('reconnect with RESUME: HISTORY after the seen point, live ones merged, no gap, no duplicate', () => {
  const { session, socket, timers } = signedIn({ members: ['bob', 'alice'], history: [msg(3, 'bob', '#dev', 'one')] });
  let ws = socket();
  ws.frame(msg(4, 'bob', '#dev', 'two'));
  ws.drop();
  assert.equal(session.status, 'reconnecting');
  assert.match(notices(session, roomKey('#dev')).at(-1), /reconnecting in 1 s/);
  assert.deepEqual(timers.runAll(), [1000]);
  ws = socket();
  ws.open();
  const [cap, resume] = ws.take();
  assert.equal(cap.type, 'cap');
  assert.deepEqual([resume.type, resume.name, resume.token], ['resume', 'alice', 'a'.repeat(32)]);
  ws.frame({ type: 'caps', names: ['resume'] });
  ws.frame({ type: 'welcome', server_info: 'chatd test', server_id: 42n, name: 'alice' });
  ws.frame({ type: 'session', token: 'b'.repeat(32), grace_ms: 60000 });
  const sent = ws.take();
  assert.deepEqual(sent.map((m) => [m.type, m.room]), [['history', '#dev'], ['topic', '#dev'], ['who', '#dev']]);
  assert.equal(sent[0].after_id, 4n);
  assert.equal(sent[0].limit, 65535);
  // A live message overtakes the answer, which also holds it.
  ws.frame(msg(7, 'bob', '#dev', 'five'));
  ws.frame(msg(5, 'bob', '#dev', 'three', 0x01));
  ws.frame(msg(6, 'bob', '#dev', 'four', 0x01));
  ws.frame(msg(7, 'bob', '#dev', 'five', 0x01));
  ws.frame({ type: 'end', request: 0x0c, room: '#dev', flags: 0, last_id: 7n });
  ws.frame({ type: 'topic', room: '#dev', text: '', set_by: '', time_ms: 0n });
  ws.frame({ type: 'members', room: '#dev', names: ['bob', 'alice'] });
  ws.frame({ type: 'end', request: 0x08, room: '#dev', flags: 0, last_id: 0n });
  ws.frame(msg(7, 'bob', '#dev', 'five'));  // a repeat is never shown twice
  ws.frame(msg(8, 'bob', '#dev', 'six'));
  assert.deepEqual(texts(session, roomKey('#dev')), ['one', 'two', 'three', 'four', 'five', 'six']);
  const shownIds = session.conversation(roomKey('#dev')).entries.filter((e) => e.kind === 'message').map((e) => e.id);
  assert.deepEqual(shownIds, [3n, 4n, 5n, 6n, 7n, 8n]);
  assert.equal(session.status, 'online');
  // The next reconnect uses the fresh token.
  ws.drop();
  timers.runAll();
  socket().open();
  assert.equal(socket().take()[1].token, 'b'.repeat(32));
});

test('reconnect with HELLO (resume refused): JOIN after the seen point; missed is said honestly', () => {
  const { session, socket, timers } = signedIn({ history: [msg(3, 'bob', '#dev', 'one')] });
  let ws = socket();
  ws.drop();
  timers.runAll();
  ws = socket();
  ws.open();
  assert.deepEqual(ws.take().map((m) => m.type), ['cap', 'resume']);
  ws.frame({ type: 'caps', names: ['resume'] });
  ws.frame({ type: 'error', code: 26, text: 'no session to resume' });
  const hello = ws.take();
  assert.deepEqual(hello.map((m) => [m.type, m.name, m.room]), [['hello', 'alice', '']]);
  ws.frame({ type: 'welcome', server_info: 'chatd test', server_id: 42n, name: 'alice' });
  const join = ws.take().find((m) => m.type === 'join');
  assert.deepEqual([join.room, join.after_id], ['#dev', 3n]);
  ws.frame({ type: 'joined', name: 'alice', room: '#dev', member_count: 1 });
  ws.frame({ type: 'topic', room: '#dev', text: '', set_by: '', time_ms: 0n });
  ws.frame(msg(300, 'bob', '#dev', 'much later', 0x01));
  ws.frame({ type: 'end', request: 0x05, room: '#dev', flags: 0x01, last_id: 300n });
  assert.deepEqual(texts(session, roomKey('#dev')), ['one', 'much later']);
  assert.ok(notices(session, roomKey('#dev')).some((t) => /Some messages in #dev were missed/.test(t)));
  assert.equal(session.rooms.get('#dev').unread, 0);  // being looked at
});

test('reconnect to a restarted server: old ids discarded, JOIN after 0, nothing mismatched', () => {
  const { session, socket, timers } = signedIn({ resume: false, history: [msg(900, 'bob', '#dev', 'old run')] });
  let ws = socket();
  ws.drop();
  timers.runAll();
  ws = socket();
  ws.open();
  assert.deepEqual(ws.take().map((m) => m.type), ['cap', 'hello']);
  ws.frame({ type: 'caps', names: [] });
  ws.frame({ type: 'welcome', server_info: 'chatd test', server_id: 43n, name: 'alice' });
  greet(ws, 'alice', '#dev', ['alice'], [msg(1, 'carol', '#dev', 'new run')], { after: 0n });
  // What was shown stays, marked as the previous run's; the new run's messages follow.
  assert.deepEqual(texts(session, roomKey('#dev')), ['old run', 'new run']);
  const [old, fresh] = session.conversation(roomKey('#dev')).entries.filter((e) => e.kind === 'message');
  assert.equal(old.previousRun, true);
  assert.equal(fresh.previousRun, undefined);
  assert.ok(notices(session, roomKey('#dev')).some((t) => /restarted server/.test(t)));
  ws.frame(msg(900, 'bob', '#dev', 'a new 900'));  // the old run's 900 is no reason to drop it
  assert.deepEqual(texts(session, roomKey('#dev')), ['old run', 'new run', 'a new 900']);
});

test('reconnecting backs off, and a name still held by the old connection is retried', () => {
  const { session, socket, timers } = signedIn({ resume: false });
  socket().drop();
  assert.deepEqual(timers.runAll(), [1000]);
  socket().drop();  // the server is still away
  assert.deepEqual(timers.runAll(), [2000]);
  socket().drop();
  assert.deepEqual(timers.runAll(), [4000]);
  const ws = socket();
  ws.open();
  ws.take();
  ws.frame({ type: 'caps', names: [] });
  ws.frame({ type: 'error', code: 11, text: 'name alice is taken' });
  assert.equal(ws.closed, true);
  assert.equal(session.status, 'reconnecting');
  assert.deepEqual(timers.runAll(), [8000]);
});

test('a session taken over elsewhere is not reconnected; /quit says BYE and stays away', () => {
  const a = signedIn();
  a.socket().frame({ type: 'error', code: 27, text: 'session resumed by another connection' });
  a.socket().drop(1000);
  assert.equal(a.session.status, 'ended');
  assert.deepEqual(a.timers.queue, []);

  const b = signedIn();
  b.session.input('/quit off now');
  assert.deepEqual(b.socket().take().map((m) => [m.type, m.reason]), [['bye', 'off now']]);
  b.socket().drop(1000);
  assert.equal(b.session.status, 'ended');
  assert.deepEqual(b.timers.queue, []);
});

test('while disconnected nothing is sent and the typed line is kept', () => {
  const { session, socket } = signedIn();
  socket().drop();
  assert.match(session.input('are you there'), /Not connected/);
});

test('the sign-in connection closing is reported to the sign-in form', () => {
  const { session, socket, events } = setUp();
  session.signIn('alice', '');
  socket().open();
  socket().frame({ type: 'error', code: 16, text: 'no HELLO within 30 s' });
  socket().drop(1000);
  assert.equal(session.status, 'signed-out');
  assert.deepEqual(events.filter((e) => e.type === 'signin-error').map((e) => e.text), ['no HELLO within 30 s']);
});

test('a frame that cannot be decoded is skipped with a notice', () => {
  const { session, socket } = signedIn();
  socket().onmessage({ data: new Uint8Array([0, 0, 0, 1, 0x7f]).buffer });
  assert.match(notices(session, roomKey('#dev')).at(-1), /could not be read/);
});

test('notices keep network strings apart from our words, to be shown as isolated labels', () => {
  const { session, socket } = signedIn();
  socket().frame({ type: 'topic', room: '#dev', text: '<img src=x onerror=alert(1)>\u202Eevil', set_by: 'bob', time_ms: 9n });
  const notice = session.conversation(roomKey('#dev')).entries.at(-1);
  assert.deepEqual(notice.parts, [{ net: 'bob' }, { text: ' set the topic: ' }, { net: '<img src=x onerror=alert(1)>\u202Eevil' }]);
});

test('while the page is hidden the shown conversation counts unread too, until looked at', () => {
  const { session, socket } = signedIn();
  session.setVisible(false);
  socket().frame(msg(50, 'bob', '#dev', 'anyone?'));
  socket().frame(msg(51, 'bob', '#dev', 'hello?'));
  assert.equal(session.totalUnread(), 2);
  session.setVisible(true);
  assert.equal(session.totalUnread(), 0);
});

test('/who and /rooms answer in the conversation', () => {
  const { session, socket } = signedIn();
  const ws = socket();
  assert.equal(session.input('/who #ops'), null);
  assert.equal(session.input('/rooms'), null);
  assert.deepEqual(ws.take().map((m) => [m.type, m.room]), [['who', '#ops'], ['list', undefined]]);
  ws.frame({ type: 'members', room: '#ops', names: ['carol', 'dave'] });
  ws.frame({ type: 'end', request: 0x08, room: '#ops', flags: 0, last_id: 0n });
  ws.frame({ type: 'room_info', room: '#dev', member_count: 1, topic: '' });
  ws.frame({ type: 'room_info', room: '#ops', member_count: 2, topic: 'x' });
  ws.frame({ type: 'end', request: 0x07, room: '', flags: 0, last_id: 0n });
  assert.deepEqual(notices(session, roomKey('#dev')).slice(-2), ['In #ops: carol, dave', 'Rooms: #dev (1), #ops (2)']);
  assert.equal(session.rooms.has('#ops'), false);  // asking is not joining
});
