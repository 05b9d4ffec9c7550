#!/usr/bin/env bash
# Integration test: Tableau's PostgreSQL-dialect SQL on the wire endpoint.
# A `tannin server` and a `tannin broker --pg-port 0` on loopback, a small
# table of our own (TIMESTAMP, strings with NULLs, ints, doubles), and the
# statement shapes Tableau sends (anchors 4.5) through psql: the SELECT 1
# probe, WHERE 1=0 / LIMIT 0 metadata, SUM(1) counts with HAVING and the
# trailing comment, DATE_TRUNC / EXTRACT / casts to date, typed literals,
# COALESCE / CASE, Custom SQL subqueries in FROM, the top-N join (NULL key
# included), the temporary-table probes and refused writes. Expected values
# are computed by python from the same data file, and RowDescription type
# OIDs are checked through psycopg2 when it is installed.
set -u
BIN=${TANNIN_BIN:-build/tannin}
ROOT=${TN_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
if ! command -v psql >/dev/null; then
    echo "SKIP: psql not installed (postgresql-client)"
    exit 0
fi
. "$ROOT/tests/integration/lib/cluster.sh"

# ---- the table: 200 orders over ten months of 2024 -------------------------------
cat >"$T/schema.json" <<'J'
{"schemaName":"orders","dimensionFieldSpecs":[{"name":"region","dataType":"STRING"},
 {"name":"product","dataType":"STRING"},{"name":"qty","dataType":"INT"}],
 "metricFieldSpecs":[{"name":"price","dataType":"DOUBLE"}],
 "dateTimeFieldSpecs":[{"name":"ts","dataType":"TIMESTAMP","format":"1:MILLISECONDS:EPOCH",
  "granularity":"1:MILLISECONDS"}]}
J
echo '{"tableName":"orders","tableType":"OFFLINE","segmentsConfig":{"timeColumnName":"ts","replication":"1"}}' >"$T/table.json"
python3 - "$T/data.jsonl" <<'P'
import json, sys
regions = ["east", "west", "north", "south", None]
prods = ["apple", "pear", "plum", "fig", "kiwi", "lime", "date"]
base = 1704067200000  # 2024-01-01T00:00:00Z
with open(sys.argv[1], "w") as f:
    for i in range(200):
        row = {"product": prods[(i * 3) % 7], "qty": i % 13, "price": round(1.5 + i * 0.25, 2),
               "ts": base + i * 3 * 86400000 // 2 + (i % 24) * 3600000}
        if regions[i % 5] is not None:
            row["region"] = regions[i % 5]
        f.write(json.dumps(row) + "\n")
P
# expect NAME: the answer python computes from the data file (rows as a|b lines)
expect() {
    python3 - "$T/data.jsonl" "$1" <<'P'
import json, sys, datetime, collections
rows = [json.loads(l) for l in open(sys.argv[1])]
for r in rows:
    r.setdefault("region", None)
    r["dt"] = datetime.datetime.fromtimestamp(r["ts"] / 1000, datetime.timezone.utc)
def num(x):
    return ("%d" % x) if float(x).is_integer() else repr(x)
def by(key, val, rs=rows):
    d = collections.defaultdict(float)
    for r in rs:
        d[key(r)] += val(r)
    return d
what = sys.argv[2]
out = []
if what == "counts_by_region":
    d = by(lambda r: r["region"], lambda r: 1)
    out = ["%s|%d" % (k or "", v) for k, v in sorted(d.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))]
elif what == "qty_by_month":
    d = by(lambda r: r["dt"].strftime("%Y-%m-01 00:00:00"), lambda r: r["qty"])
    out = ["%s|%d" % kv for kv in sorted(d.items())]
elif what == "first_days":
    out = sorted({r["dt"].strftime("%Y-%m-%d") for r in rows})[:3]
elif what == "march":
    out = [str(sum(1 for r in rows if datetime.datetime(2024, 3, 1, tzinfo=datetime.timezone.utc) <= r["dt"] < datetime.datetime(2024, 4, 1, tzinfo=datetime.timezone.utc)))]
elif what == "ts_range":
    f = lambda d: d.strftime("%Y-%m-%d %H:%M:%S")
    out = ["%s|%s" % (f(min(r["dt"] for r in rows)), f(max(r["dt"] for r in rows)))]
elif what == "since_march":
    out = [str(sum(1 for r in rows if r["ts"] >= 1709251200000))]
elif what == "custom_sql":
    rs = [r for r in rows if r["qty"] > 3 and r["region"] != "east" and r["region"] is not None]
    d = by(lambda r: r["region"], lambda r: r["price"] * 2, rs)
    out = ["%s|%s" % (k, num(v)) for k, v in sorted(d.items())]
elif what == "top3_products":
    d = by(lambda r: r["product"], lambda r: r["price"])
    top = sorted(d, key=lambda k: -d[k])[:3]
    out = ["%s|%s" % (k, num(d[k])) for k in sorted(top)]
elif what == "top2_regions_qty":
    d = by(lambda r: r["region"], lambda r: r["price"])
    top = sorted(d, key=lambda k: -d[k])[:2]
    rs = [r for r in rows if r["region"] in top and r["qty"] > 2]
    e = by(lambda r: r["region"], lambda r: r["price"], rs)
    out = ["%s|%s" % (k or "", num(v)) for k, v in sorted(e.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))]
elif what == "custom_top2":
    rs = [r for r in rows if r["qty"] > 3]
    d = by(lambda r: r["product"], lambda r: r["price"], rs)
    top = sorted(d, key=lambda k: -d[k])[:2]
    out = ["%s|%s" % (k, num(d[k])) for k in sorted(top)]
print("\n".join(out))
P
}
start_server s1
start_broker b1 "$SRV_ADDR" --pg-port 0
[ -n "$PG" ] && ok "ready line names the pg port ($PG)" || bad "no pg port in: $(cat "$T/b1.out")"
post() { curl -s -o "$T/body" -w '%{http_code}' -X POST "$1" -H 'Content-Type: application/json' --data-binary "$2"; }
[ "$(post "$A/schemas" "@$T/schema.json")" = 200 ] && [ "$(post "$A/tables" "@$T/table.json")" = 200 ] &&
    [ "$(curl -s -o "$T/body" -w '%{http_code}' -X POST \
        "$A/ingestFromFile?tableNameWithType=orders_OFFLINE&batchConfigMapStr=%7B%22inputFormat%22%3A%22json%22%7D" \
        -F "file=@$T/data.jsonl")" = 200 ] && ok "table orders loaded" || { bad "load: $(cat "$T/body")"; cluster_finish; exit 1; }

CONN="host=127.0.0.1 port=$PG user=x dbname=default"
psq() { psql "$CONN" -X -A -t -F'|' -c "$1" 2>&1; }
# same NAME WANT SQL: psql's rows for SQL are exactly WANT
same() {
    local out; out=$(psq "$3")
    [ "$out" = "$2" ] && ok "$1" || bad "$1: got '$out', want '$2'"
}
# fails NAME SQLSTATE SQL: psql reports the SQLSTATE
fails() {
    local out; out=$(psql "$CONN" -X -A -t -v VERBOSITY=verbose -c "$3" 2>&1)
    echo "$out" | grep -q "ERROR:  $2:" && ok "$1 -> $2" || bad "$1: want $2, got '$out'"
}
ORD='"public"."orders" "orders"'
COMMENT='/* { "tableau-query-origins": { "query-category": "Data" } } */'

# ---- probes and metadata ----------------------------------------------------------
same "SELECT 1 probe" "1" "SELECT 1"
out=$(psql "$CONN" -X -A -F'|' -c 'SELECT * FROM "orders" WHERE 1=0' 2>&1)
[ "$out" = "$(printf 'price|product|qty|region|ts\n(0 rows)')" ] && ok "WHERE 1=0: columns, no rows" || bad "WHERE 1=0: $out"
out=$(psql "$CONN" -X -A -F'|' -c "SELECT * FROM $ORD LIMIT 0" 2>&1)
[ "$out" = "$(printf 'price|product|qty|region|ts\n(0 rows)')" ] && ok "LIMIT 0: columns, no rows" || bad "LIMIT 0: $out"
n=$(psq 'SELECT "orders"."product" AS "product", "orders"."ts" AS "ts" FROM "public"."orders" "orders"' | grep -c .)
[ "$n" = 200 ] && ok "no implicit LIMIT (200 rows)" || bad "rows without LIMIT: $n"

# ---- aggregates, dates, CASE, COALESCE ----------------------------------------------
same "SUM(1) counts, GROUP BY 1, HAVING (COUNT(1) > 0), trailing comment" "$(expect counts_by_region)" \
    "SELECT \"orders\".\"region\" AS \"region\", SUM(1) AS \"cnt:orders:ok\" FROM $ORD GROUP BY 1 HAVING (COUNT(1) > 0) ORDER BY 1 ASC $COMMENT"
same "DATE_TRUNC('MONTH', ts) as timestamps" "$(expect qty_by_month)" \
    "SELECT DATE_TRUNC('MONTH', \"orders\".\"ts\") AS \"tmn:ts:ok\", SUM(\"orders\".\"qty\") AS \"sum:qty:ok\" FROM $ORD GROUP BY 1 ORDER BY 1"
same "CAST(ts AS DATE) as dates" "$(expect first_days)" \
    "SELECT CAST(\"orders\".\"ts\" AS DATE) AS \"tdy:ts:ok\" FROM $ORD GROUP BY 1 ORDER BY 1 LIMIT 3"
same "ts::date" "2024-01-01" "SELECT ts::date FROM orders ORDER BY ts LIMIT 1"
same "MIN/MAX of the time column are timestamps (Tableau's range filter)" "$(expect ts_range)" \
    "SELECT MIN(\"orders\".\"ts\") AS \"TEMP(attr:ts:min)\", MAX(\"orders\".\"ts\") AS \"TEMP(attr:ts:max)\" FROM $ORD"
same "EXTRACT(YEAR), EXTRACT(DOW) of a Monday, EXTRACT(QUARTER)" "2024|1|1" \
    "SELECT CAST(EXTRACT(YEAR FROM \"orders\".\"ts\") AS INTEGER), EXTRACT(DOW FROM ts), EXTRACT(QUARTER FROM ts) FROM $ORD ORDER BY ts LIMIT 1"
same "TIMESTAMP literals compare with the time column" "$(expect march)" \
    "SELECT SUM(1) FROM $ORD WHERE ((\"orders\".\"ts\" >= (TIMESTAMP '2024-03-01 00:00:00')) AND (\"orders\".\"ts\" < (TIMESTAMP '2024-04-01 00:00:00')))"
same "DATE literal and CAST(ts AS DATE) >= DATE" "$(expect since_march)|$(expect since_march)" \
    "SELECT SUM(1), SUM(CASE WHEN (CAST(\"orders\".\"ts\" AS DATE) >= (DATE '2024-03-01')) THEN 1 ELSE 0 END) FROM $ORD WHERE (\"orders\".\"ts\" >= (DATE '2024-03-01'))"
same "COALESCE over NULL regions" "40" \
    "SELECT SUM(1) FROM $ORD WHERE (COALESCE(\"orders\".\"region\", 'none') = 'none')"
same "CASE buckets" "big|105
small|95" "SELECT (CASE WHEN \"orders\".\"qty\" > 5 THEN 'big' ELSE 'small' END) AS \"c\", SUM(1) FROM $ORD GROUP BY 1 ORDER BY 1"

# ---- Custom SQL: a subquery in FROM ---------------------------------------------------
CUSTOM="(SELECT region, price * 2 AS dbl, CAST(ts AS DATE) AS d FROM orders WHERE qty > 3) \"Custom SQL Query\""
out=$(psql "$CONN" -X -A -F'|' -c "SELECT * FROM $CUSTOM LIMIT 0" 2>&1)
[ "$out" = "$(printf 'region|dbl|d\n(0 rows)')" ] && ok "Custom SQL LIMIT 0: its columns" || bad "Custom SQL LIMIT 0: $out"
same "Custom SQL: outer aggregate over inner columns, both WHEREs" "$(expect custom_sql)" \
    "SELECT \"Custom SQL Query\".\"region\" AS \"region\", SUM(\"Custom SQL Query\".\"dbl\") AS \"sum:dbl:ok\" FROM $CUSTOM WHERE (\"Custom SQL Query\".\"region\" <> 'east') GROUP BY 1 ORDER BY 1"
fails "subquery in FROM with GROUP BY" 0A000 "SELECT r FROM (SELECT region AS r FROM orders GROUP BY 1) s"
fails "unknown column of a subquery" 42703 "SELECT nope FROM (SELECT region FROM orders) s"
fails "unknown column inside a subquery, even unused" 42703 "SELECT COUNT(*) FROM (SELECT nope, region FROM orders) s"

# ---- top-N: the table joined to a grouped subquery of itself ---------------------------
same "top-N join: top 3 products by SUM(price)" "$(expect top3_products)" \
    "SELECT \"orders\".\"product\" AS \"product\", SUM(\"orders\".\"price\") AS \"sum:price:ok\" FROM $ORD INNER JOIN (SELECT \"orders\".\"product\" AS \"product\", SUM(\"orders\".\"price\") AS \"\$__alias__0\" FROM $ORD GROUP BY 1 ORDER BY 2 DESC LIMIT 3) \"t0\" ON (\"orders\".\"product\" IS NOT DISTINCT FROM \"t0\".\"product\") GROUP BY 1 ORDER BY 1 $COMMENT"
same "top-N join: a NULL key matches (IS NOT DISTINCT FROM), outer WHERE kept" "$(expect top2_regions_qty)" \
    "SELECT \"orders\".\"region\" AS \"region\", SUM(\"orders\".\"price\") AS \"s\" FROM $ORD INNER JOIN (SELECT \"orders\".\"region\" AS \"region\", SUM(\"orders\".\"price\") AS \"\$__alias__0\" FROM $ORD GROUP BY 1 ORDER BY 2 DESC LIMIT 2) \"t0\" ON (\"orders\".\"region\" IS NOT DISTINCT FROM \"t0\".\"region\") WHERE (\"orders\".\"qty\" > 2) GROUP BY 1 ORDER BY 1"
CS='(SELECT product, price FROM orders WHERE qty > 3) "Custom SQL Query"'
same "top-N join over Custom SQL on both sides" "$(expect custom_top2)" \
    "SELECT \"Custom SQL Query\".\"product\" AS \"product\", SUM(\"Custom SQL Query\".\"price\") AS \"s\" FROM $CS INNER JOIN (SELECT \"Custom SQL Query\".\"product\" AS \"product\", SUM(\"Custom SQL Query\".\"price\") AS \"\$__alias__0\" FROM $CS GROUP BY 1 ORDER BY 2 DESC LIMIT 2) \"t0\" ON (\"Custom SQL Query\".\"product\" IS NOT DISTINCT FROM \"t0\".\"product\") GROUP BY 1 ORDER BY 1"
fails "other joins" 0A000 "SELECT a.region FROM orders a LEFT JOIN orders b ON a.region = b.region"

# ---- temporary-table probes and writes, in one session that goes on ---------------------
cat >"$T/probe.sql" <<'SQL'
\set VERBOSITY verbose
CREATE LOCAL TEMPORARY TABLE "#Tableau_7_Connect_Check" ("COL" INTEGER) ON COMMIT PRESERVE ROWS;
SELECT "COL" FROM "#Tableau_7_Connect_Check";
DROP TABLE "#Tableau_7_Connect_Check";
INSERT INTO orders VALUES (1);
UPDATE orders SET qty = 1;
DELETE FROM orders;
CREATE TABLE t2 (a int);
SELECT 42;
SQL
psql "$CONN" -X -A -t -v ON_ERROR_STOP=0 -f "$T/probe.sql" >"$T/probe.out" 2>&1
P="$T/probe.out"
grep -q 'ERROR:  0A000: temporary tables are not supported' "$P" && ok "CREATE TEMPORARY TABLE -> 0A000" || bad "temp create: $(cat "$P")"
[ "$(grep -c 'ERROR:  42P01' "$P")" = 2 ] && ok "SELECT from / DROP of the temp table -> 42P01" || bad "temp select/drop: $(cat "$P")"
[ "$(grep -c 'ERROR:  25006' "$P")" = 4 ] && ok "INSERT/UPDATE/DELETE/CREATE -> 25006" || bad "writes: $(cat "$P")"
grep -qx '42' "$P" && ok "the session goes on after the probes" || bad "after probes: $(cat "$P")"

# ---- RowDescription types (what Tableau learns column types from) -------------------------
PY=
for p in /usr/bin/python3 python3; do
    if "$p" -c 'import psycopg2' 2>/dev/null; then PY=$p; break; fi
done
if [ -n "$PY" ]; then
    out=$("$PY" - "$PG" <<'P' 2>&1
import sys, psycopg2
c = psycopg2.connect(host="127.0.0.1", port=int(sys.argv[1]), user="x", dbname="default")
c.autocommit = True
cur = c.cursor()
cur.execute("""SELECT DATE_TRUNC('month', ts) AS m, CAST(ts AS DATE) AS d,
  CAST(EXTRACT(YEAR FROM ts) AS INTEGER) AS y, SUM(1) AS n, SUM(price) AS s, ts
  FROM orders GROUP BY 1, 2, 3, 6 ORDER BY 6 LIMIT 1""")
row = cur.fetchone()
print(",".join(str(d.type_code) for d in cur.description))
print("|".join(str(v) for v in row))
P
)
    [ "$out" = "$(printf '1114,1082,23,20,701,1114\n2024-01-01 00:00:00|2024-01-01|2024|1|1.5|2024-01-01 00:00:00')" ] &&
        ok "psycopg2: OIDs timestamp/date/int4/int8/float8 and values" || bad "psycopg2 types: $out"
else
    echo "skip psycopg2 (not installed)"
fi

cluster_finish
