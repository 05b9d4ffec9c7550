#!/usr/bin/env python3
"""rls_check.py: the row-level security battery of tests/integration/security_rls.sh.

Runs queries written to escape a user's row filter and hidden columns, as
that user, and compares every answer with the same question asked by an
admin with the filter written in by hand. Over HTTP (/query/sql with Basic
auth) and, when --pg PORT is given, over the PostgreSQL wire (psycopg2,
SCRAM-SHA-256). Prints "ok ..." / "FAIL ..." lines; exits 1 on any failure.

usage: rls_check.py QUERY_URL ADMIN_URL ADMIN_PW [--pg PORT]
"""
import base64
import json
import sys
import urllib.error
import urllib.request

Q, A, ADMIN_PW = sys.argv[1], sys.argv[2], sys.argv[3]
PG = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == "--pg" else None
fails = 0


def check(name, cond, detail=""):
    global fails
    if cond:
        print(f"ok   {name}")
    else:
        fails += 1
        print(f"FAIL {name} {detail}")


def http(url, user, pw, body=None, method=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    tok = base64.b64encode(f"{user}:{pw}".encode()).decode()
    req.add_header("Authorization", f"Basic {tok}")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, raw.decode(errors="replace")


def sql(user, pw, text):
    return http(f"{Q}/query/sql", user, pw, {"sql": text})


def rows(resp):
    return resp.get("resultTable", {}).get("rows")


def cols(resp):
    return resp.get("resultTable", {}).get("dataSchema", {}).get("columnNames")


def err(resp):
    ex = resp.get("exceptions") or [{}]
    return ex[0].get("errorCode"), ex[0].get("message", "")


def canon(rs):
    return sorted(json.dumps(r, sort_keys=True) for r in (rs or []))


USERS = {
    # name: (password, the filter as an admin writes it by hand)
    "adnexa": ("pw-adnexa", "aggregator = 'adnexa'"),
    "northwest": ("pw-nw", "(region IN ('north','west')) AND (revenue >= 1)"),
}
VISIBLE = {"adnexa": ["aggregator", "channel", "region", "revenue", "ts"],
           "northwest": ["aggregator", "channel", "region", "revenue", "secret_cost", "ts"]}

# (user query, admin query with {F} for the filter ANDed into its WHERE)
PAIRS = [
    ("SELECT COUNT(*) FROM ads", "SELECT COUNT(*) FROM ads WHERE {F}"),
    # a subquery in FROM (Tableau's Custom SQL) is flattened: the filter still holds
    ("SELECT COUNT(*) FROM (SELECT * FROM ads WHERE 1=1 OR aggregator <> 'adnexa') AS t",
     "SELECT COUNT(*) FROM ads WHERE {F}"),
    ("SELECT COUNT(*) FROM ads WHERE aggregator = 'brightreel' OR 1=1",
     "SELECT COUNT(*) FROM ads WHERE (aggregator = 'brightreel' OR 1=1) AND {F}"),
    ("SELECT COUNT(*) FROM ads WHERE 1=1 OR aggregator <> 'x'",
     "SELECT COUNT(*) FROM ads WHERE {F}"),
    ("SELECT COUNT(*) FROM ads WHERE NOT (aggregator = 'adnexa')",
     "SELECT COUNT(*) FROM ads WHERE NOT (aggregator = 'adnexa') AND {F}"),
    ("SELECT aggregator, COUNT(*) FROM ads GROUP BY aggregator ORDER BY aggregator LIMIT 100",
     "SELECT aggregator, COUNT(*) FROM ads WHERE {F} GROUP BY aggregator ORDER BY aggregator LIMIT 100"),
    ("SELECT region AS aggregator, COUNT(*) AS n FROM ads GROUP BY region ORDER BY 1 LIMIT 100",
     "SELECT region AS aggregator, COUNT(*) AS n FROM ads WHERE {F} GROUP BY region ORDER BY 1 LIMIT 100"),
    ("SELECT COUNT(*) FROM ADS", "SELECT COUNT(*) FROM ads WHERE {F}"),
    ("SELECT COUNT(*) FROM ads_OFFLINE", "SELECT COUNT(*) FROM ads WHERE {F}"),
    ("SELECT COUNT(*) FROM \"ads\" /* WHERE 1=0 */ WHERE 1=1 -- AND x",
     "SELECT COUNT(*) FROM ads WHERE {F}"),
    ("SET enableNullHandling=true; SELECT COUNT(*) FROM ads",
     "SET enableNullHandling=true; SELECT COUNT(*) FROM ads WHERE {F}"),
    ("SELECT COUNT(*) FROM ads OPTION(timeoutMs=5000)",
     "SELECT COUNT(*) FROM ads WHERE {F} OPTION(timeoutMs=5000)"),
    ("SELECT DISTINCT aggregator FROM ads ORDER BY aggregator LIMIT 100",
     "SELECT DISTINCT aggregator FROM ads WHERE {F} ORDER BY aggregator LIMIT 100"),
    ("SELECT MAX(revenue), MIN(ts), MAX(ts), SUM(revenue) FROM ads",
     "SELECT MAX(revenue), MIN(ts), MAX(ts), SUM(revenue) FROM ads WHERE {F}"),
    ("SELECT COUNT(*) FROM ads WHERE aggregator IN ('adnexa', 'brightreel', 'castmint')",
     "SELECT COUNT(*) FROM ads WHERE aggregator IN ('adnexa', 'brightreel', 'castmint') AND {F}"),
    ("SELECT DISTINCTCOUNT(channel), DISTINCTCOUNTHLL(region) FROM ads",
     "SELECT DISTINCTCOUNT(channel), DISTINCTCOUNTHLL(region) FROM ads WHERE {F}"),
    ("SELECT COUNT(*) FILTER (WHERE aggregator <> 'adnexa'), COUNT(*) FROM ads",
     "SELECT COUNT(*) FILTER (WHERE aggregator <> 'adnexa'), COUNT(*) FROM ads WHERE {F}"),
    ("SELECT channel, SUM(revenue) FROM ads GROUP BY channel HAVING SUM(revenue) > 0 "
     "ORDER BY channel LIMIT 1000",
     "SELECT channel, SUM(revenue) FROM ads WHERE {F} GROUP BY channel HAVING SUM(revenue) > 0 "
     "ORDER BY channel LIMIT 1000"),
    ("SELECT LASTWITHTIME(aggregator, ts, 'STRING') FROM ads",
     "SELECT LASTWITHTIME(aggregator, ts, 'STRING') FROM ads WHERE {F}"),
    ("SELECT CASE WHEN aggregator = 'adnexa' THEN 'mine' ELSE 'theirs' END AS who, COUNT(*) "
     "FROM ads GROUP BY 1 ORDER BY 1 LIMIT 10",
     "SELECT CASE WHEN aggregator = 'adnexa' THEN 'mine' ELSE 'theirs' END AS who, COUNT(*) "
     "FROM ads WHERE {F} GROUP BY 1 ORDER BY 1 LIMIT 10"),
]

# Queries that must fail without giving anything away.
HIDDEN_REFS = [
    "SELECT secret_cost FROM ads",
    "SELECT SUM(secret_cost) FROM ads",
    "SELECT aggregator, COUNT(*) FROM ads GROUP BY secret_cost",
    "SELECT COUNT(*) FROM ads WHERE secret_cost > 0",
    "SELECT COUNT(*) FILTER (WHERE secret_cost > 1) FROM ads",
    "SELECT aggregator FROM ads ORDER BY secret_cost LIMIT 5",
    "SELECT MAX(secret_cost) AS revenue FROM ads",
    "SELECT secret_cost FROM (SELECT * FROM ads) AS t",
    "SELECT COUNT(*) FROM (SELECT secret_cost FROM ads) AS t",
]
REFUSED = [
    "SELECT aggregator FROM ads UNION SELECT aggregator FROM ads",
    "SELECT COUNT(*) FROM ads a JOIN ads b ON a.ts = b.ts",
    "SELECT COUNT(*) FROM ads WHERE aggregator IN (SELECT aggregator FROM ads)",
]


def http_battery(user):
    pw, f = USERS[user]
    for mine, theirs in PAIRS:
        s1, r1 = sql(user, pw, mine)
        s2, r2 = sql("admin", ADMIN_PW, theirs.replace("{F}", f"({f})"))
        same = s1 == 200 and not r1.get("exceptions") and cols(r1) == cols(r2) and \
            canon(rows(r1)) == canon(rows(r2))
        check(f"http {user}: {mine[:70]}", same,
              f"\n   user:  {s1} {json.dumps(r1)[:300]}\n   admin: {s2} {json.dumps(r2)[:300]}")
    # SELECT *: only the visible columns, only the user's rows
    s1, r1 = sql(user, pw, "SELECT * FROM ads ORDER BY ts LIMIT 100000")
    vis = ", ".join(VISIBLE[user])
    s2, r2 = sql("admin", ADMIN_PW, f"SELECT {vis} FROM ads WHERE {f} ORDER BY ts LIMIT 100000")
    check(f"http {user}: SELECT * has the visible columns {cols(r1)}",
          cols(r1) == VISIBLE[user], json.dumps(r1)[:300])
    check(f"http {user}: SELECT * has exactly the filtered rows ({len(rows(r1) or [])})",
          canon(rows(r1)) == canon(rows(r2)) and len(rows(r1) or []) > 0)


def hidden_battery(user):
    pw, _ = USERS[user]
    _, nx = sql(user, pw, "SELECT no_such_column FROM ads")
    for q in HIDDEN_REFS:
        s, r = sql(user, pw, q)
        code, msg = err(r)
        leak = "secret_cost" in json.dumps(r.get("resultTable", {}))
        same = msg.replace("secret_cost", "X") == \
            err(sql(user, pw, q.replace("secret_cost", "no_such_column"))[1])[1] \
            .replace("no_such_column", "X")
        check(f"http {user}: hidden column refused like a missing one: {q[:60]}",
              code == err(nx)[0] == 710 and not leak and same, f"{s} {json.dumps(r)[:300]}")
    for q in REFUSED:
        s, r = sql(user, pw, q)
        check(f"http {user}: refused without rows: {q[:60]}",
              bool(r.get("exceptions")) and not rows(r), json.dumps(r)[:300])


def access_battery():
    _, r_other = sql("adnexa", "pw-adnexa", "SELECT COUNT(*) FROM other")
    _, r_none = sql("adnexa", "pw-adnexa", "SELECT COUNT(*) FROM no_such_table")
    c1, m1 = err(r_other)
    c2, m2 = err(r_none)
    check("http: an unreadable table is refused (180)", c1 == 180, json.dumps(r_other)[:300])
    check("http: a missing table looks the same as an unreadable one",
          c2 == 180 and m1.replace("other", "X") == m2.replace("no_such_table", "X"),
          f"{m1} | {m2}")
    s, r = http(f"{A}/tables", "adnexa", "pw-adnexa")
    check("admin: GET /tables lists only readable tables", s == 200 and r == {"tables": ["ads"]},
          f"{s} {r}")
    s, r = http(f"{A}/tables/ads/schema", "adnexa", "pw-adnexa")
    names = [x["name"] for k in ("dimensionFieldSpecs", "metricFieldSpecs", "dateTimeFieldSpecs")
             for x in (r.get(k) or [])] if isinstance(r, dict) else []
    check("admin: the schema a USER sees has no hidden column",
          s == 200 and "secret_cost" not in names and "aggregator" in names, f"{s} {r}")
    s, r = http(f"{A}/tables/other/schema", "adnexa", "pw-adnexa")
    check("admin: an unreadable table's schema is 404", s == 404, f"{s} {r}")
    for method, path, body in (("POST", "/schemas", {"schemaName": "x"}), ("GET", "/users", None),
                               ("DELETE", "/tables/ads", None), ("GET", "/metrics", None),
                               ("POST", "/tables/ads/pauseConsumption", None)):
        s, r = http(f"{A}{path}", "adnexa", "pw-adnexa", body, method)
        check(f"admin: a USER gets 403 on {method} {path}", s == 403, f"{s} {r}")


def pg_battery(user):
    import psycopg2
    pw, f = USERS[user]
    conn = psycopg2.connect(host="127.0.0.1", port=PG, user=user, password=pw, dbname="tannin",
                            sslmode="disable")
    conn.autocommit = True
    adm = psycopg2.connect(host="127.0.0.1", port=PG, user="admin", password=ADMIN_PW,
                           dbname="tannin", sslmode="disable")
    adm.autocommit = True
    for mine, theirs in PAIRS:
        if mine.startswith("SET ") or "OPTION(" in mine or "_OFFLINE" in mine or "/*" in mine:
            continue
        with conn.cursor() as c1, adm.cursor() as c2:
            c1.execute(mine)
            c2.execute(theirs.replace("{F}", f"({f})"))
            a, b = c1.fetchall(), c2.fetchall()
        check(f"pg {user}: {mine[:70]}", sorted(map(repr, a)) == sorted(map(repr, b)),
              f"\n   user {a[:5]}\n   admin {b[:5]}")
    with conn.cursor() as c:
        c.execute("SELECT * FROM ads")
        names = [d[0] for d in c.description]
    check(f"pg {user}: SELECT * columns {names}", names == VISIBLE[user])
    with conn.cursor() as c:
        c.execute("SELECT table_name FROM information_schema.tables "
                  "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")
        tabs = [r[0] for r in c.fetchall()]
        c.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'ads'")
        pcols = sorted(r[0] for r in c.fetchall())
        c.execute("SELECT a.attname FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c "
                  "ON a.attrelid = c.oid WHERE c.relname = 'ads' AND a.attnum > 0")
        acols = sorted(r[0] for r in c.fetchall())
    check(f"pg {user}: information_schema.tables lists only readable tables {tabs}",
          tabs == ["ads"])
    check(f"pg {user}: catalog columns are the visible ones {pcols}",
          pcols == sorted(VISIBLE[user]) and acols == sorted(VISIBLE[user]), f"{acols}")
    refused = (HIDDEN_REFS[:3] if "secret_cost" not in VISIBLE[user] else []) + \
        ["SELECT COUNT(*) FROM other"]
    for q in refused:
        try:
            with conn.cursor() as c:
                c.execute(q)
                got = c.fetchall()
            check(f"pg {user}: refused: {q[:60]}", False, f"rows {got[:3]}")
        except psycopg2.Error as e:
            check(f"pg {user}: refused ({e.pgcode}): {q[:60]}",
                  e.pgcode in ("42703", "42501", "42P01"), e.pgerror)
    conn.close()
    adm.close()


for u in USERS:
    http_battery(u)
hidden_battery("adnexa")
access_battery()
if PG:
    for u in USERS:
        pg_battery(u)
print(f"rls_check: {'FAILED ' + str(fails) if fails else 'all passed'}")
sys.exit(1 if fails else 0)
