// SPDX-License-Identifier: BSL-1.0
// What a typed line asks for, parsed as chatcli parses it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommand, helpText } from '../../apps/web/commands.js';

test('plain text is said; // sends a line starting with /', () => {
  assert.deepEqual(parseCommand('hello /me'), { kind: 'say', text: 'hello /me' });
  assert.deepEqual(parseCommand('//me is not a command'), { kind: 'say', text: '/me is not a command' });
});

test('/me, /msg, /nick, /join, /part', () => {
  assert.deepEqual(parseCommand('/me waves  twice'), { kind: 'action', text: 'waves  twice' });
  assert.equal(parseCommand('/me').kind, 'invalid');
  assert.deepEqual(parseCommand('/msg bob  hi there'), { kind: 'msg', to: 'bob', text: 'hi there' });
  assert.equal(parseCommand('/msg bob').kind, 'invalid');
  assert.deepEqual(parseCommand('/nick carol'), { kind: 'nick', name: 'carol' });
  assert.equal(parseCommand('/nick two words').kind, 'invalid');
  assert.deepEqual(parseCommand('/join #Dev'), { kind: 'join', room: '#Dev' });
  assert.deepEqual(parseCommand('/j lobby'), { kind: 'join', room: 'lobby' });
  assert.equal(parseCommand('/join').kind, 'invalid');
  assert.deepEqual(parseCommand('/part'), { kind: 'part', room: '', reason: '' });
  assert.deepEqual(parseCommand('/part #dev gone home'), { kind: 'part', room: '#dev', reason: 'gone home' });
  // The first word is always the room: a reason alone never leaves the current room.
  assert.equal(parseCommand('/part bye, all').kind, 'invalid');
  assert.deepEqual(parseCommand('/part gone home'), { kind: 'part', room: 'gone', reason: 'home' });
});

test('/topic shows, sets or clears', () => {
  assert.deepEqual(parseCommand('/topic'), { kind: 'topic', text: null, clear: false });
  assert.deepEqual(parseCommand('/topic release on friday'), { kind: 'topic', text: 'release on friday', clear: false });
  assert.deepEqual(parseCommand('/topic --clear '), { kind: 'topic', text: '', clear: true });
});

test('/help, /who, /rooms, /quit and unknown commands', () => {
  assert.deepEqual(parseCommand('/help'), { kind: 'help' });
  assert.match(helpText, /\/join/);
  for (const c of ['/me', '/msg', '/nick', '/topic', '/part']) assert.ok(helpText.includes(c), c);
  assert.deepEqual(parseCommand('/who'), { kind: 'who', room: '' });
  assert.deepEqual(parseCommand('/rooms'), { kind: 'rooms' });
  assert.deepEqual(parseCommand('/quit bye all'), { kind: 'quit', reason: 'bye all' });
  assert.match(parseCommand('/frobnicate').message, /unknown command \/frobnicate/);
});
