// SPDX-License-Identifier: BSL-1.0
// Catch-up bookkeeping (docs/PROTOCOL.md 7.12, 7.13, 7.19), by chatcli's rules
// (apps/chatcli/room_memory.cpp, chat_session.cpp): for each room the point `seen` up to which
// every message has been shown or declared missed, so that a reconnect asks for exactly what
// came after it; replayed and live messages merged by id, no duplicate ever shown, no gap.
// Pure state: no connection, no DOM. Ids are BigInts.

export const historyLimit = 65535;  // at least any server's history size (7.19)

const joinRequest = 0x05;
const historyRequest = 0x0c;
const historyFlag = 0x01;
const privateFlag = 0x04;
const missedFlag = 0x01;
const truncatedFlag = 0x02;

const byId = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export class CatchUp {
  constructor() {
    this.serverId = null;     // of the last WELCOME; ids mean something only under it
    this.seenIds = new Map(); // room -> BigInt; kept for rooms since left (a /join resumes)
    this.replays = new Map(); // room -> { floor, held: MESSAGE[] } while an answer is collected
  }

  /**
   * A WELCOME from server run `serverId`. Returns false if it is another run than the last:
   * then every stored id is discarded and rooms are caught up from scratch (7.13 step 4).
   */
  welcome(serverId) {
    const sameRun = this.serverId === null || this.serverId === serverId;
    if (!sameRun) this.seenIds.clear();
    this.serverId = serverId;
    this.replays.clear();
    return sameRun;
  }

  /** Every message of `room` with an id up to this has been shown or declared missed. */
  seen(room) {
    return this.seenIds.get(room) ?? 0n;
  }

  /** The connection is gone: what was held, unshown, is fetched again by the next catch-up. */
  connectionLost() {
    this.replays.clear();
  }

  /** A greeting (own JOINED) or HISTORY answer for `room` begins: hold its messages until END. */
  beginReplay(room) {
    if (!this.replays.has(room)) this.replays.set(room, { floor: this.seen(room), held: [] });
  }

  /** The request whose answer was awaited failed (ERROR): nothing more will come for it. */
  cancelReplay(room) {
    const replay = this.replays.get(room);
    this.replays.delete(room);
    return replay ? this.#fresh(replay.held.sort(byId), replay.floor) : [];
  }

  isReplaying(room) {
    return this.replays.has(room);
  }

  /**
   * A MESSAGE arrived. Returns the messages to show now, in order (none, while the room's
   * answer is being collected or if it was shown before). Private messages are never replayed
   * (7.7) and are always shown.
   */
  message(m) {
    if (m.flags & privateFlag) return [m];
    const replay = this.replays.get(m.target);
    if (replay) {
      if (m.id > replay.floor) replay.held.push(m);
      return [];
    }
    if (m.id <= this.seen(m.target)) return [];  // shown before the connection dropped
    this.seenIds.set(m.target, m.id);
    return [m];
  }

  /**
   * END arrived. For a JOIN greeting or HISTORY answer returns
   *   { room, show: MESSAGE[] (in id order, each once), missed, truncated, askAfter }
   * where `askAfter` (a BigInt, or null) is the after_id of the HISTORY to send next because
   * the answer stopped at its limit. Other ENDs (LIST, WHO) return null.
   */
  end(e) {
    if (e.request !== joinRequest && e.request !== historyRequest) return null;
    const room = e.room;
    const replay = this.replays.get(room) ?? { floor: this.seen(room), held: [] };
    const truncated = Boolean(e.flags & truncatedFlag);
    const missed = Boolean(e.flags & missedFlag);
    if (e.last_id > this.seen(room)) this.seenIds.set(room, e.last_id);

    const sorted = replay.held.sort(byId);
    let show;
    if (truncated) {
      // Messages past last_id wait for the rest of the answer, so that order holds.
      show = this.#unique(sorted.filter((m) => m.id <= e.last_id));
      replay.held = sorted.filter((m) => m.id > e.last_id);
      this.replays.set(room, replay);
    } else {
      show = this.#fresh(sorted, replay.floor);
      this.replays.delete(room);
    }
    return { room, show, missed, truncated, askAfter: truncated ? e.last_id : null };
  }

  /**
   * What to send for each room after a reconnect, in order: after RESUME a HISTORY per room
   * (the session is still a member, 7.19); after HELLO a JOIN per room with the point it was
   * seen up to, which welcome() has reset to 0 if the server is another run (7.13).
   */
  reconnectRequests(rooms, resumed) {
    return rooms.map((room) =>
      resumed ? { type: 'history', room, after_id: this.seen(room), limit: historyLimit }
              : { type: 'join', room, after_id: this.seen(room) });
  }

  // The messages of a complete answer to show: each once, past what was shown before, and
  // the room's seen point moved past every one of them.
  #fresh(sorted, floor) {
    const show = this.#unique(sorted.filter((m) => m.id > floor));
    const last = show.length ? show[show.length - 1] : null;
    if (last && last.id > this.seen(last.target)) this.seenIds.set(last.target, last.id);
    return show;
  }

  #unique(sorted) {
    return sorted.filter((m, i) => i === 0 || sorted[i - 1].id !== m.id);
  }
}

export const isHistory = (m) => Boolean(m.flags & historyFlag);
