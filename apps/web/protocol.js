// SPDX-License-Identifier: BSL-1.0
// The libchat v2 wire codec for the browser client (docs/PROTOCOL.md sections 2-5, 15.2).
// One WebSocket message carries exactly one frame: encode() returns one, decode() takes one.
// Held to the C++ codec's bytes by tests/vectors/messages.json (tests/web/protocol.test.mjs).

export const protocolVersion = 2;

export const clientTypes = {
  hello: 0x01, say: 0x02, ping: 0x03, bye: 0x04, join: 0x05, part: 0x06, list: 0x07, who: 0x08,
  topic: 0x09, private_message: 0x0A, nick: 0x0B, history: 0x0C, pong: 0x0D,
  cap: 0x0E, pass: 0x0F, resume: 0x10,
};

export const serverTypes = {
  welcome: 0x81, message: 0x82, joined: 0x83, left: 0x84, pong: 0x85, error: 0x86, ping: 0x87,
  topic: 0x88, room_info: 0x89, members: 0x8A, end: 0x8B, renamed: 0x8C,
  caps: 0x8D, session: 0x8E,
};

/** ERROR codes (PROTOCOL.md section 8, chat::errc), name -> number. Servers may send others. */
export const errorCodes = {
  unsupported_version: 1, frame_too_large: 2, unknown_type: 3, malformed_frame: 4,
  invalid_utf8: 5, invalid_text: 6, unexpected_type: 7, not_registered: 8,
  already_registered: 9, invalid_name: 10, name_taken: 11, invalid_room: 12, too_slow: 13,
  server_shutting_down: 14, internal_error: 15, handshake_timeout: 16, no_such_room: 17,
  not_in_room: 18, already_in_room: 19, no_such_user: 20, too_many_rooms: 21, ping_timeout: 22,
  too_many_connections: 23, flooding: 24, bad_password: 25, resume_failed: 26,
  session_resumed: 27,
};

/** SAY / PRIVATE / MESSAGE flag bits. */
export const flags = { history: 0x01, action: 0x02, private: 0x04 };
/** END flag bits. */
export const endFlags = { missed: 0x01, truncated: 0x02 };

/** A frame that cannot be decoded; `code` is the PROTOCOL.md section 8 name. */
export class ProtocolError extends Error {
  /**
   * @param {'malformed_frame'|'invalid_utf8'|'unexpected_type'|'unknown_type'|'frame_too_large'} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

// Each message's fields in wire order, as in lib/include/chat/messages.hpp.
const clientFields = {
  hello: [['version', 'u16'], ['name', 'string'], ['room', 'string']],
  say: [['room', 'string'], ['flags', 'u8'], ['text', 'string']],
  ping: [['token', 'u64']],
  bye: [['reason', 'string']],
  join: [['room', 'string'], ['after_id', 'u64']],
  part: [['room', 'string'], ['reason', 'string']],
  list: [],
  who: [['room', 'string']],
  topic: [['room', 'string'], ['set', 'u8'], ['text', 'string']],
  private_message: [['to', 'string'], ['flags', 'u8'], ['text', 'string']],
  nick: [['name', 'string']],
  history: [['room', 'string'], ['after_id', 'u64'], ['limit', 'u16']],
  pong: [['token', 'u64']],
  cap: [['names', 'list']],
  pass: [['password', 'string']],
  resume: [['version', 'u16'], ['name', 'string'], ['token', 'string']],
};

const serverFields = {
  welcome: [['server_info', 'string'], ['server_id', 'u64'], ['name', 'string']],
  message: [['id', 'u64'], ['time_ms', 'u64'], ['flags', 'u8'], ['sender', 'string'],
            ['target', 'string'], ['text', 'string']],
  joined: [['name', 'string'], ['room', 'string'], ['member_count', 'u32']],
  left: [['name', 'string'], ['room', 'string'], ['member_count', 'u32'], ['reason', 'string']],
  pong: [['token', 'u64']],
  error: [['code', 'u16'], ['text', 'string']],
  ping: [['token', 'u64']],
  topic: [['room', 'string'], ['text', 'string'], ['set_by', 'string'], ['time_ms', 'u64']],
  room_info: [['room', 'string'], ['member_count', 'u32'], ['topic', 'string']],
  members: [['room', 'string'], ['names', 'list']],
  end: [['request', 'u8'], ['room', 'string'], ['flags', 'u8'], ['last_id', 'u64']],
  renamed: [['old_name', 'string'], ['new_name', 'string']],
  caps: [['names', 'list']],
  session: [['token', 'string'], ['grace_ms', 'u32']],
};

const directions = {
  client: { types: clientTypes, fields: clientFields },
  server: { types: serverTypes, fields: serverFields },
};

// Type byte -> name, per direction.
const namesByByte = {
  client: new Map(Object.entries(clientTypes).map(([name, byte]) => [byte, name])),
  server: new Map(Object.entries(serverTypes).map(([name, byte]) => [byte, name])),
};

const encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is part of the string, as for the C++ codec, not stripped.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// With the u flag a surrogate pair is one code point, so this matches only lone surrogates.
const loneSurrogate = /\p{Cs}/u;
const intBits = { u8: 8, u16: 16, u32: 32 };
const u64Max = (1n << 64n) - 1n;

/**
 * Encodes a message into one whole frame, length prefix included.
 * u64 fields take a BigInt (or a safe non-negative integer Number); the others a Number.
 * @param {{kind: 'client'|'server', type: string}} message with its fields (messages.hpp names)
 * @returns {Uint8Array}
 * @throws {TypeError} unknown kind or type, missing or mistyped field
 * @throws {RangeError} integer out of range, string over 65535 bytes, list over 65535 entries
 */
export function encode(message) {
  const direction = Object.hasOwn(directions, message?.kind) ? directions[message.kind] : undefined;
  if (!direction || !Object.hasOwn(direction.types, message.type))
    throw new TypeError(`protocol: no ${message?.kind} message ${message?.type}`);
  const layout = direction.fields[message.type];

  // Strings are encoded once, up front, to size the frame exactly.
  const parts = layout.map(([name, kind]) => encodeField(name, kind, message[name]));
  const length = 1 + parts.reduce((sum, part) => sum + part.size, 0);
  const bytes = new Uint8Array(4 + length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, length);
  view.setUint8(4, direction.types[message.type]);
  let offset = 5;
  for (const part of parts) offset = part.write(bytes, view, offset);
  return bytes;
}

function encodeField(name, kind, value) {
  if (kind === 'string') return encodeString(name, value);
  if (kind === 'list') {
    if (!Array.isArray(value)) throw new TypeError(`protocol: ${name} must be an array of strings`);
    if (value.length > 0xffff) throw new RangeError(`protocol: ${name} has over 65535 entries`);
    const strings = value.map((entry) => encodeString(name, entry));
    return {
      size: 2 + strings.reduce((sum, s) => sum + s.size, 0),
      write(bytes, view, offset) {
        view.setUint16(offset, strings.length);
        offset += 2;
        for (const s of strings) offset = s.write(bytes, view, offset);
        return offset;
      },
    };
  }
  if (kind === 'u64') {
    const big = typeof value === 'bigint' ? value
      : Number.isSafeInteger(value) ? BigInt(value)
      : undefined;
    if (big === undefined) throw new TypeError(`protocol: ${name} must be a BigInt`);
    if (big < 0n || big > u64Max) throw new RangeError(`protocol: ${name} out of u64 range`);
    return { size: 8, write: (bytes, view, offset) => (view.setBigUint64(offset, big), offset + 8) };
  }
  const bits = intBits[kind];
  if (!Number.isInteger(value)) throw new TypeError(`protocol: ${name} must be an integer`);
  if (value < 0 || value >= 2 ** bits) throw new RangeError(`protocol: ${name} out of ${kind} range`);
  const size = bits / 8;
  return {
    size,
    write(bytes, view, offset) {
      if (size === 1) view.setUint8(offset, value);
      else if (size === 2) view.setUint16(offset, value);
      else view.setUint32(offset, value);
      return offset + size;
    },
  };
}

function encodeString(name, value) {
  if (typeof value !== 'string') throw new TypeError(`protocol: ${name} must be a string`);
  // TextEncoder would silently turn a lone surrogate into U+FFFD; refuse it instead.
  if (loneSurrogate.test(value)) throw new TypeError(`protocol: ${name} has a lone surrogate`);
  const utf8 = encoder.encode(value);
  if (utf8.length > 0xffff) throw new RangeError(`protocol: ${name} is over 65535 bytes`);
  return {
    size: 2 + utf8.length,
    write(bytes, view, offset) {
      view.setUint16(offset, utf8.length);
      bytes.set(utf8, offset + 2);
      return offset + 2 + utf8.length;
    },
  };
}

/**
 * Decodes one whole frame (one WebSocket message) sent by `from`, following PROTOCOL.md
 * section 15.2 (exactly one frame, L >= 1) and then section 4 (the first failing step decides).
 * @param {Uint8Array} frameBytes
 * @param {'client'|'server'} [from='server'] who sent it
 * @param {{maxFrame?: number}} [options] maxFrame: the limit on L (frame_too_large above it)
 * @returns {{kind: 'client'|'server', type: string}} with its fields; u64 as BigInt
 * @throws {ProtocolError}
 */
export function decode(frameBytes, from = 'server', { maxFrame } = {}) {
  const receiving = Object.hasOwn(namesByByte, from) ? namesByByte[from] : undefined;
  if (!receiving) throw new TypeError(`protocol: from must be 'client' or 'server', not ${from}`);
  if (!(frameBytes instanceof Uint8Array)) throw new TypeError('protocol: decode takes a Uint8Array');
  if (frameBytes.byteLength < 4)
    throw new ProtocolError('malformed_frame', 'frame shorter than its length prefix');
  const view = new DataView(frameBytes.buffer, frameBytes.byteOffset, frameBytes.byteLength);
  const length = view.getUint32(0);
  // As a TCP receiver does on the four length bytes, before looking at the body.
  if (maxFrame !== undefined && length > maxFrame)
    throw new ProtocolError('frame_too_large', `frame length ${length} above the limit ${maxFrame}`);
  if (length === 0) throw new ProtocolError('malformed_frame', 'frame length 0');
  if (length !== frameBytes.byteLength - 4)
    throw new ProtocolError('malformed_frame',
      `frame length ${length} but ${frameBytes.byteLength - 4} bytes follow it`);

  const typeByte = view.getUint8(4);
  const type = receiving.get(typeByte);
  if (type === undefined) {
    const other = from === 'server' ? 'client' : 'server';
    if (namesByByte[other].has(typeByte))
      throw new ProtocolError('unexpected_type', `type 0x${hex(typeByte)} is a ${other} message`);
    throw new ProtocolError('unknown_type', `unknown type 0x${hex(typeByte)}`);
  }

  const reader = new FieldReader(frameBytes, view, 5);
  const message = { kind: from, type };
  for (const [name, kind] of directions[from].fields[type]) message[name] = reader.read(kind);
  if (reader.offset !== frameBytes.byteLength)
    throw new ProtocolError('malformed_frame',
      `${frameBytes.byteLength - reader.offset} bytes left after the last field of ${type}`);
  return message;
}

function hex(byte) {
  return byte.toString(16).padStart(2, '0');
}

// Reads fields front to back; throws at the first that does not fit or is not UTF-8.
class FieldReader {
  constructor(bytes, view, offset) {
    this.bytes = bytes;
    this.view = view;
    this.offset = offset;
  }

  take(n) {
    if (this.bytes.byteLength - this.offset < n)
      throw new ProtocolError('malformed_frame', 'a field runs past the end of the frame');
    const at = this.offset;
    this.offset += n;
    return at;
  }

  read(kind) {
    switch (kind) {
      case 'u8': return this.view.getUint8(this.take(1));
      case 'u16': return this.view.getUint16(this.take(2));
      case 'u32': return this.view.getUint32(this.take(4));
      case 'u64': return this.view.getBigUint64(this.take(8));
      case 'string': return this.readString();
      case 'list': {
        // No preallocation for the announced count: each string must actually be there.
        const count = this.read('u16');
        const out = [];
        for (let i = 0; i < count; ++i) out.push(this.readString());
        return out;
      }
    }
    throw new Error(`protocol: unknown field kind ${kind}`);
  }

  readString() {
    const length = this.read('u16');
    const at = this.take(length);
    try {
      return decoder.decode(this.bytes.subarray(at, at + length));
    } catch {
      throw new ProtocolError('invalid_utf8', 'a string is not well-formed UTF-8');
    }
  }
}
