// SPDX-License-Identifier: BSL-1.0
// The page with the keyboard alone: sign in, talk, join a room, move between conversations
// (Alt+Up/Down), open the member list (Alt+M) and come back to the message box (Esc).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startChatd, startChatcli } from './support/processes.mjs';
import { launchBrowser, openUser, expectMessage, expectNotice, assertNothingRan, waitUntil } from './support/browser.mjs';

const focused = (page) => page.evaluate(() => document.activeElement?.dataset.testid ?? document.activeElement?.tagName);

async function expectShown(page, title) {
  await waitUntil(page, (t) => document.querySelector('[data-testid=conversation-title]').textContent === t,
    `"${title}" to be shown`, title);
}

test('keyboard alone: sign in, talk, join, switch conversations, members, back to the message box', async () => {
  const chatd = await startChatd();
  const browser = await launchBrowser();
  let carol = null;
  try {
    carol = await startChatcli(chatd.port, 'carol');
    const alice = await openUser(browser, chatd.url);
    const { page, page: { keyboard } } = alice;

    assert.equal(await focused(page), 'signin-name', 'the name field has the focus on arrival');
    await keyboard.type('alice');
    await keyboard.press('Tab');
    assert.equal(await focused(page), 'signin-room');
    await keyboard.press('Enter');
    await expectNotice(page, 'You joined lobby');
    assert.equal(await focused(page), 'composer-input', 'the message box has the focus once in');

    await keyboard.type('typed, not clicked');
    await keyboard.press('Enter');
    await carol.waitForLine(/\[lobby\] alice: typed, not clicked$/);
    await keyboard.type('/join dev');
    await keyboard.press('Enter');
    await expectShown(page, 'dev');
    carol.writeLine('/msg alice over here');
    await page.locator('[data-testid=private-entry][data-name="carol"]').waitFor();

    // Alt+Up/Down go round the conversation list: dev, carol, lobby, ...
    await keyboard.press('Alt+ArrowDown');
    await expectShown(page, 'Private: carol');
    await expectMessage(page, 'carol', 'over here');
    await keyboard.press('Alt+ArrowDown');
    await expectShown(page, 'lobby');
    await keyboard.press('Alt+ArrowUp');
    await expectShown(page, 'Private: carol');
    await keyboard.type('and here');
    await keyboard.press('Enter');
    await carol.waitForLine(/\[pm:alice\] alice: and here$/);
    await keyboard.press('Alt+ArrowDown');
    await expectShown(page, 'lobby');

    // Alt+M takes the focus into the member list; Esc brings it back to the message box.
    await keyboard.press('Alt+KeyM');
    await waitUntil(page, () => document.activeElement?.dataset.testid === 'member', 'the focus in the member list');
    await keyboard.press('Escape');
    assert.equal(await focused(page), 'composer-input');
    await keyboard.press('Tab');
    assert.equal(await focused(page), 'send-button');
    assertNothingRan(alice, 'alice');
  } finally {
    await carol?.stop();
    await browser.close();
    await chatd.stop();
  }
});
