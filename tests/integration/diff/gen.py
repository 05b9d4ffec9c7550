#!/usr/bin/env python3
"""Deterministic data for the SQL differential test (Tannin vs DuckDB).

usage: gen.py OUTDIR [--rows N] [--seed S]

Writes into OUTDIR:
  schema.json   Pinot schema of table `difftest`
  rows.jsonl    the rows as Tannin ingests them: a null is sometimes a missing
                key, sometimes JSON null, and an empty multi-value column is
                sometimes [], null or missing (Pinot treats all alike)
  duck.jsonl    the same rows for DuckDB: every key present, every null a
                JSON null, an empty multi-value column null
  meta.json     per column: DuckDB type, multi-value flag, and the Pinot
                default null value, so the runner can build DuckDB views with
                Pinot's default-value semantics (COALESCE) or real NULLs

Python 3 standard library only. Same seed, same bytes.
"""
import json
import os
import random
import sys

T0 = 1708387200000            # 2024-02-20T00:00:00Z: 60 days cross Feb 29, 3 month
SPAN_MS = 60 * 86400 * 1000   # starts, and the US (Mar 10) and EU (Mar 31) DST changes

# Low cardinality, with unicode, quotes, a lower-case value (sorts after the
# upper-case ones) and LIKE metacharacters.
CARRIERS = ["AA", "DL", "UA", "WN", "Zürich Air", "O'Hare Express", "東京航空",
            'Say "Hi"', "b-low", "50%_off"]
CARRIER_W = [30, 25, 20, 15, 4, 3, 3, 2, 2, 1]
CITIES = ["São Paulo", "Montréal", "Köln", "Zürich", "Paris", "Berlin", "Boston",
          "Seattle", "Austin", "Denver", "Chicago", "Dallas", "Miami", "Atlanta",
          "Portland", "Phoenix", "Houston", "Detroit", "Raleigh", "Tampa",
          "東京", "大阪", "Łódź", "Kraków", "Málaga", "Sevilla", "Bogotá", "Lima",
          "Quito", "Oslo", "Bergen", "Århus", "Genève", "Bern", "Basel", "Luzern",
          "St. John's", "Rock_Hill", "Salt Lake City", "Santa Fe"]
COLORS = ["red", "green", "blue", "cyan", "magenta", "yellow", "black", "white"]
WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "Ωmega", "it's", "Beta"]

# name, Pinot data type, field kind, single-value, DuckDB type, default null value
COLUMNS = [
    ("id", "INT", "dimension", True, "INTEGER", -2147483648),
    ("i_dim", "INT", "dimension", True, "INTEGER", -2147483648),
    ("l_dim", "LONG", "dimension", True, "BIGINT", -9223372036854775808),
    ("f_dim", "FLOAT", "dimension", True, "FLOAT", "-Infinity"),
    ("d_dim", "DOUBLE", "dimension", True, "DOUBLE", "-Infinity"),
    ("b_dim", "BOOLEAN", "dimension", True, "BOOLEAN", False),
    ("Carrier", "STRING", "dimension", True, "VARCHAR", "null"),
    ("user_id", "STRING", "dimension", True, "VARCHAR", "null"),
    ("city", "STRING", "dimension", True, "VARCHAR", "null"),
    ("tags", "STRING", "dimension", False, "VARCHAR[]", "null"),
    ("nums", "INT", "dimension", False, "INTEGER[]", -2147483648),
    ("n_int", "INT", "dimension", True, "INTEGER", -2147483648),
    ("n_str", "STRING", "dimension", True, "VARCHAR", "null"),
    ("n_dbl", "DOUBLE", "dimension", True, "DOUBLE", "-Infinity"),
    ("m_int", "INT", "metric", True, "INTEGER", 0),
    ("m_long", "LONG", "metric", True, "BIGINT", 0),
    ("m_dbl", "DOUBLE", "metric", True, "DOUBLE", 0),
    ("ts", "LONG", "datetime", True, "BIGINT", -9223372036854775808),
    ("ts_ts", "TIMESTAMP", "datetime", True, "BIGINT", 0),
]


def schema():
    dims, mets, dts = [], [], []
    for name, typ, kind, sv, _, _ in COLUMNS:
        spec = {"name": name, "dataType": typ}
        if not sv:
            spec["singleValueField"] = False
        if kind == "dimension":
            dims.append(spec)
        elif kind == "metric":
            mets.append(spec)
        else:
            spec["format"] = "1:MILLISECONDS:TIMESTAMP" if typ == "TIMESTAMP" else "1:MILLISECONDS:EPOCH"
            spec["granularity"] = "1:MILLISECONDS"
            dts.append(spec)
    return {"schemaName": "difftest", "dimensionFieldSpecs": dims, "metricFieldSpecs": mets,
            "dateTimeFieldSpecs": dts}


def make_rows(n, rng):
    rows = []
    step = SPAN_MS // n
    for i in range(n):
        # ts is unique (one slot of `step` ms per row), so LASTWITHTIME has one answer
        ts = T0 + i * step + rng.randrange(step)
        r = {
            "id": i,
            "i_dim": rng.randint(-50, 50),
            "l_dim": rng.choice([1 << 40, -(1 << 40)]) if rng.random() < 0.01
            else rng.randint(-10 ** 12, 10 ** 12),
            # multiples of 1/4 and 1/8: exact in FLOAT/DOUBLE, so sums are exact too
            "f_dim": rng.randint(-2000, 2000) * 0.25,
            "d_dim": rng.randint(-80000, 80000) * 0.125,
            "b_dim": rng.random() < 0.4,
            "Carrier": rng.choices(CARRIERS, CARRIER_W)[0],
            "user_id": "u%05d" % rng.randrange(5000),
            "city": rng.choice(CITIES),
            "tags": rng.sample(COLORS, rng.randint(0, 4)),
            "nums": rng.sample(range(-20, 21), rng.randint(0, 3)),
            "n_int": None if rng.random() < 0.2 else rng.randint(-100, 100),
            "n_str": None if rng.random() < 0.2 else rng.choice(WORDS),
            "n_dbl": None if rng.random() < 0.2 else rng.randint(-2000, 2000) * 0.5,
            "m_int": None if rng.random() < 0.05 else rng.randint(0, 1000),
            "m_long": rng.randint(0, 10 ** 9),
            "m_dbl": rng.randint(-4000, 4000) * 0.25,
            "ts": ts,
            # whole seconds for even ids (renders as ".0"), two hours earlier with
            # the millis kept for odd ids (".5", ".05", ".123" ...)
            "ts_ts": (ts // 1000) * 1000 if i % 2 == 0 else ts - 7200000,
        }
        rows.append(r)
    rng.shuffle(rows)   # arrival order is not time order
    return rows


def pinot_line(r, rng):
    """The row as Tannin ingests it; nulls take one of the JSON forms Pinot accepts."""
    out = {}
    for name, _, _, sv, _, _ in COLUMNS:
        v = r[name]
        if sv and v is None:
            if rng.random() < 0.5:
                continue            # missing key
            out[name] = None        # JSON null
        elif not sv and not v:
            k = rng.randrange(3)
            if k == 0:
                continue
            out[name] = [] if k == 1 else None
        else:
            out[name] = v
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


def duck_line(r):
    out = {}
    for name, _, _, sv, _, _ in COLUMNS:
        v = r[name]
        out[name] = v if (sv or v) else None
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


def duck_default(col):
    """The Pinot default null value as a DuckDB SQL expression of the column's type."""
    _, _, _, _, dtype, d = col
    base = dtype.rstrip("[]")
    if isinstance(d, bool):
        lit = "true" if d else "false"
    elif isinstance(d, str) and d.endswith("Infinity"):
        lit = "'%s'::%s" % (d.lower(), base)
    elif isinstance(d, str):
        lit = "'%s'" % d
    else:
        lit = "(%d)::%s" % (d, base)
    return "[%s]" % lit if dtype.endswith("[]") else lit


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__)
        return 2
    outdir = args[0]
    n = int(args[args.index("--rows") + 1]) if "--rows" in args else 20000
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 20240220
    os.makedirs(outdir, exist_ok=True)
    rng = random.Random(seed)
    rows = make_rows(n, rng)
    with open(os.path.join(outdir, "schema.json"), "w") as f:
        json.dump(schema(), f, indent=1)
    enc_rng = random.Random(seed + 1)
    with open(os.path.join(outdir, "rows.jsonl"), "w", encoding="utf-8") as f:
        for r in rows:
            f.write(pinot_line(r, enc_rng) + "\n")
    with open(os.path.join(outdir, "duck.jsonl"), "w", encoding="utf-8") as f:
        for r in rows:
            f.write(duck_line(r) + "\n")
    meta = {"table": "difftest", "rows": n, "t0": T0, "span_ms": SPAN_MS,
            "columns": [{"name": c[0], "pinot_type": c[1], "kind": c[2], "single_value": c[3],
                         "duck_type": c[4], "duck_default": duck_default(c)} for c in COLUMNS]}
    with open(os.path.join(outdir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
