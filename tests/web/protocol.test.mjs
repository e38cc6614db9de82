// SPDX-License-Identifier: BSL-1.0
// apps/web/protocol.js against the shared vectors (the C++ codec's bytes) and a few properties.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import {
  encode, decode, ProtocolError, errorCodes, flags, endFlags, protocolVersion,
  clientTypes, serverTypes,
} from '../../apps/web/protocol.js';

const vectors = JSON.parse(readFileSync(new URL('../vectors/messages.json', import.meta.url)));

// The u64 fields, which the vectors write as decimal strings (kept here, not taken from
// protocol.js, so that the test does not trust the code it checks).
const u64Fields = {
  client: { ping: ['token'], join: ['after_id'], history: ['after_id'], pong: ['token'] },
  server: {
    welcome: ['server_id'], message: ['id', 'time_ms'], pong: ['token'], ping: ['token'],
    topic: ['time_ms'], end: ['last_id'],
  },
};

function fromHex(hex) {
  return hex === '' ? new Uint8Array(0) : Uint8Array.from(hex.split(' '), (b) => parseInt(b, 16));
}

function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

// The message object protocol.js deals in, from a vector.
function messageOf(vector) {
  const message = { kind: vector.kind, type: vector.type, ...vector.fields };
  for (const name of u64Fields[vector.kind][vector.type] ?? []) message[name] = BigInt(message[name]);
  return message;
}

function label(vector) {
  return `${vector.kind} ${vector.type} ${JSON.stringify(vector.fields)}`;
}

test('every vector: encode gives exactly its bytes', () => {
  for (const vector of vectors.messages)
    assert.equal(toHex(encode(messageOf(vector))), vector.hex, label(vector));
});

test('every vector: decode gives exactly its fields, u64 as BigInt', () => {
  for (const vector of vectors.messages) {
    const decoded = decode(fromHex(vector.hex), vector.kind);
    assert.deepEqual(decoded, messageOf(vector), label(vector));
    for (const name of u64Fields[vector.kind][vector.type] ?? [])
      assert.equal(typeof decoded[name], 'bigint', `${label(vector)}: ${name}`);
  }
});

test('the vectors cover every message type of both directions', () => {
  const covered = new Set(vectors.messages.map((v) => `${v.kind}:${v.type}`));
  for (const type of Object.keys(clientTypes)) assert.ok(covered.has(`client:${type}`), type);
  for (const type of Object.keys(serverTypes)) assert.ok(covered.has(`server:${type}`), type);
});

test('every decode_error vector: decode throws a ProtocolError with its code', () => {
  for (const vector of vectors.decode_errors) {
    const options = vector.max_frame === undefined ? {} : { maxFrame: vector.max_frame };
    assert.throws(() => decode(fromHex(vector.hex), vector.from, options),
      (error) => error instanceof ProtocolError && error.code === vector.error,
      `${vector.note}: expected ${vector.error}`);
  }
});

test('decode reads a frame that is a view into a larger buffer', () => {
  const frame = encode({ kind: 'server', type: 'pong', token: 7n });
  const buffer = new Uint8Array(frame.length + 6);
  buffer.set(frame, 3);
  assert.deepEqual(decode(buffer.subarray(3, 3 + frame.length)),
    { kind: 'server', type: 'pong', token: 7n });
});

test('maxFrame: L equal to the limit is accepted, above it is frame_too_large', () => {
  const frame = encode({ kind: 'server', type: 'ping', token: 1n });  // L = 9
  assert.equal(decode(frame, 'server', { maxFrame: 9 }).token, 1n);
  assert.throws(() => decode(frame, 'server', { maxFrame: 8 }), { code: 'frame_too_large' });
});

test('encode refuses what it cannot send faithfully', () => {
  const say = { kind: 'client', type: 'say', room: '#dev', flags: 0, text: 'hi' };
  assert.throws(() => encode({ ...say, text: 'lone \uD800' }), TypeError);
  assert.throws(() => encode({ ...say, text: 'x'.repeat(65536) }), RangeError);
  assert.throws(() => encode({ ...say, flags: 256 }), RangeError);
  assert.throws(() => encode({ ...say, flags: -1 }), RangeError);
  assert.throws(() => encode({ ...say, flags: 1.5 }), TypeError);
  assert.throws(() => encode({ kind: 'client', type: 'say', room: '#dev', flags: 0 }), TypeError);
  assert.throws(() => encode({ kind: 'client', type: 'ping', token: 1n << 64n }), RangeError);
  assert.throws(() => encode({ kind: 'client', type: 'ping', token: -1n }), RangeError);
  assert.throws(() => encode({ kind: 'client', type: 'welcome' }), TypeError);
  assert.throws(() => encode({ kind: 'server', type: 'nope' }), TypeError);
  assert.throws(() => encode({ kind: 'constructor', type: 'toString' }), TypeError);
  assert.throws(() => decode(encode(say), 'constructor'), TypeError);
  assert.throws(() => encode({ kind: 'server', type: 'caps', names: 'resume' }), TypeError);
  assert.equal(encode({ ...say, text: 'x'.repeat(65535) }).length, 4 + 1 + 6 + 1 + 2 + 65535);
});

test('errorCodes are chat::errc of lib/include/chat/error.hpp (the wire codes)', () => {
  const header = readFileSync(new URL('../../lib/include/chat/error.hpp', import.meta.url), 'utf8');
  const wire = Object.fromEntries([...header.matchAll(/^\s*(\w+) = (\d+),/gm)]
    .map(([, name, code]) => [name, Number(code)]).filter(([, code]) => code < 100));
  assert.deepEqual(errorCodes, wire);
});

test('flags, endFlags and protocolVersion are those of PROTOCOL.md', () => {
  assert.deepEqual(flags, { history: 0x01, action: 0x02, private: 0x04 });
  assert.deepEqual(endFlags, { missed: 0x01, truncated: 0x02 });
  assert.equal(protocolVersion, 2);
});

// --- Properties over random valid messages (seeded: a failure names its seed). ---

// Mulberry32: small, deterministic.
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const codePoints = [0x00, 0x41, 0x7a, 0x7f, 0x80, 0xdf, 0x7ff, 0x800, 0x20ac, 0xd7ff, 0xe000,
  0xfeff, 0xfffd, 0xffff, 0x10000, 0x1f389, 0x10ffff];

function randomValue(next, kind) {
  const int = (n) => Math.floor(next() * n);
  switch (kind) {
    case 'u8': return int(0x100);
    case 'u16': return int(0x10000);
    case 'u32': return int(0x100000000);
    case 'u64': return (BigInt(int(0x100000000)) << 32n) | BigInt(int(0x100000000));
    case 'string': {
      const length = int(4) === 0 ? 0 : int(40);
      return String.fromCodePoint(...Array.from({ length }, () => codePoints[int(codePoints.length)]));
    }
    case 'list': return Array.from({ length: int(5) }, () => randomValue(next, 'string'));
  }
  throw new Error(kind);
}

// The field kinds per message, learnt from the vectors (one vector per type is enough).
function layoutOf(vector) {
  const u64 = u64Fields[vector.kind][vector.type] ?? [];
  return Object.entries(vector.fields).map(([name, value]) => [name,
    u64.includes(name) ? 'u64'
      : Array.isArray(value) ? 'list'
      : typeof value === 'string' ? 'string'
      : null]);
}

// Integer field widths, which the vectors' values alone do not show.
const intKinds = {
  version: 'u16', flags: 'u8', set: 'u8', limit: 'u16', member_count: 'u32', code: 'u16',
  request: 'u8', grace_ms: 'u32',
};

const layouts = new Map();
for (const vector of vectors.messages) {
  const key = `${vector.kind}:${vector.type}`;
  if (!layouts.has(key))
    layouts.set(key, layoutOf(vector).map(([name, kind]) => [name, kind ?? intKinds[name]]));
}

function randomMessage(next) {
  const keys = [...layouts.keys()];
  const key = keys[Math.floor(next() * keys.length)];
  const [kind, type] = key.split(':');
  const message = { kind, type };
  for (const [name, fieldKind] of layouts.get(key)) message[name] = randomValue(next, fieldKind);
  return message;
}

test('random valid messages: decode(encode(m)) is m, and L is the byte length minus 4', () => {
  for (let seed = 1; seed <= 2000; ++seed) {
    const message = randomMessage(random(seed));
    const frame = encode(message);
    assert.equal(new DataView(frame.buffer).getUint32(0), frame.length - 4, `seed ${seed}`);
    assert.deepEqual(decode(frame, message.kind), message, `seed ${seed}`);
  }
});

// With L corrected: a shorter body lacks part of a field, a longer one has leftover bytes.
function withBody(frame, bodyLength) {
  const out = new Uint8Array(5 + bodyLength);
  out.set(frame.subarray(0, Math.min(frame.length, out.length)));
  new DataView(out.buffer).setUint32(0, 1 + bodyLength);
  return out;
}

test('random valid messages: any cut or any extra byte is malformed_frame', () => {
  for (let seed = 1; seed <= 300; ++seed) {
    const message = randomMessage(random(seed));
    const frame = encode(message);
    const body = frame.length - 5;
    for (let cut = 0; cut < body; ++cut)
      assert.throws(() => decode(withBody(frame, cut), message.kind), { code: 'malformed_frame' },
        `seed ${seed}, body cut to ${cut} of ${body}`);
    assert.throws(() => decode(withBody(frame, body + 1), message.kind),
      { code: 'malformed_frame' }, `seed ${seed}, one extra byte`);
  }
});

test('every message decoded as from the other direction is unexpected_type', () => {
  for (const vector of vectors.messages) {
    const other = vector.kind === 'client' ? 'server' : 'client';
    assert.throws(() => decode(fromHex(vector.hex), other), { code: 'unexpected_type' }, label(vector));
  }
});
