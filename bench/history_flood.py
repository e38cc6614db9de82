#!/usr/bin/env python3
# SPDX-License-Identifier: BSL-1.0
"""The history-memory attack of issue 9 against a running chatd, with chatd's RSS measured.

    bench/history_flood.py --port P --pid PID [--connections 20] [--rooms 64] [--messages 100]

Each connection joins --rooms rooms of its own and posts --messages texts of --size bytes to
each, reading every echo (so flow control never cuts it off). The parent samples VmRSS of
--pid every 100 ms and prints the peak and the final figure. chatd needs --max-per-ip 0 (or at
least --connections). docs/BENCHMARKS.md records the figures.
"""
import argparse, multiprocessing, socket, struct, time


def string(s):
    b = s.encode()
    return struct.pack(">H", len(b)) + b


def frame(kind, body):
    return struct.pack(">IB", 1 + len(body), kind) + body


def read_frame(sock, buf):
    while True:
        if len(buf) >= 4:
            (n,) = struct.unpack_from(">I", buf)
            if len(buf) >= 4 + n:
                kind = buf[4]
                body = bytes(buf[5:4 + n])
                del buf[:4 + n]
                return kind, body
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("closed by the server")
        buf += chunk


def wait_for(sock, buf, wanted):
    while True:
        kind, body = read_frame(sock, buf)
        if kind == 0x86:
            raise RuntimeError("ERROR %r" % body)
        if kind == 0x87:  # PING: answer
            sock.sendall(frame(0x0D, body))
        if kind == wanted:
            return body


def attacker(args, index):
    sock = socket.create_connection((args.host, args.port))
    buf = bytearray()
    sock.sendall(frame(0x01, struct.pack(">H", 2) + string("flood%d" % index) + string("")))
    wait_for(sock, buf, 0x81)
    text = "x" * args.size
    for r in range(args.rooms):
        room = "f%d-%d" % (index, r)
        sock.sendall(frame(0x05, string(room) + struct.pack(">Q", 0)))
        wait_for(sock, buf, 0x8B)
        say = frame(0x02, string(room) + b"\0" + string(text))
        for _ in range(args.messages):
            sock.sendall(say)
            wait_for(sock, buf, 0x82)
    kept.append(sock)  # open, its rooms live, until the pool ends


kept = []  # per worker process


def vm_rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--connections", type=int, default=20)
    p.add_argument("--rooms", type=int, default=64)
    p.add_argument("--messages", type=int, default=100)
    p.add_argument("--size", type=int, default=16384)
    args = p.parse_args()
    before = vm_rss(args.pid)
    start = time.monotonic()
    with multiprocessing.Pool(args.connections) as pool:
        pending = pool.starmap_async(lambda_free, [(args, i) for i in range(args.connections)])
        peak = before
        while not pending.ready():
            peak = max(peak, vm_rss(args.pid))
            pending.wait(0.1)
        pending.get()
        elapsed = time.monotonic() - start
        after = vm_rss(args.pid)
        peak = max(peak, after)
    total = args.connections * args.rooms * args.messages * args.size
    print("posted %.0f MiB in %.1f s; chatd VmRSS before %.1f MiB, peak %.1f MiB, after %.1f MiB"
          % (total / 2**20, elapsed, before / 2**20, peak / 2**20, after / 2**20))
    print("posted_bytes=%d seconds=%.1f rss_before=%d rss_peak=%d rss_after=%d"
          % (total, elapsed, before, peak, after))


def lambda_free(args, index):
    attacker(args, index)
    return index


if __name__ == "__main__":
    main()
