// SPDX-License-Identifier: BSL-1.0
// Headless Chromium (Debian's) driven by playwright-core, and what a test does with the page
// through its data-testid attributes: sign in, type lines, wait for messages and notices, read
// the message list. Every wait is playwright's own, with a deadline.

import assert from 'node:assert/strict';
import path from 'node:path';
import { chromiumPath, playwright, screenshotDir } from './config.mjs';
import { step } from './processes.mjs';

export const desktop = { width: 1280, height: 800 };

export function launchBrowser() {
  return playwright.chromium.launch({ executablePath: chromiumPath, headless: true });
}

/**
 * A person in their own browser context: the page opened at `url`, with what must never
 * happen recorded (a dialog, an uncaught page error) so that tests can assert it did not.
 * `contextOptions` are playwright's, plus `initScript`: a function run in the page before its
 * own scripts.
 */
export async function openUser(browser, url, { initScript, ...contextOptions } = {}) {
  const context = await browser.newContext({ viewport: desktop, ...contextOptions });
  context.setDefaultTimeout(step);
  if (initScript) await context.addInitScript(initScript);
  const page = await context.newPage();
  const user = { context, page, dialogs: [], pageErrors: [], console: [] };
  page.on('dialog', (dialog) => {
    user.dialogs.push(dialog.message());
    dialog.dismiss().catch(() => {});
  });
  page.on('pageerror', (error) => user.pageErrors.push(String(error)));
  page.on('console', (message) => user.console.push(`${message.type()}: ${message.text()}`));
  user.response = await page.goto(url);
  await page.getByTestId('signin-form').waitFor();
  return user;
}

/** Fills the sign-in form and submits it (with Enter, as a person would). */
export async function submitSignIn(page, name, room = 'lobby') {
  await page.getByTestId('signin-name').fill(name);
  await page.getByTestId('signin-room').fill(room);
  await page.getByTestId('signin-name').press('Enter');
}

/** Signs in and waits until the room is shown, joined. */
export async function signIn(browser, url, name, room = 'lobby', contextOptions = {}) {
  const user = await openUser(browser, url, contextOptions);
  await submitSignIn(user.page, name, room);
  await user.page.getByTestId('composer-input').waitFor();
  await expectNotice(user.page, `You joined ${room}`);
  return user;
}

/** Types `line` into the composer and sends it; the composer empties when it was taken. */
export async function say(page, line) {
  const input = page.getByTestId('composer-input');
  await input.fill(line);
  await input.press('Enter');
  try {
    await waitUntil(page, () => document.querySelector('[data-testid=composer-input]').value === '',
      `the composer to take "${line}"`);
  } catch (error) {
    const refusal = await page.getByTestId('composer-error').textContent();
    throw new Error(`${error.message}; the composer says: "${refusal}"`);
  }
}

/** Waits for `predicate` (run in the page) to become true. */
export async function waitUntil(page, predicate, what, arg, timeout = step) {
  try {
    await page.waitForFunction(predicate, arg, { timeout });
  } catch (error) {
    throw new Error(`waited ${timeout} ms for ${what}: ${error.message.split('\n')[0]}`);
  }
}

/** The message in the shown conversation whose text is exactly `text` (waited for). */
export async function expectMessage(page, sender, text) {
  const message = page.getByTestId('message-list').getByTestId('message')
    .filter({ has: page.getByTestId('text').getByText(text, { exact: true }) })
    .filter({ has: page.getByTestId('sender').getByText(sender, { exact: true }) });
  await message.first().waitFor();
  return message;
}

/** A notice in the shown conversation containing `text` (waited for). */
export async function expectNotice(page, text) {
  const notice = page.getByTestId('message-list').getByTestId('notice').filter({ hasText: text });
  await notice.first().waitFor();
  return notice;
}

/**
 * The messages of the shown conversation, in page order: { id, sender, text, history,
 * previousRun } (a message from before a server restart has no id any more: NaN).
 */
export function shownMessages(page) {
  return page.getByTestId('message-list').evaluate((list) =>
    [...list.querySelectorAll('[data-testid=message]')].map((m) => ({
      id: Number(m.dataset.id),
      sender: m.querySelector('[data-testid=sender]').textContent,
      text: m.querySelector('[data-testid=text]').textContent,
      history: m.classList.contains('history'),
      previousRun: m.classList.contains('previous-run'),
    })));
}

/** The texts of the shown conversation's notices, in page order. */
export function shownNotices(page) {
  return page.getByTestId('message-list').evaluate((list) =>
    [...list.querySelectorAll('[data-testid=notice]')].map((n) => ({
      text: n.textContent, tone: [...n.classList].find((c) => c.startsWith('tone-'))?.slice(5),
    })));
}

/** Shows a conversation by clicking its entry in the list (room or private). */
export async function openConversation(page, testid, name) {
  const entry = page.getByTestId(testid).and(page.locator(`[data-name="${name}"]`));
  await entry.click();
  await page.locator(`[data-testid=${testid}][data-name="${name}"].active`).waitFor();
}

export function assertIdsIncrease(messages, who) {
  for (let i = 1; i < messages.length; ++i)
    assert.ok(messages[i].id > messages[i - 1].id,
      `${who}: message ids must increase in page order: ${JSON.stringify(messages)}`);
}

/** Saves a screenshot of the page as docs/screenshots/<name>.png (or the CTest dir). */
export async function screenshot(page, name) {
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`) });
}

/** Nothing in the page ran: no dialog, no page error. */
export function assertNothingRan(user, who) {
  assert.deepEqual(user.dialogs, [], `${who}: a dialog opened`);
  assert.deepEqual(user.pageErrors, [], `${who}: the page threw`);
}
