// SPDX-License-Identifier: BSL-1.0
// The page's connection cut by a proxy while others keep talking: once the network is back the
// page shows exactly what was said while it was away, once each and in order, and says that
// messages were missed only when they really were (older than the server's history).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startChatd, startChatcli, step } from './support/processes.mjs';
import { CuttableProxy } from './support/proxy.mjs';
import {
  launchBrowser, signIn, expectMessage, expectNotice, shownMessages, shownNotices,
  assertIdsIncrease, assertNothingRan, screenshot, waitUntil,
} from './support/browser.mjs';

// The page retries after 1 s, 2 s, 4 s ... (session.js): a few attempts fail while cut.
const reconnectTime = 3 * step;

async function waitForStatus(page, state, timeout = step) {
  await waitUntil(page, (s) => document.querySelector('[data-testid=status]').dataset.state === s,
    `the status to be "${state}"`, state, timeout);
}

/**
 * alice in a browser behind the proxy, carol in chatcli talking on; alice's connection is cut
 * while carol says `away` messages. Returns what alice's page shows once back; `shots` names
 * the screenshots to take while away and once back; `aliceContext` her browser context's
 * options; `whileAway` checks her page while it is cut off.
 */
async function cutWhileOthersTalk({ chatdOptions, away, shots = {}, aliceContext = {}, whileAway = async () => {} }) {
  const chatd = await startChatd(chatdOptions);
  const proxy = new CuttableProxy(chatd.wsPort);
  const browser = await launchBrowser();
  let carol = null;
  let bob = null;
  try {
    const proxyPort = await proxy.listen();
    const alice = await signIn(browser, `http://127.0.0.1:${proxyPort}/`, 'alice', 'lobby', aliceContext);
    bob = await signIn(browser, chatd.url, 'bob');  // straight to chatd: never cut
    carol = await startChatcli(chatd.port, 'carol');
    await expectNotice(alice.page, 'carol joined lobby');

    const before = ['before one', 'before two'];
    for (const text of before) carol.writeLine(text);
    await expectMessage(alice.page, 'carol', before.at(-1));

    proxy.cut();
    await waitForStatus(alice.page, 'reconnecting');
    for (const text of away) carol.writeLine(text);
    await carol.waitForLine(new RegExp(`\\[lobby\\] carol: ${away.at(-1)}$`));
    await expectMessage(bob.page, 'carol', away.at(-1));  // the others were not taken down
    await whileAway(alice.page);
    if (shots.away) await screenshot(alice.page, shots.away);
    proxy.restore();

    await waitForStatus(alice.page, 'online', reconnectTime);
    await expectMessage(alice.page, 'carol', away.at(-1));
    carol.writeLine('back again');
    await expectMessage(alice.page, 'carol', 'back again');
    await expectMessage(bob.page, 'carol', 'back again');
    if (shots.back) await screenshot(alice.page, shots.back);

    const messages = await shownMessages(alice.page);
    assertIdsIncrease(messages, 'alice');
    // The same ids as a page that was never cut, for the messages both show.
    const bobs = new Map((await shownMessages(bob.page)).map((m) => [m.text, m.id]));
    for (const m of messages) assert.equal(m.id, bobs.get(m.text), `id of "${m.text}"`);
    assertNothingRan(alice, 'alice');
    assert.ok(proxy.accepted >= 2, 'the page did not reconnect through the proxy');
    return { messages, notices: await shownNotices(alice.page), before };
  } finally {
    await carol?.stop();
    await browser.close();
    await proxy.close();
    await chatd.stop();
  }
}

test('cut within the history: exactly the messages said while away, once each, in order, no missed notice', async () => {
  const away = ['away one', 'away two', 'away three'];
  const { messages, notices, before } = await cutWhileOthersTalk({ chatdOptions: [], away, shots: { away: 'reconnect-away', back: 'reconnect-back' } });
  assert.deepEqual(messages.map((m) => m.text), [...before, ...away, 'back again']);
  assert.deepEqual(notices.filter((n) => n.tone === 'missed'), [], 'a missed notice although nothing was missed');
  assert.ok(notices.some((n) => n.text.includes('3 messages while you were away')),
    `no "while you were away" notice: ${JSON.stringify(notices)}`);
});

// On a phone, which also shows that the lost connection is said without crowding out the title.
test('cut with resume off (--resume-grace 0), on a phone: signed in and rejoined anew, still exactly what was said while away', async () => {
  const away = ['away one', 'away two'];
  const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
  const { messages, notices, before } = await cutWhileOthersTalk({
    chatdOptions: ['--resume-grace', '0'], away, aliceContext: phone, shots: { away: 'phone-reconnecting' },
    whileAway: async (page) => {
      await page.getByTestId('status').getByText('Connection lost', { exact: false }).waitFor();
      const title = await page.getByTestId('conversation-title').boundingBox();
      assert.ok(title && title.width >= 40, `the title crowded out while reconnecting: ${JSON.stringify(title)}`);
    } });
  assert.deepEqual(messages.map((m) => m.text), [...before, ...away, 'back again']);
  assert.deepEqual(notices.filter((n) => n.tone === 'missed'), []);
  assert.ok(notices.some((n) => n.text.includes('Reconnected; rejoining and catching up.')),
    `not a new sign-in: ${JSON.stringify(notices)}`);
});

test('cut for longer than the history (--history 2, 5 messages away): the last 2 shown and an honest missed notice', async () => {
  const away = ['away one', 'away two', 'away three', 'away four', 'away five'];
  const { messages, notices, before } = await cutWhileOthersTalk({
    chatdOptions: ['--history', '2'], away, shots: { back: 'reconnect-missed-back' } });
  assert.deepEqual(messages.map((m) => m.text), [...before, 'away four', 'away five', 'back again']);
  const missed = notices.filter((n) => n.tone === 'missed');
  assert.equal(missed.length, 1, `one missed notice: ${JSON.stringify(notices)}`);
  assert.match(missed[0].text, /Some messages in lobby were missed/);
});

test('the server restarts while the page is away: what was shown stays, marked as before the restart, with an honest notice; the new run\'s messages once each', async () => {
  let chatd = await startChatd();
  const proxy = new CuttableProxy(chatd.wsPort);
  const browser = await launchBrowser();
  let carol = null;
  try {
    const proxyPort = await proxy.listen();
    const alice = await signIn(browser, `http://127.0.0.1:${proxyPort}/`, 'alice');
    carol = await startChatcli(chatd.port, 'carol');
    carol.writeLine('before the restart');
    await expectMessage(alice.page, 'carol', 'before the restart');

    proxy.cut();
    await waitForStatus(alice.page, 'reconnecting');
    await carol.stop();
    await chatd.stop();
    chatd = await startChatd();
    carol = await startChatcli(chatd.port, 'carol');
    carol.writeLine('said on the new run');
    await carol.waitForLine(/\[lobby\] carol: said on the new run$/);
    proxy.retarget(chatd.wsPort);
    proxy.restore();

    await waitForStatus(alice.page, 'online', reconnectTime);
    await expectMessage(alice.page, 'carol', 'said on the new run');
    carol.writeLine('and live');
    await expectMessage(alice.page, 'carol', 'and live');
    const messages = await shownMessages(alice.page);
    assert.deepEqual(messages.map((m) => [m.text, m.previousRun]),
      [['before the restart', true], ['said on the new run', false], ['and live', false]]);
    assertIdsIncrease(messages.filter((m) => !m.previousRun), 'alice');
    const missed = (await shownNotices(alice.page)).filter((n) => n.tone === 'missed');
    assert.equal(missed.length, 1, JSON.stringify(missed));
    assert.match(missed[0].text, /restarted server/);
    assertNothingRan(alice, 'alice');
  } finally {
    await carol?.stop();
    await browser.close();
    await proxy.close();
    await chatd.stop();
  }
});
