#!/usr/bin/env bash
# Integration test: the web console (broker/console), served by the
# broker's admin port, in a real browser. Real processes on loopback:
# `tannin kafka-dev`, a server, brokers, and `tannin gen` feeding the
# pageviews and ad_events tables live.
#   1. broker/console/build.sh without npm: the pages, no Chart.js, a warning
#   2. static serving: index and files with their Content-Type and
#      Cache-Control, binary files intact, traversal in every spelling,
#      symlinks, hidden and unknown files refused (404), the size cap; a
#      missing console is a "not built" page and the broker runs on
#   3. POST /sql on the admin port answers as POST /query/sql does
#   4. every dashboard query of dashboards.json runs without an error
#   5. in Chromium (playwright-core, lib/console_test.mjs): the query page
#      shows rows, stats and errors; each dashboard's charts have data from
#      the live tables, refresh on their own, and follow the filters and
#      the time range; a console built without Chart.js says so
#   6. the broker restarted with --auth: /auth/info, the pages need no
#      credentials, the API does; in Chromium the sign-in form, a wrong
#      password's error, the query page and a query as a USER, an expired
#      token, signing out
# Parts 5 and 6 print SKIP when Chromium or playwright-core cannot be found or
# installed. TN_SCREENSHOTS=1 writes the pages' screenshots to docs/
# (after a few minutes of data: TN_SCREENSHOT_MINUTES, default 3);
# otherwise they go to the scratch directory.
set -u
BIN=${TANNIN_BIN:-build/tannin}
ROOT=${TN_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/integration/lib/cluster.sh"
CONSOLE=${TN_CONSOLE_DIR:-$(cd "$(dirname "$BIN")" && pwd)/console}
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
# status WANT [COMMAND...]: CODE is WANT and COMMAND (if any) succeeds
status() { local want=$1; shift; [ "$CODE" = "$want" ] && { [ $# = 0 ] || "$@"; }; }
has() { grep -q "$1" "$T/body"; }
lacks() { ! grep -q "$1" "$T/body"; }
prefix() { case "$1" in "$2"*) return 0 ;; esac; return 1; }

# get URL [CURL ARGS...]: body in $T/body, headers in $T/hdr, status in CODE
get() {
    local url=$1; shift
    CODE=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' "$url" "$@")
}
header() { tr -d '\r' <"$T/hdr" | sed -n "s/^$1: //Ip" | head -1; }
jq_() { python3 -c "import json,sys; d=json.load(open('$T/body')); print($1)"; }
json_str() { python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }
# sql URL QUERY [CURL ARGS...]
sql() {
    local url=$1 s=$2; shift 2
    CODE=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' -X POST "$url" \
        -H 'Content-Type: application/json' --data-binary "{\"sql\": $(json_str "$s")}" "$@")
}
err_is() { [ "$(jq_ "(d.get('exceptions') or [{}])[0].get('errorCode', 0)")" = "$1" ]; }
rows_counted() { [ "$(jq_ "d['resultTable']['rows'][0][0] > 0")" = True ]; }
count() { sql "$A/sql" "SELECT COUNT(*) FROM $1"; jq_ "d['resultTable']['rows'][0][0] if 'resultTable' in d else 0"; }

# ---- 1. a console built without npm ------------------------------------------------------
mkdir -p "$T/src" "$T/nonpm"
cp "$ROOT"/broker/console/{*.html,*.js,*.css,*.svg,dashboards.json,build.sh} "$T/src/"
for t in dirname flock mkdir cp rm; do ln -s "$(command -v $t)" "$T/nonpm/$t"; done
PATH="$T/nonpm" "$(command -v bash)" "$T/src/build.sh" "$T/console" 2>"$T/build.err"
check "build.sh without npm succeeds" [ $? = 0 ]
check "build.sh without npm warns: $(head -1 "$T/build.err")" grep -q 'without charts' "$T/build.err"
check "build.sh without npm copies the pages, no Chart.js" \
    [ -f "$T/console/index.html" -a -f "$T/console/dashboards.json" -a ! -e "$T/console/chart.umd.js" ]

# ---- 2. static serving -------------------------------------------------------------------
# files the console must not serve, and a binary one it must serve intact
echo '{"secret": "do not serve"}' >"$T/secret.json"
ln -s ../secret.json "$T/console/link.json"
mkdir "$T/console/sub" && echo 'sub' >"$T/console/sub/x.js"
echo 'hidden' >"$T/console/.hidden.js"
echo 'notes' >"$T/console/notes.txt"
head -c $((9 << 20)) /dev/zero >"$T/console/big.js"
printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0binary\0' >"$T/console/pic.png"

start_server s1
SERVER=$SRV_ADDR
start_broker b2 "$SERVER" --console-dir "$T/console" --pg-port -1
A2=$A Q2=$Q
get "$A2/"
check "GET / -> the index ($CODE)" status 200 has '<title>Tannin console'
check "index is text/html; charset=utf-8" [ "$(header Content-Type)" = 'text/html; charset=utf-8' ]
check "index Cache-Control: no-cache" [ "$(header Cache-Control)" = no-cache ]
check "X-Content-Type-Options: nosniff" [ "$(header X-Content-Type-Options)" = nosniff ]
for p in /console /console/; do
    get "$A2$p"
    check "GET $p -> the index" status 200 has '<title>Tannin console'
done
for f in app.js:text/javascript style.css:text/css dashboards.json:application/json \
         favicon.svg:image/svg+xml pic.png:image/png; do
    get "$A2/console/${f%%:*}"
    check "GET /console/${f%%:*} -> 200 $(header Content-Type)" \
        status 200 prefix "$(header Content-Type)" "${f#*:}"
done
check "the PNG arrives byte for byte" cmp -s "$T/body" "$T/console/pic.png"
check "images may be cached: $(header Cache-Control)" prefix "$(header Cache-Control)" 'public, max-age='
get "$A2/console/dashboards.json"
check "dashboards.json is valid JSON" python3 -c "import json; json.load(open('$T/body'))"
CODE=$(curl -s -I -o /dev/null -w '%{http_code} %{size_download}' "$A2/console/app.js")
check "HEAD /console/app.js -> 200, no body ($CODE)" [ "$CODE" = "200 0" ]
for p in '/console/../secret.json' '/console/..%2fsecret.json' '/console/%2e%2e%2fsecret.json' \
         '/console/%2e%2e/secret.json' '/console/..%2F..%2F..%2Fetc%2Fpasswd' '/console/a%00.js' \
         '/console/app.js%00.png' '/console/sub/x.js' '/console/sub%2fx.js' '/console/.hidden.js' \
         '/console/link.json' '/console/notes.txt' '/console/nosuch.js' '/console/app.js/' \
         '/console//app.js' '/console/%61pp.js' "/console/$(printf 'a%.0s' {1..200}).js"; do
    get "$A2$p" --path-as-is
    check "GET $p -> 404 ($CODE)" status 404 lacks 'do not serve\|^sub$\|^hidden\|^notes\|root:'
done
get "$A2/console/big.js"
check "a file over the size cap -> 500 ($CODE)" status 500 has 'larger than'
CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X POST "$A2/" -d x)
check "POST / is not the console -> 404 JSON" [ "$CODE" = 404 -a "$(jq_ "d['code']")" = 404 ]
get "$Q2/"
check "the query port serves no console -> 404" [ "$CODE" = 404 ]

# read per request: a console removed (or rebuilt) while the broker runs shows at once
mv "$T/console/index.html" "$T/index.html"
get "$A2/"
check "index gone -> 404 'not built' page ($CODE)" status 404 has 'console is not built'
check "... saying how to build it" has 'broker/console/build.sh DIR</code> and start the broker with <code>--console-dir'
check "... as HTML" [ "$(header Content-Type)" = 'text/html; charset=utf-8' ]
get "$A2/console/app.js"
check "index gone -> files are 'not built' too" status 404 has 'not built'
get "$A2/health"
check "the broker runs on without a console" [ "$CODE" = 200 ]
mv "$T/index.html" "$T/console/index.html"
rm "$T/console/big.js"

start_broker b3 "$SERVER" --console-dir "$T/nowhere" --pg-port -1
get "$A/"
check "a missing console directory: the broker starts, / says 'not built'" status 404 has 'not built'
check "... and names the directory" has "$T/nowhere"
check "... and its log says how to build it" grep -q 'web console not built' "$T/b3.err"
stop_within "$BRK_PID"

# ---- 3. live tables, and POST /sql on the admin port -------------------------------------
"$BIN" kafka-dev --topic pageviews:4 --topic ad_events:4 </dev/null >"$T/kafka.out" 2>"$T/kafka.err" &
KAFKA_PID=$!
PIDS+=("$KAFKA_PID")
wait_line "$T/kafka.out" '^bootstrap: ' 30 || { bad "kafka-dev did not start: $(cat "$T/kafka.err")"; cluster_finish; exit; }
KAFKA=$(sed -n 's/^bootstrap: //p' "$T/kafka.out")
if [ -f "$CONSOLE/index.html" ]; then ok "the build made the console: $CONSOLE"
else bad "no console at $CONSOLE (the build's console target runs broker/console/build.sh)"; fi
start_broker b1 "$SERVER" --console-dir "$CONSOLE" --pg-port -1
check "the broker logs where its console is" grep -q "web console at $A/" "$T/b1.err"
for t in pageviews ad_events; do
    python3 - "$ROOT/tools/demo/${t}_realtime_table_config.json" "$KAFKA" >"$T/$t.table.json" <<'P'
import json, sys
cfg = json.load(open(sys.argv[1]))
cfg["tableIndexConfig"]["streamConfigs"]["stream.kafka.broker.list"] = sys.argv[2]
print(json.dumps(cfg))
P
    CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X POST "$A/schemas" -H 'Content-Type: application/json' \
        --data-binary "@$ROOT/tools/demo/${t}_schema.json")
    check "POST /schemas $t" [ "$CODE" = 200 ]
    CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X POST "$A/tables" -H 'Content-Type: application/json' \
        --data-binary "@$T/$t.table.json")
    check "POST /tables $t -> $(cat "$T/body")" [ "$CODE" = 200 ]
done
GEN_START=$(date +%s)
for g in pageviews:pageviews ad-events:ad_events; do
    "$BIN" gen "${g%%:*}" --kafka "$KAFKA" --topic "${g#*:}" --rate 1000 >"$T/gen-${g%%:*}.out" \
        2>"$T/gen-${g%%:*}.err" &
    PIDS+=("$!")
done
for i in $(seq 1 120); do
    [ "$(count pageviews)" -ge 3000 ] && [ "$(count ad_events)" -ge 3000 ] && break
    sleep 0.5
done
check "live rows: pageviews $(count pageviews), ad_events $(count ad_events)" \
    [ "$(count pageviews)" -ge 3000 -a "$(count ad_events)" -ge 3000 ]

# the same query through both doors, over rows that no longer change
CUT=$(( ($(date +%s) - 2) * 1000 ))
S="SELECT device, COUNT(*) AS n, SUM(bounced) AS b FROM pageviews WHERE ts < $CUT GROUP BY device ORDER BY device LIMIT 10"
sleep 1
sql "$A/sql" "$S"; cp "$T/body" "$T/admin.json"
sql "$Q/query/sql" "$S"; cp "$T/body" "$T/query.json"
check "POST /sql answers as POST /query/sql" python3 - "$T/admin.json" "$T/query.json" <<'P'
import json, sys
a, q = (json.load(open(p)) for p in sys.argv[1:])
sys.exit(not (a["resultTable"] == q["resultTable"] and set(a) == set(q) and a["resultTable"]["rows"]))
P
sql "$A/sql" "SELECT COUNT(* FROM pageviews"
check "POST /sql, bad SQL -> 150" status 200 err_is 150
check "... with its position" has position
check "POST /sql sends X-Pinot-Error-Code" [ "$(header X-Pinot-Error-Code)" = 150 ]
sql "$A/sql" "SELECT COUNT(*) FROM nope" -H 'Pinot-Use-Http-Status-For-Errors: true'
check "POST /sql, unknown table with http status -> 404 + 190" status 404 err_is 190
CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X POST "$A/sql" -H 'Content-Type: application/json' \
    --data-binary '{"sql":"SELECT COUNT(*) FROM pageviews","queryOptions":"timeoutMs=5000"}')
check "POST /sql with queryOptions" status 200 rows_counted
get "$A/sql?sql=SELECT%20COUNT(*)%20FROM%20ad_events"
check "GET /sql?sql=" status 200 rows_counted
CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X PUT "$A/sql" -d '{}')
check "PUT /sql -> 405" [ "$CODE" = 405 ]
python3 -c 'print("{\"sql\": \"SELECT 1 FROM pageviews\", \"pad\": \"" + "x" * 2000000 + "\"}")' >"$T/big.json"
CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X POST "$A/sql" -H 'Content-Type: application/json' \
    --data-binary "@$T/big.json")
check "POST /sql over the query body limit -> 413" [ "$CODE" = 413 ]

# ---- 4. every dashboard query, as the pages fill them in ---------------------------------
check "every dashboards.json query runs (defaults, each time range, a filter)" \
    python3 - "$ROOT/broker/console/dashboards.json" "$A" <<'P'
import json, sys, urllib.request
spec, admin = json.load(open(sys.argv[1])), sys.argv[2]
def run(sql):
    req = urllib.request.Request(admin + "/sql", json.dumps({"sql": sql}).encode(),
                                 {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))
failed = 0
settings = [dict(spec["defaults"])] + [{"since": r["since"], "unit": r["unit"], "where": ""}
                                        for r in spec["timeRanges"]]
for d in spec["dashboards"]:
    f = d["filters"][0]["column"]
    for v in settings + [dict(spec["defaults"], where=f" AND {f} = 'it''s'")]:
        for p in d["filters"] + d["panels"]:
            sql = p["sql"]
            for k, x in v.items():
                sql = sql.replace("{{" + k + "}}", x)
            r = run(sql)
            if "{{" in sql or r.get("exceptions") or "resultTable" not in r:
                failed += 1
                print(f"  {d['id']}/{p.get('id', p.get('column'))}: {r.get('exceptions')}\n  {sql}")
sys.exit(failed > 0)
P

# ---- 5. in Chromium -------------------------------------------------------------------------
# browser_setup: CHROMIUM, or a SKIP line and false
browser_setup() {
    CHROMIUM=${TN_CHROMIUM:-$(command -v chromium || command -v chromium-browser)}
    if [ -z "$CHROMIUM" ]; then
        "$ROOT/tools/setup.sh" --browser >"$T/setup.out" 2>&1
        CHROMIUM=$(command -v chromium || command -v chromium-browser)
    fi
    if [ -z "$CHROMIUM" ]; then
        echo "SKIP: browser parts: Chromium is not installed and tools/setup.sh --browser could not install it"
        return 1
    fi
    if ! command -v node >/dev/null || ! "$ROOT/tools/node/install.sh" >"$T/npm.out" 2>&1; then
        echo "SKIP: browser parts: node or playwright-core (tools/node/install.sh) is unavailable"
        return 1
    fi
}

# run_browser NAME ARGS...: lib/console_test.mjs ARGS, its lines counted as ours
run_browser() {
    local name=$1 out=$T/browser-$1.out; shift
    TN_NODE_MODULES="$ROOT/tools/node/node_modules" TN_CHROMIUM="$CHROMIUM" \
        timeout 600 node "$ROOT/tests/integration/lib/console_test.mjs" "$@" >"$out" 2>&1
    local rc=$? line
    while IFS= read -r line; do
        case "$line" in
            'ok   '*) ok "browser: ${line#ok   }" ;;
            'FAIL '*) bad "browser: ${line#FAIL }" ;;
        esac
    done <"$out"
    if [ "$rc" != 0 ] || ! grep -q '^ok ' "$out"; then
        bad "browser ($name): console_test.mjs exited $rc: $(tail -5 "$out")"
    fi
}

browser_part() {
    local shots=$T/shots
    mkdir -p "$shots"
    if [ "${TN_SCREENSHOTS:-}" = 1 ]; then
        shots=$ROOT/docs
        local wait=$(( ${TN_SCREENSHOT_MINUTES:-3} * 60 - ($(date +%s) - GEN_START) ))
        [ "$wait" -gt 0 ] && echo "screenshots: $wait s more of live data first" && sleep "$wait"
    fi
    run_browser console "$A" "$shots" "$A2"
    for f in console-query.png console-dropoff.png console-ads.png; do
        check "screenshot $shots/$f" [ -s "$shots/$f" ]
    done
}
BROWSER=0
browser_setup && BROWSER=1
[ "$BROWSER" = 1 ] && browser_part

# ---- 6. the same broker with --auth -----------------------------------------------------------
stop_within "$BRK_PID"
printf 'console-admin-pw\n' >"$T/pw"
start_broker b1 "$SERVER" --console-dir "$CONSOLE" --pg-port -1 --auth --admin-password-file "$T/pw"
get "$A/auth/info"
check "auth on: /auth/info says so" status 200 has '"authEnabled":true'
get "$A/"
check "auth on: the console's index needs no credentials" status 200 has '<title>Tannin console'
get "$A/console/auth.js"
check "auth on: its scripts neither" status 200
sql "$A/sql" "SELECT COUNT(*) FROM pageviews"
check "auth on: POST /sql without credentials -> 401" status 401
sql "$A/sql" "SELECT COUNT(*) FROM pageviews" -u admin:console-admin-pw
check "auth on: POST /sql as admin -> rows" status 200 rows_counted
CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X POST "$A/users" -u admin:console-admin-pw \
    -H 'Content-Type: application/json' --data-binary '{"username": "viewer", "password": "viewer-pw",
    "component": "BROKER", "role": "USER", "tables": ["pageviews", "ad_events"], "permissions": ["READ"]}')
check "POST /users viewer (USER) -> $CODE $(head -c 200 "$T/body")" [ "$CODE" = 200 ]
if [ "$BROWSER" = 1 ]; then
    mkdir -p "$T/shots-auth"
    run_browser auth --auth "$A" "$T/shots-auth" viewer viewer-pw
    check "screenshot of the sign-in form" [ -s "$T/shots-auth/console-login.png" ]
fi

cluster_finish
