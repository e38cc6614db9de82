// SPDX-License-Identifier: BSL-1.0
// The web client's model of a chat session: the connection (WebSocket, one v2 frame per
// message, docs/PROTOCOL.md section 15), sign-in, rooms, members, topics, private
// conversations, unread counts, reconnecting with RESUME or HELLO and exact catch-up
// (catchup.js). No DOM: the socket factory and timers are injected, and the page listens to
// the events it emits (on(type, listener)).

import { encode, decode } from './protocol.js';
import { CatchUp, historyLimit } from './catchup.js';
import { parseCommand, helpText } from './commands.js';
import { mentions } from './notify.js';
import {
  isValidName, isValidRoom, foldCase, checkText, checkShortText, splitText, limits,
  describeTextProblem,
} from './text.js';

export const subprotocol = 'libchat.v2';

const flag = { history: 0x01, action: 0x02, private: 0x04 };
const request = { join: 0x05, list: 0x07, who: 0x08, history: 0x0c };
const endMissed = 0x01;
const endTruncated = 0x02;

// ERROR codes (PROTOCOL.md section 8) the session acts on.
const code = {
  unknownType: 3, notInRoom: 18, nameTaken: 11, invalidName: 10, resumeFailed: 26,
  sessionResumed: 27, badPassword: 25, tooManyConnections: 23,
};
// After these the session cannot simply be picked up again by reconnecting.
const endsForGood = new Set([code.sessionResumed, code.badPassword]);
// Fatal ERRORs (section 8): the connection closes after them.
const fatalCodes = new Set([2, 13, 14, 16, 22, 23, 24, 25, 27]);
// ERRORs that answer no request: the server's own reasons for closing.
const unsolicitedCodes = new Set([13, 14, 16, 22, 23, 27]);

const firstBackoffMs = 1000;
const maxBackoffMs = 30000;

/** The URL of the chat endpoint beside the page: ws(s)://host/chat. */
export function chatUrl(location) {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/chat`;
}

/**
 * A notice whose interpolated values came from the network: n`${name} joined ${room}` keeps
 * them apart from our words, so that the page shows each as an isolated, sanitised label.
 */
export function n(strings, ...values) {
  const parts = [];
  strings.forEach((s, i) => {
    if (s) parts.push({ text: s });
    if (i < values.length) parts.push({ net: String(values[i]) });
  });
  return { text: parts.map((p) => p.text ?? p.net).join(''), parts };
}

export const roomKey = (room) => `room:${room}`;
export const privateKey = (peer) => `pm:${foldCase(peer)}`;

function defaultSocket(url, protocol) {
  return new WebSocket(url, protocol);
}

export class Session {
  /**
   * @param url       the WebSocket URL (chatUrl(location))
   * @param socket    (url, protocol) -> a WebSocket-like object
   * @param timers    { setTimeout, clearTimeout }
   * @param now       () -> ms since the epoch, for notices
   */
  constructor({ url, socket = defaultSocket, timers = globalThis, now = () => Date.now() } = {}) {
    this.url = url;
    this.makeSocket = socket;
    this.timers = timers;
    this.now = now;
    this.listeners = new Map();

    this.status = 'signed-out';  // signed-out | connecting | signing-in | online | reconnecting | ended
    this.name = '';
    this.serverInfo = '';
    this.everOnline = false;
    this.catchup = new CatchUp();
    this.rooms = new Map();      // room (lower-cased) -> room state, in the order joined
    this.privates = new Map();   // folded peer name -> private conversation
    this.active = null;          // key of the conversation shown
    this.visible = true;         // whether the page is being looked at
    this.serverLog = [];         // notices while no conversation exists
    this.seq = 0;

    this.ws = null;
    this.pending = [];           // requests awaiting their answer, oldest first (7.2)
    this.caps = [];
    this.resumeToken = '';
    this.resumed = false;        // the current connection took the old session over
    this.initialRoom = '';
    this.quitting = false;
    this.fatal = null;           // the last fatal ERROR on this connection
    this.failedAttempts = 0;
    this.retryTimer = null;
    this.who = new Map();        // room -> names collected from MEMBERS until END
    this.list = null;            // ROOM_INFOs collected until END (LIST)
  }

  // ---- events ---------------------------------------------------------------------------

  on(type, listener) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(listener);
    return () => this.listeners.get(type).delete(listener);
  }

  emit(type, detail = {}) {
    for (const listener of this.listeners.get(type) ?? []) listener(detail);
  }

  // ---- what the page asks for -----------------------------------------------------------

  /**
   * Signs in as `name`, then joins `room` (empty: none). Returns null, or why the name or room
   * is refused here (the server's refusal arrives later as a 'signin-error' event).
   */
  signIn(name, room = '') {
    if (!isValidName(name))
      return 'A name is 2 to 32 letters, digits, “_”, “-” or “.” (no spaces).';
    if (room && !isValidRoom(room))
      return 'A room is 1 to 64 letters, digits, “_”, “-”, “.” or “#”.';
    this.name = name;
    this.initialRoom = room ? foldCase(room) : '';
    if (this.ws && this.status === 'signing-in') {
      this.#register();  // the connection stays open after a refused HELLO (7.3)
    } else if (!this.ws) {
      this.quitting = false;
      this.#connect();
    }
    return null;
  }

  /** A line typed into the composer. Returns null if it was taken, else why not (kept). */
  input(line) {
    if (line.trim() === '') return null;
    const command = parseCommand(line);
    switch (command.kind) {
      case 'help': this.notice(helpText); return null;
      case 'invalid': return command.message;
      case 'quit': this.quit(command.reason); return null;
      default: break;
    }
    if (this.status !== 'online') return 'Not connected: nothing was sent. Try again once reconnected.';
    switch (command.kind) {
      case 'say': return this.#sayHere(command.text, 0);
      case 'action': return this.#sayHere(command.text, flag.action);
      case 'msg': return this.#privateMessage(command.to, command.text, 0);
      case 'join': return this.join(command.room);
      case 'part': return this.part(command.room, command.reason);
      case 'nick': return this.nick(command.name);
      case 'topic': return this.#topic(command);
      case 'who': return this.#who(command.room);
      case 'rooms': this.list = []; this.#send({ type: 'list' }, { type: 'list' }); return null;
      default: return null;
    }
  }

  join(roomName) {
    if (!isValidRoom(roomName)) return `“${roomName}” is not a room name: 1 to 64 letters, digits, “_”, “-”, “.” or “#”.`;
    const room = foldCase(roomName);
    const known = this.rooms.get(room);
    if (known?.joined) {
      this.select(roomKey(room));
      return null;
    }
    this.#send({ type: 'join', room, after_id: this.catchup.seen(room) }, { type: 'join', room, select: true });
    return null;
  }

  part(roomName = '', reason = '') {
    const room = roomName ? foldCase(roomName) : this.#activeRoom();
    if (!room) return 'You are in no room here: name the room to leave.';
    if (!this.rooms.get(room)?.joined) return `You are not in ${room}.`;
    const problem = checkShortText(reason, limits.maxReasonBytes);
    if (problem) return describeTextProblem(problem, 'reason');
    this.#send({ type: 'part', room, reason }, { type: 'part', room });
    return null;
  }

  nick(newName) {
    if (!isValidName(newName)) return 'A name is 2 to 32 letters, digits, “_”, “-” or “.”.';
    if (newName === this.name) return null;  // the server would not answer (7.11)
    this.#send({ type: 'nick', name: newName }, { type: 'nick' });
    return null;
  }

  /** Shows the conversation `key` and marks it read. */
  select(key) {
    const conversation = this.conversation(key);
    if (!conversation) return;
    this.active = key;
    conversation.unread = 0;
    conversation.mentioned = false;
    this.emit('active', { key });
    this.emit('conversations');
  }

  /** Opens (or shows) the private conversation with `peer`. */
  openPrivate(peer) {
    if (!isValidName(peer)) return `“${peer}” is not a user name.`;
    this.#privateConversation(peer);
    this.select(privateKey(peer));
    return null;
  }

  /** Whether the page is being looked at: unread counts grow for the shown one while not. */
  setVisible(visible) {
    this.visible = visible;
    if (visible && this.active) {
      const conversation = this.conversation(this.active);
      if (conversation && (conversation.unread || conversation.mentioned)) {
        conversation.unread = 0;
        conversation.mentioned = false;
        this.emit('conversations');
      }
    }
  }

  quit(reason = '') {
    this.quitting = true;
    this.#cancelRetry();
    if (this.ws && this.status === 'online') {
      this.#send({ type: 'bye', reason: checkShortText(reason, limits.maxReasonBytes) ? '' : reason });
    } else if (this.ws) {
      this.ws.close();
    }
    if (!this.ws) this.#setStatus('ended');
  }

  // ---- what the page shows ----------------------------------------------------------------

  conversation(key) {
    if (!key) return null;
    if (key.startsWith('room:')) return this.rooms.get(key.slice(5)) ?? null;
    if (key.startsWith('pm:')) return this.privates.get(key.slice(3)) ?? null;
    return null;
  }

  /** Every conversation for the list: rooms in the order joined, then private ones. */
  conversations() {
    const rooms = [...this.rooms.values()].map((r) => ({
      key: roomKey(r.name), kind: 'room', label: r.name, unread: r.unread, mentioned: r.mentioned,
      joined: r.joined }));
    const privates = [...this.privates.values()].map((p) => ({
      key: privateKey(p.peer), kind: 'private', label: p.peer, unread: p.unread,
      mentioned: p.mentioned, joined: true }));
    return [...rooms, ...privates];
  }

  totalUnread() {
    let total = 0;
    for (const c of this.rooms.values()) total += c.unread;
    for (const c of this.privates.values()) total += c.unread;
    return total;
  }

  /** Adds a notice to `key`'s conversation (default: the shown one). */
  notice(content, tone = 'info', key = this.active) {
    const { text, parts } = typeof content === 'string' ? { text: content, parts: [{ text: content }] } : content;
    const entry = { seq: ++this.seq, kind: 'notice', tone, text, parts, time_ms: this.now() };
    const conversation = this.conversation(key);
    if (conversation) conversation.entries.push(entry);
    else this.serverLog.push(entry);
    this.emit('entry', { key: conversation ? key : null, entry });
  }

  // ---- connection -------------------------------------------------------------------------

  #connect() {
    this.#setStatus(this.everOnline ? 'reconnecting' : 'connecting');
    this.fatal = null;
    this.pending = [];
    this.who.clear();
    this.caps = [];
    this.resumed = false;
    let ws;
    try {
      ws = this.makeSocket(this.url, subprotocol);
    } catch (error) {
      return this.#lost(`cannot open a connection: ${error.message}`);
    }
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    // Each handler checks it still belongs to the current socket: an old one's late events
    // are not news.
    ws.onopen = () => { if (this.ws === ws) this.#opened(); };
    ws.onmessage = (event) => { if (this.ws === ws) this.#received(event.data); };
    ws.onclose = (event) => { if (this.ws === ws) this.#closed(event); };
    ws.onerror = () => {};  // a close event always follows
  }

  #opened() {
    if (!this.everOnline) this.#setStatus('signing-in');
    // Extensions are asked for before HELLO (7.17); an old server answers unknown_type.
    this.#send({ type: 'cap', names: ['resume'] }, { type: 'cap' });
    this.#register();
  }

  #register() {
    if (this.resumeToken) {
      // Kept until answered: a connection lost before the answer may try it again.
      this.#send({ type: 'resume', version: 2, name: this.name, token: this.resumeToken }, { type: 'resume' });
    } else {
      // No room in HELLO: rooms are joined afterwards, each after the point seen there (7.13).
      this.#send({ type: 'hello', version: 2, name: this.name, room: '' }, { type: 'hello' });
    }
  }

  #closed(event) {
    this.ws = null;
    this.pending = [];
    this.who.clear();
    this.catchup.connectionLost();
    for (const room of this.rooms.values()) room.catchingUp = false;
    if (this.quitting) {
      this.#setStatus('ended');
      this.notice('You left the chat. Reload the page to sign in again.', 'info');
      return;
    }
    if (!this.everOnline) {
      // Still signing in: the person decides whether to try again.
      const why = this.fatal ? this.fatal.text : 'The server closed the connection' +
                  (event?.code && event.code !== 1000 && event.code !== 1005 ? ` (code ${event.code})` : '') + '.';
      this.#setStatus('signed-out');
      this.emit('signin-error', { text: why });
      return;
    }
    if (this.fatal && endsForGood.has(this.fatal.code)) {
      this.#setStatus('ended');
      this.notice(this.fatal.code === code.sessionResumed
        ? 'This session was taken over by another connection (another tab?). Reload to sign in again.'
        : n`The server refused: ${this.fatal.text}`, 'error');
      return;
    }
    this.#lost(this.fatal ? this.fatal.text : 'Connection lost');
  }

  #lost(why) {
    this.ws = null;
    ++this.failedAttempts;
    let delay = firstBackoffMs;
    for (let i = 1; i < this.failedAttempts && delay < maxBackoffMs; ++i) delay *= 2;
    delay = Math.min(delay, maxBackoffMs);
    this.#setStatus('reconnecting', { retryInMs: delay });
    this.notice(n`${why}; reconnecting in ${delay / 1000} s (attempt ${this.failedAttempts}).`, 'error');
    this.#cancelRetry();
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null;
      if (!this.quitting) this.#connect();
    }, delay);
  }

  /** Reconnects now instead of waiting for the backoff (e.g. the browser came back online). */
  reconnectNow() {
    if (this.status !== 'reconnecting' || this.ws || this.quitting) return;
    this.#cancelRetry();
    this.#connect();
  }

  #cancelRetry() {
    if (this.retryTimer !== null) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  #setStatus(status, detail = {}) {
    this.status = status;
    this.emit('status', { status, ...detail });
  }

  #send(message, awaiting = null) {
    if (!this.ws) return false;
    this.ws.send(encode({ kind: 'client', ...message }));
    if (awaiting) this.pending.push(awaiting);
    return true;
  }

  // ---- what the server says ---------------------------------------------------------------

  #received(data) {
    let m;
    try {
      m = decode(data instanceof Uint8Array ? data : new Uint8Array(data), 'server');
    } catch (error) {
      // A non-conforming server; the frame's boundary is known, so skip it (section 4).
      this.notice(n`A frame from the server could not be read (${error.code ?? error.message}); skipped.`, 'error');
      return;
    }
    const handler = this.#handlers[m.type];
    if (handler) handler.call(this, m);
  }

  // The oldest request awaiting an answer, removed if `matches` it.
  #answered(matches) {
    const index = this.pending.findIndex(matches);
    if (index < 0) return null;
    return this.pending.splice(index, 1)[0];
  }

  #isSelf(name) {
    return foldCase(name) === foldCase(this.name);
  }

  #handlers = {
    welcome(m) {
      const answered = this.#answered((p) => p.type === 'hello' || p.type === 'resume');
      this.resumed = answered?.type === 'resume';
      if (!this.resumed) this.resumeToken = '';  // SESSION brings a new one if granted
      const firstTime = !this.everOnline;
      const sameRun = this.catchup.welcome(m.server_id);
      this.name = m.name;
      this.serverInfo = m.server_info;
      this.everOnline = true;
      this.failedAttempts = 0;
      this.#setStatus('online');
      this.emit('name', { name: this.name });
      if (firstTime) {
        this.emit('signed-in', { name: this.name, serverInfo: this.serverInfo });
        if (this.initialRoom) this.join(this.initialRoom);
        return;
      }
      const rooms = [...this.rooms.values()].filter((r) => r.joined).map((r) => r.name);
      if (!sameRun) {
        // Another server run: its ids mean nothing against ours (7.13), so what was shown
        // cannot be matched with what it holds; start each room afresh from its history.
        for (const name of rooms) this.#previousRun(name);
        this.notice('Reconnected to a restarted server. The messages above are from before the restart: its history cannot be matched with them, and what was said just before it is lost.', 'missed');
      } else {
        this.notice(this.resumed ? 'Reconnected; catching up.' : 'Reconnected; rejoining and catching up.', 'info');
      }
      for (const r of this.catchup.reconnectRequests(rooms, this.resumed)) {
        this.rooms.get(r.room).catchingUp = true;
        if (r.type === 'history') {
          this.catchup.beginReplay(r.room);
          this.#send({ type: 'history', room: r.room, after_id: r.after_id, limit: r.limit }, { type: 'history', room: r.room, catchUp: true });
          // What no history holds (topic, members) is asked again (7.19 step 3).
          this.#send({ type: 'topic', room: r.room, set: 0, text: '' }, { type: 'topic', room: r.room, quiet: true });
          this.#askWho(r.room);
        } else {
          this.rooms.get(r.room).joined = false;
          this.#send({ type: 'join', room: r.room, after_id: r.after_id }, { type: 'join', room: r.room, rejoin: true });
        }
      }
    },

    session(m) {
      this.resumeToken = m.token;  // kept in memory only, never shown
    },

    caps(m) {
      this.#answered((p) => p.type === 'cap');
      this.caps = m.names;
    },

    ping(m) {
      this.#send({ type: 'pong', token: m.token });
    },

    pong() {
      this.#answered((p) => p.type === 'ping');
    },

    error(m) {
      if (fatalCodes.has(m.code)) this.fatal = m;
      // Attributed to the oldest request awaiting its answer (7.2).
      const failed = unsolicitedCodes.has(m.code) ? null : this.pending.shift() ?? null;
      this.#failed(failed, m);
    },

    message(m) {
      const own = this.#isSelf(m.sender) && !(m.flags & flag.history);
      if (own) this.#answered((p) => (m.flags & flag.private ? p.type === 'private' : p.type === 'say' && p.room === m.target));
      if (m.flags & flag.private) return this.#showPrivate(m);
      const shown = this.catchup.message(m);
      const room = this.rooms.get(m.target);
      if (!room) return;  // not a room we show (a late message after PART)
      for (const said of shown) this.#addMessage(room, roomKey(room.name), said);
    },

    joined(m) {
      if (this.#isSelf(m.name)) return this.#joinedSelf(m);
      const room = this.rooms.get(m.room);
      if (!room) return;
      room.memberCount = m.member_count;
      if (!this.who.has(m.room) && room.members) {
        const fits = !room.members.some((n) => foldCase(n) === foldCase(m.name));
        room.members.push(m.name);
        if (!fits || room.members.length !== m.member_count) this.#askWho(m.room);
        this.emit('members', { room: m.room });
      }
      this.notice(n`${m.name} joined ${m.room}`, 'join', roomKey(m.room));
    },

    left(m) {
      const room = this.rooms.get(m.room);
      if (!room) return;
      if (this.#isSelf(m.name)) {
        this.#answered((p) => p.type === 'part' && p.room === m.room);
        this.#leftRoom(m.room, n`You left ${m.room}.`);
        return;
      }
      room.memberCount = m.member_count;
      if (!this.who.has(m.room) && room.members) {
        const index = room.members.findIndex((n) => foldCase(n) === foldCase(m.name));
        if (index >= 0) room.members.splice(index, 1);
        if (index < 0 || room.members.length !== m.member_count) this.#askWho(m.room);
        this.emit('members', { room: m.room });
      }
      this.notice(n`${m.name} left ${m.room}${m.reason ? `: ${m.reason}` : ''}`, 'leave', roomKey(m.room));
    },

    topic(m) {
      const asked = this.#answered((p) => p.type === 'topic' && p.room === m.room);
      const room = this.rooms.get(m.room);
      const before = room?.topic;
      const changed = !before || before.text !== m.text || before.set_by !== m.set_by ||
                      before.time_ms !== m.time_ms;
      if (room) {
        room.topic = { text: m.text, set_by: m.set_by, time_ms: m.time_ms };
        this.emit('topic', { room: m.room });
      }
      const key = room ? roomKey(m.room) : this.active;
      if (asked && !asked.quiet && !asked.setting) {
        this.notice(m.text ? n`Topic of ${m.room}: ${m.text} (set by ${m.set_by})` : n`${m.room} has no topic.`, 'topic', key);
      } else if (room && changed && !this.catchup.isReplaying(m.room)) {
        // (Also a change found by the refresh after a reconnect: it happened while away.)
        this.notice(m.text ? n`${m.set_by} set the topic: ${m.text}` : 'The topic was cleared.', 'topic', key);
      }
    },

    members(m) {
      this.who.get(m.room)?.names.push(...m.names);
    },

    room_info(m) {
      this.list?.push(m);
    },

    end(m) {
      if (m.request === request.who) return this.#whoAnswered(m);
      if (m.request === request.list) {
        this.#answered((p) => p.type === 'list');
        const rooms = this.list ?? [];
        this.list = null;
        this.notice(rooms.length
          ? n`Rooms: ${rooms.map((r) => `${r.room} (${r.member_count})`).join(', ')}${m.flags & endTruncated ? ' and more' : ''}`
          : 'No rooms.', 'info');
        return;
      }
      const answered = this.#answered((p) => (p.type === 'join' || p.type === 'history') && p.room === m.room);
      const result = this.catchup.end(m);
      const room = this.rooms.get(m.room);
      if (!result || !room) return;
      const key = roomKey(room.name);
      if (result.missed)
        this.notice(n`Some messages in ${room.name} were missed: they are older than what the server still holds.`, 'missed', key);
      if (result.show.length && room.catchingUp)
        this.notice(n`${result.show.length} message${result.show.length === 1 ? '' : 's'} while you were away:`, 'info', key);
      for (const said of result.show) this.#addMessage(room, key, said);
      // Said after the history it brought, so that the conversation reads in time order.
      if (answered?.type === 'join' && !answered.rejoin)
        this.notice(n`You joined ${room.name} (${room.memberCount} here).`, 'join', key);
      if (result.askAfter !== null) {
        this.#send({ type: 'history', room: room.name, after_id: result.askAfter, limit: historyLimit },
                   { type: 'history', room: room.name, catchUp: answered?.catchUp });
      } else {
        room.catchingUp = false;
      }
    },

    renamed(m) {
      const self = this.#isSelf(m.old_name);
      if (self) {
        this.#answered((p) => p.type === 'nick');
        this.name = m.new_name;
        this.emit('name', { name: this.name });
      }
      const text = self ? n`You are now known as ${m.new_name}.` : n`${m.old_name} is now known as ${m.new_name}.`;
      for (const [name, room] of this.rooms) {
        const renamedHere = this.#renameIn(room.members, m);
        const collecting = this.who.get(name);
        if (collecting) this.#renameIn(collecting.names, m);
        if (renamedHere) this.emit('members', { room: name });
        if (room.joined && (self || renamedHere)) this.notice(text, 'rename', roomKey(name));
      }
      // A private conversation follows its peer's new name.
      const old = this.privates.get(foldCase(m.old_name));
      if (old && !self) {
        const oldKey = privateKey(m.old_name);
        this.privates.delete(foldCase(m.old_name));
        old.peer = m.new_name;
        this.privates.set(foldCase(m.new_name), old);
        if (this.active === oldKey) this.active = privateKey(m.new_name);
        this.notice(text, 'rename', privateKey(m.new_name));
        this.emit('conversations');
        this.emit('active', { key: this.active });
      } else if (self && !this.rooms.size) {
        this.notice(text, 'rename');
      }
    },
  };

  #failed(failed, m) {
    const text = m.text || `error ${m.code}`;
    if (!failed) {
      // Unsolicited. A fatal one (too_slow, server_shutting_down, ...) is the reason the
      // close that follows gives.
      if (!this.everOnline || fatalCodes.has(m.code)) return;
      this.notice(n`Server: ${text}`, 'error');
      return;
    }
    switch (failed.type) {
      case 'cap':
        this.caps = [];  // an old server: no extensions (7.17)
        return;
      case 'hello':
        if (this.everOnline && m.code === code.nameTaken) {
          // Most likely our old connection, which the server has not noticed is gone yet.
          const ws = this.ws;
          this.ws = null;
          ws?.close();
          this.#lost(`Your name ${this.name} is still taken (the old connection has not timed out yet)`);
          return;
        }
        if (this.everOnline) {
          this.fatal = m;
          this.notice(n`Cannot sign in again: ${text}`, 'error');
          return;
        }
        this.emit('signin-error', { text, code: m.code });
        return;
      case 'resume':
        this.resumeToken = '';
        if (m.code === code.resumeFailed || m.code === code.unknownType) {
          // The session has ended (expired, or the server cannot resume): start anew.
          this.#send({ type: 'hello', version: 2, name: this.name, room: '' }, { type: 'hello' });
          return;
        }
        this.fatal = m;
        this.notice(n`Cannot resume: ${text}`, 'error');
        return;
      case 'join': {
        const shown = this.catchup.cancelReplay(failed.room);
        const room = this.rooms.get(failed.room);
        if (room) for (const said of shown) this.#addMessage(room, roomKey(failed.room), said);
        if (room) room.catchingUp = false;
        this.notice(n`Cannot join ${failed.room}: ${text}`, 'error', room?.joined === false ? roomKey(failed.room) : this.active);
        this.emit('error', { text: `Cannot join ${failed.room}: ${text}` });
        return;
      }
      case 'history': {
        this.catchup.cancelReplay(failed.room);
        if (failed.catchUp && m.code === code.notInRoom) {
          this.#leftRoom(failed.room, n`You are no longer in ${failed.room} (it was left while disconnected): /join it again if you like.`);
          return;
        }
        this.notice(n`History of ${failed.room}: ${text}`, 'error', roomKey(failed.room));
        return;
      }
      case 'who':
        this.who.delete(failed.room);
        if (!failed.quiet) this.notice(n`Who is in ${failed.room}: ${text}`, 'error');
        return;
      case 'topic':
        if (failed.quiet) return;
        break;
      case 'list':
        this.list = null;
        break;
      default:
        break;
    }
    const key = failed.room ? roomKey(failed.room) : failed.to ? privateKey(failed.to) : this.active;
    this.notice(n`Not done: ${text}`, 'error', this.conversation(key) ? key : this.active);
    this.emit('error', { text });
  }

  // ---- rooms --------------------------------------------------------------------------------

  #newRoom(name) {
    return { name, joined: false, catchingUp: false, entries: [], members: null, memberCount: 0,
             topic: { text: '', set_by: '', time_ms: 0n }, unread: 0, mentioned: false };
  }

  #joinedSelf(m) {
    const answered = this.pending.find((p) => p.type === 'join' && p.room === m.room);
    let room = this.rooms.get(m.room);
    if (!room) {
      room = this.#newRoom(m.room);
      this.rooms.set(m.room, room);
    }
    const rejoin = Boolean(answered?.rejoin);
    room.joined = true;
    room.memberCount = m.member_count;
    this.catchup.beginReplay(m.room);
    if (m.member_count === 1) {
      room.members = [m.name];  // alone: the list is exact (7.16)
      this.emit('members', { room: m.room });
    } else {
      this.#askWho(m.room);
    }
    this.emit('conversations');
    if (!rejoin && (answered?.select || !this.active)) this.select(roomKey(m.room));
  }

  #leftRoom(name, text) {
    const room = this.rooms.get(name);
    if (!room) return;
    this.rooms.delete(name);
    if (this.active === roomKey(name)) {
      const next = this.conversations()[0];
      this.active = next ? next.key : null;
      this.emit('active', { key: this.active });
    }
    this.notice(text, 'leave');
    this.emit('conversations');
  }

  // What was shown stays, marked as from the server's previous run: its ids mean nothing now
  // (7.13), so they are no longer the messages' identity and are never compared again.
  #previousRun(name) {
    const room = this.rooms.get(name);
    for (const entry of room.entries) entry.previousRun = true;
    this.emit('reset', { key: roomKey(name) });
  }

  #askWho(room, quiet = true) {
    if (this.who.has(room)) return;  // one at a time: the answer covers what came before
    this.who.set(room, { names: [], quiet });
    this.#send({ type: 'who', room }, { type: 'who', room, quiet });
  }

  #whoAnswered(m) {
    this.#answered((p) => p.type === 'who' && p.room === m.room);
    const collected = this.who.get(m.room);
    this.who.delete(m.room);
    if (!collected) return;
    const room = this.rooms.get(m.room);
    if (room?.joined) {
      room.members = collected.names;
      room.membersTruncated = Boolean(m.flags & endTruncated);
      this.emit('members', { room: m.room });
    }
    if (!collected.quiet)
      this.notice(n`In ${m.room}: ${collected.names.join(', ')}${m.flags & endTruncated ? ' and more' : ''}`, 'info');
  }

  #who(roomName) {
    const room = roomName ? foldCase(roomName) : this.#activeRoom();
    if (!room) return 'Which room? /who <room>';
    if (!isValidRoom(room)) return `“${roomName}” is not a room name.`;
    if (this.who.has(room)) {
      this.who.get(room).quiet = false;
      return null;
    }
    this.#askWho(room, false);
    return null;
  }

  #renameIn(names, m) {
    if (!names) return false;
    const index = names.findIndex((n) => n === m.old_name);
    if (index < 0) return false;
    names[index] = m.new_name;
    return true;
  }

  #activeRoom() {
    return this.active?.startsWith('room:') ? this.active.slice(5) : null;
  }

  // ---- saying things -------------------------------------------------------------------------

  #sayHere(text, flags) {
    if (this.active?.startsWith('pm:')) {
      return this.#privateMessage(this.conversation(this.active).peer, text, flags);
    }
    const room = this.#activeRoom();
    if (!room || !this.rooms.get(room)?.joined) return 'You are in no room: /join one, or /msg someone.';
    return this.#sendPieces(text, (piece) =>
      this.#send({ type: 'say', room, flags, text: piece }, { type: 'say', room }));
  }

  #privateMessage(to, text, flags) {
    if (!isValidName(to)) return `“${to}” is not a user name.`;
    const problem = this.#sendPieces(text, (piece) =>
      this.#send({ type: 'private_message', to, flags, text: piece }, { type: 'private', to }));
    if (!problem && !this.privates.has(foldCase(to))) {
      this.#privateConversation(to);
      this.select(privateKey(to));
    }
    return problem;
  }

  // A line goes out whole or not at all: every piece is checked before any is sent.
  #sendPieces(text, send) {
    const pieces = splitText(text);
    for (const piece of pieces) {
      const problem = checkText(piece);
      if (problem) return describeTextProblem(problem);
    }
    if (!pieces.length) return describeTextProblem('invalid_text');
    for (const piece of pieces) send(piece);
    return null;
  }

  #topic(command) {
    const room = this.#activeRoom();
    if (!room) return 'Topics belong to rooms: switch to a room first.';
    if (command.text === null) {
      this.#send({ type: 'topic', room, set: 0, text: '' }, { type: 'topic', room });
      return null;
    }
    const problem = checkShortText(command.text, limits.maxTopicBytes);
    if (problem) return describeTextProblem(problem, 'topic (at most 512 bytes)');
    this.#send({ type: 'topic', room, set: 1, text: command.text }, { type: 'topic', room, setting: true });
    return null;
  }

  // ---- showing messages ---------------------------------------------------------------------

  #privateConversation(peer) {
    const folded = foldCase(peer);
    let conversation = this.privates.get(folded);
    if (!conversation) {
      conversation = { peer, entries: [], unread: 0, mentioned: false };
      this.privates.set(folded, conversation);
      this.emit('conversations');
    }
    return conversation;
  }

  #showPrivate(m) {
    const own = this.#isSelf(m.sender);
    const peer = own ? m.target : m.sender;
    const conversation = this.#privateConversation(peer);
    if (!own) conversation.peer = m.sender;  // the registered spelling
    this.#addMessage(conversation, privateKey(peer), m);
    if (!this.active) this.select(privateKey(peer));
  }

  #addMessage(conversation, key, m) {
    const own = this.#isSelf(m.sender);
    const privately = Boolean(m.flags & flag.private);
    const history = Boolean(m.flags & flag.history);
    const mention = !own && !privately && mentions(m.text, this.name);
    const entry = {
      seq: ++this.seq, kind: 'message', id: m.id, time_ms: Number(m.time_ms), sender: m.sender,
      text: m.text, action: Boolean(m.flags & flag.action), history, private: privately, own, mention,
    };
    conversation.entries.push(entry);
    this.emit('entry', { key, entry });
    // Replayed history is news only when it is what was said while we were away.
    if (own || (history && !conversation.catchingUp)) return;
    const looking = this.visible && this.active === key;
    if (!looking) {
      conversation.unread += 1;
      if (mention || privately) conversation.mentioned = true;
      this.emit('conversations');
    }
    if (mention || privately) this.emit('notify', { key, kind: privately ? 'private' : 'mention', from: m.sender, text: m.text, where: privately ? null : m.target });
  }
}
