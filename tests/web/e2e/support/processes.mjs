// SPDX-License-Identifier: BSL-1.0
// chatd and chatcli as child processes: their output read line by line, each wait for a line
// an event wait with a deadline (the line arriving, the process exiting, or the time running
// out), never a sleep.

import { spawn } from 'node:child_process';
import { chatdPath, chatcliPath, webRoot } from './config.mjs';

export const step = 10_000;  // the longest any single wait may take

// Children still running when this test process ends (a test that failed or timed out before
// its cleanup) are killed with it, so that no chatd outlives the run.
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => process.exit(1));

class LineProcess {
  constructor(name, argv) {
    this.name = name;
    this.lines = [];       // every stdout line so far
    this.stderr = '';
    this.read = 0;         // lines before this one were consumed by waitForLine
    this.waiters = new Set();
    this.exitStatus = null;
    this.child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(this.child);
    let partial = '';
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop();
      this.lines.push(...parts);
      this.#wake();
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk) => { this.stderr += chunk; });
    this.child.stdin.on('error', () => {});  // writing to an exited child: seen as its exit
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        running.delete(this.child);
        this.exitStatus = { code, signal };
        this.#wake();
        resolve(this.exitStatus);
      });
    });
  }

  #wake() {
    for (const waiter of [...this.waiters]) waiter();
  }

  output() {
    return `${this.name} stdout:\n${this.lines.join('\n')}\n${this.name} stderr:\n${this.stderr}`;
  }

  /**
   * The next unread stdout line matching `pattern` (a RegExp or a substring); the lines before
   * it are consumed. Fails at the deadline or if the process exits first.
   */
  waitForLine(pattern, timeout = step) {
    const matches = (line) => (typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line));
    return new Promise((resolve, reject) => {
      let timer = null;
      const check = () => {
        for (; this.read < this.lines.length; ++this.read) {
          const line = this.lines[this.read];
          if (matches(line)) {
            ++this.read;
            finish();
            resolve(line);
            return;
          }
        }
        if (this.exitStatus) {
          finish();
          reject(new Error(`${this.name} exited (${JSON.stringify(this.exitStatus)}) before printing ${pattern}\n${this.output()}`));
        }
      };
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      timer = setTimeout(() => {
        finish();
        reject(new Error(`${this.name} did not print ${pattern} within ${timeout} ms\n${this.output()}`));
      }, timeout);
      this.waiters.add(check);
      check();
    });
  }

  /** Whether a line matching `pattern` was printed at all so far (read or not). */
  printed(pattern) {
    return this.lines.some((line) => (typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line)));
  }

  writeLine(line) {
    this.child.stdin.write(`${line}\n`);
  }

  /** Waits for the exit, up to the deadline; then kills it. */
  async stop(signal = 'SIGTERM') {
    if (!this.exitStatus) this.child.kill(signal);
    let timer;
    await Promise.race([this.exited, new Promise((resolve) => { timer = setTimeout(resolve, step); })]);
    clearTimeout(timer);
    if (!this.exitStatus) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    return this.exitStatus;
  }
}

function portOf(line) {
  const match = /127\.0\.0\.1:(\d+)$/.exec(line);
  if (!match || match[1] === '0') throw new Error(`no port in "${line}"`);
  return Number(match[1]);
}

/**
 * chatd on 127.0.0.1 with free ports for TCP and WebSocket, serving the web client, with the
 * per-address limits off (every browser and chatcli of a test comes from 127.0.0.1).
 */
export async function startChatd(extra = []) {
  const server = new LineProcess('chatd', [
    chatdPath, '--bind', '127.0.0.1', '--port', '0', '--ws-port', '0', '--web-root', webRoot,
    '--threads', '2', '--max-connects-per-ip', '0', '--max-unregistered-per-ip', '0',
    '--max-per-ip', '0', ...extra,
  ]);
  try {
    const port = portOf(await server.waitForLine(/^chatd listening on /));
    const wsPort = portOf(await server.waitForLine(/^chatd listening for WebSocket on /));
    return { process: server, port, wsPort, url: `http://127.0.0.1:${wsPort}/`, stop: () => server.stop() };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** chatcli over pipes (plain lines in and out), signed in as `name`. */
export async function startChatcli(port, name, extra = []) {
  const client = new LineProcess(`chatcli ${name}`, [
    chatcliPath, '--host', '127.0.0.1', '--port', String(port), '--name', name, ...extra,
  ]);
  try {
    await client.waitForLine('* connected to ');
    await client.waitForLine('* now talking in ');
  } catch (error) {
    await client.stop();
    throw error;
  }
  return client;
}
