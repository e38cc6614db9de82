// SPDX-License-Identifier: BSL-1.0
// What a line typed into the composer asks for, parsed as chatcli parses it
// (apps/chatcli/command.cpp). Pure: no DOM, no connection.

import { isValidRoom } from './text.js';

export const helpText =
  'Commands: /join <room> · /part [room [reason]] · /msg <name> <text> · /me <action> · ' +
  '/nick <name> · /topic [text | --clear] · /who [room] · /rooms · /quit [reason] · /help. ' +
  'Start a line with // to send one beginning with /.';

// The first space-separated word of `text` and what follows it, leading spaces removed.
function firstWord(text) {
  const trimmed = text.replace(/^ +/, '');
  const space = trimmed.indexOf(' ');
  if (space < 0) return [trimmed, ''];
  return [trimmed.slice(0, space), trimmed.slice(space).replace(/^ +/, '')];
}

const usage = (what) => ({ kind: 'invalid', message: `usage: ${what}` });

/**
 * One of:
 *   { kind: 'say', text } · { kind: 'action', text } · { kind: 'join', room }
 *   { kind: 'part', room, reason } (room '' = the current one) · { kind: 'msg', to, text }
 *   { kind: 'nick', name } · { kind: 'topic', text: string|null, clear: bool }
 *   { kind: 'who', room } · { kind: 'rooms' } · { kind: 'quit', reason } · { kind: 'help' }
 *   { kind: 'invalid', message } (answered here, never sent)
 */
export function parseCommand(line) {
  if (line.startsWith('//')) return { kind: 'say', text: line.slice(1) };
  if (!line.startsWith('/')) return { kind: 'say', text: line };

  const [name, args] = firstWord(line.slice(1));
  switch (name) {
    case 'me':
      return args ? { kind: 'action', text: args } : usage('/me <action>');
    case 'join':
    case 'j': {
      const [room, rest] = firstWord(args);
      return room && !rest ? { kind: 'join', room } : usage('/join <room>');
    }
    case 'part':
    case 'leave': {
      // The first word always names the room, so that a mistyped room never becomes the
      // reason for leaving the current one.
      const [room, reason] = firstWord(args);
      if (room && !isValidRoom(room)) return usage('/part [<room> [<reason>]]');
      return { kind: 'part', room, reason };
    }
    case 'msg':
    case 'query': {
      const [to, text] = firstWord(args);
      return to && text ? { kind: 'msg', to, text } : usage('/msg <name> <text>');
    }
    case 'nick': {
      const [newName, rest] = firstWord(args);
      return newName && !rest ? { kind: 'nick', name: newName } : usage('/nick <name>');
    }
    case 'topic':
      if (!args) return { kind: 'topic', text: null, clear: false };
      if (args.trimEnd() === '--clear') return { kind: 'topic', text: '', clear: true };
      return { kind: 'topic', text: args, clear: false };
    case 'who':
    case 'names': {
      const [room, rest] = firstWord(args);
      return rest ? usage('/who [room]') : { kind: 'who', room };
    }
    case 'rooms':
    case 'list':
      return args ? usage('/rooms') : { kind: 'rooms' };
    case 'quit':
    case 'exit':
      return { kind: 'quit', reason: args };
    case 'help':
    case '?':
      return { kind: 'help' };
    default:
      return { kind: 'invalid', message: `unknown command /${name} (/help lists the commands)` };
  }
}
