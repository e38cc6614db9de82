// SPDX-License-Identifier: BSL-1.0
// Where the e2e suite finds what it runs, from the environment CTest sets (tests/CMakeLists.txt),
// defaulting to the source tree's release build when run by hand from the source tree:
//   LIBCHAT_CHATD, LIBCHAT_CHATCLI   the built programs
//   LIBCHAT_WEB_ROOT                 the web client's files (chatd --web-root)
//   LIBCHAT_E2E_MODULES              the folder whose node_modules holds playwright-core
//   LIBCHAT_CHROMIUM                 the browser (Debian's chromium)
//   LIBCHAT_SCREENSHOTS              where the screenshots go (by hand: docs/screenshots)
// Anything missing is a failure with the reason, never a skip.

import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const sourceRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const releaseBuild = path.join(sourceRoot, 'build/release');

function setting(name, fallback) {
  const value = process.env[name];
  return value ? path.resolve(value) : fallback;
}

function required(what, file, hint) {
  if (!existsSync(file)) throw new Error(`web e2e: ${what} not found at ${file}: ${hint}`);
  return file;
}

export const chatdPath = required('chatd', setting('LIBCHAT_CHATD', path.join(releaseBuild, 'apps/chatd/chatd')),
  'build it (cmake --build --preset release --target chatd chatcli) or set LIBCHAT_CHATD');
export const chatcliPath = required('chatcli', setting('LIBCHAT_CHATCLI', path.join(releaseBuild, 'apps/chatcli/chatcli')),
  'build it (cmake --build --preset release --target chatd chatcli) or set LIBCHAT_CHATCLI');
export const webRoot = required('the web client', setting('LIBCHAT_WEB_ROOT', path.join(sourceRoot, 'apps/web')) + '/index.html',
  'set LIBCHAT_WEB_ROOT to apps/web').replace(/\/index\.html$/, '');
export const chromiumPath = required('chromium', setting('LIBCHAT_CHROMIUM', '/usr/bin/chromium'),
  'install Debian\'s chromium (scripts/setup.sh does) or set LIBCHAT_CHROMIUM');

const modulesDir = setting('LIBCHAT_E2E_MODULES', path.join(releaseBuild, 'web-e2e'));
required('playwright-core', path.join(modulesDir, 'node_modules/playwright-core/package.json'),
  `run "npm ci" in ${modulesDir} with tests/web/e2e/package.json and package-lock.json ` +
  '(CTest\'s web_e2e_install does) or set LIBCHAT_E2E_MODULES');

/** playwright-core, loaded from the build tree (never installed in the source tree). */
export const playwright = createRequire(path.join(modulesDir, 'package.json'))('playwright-core');

export const screenshotDir = setting('LIBCHAT_SCREENSHOTS', path.join(sourceRoot, 'docs/screenshots'));
mkdirSync(screenshotDir, { recursive: true });
