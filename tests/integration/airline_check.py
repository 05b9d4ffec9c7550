#!/usr/bin/env python3
"""Runs the airlineStats query suite through `tannin sql` and checks every
answer with the comparison rules of shared/tools/pinot-suite (imported from
there, not copied): exact, subset and ordered_ties checks, numeric
tolerance, and (always, here) the exact Pinot column names.

usage: airline_check.py TANNIN_BIN SHARED_DATA_DIR [--layout L] [--show N]
Prints one line per failure and ends with `N passed, M failed, K skipped`."""
import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys


def load_suite(shared_dir):
    path = os.path.join(shared_dir, "..", "..", "tools", "pinot-suite")
    loader = importlib.machinery.SourceFileLoader("pinot_suite", path)
    spec = importlib.util.spec_from_loader("pinot_suite", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        print(__doc__)
        return 2
    binary, data = args[0], args[1]
    layout = "mixed"
    show = 20
    if "--layout" in args:
        layout = args[args.index("--layout") + 1]
    if "--show" in args:
        show = int(args[args.index("--show") + 1])
    suite = load_suite(data)
    expected = os.path.join(data, "expected-200.jsonl")
    recs = [json.loads(l) for l in open(expected)]
    out = subprocess.run(
        [binary, "sql", "--schema", os.path.join(data, "airlineStats_schema.json"),
         "--data", os.path.join(data, "airlineStats.jsonl"), "--layout", layout,
         "--queries", expected],
        capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        print("tannin sql failed (exit %d): %s" % (out.returncode, out.stderr[-2000:]))
        print("0 passed, %d failed, 0 skipped" % len(recs))
        return 1
    lines = out.stdout.splitlines()
    passed = failed = skipped = 0
    for i, rec in enumerate(recs):
        if rec.get("reference") == "none":
            skipped += 1
            continue
        reason = None
        try:
            resp = json.loads(lines[i])
        except (IndexError, ValueError) as ex:
            reason = "no JSON response (%s)" % ex
            resp = {}
        if reason is None and resp.get("exceptions"):
            reason = "exceptions: %s" % json.dumps(resp["exceptions"])[:300]
        if reason is None:
            rt = resp.get("resultTable") or {}
            names = (rt.get("dataSchema") or {}).get("columnNames")
            if names != rec.get("columns"):
                reason = "columns: expected %s, got %s" % (rec.get("columns"), names)
            else:
                reason = suite.compare(rec, rt.get("rows") or [])
        if reason is None:
            passed += 1
        else:
            failed += 1
            if failed <= show:
                print("FAIL %s: %s\n     %s" % (rec["id"], rec["sql"], reason[:400]))
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
