#!/usr/bin/env bash
# Integration test: binary numeric/date/timestamp/timestamptz on the
# PostgreSQL wire endpoint. A `tannin server` and a `tannin broker
# --pg-port 0` on loopback, a small table with a TIMESTAMP column, and a
# raw protocol client in python (pg_binary.py) that asks for binary results
# (Bind result formats, and a BINARY cursor over the simple protocol),
# sends binary Bind parameters, and decodes every value with its own
# decoder of PostgreSQL's send formats; expected values come from the data
# file. Also the catalog evaluator's VALUES / WITH / FULL JOIN through psql.
set -u
BIN=${TANNIN_BIN:-build/tannin}
ROOT=${TN_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
if ! command -v psql >/dev/null; then
    echo "SKIP: psql not installed (postgresql-client)"
    exit 0
fi
. "$ROOT/tests/integration/lib/cluster.sh"

cat >"$T/schema.json" <<'J'
{"schemaName":"events","dimensionFieldSpecs":[{"name":"label","dataType":"STRING"}],
 "metricFieldSpecs":[{"name":"price","dataType":"DOUBLE"}],
 "dateTimeFieldSpecs":[{"name":"ts","dataType":"TIMESTAMP","format":"1:MILLISECONDS:EPOCH",
  "granularity":"1:MILLISECONDS"}]}
J
echo '{"tableName":"events","tableType":"OFFLINE","segmentsConfig":{"timeColumnName":"ts","replication":"1"}}' >"$T/table.json"
# before 1970, the epoch, fractions of a second, a leap day, beyond 2262
cat >"$T/data.jsonl" <<'J'
{"label":"before","price":1.25,"ts":-1}
{"label":"epoch","price":2.5,"ts":0}
{"label":"leap","price":3.75,"ts":1709210096789}
{"label":"newyear","price":10.0,"ts":1704067200123}
{"label":"far","price":99.5,"ts":9300000000000}
J

start_server s1
start_broker b1 "$SRV_ADDR" --pg-port 0
[ -n "$PG" ] && ok "ready line names the pg port ($PG)" || bad "no pg port in: $(cat "$T/b1.out")"
post() { curl -s -o "$T/body" -w '%{http_code}' -X POST "$1" -H 'Content-Type: application/json' --data-binary "$2"; }
[ "$(post "$A/schemas" "@$T/schema.json")" = 200 ] && [ "$(post "$A/tables" "@$T/table.json")" = 200 ] &&
    [ "$(curl -s -o "$T/body" -w '%{http_code}' -X POST \
        "$A/ingestFromFile?tableNameWithType=events_OFFLINE&batchConfigMapStr=%7B%22inputFormat%22%3A%22json%22%7D" \
        -F "file=@$T/data.jsonl")" = 200 ] && ok "table events loaded" || { bad "load: $(cat "$T/body")"; cluster_finish; exit 1; }
# the table is queryable once the segment is routed
for ((i = 0; i < 100; i++)); do
    n=$(psql "host=127.0.0.1 port=$PG user=x dbname=default" -X -A -t -c "SELECT COUNT(*) FROM events" 2>/dev/null)
    [ "$n" = "5" ] && break
    sleep 0.1
done
[ "$n" = "5" ] && ok "5 rows visible over the wire" || bad "row count: $n"

# the binary checks: one line per check, "ok ..." or "FAIL ..."
python3 "$ROOT/tests/integration/pg_binary.py" "$PG" "$T/data.jsonl" >"$T/py.out" 2>&1
rc=$?
while IFS= read -r line; do
    case "$line" in
    "ok "*) ok "${line#ok }" ;;
    "FAIL "*) bad "${line#FAIL }" ;;
    *) echo "     $line" ;;
    esac
done <"$T/py.out"
[ "$rc" -eq 0 ] || bad "pg_binary.py exited $rc"

# the catalog evaluator's WITH / VALUES / FULL JOIN reach it from psql
CONN="host=127.0.0.1 port=$PG user=x dbname=default"
psq() { psql "$CONN" -X -A -t -F'|' -c "$1" 2>&1; }
out=$(psq "WITH t(k, v) AS (VALUES (1, 'a'), (2, 'b')) SELECT * FROM t FULL JOIN (VALUES (2, 'B'), (3, 'C')) u(k, w) USING (k) ORDER BY k")
want=$'1|a|\n2|b|B\n3||C'
[ "$out" = "$want" ] && ok "psql: WITH + VALUES + FULL JOIN USING" || bad "WITH/VALUES/FULL JOIN: '$out'"
out=$(psq "SELECT n.nspname, count(c.oid) FROM pg_namespace n FULL JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind = 'r' WHERE n.nspname = 'public' GROUP BY 1")
[ "$out" = "public|1" ] && ok "psql: FULL JOIN over the catalog" || bad "catalog FULL JOIN: '$out'"
out=$(psq "VALUES (2, 'b'), (1, 'a') ORDER BY 1")
[ "$out" = $'1|a\n2|b' ] && ok "psql: VALUES as a statement" || bad "VALUES: '$out'"
out=$(psq "VALUES (1), ('x')")
echo "$out" | grep -q 'invalid input syntax for type integer' && ok "psql: VALUES typing error" || bad "VALUES error: '$out'"
out=$(psq "WITH RECURSIVE t(n) AS (SELECT 1) SELECT * FROM t")
echo "$out" | grep -q 'WITH RECURSIVE is not supported' && ok "psql: WITH RECURSIVE refused" || bad "recursive: '$out'"

cluster_finish
