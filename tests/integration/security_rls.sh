#!/usr/bin/env bash
# Integration test (issue 8): users, roles, row-level views and quotas on a
# broker with --auth, real processes on loopback: two `tannin server`s, a
# `tannin broker`, curl, and tests/integration/rls_check.py (HTTP and
# psycopg2 over the PostgreSQL wire).
#   - users managed through /users (Pinot's shapes), persisted across a
#     broker restart; a deleted user is locked out at once
#   - a row-level USER gets exactly the rows of its filter for a battery of
#     queries written to escape it, compared with an ADMIN's hand-filtered
#     answers; hidden columns are refused like missing ones
#   - a USER gets 403 on admin endpoints; bad user JSON gets 400 with a reason
#   - quotas: per user and per table, 429 then recovery
#   - the audit log has one line per query with user, table and status
set -u
BIN=${TANNIN_BIN:-build/tannin}
ROOT=${TN_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/integration/lib/cluster.sh"
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }

ADMIN_PW='s3cret admin:pw'
printf '%s\n' "$ADMIN_PW" >"$T/admin.pw"
AUTH=(-u "admin:$ADMIN_PW")
# req METHOD URL [BODY] [CURL ARGS...]: body in $T/body, status in CODE
req() {
    local m=$1 url=$2 body=${3:-}; shift 3 2>/dev/null || shift $#
    if [ -n "$body" ]; then
        CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X "$m" "$url" \
            -H 'Content-Type: application/json' --data-binary "$body" "$@")
    else
        CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X "$m" "$url" "$@")
    fi
}
jq_() { python3 -c "import json,sys; d=json.load(open('$T/body')); print($1)"; }
sqlas() { # sqlas USER:PW QUERY
    req POST "$Q/query/sql" "{\"sql\": $(python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$2")}" -u "$1"
}

# ---- a table of ad events on two servers, and another table -------------------------------
cat >"$T/ads_schema.json" <<'J'
{"schemaName":"ads","dimensionFieldSpecs":[{"name":"aggregator","dataType":"STRING"},
 {"name":"region","dataType":"STRING"},{"name":"channel","dataType":"STRING"}],
 "metricFieldSpecs":[{"name":"revenue","dataType":"DOUBLE"},{"name":"secret_cost","dataType":"DOUBLE"}],
 "dateTimeFieldSpecs":[{"name":"ts","dataType":"LONG","format":"1:MILLISECONDS:EPOCH","granularity":"1:MILLISECONDS"}]}
J
cat >"$T/ads_table.json" <<'J'
{"tableName":"ads","tableType":"OFFLINE","segmentsConfig":{"timeColumnName":"ts","replication":"1"},
 "quota":{"maxQueriesPerSecond":"1000"}}
J
cat >"$T/other_schema.json" <<'J'
{"schemaName":"other","dimensionFieldSpecs":[{"name":"k","dataType":"STRING"}],
 "metricFieldSpecs":[{"name":"v","dataType":"LONG"}]}
J
cat >"$T/other_table.json" <<'J'
{"tableName":"other","tableType":"OFFLINE","segmentsConfig":{"replication":"1"},
 "quota":{"maxQueriesPerSecond":"3"}}
J
python3 - "$T" <<'P'
import json, random, sys
r = random.Random(7)
aggs = ["adnexa", "brightreel", "castmint", "duoserve", "everad"]
regions = ["north", "south", "east", "west", "central"]
for part in (1, 2, 3):
    with open(f"{sys.argv[1]}/ads{part}.jsonl", "w") as f:
        for i in range(1500):
            f.write(json.dumps({"aggregator": r.choice(aggs), "region": r.choice(regions),
                                "channel": f"ch{r.randrange(40)}",
                                "revenue": round(r.random() * 3, 3),
                                "secret_cost": round(r.random(), 3),
                                "ts": 1700000000000 + part * 10_000_000 + i * 1000}) + "\n")
with open(f"{sys.argv[1]}/other.jsonl", "w") as f:
    for i in range(10):
        f.write(json.dumps({"k": f"k{i}", "v": i}) + "\n")
P

start_server s1; S1=$SRV_ADDR
start_server s2; S2=$SRV_ADDR
start_broker b1 "$S1,$S2" --pg-port 0 --auth --admin-password-file "$T/admin.pw"
check "startup log says authentication is on" grep -q "authentication on" "$T/b1.err"

ingest() { # ingest TABLE FILE
    CODE=$(curl -s -o "$T/body" -w '%{http_code}' "${AUTH[@]}" -X POST \
        "$A/ingestFromFile?tableNameWithType=$1_OFFLINE&batchConfigMapStr=%7B%22inputFormat%22%3A%22json%22%7D" \
        -F "file=@$2")
    check "ingest $(basename "$2") -> $(head -c 120 "$T/body")" [ "$CODE" = 200 ]
}
for t in ads other; do
    req POST "$A/schemas" "@$T/${t}_schema.json" "${AUTH[@]}"
    check "POST /schemas $t as admin" [ "$CODE" = 200 ]
    req POST "$A/tables" "@$T/${t}_table.json" "${AUTH[@]}"
    check "POST /tables $t as admin -> $(head -c 100 "$T/body")" [ "$CODE" = 200 ]
done
for p in 1 2 3; do ingest ads "$T/ads$p.jsonl"; done
ingest other "$T/other.jsonl"

# ---- users ---------------------------------------------------------------------------------
req POST "$A/users" '{"username":"adnexa","password":"pw-adnexa","component":"BROKER","role":"USER",
  "tables":["ads"],"permissions":["READ"],"rlsFilters":{"ads":"aggregator = '"'"'adnexa'"'"'"},
  "visibleColumns":{"ads":["aggregator","channel","region","revenue","ts"]}}' "${AUTH[@]}"
check "POST /users adnexa -> $(cat "$T/body")" [ "$CODE" = 200 ]
req POST "$A/users" '{"username":"northwest","password":"pw-nw","role":"USER","tables":["ads"],
  "permissions":["READ"],"rlsFilters":{"ads":["region IN ('"'"'north'"'"','"'"'west'"'"')","revenue >= 1"]}}' "${AUTH[@]}"
check "POST /users northwest (two filters ANDed) -> $(cat "$T/body")" [ "$CODE" = 200 ]
req POST "$A/users" '{"username":"adnexa","password":"x","role":"USER"}' "${AUTH[@]}"
check "POST /users twice -> 409" [ "$CODE" = 409 ]
req POST "$A/users" '{"username":"bad","password":"x","rlsFilters":{"ads":"region = '"'"'a'"'"' GROUP BY region"}}' "${AUTH[@]}"
check "a filter with a clause -> 400: $(cat "$T/body")" [ "$CODE" = 400 ]
req POST "$A/users" '{"username":"bad","password":"x","rlsFilters":{"ads":"region = "}}' "${AUTH[@]}"
check "a filter that does not parse -> 400 with the reason: $(cat "$T/body")" \
    [ "$CODE" = 400 ] && grep -q "row filter for table ads" "$T/body"
req POST "$A/users" '{"username":"b a d","password":"x"}' "${AUTH[@]}"
check "a bad user name -> 400" [ "$CODE" = 400 ]
req POST "$A/users" '{"username":"nopw"}' "${AUTH[@]}"
check "a new user without password -> 400" [ "$CODE" = 400 ]
req POST "$A/users" '{"username":"x", "password": "y"' "${AUTH[@]}"
check "malformed user JSON -> 400" [ "$CODE" = 400 ]
req GET "$A/users" "" "${AUTH[@]}"
check "GET /users lists them without secrets" \
    [ "$(jq_ "sorted(d['users'])")" = "['admin_BROKER', 'adnexa_BROKER', 'northwest_BROKER']" ]
check "GET /users has no password or verifier" sh -c "! grep -qiE 'pw-adnexa|scram|password' '$T/body'"
req GET "$A/users/adnexa" "" "${AUTH[@]}"
check "GET /users/adnexa" [ "$(jq_ "d['adnexa_BROKER']['role']")" = USER ]

# ---- the battery ---------------------------------------------------------------------------
# Debian's python3-psycopg2 is in the system Python, which may not be first on PATH
PY=python3
python3 -c 'import psycopg2' 2>/dev/null || PY=/usr/bin/python3
PGARGS=()
[ -n "$PG" ] && "$PY" -c 'import psycopg2' 2>/dev/null && PGARGS=(--pg "$PG")
[ ${#PGARGS[@]} -eq 0 ] && echo "SKIP: PostgreSQL half of the battery (no pg port or no psycopg2)"
if "$PY" "$ROOT/tests/integration/rls_check.py" "$Q" "$A" "$ADMIN_PW" "${PGARGS[@]}" >"$T/rls.out" 2>&1; then
    ok "row-level battery: $(grep -c '^ok' "$T/rls.out") checks"
else
    bad "row-level battery"
fi
grep -E '^(FAIL|   )' "$T/rls.out" | head -40

# ---- quotas ----------------------------------------------------------------------------------
req PUT "$A/users/northwest" '{"role":"USER","tables":["ads"],"permissions":["READ"],
  "rlsFilters":{"ads":"region = '"'"'north'"'"'"},"maxQueriesPerSecond":2}' "${AUTH[@]}"
check "PUT /users/northwest (quota, password kept) -> $(cat "$T/body")" [ "$CODE" = 200 ]
# quota_burst USER:PW QUERY: eight queries at once; codes in $codes, the
# body of the first 429 in $T/429. At once, not back to back: on a loaded
# machine eight sequential requests can straddle a second and find the
# bucket refilled.
quota_burst() {
    codes=""
    rm -f "$T/429"
    local body pids=() i c
    body="{\"sql\": $(python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$2")}"
    for i in 1 2 3 4 5 6 7 8; do
        curl -s -o "$T/burst$i" -w '%{http_code}' -X POST "$Q/query/sql" \
            -H 'Content-Type: application/json' --data-binary "$body" -u "$1" >"$T/burst$i.code" &
        pids+=($!)
    done
    wait "${pids[@]}"
    for i in 1 2 3 4 5 6 7 8; do
        c=$(cat "$T/burst$i.code")
        codes="$codes $c"
        [ "$c" = 429 ] && [ ! -e "$T/429" ] && cp "$T/burst$i" "$T/429"
    done
    touch "$T/429"
}
quota_burst northwest:pw-nw "SELECT COUNT(*) FROM ads"
check "user quota trips: $codes" sh -c "echo '$codes' | grep -q 429"
check "429 says which quota: $(head -c 200 "$T/429")" grep -q "query quota of 2 queries per second" "$T/429"
sleep 1.2
sqlas northwest:pw-nw "SELECT COUNT(*) FROM ads"
check "user quota recovers after a second" [ "$CODE" = 200 ]
quota_burst "admin:$ADMIN_PW" "SELECT COUNT(*) FROM other"
check "table quota.maxQueriesPerSecond trips for an admin too: $codes" sh -c "echo '$codes' | grep -q 429"
check "429 names the table quota" grep -q "quota.maxQueriesPerSecond of 3" "$T/429"
sleep 1.2
sqlas "admin:$ADMIN_PW" "SELECT COUNT(*) FROM other"
check "table quota recovers" [ "$CODE" = 200 ]

# ---- audit -------------------------------------------------------------------------------------
AUD="$T/b1/audit.log"
check "audit log has adnexa's queries on ads" \
    python3 -c "import json,sys; L=[json.loads(l) for l in open('$AUD')]; sys.exit(0 if any(l.get('user')=='adnexa' and l.get('table')=='ads' and l.get('action')=='query' for l in L) else 1)"
check "audit log has the 429s" \
    python3 -c "import json,sys; L=[json.loads(l) for l in open('$AUD')]; sys.exit(0 if any(l.get('status')==429 for l in L) else 1)"
check "audit log is not world-readable" [ "$(stat -c %a "$AUD")" = 600 ]

# ---- users persist; deletion locks out ---------------------------------------------------------
kill "$BRK_PID"; wait "$BRK_PID" 2>/dev/null
start_broker b1 "$S1,$S2" --pg-port 0 --auth
sqlas adnexa:pw-adnexa "SELECT COUNT(*) FROM ads WHERE aggregator <> 'adnexa'"
check "after a restart the user and its filter are still there" \
    [ "$CODE" = 200 -a "$(jq_ "d['resultTable']['rows'][0][0]")" = 0 ]
sqlas adnexa:wrong "SELECT COUNT(*) FROM ads"
check "wrong password -> 401" [ "$CODE" = 401 ]
req DELETE "$A/users/adnexa" "" "${AUTH[@]}"
check "DELETE /users/adnexa" [ "$CODE" = 200 ]
sqlas adnexa:pw-adnexa "SELECT COUNT(*) FROM ads"
check "a deleted user is locked out at once" [ "$CODE" = 401 ]
req DELETE "$A/users/adnexa" "" "${AUTH[@]}"
check "deleting again -> 404" [ "$CODE" = 404 ]

# ---- a bounded result size -----------------------------------------------------------------------
kill "$BRK_PID"; wait "$BRK_PID" 2>/dev/null
start_broker b1 "$S1,$S2" --auth --max-result-rows 100
sqlas "admin:$ADMIN_PW" "SELECT * FROM ads LIMIT 1000"
check "a result over --max-result-rows fails with the reason: $(head -c 160 "$T/body")" \
    grep -q "over this broker's bound of 100 (--max-result-rows)" "$T/body"
sqlas "admin:$ADMIN_PW" "SELECT * FROM ads LIMIT 100"
check "a result within the bound is served" [ "$(jq_ "len(d['resultTable']['rows'])")" = 100 ]

echo "security_rls: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
