#!/usr/bin/python3
"""pg_robust.py: raw-socket PostgreSQL clients for tests/integration/pg_robust.sh
(standard library only). Each command prints one line per check, "ok TEXT"
or "FAIL TEXT", and the shell script counts them.

  pg_robust.py malformed PORT ROWS      broken framing before and after login
  pg_robust.py big PORT ROWS            a 10 MB query, an over-limit length
  pg_robust.py storm PORT ROWS N        N connections at once, each checks its answer
  pg_robust.py disconnect PORT ROWS     abrupt closes in every phase
  pg_robust.py auth PORT PASSWORD       mid-auth closes, unknown types during auth,
                                        SCRAM login, the broker's idle default (1 s)
  pg_robust.py idle PORT ROWS           SET idle_session_timeout and
                                        idle_in_transaction_session_timeout
  pg_robust.py authtimeout PORT SECS    a connection that never logs in is closed
  pg_robust.py flood PORT ROWS PID MB   pipelined big results never read: the
                                        broker's RSS grows < MB, others are served

The table is "events" with rows i = 1..ROWS: country c(i % 5), clicks i,
day 18000 + i % 10.
"""
import base64
import hashlib
import hmac
import os
import socket
import struct
import sys
import threading
import time

PROTO3 = 196608
failures = 0


def report(good, text):
    global failures
    if not good:
        failures += 1
    print(("ok   " if good else "FAIL ") + text, flush=True)


def cstr(s):
    return (s if isinstance(s, bytes) else s.encode()) + b"\0"


def msg(t, body=b""):
    return t + struct.pack("!i", len(body) + 4) + body


def startup_bytes(user="robust", extra=()):
    body = struct.pack("!i", PROTO3) + cstr("user") + cstr(user) + cstr("database") + cstr("default")
    for k, v in extra:
        body += cstr(k) + cstr(v)
    body += b"\0"
    return struct.pack("!i", len(body) + 4) + body


def fields(body):
    """An ErrorResponse's fields: {'S': 'FATAL', 'C': '08P01', 'M': ...}."""
    out = {}
    for part in body.split(b"\0"):
        if part:
            out[chr(part[0])] = part[1:].decode(errors="replace")
    return out


class Conn:
    def __init__(self, port, timeout=10.0, rcvbuf=0):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.settimeout(timeout)
        self.s.connect(("127.0.0.1", port))
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def _fill(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                return False
            self.buf += chunk
        return True

    def recv(self):
        """(type, body), or None at EOF."""
        if not self._fill(5):
            return None
        t, n = self.buf[0:1], struct.unpack("!i", self.buf[1:5])[0]
        if not self._fill(1 + n):
            return None
        body = self.buf[5:1 + n]
        self.buf = self.buf[1 + n:]
        return t, body

    def until_ready(self):
        """Messages up to and including ReadyForQuery, or up to EOF."""
        got = []
        while True:
            m = self.recv()
            if m is None:
                return got
            got.append(m)
            if m[0] == b"Z":
                return got

    def login(self, user="robust"):
        self.send(startup_bytes(user))
        got = self.until_ready()
        return bool(got) and got[-1][0] == b"Z"

    def query(self, sql):
        """(rows as lists of str/None, error fields or None, ready status)."""
        self.send(msg(b"Q", cstr(sql)))
        rows, err, status = [], None, None
        for t, body in self.until_ready():
            if t == b"D":
                n = struct.unpack("!h", body[:2])[0]
                at, row = 2, []
                for _ in range(n):
                    ln = struct.unpack("!i", body[at:at + 4])[0]
                    at += 4
                    row.append(None if ln < 0 else body[at:at + ln].decode())
                    at += max(ln, 0)
                rows.append(row)
            elif t == b"E":
                err = fields(body)
            elif t == b"Z":
                status = body.decode()
        return rows, err, status

    def closed_with(self):
        """Reads to EOF: the SQLSTATE of the last ErrorResponse (or "")
        and whether EOF came (no hang)."""
        code = ""
        try:
            while True:
                m = self.recv()
                if m is None:
                    return code, True
                if m[0] == b"E":
                    code = fields(m[1]).get("C", "")
        except (socket.timeout, ConnectionResetError):
            return code, False

    def reset(self):
        """Closes with a TCP RST (SO_LINGER 0): the most abrupt disconnect."""
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.s.close()

    def close(self):
        self.s.close()


def expected(rows, k):
    """COUNT(*), SUM(clicks) of the rows with clicks > k."""
    n = max(rows - k, 0)
    return n, (k + 1 + rows) * n // 2 if n else 0


def fresh_ok(port, rows, what):
    """A new client gets the right answer after `what`."""
    try:
        c = Conn(port)
        good = c.login()
        r, err, _ = c.query("SELECT COUNT(*), SUM(clicks) FROM events WHERE clicks > 7")
        c.close()
        n, s = expected(rows, 7)
        good = good and not err and len(r) == 1 and int(r[0][0]) == n and float(r[0][1]) == s
        report(good, "after %s: a fresh client gets the right answer%s" %
               (what, "" if good else " (%r %r)" % (r, err)))
    except OSError as e:
        report(False, "after %s: a fresh client failed: %s" % (what, e))


def fatal_case(port, rows, what, data, want, login=True):
    """Sends data (after a login when asked): FATAL `want` and a close."""
    c = Conn(port)
    if login and not c.login():
        report(False, what + ": login failed")
        return
    c.send(data)
    code, eof = c.closed_with()
    c.close()
    report(code == want and eof, "%s -> FATAL %s and close (got %r, closed %s)" %
           (what, want, code, eof))


def cmd_malformed(port, rows):
    # before login: the startup packet's length and contents
    fatal_case(port, rows, "startup length 4 (< 8)", struct.pack("!i", 4), "08P01", False)
    fatal_case(port, rows, "startup length -1", struct.pack("!i", -1), "08P01", False)
    fatal_case(port, rows, "startup length 2^30", struct.pack("!i", 1 << 30), "08P01", False)
    fatal_case(port, rows, "startup protocol 2.0", struct.pack("!ii", 8, 2 << 16), "0A000", False)
    fatal_case(port, rows, "startup without a user",
               struct.pack("!ii", 9, PROTO3) + b"\0", "08P01", False)
    fatal_case(port, rows, "startup key without its value",
               struct.pack("!ii", 12, PROTO3) + b"user", "08P01", False)
    fatal_case(port, rows, "HTTP instead of PostgreSQL", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
               "08P01", False)
    fatal_case(port, rows, "a typed message before the startup", msg(b"Q", cstr("SELECT 1")),
               "08P01", False)
    # after login
    fatal_case(port, rows, "unknown message type 'z' after login", msg(b"z", b"abc"), "08P01")
    fatal_case(port, rows, "unknown message type 0x00 after login", msg(b"\0"), "08P01")
    fatal_case(port, rows, "message length 3 (< 4)", b"Q\0\0\0\3", "08P01")
    fatal_case(port, rows, "message length -5", b"Q" + struct.pack("!i", -5), "08P01")
    fatal_case(port, rows, "message length 2^31-1 (> max)", b"Q\x7f\xff\xff\xff", "08P01")
    fatal_case(port, rows, "Query without its NUL", msg(b"Q", b"SELECT 1"), "08P01")
    fatal_case(port, rows, "a second startup packet after login", startup_bytes(), "08P01")
    # malformed extended-protocol messages are errors of the statement, not the session
    c = Conn(port)
    c.login()
    c.send(msg(b"B", cstr("") + cstr("nosuch") + struct.pack("!hhh", 0, 0, 0)) + msg(b"S"))
    got = c.until_ready()
    codes = [fields(b).get("C") for t, b in got if t == b"E"]
    report(codes == ["26000"] and got[-1][0] == b"Z",
           "Bind of an unknown statement -> 26000, then ReadyForQuery (%r)" % codes)
    c.send(msg(b"P", cstr("") + cstr("SELECT 1") + struct.pack("!h", 100)) + msg(b"S"))
    got = c.until_ready()
    codes = [fields(b).get("C") for t, b in got if t == b"E"]
    report(len(codes) == 1 and got and got[-1][0] == b"Z",
           "Parse claiming 100 parameter types it lacks -> one error, session goes on (%r)" % codes)
    r, err, _ = c.query("SELECT COUNT(*) FROM events")
    report(not err and r == [[str(rows)]], "same session still answers (%r)" % r)
    c.close()
    fresh_ok(port, rows, "malformed messages")


def cmd_big(port, rows):
    # a 10 MB query: a string literal nothing equals
    lit = "x" * (10 << 20)
    c = Conn(port, timeout=60)
    c.login()
    t0 = time.time()
    r, err, status = c.query("SELECT COUNT(*) FROM events WHERE country <> '%s'" % lit)
    secs = time.time() - t0
    good = status == "I" and ((not err and r == [[str(rows)]]) or (err and err.get("C")))
    report(good, "10 MB query: %s in %.1f s" %
           ("answer %r" % r if not err else "error %s %s" % (err.get("C"), err.get("M", "")[:80]),
            secs))
    r, err, _ = c.query("SELECT 41 + 1")
    report(r == [["42"]], "the same connection answers after the 10 MB query (%r)" % r)
    c.close()
    # a 10 MB comment ahead of a small query
    c = Conn(port, timeout=60)
    c.login()
    r, err, status = c.query("/* %s */ SELECT COUNT(*) FROM events" % lit)
    report(status == "I" and (r == [[str(rows)]] or err is not None),
           "10 MB comment then a query: %s" % (r if not err else err.get("C")))
    c.close()
    # just over the limit: refused from the header alone, without waiting for the body
    c = Conn(port, timeout=10)
    c.login()
    c.send(b"Q" + struct.pack("!i", (64 << 20) + 5) + b"SELECT")
    code, eof = c.closed_with()
    report(code == "08P01" and eof, "a 64 MiB + 1 message -> FATAL 08P01 at once (%r)" % code)
    c.close()
    fresh_ok(port, rows, "big messages")


def cmd_storm(port, rows, n):
    start = threading.Barrier(n, timeout=60)
    results = [None] * n

    def one(i):
        k = (i * 37) % rows
        try:
            c = Conn(port, timeout=60)
            if not c.login():
                results[i] = "login failed"
                return
            start.wait()  # all n are logged in at the same time
            r, err, _ = c.query("SELECT COUNT(*), SUM(clicks) FROM events WHERE clicks > %d" % k)
            c.send(msg(b"X"))
            c.close()
            want = expected(rows, k)
            if err or len(r) != 1 or (int(r[0][0]), float(r[0][1])) != (want[0], float(want[1])):
                results[i] = "k=%d: %r %r, want %r" % (k, r, err, want)
            else:
                results[i] = True
        except (OSError, threading.BrokenBarrierError) as e:
            results[i] = "%s: %s" % (type(e).__name__, e)

    t0 = time.time()
    ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    bad = [r for r in results if r is not True]
    report(not bad, "%d concurrent connections, each with its own right answer (%.1f s)%s" %
           (n, time.time() - t0, "" if not bad else ": %d wrong, e.g. %s" % (len(bad), bad[0])))


def cmd_disconnect(port, rows):
    def case(what, steps, abrupt=True):
        try:
            c = Conn(port, timeout=10, rcvbuf=4096)
            steps(c)
            c.reset() if abrupt else c.close()
        except OSError as e:
            report(False, "%s: %s" % (what, e))
            return
        fresh_ok(port, rows, what)

    case("close right after connect", lambda c: None)
    case("close mid-startup (half a startup packet)", lambda c: c.send(startup_bytes()[:7]))
    case("close after SSLRequest", lambda c: (c.send(struct.pack("!ii", 8, 80877103)), c.s.recv(1)))
    case("close mid-message (half a Query)",
         lambda c: (c.login(), c.send(msg(b"Q", cstr("SELECT 1"))[:9])))
    case("close while a query runs",
         lambda c: (c.login(), c.send(msg(b"Q", cstr("SELECT country, SUM(clicks) FROM events "
                                                      "GROUP BY country")))))

    def mid_result(c):
        c.login()
        c.send(msg(b"Q", cstr("SELECT country, clicks, day FROM events LIMIT %d" % rows)))
        c.s.recv(100)  # the result has started; the rest stays unread
        time.sleep(0.3)
    case("close mid-result (a %d-row result, unread)" % rows, mid_result)

    def in_txn(c):
        c.login()
        _, _, st = c.query("BEGIN")
        c.query("SELECT COUNT(*) FROM events")
        assert st == "T"
    case("close inside a transaction block", in_txn)

    def cursor(c):
        c.login()
        c.query("BEGIN")
        c.query("DECLARE cur CURSOR FOR SELECT clicks FROM events")
        r, _, _ = c.query("FETCH 5 FROM cur")
        assert len(r) == 5, r
    case("close with an open cursor", cursor)

    def hold_cursor(c):
        c.login()
        c.query("DECLARE h CURSOR WITH HOLD FOR SELECT clicks FROM events")
        c.query("FETCH 3 FROM h")
    case("close with an open WITH HOLD cursor", hold_cursor)

    def extended(c):
        c.login()
        c.send(msg(b"P", cstr("s") + cstr("SELECT clicks FROM events WHERE clicks > $1") +
                   struct.pack("!h", 0)) +
               msg(b"B", cstr("p") + cstr("s") + struct.pack("!hhi", 0, 1, 1) + b"5" +
                   struct.pack("!h", 0)) +
               msg(b"E", cstr("p") + struct.pack("!i", 10)) + msg(b"H"))
        time.sleep(0.2)
    case("close with a suspended portal (Execute row limit, no Sync)", extended)
    case("close after Terminate", lambda c: (c.login(), c.send(msg(b"X"))), abrupt=False)


def scram_login(c, user, password):
    """SCRAM-SHA-256 as libpq does it; True when logged in."""
    c.send(startup_bytes(user))
    t, body = c.recv()
    if t != b"R" or struct.unpack("!i", body[:4])[0] != 10:
        return False
    cnonce = base64.b64encode(os.urandom(18)).decode()
    first_bare = "n=,r=" + cnonce
    cf = ("n,," + first_bare).encode()
    c.send(msg(b"p", cstr("SCRAM-SHA-256") + struct.pack("!i", len(cf)) + cf))
    t, body = c.recv()
    server_first = body[4:].decode()
    attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(attrs["s"]),
                                 int(attrs["i"]))
    ckey = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored = hashlib.sha256(ckey).digest()
    without = "c=biws,r=" + attrs["r"]
    auth_msg = ",".join([first_bare, server_first, without]).encode()
    sig = hmac.new(stored, auth_msg, hashlib.sha256).digest()
    proof = base64.b64encode(bytes(a ^ b for a, b in zip(ckey, sig))).decode()
    c.send(msg(b"p", (without + ",p=" + proof).encode()))
    got = c.until_ready()
    return bool(got) and got[-1][0] == b"Z"


def cmd_auth(port, password):
    def login_works(what):
        c = Conn(port)
        good = scram_login(c, "admin", password)
        r, err, _ = c.query("SELECT 6 * 7") if good else ([], None, None)
        c.close()
        report(good and r == [["42"]], "auth broker, after %s: SCRAM login and a query (%r)" %
               (what, r))

    login_works("start")
    c = Conn(port)
    c.send(startup_bytes("admin"))
    t, _ = c.recv()
    c.reset()
    login_works("a close while the server waits for SASLInitialResponse")
    c = Conn(port)
    c.send(startup_bytes("admin"))
    c.recv()
    cf = b"n,,n=,r=abcdefghijklmnop"
    c.send(msg(b"p", cstr("SCRAM-SHA-256") + struct.pack("!i", len(cf)) + cf))
    c.recv()
    c.reset()
    login_works("a close between SCRAM's two client messages")
    c = Conn(port)
    c.send(startup_bytes("admin"))
    c.recv()
    c.send(msg(b"p", cstr("SCRAM-SHA-256") + struct.pack("!i", 1000) + b"n,,"))
    c.reset()
    login_works("a close mid-SASLInitialResponse")
    for what, data in [("unknown type 'z'", msg(b"z", b"x")),
                       ("a Query before login", msg(b"Q", cstr("SELECT 1"))),
                       ("SASL length -1", msg(b"p", cstr("SCRAM-SHA-256") + struct.pack("!i", -1)))]:
        c = Conn(port)
        c.send(startup_bytes("admin"))
        c.recv()
        c.send(data)
        code, eof = c.closed_with()
        report(code == "08P01" and eof, "during SCRAM, %s -> FATAL 08P01 and close (%r)" %
               (what, code))
    login_works("protocol errors during SCRAM")
    # this broker runs with --pg-idle-timeout 1
    c = Conn(port, timeout=10)
    scram_login(c, "admin", password)
    t0 = time.time()
    code, eof = c.closed_with()
    secs = time.time() - t0
    report(code == "57P05" and eof and 0.8 < secs < 4,
           "--pg-idle-timeout 1: idle session gets FATAL 57P05 after %.1f s (%r)" % (secs, code))
    c = Conn(port, timeout=10)
    scram_login(c, "admin", password)
    alive = True
    for _ in range(6):  # busy for 3 s, never idle 1 s
        time.sleep(0.5)
        r, err, _ = c.query("SELECT 1")
        alive = alive and r == [["1"]]
    report(alive, "--pg-idle-timeout 1: a session active every 0.5 s lives on for 3 s")
    c.query("SET idle_session_timeout = 0")
    time.sleep(1.6)
    r, _, _ = c.query("SELECT 2")
    report(r == [["2"]], "SET idle_session_timeout = 0 overrides the broker's default (%r)" % r)
    c.close()


def cmd_idle(port, rows):
    c = Conn(port, timeout=10)
    c.login()
    c.query("SET idle_session_timeout = '1s'")
    r, _, _ = c.query("SELECT COUNT(*) FROM events")
    t0 = time.time()
    code, eof = c.closed_with()
    secs = time.time() - t0
    report(code == "57P05" and eof and 0.8 < secs < 4,
           "SET idle_session_timeout = '1s': FATAL 57P05 after %.1f s (%r)" % (secs, code))
    c = Conn(port, timeout=10)
    c.login()
    c.query("SET idle_in_transaction_session_timeout = 1000")
    time.sleep(1.5)  # idle outside a block: no timeout applies
    r, _, _ = c.query("BEGIN")
    r, _, st = c.query("SELECT 1")
    t0 = time.time()
    code, eof = c.closed_with()
    secs = time.time() - t0
    report(st == "T" and code == "25P03" and eof and 0.8 < secs < 4,
           "idle_in_transaction_session_timeout = 1000: outside a block nothing; in one FATAL "
           "25P03 after %.1f s (%r)" % (secs, code))
    c = Conn(port, timeout=10)
    c.login()
    c.query("SET idle_session_timeout = '250ms'")
    c.query("SET idle_session_timeout TO default")
    time.sleep(0.8)
    r, _, _ = c.query("SELECT 3")
    report(r == [["3"]], "SET idle_session_timeout TO default: off again (%r)" % r)
    c.close()
    fresh_ok(port, rows, "idle timeouts")


def cmd_authtimeout(port, secs):
    for what, steps in [("a silent connection", lambda c: None),
                        ("half a startup packet", lambda c: c.send(startup_bytes()[:6]))]:
        c = Conn(port, timeout=secs + 10)
        steps(c)
        t0 = time.time()
        code, eof = c.closed_with()
        took = time.time() - t0
        report(eof and code == "57014" and secs - 0.5 < took < secs + 3,
               "authentication timeout %d s, %s: FATAL 57014 and closed after %.1f s (%r)" %
               (secs, what, took, code))


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cmd_flood(port, rows, pid, limit_mb):
    w = Conn(port, timeout=30)  # warm up: one client reads the same result
    w.login()
    for _ in range(3):
        w.query("SELECT country, clicks, day FROM events LIMIT %d" % rows)
    w.close()
    before = rss_kb(pid)
    c = Conn(port, timeout=10, rcvbuf=4096)
    c.login()
    q = msg(b"Q", cstr("SELECT country, clicks, day FROM events LIMIT %d" % rows))
    n = 300  # about 180 MB of DataRows if the broker buffered them all
    c.s.setblocking(False)
    sent = 0
    t0 = time.time()
    data = q * n
    while sent < len(data) and time.time() - t0 < 3:
        try:
            sent += c.s.send(data[sent:])
        except BlockingIOError:
            time.sleep(0.05)
    time.sleep(max(0, 3 - (time.time() - t0)))
    peak = max(rss_kb(pid) for _ in range(5) if time.sleep(0.1) is None)
    grew = (peak - before) // 1024
    report(grew < limit_mb, "a client pipelining %d big queries without reading: broker RSS "
           "+%d MB, under %d (reading pauses at 4 MiB of unsent answers)" % (n, grew, limit_mb))
    fresh_ok(port, rows, "a flooding client (still connected)")
    c.reset()
    fresh_ok(port, rows, "a flooding client's reset")


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "malformed":
        cmd_malformed(port, int(sys.argv[3]))
    elif cmd == "big":
        cmd_big(port, int(sys.argv[3]))
    elif cmd == "storm":
        cmd_storm(port, int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "disconnect":
        cmd_disconnect(port, int(sys.argv[3]))
    elif cmd == "auth":
        cmd_auth(port, sys.argv[3])
    elif cmd == "idle":
        cmd_idle(port, int(sys.argv[3]))
    elif cmd == "flood":
        cmd_flood(port, int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    elif cmd == "authtimeout":
        cmd_authtimeout(port, int(sys.argv[3]))
    else:
        raise SystemExit("unknown command " + cmd)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
