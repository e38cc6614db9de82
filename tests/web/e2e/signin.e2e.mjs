// SPDX-License-Identifier: BSL-1.0
// Sign-in refusals: a name the server's rules forbid is refused by the page itself (nothing
// sent), and a name someone else holds is refused by the server, whose ERROR the page shows;
// the person then picks another name on the same form and gets in.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startChatd, startChatcli } from './support/processes.mjs';
import {
  launchBrowser, openUser, submitSignIn, expectNotice, assertNothingRan, screenshot,
} from './support/browser.mjs';

test('sign-in: an invalid name refused by the page, a taken name refused by the server, then another name works', async () => {
  const chatd = await startChatd();
  const browser = await launchBrowser();
  let carol = null;
  try {
    const user = await openUser(browser, chatd.url);
    const { page } = user;
    const sockets = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    const error = page.getByTestId('signin-error');

    // Invalid by the rules of PROTOCOL.md 6.1: refused before anything is sent.
    for (const name of ['a', 'two words', 'émile', '<b>', 'a\u202Eb']) {
      await submitSignIn(page, name);
      await error.getByText('A name is 2 to 32 letters', { exact: false }).waitFor()
        .catch((e) => { throw new Error(`"${name}" was not refused: ${e.message}`); });
      assert.equal(await page.getByTestId('signin-name').getAttribute('aria-invalid'), 'true');
      await page.getByTestId('signin-form').waitFor();  // still on the form
      await error.evaluate((node) => node.replaceChildren());  // so that the next refusal is a new one
    }
    assert.deepEqual(sockets, [], 'an invalid name was sent to the server');
    // Longer than 32 cannot even be typed.
    await page.getByTestId('signin-name').fill('x'.repeat(40));
    assert.equal((await page.getByTestId('signin-name').inputValue()).length, 32);

    // Taken: the server's ERROR, in its own words.
    carol = await startChatcli(chatd.port, 'carol');
    await submitSignIn(page, 'carol');
    await error.getByText('name carol is taken', { exact: false }).waitFor();
    assert.equal(sockets.length, 1);
    assert.equal(await page.getByTestId('signin-button').isEnabled(), true);
    await screenshot(page, 'signin-error');

    // Case does not make a name another one: still carol's.
    await error.evaluate((node) => node.replaceChildren());
    await submitSignIn(page, 'CAROL');
    await error.getByText('is taken', { exact: false }).waitFor();

    await submitSignIn(page, 'caroline');
    await expectNotice(page, 'You joined lobby');
    assert.equal(await page.getByTestId('signin-form').isVisible(), false);
    await page.getByTestId('whoami').getByText('caroline', { exact: true }).waitFor();
    await carol.waitForLine('* caroline joined lobby');
    assertNothingRan(user, 'the page');
  } finally {
    await carol?.stop();
    await browser.close();
    await chatd.stop();
  }
});
