// SPDX-License-Identifier: BSL-1.0
// Mentions of your name, and desktop notifications only when asked for and the tab is hidden.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mentions, Notifier } from '../../apps/web/notify.js';

test('a mention is the name as a word, in any letter case', () => {
  for (const yes of ['alice', 'hi Alice!', '@alice: look', 'ask alice.', '(ALICE)', 'alice, bob'])
    assert.ok(mentions(yes, 'alice'), yes);
  for (const no of ['malice', 'alice_2 said', 'alice.b', 'al ice', '', 'alicea'])
    assert.ok(!mentions(no, 'alice'), no);
  assert.ok(mentions('ping a.b', 'a.b'));
});

class FakeNotification {
  static permission = 'default';
  static shown = [];
  static async requestPermission() { FakeNotification.permission = 'granted'; return 'granted'; }
  constructor(title, options) { FakeNotification.shown.push({ title, ...options }); }
}

test('notifications: off until enabled, then only while the page is hidden', async () => {
  const doc = { hidden: true };
  const notifier = new Notifier({ notification: FakeNotification, doc });
  assert.equal(notifier.enabled, false);
  assert.equal(notifier.show({ title: 'x', body: 'y' }), null);
  assert.equal(await notifier.enable(), true);
  doc.hidden = false;
  assert.equal(notifier.show({ title: 'seen anyway', body: '' }), null);
  doc.hidden = true;
  notifier.show({ title: 'bob (private)', body: 'psst', tag: 'pm:bob' });
  assert.deepEqual(FakeNotification.shown, [{ title: 'bob (private)', body: 'psst', tag: 'pm:bob' }]);
  notifier.disable();
  assert.equal(notifier.show({ title: 'again', body: '' }), null);
});

test('without the Notification API nothing is offered', () => {
  const notifier = new Notifier({ notification: undefined, doc: { hidden: true } });
  assert.equal(notifier.supported, false);
  assert.equal(notifier.enabled, false);
});
