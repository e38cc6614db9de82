#!/usr/bin/env python3
"""Per-connection memory of idle, registered connections in chatd: plain TCP against TLS.

Starts chatd (plain on one port, TLS on another, with a throwaway certificate made by the
openssl command), opens N connections of one kind that each HELLO into one room and then stay
idle, and prints chatd's RSS growth per connection. Usage:
    bench/tls_idle_memory.py build/release/apps/chatd/chatd [N]
Needs the openssl command and `ulimit -n` above N + 100. Not part of the test suite.
"""
import os, socket, ssl, struct, subprocess, sys, tempfile, time


def frame(t, body):
    return struct.pack(">IB", len(body) + 1, t) + body


def string(s):
    b = s.encode()
    return struct.pack(">H", len(b)) + b


def hello(name, room):
    return frame(0x01, struct.pack(">H", 2) + string(name) + string(room))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def read_welcome(conn):
    data = b""
    while len(data) < 5:
        chunk = conn.recv(65536)
        if not chunk:
            raise RuntimeError("closed before WELCOME")
        data += chunk
    if data[4] != 0x81:
        raise RuntimeError(f"expected WELCOME, got type {data[4]:#x}")


def measure(chatd, n, use_tls, workdir):
    cert, key = os.path.join(workdir, "cert.pem"), os.path.join(workdir, "key.pem")
    args = [chatd, "--port", "0", "--threads", "2", "--max-per-ip", "0", "--idle", "0",
            "--max-connections", "0", "--log-level", "error",
            "--tls-cert", cert, "--tls-key", key, "--tls-port", "0"]
    p = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    plain_port = int(p.stdout.readline().rsplit(":", 1)[1])
    tls_port = int(p.stdout.readline().rsplit(":", 1)[1])
    context = ssl.create_default_context(cafile=cert)
    conns = []
    try:
        warm = 200  # connections before the baseline: the allocator's and Asio's first growth
        base = None
        for i in range(warm + n):
            if i == warm:
                time.sleep(0.5)
                base = rss_kib(p.pid)
            raw = socket.create_connection(("127.0.0.1", tls_port if use_tls else plain_port))
            conn = context.wrap_socket(raw, server_hostname="localhost") if use_tls else raw
            conn.sendall(hello(f"u{i}", "lobby"))
            read_welcome(conn)
            conns.append(conn)
        time.sleep(1.0)
        return (rss_kib(p.pid) - base) / n
    finally:
        for c in conns:
            c.close()
        p.terminate()
        p.wait()


def main():
    chatd = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", os.path.join(d, "key.pem"),
                        "-out", os.path.join(d, "cert.pem"), "-subj", "/CN=localhost", "-days", "1",
                        "-addext", "subjectAltName=DNS:localhost"],
                       check=True, capture_output=True)
        for use_tls in (False, True):
            per = measure(chatd, n, use_tls, d)
            print(f"{'TLS 1.3' if use_tls else 'plain  '}: {per:.2f} KiB per idle registered connection ({n} connections, quiet room)")


if __name__ == "__main__":
    main()
