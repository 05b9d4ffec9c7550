#!/usr/bin/env bash
# Integration test: the broker's PostgreSQL wire endpoint. A `tannin server`
# and a `tannin broker --pg-port 0` on loopback, the airline data loaded
# through the admin REST with shared/tools/pinot-suite, then queried with
# psql (simple protocol: results, errors with SQLSTATE, transactions, SHOW),
# psycopg2 when it is installed (client-side parameters, cursor.description
# types), and raw sockets (garbage, truncated and absurd messages, the
# extended protocol with a row limit); the broker must keep serving.
# Needs ../shared beside the clone and psql (skipped otherwise).
set -u
BIN=${TANNIN_BIN:-build/tannin}
ROOT=${TN_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
SHARED="$ROOT/../shared"
DATA="$SHARED/data/airlineStats"
SUITE="$SHARED/tools/pinot-suite"
if [ ! -f "$DATA/airlineStats.jsonl" ] || [ ! -f "$SUITE" ]; then
    echo "SKIP: $DATA or shared/tools/pinot-suite not found (shared/ is not beside this clone)"
    exit 0
fi
if ! command -v psql >/dev/null; then
    echo "SKIP: psql not installed (postgresql-client)"
    exit 0
fi
. "$ROOT/tests/integration/lib/cluster.sh"

start_server s1
start_broker b1 "$SRV_ADDR" --pg-port 0
BRK=$BRK_PID
[ -n "$PG" ] && ok "ready line names the pg port ($PG)" || bad "no pg port in: $(cat "$T/b1.out")"

if python3 "$SUITE" load --controller "$A" --data "$DATA" --broker "$Q" --wait 60 >"$T/load.out" 2>&1; then
    ok "airline data loaded"
else
    bad "pinot-suite load: $(tail -5 "$T/load.out")"
    echo "$pass passed, $fail failed"
    exit 1
fi

CONN="host=127.0.0.1 port=$PG user=x dbname=default sslmode=prefer"
psq() { psql "$CONN" -X -A -t -F'|' "$@" 2>&1; }

out=$(psq -c "SELECT COUNT(*) FROM airlineStats")
[ "$out" = "9746" ] && ok "psql: COUNT(*) = 9746" || bad "psql COUNT(*): $out"

# the same top 3 as the HTTP endpoint gives
want=$(curl -s -X POST "$Q/query/sql" -H 'Content-Type: application/json' \
    -d '{"sql":"SELECT Carrier, COUNT(*) FROM airlineStats GROUP BY Carrier ORDER BY 2 DESC LIMIT 3"}' |
    python3 -c 'import json,sys; print("\n".join("%s|%s" % tuple(r) for r in json.load(sys.stdin)["resultTable"]["rows"]))')
out=$(psq -c "SELECT Carrier, COUNT(*) FROM airlineStats GROUP BY Carrier ORDER BY 2 DESC LIMIT 3")
[ -n "$want" ] && [ "$out" = "$want" ] && ok "psql: top 3 carriers match HTTP ($(echo $out))" ||
    bad "psql top 3: '$out' vs HTTP '$want'"

# no implicit LIMIT 10 on the PostgreSQL side
out=$(psq -c "SELECT DISTINCT Carrier FROM airlineStats" | grep -c .)
[ "$out" -gt 10 ] && ok "psql: no implicit LIMIT ($out carriers)" || bad "psql DISTINCT rows: $out"

cat >"$T/session.sql" <<'SQL'
\set VERBOSITY verbose
SELECT nosuch FROM airlineStats;
SELECT COUNT(*) AS n FROM airlineStats WHERE Carrier = 'AA';
BEGIN;
SELECT 1 AS one, 'it''s' AS s, version();
SELECT * FROM nosuchtable;
SELECT 2;
ROLLBACK;
SHOW server_version;
SHOW transaction isolation level;
SET extra_float_digits = 3;
SHOW extra_float_digits;
INSERT INTO airlineStats VALUES (1);
SELECT current_database(), current_schema(), current_user;
SELECT 1; SELECT 2
SQL
psql "$CONN" -X -A -t -F'|' -v ON_ERROR_STOP=0 -f "$T/session.sql" >"$T/session.out" 2>&1
S="$T/session.out"
grep -q '42703' "$S" && ok "psql: unknown column -> SQLSTATE 42703" || bad "no 42703 in: see session output"
grep -qE '^[0-9]+$' "$S" && ok "psql: a good query after the error in the same session" ||
    bad "no count after the error: see session output"
grep -q "^1|it's|PostgreSQL 15.0 (Tannin)$" "$S" && ok "psql: constant SELECT" || bad "constant SELECT: see session output"
grep -q '42P01' "$S" && ok "psql: unknown table -> 42P01" || bad "no 42P01: see session output"
grep -q '25P02' "$S" && ok "psql: failed transaction block -> 25P02 until ROLLBACK" || bad "no 25P02: see session output"
grep -q '^15.0$' "$S" && ok "psql: SHOW server_version" || bad "SHOW server_version: see session output"
grep -q '^read committed$' "$S" && ok "psql: SHOW transaction isolation level" || bad "SHOW isolation: see session output"
grep -q '^3$' "$S" && ok "psql: SET then SHOW" || bad "SET/SHOW: see session output"
grep -q '25006' "$S" && ok "psql: INSERT -> 25006 read-only" || bad "no 25006: see session output"
grep -q '^default|public|x$' "$S" && ok "psql: current_database/schema/user" || bad "session functions: see session output"
grep -q '^2$' "$S" && ok "psql: two statements in one line" || bad "multi-statement: see session output"

[ "$fail" -gt 0 ] && sed 's/^/    | /' "$S"

# the PostgreSQL catalog (pg_catalog / information_schema) as psql reads it
out=$(psq -c '\dt')
echo "$out" | grep -q '^public|airlineStats|table|x$' && ok "psql \\dt lists the table" ||
    bad "psql \\dt: $out"
out=$(psq -c '\d "airlineStats"')
echo "$out" | grep -q '^Carrier|text|||$' && echo "$out" | grep -q '^ArrDelay|integer|||$' &&
    ok "psql \\d shows columns with types ($(echo "$out" | wc -l) columns)" ||
    bad "psql \\d: $(echo "$out" | head -5)"
out=$(psq -c "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'airlineStats' AND column_name = 'Carrier'")
[ "$out" = "Carrier|text" ] && ok "psql: information_schema.columns" || bad "information_schema.columns: $out"
out=$(psq -c "SELECT nosuch FROM pg_catalog.pg_class" 2>&1)
echo "$out" | grep -q 'nosuch' && ok "psql: unknown catalog column is an error" || bad "catalog error: $out"

# psycopg2 (Debian's python3-psycopg2 lives in /usr/bin/python3)
PY=
for p in python3 /usr/bin/python3; do
    if "$p" -c 'import psycopg2' 2>/dev/null; then PY=$p; break; fi
done
if [ -n "$PY" ]; then
    if "$PY" - "$PG" >"$T/py.out" 2>&1 <<'PYEOF'
import sys, psycopg2
c = psycopg2.connect(host="127.0.0.1", port=int(sys.argv[1]), user="x", dbname="default")
cur = c.cursor()   # psycopg2 opens a transaction: BEGIN must answer BEGIN
cur.execute("SELECT COUNT(*) FROM airlineStats WHERE Carrier = %s", ("AA",))
n = cur.fetchone()[0]
cur.execute("SELECT COUNT(*) FROM airlineStats WHERE Carrier = %s", ("AA' OR 'a'='a",))
inj = cur.fetchone()[0]
cur.execute("SELECT Carrier, ArrDelay, COUNT(*), AVG(ArrDelay) FROM airlineStats GROUP BY Carrier, ArrDelay ORDER BY 3 DESC LIMIT 2")
oids = [d.type_code for d in cur.description]
rows = cur.fetchall()
c.rollback()
assert isinstance(n, int) and n > 0, n
assert inj == 0, inj
assert oids == [25, 23, 20, 701], oids
assert isinstance(rows[0][3], float), rows
cur.execute("SELECT column_name, data_type, ordinal_position FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position", ("public", "airlineStats"))
cols = cur.fetchall()
assert len(cols) > 20 and ("Carrier", "text") in [c[:2] for c in cols], cols
assert [c[2] for c in cols] == list(range(1, len(cols) + 1)), cols
c.rollback()
print("count AA", n, "types", oids, "columns", len(cols))
PYEOF
    then
        ok "psycopg2: parameterized count, injection stays a literal, description types ($(tail -1 "$T/py.out"))"
    else
        bad "psycopg2: $(tail -5 "$T/py.out")"
    fi
else
    echo "skip psycopg2: not installed (python3-psycopg2)"
fi

# pgJDBC (Debian's libpostgresql-jdbc-java), the driver Tableau uses
JAR=/usr/share/java/postgresql.jar
if command -v java >/dev/null && [ -f "$JAR" ]; then
    if timeout 120 java -cp "$JAR" "$ROOT/tests/integration/lib/PgJdbc.java" "$PG" >"$T/jdbc.out" 2>&1; then
        ok "pgJDBC: $(grep -c '^ok' "$T/jdbc.out") checks"
    else
        bad "pgJDBC: $(grep -v '^ok' "$T/jdbc.out" | head -8)"
    fi
    if timeout 120 java -cp "$JAR" "$ROOT/tests/integration/lib/PgJdbc.java" "$PG" meta >"$T/jdbcmeta.out" 2>&1; then
        ok "pgJDBC DatabaseMetaData: $(grep -c '^ok' "$T/jdbcmeta.out") checks"
    else
        bad "pgJDBC DatabaseMetaData: $(grep -v '^ok' "$T/jdbcmeta.out" | head -8)"
    fi
else
    echo "skip pgJDBC: java or $JAR missing (libpostgresql-jdbc-java)"
fi

if python3 "$ROOT/tests/integration/lib/pg_raw.py" "$PG" >"$T/raw.out" 2>&1; then
    ok "raw sockets: $(grep -c '^ok' "$T/raw.out") checks"
else
    bad "raw sockets: $(grep -v '^ok' "$T/raw.out" | head -5)"
fi

out=$(psq -c "SELECT COUNT(*) FROM airlineStats")
[ "$out" = "9746" ] && kill -0 "$BRK" 2>/dev/null && ok "broker still serves after the bad clients" ||
    bad "after bad clients: $out"

# a clean shutdown with open PostgreSQL sessions (sanitizer builds report
# leaks and errors on stderr at exit)
python3 -c '
import socket, struct, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
b = struct.pack("!i", 196608) + b"user\0x\0\0"
s.sendall(struct.pack("!i", len(b) + 4) + b + b"Q\0\0\0\x09SELE")
time.sleep(5)' "$PG" &
PIDS+=($!)
sleep 0.5
kill -TERM "$BRK"
rc=0
for ((i = 0; i < 100; i++)); do kill -0 "$BRK" 2>/dev/null || break; sleep 0.1; done
wait "$BRK" 2>/dev/null || rc=$?
if [ "$rc" -eq 0 ] && ! grep -qE 'Sanitizer|runtime error' "$T/b1.err"; then
    ok "broker exits cleanly on SIGTERM"
else
    bad "broker exit $rc: $(grep -E -A5 'Sanitizer|runtime error' "$T/b1.err" | head -20)"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
