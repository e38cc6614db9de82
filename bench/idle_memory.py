#!/usr/bin/env python3
# SPDX-License-Identifier: BSL-1.0
"""Per-connection memory of idle, registered connections in chatd, by transport: plain TCP,
TLS, WebSocket (ws://) and WebSocket over TLS (wss://).

For each transport, starts chatd (with a throwaway certificate made by the openssl command for
the TLS ones), opens N connections that each HELLO into one room and then stay idle, and prints
chatd's RSS growth per connection. Usage:
    bench/idle_memory.py build/release/apps/chatd/chatd [N] [plain,tls,ws,wss]
Needs the openssl command and `ulimit -n` above N + 100. Not part of the test suite.
"""
import base64, os, socket, ssl, struct, subprocess, sys, tempfile, time


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


def read_exactly(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise RuntimeError("closed before WELCOME")
        data += chunk
    return data


def read_welcome(conn, websocket):
    if websocket:  # one unmasked binary message: 2 header bytes (+2 for 126..65535 bytes)
        head = read_exactly(conn, 2)
        size = head[1] & 0x7F
        if size == 126:
            size = struct.unpack(">H", read_exactly(conn, 2))[0]
        data = read_exactly(conn, size)
    else:
        data = read_exactly(conn, 5)
    if data[4] != 0x81:
        raise RuntimeError(f"expected WELCOME, got type {data[4]:#x}")


def websocket_open(conn, port):
    key = base64.b64encode(os.urandom(16)).decode()
    conn.sendall((f"GET /chat HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                  "Sec-WebSocket-Protocol: libchat.v2\r\n\r\n").encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = conn.recv(4096)
        if not chunk:
            raise RuntimeError("closed during the WebSocket handshake")
        answer += chunk
    if not answer.startswith(b"HTTP/1.1 101"):
        raise RuntimeError("WebSocket refused: " + answer.split(b"\r\n")[0].decode())


def websocket_message(payload):  # a client's message is masked
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return struct.pack(">BB", 0x82, 0x80 | len(payload)) + mask + masked


def measure(chatd, n, kind, workdir):
    cert, key = os.path.join(workdir, "cert.pem"), os.path.join(workdir, "key.pem")
    use_tls = kind in ("tls", "wss")
    websocket = kind in ("ws", "wss")
    args = [chatd, "--port", "0", "--threads", "2", "--max-per-ip", "0", "--idle", "0",
            "--max-connections", "0", "--log-level", "error", "--max-connects-per-ip", "0",
            "--max-unregistered-per-ip", "0"]
    if use_tls:
        args += ["--tls-cert", cert, "--tls-key", key]
    if websocket:
        args += ["--ws-port", "0"]
    p = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    lines = [p.stdout.readline() for _ in range(2 if websocket else 1)]
    port = int(lines[-1].strip().rsplit(":", 1)[1])
    context = ssl.create_default_context(cafile=cert)
    conns = []
    try:
        warm = 200  # connections before the baseline: the allocator's and Asio's first growth
        base = None
        for i in range(warm + n):
            if i == warm:
                time.sleep(0.5)
                base = rss_kib(p.pid)
            raw = socket.create_connection(("127.0.0.1", port))
            conn = context.wrap_socket(raw, server_hostname="localhost") if use_tls else raw
            if websocket:
                websocket_open(conn, port)
                conn.sendall(websocket_message(hello(f"u{i}", "lobby")))
            else:
                conn.sendall(hello(f"u{i}", "lobby"))
            read_welcome(conn, websocket)
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
    kinds = sys.argv[3].split(",") if len(sys.argv) > 3 else ["plain", "tls", "ws", "wss"]
    names = {"plain": "plain TCP", "tls": "TLS 1.3", "ws": "WebSocket", "wss": "WebSocket over TLS 1.3"}
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", os.path.join(d, "key.pem"),
                        "-out", os.path.join(d, "cert.pem"), "-subj", "/CN=localhost", "-days", "1",
                        "-addext", "subjectAltName=DNS:localhost"],
                       check=True, capture_output=True)
        for kind in kinds:
            per = measure(chatd, n, kind, d)
            print(f"{names[kind]:>24}: {per:.2f} KiB per idle registered connection ({n} connections, quiet room)")


if __name__ == "__main__":
    main()
