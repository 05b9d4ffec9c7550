#!/usr/bin/python3
"""pg_seeds.py: writes hand-built seed inputs for fuzz_pg (format in
tools/fuzz/fuzz_pg.h: phase byte, chunk byte, client bytes) into DIR: the
simple and extended protocols as psql, psycopg2 and pgJDBC use them,
cursors, transactions, catalog queries, SSL/GSS/cancel requests, SCRAM and
cleartext logins, and a few broken messages.
Usage: pg_seeds.py DIR   (captured real conversations: pg_capture.py)"""
import os
import struct
import sys


def msg(t, body=b""):
    return t + struct.pack("!i", len(body) + 4) + body


def cstr(s):
    return s.encode() + b"\0"


def startup(user="fuzz", extra=()):
    body = struct.pack("!i", 196608) + cstr("user") + cstr(user) + cstr("database") + cstr("default")
    for k, v in extra:
        body += cstr(k) + cstr(v)
    body += b"\0"
    return struct.pack("!i", len(body) + 4) + body


def q(sql):
    return msg(b"Q", cstr(sql))


def parse(name, sql, oids=()):
    return msg(b"P", cstr(name) + cstr(sql) + struct.pack("!h", len(oids)) +
               b"".join(struct.pack("!i", o) for o in oids))


def bind(portal, stmt, params=(), pfmt=(), rfmt=()):
    b = cstr(portal) + cstr(stmt) + struct.pack("!h", len(pfmt))
    b += b"".join(struct.pack("!h", f) for f in pfmt)
    b += struct.pack("!h", len(params))
    for p in params:
        b += struct.pack("!i", -1) if p is None else struct.pack("!i", len(p)) + p
    b += struct.pack("!h", len(rfmt)) + b"".join(struct.pack("!h", f) for f in rfmt)
    return msg(b"B", b)


def describe(kind, name):
    return msg(b"D", kind + cstr(name))


def execute(portal, limit=0):
    return msg(b"E", cstr(portal) + struct.pack("!i", limit))


def close(kind, name):
    return msg(b"C", kind + cstr(name))


SYNC, FLUSH, TERM = msg(b"S"), msg(b"H"), msg(b"X")

SEEDS = {
    "simple": q("SELECT n, s FROM events WHERE country = 'us' LIMIT 3") + TERM,
    "multi": q("SELECT 1; SELECT 'a''b' AS x; SHOW server_version") + q("") + TERM,
    "error": q("SELECT bad FROM events") + q("SELECT 1") + TERM,
    "txn": q("BEGIN") + q("SELECT n FROM events") + q("SELECT bad FROM events") +
           q("SELECT 1") + q("ROLLBACK") + q("COMMIT") + TERM,
    "set": q("SET extra_float_digits = 3") + q("SET application_name = 'x'") +
           q("SHOW extra_float_digits") + q("SHOW ALL") + q("RESET ALL") + TERM,
    "cursor": q("BEGIN") + q("DECLARE c CURSOR FOR SELECT n FROM events") +
              q("FETCH 2 FROM c") + q("MOVE 1 IN c") + q("FETCH ALL FROM c") + q("CLOSE c") +
              q("COMMIT") + TERM,
    "cursor_hold": q("DECLARE h BINARY CURSOR WITH HOLD FOR SELECT n, d, b FROM events") +
                   q("FETCH FORWARD 1 h") + q("FETCH NEXT FROM h") + q("CLOSE ALL") + TERM,
    "catalog": q("SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                 "ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1") +
               q("SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                 "WHERE a.attrelid = 'events'::regclass AND a.attnum > 0") +
               q("SELECT table_name, column_name FROM information_schema.columns") +
               q("SELECT oid, typname FROM pg_type WHERE typname IN ('int4', 'text')") + TERM,
    "psql_d": q("SELECT n.nspname as \"Schema\", c.relname as \"Name\", CASE c.relkind WHEN 'r' "
                "THEN 'table' END as \"Type\", pg_catalog.pg_get_userbyid(c.relowner) as "
                "\"Owner\" FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON "
                "n.oid = c.relnamespace WHERE c.relkind IN ('r','p','v','m','S','f','') AND "
                "n.nspname <> 'pg_catalog' AND pg_catalog.pg_table_is_visible(c.oid) ORDER BY "
                "1,2;") + TERM,
    "ext_unnamed": parse("", "SELECT n, s FROM events WHERE n > $1", [20]) +
                   bind("", "", [b"1"]) + describe(b"P", "") + execute("") + SYNC + TERM,
    "ext_named": parse("s1", "SELECT n, d, b FROM events WHERE s = $1 AND n = $2", [25, 23]) +
                 describe(b"S", "s1") + SYNC +
                 bind("p1", "s1", [b"x", struct.pack("!i", 5)], [0, 1], [1]) +
                 execute("p1", 1) + execute("p1", 1) + execute("p1") + close(b"P", "p1") +
                 close(b"S", "s1") + SYNC + TERM,
    "ext_error": parse("", "SELECT bad FROM events") + bind("", "") + execute("") +
                 parse("", "SELECT 1") + SYNC + parse("", "SELECT 1") + bind("", "") +
                 describe(b"P", "") + execute("") + SYNC + TERM,
    "ext_flush": parse("a", "SELECT $1::int, $2::text", [0, 0]) + FLUSH +
                 bind("", "a", [None, b"t"]) + execute("") + FLUSH + SYNC + TERM,
    # pgJDBC's opening: unnamed statements, binary results for ints
    "jdbc": parse("", "SET extra_float_digits = 3") + bind("", "") + execute("", 1) + SYNC +
            parse("", "SET application_name = 'PostgreSQL JDBC Driver'") + bind("", "") +
            execute("", 1) + SYNC +
            parse("S_1", "SELECT n, s FROM events") + bind("", "S_1", rfmt=[1, 0]) +
            describe(b"P", "") + execute("", 0) + SYNC + parse("", "BEGIN") + bind("", "") +
            execute("") + parse("", "COMMIT") + bind("", "") + execute("") + SYNC + TERM,
    # psycopg2: everything client-side, simple protocol, BEGIN first
    "psycopg2": q("BEGIN") + q("SELECT n, s FROM events WHERE s = 'it''s' AND n = 3") +
                q("DECLARE \"c_1\" CURSOR WITHOUT HOLD FOR SELECT n FROM events") +
                q("FETCH FORWARD 2000 FROM \"c_1\"") + q("CLOSE \"c_1\"") + q("ROLLBACK") + TERM,
    "write": q("INSERT INTO events VALUES (1)") + q("CREATE TABLE x (a int)") + TERM,
    "unknown_type": msg(b"Z", b"I") + TERM,
    "bad_len": b"Q\x00\x00\x00\x02",
    "huge_len": b"Q\x7f\xff\xff\xff",
    "truncated": q("SELECT 1")[:-3],
    "no_nul": msg(b"Q", b"SELECT 1"),
    "copy": q("COPY events TO STDOUT") + msg(b"d", b"x") + msg(b"c") + msg(b"f", cstr("no")) + TERM,
    "funcall": msg(b"F", struct.pack("!ih", 1, 0)) + TERM,
}

RAW = {  # phase 0: the fuzzer's bytes start at the startup packet
    "startup": startup("fuzz", [("application_name", "psql"), ("client_encoding", "UTF8")]) +
               q("SELECT 1") + TERM,
    "ssl_then_startup": struct.pack("!ii", 8, 80877103) + startup() + q("SELECT 1") + TERM,
    "gss_then_ssl": struct.pack("!ii", 8, 80877104) + struct.pack("!ii", 8, 80877103) + startup(),
    "cancel": struct.pack("!iiii", 16, 80877102, 1, 2),
    "proto2": struct.pack("!ii", 8, 131072),
    "no_user": struct.pack("!i", 13) + struct.pack("!i", 196608) + b"\0\0\0\0\0",
    "short": struct.pack("!i", 3),
    "huge": struct.pack("!i", 1 << 30),
}

SCRAM = {  # phase 2: after a startup that asked for SCRAM
    "scram_first": msg(b"p", cstr("SCRAM-SHA-256") + struct.pack("!i", 32) +
                       b"n,,n=,r=fyko+d2lbbFgONRv9qkxdawL") +
                   msg(b"p", b"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=AAAA"),
    "scram_wrong_mech": msg(b"p", cstr("SCRAM-SHA-256-PLUS") + struct.pack("!i", 4) + b"p=tls"),
    "scram_neg": msg(b"p", cstr("SCRAM-SHA-256") + struct.pack("!i", -1)),
}

PASSWORD = {  # phase 3: after a startup that asked for a cleartext password
    "password_ok": msg(b"p", cstr("s3cret")) + q("SELECT n FROM events") + TERM,
    "password_bad": msg(b"p", cstr("nope")),
    "password_trailing": msg(b"p", cstr("s3cret") + b"x"),
}


def write(d, name, phase, data, chunk=0):
    with open(os.path.join(d, "seed_%s_%d" % (name, chunk)), "wb") as f:
        f.write(bytes([phase, chunk]) + data)


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    for name, data in SEEDS.items():
        write(d, name, 1, data)
        write(d, "tls_" + name, 5, data, 7)  # TLS offered, 7-byte chunks
    for name, data in RAW.items():
        write(d, name, 0, data)
        write(d, "tls_" + name, 4, data, 3)
    write(d, "raw_ext", 0, startup() + SEEDS["ext_named"])
    for name, data in SCRAM.items():
        write(d, name, 2, data)
    for name, data in PASSWORD.items():
        write(d, name, 3, data, 5)


if __name__ == "__main__":
    main()
