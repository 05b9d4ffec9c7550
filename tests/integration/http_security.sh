#!/usr/bin/env bash
# Integration test: the broker's HTTP ports with --auth, and HTTPS. Real
# processes on loopback: a `tannin server`, brokers, a small table.
#   - no credentials -> 401 + WWW-Authenticate on the query port and the
#     admin port; wrong password and unknown user -> the same 401
#   - Basic and Bearer (POST /auth/login) credentials work; a garbage or
#     malformed token is a 401; /auth/whoami, /auth/info
#   - public paths need no credentials: console files, /health, /auth/info
#   - a USER may query but gets 403 on admin endpoints
#   - oversized request lines, headers and bodies are refused, and the
#     broker serves on
#   - the audit log: 401s, admin calls, logins; never a password
#   - HTTPS with a self-signed certificate: curl --cacert works, plain
#     HTTP (and garbage) to the TLS port fails and the broker survives
#   - with auth off everything is open as before
# The broker is restarted on the same data directory for the last two
# parts, so its table is there.
set -u
BIN=${TANNIN_BIN:-build/tannin}
ROOT=${TN_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/integration/lib/cluster.sh"
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }

# call METHOD URL [CURL ARGS...]: body in $T/body, headers in $T/hdr, status in CODE
call() {
    local m=$1 url=$2; shift 2
    CODE=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' -X "$m" "$url" "$@")
}
json() { call POST "$1" -H 'Content-Type: application/json' --data-binary "$2" "${@:3}"; }
sql() { json "$1" "{\"sql\": \"$2\"}" "${@:3}"; }
jq_() { python3 -c "import json,sys; d=json.load(open('$T/body')); print($1)" 2>/dev/null; }
header() { tr -d '\r' <"$T/hdr" | sed -n "s/^$1: //Ip" | head -1; }
is() { [ "$CODE" = "$1" ]; }
# unauthorized CHALLENGE: a 401 in the controller's error shape with that challenge
unauthorized() {
    is 401 && [ "$(jq_ "d['code']")" = 401 ] && [ -n "$(jq_ "d['error']")" ] &&
        case "$(header WWW-Authenticate)" in "$1"*) true ;; *) false ;; esac
}
count_is() { is 200 && [ "$(jq_ "d['resultTable']['rows'][0][0]")" = "$1" ]; }
alive() { kill -0 "$1" 2>/dev/null; }

PW=correct-horse-battery
printf '%s\n' "$PW" >"$T/pw"
ADMIN=(-u "admin:$PW")

# ---- a broker with --auth, a small table ---------------------------------------------
start_server s1
SERVER=$SRV_ADDR
start_broker b1 "$SERVER" --auth --admin-password-file "$T/pw" --pg-port -1 --console-dir "$T/nowhere"
B1=$BRK_PID
check "the broker says authentication is on" grep -q 'authentication on' "$T/b1.err"

cat >"$T/schema.json" <<'J'
{"schemaName":"events","dimensionFieldSpecs":[{"name":"country","dataType":"STRING"}],
 "metricFieldSpecs":[{"name":"clicks","dataType":"LONG"}],
 "dateTimeFieldSpecs":[{"name":"day","dataType":"INT","format":"1:DAYS:EPOCH","granularity":"1:DAYS"}]}
J
cat >"$T/table.json" <<'J'
{"tableName":"events","tableType":"OFFLINE","segmentsConfig":{"timeColumnName":"day","replication":"1"}}
J
for i in $(seq 1 50); do echo "{\"country\":\"c$((i % 5))\",\"clicks\":$i,\"day\":$((18000 + i % 10))}"; done >"$T/rows.jsonl"

json "$A/schemas" "@$T/schema.json"
check "POST /schemas without credentials -> 401 Basic ($CODE)" unauthorized 'Basic realm="tannin"'
json "$A/schemas" "@$T/schema.json" "${ADMIN[@]}"
check "POST /schemas as admin (Basic) -> 200 ($CODE)" is 200
json "$A/tables" "@$T/table.json" "${ADMIN[@]}"
check "POST /tables as admin -> 200 ($CODE)" is 200
call POST "$A/ingestFromFile?tableNameWithType=events_OFFLINE&batchConfigMapStr=%7B%22inputFormat%22%3A%22json%22%7D" \
    -F "file=@$T/rows.jsonl" "${ADMIN[@]}"
check "ingestFromFile as admin -> 200 ($CODE)" is 200

# ---- no credentials, wrong credentials ------------------------------------------------
sql "$Q/query/sql" "SELECT COUNT(*) FROM events"
check "query port, no credentials -> 401 with a Basic challenge" unauthorized 'Basic realm="tannin"'
call GET "$Q/query/sql?sql=SELECT%20COUNT(*)%20FROM%20events"
check "GET /query/sql, no credentials -> 401" unauthorized Basic
call GET "$Q/metrics"
check "query port /metrics, no credentials -> 401" unauthorized Basic
for p in /tables /schemas /tables/events/schema /segments/events /auth/whoami; do
    call GET "$A$p"
    check "admin GET $p, no credentials -> 401" unauthorized Basic
done
sql "$A/sql" "SELECT COUNT(*) FROM events"
check "admin POST /sql, no credentials -> 401" unauthorized Basic
call DELETE "$A/tables/events"
check "DELETE /tables/events, no credentials -> 401 (and the table stays)" unauthorized Basic

sql "$Q/query/sql" "SELECT COUNT(*) FROM events" -u admin:wrong
cp "$T/body" "$T/wrong.json"
check "wrong password -> 401" unauthorized Basic
sql "$Q/query/sql" "SELECT COUNT(*) FROM events" -u nosuchuser:wrong
check "unknown user -> 401" unauthorized Basic
check "... with the same body as a wrong password" cmp -s "$T/body" "$T/wrong.json"
for a in 'Basic !!!notbase64' 'Basic' 'Bearer' 'Negotiate abc' "Basic $(printf 'nocolon' | base64)" \
         "Basic $(printf 'admin:%s\0x' "$PW" | base64)"; do
    sql "$Q/query/sql" "SELECT COUNT(*) FROM events" -H "Authorization: $a"
    check "malformed Authorization '$a' -> 401" unauthorized ''
done

# ---- Basic ----------------------------------------------------------------------------
sql "$Q/query/sql" "SELECT COUNT(*) FROM events" "${ADMIN[@]}"
check "query port, right Basic -> 200 with the rows ($CODE $(head -c 120 "$T/body"))" count_is 50
sql "$A/sql" "SELECT COUNT(*) FROM events" "${ADMIN[@]}"
check "admin POST /sql, right Basic -> 200 with the rows" count_is 50
call GET "$A/tables" "${ADMIN[@]}"
check "admin GET /tables, right Basic -> 200 ($(cat "$T/body"))" is 200
call GET "$Q/query/sql?sql=SELECT%20COUNT(*)%20FROM%20events" "${ADMIN[@]}"
check "GET /query/sql?sql=, right Basic -> 200" count_is 50

# ---- bearer tokens --------------------------------------------------------------------
json "$A/auth/login" "{\"username\": \"admin\", \"password\": \"$PW\"}"
TOKEN=$(jq_ "d['token']")
check "POST /auth/login -> 200 and a token ($CODE)" [ "$CODE" = 200 -a ${#TOKEN} -ge 40 ]
check "... tokenType Bearer, role ADMIN, expiresIn > 0" \
    [ "$(jq_ "(d['tokenType'], d['username'], d['role'], d['expiresIn'] > 0)")" = "('Bearer', 'admin', 'ADMIN', True)" ]
check "... not to be cached" [ "$(header Cache-Control)" = no-store ]
BEARER=(-H "Authorization: Bearer $TOKEN")
sql "$Q/query/sql" "SELECT COUNT(*) FROM events" "${BEARER[@]}"
check "query port with the token -> 200 with the rows" count_is 50
call GET "$A/tables" "${BEARER[@]}"
check "admin GET /tables with the token -> 200" is 200
call GET "$A/auth/whoami" "${BEARER[@]}"
check "GET /auth/whoami -> admin, ADMIN ($(cat "$T/body"))" \
    [ "$CODE" = 200 -a "$(jq_ "(d['username'], d['role'])")" = "('admin', 'ADMIN')" ]
sql "$Q/query/sql" "SELECT COUNT(*) FROM events" -H "Authorization: Bearer garbage-${TOKEN:5}"
check "a garbage token -> 401 with a Bearer invalid_token challenge" \
    unauthorized 'Bearer realm="tannin", error="invalid_token"'
call GET "$A/tables" -H "Authorization: bearer $TOKEN"
check "the scheme is case-insensitive ($CODE)" is 200
call GET "$A/tables" -H 'X-Requested-With: XMLHttpRequest'
check "a script without credentials is challenged to Bearer (no browser dialog)" unauthorized 'Bearer realm'
json "$A/auth/login" "{\"username\": \"admin\", \"password\": \"nope\"}"
check "login with a wrong password -> 401" [ "$CODE" = 401 ] && check "... no token" [ "$(jq_ "'token' in d")" = False ]
json "$A/auth/login" "{\"username\": \"ghost\", \"password\": \"nope\"}"
check "login of an unknown user -> 401" is 401
call POST "$A/auth/login" "${ADMIN[@]}"
check "login with a Basic header -> 200 and a token" [ "$CODE" = 200 -a -n "$(jq_ "d['token']")" ]
json "$A/auth/login" '{"user": "admin"}'
check "login without username/password -> 400" is 400
json "$A/auth/login" "{\"username\": \"admin\", \"password\": \"$(head -c 5000 /dev/zero | tr '\0' x)\"}"
check "login with a 5000-byte password -> 400" is 400
call GET "$A/auth/login"
check "GET /auth/login -> 405" is 405

# ---- public paths ---------------------------------------------------------------------
call GET "$A/auth/info"
check "GET /auth/info, no credentials -> authEnabled true" [ "$CODE" = 200 -a "$(jq_ "d['authEnabled']")" = True ]
for u in "$A/" "$A/console/app.js" "$A/console/favicon.svg"; do
    call GET "$u"
    check "public $u -> no 401 ($CODE)" [ "$CODE" != 401 -a "$CODE" != 000 ]
done
for u in "$A/health" "$Q/health"; do
    call GET "$u"
    check "public $u -> 200" is 200
done
call OPTIONS "$Q/query/sql" -H 'Origin: http://x' -H 'Access-Control-Request-Method: POST'
check "CORS preflight needs no credentials, allows Authorization" \
    [ "$CODE" = 200 ] && check "... Authorization allowed" grep -qi 'Allow-Headers:.*Authorization' "$T/hdr"

# ---- a USER ---------------------------------------------------------------------------
json "$A/users" '{"username": "alice", "password": "alice-pw", "component": "BROKER", "role": "USER",
                  "tables": ["events"], "permissions": ["READ"]}' "${ADMIN[@]}"
check "POST /users alice (USER) -> 200 ($CODE $(head -c 200 "$T/body"))" is 200
sql "$Q/query/sql" "SELECT COUNT(*) FROM events" -u alice:alice-pw
check "USER queries the query port -> 200 with the rows" count_is 50
sql "$A/sql" "SELECT COUNT(*) FROM events" -u alice:alice-pw
check "USER queries admin POST /sql -> 200" count_is 50
json "$A/schemas" "@$T/schema.json" -u alice:alice-pw
check "USER POST /schemas -> 403 ($CODE)" is 403
json "$A/auth/login" '{"username": "alice", "password": "alice-pw"}'
check "USER login -> role USER" [ "$CODE" = 200 -a "$(jq_ "d['role']")" = USER ]
json "$A/users" '{"username": "bob", "password": "x", "component": "BROKER", "role": "ADMIN"}' -u alice:alice-pw
check "USER cannot create users -> 403 ($CODE)" is 403

# ---- oversized input --------------------------------------------------------------------
BIG=$(head -c 20000 /dev/zero | tr '\0' a)
call GET "$A/health" -H "X-Big: $BIG"
check "a 20 KB header -> refused ($CODE)" [ "$CODE" = 400 -o "$CODE" = 413 -o "$CODE" = 431 -o "$CODE" = 000 ]
call GET "$Q/query/sql?sql=SELECT%20$BIG%20FROM%20events" "${ADMIN[@]}"
check "a 20 KB GET ?sql= -> refused ($CODE)" [ "$CODE" = 400 -o "$CODE" = 413 -o "$CODE" = 414 -o "$CODE" = 431 -o "$CODE" = 000 ]
many=()
for i in $(seq 1 400); do many+=(-H "X-H$i: $(head -c 60 /dev/zero | tr '\0' b)"); done
call GET "$Q/health" "${many[@]}"
check "400 headers (24 KB) -> refused ($CODE)" [ "$CODE" = 400 -o "$CODE" = 413 -o "$CODE" = 431 -o "$CODE" = 000 ]
python3 -c 'print("{\"sql\": \"SELECT 1 FROM events\", \"pad\": \"" + "x" * 2000000 + "\"}")' >"$T/big.json"
json "$Q/query/sql" "@$T/big.json" "${ADMIN[@]}"
check "a 2 MB query body -> 413 ($CODE)" is 413
check "... with a reason" grep -qi 'too large' "$T/body"
json "$Q/query/sql" "@$T/big.json"
check "... also without credentials ($CODE)" [ "$CODE" = 413 -o "$CODE" = 401 ]
json "$A/sql" "@$T/big.json" "${ADMIN[@]}"
check "a 2 MB admin /sql body -> 413 with a reason" [ "$CODE" = 413 ] && check "... its reason" grep -q 'limit' "$T/body"
call GET "$Q/health"
check "the broker serves on after all that" [ "$CODE" = 200 ] && alive "$B1"
sql "$Q/query/sql" "SELECT COUNT(*) FROM events" "${ADMIN[@]}"
check "... and answers queries" count_is 50

# ---- the audit log ----------------------------------------------------------------------
sleep 0.3
AUDIT=$T/b1/audit.log
check "audit log at DATA_DIR/audit.log" [ -s "$AUDIT" ]
check "every audit line is a JSON object" python3 - "$AUDIT" <<'P'
import json, sys
sys.exit(not all(isinstance(json.loads(l), dict) for l in open(sys.argv[1]) if l.strip()))
P
# audit_has PYTHON-CONDITION: some line r satisfies it
audit_has() {
    python3 - "$AUDIT" "$1" <<'P'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sys.exit(not any(eval(sys.argv[2], {"r": r}) for r in rows))
P
}
check "audit: a 401 on the query port" audit_has "r.get('status') == 401 and r.get('endpoint') == 'http'"
check "audit: a 401 on the admin port, no user" \
    audit_has "r.get('status') == 401 and r.get('endpoint') == 'admin' and not r.get('user')"
check "audit: the admin call POST /schemas by admin, 200" \
    audit_has "r.get('action') == 'POST /schemas' and r.get('user') == 'admin' and r.get('status') == 200"
check "audit: the USER's 403" audit_has "r.get('status') == 403 and r.get('user') == 'alice'"
check "audit: the login, and the failed one" \
    audit_has "r.get('action') == 'POST /auth/login' and r.get('status') == 200" && \
    check "audit: the failed login names whose" \
    audit_has "r.get('action') == 'POST /auth/login' and r.get('status') == 401 and 'ghost' in str(r.get('detail'))"
check "audit: client addresses" audit_has "str(r.get('client', '')).startswith('127.0.0.1:')"
check "audit: never a password" bash -c "! grep -q -e '$PW' -e alice-pw '$AUDIT'"
check "audit: console files and /health are not audited" bash -c "! grep -q -e '\"GET /health' -e 'GET /console' '$AUDIT'"

# ---- auth off: open as before ---------------------------------------------------------
# the same broker (its catalog, under other log names) restarted without --auth
stop_within "$B1"
ln -s b1 "$T/b2"
ln -s b1 "$T/b3"
start_broker b2 "$SERVER" --pg-port -1
call GET "$A/auth/info"
check "auth off: /auth/info -> authEnabled false" [ "$(jq_ "d['authEnabled']")" = False ]
sql "$Q/query/sql" "SELECT COUNT(*) FROM events"
check "auth off: a query without credentials -> 200" count_is 50
call GET "$A/auth/whoami"
check "auth off: whoami -> admin" [ "$CODE" = 200 -a "$(jq_ "d['role']")" = ADMIN ]
stop_within "$BRK_PID"

# ---- HTTPS ----------------------------------------------------------------------------
if openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1 -keyout "$T/key.pem" -out "$T/cert.pem" 2>"$T/openssl.err"; then
    start_broker b3 "$SERVER" --auth --admin-password-file "$T/pw" --pg-port -1 \
        --tls-cert "$T/cert.pem" --tls-key "$T/key.pem"
    B3=$BRK_PID
    QS=${Q/http:/https:} AS=${A/http:/https:}
    TLS=(--cacert "$T/cert.pem")
    sql "$QS/query/sql" "SELECT COUNT(*) FROM events" "${TLS[@]}" "${ADMIN[@]}"
    check "HTTPS query port with --cacert -> 200 with the rows ($CODE)" count_is 50
    sql "$QS/query/sql" "SELECT COUNT(*) FROM events" "${TLS[@]}"
    check "HTTPS without credentials -> 401" unauthorized Basic
    call GET "$AS/auth/info" "${TLS[@]}"
    check "HTTPS admin port /auth/info -> 200" is 200
    json "$AS/auth/login" "{\"username\": \"admin\", \"password\": \"$PW\"}" "${TLS[@]}"
    check "HTTPS login -> a token" [ "$CODE" = 200 -a -n "$(jq_ "d['token']")" ]
    call GET "$QS/health"
    check "HTTPS without trusting the certificate fails ($CODE)" is 000
    call GET "$Q/health" --max-time 5
    check "plain HTTP to the TLS query port fails ($CODE)" [ "$CODE" != 200 ]
    call GET "$A/auth/info" --max-time 5
    check "plain HTTP to the TLS admin port fails ($CODE)" [ "$CODE" != 200 ]
    python3 - "${Q#http://}" <<'P'
import os, socket, sys
host, port = sys.argv[1].rsplit(":", 1)
for n in (0, 1, 7, 300, 70000):
    s = socket.create_connection((host, int(port)), timeout=5)
    try:
        s.sendall(os.urandom(n) if n != 1 else b"\x16")
        s.shutdown(socket.SHUT_WR)
        s.recv(100)
    except OSError:
        pass
    s.close()
P
    check "garbage and half-handshakes to the TLS port: the broker survives" alive "$B3"
    call GET "$QS/health" "${TLS[@]}"
    check "... and serves HTTPS on ($CODE)" is 200
    jobs_=()
    for i in $(seq 1 20); do
        curl -s -o /dev/null "${TLS[@]}" "${ADMIN[@]}" -X POST "$QS/query/sql" \
            -H 'Content-Type: application/json' -d '{"sql": "SELECT COUNT(*) FROM events"}' &
        jobs_+=("$!")
    done
    wait "${jobs_[@]}"
    sql "$QS/query/sql" "SELECT COUNT(*) FROM events" "${TLS[@]}" "${ADMIN[@]}"
    check "20 concurrent HTTPS queries, then one more -> 200" count_is 50
else
    bad "openssl could not make a certificate: $(cat "$T/openssl.err")"
fi

cluster_finish
