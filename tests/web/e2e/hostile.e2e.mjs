// SPDX-License-Identifier: BSL-1.0
// Hostile strings from the network (HTML, script, bidi overrides, zero-width characters) in
// messages, a private message and the topic reach another person's page as inert text: the
// literal characters are shown (also in a leave reason), no element is made from them, nothing runs, and what could
// reorder or hide the text around it is shown as a visible ⟨U+XXXX⟩ marker (apps/web/text.js).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startChatd, startChatcli } from './support/processes.mjs';
import {
  launchBrowser, signIn, say, expectMessage, expectNotice, openConversation, assertNothingRan,
  screenshot, shownMessages,
} from './support/browser.mjs';

const imgAlert = '<img src=x onerror=alert(1)>';
const imgPwn = '<img src=x onerror="window.__pwned=1">';
const scriptAlert = '<script>alert(1)</script>';
const scriptPwn = '<script>window.__pwned=1</script><b>bold?</b>';
const bidi = 'abc\u202Edef';                 // RIGHT-TO-LEFT OVERRIDE: would show "abcfed"
const zeroWidth = 'pay\u200Bpal';            // ZERO WIDTH SPACE: would look like "paypal"
const bidiTopic = `\u202E${imgPwn} topic`;
const joinerTopic = 'a\u200Db\u2066c';       // ZWJ and LEFT-TO-RIGHT ISOLATE in a topic

/** What the page promises to show for a string: each bidi / invisible character as a marker. */
function marked(s, { keepJoiners }) {
  return [...s].map((ch) => {
    const cp = ch.codePointAt(0);
    const joiner = cp >= 0x200c && cp <= 0x200f;
    const hidden = (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp === 0x200b;
    return hidden || (joiner && !keepJoiners) ? `⟨U+${cp.toString(16).toUpperCase().padStart(4, '0')}⟩` : ch;
  }).join('');
}

// Nothing in the page was made from a network string, and no script of it ran.
async function assertInert(page, who) {
  const found = await page.evaluate(() => ({
    pwned: typeof window.__pwned,
    listElements: [...document.querySelectorAll('[data-testid=message-list] :is(img, script, b, iframe, svg)')].length,
    images: document.images.length,
    scripts: [...document.scripts].map((s) => s.getAttribute('src')),
  }));
  assert.deepEqual(found, { pwned: 'undefined', listElements: 0, images: 0, scripts: ['app.js'] },
    `${who}: markup from the network became elements or ran`);
}

test('hostile strings in messages, a private message, the topic and a leave reason are shown as inert text', async () => {
  const chatd = await startChatd();
  const browser = await launchBrowser();
  let trudy = null;
  try {
    const alice = await signIn(browser, chatd.url, 'alice');
    const mallory = await signIn(browser, chatd.url, 'mallory');
    trudy = await startChatcli(chatd.port, 'trudy');
    await expectNotice(alice.page, 'trudy joined lobby');

    // From a browser and from chatcli.
    for (const text of [imgAlert, imgPwn, scriptAlert, scriptPwn, bidi, zeroWidth])
      await say(mallory.page, text);
    trudy.writeLine(`${imgAlert} and ${bidi} from the terminal`);
    await expectMessage(alice.page, 'trudy', marked(`${imgAlert} and ${bidi} from the terminal`, { keepJoiners: true }));

    // Shown literally, in order, each exactly once; the bidi and zero-width characters as markers.
    const shown = await shownMessages(alice.page);
    assert.deepEqual(shown.map((m) => m.text), [
      imgAlert, imgPwn, scriptAlert, scriptPwn, 'abc⟨U+202E⟩def', 'pay⟨U+200B⟩pal',
      `${imgAlert} and abc⟨U+202E⟩def from the terminal`,
    ]);
    for (const m of shown) assert.ok(!/[\u202A-\u202E\u2066-\u2069\u200B]/u.test(m.text), `raw control in ${JSON.stringify(m.text)}`);

    // Every network string sits in its own direction-isolated element.
    const isolation = await alice.page.getByTestId('message-list').evaluate((list) =>
      [...list.querySelectorAll('[data-testid=message] :is([data-testid=text], [data-testid=sender])')].map((el) =>
        `${el.dir}/${getComputedStyle(el).unicodeBidi}`));
    assert.ok(isolation.length > 0 && isolation.every((s) => s === 'auto/isolate'), `not isolated: ${isolation}`);

    // A hostile private message: its own conversation, inert too.
    await say(mallory.page, `/msg alice ${scriptAlert}${bidi}`);
    await openConversation(alice.page, 'private-entry', 'mallory');
    await expectMessage(alice.page, 'mallory', `${scriptAlert}abc⟨U+202E⟩def`);
    await assertInert(alice.page, 'alice (private)');
    for (const user of [alice, mallory]) await openConversation(user.page, 'room-entry', 'lobby');

    // A hostile topic: in the heading and in the notice, as text; joiners marked there too.
    await say(mallory.page, `/topic ${bidiTopic}`);
    const topicText = alice.page.getByTestId('topic').locator('.topic-text');
    await topicText.getByText(marked(bidiTopic, { keepJoiners: false }), { exact: true }).waitFor();
    await expectNotice(alice.page, `mallory set the topic: ${marked(bidiTopic, { keepJoiners: false })}`);
    trudy.writeLine(`/topic ${joinerTopic}`);
    await topicText.getByText('a⟨U+200D⟩b⟨U+2066⟩c', { exact: true }).waitFor();
    assert.equal(await alice.page.getByTestId('topic').locator('.topic-setter').textContent(), 'trudy');
    await screenshot(alice.page, 'hostile');

    // A hostile reason for leaving, in the leave notice.
    await say(mallory.page, `/part lobby ${imgPwn}\u202E!`);
    await expectNotice(alice.page, `mallory left lobby: ${imgPwn}⟨U+202E⟩!`);

    for (const [user, who] of [[alice, 'alice'], [mallory, 'mallory']]) {
      await assertInert(user.page, who);
      assertNothingRan(user, who);
    }
    assert.ok(!alice.console.some((line) => /Content Security Policy/i.test(line)),
      `something tried to run against the CSP: ${alice.console.join('\n')}`);

    // And were the page ever to put a network string in as markup, the server's CSP would
    // still stop its script: an inline handler is refused, with a violation reported.
    const csp = alice.response.headers()['content-security-policy'];
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const violation = await alice.page.evaluate(() => new Promise((resolve) => {
      document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), { once: true });
      const probe = document.createElement('div');
      probe.innerHTML = '<img src="data:," onload="window.__pwned=1">';  // as a buggy page would
      document.body.append(probe);
    }));
    assert.match(violation, /^script-src/);
    assert.equal(await alice.page.evaluate(() => typeof window.__pwned), 'undefined');
  } finally {
    await trudy?.stop();
    await browser.close();
    await chatd.stop();
  }
});
