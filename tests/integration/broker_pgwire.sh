#!/usr/bin/env bash
# Integration test: the broker's PostgreSQL wire endpoint. A `tannin server`
# and a `tannin broker --pg-port 0` on loopback, the airline data loaded
# through the admin REST with shared/tools/pinot-suite, then queried with
# psql (simple protocol: results, errors with SQLSTATE, transactions, SHOW),
# psycopg2 when it is installed (client-side parameters, cursor.description
# types), cursors (psql DECLARE/FETCH/MOVE/CLOSE, psycopg2 named cursors),
# CancelRequest (psycopg2's conn.cancel(), psql on SIGINT, raw
# keys), node-postgres (npm pg), ODBC (isql + psqlODBC), and raw sockets (garbage, truncated and
# absurd messages, the extended protocol with a row limit); the broker must
# keep serving.
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

# CancelRequest from real clients: a query that takes seconds (PCRE2
# backtracking per row), cancelled by psycopg2's conn.cancel() from another
# thread and by psql on SIGINT
SLOW="SELECT COUNT(*) FROM airlineStats WHERE REGEXP_LIKE(CONCAT(REPEAT('a', 22), Carrier), '^(a|aa)+\$')"
if [ -n "$PY" ]; then
    if "$PY" - "$PG" "$SLOW" >"$T/pycancel.out" 2>&1 <<'PYEOF'
import sys, time, threading, psycopg2, psycopg2.extensions
c = psycopg2.connect(host="127.0.0.1", port=int(sys.argv[1]), user="x", dbname="default")
cur = c.cursor()
t0 = time.time()
threading.Timer(0.4, c.cancel).start()
try:
    cur.execute(sys.argv[2])
    raise SystemExit("not cancelled: %r after %.2f s" % (cur.fetchall(), time.time() - t0))
except psycopg2.extensions.QueryCanceledError as e:
    took = time.time() - t0
    assert e.pgcode == "57014" and "canceling statement due to user request" in str(e), e
assert took < 3, took
c.rollback()  # the transaction psycopg2 opened failed with the query
cur.execute("SELECT COUNT(*) FROM airlineStats")
assert cur.fetchone()[0] == 9746
print("cancelled after %.2f s" % took)
PYEOF
    then
        ok "psycopg2: conn.cancel() from another thread -> 57014, then the session works ($(tail -1 "$T/pycancel.out"))"
    else
        bad "psycopg2 cancel: $(tail -5 "$T/pycancel.out")"
    fi
fi
timeout -s INT 0.7 psql "$CONN" -X -c "$SLOW" >"$T/psqlcancel.out" 2>&1
grep -q 'canceling statement due to user request' "$T/psqlcancel.out" &&
    ok "psql: SIGINT sends a CancelRequest -> canceling statement due to user request" ||
    bad "psql cancel: $(cat "$T/psqlcancel.out")"

# cursors: DECLARE / FETCH / MOVE / CLOSE from psql, and psycopg2's named
# (server-side) cursors, which fetch itersize rows at a time
cat >"$T/cursor.sql" <<'SQL'
BEGIN;
DECLARE c NO SCROLL CURSOR FOR SELECT Carrier, COUNT(*) FROM airlineStats GROUP BY Carrier ORDER BY 2 DESC, 1;
FETCH 2 FROM c;
MOVE FORWARD 3 IN c;
FETCH NEXT c;
FETCH ALL FROM c;
FETCH c;
DECLARE c CURSOR FOR SELECT 1;
ROLLBACK;
DECLARE h CURSOR WITH HOLD FOR SELECT Carrier FROM airlineStats ORDER BY Carrier LIMIT 3;
BEGIN;
COMMIT;
FETCH 1 FROM h;
CLOSE h;
FETCH 1 FROM h;
DECLARE n CURSOR FOR SELECT 1;
BEGIN;
DECLARE "Mixed Name" CURSOR WITHOUT HOLD FOR SELECT 1 AS one;
FETCH "Mixed Name";
COMMIT;
CLOSE "Mixed Name";
CLOSE ALL;
SQL
psql "$CONN" -X -A -t -F'|' -v ON_ERROR_STOP=0 -v VERBOSITY=verbose -e -f "$T/cursor.sql" >"$T/cursor.out" 2>&1
got=$(grep -vE '^(BEGIN|COMMIT|ROLLBACK|DECLARE|FETCH|MOVE|CLOSE)' "$T/cursor.out" | tr '\n' ' ')
want="WN|2008 EV|1195 UA|724 MQ|698 US|671 B6|437 AS|303 FL|201 HA|115 F9|105 VX|94 "
echo "$got" | grep -qF "$want" && ok "psql cursor: FETCH 2, MOVE 3, FETCH NEXT, FETCH ALL hand out the rows in order" ||
    bad "psql cursor rows: $got"
grep -q '42P03' "$T/cursor.out" && ok "psql cursor: duplicate name -> 42P03" || bad "no 42P03: $(cat "$T/cursor.out")"
grep -q '^AA$' "$T/cursor.out" && ok "psql cursor: WITH HOLD survives COMMIT" || bad "WITH HOLD: $(cat "$T/cursor.out")"
[ "$(grep -c '34000' "$T/cursor.out")" = 2 ] &&
    ok "psql cursor: FETCH after CLOSE and a cursor gone with its COMMIT -> 34000" ||
    bad "34000 twice: $(grep -E 'ERROR' "$T/cursor.out")"
grep -q '25P01' "$T/cursor.out" && ok "psql cursor: DECLARE without hold outside a block -> 25P01" ||
    bad "no 25P01: $(grep ERROR "$T/cursor.out")"
if [ -n "$PY" ]; then
    if "$PY" - "$PG" >"$T/pycursor.out" 2>&1 <<'PYEOF'
import sys, psycopg2
c = psycopg2.connect(host="127.0.0.1", port=int(sys.argv[1]), user="x", dbname="default")
cur = c.cursor(name="big")     # DECLARE "big" CURSOR WITHOUT HOLD FOR ...
cur.itersize = 1000            # FETCH FORWARD 1000 FROM "big", 10 times
cur.execute("SELECT Carrier, ArrDelay FROM airlineStats ORDER BY Carrier, ArrDelay")
rows = list(cur)
assert len(rows) == 9746 and rows[0][0] == "AA", (len(rows), rows[:2])
assert [d.type_code for d in cur.description] == [25, 23], cur.description
cur.close()                    # CLOSE "big"
c.commit()
cur = c.cursor(name="few")
cur.execute("SELECT Carrier, COUNT(*) FROM airlineStats GROUP BY Carrier ORDER BY 2 DESC, 1")
one, two, rest = cur.fetchone(), cur.fetchmany(2), cur.fetchall()
assert one == ("WN", 2008) and len(two) == 2 and len(rest) == 11, (one, two, rest)
c.rollback()
held = c.cursor(name="held", withhold=True)
held.execute("SELECT COUNT(*) FROM airlineStats")
c.commit()                     # a WITH HOLD cursor outlives its transaction
assert held.fetchone() == (9746,)
held.close()
x = c.cursor()
try:
    x.execute("FETCH 1 FROM nosuch")
    raise SystemExit("no error for a missing cursor")
except psycopg2.Error as e:
    assert e.pgcode == "34000", e.pgcode
c.rollback()
print("named cursor: %d rows in batches of 1000" % len(rows))
PYEOF
    then
        ok "psycopg2: named cursors ($(tail -1 "$T/pycursor.out"), fetchone/fetchmany/fetchall, withhold, 34000)"
    else
        bad "psycopg2 named cursor: $(tail -5 "$T/pycursor.out")"
    fi
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

# node-postgres (npm pg, pinned in tools/node)
NODE_MODULES="$ROOT/tools/node/node_modules"
if command -v node >/dev/null && "$ROOT/tools/node/install.sh" >/dev/null 2>&1 &&
    [ -d "$NODE_MODULES/pg" ]; then
    if TN_NODE_MODULES="$NODE_MODULES" timeout 60 node "$ROOT/tests/integration/lib/pg_node.mjs" \
        "$PG" 9746 >"$T/pgnode.out" 2>&1; then
        ok "node-postgres (npm pg): $(grep -c '^ok' "$T/pgnode.out") checks"
    else
        bad "node-postgres: $(grep -v '^ok' "$T/pgnode.out" | head -c 600)"
    fi
else
    echo "skip node-postgres: node or tools/node/install.sh unavailable"
fi

# ODBC: unixODBC's isql with psqlODBC (Debian's unixodbc, odbc-postgresql),
# a DSN in a private odbc.ini; isql's `help` is SQLTables, `help T` is
# SQLColumns, both answered by the catalog
ODBC_DRV=/usr/lib/x86_64-linux-gnu/odbc/psqlodbcw.so
if command -v isql >/dev/null && [ -f "$ODBC_DRV" ]; then
    mkdir -p "$T/odbc"
    printf '[PostgreSQL Unicode]\nDriver = %s\n' "$ODBC_DRV" >"$T/odbc/odbcinst.ini"
    printf '[tannin]\nDriver = PostgreSQL Unicode\nServername = 127.0.0.1\nPort = %s\nDatabase = default\nUsername = x\nSSLmode = disable\n' \
        "$PG" >"$T/odbc/odbc.ini"
    odbc() { printf '%s\n' "$@" | ODBCSYSINI="$T/odbc" ODBCINI="$T/odbc/odbc.ini" timeout 30 isql -b -v -d'|' tannin x 2>&1; }
    out=$(odbc "SELECT COUNT(*) FROM airlineStats")
    [ "$out" = "9746" ] && ok "ODBC isql: SELECT COUNT(*)" || bad "ODBC isql query: $out"
    out=$(odbc "SELECT Carrier, COUNT(*) FROM airlineStats WHERE Carrier = 'AA' GROUP BY Carrier")
    echo "$out" | grep -qE '^AA\|[0-9]+$' && ok "ODBC isql: GROUP BY ($out)" || bad "ODBC isql GROUP BY: $out"
    out=$(odbc help)
    echo "$out" | grep -q '^default|public|airlineStats|TABLE|' && ok "ODBC isql: help lists the table (SQLTables)" ||
        bad "ODBC isql help: $out"
    out=$(odbc "help airlineStats")
    echo "$out" | grep -qE '^default\|public\|airlineStats\|Carrier\|-?[0-9]+\|text\|' &&
        ok "ODBC isql: help airlineStats lists $(echo "$out" | grep -c '|airlineStats|') columns (SQLColumns)" ||
        bad "ODBC isql help airlineStats: $(echo "$out" | head -3)"
    out=$(odbc "SELECT nosuch FROM airlineStats")
    echo "$out" | grep -q '42703' && ok "ODBC isql: an error carries its SQLSTATE" || bad "ODBC isql error: $out"
else
    echo "skip ODBC: isql or psqlODBC missing (unixodbc, odbc-postgresql)"
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
