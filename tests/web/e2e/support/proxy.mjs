// SPDX-License-Identifier: BSL-1.0
// A TCP proxy between the page and chatd's WebSocket port that can cut the connection: the page
// is loaded through it, so its WebSocket (same origin) goes through it too. cut() destroys
// every proxied socket and refuses new connections until restore(), as a network outage would.

import net from 'node:net';

export class CuttableProxy {
  constructor(targetPort) {
    this.targetPort = targetPort;
    this.sockets = new Set();
    this.refusing = false;
    this.accepted = 0;   // connections accepted and forwarded so far
    this.server = net.createServer((client) => this.#accept(client));
  }

  /** Listens on a free port of 127.0.0.1; resolves to it. */
  listen() {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve(this.server.address().port));
    });
  }

  get port() {
    return this.server.address().port;
  }

  #accept(client) {
    if (this.refusing) {
      client.destroy();
      return;
    }
    ++this.accepted;
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => {});  // a reset is how a cut looks; both sides are closed below
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Every proxied connection dropped at once; new ones refused until restore(). */
  cut() {
    this.refusing = true;
    for (const socket of this.sockets) socket.destroy();
  }

  /** Where connections accepted from now on go (a restarted server on another port). */
  retarget(port) {
    this.targetPort = port;
  }

  restore() {
    this.refusing = false;
  }

  close() {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
