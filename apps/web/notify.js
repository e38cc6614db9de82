// SPDX-License-Identifier: BSL-1.0
// Activity a person notices without watching the tab: whether a text mentions a name, and
// opt-in desktop notifications (the Notification API) shown only while the page is hidden.

const nameChar = /[A-Za-z0-9_.-]/;

/**
 * Whether `text` mentions `name` as a word, in any letter case: not inside a longer name
 * ("alice" is not mentioned by "malice" or "alice_2"), but "alice:", "@alice" and "alice." are.
 */
export function mentions(text, name) {
  if (!name) return false;
  const haystack = text.toLowerCase();
  const needle = name.toLowerCase();
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    const before = at > 0 ? haystack[at - 1] : '';
    let after = haystack[at + needle.length] ?? '';
    // A full stop ends the sentence unless a name goes on after it ("alice.b").
    if (after === '.' && !nameChar.test(haystack[at + needle.length + 1] ?? '')) after = '';
    if (!nameChar.test(before) && !nameChar.test(after)) return true;
  }
  return false;
}

/** Desktop notifications, off until the user asks for them (a click: browsers require one). */
export class Notifier {
  constructor({ notification = globalThis.Notification, doc = globalThis.document } = {}) {
    this.notification = notification;
    this.doc = doc;
    this.wanted = false;
  }

  get supported() {
    return typeof this.notification === 'function';
  }

  get enabled() {
    return this.supported && this.wanted && this.notification.permission === 'granted';
  }

  get denied() {
    return this.supported && this.notification.permission === 'denied';
  }

  /** Asks the browser's permission; resolves to whether notifications are now on. */
  async enable() {
    if (!this.supported) return false;
    this.wanted = true;
    if (this.notification.permission === 'default') await this.notification.requestPermission();
    return this.enabled;
  }

  disable() {
    this.wanted = false;
  }

  /** Shows a notification if enabled and the page is not being looked at. */
  show({ title, body, tag, onClick }) {
    if (!this.enabled || !this.doc?.hidden) return null;
    // Plain strings: the browser shows them as text, never as markup.
    const shown = new this.notification(title, { body, tag });
    if (onClick) shown.onclick = onClick;
    return shown;
  }
}
