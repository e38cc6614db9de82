// SPDX-License-Identifier: BSL-1.0
// Catch-up after a reconnect (PROTOCOL.md 7.12, 7.13, 7.19): no gap, no duplicate, messages in
// id order, an honest "missed", and nothing from another server run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CatchUp, historyLimit } from '../../apps/web/catchup.js';

const say = (id, target = '#dev', extra = 0) =>
  ({ type: 'message', id: BigInt(id), time_ms: 0n, flags: extra, sender: 'bob', target, text: `m${id}` });
const replayed = (id, target = '#dev') => say(id, target, 0x01);
const end = (room, last_id, flags = 0, request = 0x05) =>
  ({ type: 'end', request, room, flags, last_id: BigInt(last_id) });
const ids = (messages) => messages.map((m) => Number(m.id));

test('live messages are shown once each and move the seen point', () => {
  const c = new CatchUp();
  c.welcome(7n);
  assert.deepEqual(ids(c.message(say(3))), [3]);
  assert.deepEqual(ids(c.message(say(3))), []);
  assert.deepEqual(ids(c.message(say(5))), [5]);
  assert.equal(c.seen('#dev'), 5n);
  assert.equal(c.seen('#other'), 0n);
});

test('a greeting is held until END, then shown in id order', () => {
  const c = new CatchUp();
  c.welcome(7n);
  c.beginReplay('#dev');
  assert.deepEqual(c.message(replayed(2)), []);
  assert.deepEqual(c.message(replayed(4)), []);
  const r = c.end(end('#dev', 4));
  assert.deepEqual(ids(r.show), [2, 4]);
  assert.equal(r.missed, false);
  assert.equal(c.seen('#dev'), 4n);
  assert.deepEqual(ids(c.message(say(6))), [6]);
});

test('reconnect to the same run: JOIN after the seen point; only newer messages shown', () => {
  const c = new CatchUp();
  c.welcome(7n);
  c.message(say(10));
  c.message(say(12, '#ops'));
  c.connectionLost();
  assert.equal(c.welcome(7n), true);
  assert.deepEqual(c.reconnectRequests(['#dev', '#ops'], false), [
    { type: 'join', room: '#dev', after_id: 10n },
    { type: 'join', room: '#ops', after_id: 12n },
  ]);
  c.beginReplay('#dev');
  c.message(replayed(10));  // a server replaying one too many is still not shown twice
  c.message(replayed(11));
  c.message(replayed(13));
  assert.deepEqual(ids(c.end(end('#dev', 13)).show), [11, 13]);
  assert.deepEqual(ids(c.message(say(13))), []);
  assert.deepEqual(ids(c.message(say(14))), [14]);
});

test('after RESUME: HISTORY per room, and live messages that overtake it are merged by id', () => {
  const c = new CatchUp();
  c.welcome(7n);
  c.message(say(10));
  c.connectionLost();
  c.welcome(7n);
  assert.deepEqual(c.reconnectRequests(['#dev'], true),
                   [{ type: 'history', room: '#dev', after_id: 10n, limit: historyLimit }]);
  c.beginReplay('#dev');
  assert.deepEqual(c.message(say(14)), []);       // live, posted after the RESUME
  c.message(replayed(11));
  c.message(replayed(12));
  c.message(replayed(14));                        // the answer holds it too
  const r = c.end(end('#dev', 14, 0, 0x0c));
  assert.deepEqual(ids(r.show), [11, 12, 14]);
  assert.equal(c.seen('#dev'), 14n);
  assert.deepEqual(ids(c.message(say(15))), [15]);
});

test('a live message past the answer is held until END, then shown after it', () => {
  const c = new CatchUp();
  c.welcome(7n);
  c.beginReplay('#dev');
  c.message(say(20));
  c.message(replayed(18));
  assert.deepEqual(ids(c.end(end('#dev', 18, 0, 0x0c)).show), [18, 20]);
  assert.equal(c.seen('#dev'), 20n);
  assert.deepEqual(c.message(say(20)), []);
});

test('END missed is reported', () => {
  const c = new CatchUp();
  c.welcome(7n);
  c.message(say(10));
  c.connectionLost();
  c.welcome(7n);
  c.beginReplay('#dev');
  c.message(replayed(250));
  const r = c.end(end('#dev', 250, 0x01));
  assert.equal(r.missed, true);
  assert.deepEqual(ids(r.show), [250]);
});

test('a truncated HISTORY asks again after last_id and keeps order across the pieces', () => {
  const c = new CatchUp();
  c.welcome(7n);
  c.beginReplay('#dev');
  c.message(say(9));          // live, overtook the answer
  c.message(replayed(3));
  c.message(replayed(5));
  const first = c.end(end('#dev', 5, 0x02, 0x0c));
  assert.deepEqual(ids(first.show), [3, 5]);
  assert.equal(first.askAfter, 5n);
  assert.ok(c.isReplaying('#dev'));
  c.message(replayed(7));
  c.message(replayed(9));
  const second = c.end(end('#dev', 9, 0, 0x0c));
  assert.deepEqual(ids(second.show), [7, 9]);
  assert.equal(second.askAfter, null);
});

test('another server run: stored ids are discarded and rooms rejoin from 0', () => {
  const c = new CatchUp();
  c.welcome(7n);
  c.message(say(500));
  c.connectionLost();
  assert.equal(c.welcome(8n), false);
  assert.equal(c.seen('#dev'), 0n);
  assert.deepEqual(c.reconnectRequests(['#dev'], false), [{ type: 'join', room: '#dev', after_id: 0n }]);
  c.beginReplay('#dev');
  c.message(replayed(1));
  assert.deepEqual(ids(c.end(end('#dev', 1)).show), [1]);  // small ids of the new run are shown
});

test('what was held when the connection dropped is fetched again, not lost', () => {
  const c = new CatchUp();
  c.welcome(7n);
  c.message(say(4));
  c.beginReplay('#dev');
  c.message(replayed(5));
  c.connectionLost();         // before END: 5 was never shown
  c.welcome(7n);
  assert.equal(c.seen('#dev'), 4n);
});

test('private messages are never held or deduplicated against rooms', () => {
  const c = new CatchUp();
  c.welcome(7n);
  c.beginReplay('#dev');
  assert.deepEqual(ids(c.message(say(3, 'alice', 0x04))), [3]);
});

test('ENDs of LIST and WHO are not catch-up points', () => {
  const c = new CatchUp();
  c.welcome(7n);
  assert.equal(c.end(end('', 0, 0, 0x07)), null);
  assert.equal(c.end(end('#dev', 0, 0, 0x08)), null);
});
