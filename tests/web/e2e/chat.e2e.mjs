// SPDX-License-Identifier: BSL-1.0
// Two people in browsers and one in chatcli, in one room: messages both ways with the same ids
// and order everywhere, join and leave notices, a rename, private messages as their own
// conversations, a topic change.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startChatd, startChatcli } from './support/processes.mjs';
import {
  launchBrowser, openUser, submitSignIn, signIn, say, expectMessage, expectNotice, shownMessages,
  openConversation, assertIdsIncrease, assertNothingRan, screenshot, waitUntil,
} from './support/browser.mjs';

const hhmm = String.raw`\d{2}:\d{2}`;

test('two browser users and a chatcli in one room: messages, ids, joins, leaves, rename, private messages, topic', async () => {
  const chatd = await startChatd();
  const browser = await launchBrowser();
  let carol = null;
  try {
    const alice = await openUser(browser, chatd.url);
    await alice.page.getByTestId('signin-name').fill('alice');
    await screenshot(alice.page, 'signin');
    await submitSignIn(alice.page, 'alice');
    await expectNotice(alice.page, 'You joined lobby (1 here)');

    const bob = await signIn(browser, chatd.url, 'bob');
    await expectNotice(alice.page, 'bob joined lobby');

    carol = await startChatcli(chatd.port, 'carol');
    await expectNotice(alice.page, 'carol joined lobby');
    await expectNotice(bob.page, 'carol joined lobby');

    // Each says something; each of the others sees it.
    await say(alice.page, 'hello from alice');
    await expectMessage(bob.page, 'alice', 'hello from alice');
    await carol.waitForLine(new RegExp(`^${hhmm} \\[lobby\\] alice: hello from alice$`));

    await say(bob.page, 'hi alice, bob here');
    await expectMessage(alice.page, 'bob', 'hi alice, bob here');
    await carol.waitForLine(new RegExp(`^${hhmm} \\[lobby\\] bob: hi alice, bob here$`));

    carol.writeLine('hello from the terminal');
    await expectMessage(alice.page, 'carol', 'hello from the terminal');
    await expectMessage(bob.page, 'carol', 'hello from the terminal');

    await say(alice.page, '/me waves at everyone');
    await expectMessage(bob.page, 'alice', 'waves at everyone');
    await carol.waitForLine(new RegExp(`^${hhmm} \\[lobby\\] \\* alice waves at everyone$`));

    // The same messages, ids and order in both browsers and in chatcli.
    const seenByAlice = await shownMessages(alice.page);
    const seenByBob = await shownMessages(bob.page);
    assert.deepEqual(seenByAlice.map((m) => [m.sender, m.text]), [
      ['alice', 'hello from alice'], ['bob', 'hi alice, bob here'],
      ['carol', 'hello from the terminal'], ['alice', 'waves at everyone'],
    ]);
    assert.deepEqual(seenByBob, seenByAlice);
    assertIdsIncrease(seenByAlice, 'alice');
    const carolSaw = carol.lines.flatMap((line) => {
      const m = new RegExp(`^${hhmm} \\[lobby\\] (?:(\\w+): |\\* (\\w+) )(.*)$`).exec(line);
      return m ? [[m[1] ?? m[2], m[3]]] : [];
    });
    assert.deepEqual(carolSaw, seenByAlice.map((m) => [m.sender, m.text]));

    // Times and a day separator.
    const days = await alice.page.getByTestId('day-separator').allTextContents();
    assert.ok(days.length >= 1 && days.at(-1) === 'Today', `day separators: ${days}`);  // (2 across midnight)
    const times = await alice.page.getByTestId('message').locator('time').evaluateAll((nodes) =>
      nodes.map((t) => Date.now() - Date.parse(t.dateTime)));
    assert.ok(times.length === 4 && times.every((ago) => ago >= 0 && ago < 120_000), `message times: ${times}`);

    // Everyone in the member list.
    await waitUntil(alice.page, () =>
      [...document.querySelectorAll('[data-testid=member]')].map((b) => b.dataset.name).sort().join() === 'alice,bob,carol',
    'alice, bob and carol in the member list');

    // A topic change, shown to everyone.
    await say(alice.page, '/topic release on friday');
    for (const user of [alice, bob])
      await user.page.getByTestId('topic').getByText('release on friday').waitFor();
    await expectNotice(bob.page, 'alice set the topic: release on friday');
    await carol.waitForLine(/topic of lobby: release on friday \(set by alice/);

    // A rename, seen by the others and in the member list.
    await say(bob.page, '/nick robert');
    await expectNotice(bob.page, 'You are now known as robert.');
    await expectNotice(alice.page, 'bob is now known as robert');
    await carol.waitForLine('* bob is now known as robert');
    await waitUntil(alice.page, () =>
      [...document.querySelectorAll('[data-testid=member]')].map((b) => b.dataset.name).sort().join() === 'alice,carol,robert',
    'robert in place of bob in the member list');
    await say(bob.page, 'robert now');
    await expectMessage(alice.page, 'robert', 'robert now');
    await screenshot(alice.page, 'room');

    // A private message from browser to browser: its own conversation, not in the room.
    await say(alice.page, '/msg robert psst, just between us');
    const fromAlice = bob.page.locator('[data-testid=private-entry][data-name="alice"]');
    await fromAlice.getByTestId('unread-badge').getByText('1', { exact: true }).waitFor();
    await waitUntil(bob.page, () => document.title === '(1) lobby — libchat', 'the unread count in the tab title');
    await openConversation(bob.page, 'private-entry', 'alice');
    await expectMessage(bob.page, 'alice', 'psst, just between us');
    await waitUntil(bob.page, () => document.title === 'alice — libchat', 'the tab title without unread');
    await say(bob.page, 'got it');
    await openConversation(alice.page, 'private-entry', 'robert');
    await expectMessage(alice.page, 'robert', 'got it');
    await expectMessage(alice.page, 'alice', 'psst, just between us');
    await screenshot(alice.page, 'private');

    // From chatcli to a browser: a conversation of its own too.
    carol.writeLine('/msg alice a word from the terminal');
    await carol.waitForLine(/\[pm:alice\] carol: a word from the terminal$/);
    await openConversation(alice.page, 'private-entry', 'carol');
    await expectMessage(alice.page, 'carol', 'a word from the terminal');

    // Nothing private reached the room.
    await openConversation(alice.page, 'room-entry', 'lobby');
    const lobby = (await shownMessages(alice.page)).map((m) => m.text);
    for (const secret of ['psst, just between us', 'got it', 'a word from the terminal'])
      assert.ok(!lobby.includes(secret), `"${secret}" shown in the room: ${lobby}`);
    assert.ok(!carol.printed('psst'), 'carol saw a private message between alice and robert');

    // Leaving: chatcli quits, a browser user parts; the others are told.
    carol.writeLine('/quit');
    assert.equal((await carol.exited).code, 0, carol.output());
    await expectNotice(alice.page, 'carol left lobby');
    await openConversation(bob.page, 'room-entry', 'lobby');
    await expectNotice(bob.page, 'carol left lobby');
    await say(bob.page, '/part');
    await expectNotice(alice.page, 'robert left lobby');
    await waitUntil(alice.page, () =>
      [...document.querySelectorAll('[data-testid=member]')].map((b) => b.dataset.name).join() === 'alice',
    'alice alone in the member list');

    assertNothingRan(alice, 'alice');
    assertNothingRan(bob, 'bob');
  } finally {
    await carol?.stop();
    await browser.close();
    await chatd.stop();
  }
});
