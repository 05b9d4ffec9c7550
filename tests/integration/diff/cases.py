#!/usr/bin/env python3
"""The cases of the SQL differential test (Tannin vs DuckDB).

usage: cases.py OUT.jsonl        (writes one JSON object per case)

Each case has:
  id, features
  tannin     the query as a Pinot client sends it (table `difftest`)
  duckdb     a DuckDB query that states Pinot's semantics over the same rows:
             view `t`  = rows with Pinot's default null values (COALESCE of
                         every column, [default] for empty multi-value cells),
             view `tn` = rows with real NULLs (for enableNullHandling=true),
             macros pinot_ts, pinot_pct, tz_trunc, utc_trunc, local_ts (run.mjs)
  columns    Pinot's result column names (always compared), types optionally
  check      exact | ordered | subset | groups_limit | error (see run.mjs),
             with limit / offset / keys / visible / tol / flags / nkeys
  flavour    "http" (default; Pinot's implicit LIMIT 10) or "pg" (--pg: none)
  options    passed as `tannin sql --options` (cases sharing flavour+options
             share one tannin invocation per layout)
  note       why a DuckDB query or comparison differs from a literal
             translation, where it does

Where DuckDB's semantics legitimately differ from Pinot's, the DuckDB query
expresses Pinot's (and says why in a comment); a case is never loosened to
let Tannin pass. Python 3 standard library only.
"""
import json
import sys

T = "difftest"
IDS40 = "'u00000', 'u00097', 'u00194', 'u00291', 'u00388', 'u00485', 'u00582', 'u00679', 'u00776', 'u00873', 'u00970', 'u01067', 'u01164', 'u01261', 'u01358', 'u01455', 'u01552', 'u01649', 'u01746', 'u01843', 'u01940', 'u02037', 'u02134', 'u02231', 'u02328', 'u02425', 'u02522', 'u02619', 'u02716', 'u02813', 'u02910', 'u03007', 'u03104', 'u03201', 'u03298', 'u03395', 'u03492', 'u03589', 'u03686', 'u03783'"
INTS40 = ", ".join(str(i) for i in range(-45, 50, 2)[:40])
CASES = []


def add(cid, tannin, duckdb, columns, **kw):
    c = {"id": cid, "tannin": " ".join(tannin.split()), "duckdb": " ".join(duckdb.split()),
         "columns": columns}
    c.update(kw)
    CASES.append(c)


# Pinot SELECT * : every physical column, sorted by name (Java String order,
# so upper case first): SelectionOperatorUtils.
STAR_COLS = sorted(["id", "i_dim", "l_dim", "f_dim", "d_dim", "b_dim", "Carrier", "user_id", "city",
                    "tags", "nums", "n_int", "n_str", "n_dbl", "m_int", "m_long", "m_dbl", "ts", "ts_ts"])
STAR_TYPES = {"id": "INT", "i_dim": "INT", "l_dim": "LONG", "f_dim": "FLOAT", "d_dim": "DOUBLE",
              "b_dim": "BOOLEAN", "Carrier": "STRING", "user_id": "STRING", "city": "STRING",
              "tags": "STRING_ARRAY", "nums": "INT_ARRAY", "n_int": "INT", "n_str": "STRING",
              "n_dbl": "DOUBLE", "m_int": "INT", "m_long": "LONG", "m_dbl": "DOUBLE", "ts": "LONG",
              "ts_ts": "TIMESTAMP"}
STAR_DUCK = ", ".join("pinot_ts(ts_ts)" if c == "ts_ts" else c for c in STAR_COLS)

# ---------------------------------------------------------------------------
# Selection

add("sel_star", f"SELECT * FROM {T} WHERE id < 4", f"SELECT {STAR_DUCK} FROM t WHERE id < 4",
    STAR_COLS, types=[STAR_TYPES[c] for c in STAR_COLS], features=["select", "star", "mv", "defaults"],
    note="Pinot sorts the columns of SELECT * by name; a TIMESTAMP renders as java.sql.Timestamp.toString()")
add("sel_columns", f"SELECT id, Carrier, i_dim, f_dim, l_dim FROM {T} WHERE id BETWEEN 100 AND 105",
    "SELECT id, Carrier, i_dim, f_dim, l_dim FROM t WHERE id BETWEEN 100 AND 105",
    ["id", "Carrier", "i_dim", "f_dim", "l_dim"], types=["INT", "STRING", "INT", "FLOAT", "LONG"],
    features=["select"])
add("sel_alias", f'SELECT id AS k, city AS "Where", i_dim AS MyAlias FROM {T} WHERE id < 3',
    "SELECT id, city, i_dim FROM t WHERE id < 3", ["k", "Where", "MyAlias"], features=["select", "alias"],
    note="Pinot (Calcite, unquoted casing UNCHANGED) keeps an alias exactly as written")
add("sel_implicit_limit", f"SELECT id, i_dim FROM {T} WHERE i_dim = 7",
    "SELECT id, i_dim FROM t WHERE i_dim = 7", ["id", "i_dim"], check="subset", limit=10,
    features=["select", "implicit_limit"])
add("sel_limit", f"SELECT id, Carrier FROM {T} WHERE Carrier = 'DL' LIMIT 3",
    "SELECT id, Carrier FROM t WHERE Carrier = 'DL'", ["id", "Carrier"], check="subset", limit=3,
    features=["select", "limit"])
add("sel_limit_0", f"SELECT id FROM {T} LIMIT 0", "SELECT id FROM t WHERE false", ["id"],
    features=["select", "limit", "empty"])
add("sel_mv_arrays", f"SELECT id, tags, nums FROM {T} WHERE id < 10",
    "SELECT id, tags, nums FROM t WHERE id < 10", ["id", "tags", "nums"],
    types=["INT", "STRING_ARRAY", "INT_ARRAY"], features=["select", "mv", "defaults"],
    note="an empty or null multi-value cell is Pinot's [default]: [\"null\"], [-2147483648]")
add("sel_timestamp", f"SELECT id, ts_ts FROM {T} WHERE id < 10",
    "SELECT id, pinot_ts(ts_ts) FROM t WHERE id < 10", ["id", "ts_ts"], types=["INT", "TIMESTAMP"],
    features=["select", "timestamp"])
add("sel_boolean", f"SELECT id, b_dim FROM {T} WHERE id < 10", "SELECT id, b_dim FROM t WHERE id < 10",
    ["id", "b_dim"], types=["INT", "BOOLEAN"], features=["select", "boolean"])
add("sel_defaults", f"SELECT id, n_int, n_str, n_dbl, m_int FROM {T} WHERE id < 40 ORDER BY id LIMIT 40",
    "SELECT id, n_int, n_str, n_dbl, m_int FROM t WHERE id < 40 ORDER BY id", ["id", "n_int", "n_str", "n_dbl", "m_int"],
    check="ordered", limit=40, features=["select", "defaults"],
    note="without null handling a null reads as the default: INT MIN_VALUE, 'null', -Infinity, metric 0")
add("sel_unicode_eq", f"SELECT id, city FROM {T} WHERE city = '東京' AND id < 2000",
    "SELECT id, city FROM t WHERE city = '東京' AND id < 2000", ["id", "city"], check="subset", limit=10,
    features=["select", "unicode"])
add("sel_quote_eq", f"SELECT COUNT(*) FROM {T} WHERE Carrier = 'O''Hare Express' OR Carrier = 'Say \"Hi\"'",
    "SELECT COUNT(*) FROM t WHERE Carrier = 'O''Hare Express' OR Carrier = 'Say \"Hi\"'", ["count(*)"],
    features=["where", "quotes"])
add("sel_empty", f"SELECT id, city FROM {T} WHERE id < 0", "SELECT id, city FROM t WHERE id < 0",
    ["id", "city"], features=["select", "empty"])
add("sel_quoted_ident", f'SELECT "Carrier", "id" FROM {T} WHERE "id" < 3', "SELECT Carrier, id FROM t WHERE id < 3",
    ["Carrier", "id"], features=["select", "quotes"])

# DISTINCT
add("distinct_one", f"SELECT DISTINCT Carrier FROM {T}", "SELECT DISTINCT Carrier FROM t", ["Carrier"],
    check="subset", limit=10, features=["distinct"])
add("distinct_ordered", f"SELECT DISTINCT city FROM {T} ORDER BY city LIMIT 50",
    "SELECT DISTINCT city FROM t ORDER BY city", ["city"], check="ordered", limit=50,
    features=["distinct", "order_by", "unicode"],
    note="strings order by UTF-16 code units in Pinot, by bytes in DuckDB: the same order for these BMP-only values")
add("distinct_two", f"SELECT DISTINCT Carrier, b_dim FROM {T} ORDER BY Carrier DESC, b_dim LIMIT 30",
    "SELECT DISTINCT Carrier, b_dim FROM t ORDER BY Carrier DESC, b_dim", ["Carrier", "b_dim"],
    check="ordered", limit=30, features=["distinct", "order_by"])
add("distinct_expr", f"SELECT DISTINCT i_dim % 5 FROM {T} ORDER BY i_dim % 5",
    "SELECT DISTINCT i_dim::DOUBLE % 5 AS m FROM t ORDER BY m", ["mod(i_dim,'5')"], check="ordered", limit=10,
    features=["distinct", "arithmetic"], note="% is Java's remainder on doubles (sign of the dividend)")
add("distinct_subset", f"SELECT DISTINCT user_id FROM {T} WHERE i_dim = 3",
    "SELECT DISTINCT user_id FROM t WHERE i_dim = 3", ["user_id"], check="subset", limit=10, features=["distinct"])

# ---------------------------------------------------------------------------
# Arithmetic (Pinot's + - * / % are DOUBLE functions plus/minus/times/divide/mod)

add("arith_basic", f"SELECT id, m_int + i_dim, m_int - i_dim, m_int * i_dim, m_int / 4, i_dim % 7 FROM {T} WHERE id < 10",
    "SELECT id, (m_int + i_dim)::DOUBLE, (m_int - i_dim)::DOUBLE, (m_int * i_dim)::DOUBLE, m_int::DOUBLE / 4,"
    " i_dim::DOUBLE % 7 FROM t WHERE id < 10",
    ["id", "plus(m_int,i_dim)", "minus(m_int,i_dim)", "times(m_int,i_dim)", "divide(m_int,'4')", "mod(i_dim,'7')"],
    types=["INT", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE"], features=["arithmetic"],
    note="integer division is a DOUBLE division in Pinot: m_int / 4 keeps the fraction")
add("arith_nested", f"SELECT id, (m_int + 1) * 2 - i_dim / 2 FROM {T} WHERE id < 10",
    "SELECT id, (m_int + 1)::DOUBLE * 2 - i_dim::DOUBLE / 2 FROM t WHERE id < 10",
    ["id", "minus(times(plus(m_int,'1'),'2'),divide(i_dim,'2'))"], features=["arithmetic"])
add("arith_decimal_literal", f"SELECT id, d_dim * 2.5, f_dim + 0.25 FROM {T} WHERE id < 10",
    "SELECT id, d_dim * 2.5, f_dim::DOUBLE + 0.25 FROM t WHERE id < 10",
    ["id", "times(d_dim,'2.5')", "plus(f_dim,'0.25')"], features=["arithmetic"])
add("arith_long", f"SELECT id, l_dim * 1000, l_dim - m_long FROM {T} WHERE id < 10",
    "SELECT id, l_dim::DOUBLE * 1000, (l_dim - m_long)::DOUBLE FROM t WHERE id < 10",
    ["id", "times(l_dim,'1000')", "minus(l_dim,m_long)"], features=["arithmetic"],
    note="LONG arithmetic is DOUBLE in Pinot: no overflow error for l_dim * 1000")
add("arith_negate", f"SELECT id, -i_dim AS neg FROM {T} WHERE id < 10", "SELECT id, (-i_dim)::DOUBLE FROM t WHERE id < 10",
    ["id", "neg"], features=["arithmetic", "alias"])
add("arith_div_zero", f"SELECT id, m_int / 0 FROM {T} WHERE id < 40",
    "SELECT id, m_int::DOUBLE / 0 FROM t WHERE id < 40", ["id", "divide(m_int,'0')"], check="subset", limit=10,
    features=["arithmetic"], note="Java double division: x/0 is Infinity, 0/0 NaN (DuckDB agrees for DOUBLE)")
add("arith_where", f"SELECT COUNT(*) FROM {T} WHERE m_int * 2 > 1500 AND i_dim + 10 >= 0",
    "SELECT COUNT(*) FROM t WHERE m_int * 2 > 1500 AND i_dim + 10 >= 0", ["count(*)"], features=["arithmetic", "where"])
add("arith_cols_where", f"SELECT COUNT(*) FROM {T} WHERE m_int > i_dim * 10 OR l_dim > m_long",
    "SELECT COUNT(*) FROM t WHERE m_int > i_dim * 10 OR l_dim > m_long", ["count(*)"], features=["arithmetic", "where"])
add("arith_mod_negative", f"SELECT id, i_dim % 3, d_dim % 2 FROM {T} WHERE i_dim < 0 AND id < 300",
    "SELECT id, i_dim::DOUBLE % 3, d_dim % 2 FROM t WHERE i_dim < 0 AND id < 300",
    ["id", "mod(i_dim,'3')", "mod(d_dim,'2')"], check="subset", limit=10, features=["arithmetic"])

# ---------------------------------------------------------------------------
# CASE, CAST, strings

add("case_when", f"SELECT id, CASE WHEN i_dim > 0 THEN 'pos' WHEN i_dim < 0 THEN 'neg' ELSE 'zero' END FROM {T} WHERE id < 20",
    "SELECT id, CASE WHEN i_dim > 0 THEN 'pos' WHEN i_dim < 0 THEN 'neg' ELSE 'zero' END FROM t WHERE id < 20",
    ["id", "case(greater_than(i_dim,'0'),'pos',less_than(i_dim,'0'),'neg','zero')"], check="subset", limit=10,
    features=["case"], note="Pinot names CASE as case(when1,then1,...,else); comparisons keep FilterKind names")
add("case_group", f"SELECT CASE WHEN m_int >= 500 THEN 'hi' ELSE 'lo' END AS bucket, COUNT(*) FROM {T} GROUP BY bucket ORDER BY bucket",
    "SELECT CASE WHEN m_int >= 500 THEN 'hi' ELSE 'lo' END AS bucket, COUNT(*) FROM t GROUP BY bucket ORDER BY bucket",
    ["bucket", "count(*)"], check="ordered", limit=10, features=["case", "group_by", "alias"])
add("case_when_ops", f"SELECT id, CASE WHEN i_dim >= 10 THEN 1 WHEN i_dim <= -10 THEN 2 WHEN i_dim <> 0 THEN 3 ELSE 4 END FROM {T} WHERE id < 10",
    "SELECT id, CASE WHEN i_dim >= 10 THEN 1 WHEN i_dim <= -10 THEN 2 WHEN i_dim <> 0 THEN 3 ELSE 4 END FROM t WHERE id < 10",
    ["id", "case(greater_than_or_equal(i_dim,'10'),'1',less_than_or_equal(i_dim,'-10'),'2',not_equals(i_dim,'0'),'3','4')"],
    features=["case", "naming"], note="FilterKind names keep their underscores (RequestUtils.canonicalizeFunctionNamePreservingSpecialKey)")
add("case_when_predicates", f"SELECT id, CASE WHEN Carrier IN ('AA', 'DL') THEN 1 WHEN REGEXP_LIKE(city, '^S') THEN 2 WHEN n_str IS NULL THEN 3 WHEN Carrier NOT IN ('UA') THEN 4 ELSE 5 END FROM {T} WHERE id < 10",
    "SELECT id, CASE WHEN Carrier IN ('AA', 'DL') THEN 1 WHEN regexp_matches(city, '^S') THEN 2 WHEN n_str = 'null' THEN 3"
    " WHEN Carrier NOT IN ('UA') THEN 4 ELSE 5 END FROM t WHERE id < 10",
    ["id", "case(in(Carrier,'AA','DL'),'1',regexp_like(city,'^S'),'2',is_null(n_str),'3',not_in(Carrier,'UA'),'4','5')"],
    features=["case", "naming"])
add("case_in_sum", f"SELECT SUM(CASE WHEN Carrier = 'AA' THEN m_int ELSE 0 END) FROM {T}",
    "SELECT SUM(CASE WHEN Carrier = 'AA' THEN m_int ELSE 0 END)::DOUBLE FROM t",
    ["sum(case(equals(Carrier,'AA'),m_int,'0'))"], features=["case", "aggregation"])
add("case_where", f"SELECT COUNT(*) FROM {T} WHERE CASE WHEN b_dim = true THEN m_int ELSE 0 END > 500",
    "SELECT COUNT(*) FROM t WHERE CASE WHEN b_dim THEN m_int ELSE 0 END > 500", ["count(*)"], features=["case", "where"])

add("cast_bigint", f"SELECT id, CAST(d_dim AS BIGINT) FROM {T} WHERE id < 20",
    "SELECT id, trunc(d_dim)::BIGINT FROM t WHERE id < 20", ["id", "cast(d_dim,'BIGINT')"],
    types=["INT", "LONG"], check="subset", limit=10, features=["cast"],
    note="Pinot casts DOUBLE to LONG as Java (long) does, toward zero; DuckDB rounds, so trunc() first")
add("cast_double_varchar", f"SELECT id, CAST(m_int AS DOUBLE), CAST(i_dim AS VARCHAR) FROM {T} WHERE id < 10",
    "SELECT id, m_int::DOUBLE, i_dim::VARCHAR FROM t WHERE id < 10",
    ["id", "cast(m_int,'DOUBLE')", "cast(i_dim,'VARCHAR')"], types=["INT", "DOUBLE", "STRING"], features=["cast"])
add("cast_string_to_int", f"SELECT id, CAST(SUBSTR(user_id, 1) AS INT) FROM {T} WHERE id < 10",
    "SELECT id, substr(user_id, 2)::INTEGER FROM t WHERE id < 10", ["id", "cast(substr(user_id,'1'),'INT')"],
    types=["INT", "INT"], features=["cast", "string"])
add("cast_float_varchar", f"SELECT id, CAST(d_dim AS VARCHAR), CAST(f_dim AS VARCHAR), CAST(l_dim AS VARCHAR) FROM {T} WHERE id < 10",
    "SELECT id, d_dim::VARCHAR, f_dim::VARCHAR, l_dim::VARCHAR FROM t WHERE id < 10",
    ["id", "cast(d_dim,'VARCHAR')", "cast(f_dim,'VARCHAR')", "cast(l_dim,'VARCHAR')"], features=["cast"],
    note="Java's Double.toString and DuckDB agree for these values (|x| in [1e-3, 1e7) or 0, all with a fraction digit)")
add("cast_where", f"SELECT COUNT(*) FROM {T} WHERE CAST(d_dim AS BIGINT) = 100",
    "SELECT COUNT(*) FROM t WHERE trunc(d_dim)::BIGINT = 100", ["count(*)"], features=["cast", "where"])
add("cast_sum", f"SELECT SUM(CAST(f_dim AS BIGINT)) FROM {T}", "SELECT SUM(trunc(f_dim)::BIGINT)::DOUBLE FROM t",
    ["sum(cast(f_dim,'BIGINT'))"], features=["cast", "aggregation"])

add("str_upper_lower", f"SELECT id, UPPER(city), LOWER(Carrier) FROM {T} WHERE id < 30",
    "SELECT id, upper(city), lower(Carrier) FROM t WHERE id < 30", ["id", "upper(city)", "lower(Carrier)"],
    check="subset", limit=10, features=["string", "unicode"])
add("str_upper_all", f"SELECT DISTINCT city, UPPER(city) FROM {T} ORDER BY city LIMIT 50",
    "SELECT DISTINCT city, upper(city) FROM t ORDER BY city", ["city", "upper(city)"], check="ordered", limit=50,
    features=["string", "unicode", "distinct"])
add("str_substr", f"SELECT id, SUBSTR(user_id, 1, 3), SUBSTR(city, 2), SUBSTR(Carrier, 0, -1) FROM {T} WHERE id < 15",
    "SELECT id, substr(user_id, 2, 2), substr(city, 3), Carrier FROM t WHERE id < 15",
    ["id", "substr(user_id,'1','3')", "substr(city,'2')", "substr(Carrier,'0','-1')"], check="subset", limit=10,
    features=["string"], note="Pinot's SUBSTR is 0-based with an exclusive end (-1: to the end); DuckDB's is 1-based")
add("str_concat3", f"SELECT id, CONCAT(Carrier, city, '-') FROM {T} WHERE id < 10",
    "SELECT id, Carrier || '-' || city FROM t WHERE id < 10", ["id", "concat(Carrier,city,'-')"],
    features=["string"], note="Pinot's 3-argument CONCAT(a, b, separator)")
add("str_concat2", f"SELECT id, CONCAT(user_id, n_str) FROM {T} WHERE id < 10",
    "SELECT id, user_id || n_str FROM t WHERE id < 10", ["id", "concat(user_id,n_str)"], features=["string", "defaults"])
add("str_concat_number", f"SELECT id, CONCAT(Carrier, i_dim, ':') FROM {T} WHERE id < 10",
    "SELECT id, Carrier || ':' || i_dim::VARCHAR FROM t WHERE id < 10", ["id", "concat(Carrier,i_dim,':')"],
    features=["string"], note="an INT argument of a string function is converted to its decimal text")
add("str_where_upper", f"SELECT COUNT(*) FROM {T} WHERE UPPER(city) = 'ZÜRICH' OR LOWER(city) = 'köln'",
    "SELECT COUNT(*) FROM t WHERE upper(city) = 'ZÜRICH' OR lower(city) = 'köln'", ["count(*)"],
    features=["string", "where", "unicode"])
add("str_group_upper", f"SELECT UPPER(Carrier), COUNT(*) FROM {T} GROUP BY UPPER(Carrier) ORDER BY UPPER(Carrier)",
    "SELECT upper(Carrier) u, COUNT(*) FROM t GROUP BY u ORDER BY u", ["upper(Carrier)", "count(*)"],
    check="ordered", limit=10, features=["string", "group_by"])
add("str_range", f"SELECT COUNT(*) FROM {T} WHERE city < 'C' OR city >= 'Ł'",
    "SELECT COUNT(*) FROM t WHERE city < 'C' OR city >= 'Ł'", ["count(*)"], features=["string", "where", "unicode"])

# ---------------------------------------------------------------------------
# WHERE

add("where_eq_types", f"SELECT COUNT(*) FROM {T} WHERE i_dim = 7 OR l_dim = 1099511627776 OR Carrier = 'WN' OR d_dim = 100.5 OR f_dim = 0.25",
    "SELECT COUNT(*) FROM t WHERE i_dim = 7 OR l_dim = 1099511627776 OR Carrier = 'WN' OR d_dim = 100.5 OR f_dim = 0.25",
    ["count(*)"], features=["where"])
add("where_neq", f"SELECT COUNT(*) FROM {T} WHERE i_dim != 7 AND Carrier <> 'AA'",
    "SELECT COUNT(*) FROM t WHERE i_dim <> 7 AND Carrier <> 'AA'", ["count(*)"], features=["where"])
for op in ["<", "<=", ">", ">="]:
    name = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge"}[op]
    add(f"where_{name}_int", f"SELECT COUNT(*), SUM(m_int) FROM {T} WHERE i_dim {op} 10",
        f"SELECT COUNT(*), SUM(m_int)::DOUBLE FROM t WHERE i_dim {op} 10", ["count(*)", "sum(m_int)"],
        features=["where"])
    add(f"where_{name}_double", f"SELECT COUNT(*) FROM {T} WHERE d_dim {op} -2500.125 AND f_dim {op} 20.5",
        f"SELECT COUNT(*) FROM t WHERE d_dim {op} -2500.125 AND f_dim {op} 20.5", ["count(*)"], features=["where"])
add("where_long_range", f"SELECT COUNT(*) FROM {T} WHERE l_dim > -500000000000 AND l_dim <= 250000000000",
    "SELECT COUNT(*) FROM t WHERE l_dim > -500000000000 AND l_dim <= 250000000000", ["count(*)"], features=["where"])
add("where_string_range", f"SELECT COUNT(*) FROM {T} WHERE user_id >= 'u01000' AND user_id < 'u01500'",
    "SELECT COUNT(*) FROM t WHERE user_id >= 'u01000' AND user_id < 'u01500'", ["count(*)"], features=["where"])
add("where_between", f"SELECT COUNT(*) FROM {T} WHERE i_dim BETWEEN -5 AND 5 AND m_int BETWEEN 100 AND 200",
    "SELECT COUNT(*) FROM t WHERE i_dim BETWEEN -5 AND 5 AND m_int BETWEEN 100 AND 200", ["count(*)"],
    features=["where", "between"])
add("where_between_reversed", f"SELECT COUNT(*) FROM {T} WHERE i_dim BETWEEN 10 AND 5",
    "SELECT COUNT(*) FROM t WHERE i_dim BETWEEN 10 AND 5", ["count(*)"], features=["where", "between", "empty"])
add("where_not_between", f"SELECT COUNT(*) FROM {T} WHERE d_dim NOT BETWEEN -100 AND 100",
    "SELECT COUNT(*) FROM t WHERE d_dim NOT BETWEEN -100 AND 100", ["count(*)"], features=["where", "between"])
add("where_between_string", f"SELECT COUNT(*) FROM {T} WHERE city BETWEEN 'Berlin' AND 'Kraków'",
    "SELECT COUNT(*) FROM t WHERE city BETWEEN 'Berlin' AND 'Kraków'", ["count(*)"], features=["where", "between"])
add("where_in", f"SELECT COUNT(*) FROM {T} WHERE i_dim IN (1, 2, 3, -50) AND Carrier IN ('AA', 'Zürich Air', '東京航空')",
    "SELECT COUNT(*) FROM t WHERE i_dim IN (1, 2, 3, -50) AND Carrier IN ('AA', 'Zürich Air', '東京航空')",
    ["count(*)"], features=["where", "in"])
add("where_not_in", f"SELECT COUNT(*) FROM {T} WHERE Carrier NOT IN ('AA', 'DL', 'UA') AND i_dim NOT IN (0, 1)",
    "SELECT COUNT(*) FROM t WHERE Carrier NOT IN ('AA', 'DL', 'UA') AND i_dim NOT IN (0, 1)", ["count(*)"],
    features=["where", "in"])
add("where_in_long", f"SELECT id, l_dim FROM {T} WHERE l_dim IN (1099511627776, -1099511627776) ORDER BY id LIMIT 500",
    "SELECT id, l_dim FROM t WHERE l_dim IN (1099511627776, -1099511627776) ORDER BY id", ["id", "l_dim"],
    check="ordered", limit=500, features=["where", "in"])
add("where_in_many", f"SELECT COUNT(*), SUM(m_int) FROM {T} WHERE user_id IN ({IDS40})",
    f"SELECT COUNT(*), SUM(m_int)::DOUBLE FROM t WHERE user_id IN ({IDS40})", ["count(*)", "sum(m_int)"],
    features=["where", "in"], note="more values than the filter ORs as bitmaps (32)")
add("where_not_in_many", f"SELECT COUNT(*) FROM {T} WHERE user_id NOT IN ({IDS40}) AND i_dim NOT IN ({INTS40})",
    f"SELECT COUNT(*) FROM t WHERE user_id NOT IN ({IDS40}) AND i_dim NOT IN ({INTS40})", ["count(*)"], features=["where", "in"])
add("where_col_vs_col_types", f"SELECT COUNT(*) FROM {T} WHERE f_dim > d_dim AND i_dim <> n_int",
    "SELECT COUNT(*) FROM t WHERE f_dim > d_dim AND i_dim <> n_int", ["count(*)"], features=["where"])
add("where_like", f"SELECT COUNT(*) FROM {T} WHERE city LIKE 'S%'", "SELECT COUNT(*) FROM t WHERE city LIKE 'S%'",
    ["count(*)"], features=["where", "like"])
add("where_like_unicode", f"SELECT city, COUNT(*) FROM {T} WHERE city LIKE '%ö%' OR city LIKE '_o%' GROUP BY city ORDER BY city",
    "SELECT city, COUNT(*) FROM t WHERE city LIKE '%ö%' OR city LIKE '_o%' GROUP BY city ORDER BY city",
    ["city", "count(*)"], check="ordered", limit=10, features=["where", "like", "unicode"])
add("where_not_like", f"SELECT COUNT(*) FROM {T} WHERE Carrier NOT LIKE '%A%'",
    "SELECT COUNT(*) FROM t WHERE Carrier NOT LIKE '%A%'", ["count(*)"], features=["where", "like"])
add("where_like_meta", f"SELECT COUNT(*) FROM {T} WHERE Carrier LIKE '50%' OR city LIKE 'St. %'",
    "SELECT COUNT(*) FROM t WHERE Carrier LIKE '50%' OR city LIKE 'St. %'", ["count(*)"], features=["where", "like"],
    note="'.' in a LIKE pattern is a literal dot, not a regex wildcard")
add("where_like_underscore_unicode", f"SELECT COUNT(*) FROM {T} WHERE city LIKE 'K_ln' OR city LIKE '__' OR city LIKE '_ódź'",
    "SELECT COUNT(*) FROM t WHERE city LIKE 'K_ln' OR city LIKE '__' OR city LIKE '_ódź'", ["count(*)"],
    features=["where", "like", "unicode"], note="'_' is one character (Köln, 東京, Łódź), not one byte")
add("where_like_underscore_min", f"SELECT COUNT(*) FROM {T} WHERE city LIKE 'K_ln'", "SELECT COUNT(*) FROM t WHERE city LIKE 'K_ln'",
    ["count(*)"], features=["where", "like", "unicode"])
add("where_regexp_dot_unicode", f"SELECT city, COUNT(*) FROM {T} WHERE REGEXP_LIKE(city, '^..$') OR REGEXP_LIKE(city, '^K.ln$') OR REGEXP_LIKE(city, '^[ÅÆ]') GROUP BY city ORDER BY city",
    "SELECT city, COUNT(*) FROM t WHERE regexp_matches(city, '^..$') OR regexp_matches(city, '^K.ln$') OR regexp_matches(city, '^[ÅÆ]') GROUP BY city ORDER BY city",
    ["city", "count(*)"], check="ordered", limit=10, features=["where", "regexp", "unicode"])
add("str_substr_unicode", f"SELECT DISTINCT city, SUBSTR(city, 1, 2), SUBSTR(city, 0, 1) FROM {T} ORDER BY city LIMIT 50",
    "SELECT DISTINCT city, substr(city, 2, 1), substr(city, 1, 1) FROM t ORDER BY city",
    ["city", "substr(city,'1','2')", "substr(city,'0','1')"], check="ordered", limit=50, features=["string", "unicode"],
    note="indexes count characters (UTF-16 units in Java; every value here is in the BMP)")
add("where_regexp", f"SELECT COUNT(*) FROM {T} WHERE REGEXP_LIKE(city, '^S.*o$')",
    "SELECT COUNT(*) FROM t WHERE regexp_matches(city, '^S.*o$')", ["count(*)"], features=["where", "regexp"])
add("where_regexp_partial", f"SELECT COUNT(*) FROM {T} WHERE REGEXP_LIKE(user_id, '7[0-9]$') AND REGEXP_LIKE(city, 'ö|ü|é')",
    "SELECT COUNT(*) FROM t WHERE regexp_matches(user_id, '7[0-9]$') AND regexp_matches(city, 'ö|ü|é')",
    ["count(*)"], features=["where", "regexp", "unicode"],
    note="Java's Matcher.find(): the pattern may match anywhere, like DuckDB's regexp_matches")
add("where_regexp_class", f"SELECT Carrier, COUNT(*) FROM {T} WHERE REGEXP_LIKE(Carrier, '^[A-Z]{{2}}$') GROUP BY Carrier ORDER BY Carrier",
    "SELECT Carrier, COUNT(*) FROM t WHERE regexp_matches(Carrier, '^[A-Z]{2}$') GROUP BY Carrier ORDER BY Carrier",
    ["Carrier", "count(*)"], check="ordered", limit=10, features=["where", "regexp"])
add("where_is_null_default", f"SELECT COUNT(*) FROM {T} WHERE n_int IS NULL",
    "SELECT COUNT(*) FROM t WHERE n_int = -2147483648", ["count(*)"], features=["where", "is_null", "defaults"],
    note="null handling off: IS NULL holds for the default null value (the issue's rule)")
add("where_is_not_null_default", f"SELECT COUNT(*) FROM {T} WHERE n_str IS NOT NULL AND n_dbl IS NOT NULL",
    "SELECT COUNT(*) FROM t WHERE n_str <> 'null' AND n_dbl <> '-infinity'::DOUBLE", ["count(*)"],
    features=["where", "is_null", "defaults"])
add("where_and_or_not", f"SELECT COUNT(*) FROM {T} WHERE (i_dim > 0 AND NOT (Carrier = 'AA' OR Carrier = 'DL')) OR (b_dim = true AND m_int < 100)",
    "SELECT COUNT(*) FROM t WHERE (i_dim > 0 AND NOT (Carrier = 'AA' OR Carrier = 'DL')) OR (b_dim AND m_int < 100)",
    ["count(*)"], features=["where", "and_or_not"])
add("where_not_in_paren", f"SELECT COUNT(*) FROM {T} WHERE NOT (Carrier IN ('AA', 'DL')) AND NOT i_dim > 0",
    "SELECT COUNT(*) FROM t WHERE NOT (Carrier IN ('AA', 'DL')) AND NOT i_dim > 0", ["count(*)"],
    features=["where", "and_or_not"])
add("where_deep_bool", f"SELECT COUNT(*) FROM {T} WHERE NOT (NOT (i_dim = 1 OR i_dim = 2) AND NOT (city = 'Paris')) OR (l_dim < 0 AND m_int > 990)",
    "SELECT COUNT(*) FROM t WHERE NOT (NOT (i_dim = 1 OR i_dim = 2) AND NOT (city = 'Paris')) OR (l_dim < 0 AND m_int > 990)",
    ["count(*)"], features=["where", "and_or_not"])
add("where_boolean", f"SELECT COUNT(*) FROM {T} WHERE b_dim = true", "SELECT COUNT(*) FROM t WHERE b_dim",
    ["count(*)"], features=["where", "boolean"])
add("where_boolean_neq", f"SELECT COUNT(*) FROM {T} WHERE b_dim <> true AND i_dim = 0",
    "SELECT COUNT(*) FROM t WHERE NOT b_dim AND i_dim = 0", ["count(*)"], features=["where", "boolean"])
add("where_constant", f"SELECT COUNT(*) FROM {T} WHERE 1 = 1", "SELECT COUNT(*) FROM t", ["count(*)"],
    features=["where"])
add("where_timestamp_literal", f"SELECT COUNT(*) FROM {T} WHERE ts_ts >= '2024-03-01 00:00:00' AND ts_ts < '2024-03-02 00:00:00'",
    "SELECT COUNT(*) FROM t WHERE ts_ts >= 1709251200000 AND ts_ts < 1709337600000", ["count(*)"],
    features=["where", "timestamp"], note="a TIMESTAMP column compared with a timestamp string (UTC)")
add("where_timestamp_literal_min", f"SELECT COUNT(*) FROM {T} WHERE ts_ts >= '2024-03-01 00:00:00'",
    "SELECT COUNT(*) FROM t WHERE ts_ts >= 1709251200000", ["count(*)"], features=["where", "timestamp"])
add("where_timestamp_millis", f"SELECT COUNT(*) FROM {T} WHERE ts_ts < 1709251200000",
    "SELECT COUNT(*) FROM t WHERE ts_ts < 1709251200000", ["count(*)"], features=["where", "timestamp"])
add("where_expr_eq", f"SELECT COUNT(*) FROM {T} WHERE UPPER(Carrier) LIKE 'B%' OR SUBSTR(user_id, 0, 2) = 'u0'",
    "SELECT COUNT(*) FROM t WHERE upper(Carrier) LIKE 'B%' OR substr(user_id, 1, 2) = 'u0'", ["count(*)"],
    features=["where", "string"])

# decimal literals against INT columns: compared as numbers (i_dim > 2.5 is i_dim >= 3)
add("dec_gt", f"SELECT COUNT(*) FROM {T} WHERE i_dim > 2.5", "SELECT COUNT(*) FROM t WHERE i_dim > 2.5",
    ["count(*)"], features=["where", "decimal_literal"])
add("dec_eq_whole", f"SELECT COUNT(*) FROM {T} WHERE i_dim = 3.0", "SELECT COUNT(*) FROM t WHERE i_dim = 3",
    ["count(*)"], features=["where", "decimal_literal"])
add("dec_eq_fraction", f"SELECT COUNT(*) FROM {T} WHERE i_dim = 2.5", "SELECT COUNT(*) FROM t WHERE i_dim = 2.5",
    ["count(*)"], features=["where", "decimal_literal", "empty"])
add("dec_neq_fraction", f"SELECT COUNT(*) FROM {T} WHERE i_dim <> 2.5", "SELECT COUNT(*) FROM t WHERE i_dim <> 2.5",
    ["count(*)"], features=["where", "decimal_literal"])
add("dec_in", f"SELECT COUNT(*) FROM {T} WHERE i_dim IN (2.5, 3.0, 4)", "SELECT COUNT(*) FROM t WHERE i_dim IN (3, 4)",
    ["count(*)"], features=["where", "decimal_literal", "in"])
add("dec_between", f"SELECT i_dim, COUNT(*) FROM {T} WHERE i_dim BETWEEN -1.5 AND 1.5 GROUP BY i_dim ORDER BY i_dim",
    "SELECT i_dim, COUNT(*) FROM t WHERE i_dim BETWEEN -1.5 AND 1.5 GROUP BY i_dim ORDER BY i_dim",
    ["i_dim", "count(*)"], check="ordered", limit=10, features=["where", "decimal_literal", "between"])
add("dec_le_negative", f"SELECT COUNT(*) FROM {T} WHERE i_dim <= -0.5 AND m_int < 10.9",
    "SELECT COUNT(*) FROM t WHERE i_dim <= -0.5 AND m_int < 10.9", ["count(*)"], features=["where", "decimal_literal"])
add("dec_long", f"SELECT COUNT(*) FROM {T} WHERE l_dim >= 0.5 AND m_long < 500000000.5",
    "SELECT COUNT(*) FROM t WHERE l_dim >= 0.5 AND m_long < 500000000.5", ["count(*)"], features=["where", "decimal_literal"])
# string literals against numeric columns are converted to the column's type (numeric order, not text order)
add("strlit_int_eq", f"SELECT COUNT(*) FROM {T} WHERE i_dim = '7'", "SELECT COUNT(*) FROM t WHERE i_dim = 7",
    ["count(*)"], features=["where", "string_number"], note="Pinot converts the literal to the column type")
add("strlit_int_range", f"SELECT COUNT(*) FROM {T} WHERE i_dim > '10'", "SELECT COUNT(*) FROM t WHERE i_dim > 10",
    ["count(*)"], features=["where", "string_number"], note="numeric comparison: '9' > '10' as text, 9 < 10 here")
add("numlit_string_col", f"SELECT COUNT(*) FROM {T} WHERE user_id >= 5",
    "SELECT COUNT(*) FROM t WHERE user_id >= '5'", ["count(*)"], features=["where", "string_number"],
    note="a number against a STRING column compares as the string '5' in Pinot (DuckDB would cast the column)")

# ---------------------------------------------------------------------------
# Multi-value columns: a predicate holds when any value holds it; a negative
# one (<>, NOT IN) when no value matches.

add("mv_eq", f"SELECT COUNT(*) FROM {T} WHERE tags = 'red'", "SELECT COUNT(*) FROM t WHERE list_contains(tags, 'red')",
    ["count(*)"], features=["mv", "where"])
add("mv_neq", f"SELECT COUNT(*) FROM {T} WHERE tags <> 'red'", "SELECT COUNT(*) FROM t WHERE NOT list_contains(tags, 'red')",
    ["count(*)"], features=["mv", "where"])
add("mv_not_eq", f"SELECT COUNT(*) FROM {T} WHERE NOT tags = 'red'", "SELECT COUNT(*) FROM t WHERE NOT list_contains(tags, 'red')",
    ["count(*)"], features=["mv", "where", "and_or_not"])
add("mv_in", f"SELECT COUNT(*) FROM {T} WHERE tags IN ('red', 'blue')",
    "SELECT COUNT(*) FROM t WHERE list_has_any(tags, ['red', 'blue'])", ["count(*)"], features=["mv", "where", "in"])
add("mv_not_in", f"SELECT COUNT(*) FROM {T} WHERE tags NOT IN ('red', 'blue')",
    "SELECT COUNT(*) FROM t WHERE NOT list_has_any(tags, ['red', 'blue'])", ["count(*)"], features=["mv", "where", "in"])
add("mv_range", f"SELECT COUNT(*) FROM {T} WHERE nums > 15", "SELECT COUNT(*) FROM t WHERE len(list_filter(nums, x -> x > 15)) > 0",
    ["count(*)"], features=["mv", "where"])
add("mv_between", f"SELECT COUNT(*) FROM {T} WHERE nums BETWEEN -2 AND 2",
    "SELECT COUNT(*) FROM t WHERE len(list_filter(nums, x -> x BETWEEN -2 AND 2)) > 0", ["count(*)"],
    features=["mv", "where", "between"])
add("mv_default_value", f"SELECT COUNT(*) FROM {T} WHERE nums = -2147483648 OR tags = 'null'",
    "SELECT COUNT(*) FROM t WHERE list_contains(nums, -2147483648) OR list_contains(tags, 'null')", ["count(*)"],
    features=["mv", "where", "defaults"])
add("mv_like", f"SELECT COUNT(*) FROM {T} WHERE tags LIKE 'b%'", "SELECT COUNT(*) FROM t WHERE len(list_filter(tags, x -> x LIKE 'b%')) > 0",
    ["count(*)"], features=["mv", "where", "like"])
add("mv_regexp", f"SELECT COUNT(*) FROM {T} WHERE REGEXP_LIKE(tags, '^(c|m)')",
    "SELECT COUNT(*) FROM t WHERE len(list_filter(tags, x -> regexp_matches(x, '^(c|m)'))) > 0", ["count(*)"],
    features=["mv", "where", "regexp"])
add("mv_and_same_col", f"SELECT COUNT(*) FROM {T} WHERE tags = 'red' AND tags = 'blue'",
    "SELECT COUNT(*) FROM t WHERE list_contains(tags, 'red') AND list_contains(tags, 'blue')", ["count(*)"],
    features=["mv", "where"], note="each predicate matches any value on its own")
add("mv_lt_and_gt", f"SELECT COUNT(*) FROM {T} WHERE nums < 0 AND nums > 0",
    "SELECT COUNT(*) FROM t WHERE len(list_filter(nums, x -> x < 0)) > 0 AND len(list_filter(nums, x -> x > 0)) > 0",
    ["count(*)"], features=["mv", "where"])
add("mv_select_filtered", f"SELECT id, tags FROM {T} WHERE tags = 'cyan' AND nums = 3 ORDER BY id LIMIT 100",
    "SELECT id, tags FROM t WHERE list_contains(tags, 'cyan') AND list_contains(nums, 3) ORDER BY id",
    ["id", "tags"], check="ordered", limit=100, features=["mv", "select"])
add("mv_group_by", f"SELECT tags, COUNT(*) FROM {T} GROUP BY tags ORDER BY tags",
    "SELECT tag, COUNT(*) FROM (SELECT unnest(tags) AS tag FROM t) GROUP BY tag ORDER BY tag",
    ["tags", "count(*)"], types=["STRING", "LONG"], check="ordered", limit=10, features=["mv", "group_by"],
    note="GROUP BY a multi-value column: a row joins the group of each of its values")
add("mv_group_by_int", f"SELECT nums, SUM(m_int) FROM {T} WHERE i_dim > 40 GROUP BY nums ORDER BY nums LIMIT 50",
    "SELECT n, SUM(m_int)::DOUBLE FROM (SELECT unnest(nums) AS n, m_int FROM t WHERE i_dim > 40) GROUP BY n ORDER BY n",
    ["nums", "sum(m_int)"], types=["INT", "DOUBLE"], check="ordered", limit=50, features=["mv", "group_by"])
add("mv_group_by_two", f"SELECT tags, nums, COUNT(*) FROM {T} WHERE i_dim = 0 GROUP BY tags, nums ORDER BY tags, nums LIMIT 400",
    "SELECT tg, n, COUNT(*) FROM (SELECT unnest(tags) tg, nums FROM t WHERE i_dim = 0), unnest(nums) u(n) GROUP BY tg, n ORDER BY tg, n",
    ["tags", "nums", "count(*)"], check="ordered", limit=400, features=["mv", "group_by"],
    note="two multi-value keys: a row joins every combination of their values")
add("mv_distinctcount", f"SELECT DISTINCTCOUNTMV(tags), COUNTMV(tags) FROM {T}",
    "SELECT COUNT(DISTINCT tag), COUNT(*) FROM (SELECT unnest(tags) AS tag FROM t)",
    ["distinctcountmv(tags)", "countmv(tags)"], features=["mv", "aggregation"])

# ---------------------------------------------------------------------------
# Aggregations

add("agg_count_star", f"SELECT COUNT(*) FROM {T}", "SELECT COUNT(*) FROM t", ["count(*)"], types=["LONG"],
    features=["aggregation"])
add("agg_count_col", f"SELECT COUNT(n_int), COUNT(Carrier) FROM {T}", "SELECT COUNT(*), COUNT(*) FROM t",
    ["count(*)", "count(*)"], features=["aggregation", "defaults"],
    note="COUNT(col) counts every row without null handling and is named count(*)")
add("agg_sum", f"SELECT SUM(m_int), SUM(l_dim), SUM(f_dim), SUM(d_dim), SUM(m_dbl) FROM {T}",
    "SELECT SUM(m_int)::DOUBLE, SUM(l_dim)::DOUBLE, SUM(f_dim)::DOUBLE, SUM(d_dim), SUM(m_dbl) FROM t",
    ["sum(m_int)", "sum(l_dim)", "sum(f_dim)", "sum(d_dim)", "sum(m_dbl)"], types=["DOUBLE"] * 5,
    features=["aggregation"], note="SUM is DOUBLE in Pinot whatever the column type")
add("agg_min_max", f"SELECT MIN(i_dim), MAX(i_dim), MIN(l_dim), MAX(l_dim), MIN(f_dim), MAX(d_dim) FROM {T}",
    "SELECT MIN(i_dim)::DOUBLE, MAX(i_dim)::DOUBLE, MIN(l_dim)::DOUBLE, MAX(l_dim)::DOUBLE, MIN(f_dim)::DOUBLE, MAX(d_dim) FROM t",
    ["min(i_dim)", "max(i_dim)", "min(l_dim)", "max(l_dim)", "min(f_dim)", "max(d_dim)"], types=["DOUBLE"] * 6,
    features=["aggregation"])
add("agg_avg", f"SELECT AVG(m_int), AVG(d_dim), AVG(l_dim) FROM {T}", "SELECT AVG(m_int), AVG(d_dim), AVG(l_dim) FROM t",
    ["avg(m_int)", "avg(d_dim)", "avg(l_dim)"], types=["DOUBLE"] * 3, features=["aggregation"])
add("agg_defaults", f"SELECT MIN(n_int), MAX(n_int), AVG(n_int), MIN(n_dbl), SUM(m_int), MIN(m_int) FROM {T}",
    "SELECT MIN(n_int)::DOUBLE, MAX(n_int)::DOUBLE, AVG(n_int), MIN(n_dbl), SUM(m_int)::DOUBLE, MIN(m_int)::DOUBLE FROM t",
    ["min(n_int)", "max(n_int)", "avg(n_int)", "min(n_dbl)", "sum(m_int)", "min(m_int)"],
    features=["aggregation", "defaults"], note="default null values take part: MIN(n_int) is -2147483648.0")
add("agg_minmaxrange", f"SELECT MINMAXRANGE(m_int), MINMAXRANGE(d_dim), MINMAXRANGE(l_dim) FROM {T}",
    "SELECT (MAX(m_int) - MIN(m_int))::DOUBLE, MAX(d_dim) - MIN(d_dim), MAX(l_dim)::DOUBLE - MIN(l_dim)::DOUBLE FROM t",
    ["minmaxrange(m_int)", "minmaxrange(d_dim)", "minmaxrange(l_dim)"], types=["DOUBLE"] * 3, features=["aggregation"])
add("agg_distinctcount", f"SELECT DISTINCTCOUNT(user_id), DISTINCTCOUNT(n_int), DISTINCTCOUNT(f_dim), DISTINCTCOUNT(l_dim) FROM {T}",
    "SELECT COUNT(DISTINCT user_id), COUNT(DISTINCT n_int), COUNT(DISTINCT f_dim), COUNT(DISTINCT l_dim) FROM t",
    ["distinctcount(user_id)", "distinctcount(n_int)", "distinctcount(f_dim)", "distinctcount(l_dim)"],
    types=["INT"] * 4, features=["aggregation", "distinctcount"])
add("agg_count_distinct", f"SELECT COUNT(DISTINCT Carrier), COUNT(DISTINCT i_dim) FROM {T} WHERE m_int > 500",
    "SELECT COUNT(DISTINCT Carrier), COUNT(DISTINCT i_dim) FROM t WHERE m_int > 500",
    ["distinctcount(Carrier)", "distinctcount(i_dim)"], types=["INT", "INT"], features=["aggregation", "distinctcount"],
    note="COUNT(DISTINCT x) is rewritten to DISTINCTCOUNT(x)")
add("agg_hll", f"SELECT DISTINCTCOUNTHLL(user_id), DISTINCTCOUNTHLL(Carrier), DISTINCTCOUNTHLL(l_dim) FROM {T}",
    "SELECT COUNT(DISTINCT user_id), COUNT(DISTINCT Carrier), COUNT(DISTINCT l_dim) FROM t",
    ["distinctcounthll(user_id)", "distinctcounthll(Carrier)", "distinctcounthll(l_dim)"], types=["LONG"] * 3,
    tol=[{"rel": 0.2}, {"abs": 1}, {"rel": 0.2}], features=["aggregation", "hll"],
    note="HyperLogLog (log2m 8, ~6.5% standard error): compared with tolerance to the exact count")
add("agg_hll_group", f"SELECT Carrier, DISTINCTCOUNTHLL(user_id) FROM {T} GROUP BY Carrier ORDER BY Carrier",
    "SELECT Carrier, COUNT(DISTINCT user_id) FROM t GROUP BY Carrier ORDER BY Carrier",
    ["Carrier", "distinctcounthll(user_id)"], tol=[None, {"rel": 0.2}], check="ordered", limit=10,
    features=["aggregation", "hll", "group_by"])
add("agg_percentile", f"SELECT PERCENTILE(m_int, 50), PERCENTILE(d_dim, 90), PERCENTILE(i_dim, 100), PERCENTILE(m_int, 0), PERCENTILE(f_dim, 99.5) FROM {T}",
    "SELECT pinot_pct(list(m_int), 50), pinot_pct(list(d_dim), 90), pinot_pct(list(i_dim), 100),"
    " pinot_pct(list(m_int), 0), pinot_pct(list(f_dim), 99.5) FROM t",
    ["percentile(m_int, 50.0)", "percentile(d_dim, 90.0)", "percentile(i_dim, 100.0)", "percentile(m_int, 0.0)",
     "percentile(f_dim, 99.5)"], types=["DOUBLE"] * 5, features=["aggregation", "percentile"],
    note="Pinot's exact percentile: sorted values, element (int)(n*p/100), last for p=100 (not quantile_disc)")
add("agg_percentile_legacy", f"SELECT PERCENTILE95(m_int), PERCENTILE50(l_dim) FROM {T} WHERE i_dim > 0",
    "SELECT pinot_pct(list(m_int), 95), pinot_pct(list(l_dim), 50) FROM t WHERE i_dim > 0",
    ["percentile95(m_int)", "percentile50(l_dim)"], features=["aggregation", "percentile"])
add("agg_percentile_group", f"SELECT Carrier, PERCENTILE(m_dbl, 75) FROM {T} GROUP BY Carrier ORDER BY Carrier",
    "SELECT Carrier, pinot_pct(list(m_dbl), 75) FROM t GROUP BY Carrier ORDER BY Carrier",
    ["Carrier", "percentile(m_dbl, 75.0)"], check="ordered", limit=10, features=["aggregation", "percentile", "group_by"])
add("agg_tdigest", f"SELECT PERCENTILETDIGEST(m_int, 50), PERCENTILETDIGEST(d_dim, 90) FROM {T}",
    "SELECT pinot_pct(list(m_int), 50), pinot_pct(list(d_dim), 90) FROM t",
    ["percentiletdigest(m_int, 50.0)", "percentiletdigest(d_dim, 90.0)"], types=["DOUBLE", "DOUBLE"],
    tol=[{"abs": 10}, {"abs": 200}], features=["aggregation", "percentile", "tdigest"],
    note="t-digest is approximate: within 1% of the value range of the exact percentile")
add("agg_percentileest", f"SELECT PERCENTILEEST(m_int, 90), PERCENTILEEST(m_long, 25) FROM {T}",
    "SELECT pinot_pct(list(m_int), 90), pinot_pct(list(m_long), 25) FROM t",
    ["percentileest(m_int, 90.0)", "percentileest(m_long, 25.0)"], types=["LONG", "LONG"],
    tol=[{"abs": 50}, {"abs": 50000000}], features=["aggregation", "percentile"],
    note="PERCENTILEEST (Q-digest, 5% rank error) is approximate and LONG")
add("agg_lastwithtime", f"SELECT LASTWITHTIME(Carrier, ts, 'STRING'), LASTWITHTIME(m_int, ts, 'INT'), LASTWITHTIME(d_dim, ts, 'DOUBLE'), LASTWITHTIME(l_dim, ts, 'LONG') FROM {T}",
    "SELECT arg_max(Carrier, ts), arg_max(m_int, ts), arg_max(d_dim, ts), arg_max(l_dim, ts) FROM t",
    ["lastwithtime(Carrier,ts,'STRING')", "lastwithtime(m_int,ts,'INT')", "lastwithtime(d_dim,ts,'DOUBLE')",
     "lastwithtime(l_dim,ts,'LONG')"], types=["STRING", "INT", "DOUBLE", "LONG"], features=["aggregation", "lastwithtime"],
    note="ts is unique per row, so the last value is unique")
add("agg_lastwithtime_group", f"SELECT Carrier, LASTWITHTIME(user_id, ts, 'STRING') FROM {T} WHERE i_dim < 0 GROUP BY Carrier ORDER BY Carrier",
    "SELECT Carrier, arg_max(user_id, ts) FROM t WHERE i_dim < 0 GROUP BY Carrier ORDER BY Carrier",
    ["Carrier", "lastwithtime(user_id,ts,'STRING')"], check="ordered", limit=10, features=["aggregation", "lastwithtime", "group_by"])
add("agg_filter", f"SELECT COUNT(*) FILTER (WHERE Carrier = 'AA'), SUM(m_int) FILTER (WHERE i_dim > 0), AVG(d_dim) FILTER (WHERE i_dim <= -10), COUNT(*) FROM {T}",
    "SELECT COUNT(*) FILTER (WHERE Carrier = 'AA'), (SUM(m_int) FILTER (WHERE i_dim > 0))::DOUBLE,"
    " AVG(d_dim) FILTER (WHERE i_dim <= -10), COUNT(*) FROM t",
    ["count(*) FILTER(WHERE Carrier = 'AA')", "sum(m_int) FILTER(WHERE i_dim > '0')", "avg(d_dim) FILTER(WHERE i_dim <= '-10')",
     "count(*)"], features=["aggregation", "filter_clause"],
    note="Pinot names a filtered aggregation <agg> FILTER(WHERE <filter>), predicates rendered as col = 'v' / col > 'v'")
add("agg_filter_and", f"SELECT MAX(m_int) FILTER (WHERE i_dim > 0 AND Carrier = 'DL') FROM {T} WHERE b_dim = true",
    "SELECT (MAX(m_int) FILTER (WHERE i_dim > 0 AND Carrier = 'DL'))::DOUBLE FROM t WHERE b_dim",
    ["max(m_int) FILTER(WHERE (i_dim > '0' AND Carrier = 'DL'))"], features=["aggregation", "filter_clause"])
add("agg_filter_group", f"SELECT Carrier, COUNT(*) FILTER (WHERE i_dim = 0), SUM(m_dbl) FILTER (WHERE m_int >= 500) FROM {T} GROUP BY Carrier ORDER BY Carrier",
    "SELECT Carrier, COUNT(*) FILTER (WHERE i_dim = 0), COALESCE(SUM(m_dbl) FILTER (WHERE m_int >= 500), 0) FROM t GROUP BY Carrier ORDER BY Carrier",
    ["Carrier", "count(*) FILTER(WHERE i_dim = '0')", "sum(m_dbl) FILTER(WHERE m_int >= '500')"],
    check="ordered", limit=10, features=["aggregation", "filter_clause", "group_by"])
add("agg_filter_empty", f"SELECT COUNT(*) FILTER (WHERE i_dim > 1000), SUM(m_int) FILTER (WHERE i_dim > 1000), AVG(m_int) FILTER (WHERE i_dim > 1000), COUNT(*) FROM {T}",
    "SELECT 0, 0.0::DOUBLE, '-infinity'::DOUBLE, COUNT(*) FROM t",
    ["count(*) FILTER(WHERE i_dim > '1000')", "sum(m_int) FILTER(WHERE i_dim > '1000')",
     "avg(m_int) FILTER(WHERE i_dim > '1000')", "count(*)"], features=["aggregation", "filter_clause", "empty"],
    note="a filter matching nothing gives the empty defaults: COUNT 0, SUM 0.0, AVG -Infinity")
add("agg_expr_arg", f"SELECT SUM(m_int * 2), AVG(m_int + i_dim), MAX(d_dim / 4) FROM {T}",
    "SELECT SUM(m_int * 2)::DOUBLE, AVG((m_int + i_dim)::DOUBLE), MAX(d_dim / 4) FROM t",
    ["sum(times(m_int,'2'))", "avg(plus(m_int,i_dim))", "max(divide(d_dim,'4'))"], features=["aggregation", "arithmetic"])
add("agg_in_expr", f"SELECT SUM(m_int) / COUNT(*), MAX(d_dim) - MIN(d_dim) FROM {T}",
    "SELECT SUM(m_int)::DOUBLE / COUNT(*), MAX(d_dim) - MIN(d_dim) FROM t",
    ["divide(sum(m_int),count(*))", "minus(max(d_dim),min(d_dim))"], features=["aggregation", "arithmetic"])
add("agg_where", f"SELECT COUNT(*), SUM(m_long), AVG(f_dim) FROM {T} WHERE Carrier IN ('UA', 'WN') AND d_dim > 0",
    "SELECT COUNT(*), SUM(m_long)::DOUBLE, AVG(f_dim) FROM t WHERE Carrier IN ('UA', 'WN') AND d_dim > 0",
    ["count(*)", "sum(m_long)", "avg(f_dim)"], features=["aggregation", "where"])
add("agg_empty", f"SELECT COUNT(*), SUM(m_int), MIN(m_int), MAX(m_int), AVG(m_int), DISTINCTCOUNT(m_int), MINMAXRANGE(m_int), PERCENTILE(m_int, 50), DISTINCTCOUNTHLL(m_int) FROM {T} WHERE id < 0",
    "SELECT COUNT(*), COALESCE(SUM(m_int), 0)::DOUBLE, COALESCE(MIN(m_int)::DOUBLE, 'infinity'::DOUBLE),"
    " COALESCE(MAX(m_int)::DOUBLE, '-infinity'::DOUBLE), COALESCE(AVG(m_int), '-infinity'::DOUBLE),"
    " COUNT(DISTINCT m_int), '-infinity'::DOUBLE, pinot_pct(list(m_int), 50), 0 FROM t WHERE id < 0",
    ["count(*)", "sum(m_int)", "min(m_int)", "max(m_int)", "avg(m_int)", "distinctcount(m_int)", "minmaxrange(m_int)",
     "percentile(m_int, 50.0)", "distinctcounthll(m_int)"], features=["aggregation", "empty"],
    note="Pinot's empty aggregation row: 0, 0.0, Infinity, -Infinity, -Infinity (AVG), 0, -Infinity (MINMAXRANGE: "
         "-Inf - +Inf), -Infinity (PERCENTILE), 0 (HLL); DuckDB gives NULLs, hence the COALESCEs")
add("agg_empty_group", f"SELECT Carrier, COUNT(*), SUM(m_int) FROM {T} WHERE id < 0 GROUP BY Carrier",
    "SELECT Carrier, COUNT(*), SUM(m_int) FROM t WHERE id < 0 GROUP BY Carrier", ["Carrier", "count(*)", "sum(m_int)"],
    features=["aggregation", "group_by", "empty"])

add("agg_double_default", f"SELECT COUNT(*), MIN(n_dbl), AVG(n_dbl) FROM {T} WHERE n_dbl < -999",
    "SELECT COUNT(*), MIN(n_dbl), AVG(n_dbl) FROM t WHERE n_dbl < -999", ["count(*)", "min(n_dbl)", "avg(n_dbl)"],
    features=["aggregation", "defaults"], note="the -Infinity default of a DOUBLE dimension matches n_dbl < -999")
add("agg_names_case", f"SELECT Sum(m_int), count(*), Max(f_dim) AS \"Top F\", percentile(m_int, 99.9) FROM {T}",
    "SELECT SUM(m_int)::DOUBLE, COUNT(*), MAX(f_dim)::DOUBLE, pinot_pct(list(m_int), 99.9) FROM t",
    ["sum(m_int)", "count(*)", "Top F", "percentile(m_int, 99.9)"], features=["aggregation", "naming"])
add("agg_ratio_alias", f"SELECT Carrier, SUM(m_int) / COUNT(*) AS avgm FROM {T} GROUP BY Carrier HAVING SUM(m_int) / COUNT(*) > 470 ORDER BY avgm DESC",
    "SELECT Carrier, SUM(m_int)::DOUBLE / COUNT(*) avgm FROM t GROUP BY Carrier HAVING SUM(m_int)::DOUBLE / COUNT(*) > 470 ORDER BY avgm DESC",
    ["Carrier", "avgm"], check="ordered", limit=10, features=["aggregation", "having", "arithmetic", "group_by"])

# ---------------------------------------------------------------------------
# GROUP BY, HAVING

add("gb_basic", f"SELECT Carrier, COUNT(*), SUM(m_int), MIN(d_dim), MAX(l_dim), AVG(f_dim) FROM {T} GROUP BY Carrier ORDER BY Carrier",
    "SELECT Carrier, COUNT(*), SUM(m_int)::DOUBLE, MIN(d_dim), MAX(l_dim)::DOUBLE, AVG(f_dim) FROM t GROUP BY Carrier ORDER BY Carrier",
    ["Carrier", "count(*)", "sum(m_int)", "min(d_dim)", "max(l_dim)", "avg(f_dim)"],
    types=["STRING", "LONG", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE"], check="ordered", limit=10, features=["group_by"])
add("gb_no_order_subset", f"SELECT user_id, COUNT(*), SUM(m_int) FROM {T} GROUP BY user_id",
    "SELECT user_id, COUNT(*), SUM(m_int)::DOUBLE FROM t GROUP BY user_id", ["user_id", "count(*)", "sum(m_int)"],
    check="subset", limit=10, features=["group_by", "implicit_limit", "no_order"],
    note="GROUP BY without ORDER BY: any 10 groups (pinot-suite's subset check), each with exact aggregates")
add("gb_no_order_limit", f"SELECT i_dim, Carrier, AVG(m_dbl) FROM {T} GROUP BY i_dim, Carrier LIMIT 25",
    "SELECT i_dim, Carrier, AVG(m_dbl) FROM t GROUP BY i_dim, Carrier", ["i_dim", "Carrier", "avg(m_dbl)"],
    check="subset", limit=25, features=["group_by", "no_order"])
add("gb_no_order_all", f"SELECT b_dim, COUNT(*) FROM {T} GROUP BY b_dim", "SELECT b_dim, COUNT(*) FROM t GROUP BY b_dim",
    ["b_dim", "count(*)"], types=["BOOLEAN", "LONG"], features=["group_by", "boolean"])
add("gb_key_not_selected", f"SELECT COUNT(*), MAX(m_int) FROM {T} GROUP BY Carrier",
    "SELECT COUNT(*), MAX(m_int)::DOUBLE FROM t GROUP BY Carrier", ["count(*)", "max(m_int)"], check="subset", limit=10,
    features=["group_by"])
add("gb_order_agg_desc", f"SELECT user_id, COUNT(*) FROM {T} GROUP BY user_id ORDER BY COUNT(*) DESC, user_id LIMIT 5",
    "SELECT user_id, COUNT(*) c FROM t GROUP BY user_id ORDER BY c DESC, user_id", ["user_id", "count(*)"],
    check="ordered", limit=5, features=["group_by", "order_by"])
add("gb_order_agg_ties", f"SELECT i_dim, COUNT(*) FROM {T} GROUP BY i_dim ORDER BY COUNT(*) DESC LIMIT 15",
    "SELECT i_dim, COUNT(*) c FROM t GROUP BY i_dim ORDER BY c DESC", ["i_dim", "count(*)"], check="ordered",
    limit=15, keys=[1], features=["group_by", "order_by", "ties"],
    note="groups tied on COUNT(*) may come in any order, and the LIMIT may cut a tie group anywhere")
add("gb_order_sum_ties_hicard", f"SELECT l_dim, SUM(m_int) FROM {T} GROUP BY l_dim ORDER BY SUM(m_int) DESC LIMIT 10",
    "SELECT l_dim, SUM(m_int)::DOUBLE s FROM t GROUP BY l_dim ORDER BY s DESC", ["l_dim", "sum(m_int)"],
    check="ordered", limit=10, keys=[1], features=["group_by", "order_by", "ties"])
add("gb_multi_key", f"SELECT Carrier, b_dim, COUNT(*), AVG(m_int) FROM {T} GROUP BY Carrier, b_dim ORDER BY Carrier, b_dim DESC LIMIT 25",
    "SELECT Carrier, b_dim, COUNT(*), AVG(m_int) FROM t GROUP BY Carrier, b_dim ORDER BY Carrier, b_dim DESC",
    ["Carrier", "b_dim", "count(*)", "avg(m_int)"], check="ordered", limit=25, features=["group_by", "order_by"])
add("gb_datetrunc_day", f"SELECT DATETRUNC('DAY', ts), COUNT(*) FROM {T} GROUP BY DATETRUNC('DAY', ts) ORDER BY DATETRUNC('DAY', ts) LIMIT 100",
    "SELECT utc_trunc('day', ts) d, COUNT(*) FROM t GROUP BY d ORDER BY d", ["datetrunc('DAY',ts)", "count(*)"],
    types=["LONG", "LONG"], check="ordered", limit=100, features=["group_by", "time", "datetrunc"])
add("gb_alias", f"SELECT i_dim % 3 AS r, COUNT(*) AS c FROM {T} GROUP BY r ORDER BY r",
    "SELECT i_dim::DOUBLE % 3 AS r, COUNT(*) FROM t GROUP BY r ORDER BY r", ["r", "c"], types=["DOUBLE", "LONG"],
    check="ordered", limit=10, features=["group_by", "alias", "arithmetic"])
add("gb_ordinal", f"SELECT Carrier, COUNT(*) FROM {T} GROUP BY 1 ORDER BY 2 DESC, 1",
    "SELECT Carrier, COUNT(*) c FROM t GROUP BY 1 ORDER BY c DESC, Carrier", ["Carrier", "count(*)"],
    check="ordered", limit=10, features=["group_by", "ordinal"])
add("gb_expr_two", f"SELECT ToEpochDays(ts), Carrier, COUNT(*) FROM {T} WHERE i_dim = 0 GROUP BY ToEpochDays(ts), Carrier ORDER BY ToEpochDays(ts) DESC, Carrier LIMIT 30",
    "SELECT ts // 86400000 d, Carrier, COUNT(*) FROM t WHERE i_dim = 0 GROUP BY d, Carrier ORDER BY d DESC, Carrier",
    ["toepochdays(ts)", "Carrier", "count(*)"], check="ordered", limit=30, features=["group_by", "time"])
add("gb_having", f"SELECT user_id, COUNT(*) FROM {T} GROUP BY user_id HAVING COUNT(*) > 8 ORDER BY user_id LIMIT 100",
    "SELECT user_id, COUNT(*) FROM t GROUP BY user_id HAVING COUNT(*) > 8 ORDER BY user_id", ["user_id", "count(*)"],
    check="ordered", limit=100, features=["group_by", "having"])
add("gb_having_and", f"SELECT Carrier, SUM(m_int), COUNT(*) FROM {T} GROUP BY Carrier HAVING SUM(m_int) > 500000 AND COUNT(*) < 5000 ORDER BY Carrier",
    "SELECT Carrier, SUM(m_int)::DOUBLE, COUNT(*) FROM t GROUP BY Carrier HAVING SUM(m_int) > 500000 AND COUNT(*) < 5000 ORDER BY Carrier",
    ["Carrier", "sum(m_int)", "count(*)"], check="ordered", limit=10, features=["group_by", "having"])
add("gb_having_key", f"SELECT Carrier, COUNT(*) FROM {T} GROUP BY Carrier HAVING Carrier <> 'AA' AND COUNT(*) > 100 ORDER BY Carrier",
    "SELECT Carrier, COUNT(*) FROM t GROUP BY Carrier HAVING Carrier <> 'AA' AND COUNT(*) > 100 ORDER BY Carrier",
    ["Carrier", "count(*)"], check="ordered", limit=10, features=["group_by", "having"])
add("gb_having_not_selected", f"SELECT Carrier, COUNT(*) FROM {T} GROUP BY Carrier HAVING AVG(m_int) > 500 ORDER BY Carrier",
    "SELECT Carrier, COUNT(*) FROM t GROUP BY Carrier HAVING AVG(m_int) > 500 ORDER BY Carrier", ["Carrier", "count(*)"],
    check="ordered", limit=10, features=["group_by", "having"])
add("gb_having_empty", f"SELECT Carrier, COUNT(*) FROM {T} GROUP BY Carrier HAVING COUNT(*) > 1000000",
    "SELECT Carrier, COUNT(*) FROM t GROUP BY Carrier HAVING COUNT(*) > 1000000", ["Carrier", "count(*)"],
    features=["group_by", "having", "empty"])
add("gb_order_alias", f"SELECT Carrier, SUM(m_int) AS s FROM {T} GROUP BY Carrier ORDER BY s DESC",
    "SELECT Carrier, SUM(m_int)::DOUBLE s FROM t GROUP BY Carrier ORDER BY s DESC", ["Carrier", "s"],
    check="ordered", limit=10, features=["group_by", "order_by", "alias"])
add("gb_order_not_selected", f"SELECT Carrier, COUNT(*) FROM {T} GROUP BY Carrier ORDER BY MAX(d_dim) DESC LIMIT 5",
    "SELECT Carrier, COUNT(*), MAX(d_dim) m FROM t GROUP BY Carrier ORDER BY m DESC", ["Carrier", "count(*)"],
    check="ordered", limit=5, visible=2, keys=[2], features=["group_by", "order_by", "order_not_selected"])
add("gb_defaults_key", f"SELECT n_str, COUNT(*) FROM {T} GROUP BY n_str ORDER BY n_str",
    "SELECT n_str, COUNT(*) FROM t GROUP BY n_str ORDER BY n_str", ["n_str", "count(*)"], check="ordered", limit=10,
    features=["group_by", "defaults"])
add("gb_float_double_keys", f"SELECT f_dim, COUNT(*) FROM {T} WHERE f_dim BETWEEN -2 AND 2 GROUP BY f_dim ORDER BY f_dim LIMIT 20",
    "SELECT f_dim, COUNT(*) FROM t WHERE f_dim BETWEEN -2 AND 2 GROUP BY f_dim ORDER BY f_dim", ["f_dim", "count(*)"],
    types=["FLOAT", "LONG"], check="ordered", limit=20, features=["group_by"])
add("gb_where_distinct_pct", f"SELECT b_dim, DISTINCTCOUNT(city), PERCENTILE(m_int, 90), MINMAXRANGE(i_dim) FROM {T} WHERE Carrier = 'UA' GROUP BY b_dim ORDER BY b_dim",
    "SELECT b_dim, COUNT(DISTINCT city), pinot_pct(list(m_int), 90), (MAX(i_dim) - MIN(i_dim))::DOUBLE FROM t WHERE Carrier = 'UA' GROUP BY b_dim ORDER BY b_dim",
    ["b_dim", "distinctcount(city)", "percentile(m_int, 90.0)", "minmaxrange(i_dim)"], check="ordered", limit=10,
    features=["group_by", "aggregation"])
add("gb_offset", f"SELECT i_dim, COUNT(*) FROM {T} GROUP BY i_dim ORDER BY i_dim LIMIT 5 OFFSET 3",
    "SELECT i_dim, COUNT(*) FROM t GROUP BY i_dim ORDER BY i_dim", ["i_dim", "count(*)"], check="ordered", offset=3,
    limit=5, features=["group_by", "offset"])
add("gb_double_default_key", f"SELECT n_dbl, COUNT(*) FROM {T} GROUP BY n_dbl ORDER BY n_dbl LIMIT 3",
    "SELECT n_dbl, COUNT(*) FROM t GROUP BY n_dbl ORDER BY n_dbl", ["n_dbl", "count(*)"], check="ordered", limit=3,
    features=["group_by", "defaults"])
add("gb_order_expr_not_selected", f"SELECT Carrier, COUNT(*) FROM {T} GROUP BY Carrier ORDER BY SUM(m_int) / COUNT(*) DESC",
    "SELECT Carrier, COUNT(*), SUM(m_int)::DOUBLE / COUNT(*) r FROM t GROUP BY Carrier ORDER BY r DESC", ["Carrier", "count(*)"],
    check="ordered", limit=10, visible=2, keys=[2], features=["group_by", "order_by", "order_not_selected"])
add("gb_offset_past_end", f"SELECT Carrier, COUNT(*) FROM {T} GROUP BY Carrier ORDER BY Carrier LIMIT 10 OFFSET 50",
    "SELECT Carrier, COUNT(*) FROM t GROUP BY Carrier ORDER BY Carrier", ["Carrier", "count(*)"], check="ordered",
    offset=50, limit=10, features=["group_by", "offset", "empty"])
add("gb_order_string_expr", f"SELECT LOWER(city), COUNT(*) FROM {T} GROUP BY LOWER(city) ORDER BY LOWER(city) DESC LIMIT 8",
    "SELECT lower(city) l, COUNT(*) FROM t GROUP BY l ORDER BY l DESC", ["lower(city)", "count(*)"], check="ordered",
    limit=8, features=["group_by", "order_by", "string", "unicode"])
add("gb_implicit_limit_ordered", f"SELECT city, SUM(d_dim) FROM {T} GROUP BY city ORDER BY city DESC",
    "SELECT city, SUM(d_dim) FROM t GROUP BY city ORDER BY city DESC", ["city", "sum(d_dim)"], check="ordered",
    limit=10, features=["group_by", "implicit_limit", "unicode"])

# ---------------------------------------------------------------------------
# ORDER BY (selection)

add("ob_two_keys", f"SELECT id, i_dim FROM {T} ORDER BY i_dim DESC, id LIMIT 20",
    "SELECT id, i_dim FROM t ORDER BY i_dim DESC, id", ["id", "i_dim"], check="ordered", limit=20, features=["order_by"])
add("ob_ties_visible", f"SELECT i_dim, Carrier FROM {T} ORDER BY i_dim LIMIT 12",
    "SELECT i_dim, Carrier FROM t ORDER BY i_dim", ["i_dim", "Carrier"], check="ordered", limit=12, keys=[0],
    features=["order_by", "ties"], note="rows tied on i_dim: any of them, in any order")
add("ob_not_selected", f"SELECT id FROM {T} ORDER BY d_dim DESC LIMIT 10",
    "SELECT id, d_dim FROM t ORDER BY d_dim DESC", ["id"], check="ordered", limit=10, visible=1, keys=[1],
    features=["order_by", "order_not_selected", "ties"])
add("ob_not_selected_two", f"SELECT user_id, city FROM {T} WHERE Carrier = 'b-low' ORDER BY m_long, ts LIMIT 15",
    "SELECT user_id, city, m_long, ts FROM t WHERE Carrier = 'b-low' ORDER BY m_long, ts", ["user_id", "city"],
    check="ordered", limit=15, visible=2, keys=[2, 3], features=["order_by", "order_not_selected"])
add("ob_alias", f"SELECT id, m_int * 2 AS dbl FROM {T} ORDER BY dbl DESC, id LIMIT 10",
    "SELECT id, (m_int * 2)::DOUBLE dbl FROM t ORDER BY dbl DESC, id", ["id", "dbl"], check="ordered", limit=10,
    features=["order_by", "alias"])
add("ob_expr", f"SELECT id, m_int - i_dim FROM {T} ORDER BY m_int - i_dim, id LIMIT 10",
    "SELECT id, (m_int - i_dim)::DOUBLE e FROM t ORDER BY e, id", ["id", "minus(m_int,i_dim)"], check="ordered",
    limit=10, features=["order_by", "arithmetic"])
add("ob_ordinal", f"SELECT id, i_dim FROM {T} ORDER BY 2, 1 LIMIT 10", "SELECT id, i_dim FROM t ORDER BY 2, 1",
    ["id", "i_dim"], check="ordered", limit=10, features=["order_by", "ordinal"])
add("ob_string_desc", f"SELECT city, id FROM {T} ORDER BY city DESC, id LIMIT 10", "SELECT city, id FROM t ORDER BY city DESC, id",
    ["city", "id"], check="ordered", limit=10, features=["order_by", "unicode"])
add("ob_boolean", f"SELECT b_dim, id FROM {T} ORDER BY b_dim DESC, id LIMIT 10", "SELECT b_dim, id FROM t ORDER BY b_dim DESC, id",
    ["b_dim", "id"], check="ordered", limit=10, features=["order_by", "boolean"])
add("ob_float", f"SELECT f_dim, id FROM {T} ORDER BY f_dim, id DESC LIMIT 10", "SELECT f_dim, id FROM t ORDER BY f_dim, id DESC",
    ["f_dim", "id"], check="ordered", limit=10, features=["order_by"])
add("ob_timestamp", f"SELECT ts_ts, id FROM {T} ORDER BY ts_ts DESC, id LIMIT 10",
    "SELECT pinot_ts(ts_ts), id FROM t ORDER BY ts_ts DESC, id", ["ts_ts", "id"], check="ordered", limit=10,
    features=["order_by", "timestamp"])
add("ob_defaults_first", f"SELECT id, n_dbl FROM {T} ORDER BY n_dbl, id LIMIT 10", "SELECT id, n_dbl FROM t ORDER BY n_dbl, id",
    ["id", "n_dbl"], check="ordered", limit=10, features=["order_by", "defaults"],
    note="the -Infinity default sorts first without null handling")
add("ob_offset", f"SELECT id FROM {T} ORDER BY id LIMIT 5 OFFSET 100", "SELECT id FROM t ORDER BY id", ["id"],
    check="ordered", offset=100, limit=5, features=["order_by", "offset"])
add("ob_offset_ties", f"SELECT i_dim FROM {T} WHERE Carrier = 'WN' ORDER BY i_dim DESC LIMIT 10 OFFSET 5",
    "SELECT i_dim FROM t WHERE Carrier = 'WN' ORDER BY i_dim DESC", ["i_dim"], check="ordered", offset=5, limit=10,
    features=["order_by", "offset", "ties"])
add("ob_offset_only", f"SELECT id FROM {T} ORDER BY id OFFSET 19995", "SELECT id FROM t ORDER BY id", ["id"],
    check="ordered", offset=19995, limit=10, features=["order_by", "offset", "implicit_limit"])
add("ob_mv_selected", f"SELECT id, nums FROM {T} WHERE i_dim = -50 ORDER BY id DESC LIMIT 5",
    "SELECT id, nums FROM t WHERE i_dim = -50 ORDER BY id DESC", ["id", "nums"], check="ordered", limit=5,
    features=["order_by", "mv"])
add("ob_offset_past_end", f"SELECT id FROM {T} WHERE i_dim = 9 ORDER BY id LIMIT 10 OFFSET 5000",
    "SELECT id FROM t WHERE i_dim = 9 ORDER BY id", ["id"], check="ordered", offset=5000, limit=10,
    features=["order_by", "offset", "empty"])
add("ob_string_expr", f"SELECT id, UPPER(city) FROM {T} WHERE i_dim = 1 ORDER BY UPPER(city), id LIMIT 10",
    "SELECT id, upper(city) u FROM t WHERE i_dim = 1 ORDER BY u, id", ["id", "upper(city)"], check="ordered", limit=10,
    features=["order_by", "string"])
add("ob_limit_large", f"SELECT id, user_id FROM {T} WHERE city = 'Lima' ORDER BY user_id, id LIMIT 100000",
    "SELECT id, user_id FROM t WHERE city = 'Lima' ORDER BY user_id, id", ["id", "user_id"], check="ordered",
    limit=100000, features=["order_by", "limit"])

# ---------------------------------------------------------------------------
# Time functions (epoch millis; UTC unless a time zone is given)

add("dt_units", f"SELECT id, DATETRUNC('MINUTE', ts), DATETRUNC('HOUR', ts), DATETRUNC('DAY', ts), DATETRUNC('WEEK', ts), DATETRUNC('MONTH', ts) FROM {T} WHERE id < 10",
    "SELECT id, utc_trunc('minute', ts), utc_trunc('hour', ts), utc_trunc('day', ts), utc_trunc('week', ts), utc_trunc('month', ts) FROM t WHERE id < 10",
    ["id", "datetrunc('MINUTE',ts)", "datetrunc('HOUR',ts)", "datetrunc('DAY',ts)", "datetrunc('WEEK',ts)",
     "datetrunc('MONTH',ts)"], types=["INT", "LONG", "LONG", "LONG", "LONG", "LONG"], features=["time", "datetrunc"],
    note="WEEK starts on Monday (ISO), as in Joda and DuckDB")
add("dt_lowercase_unit", f"SELECT id, DATETRUNC('day', ts) FROM {T} WHERE id < 5", "SELECT id, utc_trunc('day', ts) FROM t WHERE id < 5",
    ["id", "datetrunc('day',ts)"], features=["time", "datetrunc"])
add("dt_underscore_name", f"SELECT id, DATE_TRUNC('HOUR', ts) FROM {T} WHERE id < 5",
    "SELECT id, utc_trunc('hour', ts) FROM t WHERE id < 5", ["id", "datetrunc('HOUR',ts)"], features=["time", "datetrunc", "naming"],
    note="function names are canonical: lower case, underscores removed")
add("dt_tz_day_la", f"SELECT DATETRUNC('DAY', ts, 'MILLISECONDS', 'America/Los_Angeles') AS d, COUNT(*) FROM {T} GROUP BY d ORDER BY d LIMIT 100",
    "SELECT tz_trunc('day', ts, 'America/Los_Angeles') d, COUNT(*) FROM t GROUP BY d ORDER BY d", ["d", "count(*)"],
    check="ordered", limit=100, features=["time", "datetrunc", "timezone"],
    note="local days in Los Angeles; Mar 10 (DST starts) is a 23-hour day")
add("dt_tz_names", f"SELECT id, DATETRUNC('DAY', ts, 'MILLISECONDS', 'America/Los_Angeles'), DATETRUNC('HOUR', ts, 'MILLISECONDS', 'Asia/Kolkata') FROM {T} WHERE id < 8",
    "SELECT id, tz_trunc('day', ts, 'America/Los_Angeles'), tz_trunc('hour', ts, 'Asia/Kolkata') FROM t WHERE id < 8",
    ["id", "datetrunc('DAY',ts,'MILLISECONDS','America/Los_Angeles')", "datetrunc('HOUR',ts,'MILLISECONDS','Asia/Kolkata')"],
    features=["time", "datetrunc", "timezone"], note="Kolkata is UTC+5:30: its hours start at :30 UTC")
add("dt_tz_week_berlin", f"SELECT DATETRUNC('WEEK', ts, 'MILLISECONDS', 'Europe/Berlin') AS w, COUNT(*), MIN(ts) FROM {T} GROUP BY w ORDER BY w",
    "SELECT tz_trunc('week', ts, 'Europe/Berlin') w, COUNT(*), MIN(ts)::DOUBLE FROM t GROUP BY w ORDER BY w",
    ["w", "count(*)", "min(ts)"], check="ordered", limit=10, features=["time", "datetrunc", "timezone"])
add("dt_tz_month_ny", f"SELECT DATETRUNC('MONTH', ts, 'MILLISECONDS', 'America/New_York') AS m, COUNT(*) FROM {T} GROUP BY m ORDER BY m",
    "SELECT tz_trunc('month', ts, 'America/New_York') m, COUNT(*) FROM t GROUP BY m ORDER BY m", ["m", "count(*)"],
    check="ordered", limit=10, features=["time", "datetrunc", "timezone"])
add("dt_tz_hour_dst", f"SELECT DATETRUNC('HOUR', ts, 'MILLISECONDS', 'Europe/Berlin') AS h, COUNT(*) FROM {T} WHERE ts BETWEEN 1711843200000 AND 1711900800000 GROUP BY h ORDER BY h LIMIT 30",
    "SELECT tz_trunc('hour', ts, 'Europe/Berlin') h, COUNT(*) FROM t WHERE ts BETWEEN 1711843200000 AND 1711900800000 GROUP BY h ORDER BY h",
    ["h", "count(*)"], check="ordered", limit=30, features=["time", "datetrunc", "timezone"],
    note="hours around the EU DST change (2024-03-31 01:00 UTC)")
add("dt_output_unit", f"SELECT id, DATETRUNC('DAY', ts, 'MILLISECONDS', 'UTC', 'DAYS') FROM {T} WHERE id < 5",
    "SELECT id, ts // 86400000 FROM t WHERE id < 5", ["id", "datetrunc('DAY',ts,'MILLISECONDS','UTC','DAYS')"],
    features=["time", "datetrunc"])
add("dt_input_seconds", f"SELECT id, DATETRUNC('HOUR', ToEpochSeconds(ts), 'SECONDS') FROM {T} WHERE id < 5",
    "SELECT id, (ts // 3600000) * 3600 FROM t WHERE id < 5", ["id", "datetrunc('HOUR',toepochseconds(ts),'SECONDS')"],
    features=["time", "datetrunc"])
add("dt_where", f"SELECT COUNT(*) FROM {T} WHERE DATETRUNC('DAY', ts) = 1709251200000",
    "SELECT COUNT(*) FROM t WHERE utc_trunc('day', ts) = 1709251200000", ["count(*)"], features=["time", "datetrunc", "where"])
add("dt_timestamp_col", f"SELECT DATETRUNC('MONTH', ts_ts), COUNT(*) FROM {T} GROUP BY DATETRUNC('MONTH', ts_ts) ORDER BY DATETRUNC('MONTH', ts_ts)",
    "SELECT utc_trunc('month', ts_ts) m, COUNT(*) FROM t GROUP BY m ORDER BY m", ["datetrunc('MONTH',ts_ts)", "count(*)"],
    check="ordered", limit=10, features=["time", "datetrunc", "timestamp"])
add("epoch_to", f"SELECT id, ToEpochSeconds(ts), ToEpochMinutes(ts), ToEpochHours(ts), ToEpochDays(ts) FROM {T} WHERE id < 10",
    "SELECT id, ts // 1000, ts // 60000, ts // 3600000, ts // 86400000 FROM t WHERE id < 10",
    ["id", "toepochseconds(ts)", "toepochminutes(ts)", "toepochhours(ts)", "toepochdays(ts)"],
    types=["INT", "LONG", "LONG", "LONG", "LONG"], features=["time", "epoch"])
add("epoch_from", f"SELECT id, FromEpochSeconds(ToEpochSeconds(ts)), FromEpochMinutes(ToEpochMinutes(ts)), FromEpochHours(ToEpochHours(ts)), FromEpochDays(ToEpochDays(ts)) FROM {T} WHERE id < 10",
    "SELECT id, (ts // 1000) * 1000, (ts // 60000) * 60000, (ts // 3600000) * 3600000, (ts // 86400000) * 86400000 FROM t WHERE id < 10",
    ["id", "fromepochseconds(toepochseconds(ts))", "fromepochminutes(toepochminutes(ts))",
     "fromepochhours(toepochhours(ts))", "fromepochdays(toepochdays(ts))"], types=["INT", "LONG", "LONG", "LONG", "LONG"],
    features=["time", "epoch"])
add("epoch_where_group", f"SELECT ToEpochHours(ts) % 24 AS hod, COUNT(*) FROM {T} WHERE ToEpochDays(ts) BETWEEN 19783 AND 19789 GROUP BY hod ORDER BY hod LIMIT 24",
    "SELECT (ts // 3600000)::DOUBLE % 24 hod, COUNT(*) FROM t WHERE ts // 86400000 BETWEEN 19783 AND 19789 GROUP BY hod ORDER BY hod",
    ["hod", "count(*)"], check="ordered", limit=24, features=["time", "epoch", "group_by"])
add("todatetime", f"SELECT id, ToDateTime(ts, 'yyyy-MM-dd HH:mm:ss'), ToDateTime(ts, 'yyyy-MM-dd HH:mm:ss.SSS') FROM {T} WHERE id < 10",
    "SELECT id, strftime(make_timestamp(ts * 1000), '%Y-%m-%d %H:%M:%S'), strftime(make_timestamp(ts * 1000), '%Y-%m-%d %H:%M:%S.%g') FROM t WHERE id < 10",
    ["id", "todatetime(ts,'yyyy-MM-dd HH:mm:ss')", "todatetime(ts,'yyyy-MM-dd HH:mm:ss.SSS')"],
    types=["INT", "STRING", "STRING"], features=["time", "todatetime"])
add("todatetime_text", f"SELECT id, ToDateTime(ts, 'EEE, MMM d yyyy HH:mm') FROM {T} WHERE id < 10",
    "SELECT id, strftime(make_timestamp(ts * 1000), '%a, %b %-d %Y %H:%M') FROM t WHERE id < 10",
    ["id", "todatetime(ts,'EEE, MMM d yyyy HH:mm')"], features=["time", "todatetime"],
    note="Joda EEE/MMM are English short names; d is the day without padding (DuckDB %-d)")
add("dtconvert_sdf_input", f"SELECT id, DATETIMECONVERT(ToDateTime(ts, 'yyyy-MM-dd'), '1:DAYS:SIMPLE_DATE_FORMAT:yyyy-MM-dd', '1:MILLISECONDS:EPOCH', '1:DAYS') FROM {T} WHERE id < 10",
    "SELECT id, utc_trunc('day', ts) FROM t WHERE id < 10",
    ["id", "datetimeconvert(todatetime(ts,'yyyy-MM-dd'),'1:DAYS:SIMPLE_DATE_FORMAT:yyyy-MM-dd','1:MILLISECONDS:EPOCH','1:DAYS')"],
    features=["time", "datetimeconvert", "todatetime"])
add("todatetime_tz", f"SELECT id, ToDateTime(ts, 'yyyy-MM-dd HH:mm', 'America/Los_Angeles'), ToDateTime(ts, 'yyyy-MM-dd HH:mm', 'Asia/Kolkata') FROM {T} WHERE id < 10",
    "SELECT id, strftime(local_ts(ts, 'America/Los_Angeles'), '%Y-%m-%d %H:%M'), strftime(local_ts(ts, 'Asia/Kolkata'), '%Y-%m-%d %H:%M') FROM t WHERE id < 10",
    ["id", "todatetime(ts,'yyyy-MM-dd HH:mm','America/Los_Angeles')", "todatetime(ts,'yyyy-MM-dd HH:mm','Asia/Kolkata')"],
    features=["time", "todatetime", "timezone"])
add("todatetime_group", f"SELECT ToDateTime(ts, 'yyyy-MM') AS mon, COUNT(*) FROM {T} GROUP BY mon ORDER BY mon",
    "SELECT strftime(make_timestamp(ts * 1000), '%Y-%m') mon, COUNT(*) FROM t GROUP BY mon ORDER BY mon",
    ["mon", "count(*)"], check="ordered", limit=10, features=["time", "todatetime", "group_by"])
add("todatetime_where", f"SELECT COUNT(*) FROM {T} WHERE ToDateTime(ts, 'yyyy-MM-dd') = '2024-02-29'",
    "SELECT COUNT(*) FROM t WHERE strftime(make_timestamp(ts * 1000), '%Y-%m-%d') = '2024-02-29'", ["count(*)"],
    features=["time", "todatetime", "where"])
add("dtconvert_epoch", f"SELECT id, DATETIMECONVERT(ts, '1:MILLISECONDS:EPOCH', '1:HOURS:EPOCH', '1:HOURS'), DATETIMECONVERT(ts, '1:MILLISECONDS:EPOCH', '1:MILLISECONDS:EPOCH', '15:MINUTES'), DATETIMECONVERT(ts, '1:MILLISECONDS:EPOCH', '1:MINUTES:EPOCH', '30:MINUTES') FROM {T} WHERE id < 10",
    "SELECT id, ts // 3600000, (ts // 900000) * 900000, (ts // 1800000) * 30 FROM t WHERE id < 10",
    ["id", "datetimeconvert(ts,'1:MILLISECONDS:EPOCH','1:HOURS:EPOCH','1:HOURS')",
     "datetimeconvert(ts,'1:MILLISECONDS:EPOCH','1:MILLISECONDS:EPOCH','15:MINUTES')",
     "datetimeconvert(ts,'1:MILLISECONDS:EPOCH','1:MINUTES:EPOCH','30:MINUTES')"],
    types=["INT", "LONG", "LONG", "LONG"], features=["time", "datetimeconvert"])
add("dtconvert_sdf", f"SELECT DATETIMECONVERT(ts, '1:MILLISECONDS:EPOCH', '1:DAYS:SIMPLE_DATE_FORMAT:yyyy-MM-dd', '1:DAYS') AS d, COUNT(*) FROM {T} GROUP BY d ORDER BY d LIMIT 100",
    "SELECT strftime(make_timestamp(ts * 1000), '%Y-%m-%d') d, COUNT(*) FROM t GROUP BY d ORDER BY d", ["d", "count(*)"],
    check="ordered", limit=100, features=["time", "datetimeconvert", "group_by"])
add("dtconvert_tz", f"SELECT id, DATETIMECONVERT(ts, '1:MILLISECONDS:EPOCH', '1:MILLISECONDS:EPOCH', '1:DAYS', 'America/Los_Angeles') FROM {T} WHERE id < 10",
    "SELECT id, tz_trunc('day', ts, 'America/Los_Angeles') FROM t WHERE id < 10",
    ["id", "datetimeconvert(ts,'1:MILLISECONDS:EPOCH','1:MILLISECONDS:EPOCH','1:DAYS','America/Los_Angeles')"],
    features=["time", "datetimeconvert", "timezone"], note="the 5th argument buckets DAYS in that time zone")
# NOW() and ago(): the data lies in 2024, so relative bounds are chosen to be
# all-or-nothing whatever today's date
add("now_all", f"SELECT COUNT(*) FROM {T} WHERE ts < now()", "SELECT COUNT(*) FROM t", ["count(*)"],
    features=["time", "now"])
add("now_none", f"SELECT COUNT(*), SUM(m_int) FROM {T} WHERE ts > now()", "SELECT 0, 0.0", ["count(*)", "sum(m_int)"],
    features=["time", "now", "empty"])
add("ago_all", f"SELECT COUNT(*) FROM {T} WHERE ts > ago('P100000D')", "SELECT COUNT(*) FROM t", ["count(*)"],
    features=["time", "ago"], note="100000 days ago is before 1800: every row")
add("ago_none", f"SELECT COUNT(*) FROM {T} WHERE ts > ago('PT1H')", "SELECT 0", ["count(*)"], features=["time", "ago", "empty"])
add("ago_between", f"SELECT COUNT(*) FROM {T} WHERE ts BETWEEN ago('P100000D') AND now() AND i_dim = 5",
    "SELECT COUNT(*) FROM t WHERE i_dim = 5", ["count(*)"], features=["time", "ago", "now"])
add("now_arith", f"SELECT COUNT(*) FROM {T} WHERE now() - ts > 86400000 AND now() - ago('P1D') BETWEEN 86390000 AND 86410000",
    "SELECT COUNT(*) FROM t", ["count(*)"], features=["time", "now", "ago"],
    note="now() - ago('P1D') is one day (give or take the time between the two calls)")

# ---------------------------------------------------------------------------
# Flavours: the PostgreSQL endpoint (--pg) has no implicit LIMIT

add("pg_selection_all", f"SELECT id, i_dim FROM {T} WHERE i_dim = 7", "SELECT id, i_dim FROM t WHERE i_dim = 7",
    ["id", "i_dim"], flavour="pg", features=["flavour_pg"])
add("pg_groups_all", f"SELECT user_id, COUNT(*) FROM {T} GROUP BY user_id", "SELECT user_id, COUNT(*) FROM t GROUP BY user_id",
    ["user_id", "count(*)"], flavour="pg", features=["flavour_pg", "group_by"])
add("pg_ordered_all", f"SELECT id, d_dim FROM {T} WHERE Carrier = '東京航空' ORDER BY d_dim DESC, id",
    "SELECT id, d_dim FROM t WHERE Carrier = '東京航空' ORDER BY d_dim DESC, id", ["id", "d_dim"], check="ordered",
    flavour="pg", features=["flavour_pg", "order_by"])
add("pg_distinct_all", f"SELECT DISTINCT city FROM {T}", "SELECT DISTINCT city FROM t", ["city"], flavour="pg",
    features=["flavour_pg", "distinct"])
add("pg_explicit_limit", f"SELECT id FROM {T} WHERE i_dim = -3 LIMIT 4", "SELECT id FROM t WHERE i_dim = -3", ["id"],
    check="subset", limit=4, flavour="pg", features=["flavour_pg", "limit"])
# The PostgreSQL flavour also turns null handling on unless the query sets it
# (query/qry_plan.h: "PostgreSQL wire: no implicit LIMIT, null handling on"):
# a Tannin design choice, since Pinot has no such endpoint; hence view tn.
add("pg_aggregation", f"SELECT COUNT(*), AVG(m_int), COUNT(n_int) FROM {T}", "SELECT COUNT(*), AVG(m_int), COUNT(n_int) FROM tn",
    ["count(*)", "avg(m_int)", "count(n_int)"], flavour="pg", features=["flavour_pg", "aggregation", "null_handling"],
    note="null handling is on by default in the pg flavour (qry_plan.h)")
add("pg_null_handling_off", f"SET enableNullHandling = false; SELECT COUNT(*), AVG(m_int), COUNT(n_int) FROM {T}",
    "SELECT COUNT(*), AVG(m_int), COUNT(*) FROM t", ["count(*)", "avg(m_int)", "count(*)"], flavour="pg",
    features=["flavour_pg", "aggregation", "options"])

# ---------------------------------------------------------------------------
# Query options: SET / OPTION(...) / --options

add("opt_timeout_set", f"SET timeoutMs = 60000; SELECT COUNT(*) FROM {T}", "SELECT COUNT(*) FROM t", ["count(*)"],
    features=["options"])
add("opt_timeout_option", f"SELECT Carrier, COUNT(*) FROM {T} GROUP BY Carrier ORDER BY Carrier OPTION(timeoutMs=60000)",
    "SELECT Carrier, COUNT(*) FROM t GROUP BY Carrier ORDER BY Carrier", ["Carrier", "count(*)"], check="ordered", limit=10,
    features=["options"])
add("opt_timeout_cli", f"SELECT COUNT(*) FROM {T} WHERE i_dim > 0", "SELECT COUNT(*) FROM t WHERE i_dim > 0", ["count(*)"],
    options="timeoutMs=60000", features=["options"])
add("opt_groups_limit_hit", f"SET numGroupsLimit = 50; SELECT user_id, COUNT(*) FROM {T} GROUP BY user_id ORDER BY user_id LIMIT 10",
    "SELECT user_id, COUNT(*) FROM t GROUP BY user_id", ["user_id", "count(*)"], check="groups_limit", nkeys=1, limit=10,
    flags={"numGroupsLimitReached": True, "partialResult": True}, features=["options", "num_groups_limit"],
    note="5000 groups, at most 50 per segment: numGroupsLimitReached (so partialResult); groups kept are real, "
         "their counts at most the true ones")
add("opt_groups_limit_cli", f"SELECT city, user_id, COUNT(*) FROM {T} GROUP BY city, user_id",
    "SELECT city, user_id, COUNT(*) FROM t GROUP BY city, user_id", ["city", "user_id", "count(*)"], check="groups_limit",
    nkeys=2, limit=10, options="numGroupsLimit=20", flags={"numGroupsLimitReached": True},
    features=["options", "num_groups_limit"])
add("opt_two_options", f"SELECT COUNT(n_int), MIN(n_int) FROM {T} WHERE i_dim = 4 OPTION(timeoutMs=60000, enableNullHandling=true)",
    "SELECT COUNT(n_int), MIN(n_int)::DOUBLE FROM tn WHERE i_dim = 4", ["count(n_int)", "min(n_int)"],
    features=["options", "null_handling"])
add("opt_groups_limit_not_hit", f"SELECT Carrier, COUNT(*) FROM {T} GROUP BY Carrier ORDER BY Carrier OPTION(numGroupsLimit=100000)",
    "SELECT Carrier, COUNT(*) FROM t GROUP BY Carrier ORDER BY Carrier", ["Carrier", "count(*)"], check="ordered", limit=10,
    flags={"numGroupsLimitReached": False}, features=["options", "num_groups_limit"])
add("opt_groups_limit_default", f"SELECT l_dim, COUNT(*) FROM {T} GROUP BY l_dim ORDER BY l_dim LIMIT 3",
    "SELECT l_dim, COUNT(*) FROM t GROUP BY l_dim ORDER BY l_dim", ["l_dim", "count(*)"], check="ordered", limit=3,
    flags={"numGroupsLimitReached": False}, features=["options", "num_groups_limit"],
    note="~20000 groups stay under the default limit of 100000")

# enableNullHandling=true: real SQL NULLs from the null bitmaps (view tn)
NH = "SET enableNullHandling = true; "
add("nh_count", f"{NH}SELECT COUNT(n_int), COUNT(*), COUNT(n_str) FROM {T}",
    "SELECT COUNT(n_int), COUNT(*), COUNT(n_str) FROM tn", ["count(n_int)", "count(*)", "count(n_str)"],
    types=["LONG", "LONG", "LONG"], features=["null_handling", "aggregation"],
    note="with null handling COUNT(col) counts non-null values and is named count(col)")
add("nh_aggs", f"SELECT SUM(n_int), MIN(n_int), MAX(n_dbl), AVG(n_int), AVG(m_int) FROM {T} OPTION(enableNullHandling=true)",
    "SELECT SUM(n_int)::DOUBLE, MIN(n_int)::DOUBLE, MAX(n_dbl), AVG(n_int), AVG(m_int) FROM tn",
    ["sum(n_int)", "min(n_int)", "max(n_dbl)", "avg(n_int)", "avg(m_int)"], features=["null_handling", "aggregation"])
add("nh_distinctcount", f"{NH}SELECT DISTINCTCOUNT(n_int), DISTINCTCOUNT(n_str) FROM {T}",
    "SELECT COUNT(DISTINCT n_int), COUNT(DISTINCT n_str) FROM tn", ["distinctcount(n_int)", "distinctcount(n_str)"],
    features=["null_handling", "distinctcount"])
add("nh_is_null", f"{NH}SELECT COUNT(*) FROM {T} WHERE n_int IS NULL", "SELECT COUNT(*) FROM tn WHERE n_int IS NULL",
    ["count(*)"], features=["null_handling", "is_null"])
add("nh_is_not_null", f"{NH}SELECT COUNT(*) FROM {T} WHERE n_str IS NOT NULL AND m_int IS NOT NULL",
    "SELECT COUNT(*) FROM tn WHERE n_str IS NOT NULL AND m_int IS NOT NULL", ["count(*)"], features=["null_handling", "is_null"])
add("nh_compare", f"{NH}SELECT COUNT(*) FROM {T} WHERE n_int > 50", "SELECT COUNT(*) FROM tn WHERE n_int > 50",
    ["count(*)"], features=["null_handling", "where"])
add("nh_not_compare", f"{NH}SELECT COUNT(*) FROM {T} WHERE NOT (n_int > 50)", "SELECT COUNT(*) FROM tn WHERE NOT (n_int > 50)",
    ["count(*)"], features=["null_handling", "where", "and_or_not"],
    note="three-valued logic: NOT of unknown is unknown, so null rows match neither")
add("nh_neq", f"{NH}SELECT COUNT(*) FROM {T} WHERE n_int <> 5 AND n_str <> 'beta'",
    "SELECT COUNT(*) FROM tn WHERE n_int <> 5 AND n_str <> 'beta'", ["count(*)"], features=["null_handling", "where"])
add("nh_or", f"{NH}SELECT COUNT(*) FROM {T} WHERE n_int IN (1, 2, 3) OR n_str = 'beta' OR n_dbl < 0",
    "SELECT COUNT(*) FROM tn WHERE n_int IN (1, 2, 3) OR n_str = 'beta' OR n_dbl < 0", ["count(*)"],
    features=["null_handling", "where"])
add("nh_not_or", f"{NH}SELECT COUNT(*) FROM {T} WHERE NOT (n_int < 0 OR n_dbl > 0)",
    "SELECT COUNT(*) FROM tn WHERE NOT (n_int < 0 OR n_dbl > 0)", ["count(*)"], features=["null_handling", "where", "and_or_not"])
add("nh_lt_default", f"{NH}SELECT COUNT(*) FROM {T} WHERE n_int < 0", "SELECT COUNT(*) FROM tn WHERE n_int < 0",
    ["count(*)"], features=["null_handling", "where"],
    note="a null row's stored default (INT MIN_VALUE) satisfies n_int < 0, but a null is unknown, not < 0")
add("nh_eq_default_string", f"{NH}SELECT COUNT(*) FROM {T} WHERE n_str = 'null'", "SELECT COUNT(*) FROM tn WHERE n_str = 'null'",
    ["count(*)"], features=["null_handling", "where"], note="no row holds the string 'null'; null rows are unknown")
add("nh_expr_lt", f"{NH}SELECT COUNT(*) FROM {T} WHERE n_int + 0 < 0", "SELECT COUNT(*) FROM tn WHERE n_int + 0 < 0",
    ["count(*)"], features=["null_handling", "where", "arithmetic"])
add("nh_not_in", f"{NH}SELECT COUNT(*) FROM {T} WHERE n_int NOT IN (1, 2, 3)", "SELECT COUNT(*) FROM tn WHERE n_int NOT IN (1, 2, 3)",
    ["count(*)"], features=["null_handling", "where", "in"])
add("nh_like", f"{NH}SELECT COUNT(*) FROM {T} WHERE n_str LIKE '%a%'", "SELECT COUNT(*) FROM tn WHERE n_str LIKE '%a%'",
    ["count(*)"], features=["null_handling", "where", "like"])
add("nh_not_like", f"{NH}SELECT COUNT(*) FROM {T} WHERE NOT (n_str LIKE '%a%')", "SELECT COUNT(*) FROM tn WHERE NOT (n_str LIKE '%a%')",
    ["count(*)"], features=["null_handling", "where", "like", "and_or_not"])
add("nh_between", f"{NH}SELECT COUNT(*) FROM {T} WHERE n_dbl BETWEEN -5000 AND 0",
    "SELECT COUNT(*) FROM tn WHERE n_dbl BETWEEN -5000 AND 0", ["count(*)"], features=["null_handling", "where", "between"])
add("nh_distinct", f"{NH}SELECT DISTINCT n_str FROM {T} ORDER BY n_str DESC",
    "SELECT DISTINCT n_str FROM tn ORDER BY n_str DESC NULLS FIRST", ["n_str"], check="ordered", limit=10,
    features=["null_handling", "distinct"])
add("nh_percentile", f"{NH}SELECT PERCENTILE(n_int, 50), PERCENTILE(n_dbl, 10) FROM {T}",
    "SELECT pinot_pct(list(n_int) FILTER (WHERE n_int IS NOT NULL), 50), pinot_pct(list(n_dbl) FILTER (WHERE n_dbl IS NOT NULL), 10) FROM tn",
    ["percentile(n_int, 50.0)", "percentile(n_dbl, 10.0)"], features=["null_handling", "percentile"])
add("nh_having", f"{NH}SELECT Carrier, AVG(n_int) FROM {T} GROUP BY Carrier HAVING COUNT(n_int) > 1000 ORDER BY Carrier",
    "SELECT Carrier, AVG(n_int) FROM tn GROUP BY Carrier HAVING COUNT(n_int) > 1000 ORDER BY Carrier", ["Carrier", "avg(n_int)"],
    check="ordered", limit=10, features=["null_handling", "having"])
add("nh_group_two_keys", f"{NH}SELECT n_str, b_dim, COUNT(*) FROM {T} WHERE i_dim > 45 GROUP BY n_str, b_dim",
    "SELECT n_str, b_dim, COUNT(*) FROM tn WHERE i_dim > 45 GROUP BY n_str, b_dim", ["n_str", "b_dim", "count(*)"],
    check="subset", limit=10, features=["null_handling", "group_by"])
add("nh_metric_zero", f"{NH}SELECT COUNT(*) FROM {T} WHERE m_int = 0", "SELECT COUNT(*) FROM tn WHERE m_int = 0",
    ["count(*)"], features=["null_handling", "where"], note="a null metric is not 0 under null handling")
add("nh_select", f"{NH}SELECT id, n_int, n_str, n_dbl FROM {T} WHERE id < 30 ORDER BY id LIMIT 30",
    "SELECT id, n_int, n_str, n_dbl FROM tn WHERE id < 30 ORDER BY id", ["id", "n_int", "n_str", "n_dbl"],
    check="ordered", limit=30, features=["null_handling", "select"])
add("nh_arith", f"{NH}SELECT id, n_int + 1, n_dbl * 2 FROM {T} WHERE id < 30 ORDER BY id LIMIT 30",
    "SELECT id, (n_int + 1)::DOUBLE, n_dbl * 2 FROM tn WHERE id < 30 ORDER BY id", ["id", "plus(n_int,'1')", "times(n_dbl,'2')"],
    check="ordered", limit=30, features=["null_handling", "arithmetic"])
add("nh_group_null_key", f"{NH}SELECT n_str, COUNT(*), SUM(n_int) FROM {T} GROUP BY n_str ORDER BY n_str",
    "SELECT n_str, COUNT(*), SUM(n_int)::DOUBLE FROM tn GROUP BY n_str ORDER BY n_str ASC NULLS LAST",
    ["n_str", "count(*)", "sum(n_int)"], check="ordered", limit=10, features=["null_handling", "group_by"],
    note="Pinot sorts nulls last for ASC (first for DESC); DuckDB is told so explicitly")
add("nh_order_desc_nulls_first", f"{NH}SELECT id, n_int FROM {T} ORDER BY n_int DESC, id LIMIT 10",
    "SELECT id, n_int FROM tn ORDER BY n_int DESC NULLS FIRST, id", ["id", "n_int"], check="ordered", limit=10,
    features=["null_handling", "order_by"])
add("nh_order_asc_nulls_last", f"{NH}SELECT id, n_dbl FROM {T} WHERE i_dim = 3 ORDER BY n_dbl, id LIMIT 300",
    "SELECT id, n_dbl FROM tn WHERE i_dim = 3 ORDER BY n_dbl ASC NULLS LAST, id", ["id", "n_dbl"], check="ordered",
    limit=300, features=["null_handling", "order_by"])
add("nh_empty_aggs", f"{NH}SELECT SUM(n_int), MIN(n_int), MAX(n_int), AVG(n_int), COUNT(n_int) FROM {T} WHERE id < 0",
    "SELECT SUM(n_int)::DOUBLE, MIN(n_int)::DOUBLE, MAX(n_int)::DOUBLE, AVG(n_int), COUNT(n_int) FROM tn WHERE id < 0",
    ["sum(n_int)", "min(n_int)", "max(n_int)", "avg(n_int)", "count(n_int)"], features=["null_handling", "aggregation", "empty"],
    note="with null handling an aggregation over nothing is null (COUNT 0)")
add("nh_all_null_aggs", f"{NH}SELECT SUM(n_int), MAX(n_dbl), COUNT(n_int), COUNT(*) FROM {T} WHERE n_int IS NULL AND n_dbl IS NULL",
    "SELECT SUM(n_int)::DOUBLE, MAX(n_dbl), COUNT(n_int), COUNT(*) FROM tn WHERE n_int IS NULL AND n_dbl IS NULL",
    ["sum(n_int)", "max(n_dbl)", "count(n_int)", "count(*)"], features=["null_handling", "aggregation"])
add("nh_group_by_int", f"{NH}SELECT n_int, COUNT(*) FROM {T} WHERE n_int IS NULL OR n_int > 95 GROUP BY n_int ORDER BY n_int DESC",
    "SELECT n_int, COUNT(*) FROM tn WHERE n_int IS NULL OR n_int > 95 GROUP BY n_int ORDER BY n_int DESC NULLS FIRST",
    ["n_int", "count(*)"], check="ordered", limit=10, features=["null_handling", "group_by"])
add("nh_key_case_insensitive", f"SET enablenullhandling = true; SELECT COUNT(n_dbl) FROM {T}",
    "SELECT COUNT(n_dbl) FROM tn", ["count(n_dbl)"], features=["null_handling", "options"],
    note="option keys are case-insensitive")
add("nh_with_option_and_set", f"{NH}SELECT MIN(n_dbl), COUNT(n_dbl) FROM {T} WHERE i_dim < 0 OPTION(timeoutMs=60000)",
    "SELECT MIN(n_dbl), COUNT(n_dbl) FROM tn WHERE i_dim < 0", ["min(n_dbl)", "count(n_dbl)"], features=["null_handling", "options"])
NHO = "enableNullHandling=true"
add("nhcli_count", f"SELECT COUNT(n_str), COUNT(*) FROM {T}", "SELECT COUNT(n_str), COUNT(*) FROM tn",
    ["count(n_str)", "count(*)"], options=NHO, features=["null_handling", "options"])
add("nhcli_filter", f"SELECT COUNT(*) FROM {T} WHERE n_int IS NULL OR n_dbl >= 500",
    "SELECT COUNT(*) FROM tn WHERE n_int IS NULL OR n_dbl >= 500", ["count(*)"], options=NHO,
    features=["null_handling", "options"])
add("nhcli_avg_group", f"SELECT Carrier, AVG(n_int) FROM {T} GROUP BY Carrier ORDER BY Carrier",
    "SELECT Carrier, AVG(n_int) FROM tn GROUP BY Carrier ORDER BY Carrier", ["Carrier", "avg(n_int)"], check="ordered",
    limit=10, options=NHO, features=["null_handling", "options", "group_by"])
add("nh_off_default", f"SET enableNullHandling = false; SELECT COUNT(n_int), AVG(m_int) FROM {T}",
    "SELECT COUNT(*), AVG(m_int) FROM t", ["count(*)", "avg(m_int)"], features=["options", "defaults"])

# ---------------------------------------------------------------------------
# Errors

add("err_unknown_column", f"SELECT nope FROM {T}", "", [], check="error", features=["error"])

# ---------------------------------------------------------------------------


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        for c in CASES:
            f.write(json.dumps(c, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
