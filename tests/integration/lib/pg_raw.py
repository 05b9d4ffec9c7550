"""Raw-socket robustness checks for the broker's PostgreSQL port: garbage,
a truncated startup packet, an absurd length, an unknown message type, an
extended-protocol round trip with a row limit (PortalSuspended), and
CancelRequest (a wrong key does nothing, the right one cancels with 57014).
With "secure CAFILE" after the port, the checks of a broker with --auth and
TLS instead (user ana, password pw1, table t): SSLRequest and TLS by hand,
plaintext injected after SSLRequest, a SCRAM-SHA-256 login computed here
(server signature checked), and malformed SASL messages.
Usage: pg_raw.py PORT [secure CAFILE]. Prints ok/FAIL lines; exit 1 on any
failure."""
import base64
import hashlib
import hmac
import os
import socket
import ssl
import struct
import sys
import time

PORT = int(sys.argv[1])
fails = 0


def check(cond, what):
    global fails
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails += 1


def conn():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=10)
    return s


def recv_all(s):
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    return data


def startup(s):
    body = struct.pack("!i", 196608) + b"user\0x\0database\0default\0\0"
    s.sendall(struct.pack("!i", len(body) + 4) + body)
    return read_until(s, b"Z")


def read_msg(s):
    hdr = b""
    while len(hdr) < 5:
        c = s.recv(5 - len(hdr))
        if not c:
            return None, None
        hdr += c
    t, n = hdr[:1], struct.unpack("!i", hdr[1:])[0]
    body = b""
    while len(body) < n - 4:
        c = s.recv(n - 4 - len(body))
        if not c:
            return None, None
        body += c
    return t, body


def read_until(s, stop):
    msgs = []
    while True:
        t, b = read_msg(s)
        if t is None:
            return msgs
        msgs.append((t, b))
        if t == stop:
            return msgs


def msg(t, body):
    return t + struct.pack("!i", len(body) + 4) + body


def error_code(msgs):
    for t, b in msgs:
        if t == b"E":
            for f in b.split(b"\0"):
                if f[:1] == b"C":
                    return f[1:].decode()
    return None


def startup_as(s, user):
    body = struct.pack("!i", 196608) + b"user\0" + user + b"\0database\0default\0\0"
    s.sendall(struct.pack("!i", len(body) + 4) + body)


def auth_msg(msgs):
    """(code, data) of the first AuthenticationXxx message."""
    for t, b in msgs:
        if t == b"R":
            return struct.unpack("!i", b[:4])[0], b[4:]
    return None, None


def sasl_initial(mech, first):
    return msg(b"p", mech + b"\0" + struct.pack("!i", len(first)) + first)


def scram_login(s, user, password):
    """A SCRAM-SHA-256 login computed here; the messages after the proof."""
    startup_as(s, user)
    code, data = auth_msg([read_msg(s)])
    check(code == 10 and data == b"SCRAM-SHA-256\0\0", "SASL offers SCRAM-SHA-256 only")
    cnonce = base64.b64encode(os.urandom(18))
    bare = b"n=,r=" + cnonce
    s.sendall(sasl_initial(b"SCRAM-SHA-256", b"n,," + bare))
    code, sfirst = auth_msg([read_msg(s)])
    attrs = dict(a.split(b"=", 1) for a in sfirst.split(b","))
    check(code == 11 and attrs[b"r"].startswith(cnonce) and len(attrs[b"r"]) >= len(cnonce) + 24,
          "SASLContinue: our nonce plus the server's")
    salted = hashlib.pbkdf2_hmac("sha256", password, base64.b64decode(attrs[b"s"]),
                                 int(attrs[b"i"]))
    ckey = hmac.new(salted, b"Client Key", "sha256").digest()
    without = b"c=biws,r=" + attrs[b"r"]
    am = bare + b"," + sfirst + b"," + without
    sig = hmac.new(hashlib.sha256(ckey).digest(), am, "sha256").digest()
    proof = bytes(a ^ b for a, b in zip(ckey, sig))
    s.sendall(msg(b"p", without + b",p=" + base64.b64encode(proof)))
    msgs = read_until(s, b"Z")
    code, sfinal = auth_msg(msgs)
    skey = hmac.new(salted, b"Server Key", "sha256").digest()
    want = b"v=" + base64.b64encode(hmac.new(skey, am, "sha256").digest())
    check(code == 12 and sfinal == want, "SASLFinal carries the right server signature")
    return msgs


def tls_wrap(s, cafile):
    s.sendall(struct.pack("!ii", 8, 80877103))
    check(s.recv(1) == b"S", "SSLRequest answered S")
    ctx = ssl.create_default_context(cafile=cafile)
    return ctx.wrap_socket(s, server_hostname="127.0.0.1")


def secure(cafile):
    s = conn()
    s.sendall(struct.pack("!ii", 8, 80877103) + struct.pack("!i", 8) + b"\0\3\0\0")
    data = recv_all(s)
    check(data[:1] == b"S" and b"08P01" in data and b"unencrypted data" in data,
          "plaintext right after SSLRequest: S, then 08P01, closed")
    s.close()

    s = tls_wrap(conn(), cafile)
    msgs = scram_login(s, b"ana", b"pw1")
    check(msgs[-1] == (b"Z", b"I"), "SCRAM login over TLS: ReadyForQuery")
    s.sendall(msg(b"Q", b"SELECT COUNT(*) FROM t\0"))
    rows = [b for t, b in read_until(s, b"Z") if t == b"D"]
    check(rows == [struct.pack("!hi", 1, 4) + b"5000"], "ana's query over TLS: 5000 rows")
    s.close()

    s = tls_wrap(conn(), cafile)
    s.sendall(struct.pack("!ii", 8, 80877103))
    check(b"08P01" in recv_all(s), "SSLRequest inside TLS: 08P01")
    s.close()

    s = tls_wrap(conn(), cafile)
    s.sendall(struct.pack("!iiii", 16, 80877102, 1, 2))
    check(recv_all(s) == b"", "CancelRequest inside TLS: closed without a reply")
    s.close()

    s = conn()
    s.sendall(struct.pack("!ii", 8, 80877103))
    s.recv(1)
    s.sendall(b"\x16\x03\x01\x00\x05hello" + b"\0" * 64)
    check(recv_all(s)[:1] != b"E", "garbage instead of a TLS handshake: dropped")
    s.close()

    bad = [(b"SCRAM-SHA-256", b"p=tls-server-end-point,,n=,r=abc", b"channel binding"),
           (b"SCRAM-SHA-256-PLUS", b"p=tls-server-end-point,,n=,r=abc", b"invalid SASL"),
           (b"SCRAM-SHA-256", b"n,,n=,r=", b"malformed SCRAM message"),
           (b"SCRAM-SHA-256", b"n,a=x,n=,r=abc", b"authorization identity")]
    for mech, first, why in bad:
        s = conn()
        startup_as(s, b"ana")
        read_msg(s)
        s.sendall(sasl_initial(mech, first))
        data = recv_all(s)
        check(b"08P01" in data and why in data, "SASL %s %s: 08P01 (%s)" % (mech, first, why))
        s.close()
    s = conn()
    startup_as(s, b"ana")
    read_msg(s)
    s.sendall(sasl_initial(b"SCRAM-SHA-256", b"n,,n=,r=abc"))
    read_msg(s)
    s.sendall(msg(b"p", b"c=biws,r=abc"))
    data = recv_all(s)
    check(b"08P01" in data and b"proof" in data, "client-final without a proof: 08P01")
    s.close()
    s = conn()
    startup_as(s, b"ana")
    read_msg(s)
    s.close()  # gone in the middle of a login: nothing to crash on
    s = tls_wrap(conn(), cafile)
    check(scram_login(s, b"ana", b"pw1")[-1] == (b"Z", b"I"), "still serving after all that")
    s.close()


if len(sys.argv) > 3 and sys.argv[2] == "secure":
    secure(sys.argv[3])
    sys.exit(1 if fails else 0)

# garbage as a startup packet: a FATAL 08P01 and the connection closed
s = conn()
s.sendall(b"\xde\xad\xbe\xef" * 8)
data = recv_all(s)
check(data[:1] == b"E" and b"08P01" in data, "garbage startup: ErrorResponse 08P01, closed")
s.close()

# a truncated startup packet then the client goes away: nothing to crash on
s = conn()
s.sendall(struct.pack("!i", 40) + struct.pack("!i", 196608) + b"user\0")
s.shutdown(socket.SHUT_WR)
data = recv_all(s)
check(data == b"", "truncated startup: connection closed without an answer")
s.close()

# an absurd message length after login
s = conn()
startup(s)
s.sendall(b"Q" + struct.pack("!i", 0x7FFFFFF0))
data = recv_all(s)
check(data[:1] == b"E" and b"08P01" in data, "absurd length: ErrorResponse 08P01, closed")
s.close()

# an unknown message type
s = conn()
startup(s)
s.sendall(msg(b"!", b"xyz"))
data = recv_all(s)
check(data[:1] == b"E" and b"08P01" in data, "unknown message type: 08P01, closed")
s.close()

# a Query message whose string has no terminating NUL
s = conn()
startup(s)
s.sendall(msg(b"Q", b"SELECT 1"))
data = recv_all(s)
check(b"08P01" in data, "Query without NUL: 08P01")
s.close()

# SSLRequest answered 'N', then a normal session with the extended
# protocol: Parse/Bind/Describe/Execute(limit 2)/Execute/Sync
s = conn()
s.sendall(struct.pack("!ii", 8, 80877103))
check(s.recv(1) == b"N", "SSLRequest answered N")
msgs = startup(s)
check(msgs and msgs[-1] == (b"Z", b"I"), "startup: ReadyForQuery I")
sql = b"SELECT Carrier, COUNT(*) FROM airlineStats WHERE Carrier <> $1 GROUP BY Carrier ORDER BY 2 DESC LIMIT 5\0"
s.sendall(msg(b"P", b"\0" + sql + struct.pack("!h", 1) + struct.pack("!i", 25)) +
          msg(b"B", b"\0\0" + struct.pack("!hh", 0, 1) + struct.pack("!i", 2) + b"AA" +
              struct.pack("!hh", 2, 0) + struct.pack("!h", 1)) +
          msg(b"D", b"P\0") + msg(b"E", b"\0" + struct.pack("!i", 2)) +
          msg(b"E", b"\0" + struct.pack("!i", 0)) + msg(b"S", b""))
msgs = read_until(s, b"Z")
types = b"".join(t for t, _ in msgs)
check(types == b"12TDDsDDDCZ", "extended with row limit: %r" % types)
rows = [b for t, b in msgs if t == b"D"]
check(len(rows) == 5 and len(rows[0]) > 2 and struct.unpack("!i", rows[0][-12:-8])[0] == 8,
      "binary int8 count in the second column")
cc = [b for t, b in msgs if t == b"C"]
check(cc and cc[0].startswith(b"SELECT"), "CommandComplete %r" % (cc[0] if cc else None))

# an error in extended mode: the rest is skipped until Sync
s.sendall(msg(b"P", b"\0SELECT nosuch FROM airlineStats\0\0\0") +
          msg(b"B", b"\0\0\0\0\0\0\0\0") + msg(b"E", b"\0\0\0\0\0") + msg(b"S", b""))
msgs = read_until(s, b"Z")
check(error_code(msgs) == "42703" and [t for t, _ in msgs][-1] == b"Z",
      "extended error 42703, skipped to Sync: %r" % [t for t, _ in msgs])

INJ = b"AA' OR 'a'='a"
# a text parameter with an injection attempt
s.sendall(msg(b"P", b"\0SELECT COUNT(*) FROM airlineStats WHERE Carrier = $1\0\0\0") +
          msg(b"B", b"\0\0\0\0\0\1" + struct.pack("!i", len(INJ)) + INJ + b"\0\0") +
          msg(b"E", b"\0\0\0\0\0") + msg(b"S", b""))
msgs = read_until(s, b"Z")
rows = [b for t, b in msgs if t == b"D"]
check(rows == [struct.pack("!hi", 1, 1) + b"0"], "injection attempt stays a literal: %r" % rows)
s.sendall(msg(b"X", b""))
check(recv_all(s) == b"", "Terminate closes")
s.close()

# CancelRequest. A query that takes seconds on the airline table: PCRE2
# backtracking on each row's string (its own match limit keeps it finite).
SLOW = (b"SELECT COUNT(*) FROM airlineStats WHERE "
        b"REGEXP_LIKE(CONCAT(REPEAT('a', 22), Carrier), '^(a|aa)+$')\0")


def backend_key(msgs):
    keys = [struct.unpack("!ii", b) for t, b in msgs if t == b"K"]
    return keys[0] if keys else (0, 0)


def send_cancel(pid, secret):
    c = conn()
    c.sendall(struct.pack("!iiii", 16, 80877102, pid, secret))
    data = recv_all(c)
    c.close()
    return data


def quiet_for(sock, seconds):
    sock.settimeout(seconds)
    try:
        return sock.recv(1) == b""  # closed: not quiet
    except socket.timeout:
        return True
    finally:
        sock.settimeout(10)


s = conn()
pid, secret = backend_key(startup(s))
s2 = conn()
pid2, secret2 = backend_key(startup(s2))
check(pid != pid2 and secret != secret2, "BackendKeyData differs per connection")
check(send_cancel(pid, secret) == b"", "cancel while idle: closed without a reply")
s.sendall(msg(b"Q", b"SELECT COUNT(*) FROM airlineStats\0"))
msgs = read_until(s, b"Z")
check(error_code(msgs) is None and b"C" in [t for t, _ in msgs],
      "a cancel while idle does not hit the next query")
t0 = time.time()
s.sendall(msg(b"Q", SLOW))
time.sleep(0.3)
check(send_cancel(pid, secret ^ 1) == b"", "wrong secret: closed without a reply")
check(send_cancel(pid2, secret) == b"", "another session's pid: closed without a reply")
check(quiet_for(s, 0.5), "wrong keys cancel nothing (the query still runs)")
s2.sendall(msg(b"Q", b"SELECT 1\0"))
check(error_code(read_until(s2, b"Z")) is None, "the other session is untouched")
send_cancel(pid, secret)
msgs = read_until(s, b"Z")
took = time.time() - t0
check(error_code(msgs) == "57014" and b"canceling statement due to user request" in
      b"".join(b for t, b in msgs if t == b"E"), "right key: 57014 %r" % error_code(msgs))
check(took < 3, "cancelled within %.2f s of the start" % took)
s.sendall(msg(b"Q", b"SELECT COUNT(*) FROM airlineStats\0"))
rows = [b for t, b in read_until(s, b"Z") if t == b"D"]
check(rows == [struct.pack("!hi", 1, 4) + b"9746"], "the session works after the cancel")
s.close()
s2.close()
sys.exit(1 if fails else 0)
