// SPDX-License-Identifier: BSL-1.0
// Activity a person notices without watching the tab: the unread count in the tab title, and
// opt-in desktop notifications for a mention of their name and for a private message, only
// while the tab is hidden and only once asked for.
//
// Headless Chromium has no tab to hide, so an init script stands in for the page's visibility
// (document.hidden / visibilityState, with the visibilitychange event) and records each
// Notification the page creates (the real one still made, with the permission granted).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startChatd, startChatcli } from './support/processes.mjs';
import { launchBrowser, signIn, expectMessage, assertNothingRan, waitUntil } from './support/browser.mjs';

function watchVisibilityAndNotifications() {
  let hidden = false;
  Object.defineProperty(Document.prototype, 'hidden', { get: () => hidden });
  Object.defineProperty(Document.prototype, 'visibilityState', { get: () => (hidden ? 'hidden' : 'visible') });
  window.__setHidden = (value) => {
    hidden = value;
    document.dispatchEvent(new Event('visibilitychange'));
  };
  window.__notifications = [];
  const Real = window.Notification;
  window.Notification = class extends Real {
    constructor(title, options = {}) {
      super(title, options);
      window.__notifications.push({ title, body: options.body ?? '' });
    }
  };
}

const notifications = (page) => page.evaluate(() => window.__notifications);

test('tab title counts unread while hidden; notifications, once enabled, for mentions and private messages while hidden', async () => {
  const chatd = await startChatd();
  const browser = await launchBrowser();
  let carol = null;
  try {
    const alice = await signIn(browser, chatd.url, 'alice', 'lobby',
      { permissions: ['notifications'], initScript: watchVisibilityAndNotifications });
    const { page } = alice;
    carol = await startChatcli(chatd.port, 'carol');

    // Off until asked for: hidden, mentioned, nothing shown; but the title counts.
    await page.evaluate(() => window.__setHidden(true));
    carol.writeLine('alice: before you asked');
    await expectMessage(page, 'carol', 'alice: before you asked');
    await waitUntil(page, () => document.title === '(1) lobby — libchat', 'the unread count in the title');
    assert.deepEqual(await notifications(page), []);
    await page.evaluate(() => window.__setHidden(false));
    await waitUntil(page, () => document.title === 'lobby — libchat', 'the count gone once looked at');

    await page.getByTestId('notify-button').click();
    await page.getByTestId('notify-button').and(page.locator('[aria-pressed="true"]')).waitFor();

    // Visible: nothing to notify.
    carol.writeLine('alice: while you look');
    await expectMessage(page, 'carol', 'alice: while you look');

    // Hidden: a mention and a private message notify; other talk only counts.
    await page.evaluate(() => window.__setHidden(true));
    carol.writeLine('nothing for anyone in particular');
    carol.writeLine('hey @alice, <b>look</b>');
    carol.writeLine('/msg alice just for you');
    await waitUntil(page, () => window.__notifications.length === 2, 'two notifications');
    assert.deepEqual(await notifications(page), [
      { title: 'carol in lobby', body: 'hey @alice, <b>look</b>' },
      { title: 'carol (private)', body: 'just for you' },
    ]);
    await waitUntil(page, () => document.title === '(3) lobby — libchat', 'three unread in the title');
    assertNothingRan(alice, 'alice');
  } finally {
    await carol?.stop();
    await browser.close();
    await chatd.stop();
  }
});
