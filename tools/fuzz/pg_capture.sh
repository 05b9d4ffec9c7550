#!/usr/bin/env bash
# Records psql, psycopg2 and pgJDBC conversations with a real broker as
# fuzz_pg seeds (tools/fuzz/pg_capture.py is the recording proxy), into
# DIR (default tests/fuzz/pg). One-off, by hand:
#   TANNIN_BIN=build/tannin tools/fuzz/pg_capture.sh [DIR]
set -u
BIN=${TANNIN_BIN:-build/tannin}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${1:-$ROOT/tests/fuzz/pg}
. "$ROOT/tests/integration/lib/cluster.sh"
cat >"$T/schema.json" <<'J'
{"schemaName":"events","dimensionFieldSpecs":[{"name":"country","dataType":"STRING"}],
 "metricFieldSpecs":[{"name":"clicks","dataType":"LONG"}],
 "dateTimeFieldSpecs":[{"name":"day","dataType":"INT","format":"1:DAYS:EPOCH","granularity":"1:DAYS"}]}
J
echo '{"tableName":"events","tableType":"OFFLINE","segmentsConfig":{"timeColumnName":"day","replication":"1"}}' >"$T/table.json"
for i in $(seq 1 50); do echo "{\"country\":\"c$((i % 5))\",\"clicks\":$i,\"day\":$((18000 + i % 10))}"; done >"$T/rows.jsonl"
start_server s1
start_broker b1 "$SRV_ADDR" --pg-port 0
curl -s -o /dev/null -X POST "$A/schemas" -H 'Content-Type: application/json' --data-binary "@$T/schema.json"
curl -s -o /dev/null -X POST "$A/tables" -H 'Content-Type: application/json' --data-binary "@$T/table.json"
curl -s -o /dev/null -X POST -F "file=@$T/rows.jsonl" \
    "$A/ingestFromFile?tableNameWithType=events_OFFLINE&batchConfigMapStr=%7B%22inputFormat%22%3A%22json%22%7D"
PROXY=$((20000 + RANDOM % 20000))
run_capture() { # PREFIX COMMAND...: the command's connections through a fresh proxy
    local prefix=$1; shift
    /usr/bin/python3 "$ROOT/tools/fuzz/pg_capture.py" "$PROXY" "$PG" "$OUT" "$prefix" 3 &
    local cap=$!
    sleep 0.5
    "$@" >"$T/$prefix.log" 2>&1 || echo "$prefix: $(tail -3 "$T/$prefix.log")"
    wait "$cap"
}
CONN="host=127.0.0.1 port=$PROXY user=fuzz dbname=default sslmode=disable"
run_capture psql psql "$CONN" -X -c "SELECT country, SUM(clicks) FROM events GROUP BY country" \
    -c '\d' -c '\dt' -c '\d events' -c '\l' \
    -c "BEGIN; DECLARE c CURSOR FOR SELECT clicks FROM events; FETCH 3 FROM c; CLOSE c; COMMIT" \
    -c "SELECT nosuch FROM events" -c "SHOW server_version"
run_capture psql_fetch psql "$CONN" -X -v FETCH_COUNT=5 -c "SELECT clicks FROM events"
run_capture psycopg2 /usr/bin/python3 - "$CONN" <<'PY'
import sys, psycopg2
c = psycopg2.connect(sys.argv[1])
cur = c.cursor()
cur.execute("SELECT country, clicks FROM events WHERE clicks > %s AND country = %s", (3, "c1"))
cur.fetchall()
cur.execute("SELECT %s, %s, %s", (None, 1.5, "it's"))
nc = c.cursor("named")
nc.execute("SELECT clicks FROM events")
nc.fetchmany(4)
nc.close()
c.rollback()
try:
    cur.execute("SELECT nosuch FROM events")
except psycopg2.Error:
    c.rollback()
c.autocommit = True
cur.execute("SELECT COUNT(*) FROM events")
c.close()
PY
mkdir -p "$T/jdbc"
cat >"$T/jdbc/Cap.java" <<'JAVA'
import java.sql.*;
public class Cap {
    public static void main(String[] a) throws Exception {
        try (Connection c = DriverManager.getConnection(a[0], "fuzz", "")) {
            try (PreparedStatement p = c.prepareStatement(
                    "SELECT country, clicks FROM events WHERE clicks > ? ORDER BY clicks LIMIT 5")) {
                for (int i = 0; i < 6; i++) { p.setInt(1, i); try (ResultSet r = p.executeQuery()) { while (r.next()) {} } }
            }
            DatabaseMetaData md = c.getMetaData();
            try (ResultSet r = md.getTables(null, null, "%", null)) { while (r.next()) {} }
            try (ResultSet r = md.getColumns(null, null, "events", "%")) { while (r.next()) {} }
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setFetchSize(3);
                try (ResultSet r = s.executeQuery("SELECT clicks FROM events")) { while (r.next()) {} }
            }
            c.commit();
            try (Statement s = c.createStatement()) { s.executeQuery("SELECT nosuch FROM events"); } catch (SQLException e) { c.rollback(); }
        }
    }
}
JAVA
javac -d "$T/jdbc" "$T/jdbc/Cap.java" &&
    run_capture jdbc java -cp "$T/jdbc:/usr/share/java/postgresql.jar" Cap \
        "jdbc:postgresql://127.0.0.1:$PROXY/default?sslmode=disable"
ls "$OUT" | grep -c '^capture_'
