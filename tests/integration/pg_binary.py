"""pg_binary.py PORT DATA.jsonl: a raw PostgreSQL v3 client (trust login)
that fetches numeric/date/timestamp/timestamptz in binary and sends them
as binary Bind parameters, decoding and encoding PostgreSQL's send formats
itself (numeric: base-10000 digits, weight, sign, dscale; date: days and
timestamps: microseconds since 2000-01-01). Prints "ok ..." / "FAIL ..."
lines for pg_binary.sh."""
import datetime
import decimal
import json
import socket
import struct
import sys

PORT, DATA = int(sys.argv[1]), sys.argv[2]
EPOCH = datetime.datetime(2000, 1, 1)
D_EPOCH = datetime.date(2000, 1, 1)
fails = 0


def check(name, cond, detail=""):
    global fails
    if cond:
        print("ok " + name)
    else:
        fails += 1
        print("FAIL %s %s" % (name, detail))


# ---- PostgreSQL's binary formats, independently of the C code ------------------

def dec_numeric(b):
    nd, weight, sign, dscale = struct.unpack("!hhHH", b[:8])
    digits = struct.unpack("!%dH" % nd, b[8:8 + 2 * nd])
    if sign == 0xC000:
        return decimal.Decimal("NaN")
    if sign in (0xD000, 0xF000):
        return decimal.Decimal("Infinity" if sign == 0xD000 else "-Infinity")
    v = decimal.Decimal(0)
    for i, d in enumerate(digits):
        v += decimal.Decimal(d).scaleb(4 * (weight - i))
    v = v.quantize(decimal.Decimal(1).scaleb(-dscale)) if dscale else v.quantize(1)
    return -v if sign == 0x4000 else v


def enc_numeric(text):
    d = decimal.Decimal(text)
    sign, digs, exp = d.as_tuple()
    dscale = max(0, -exp)
    s = "".join(map(str, digs))
    # pad so the point falls on a group boundary
    frac = -exp if exp < 0 else 0
    s = s + "0" * (exp if exp > 0 else 0)
    intpart, fracpart = (s[:len(s) - frac] or "0"), s[len(s) - frac:]
    intpart = intpart.zfill((len(intpart) + 3) // 4 * 4)
    fracpart = fracpart + "0" * ((4 - len(fracpart) % 4) % 4)
    groups = [int(intpart[i:i + 4]) for i in range(0, len(intpart), 4)] + \
             [int(fracpart[i:i + 4]) for i in range(0, len(fracpart), 4)]
    weight = len(intpart) // 4 - 1
    while groups and groups[0] == 0:
        groups.pop(0)
        weight -= 1
    while groups and groups[-1] == 0:
        groups.pop()
    if not groups:
        weight = 0
    return struct.pack("!hhHH", len(groups), weight, 0x4000 if sign and groups else 0,
                       dscale) + struct.pack("!%dH" % len(groups), *groups)


def dec_date(b):
    return D_EPOCH + datetime.timedelta(days=struct.unpack("!i", b)[0])


def dec_ts(b):
    return EPOCH + datetime.timedelta(microseconds=struct.unpack("!q", b)[0])


# ---- the protocol ------------------------------------------------------------------

class Conn:
    def __init__(self):
        self.s = socket.create_connection(("127.0.0.1", PORT), timeout=20)
        body = struct.pack("!i", 196608) + b"user\0x\0database\0default\0\0"
        self.s.sendall(struct.pack("!i", len(body) + 4) + body)
        self.buf = b""
        self.until_ready()

    def read(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def message(self):
        t, n = struct.unpack("!ci", self.read(5))
        return t, self.read(n - 4)

    def until_ready(self):
        msgs = []
        while True:
            t, b = self.message()
            msgs.append((t, b))
            if t == b"Z":
                return msgs

    def send(self, t, body):
        self.s.sendall(t + struct.pack("!i", len(body) + 4) + body)

    def extended(self, sql, oids=(), params=(), pformats=(), rformats=()):
        self.send(b"P", b"\0" + sql.encode() + b"\0" + struct.pack("!h", len(oids)) +
                  b"".join(struct.pack("!i", o) for o in oids))
        body = b"\0\0" + struct.pack("!h", len(pformats)) + \
            b"".join(struct.pack("!h", f) for f in pformats) + struct.pack("!h", len(params))
        for p in params:
            body += struct.pack("!i", -1) if p is None else struct.pack("!i", len(p)) + p
        body += struct.pack("!h", len(rformats)) + b"".join(struct.pack("!h", f) for f in rformats)
        self.send(b"B", body)
        self.send(b"D", b"P\0")
        self.send(b"E", b"\0" + struct.pack("!i", 0))
        self.send(b"S", b"")
        return parse(self.until_ready())

    def simple(self, sql):
        self.send(b"Q", sql.encode() + b"\0")
        return parse(self.until_ready())


def parse(msgs):
    """(columns [(name, oid, format)], rows [[bytes|None]], error fields or None)"""
    cols, rows, err = [], [], None
    for t, b in msgs:
        if t == b"T":
            n, off = struct.unpack("!h", b[:2])[0], 2
            for _ in range(n):
                end = b.index(b"\0", off)
                name = b[off:end].decode()
                _, _, oid, _, _, fmt = struct.unpack("!ihihih", b[end + 1:end + 19])
                cols.append((name, oid, fmt))
                off = end + 19
        elif t == b"D":
            n, off, row = struct.unpack("!h", b[:2])[0], 2, []
            for _ in range(n):
                ln = struct.unpack("!i", b[off:off + 4])[0]
                off += 4
                row.append(None if ln < 0 else b[off:off + ln])
                off += max(ln, 0)
            rows.append(row)
        elif t == b"E" and err is None:
            err = {chr(f[0]): f[1:].decode() for f in b.split(b"\0") if f}
    return cols, rows, err


# ---- the checks ----------------------------------------------------------------------

data = [json.loads(line) for line in open(DATA)]
by_ts = sorted(data, key=lambda r: r["ts"])
c = Conn()

# 1. a table's TIMESTAMP column in binary (Bind result format 1 for all)
cols, rows, err = c.extended("SELECT ts, price, label FROM events ORDER BY ts", rformats=[1])
check("binary result: no error", err is None, err)
check("RowDescription: ts is timestamp (1114) in binary", cols[:1] == [("ts", 1114, 1)], cols)
want = [datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=r["ts"]) for r in by_ts]
got = [dec_ts(r[0]) for r in rows]
check("binary timestamps decode to the data's instants (1969, epoch, ms fractions, 2264)",
      got == want, "%s vs %s" % (got, want))
check("binary float8 beside them", [struct.unpack("!d", r[1])[0] for r in rows] ==
      [r["price"] for r in by_ts])

# 2. numeric / date / timestamp / timestamptz from the catalog evaluator's VALUES
sql = ("SELECT * FROM (VALUES (1.5, '2024-02-29'::date, '2024-01-01 12:34:56.789'::timestamp, "
       "'2024-01-01 12:00:00+02'::timestamptz), (-12345.678, '0001-01-01'::date, "
       "'1969-12-31 23:59:59.999999'::timestamp, 'infinity'::timestamptz), "
       "(0, NULL, NULL, '-infinity'::timestamptz)) v(n, d, t, tz)")
cols, rows, err = c.extended(sql, rformats=[1])
check("VALUES in binary: no error", err is None, err)
check("RowDescription: numeric 1700, date 1082, timestamp 1114, timestamptz 1184",
      [(o, f) for _, o, f in cols] == [(1700, 1), (1082, 1), (1114, 1), (1184, 1)], cols)
check("date is 4 bytes, timestamps 8", len(rows[0][1]) == 4 and len(rows[0][2]) == 8 and
      len(rows[0][3]) == 8)
check("numeric 1.5 / -12345.678 / 0 decode exactly",
      [dec_numeric(r[0]) for r in rows] == [decimal.Decimal("1.5"), decimal.Decimal("-12345.678"),
                                            decimal.Decimal(0)], [r[0] for r in rows])
check("numeric 1.5 is digits [1, 5000], weight 0, dscale 1",
      rows[0][0] == struct.pack("!hhHHHH", 2, 0, 0, 1, 1, 5000), rows[0][0])
check("dates decode (leap day, year 1), NULL stays NULL",
      [dec_date(rows[0][1]), dec_date(rows[1][1]), rows[2][1]] ==
      [datetime.date(2024, 2, 29), datetime.date(1, 1, 1), None])
check("timestamps decode with microseconds",
      [dec_ts(rows[0][2]), dec_ts(rows[1][2])] ==
      [datetime.datetime(2024, 1, 1, 12, 34, 56, 789000),
       datetime.datetime(1969, 12, 31, 23, 59, 59, 999999)])
check("timestamptz is UTC (+02 moved), infinities as int64 max/min",
      [dec_ts(rows[0][3]), struct.unpack("!q", rows[1][3])[0], struct.unpack("!q", rows[2][3])[0]]
      == [datetime.datetime(2024, 1, 1, 10, 0), 2 ** 63 - 1, -2 ** 63])

# 3. a BINARY cursor over the simple protocol
cols, rows, err = c.simple("BEGIN; DECLARE bc BINARY CURSOR FOR SELECT ts, label FROM events "
                           "ORDER BY ts; FETCH 2 FROM bc; COMMIT")
check("BINARY cursor: FETCH returns binary timestamps",
      err is None and [dec_ts(r[0]) for r in rows] == want[:2] and
      [r[1] for r in rows] == [b"before", b"epoch"], (err, rows))

# 4. binary Bind parameters: timestamptz, date, numeric, timestamp
us = (datetime.datetime(2024, 1, 1) - EPOCH) // datetime.timedelta(microseconds=1)
cols, rows, err = c.extended("SELECT COUNT(*) FROM events WHERE ts >= $1", oids=[1184],
                             params=[struct.pack("!q", us)], pformats=[1])
n = sum(1 for r in data if r["ts"] >= 1704067200000)
check("binary timestamptz parameter", err is None and rows == [[str(n).encode()]],
      (err, rows, n))
cols, rows, err = c.extended("SELECT COUNT(*) FROM events WHERE ts < $1", oids=[1082],
                             params=[struct.pack("!i", (datetime.date(1970, 1, 1) - D_EPOCH).days)],
                             pformats=[1])
check("binary date parameter", err is None and rows == [[b"1"]], (err, rows))
cols, rows, err = c.extended("SELECT label FROM events WHERE price > $1 AND price < $2 ORDER BY label",
                             oids=[1700, 1700], params=[enc_numeric("2.50"), enc_numeric("-1E+1")],
                             pformats=[1])
check("binary numeric parameters (2.50, -1E+1): price > 2.5 AND price < -10 is empty",
      err is None and rows == [], (err, rows))
cols, rows, err = c.extended("SELECT label FROM events WHERE price > $1 ORDER BY label",
                             oids=[1700], params=[enc_numeric("3.7")], pformats=[1])
check("binary numeric parameter 3.7", err is None and [r[0] for r in rows] ==
      sorted(r["label"].encode() for r in data if r["price"] > 3.7), (err, rows))
cols, rows, err = c.extended("SELECT label FROM events WHERE ts = $1", oids=[1114],
                             params=[struct.pack("!q", (datetime.datetime(2024, 2, 29, 12, 34, 56, 789000)
                                                        - EPOCH) // datetime.timedelta(microseconds=1))],
                             pformats=[1])
check("binary timestamp parameter with milliseconds", err is None and rows == [[b"leap"]],
      (err, rows))

# 5. errors: clear, and the connection goes on
cols, rows, err = c.extended("SELECT COUNT(*) FROM events WHERE price > $1", oids=[1700],
                             params=[struct.pack("!hhHH", 0, 0, 0x8000, 0)], pformats=[1])
check("bad binary numeric parameter -> 22P02 naming the sign",
      err is not None and err.get("C") == "22P02" and "invalid sign" in err.get("M", ""), err)
cols, rows, err = c.extended("SELECT COUNT(*) FROM events WHERE ts > $1", oids=[1184],
                             params=[b"\0\0\0"], pformats=[1])
check("short binary timestamptz parameter -> 22P02",
      err is not None and err.get("C") == "22P02" and "3 bytes" in err.get("M", ""), err)
cols, rows, err = c.extended("SELECT * FROM (VALUES ('2024-13-45'::date)) v(d)", rformats=[1])
check("a date that has no binary form -> 22008, nothing half-sent",
      err is not None and err.get("C") == "22008" and rows == [], (err, rows))
cols, rows, err = c.extended("SELECT COUNT(*) FROM events")
check("the connection still works after the errors", err is None and rows == [[b"5"]], (err, rows))

sys.exit(1 if fails else 0)
