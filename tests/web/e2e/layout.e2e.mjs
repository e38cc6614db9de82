// SPDX-License-Identifier: BSL-1.0
// The page on a phone-sized viewport (390x844, touch) and in dark mode: readable, nothing off
// the screen or scrolling sideways, the room and member lists as drawers on the phone, and the
// colours following prefers-color-scheme.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startChatd, startChatcli } from './support/processes.mjs';
import {
  launchBrowser, signIn, say, expectMessage, assertNothingRan, screenshot, waitUntil,
} from './support/browser.mjs';

const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

// A room with a topic, history and someone talking, for the page to show.
async function busyRoom() {
  const chatd = await startChatd();
  const carol = await startChatcli(chatd.port, 'carol');
  carol.writeLine('/topic Friday release: notes in the wiki');
  await carol.waitForLine('topic of lobby: Friday release');
  carol.writeLine('morning all');
  carol.writeLine('the build is green again');
  await carol.waitForLine(/carol: the build is green again$/);
  return { chatd, carol };
}

// Relative luminance (0 black .. 1 white) of a computed CSS colour "rgb(r, g, b)".
function luminance(colour) {
  const [r, g, b] = colour.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function colours(page) {
  return page.evaluate(() => {
    const text = document.querySelector('[data-testid=message] [data-testid=text]');
    const background = (el) => {
      for (; el; el = el.parentElement) {
        const c = getComputedStyle(el).backgroundColor;
        if (c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c;
      }
      return getComputedStyle(document.documentElement).backgroundColor;
    };
    return { text: getComputedStyle(text).color, background: background(text) };
  });
}

// Whether the element is shown, in full, inside the viewport.
function onScreen(page, selector) {
  return page.evaluate((selector) => {
    const el = document.querySelector(selector);
    if (!el || !el.checkVisibility({ visibilityProperty: true })) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= innerWidth + 0.5;
  }, selector);
}

// Nothing wider than the viewport, and the element fully inside it.
async function assertFits(page, testid) {
  const { width, height } = page.viewportSize();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
  const box = await page.getByTestId(testid).boundingBox();
  assert.ok(box && box.x >= 0 && box.y >= 0 && box.x + box.width <= width + 0.5 && box.y + box.height <= height + 0.5,
    `${testid} not inside the ${width}x${height} viewport: ${JSON.stringify(box)}`);
}

test('phone viewport (390x844): readable, nothing off screen, rooms and members as drawers', async () => {
  const { chatd, carol } = await busyRoom();
  const browser = await launchBrowser();
  try {
    const alice = await signIn(browser, chatd.url, 'alice', 'lobby', phone);
    const { page } = alice;
    await expectMessage(page, 'carol', 'the build is green again');  // history on join
    carol.writeLine(`https://wiki.example.org/${'x'.repeat(60)}`);  // one long word, unbreakable
    carol.writeLine('welcome alice, the notes are in the wiki');
    await expectMessage(page, 'carol', 'welcome alice, the notes are in the wiki');
    await say(page, 'thanks!');

    for (const testid of ['composer-input', 'send-button', 'message-list', 'conversation-title', 'rooms-toggle', 'members-toggle'])
      await assertFits(page, testid);
    const fontSize = await page.getByTestId('message').first().getByTestId('text')
      .evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    assert.ok(fontSize >= 14, `message text ${fontSize} px`);
    // The lists are drawers, closed: the messages have the width.
    const listWidth = (await page.getByTestId('message-list').boundingBox()).width;
    assert.ok(listWidth >= 350, `message list only ${listWidth} px wide`);
    assert.equal(await onScreen(page, '[data-testid=room-list]'), false, 'the room list shows with its drawer closed');
    assert.equal(await onScreen(page, '[data-testid=member-list]'), false, 'the member list shows with its drawer closed');
    await screenshot(page, 'phone');

    await page.getByTestId('rooms-toggle').tap();
    const lobby = page.locator('[data-testid=room-entry][data-name="lobby"]');
    await lobby.waitFor();
    await waitUntil(page, () => {
      const r = document.querySelector('[data-testid=room-entry][data-name="lobby"]').getBoundingClientRect();
      return r.left >= 0 && r.right <= innerWidth;
    }, 'the rooms drawer to open on screen');
    await assertFits(page, 'room-list');
    await screenshot(page, 'phone-rooms');
    await lobby.tap();  // choosing a conversation closes the drawer
    await waitUntil(page, () => document.querySelector('[data-testid=rooms-toggle]').getAttribute('aria-expanded') === 'false',
      'the rooms drawer to close');

    await page.getByTestId('members-toggle').tap();
    await page.locator('[data-testid=member][data-name="carol"]').waitFor();
    await waitUntil(page, () => {
      const r = document.querySelector('[data-testid=member][data-name="carol"]').getBoundingClientRect();
      return r.left >= 0 && r.right <= innerWidth;
    }, 'the members drawer to open on screen');
    await screenshot(page, 'phone-members');

    const light = await colours(page);
    assert.ok(luminance(light.background) > 0.7 && luminance(light.text) < 0.2, `light theme: ${JSON.stringify(light)}`);
    assertNothingRan(alice, 'alice');
  } finally {
    await carol.stop();
    await browser.close();
    await chatd.stop();
  }
});

test('dark mode (prefers-color-scheme: dark): dark background, light text, on desktop and phone', async () => {
  const { chatd, carol } = await busyRoom();
  const browser = await launchBrowser();
  try {
    const alice = await signIn(browser, chatd.url, 'alice', 'lobby', { colorScheme: 'dark' });
    await expectMessage(alice.page, 'carol', 'the build is green again');
    carol.writeLine('alice: are you there?');
    await expectMessage(alice.page, 'carol', 'alice: are you there?');
    await say(alice.page, 'yes, here');
    await say(alice.page, '/me waves');
    const dark = await colours(alice.page);
    assert.ok(luminance(dark.background) < 0.1 && luminance(dark.text) > 0.5, `dark theme: ${JSON.stringify(dark)}`);
    await screenshot(alice.page, 'dark');

    const bob = await signIn(browser, chatd.url, 'bob', 'lobby', { ...phone, colorScheme: 'dark' });
    await expectMessage(bob.page, 'alice', 'yes, here');
    await assertFits(bob.page, 'composer-input');
    const darkPhone = await colours(bob.page);
    assert.ok(luminance(darkPhone.background) < 0.1 && luminance(darkPhone.text) > 0.5, `dark phone: ${JSON.stringify(darkPhone)}`);
    await screenshot(bob.page, 'phone-dark');
    assertNothingRan(alice, 'alice');
    assertNothingRan(bob, 'bob');
  } finally {
    await carol.stop();
    await browser.close();
    await chatd.stop();
  }
});
