#!/usr/bin/python3
"""pg_capture.py: records real PostgreSQL clients' bytes as fuzz_pg seeds.
A proxy on LISTEN_PORT forwards every connection to the broker at
127.0.0.1:PG_PORT (trust login, no TLS: run clients with sslmode=disable)
and, when the connection ends, writes what the client sent into DIR twice:
phase 0 (the raw bytes, startup included) and phase 1 (the messages after
the startup packet, which the harness replaces with its own); see
tools/fuzz/fuzz_pg.h. Stops after IDLE seconds without a new connection.

  pg_capture.py LISTEN_PORT PG_PORT DIR PREFIX [IDLE]
"""
import os
import socket
import struct
import sys
import threading

SSL, GSS = 80877103, 80877104


def after_startup(data):
    """The bytes after the startup packet (SSL/GSS requests skipped)."""
    at = 0
    while len(data) - at >= 8:
        n, code = struct.unpack("!ii", data[at:at + 8])
        at += n
        if code not in (SSL, GSS):
            return data[at:]
    return b""


def pump(src, dst, record):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            if record is not None:
                record.append(b)
            dst.sendall(b)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve(conn, pg_port, path):
    up = socket.create_connection(("127.0.0.1", pg_port))
    sent = []
    t = threading.Thread(target=pump, args=(up, conn, None))
    t.start()
    pump(conn, up, sent)
    t.join()
    data = b"".join(sent)
    for phase, body in ((0, data), (1, after_startup(data))):
        if body:
            with open("%s_p%d" % (path, phase), "wb") as f:
                f.write(bytes([phase, 0]) + body)
    conn.close()
    up.close()


def main():
    listen, pg_port, out, prefix = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    idle = float(sys.argv[5]) if len(sys.argv) > 5 else 20
    os.makedirs(out, exist_ok=True)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", listen))
    ls.listen(16)
    ls.settimeout(idle)
    n = 0
    threads = []
    try:
        while True:
            conn, _ = ls.accept()
            n += 1
            path = os.path.join(out, "capture_%s_%d" % (prefix, n))
            t = threading.Thread(target=serve, args=(conn, pg_port, path))
            t.start()
            threads.append(t)
    except socket.timeout:
        pass
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
