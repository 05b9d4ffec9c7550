#!/usr/bin/env node
// Differential test of Tannin's SQL engine against DuckDB.
//
// usage: node run.mjs --bin TANNIN --data DIR --cases CASES.jsonl [--node-modules DIR]
//                     [--layouts mixed,sealed,mutable] [--only SUBSTR] [--show N] [--verbose]
//
// --node-modules: where @duckdb/node-api is installed (tools/node/node_modules);
// --only: run the cases whose id contains SUBSTR or that have feature SUBSTR.
//
// DIR is what gen.py wrote (schema.json, rows.jsonl, duck.jsonl, meta.json);
// CASES.jsonl is what cases.py wrote. Every case runs through DuckDB once, and
// through Tannin once per layout: all cases that share a flavour (HTTP or
// --pg) and --options go through ONE `tannin sql --queries` invocation per
// layout. A case passes when every layout's answer matches.
//
// Comparison rules (those of shared/tools/pinot-suite, re-implemented here so
// this test does not need shared/ beside the clone):
//   * result column names must equal the case's `columns` (Pinot's naming is
//     part of the contract), and column types its `types` when given;
//   * numbers match with relative tolerance 1e-6 (absolute 1e-9), or a
//     case's per-column `tol` ({rel, abs}) for approximate functions; two
//     integers held exactly (64-bit) must be equal; "Infinity", "-Infinity",
//     "NaN" strings equal the float values; multi-value (array) cells compare
//     as multisets;
//   * check "exact":   rows equal as a multiset (no ORDER BY, or one row);
//     check "ordered": DuckDB returns every matching row in order (no LIMIT),
//                      the case gives the window (offset, limit); Tannin's
//                      rows must be that window, except that rows whose sort
//                      keys (`keys`, DuckDB column indexes; default all
//                      columns) tie may come in any order, and the window may
//                      cut a tie group anywhere (any rows of that group);
//     check "subset":  no ORDER BY and a LIMIT: min(limit, total) distinct
//                      rows, each one of DuckDB's rows;
//     check "groups_limit": numGroupsLimit was hit (the case's `flags` require
//                      numGroupsLimitReached): every row's key (the first
//                      `nkeys` columns) must be a real group, and its values
//                      no more than the true ones (a trimmed group may miss
//                      rows), at most `limit` rows;
//     check "error":   Tannin must answer with an exception (code `code`).
//   * `visible` (default: all) is how many leading DuckDB columns Tannin
//     returns; the others are sort keys of ORDER BY columns not selected.
//   * `flags` are response fields that must have the given values.
// Ends with `N passed, M failed, K skipped`; exit status 1 when anything failed.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const REL_TOL = 1e-6;
const ABS_TOL = 1e-9;
const SPECIAL = { 'Infinity': Infinity, '-Infinity': -Infinity, 'NaN': NaN };

// ---------------------------------------------------------------------------
// arguments

function parseArgs(argv) {
  const a = { layouts: 'mixed,sealed,mutable', show: 40, only: null, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => argv[++i];
    if (k === '--bin') a.bin = v();
    else if (k === '--data') a.data = v();
    else if (k === '--cases') a.cases = v();
    else if (k === '--layouts') a.layouts = v();
    else if (k === '--only') a.only = v();
    else if (k === '--show') a.show = Number(v());
    else if (k === '--node-modules') a.nodeModules = v();
    else if (k === '--verbose') a.verbose = true;
    else throw new Error(`unknown argument ${k}`);
  }
  if (!a.bin || !a.data || !a.cases) {
    console.error('usage: node run.mjs --bin TANNIN --data DIR --cases CASES.jsonl [--node-modules DIR] [--layouts L,L] [--only S] [--show N] [--verbose]');
    process.exit(2);
  }
  return a;
}

// ---------------------------------------------------------------------------
// JSON with exact integers: integer literals become BigInt, others Number.
// (Tannin writes LONG values exactly, e.g. -9223372036854775808.)

function parseJsonExact(text) {
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\r\n'.includes(text[i])) i++; };
  const fail = (m) => { throw new Error(`JSON: ${m} at ${i}`); };
  function value() {
    ws();
    const c = text[i];
    if (c === '{') {
      i++; const o = {}; ws();
      if (text[i] === '}') { i++; return o; }
      for (;;) {
        ws(); const k = str(); ws();
        if (text[i++] !== ':') fail('expected :');
        o[k] = value(); ws();
        const d = text[i++];
        if (d === '}') return o;
        if (d !== ',') fail('expected , or }');
      }
    }
    if (c === '[') {
      i++; const arr = []; ws();
      if (text[i] === ']') { i++; return arr; }
      for (;;) {
        arr.push(value()); ws();
        const d = text[i++];
        if (d === ']') return arr;
        if (d !== ',') fail('expected , or ]');
      }
    }
    if (c === '"') return str();
    if (text.startsWith('true', i)) { i += 4; return true; }
    if (text.startsWith('false', i)) { i += 5; return false; }
    if (text.startsWith('null', i)) { i += 4; return null; }
    const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
    if (!m) fail('unexpected character');
    i += m[0].length;
    return (m[1] || m[2]) ? Number(m[0]) : BigInt(m[0]);
  }
  function str() {
    if (text[i] !== '"') fail('expected string');
    let j = i + 1;
    for (;;) {
      const c = text[j];
      if (c === undefined) fail('unterminated string');
      if (c === '"') break;
      if (c === '\\') { j += 2; continue; }
      j++;
    }
    const s = JSON.parse(text.slice(i, j + 1));
    i = j + 1;
    return s;
  }
  const v = value(); ws();
  if (i !== text.length) fail('trailing characters');
  return v;
}

// ---------------------------------------------------------------------------
// values

/** A float for numbers and special float strings, else null. */
function asNumber(v) {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && v in SPECIAL) return SPECIAL[v];
  return null;
}

function numEq(a, b, tol) {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  if (tol) return Math.abs(a - b) <= (tol.rel || 0) * Math.abs(a) + (tol.abs || 0) + ABS_TOL;
  return Math.abs(a - b) <= Math.max(ABS_TOL, REL_TOL * Math.max(Math.abs(a), Math.abs(b)));
}

function scalarKey(v) {
  const n = asNumber(v);
  if (n !== null) {
    if (typeof v === 'bigint') return 'n' + v.toString();
    if (Number.isFinite(n) && Number.isInteger(n)) return 'n' + n.toString();
    return 'n' + (Number.isFinite(n) ? n.toPrecision(15) : String(n));
  }
  return 's' + JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? x.toString() : x));
}

/** Expected value e (DuckDB) against actual a (Tannin). */
function valueEq(e, a, tol) {
  if (Array.isArray(e)) {
    if (!Array.isArray(a) || a.length !== e.length) return false;
    const es = [...e].sort((x, y) => cmpKey(scalarKey(x), scalarKey(y)));
    const as = [...a].sort((x, y) => cmpKey(scalarKey(x), scalarKey(y)));
    return es.every((x, i) => valueEq(x, as[i], tol));
  }
  if (e === null || e === undefined) return a === null;
  const en = asNumber(e);
  if (en !== null) {
    const an = asNumber(a);
    if (an === null) return false;
    if (typeof e === 'bigint' && typeof a === 'bigint' && !tol) return e === a;
    return numEq(en, an, tol);
  }
  if (typeof e === 'boolean') return a === e;
  return e === a;
}

function cmpKey(a, b) { return a < b ? -1 : a > b ? 1 : 0; }

function rowEq(e, a, tols) {
  if (!Array.isArray(a) || a.length !== e.length) return false;
  return e.every((x, i) => valueEq(x, a[i], tols ? tols[i] : null));
}

function rowKey(r) { return r.map((v) => (Array.isArray(v) ? 'a' + v.map(scalarKey).sort().join('|') : scalarKey(v))).join('\u0001'); }

/** A multiset of rows with exact lookup first, tolerant scan second. */
class Pool {
  constructor(rows, tols) {
    this.tols = tols;
    this.items = rows.map((r) => ({ r, n: 1 }));
    this.index = new Map();
    this.items.forEach((it, i) => {
      const k = rowKey(it.r);
      if (!this.index.has(k)) this.index.set(k, []);
      this.index.get(k).push(i);
    });
  }
  take(row) {
    for (const i of this.index.get(rowKey(row)) || []) {
      if (this.items[i].n > 0 && rowEq(this.items[i].r, row, this.tols)) { this.items[i].n--; return true; }
    }
    for (const it of this.items) {
      if (it.n > 0 && rowEq(it.r, row, this.tols)) { it.n--; return true; }
    }
    return false;
  }
}

function fmt(v) {
  const s = JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? Number(x)
    : (typeof x === 'number' && !Number.isFinite(x)) ? String(x) : x));
  return s && s.length > 300 ? s.slice(0, 300) + '...' : s;
}

// ---------------------------------------------------------------------------
// checks: each returns null when the answer is right, else the reason

function compareRows(c, exp, act) {
  const vis = c.visible ?? (exp.length ? exp[0].length : null);
  const tols = c.tol || null;
  const cut = (r) => (vis === null ? r : r.slice(0, vis));
  const check = c.check || 'exact';
  if (check === 'exact') {
    if (act.length !== exp.length) return `expected ${exp.length} rows, got ${act.length}` + sample(act);
    const pool = new Pool(exp.map(cut), tols);
    for (let p = 0; p < act.length; p++) {
      if (!pool.take(act[p])) return `row ${p} ${fmt(act[p])} is not among the expected rows (e.g. ${fmt(cut(exp[p]))})`;
    }
    return null;
  }
  if (check === 'subset') {
    const want = Math.min(c.limit, exp.length);
    if (act.length !== want) return `expected ${want} of ${exp.length} matching rows, got ${act.length}` + sample(act);
    const pool = new Pool(exp.map(cut), tols);
    for (let p = 0; p < act.length; p++) {
      if (!pool.take(act[p])) return `row ${p} ${fmt(act[p])} is not one of the ${exp.length} matching rows (or appears too often)`;
    }
    return null;
  }
  if (check === 'ordered') {
    const off = c.offset || 0;
    const lim = c.limit ?? exp.length;
    const want = Math.max(0, Math.min(lim, exp.length - off));
    if (act.length !== want) return `expected ${want} rows (window ${off}+${lim} of ${exp.length}), got ${act.length}` + sample(act);
    const keys = c.keys || null;
    const keyOf = (r) => rowKey(keys ? keys.map((k) => r[k]) : r);
    // tie groups over the full expected order
    const group = new Array(exp.length);
    let g = -1, prev = null;
    for (let i = 0; i < exp.length; i++) {
      const k = keyOf(exp[i]);
      if (k !== prev) { g++; prev = k; }
      group[i] = g;
    }
    const pools = new Map();
    for (let p = 0; p < want; p++) {
      const gi = group[off + p];
      if (!pools.has(gi)) {
        const members = [];
        for (let i = 0; i < exp.length; i++) if (group[i] === gi) members.push(cut(exp[i]));
        pools.set(gi, { pool: new Pool(members, tols), size: members.length });
      }
      const { pool, size } = pools.get(gi);
      if (!pool.take(act[p])) {
        return size === 1 ? `row ${p}: expected ${fmt(cut(exp[off + p]))}, got ${fmt(act[p])}`
          : `row ${p} ${fmt(act[p])} is not one of the ${size} rows tied at that position (e.g. ${fmt(cut(exp[off + p]))})`;
      }
    }
    return null;
  }
  if (check === 'groups_limit') {
    const nk = c.nkeys || 1;
    const truth = new Map(exp.map((r) => [rowKey(r.slice(0, nk)), r]));
    if (act.length > (c.limit ?? Infinity)) return `more rows than the LIMIT: ${act.length}`;
    if (act.length === 0) return 'no rows';
    for (let p = 0; p < act.length; p++) {
      const t = truth.get(rowKey(act[p].slice(0, nk)));
      if (!t) return `row ${p} ${fmt(act[p])}: no such group`;
      for (let j = nk; j < t.length; j++) {
        const e = asNumber(t[j]), a = asNumber(act[p][j]);
        if (a === null || a > e + ABS_TOL) return `row ${p} ${fmt(act[p])}: value ${j} above the true ${fmt(t[j])}`;
      }
    }
    return null;
  }
  return `unknown check ${check}`;
}

function sample(act) { return act.length ? ` (first: ${fmt(act.slice(0, 3))})` : ''; }

function checkResponse(c, exp, resp) {
  if (!resp) return 'no response';
  const exc = resp.exceptions || [];
  if (c.check === 'error') {
    if (!exc.length) return `expected an error, got ${fmt((resp.resultTable || {}).rows)}`;
    if (c.code !== undefined && BigInt(exc[0].errorCode) !== BigInt(c.code)) return `expected error code ${c.code}, got ${fmt(exc)}`;
    return null;
  }
  if (exc.length) return `exceptions: ${fmt(exc)}`;
  const rt = resp.resultTable;
  if (!rt) return 'no resultTable';
  // every problem of the answer, not just the first: names, types, flags, rows
  const problems = [];
  const names = (rt.dataSchema || {}).columnNames;
  if (fmt(names) !== fmt(c.columns)) problems.push(`columns: expected ${fmt(c.columns)}, got ${fmt(names)}`);
  if (c.types) {
    const types = (rt.dataSchema || {}).columnDataTypes;
    if (fmt(types) !== fmt(c.types)) problems.push(`column types: expected ${fmt(c.types)}, got ${fmt(types)}`);
  }
  for (const [k, v] of Object.entries(c.flags || {})) {
    if (fmt(resp[k]) !== fmt(v)) problems.push(`${k}: expected ${fmt(v)}, got ${fmt(resp[k])}`);
  }
  const rows = compareRows(c, exp, rt.rows || []);
  if (rows) problems.push(rows);
  return problems.length ? problems.join('; ') : null;
}

// ---------------------------------------------------------------------------
// DuckDB

function duckValue(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(duckValue);
  if (v && Array.isArray(v.items)) return v.items.map(duckValue);   // DuckDBListValue
  return String(v);
}

async function openDuck(args, meta) {
  // resolve @duckdb/node-api from --node-modules (tools/node/node_modules) or next to this script
  let mod;
  const bases = [args.nodeModules && path.resolve(args.nodeModules, '..', 'x.js'), import.meta.url].filter(Boolean);
  for (const b of bases) {
    try { mod = await import(pathToFileURL(createRequire(b).resolve('@duckdb/node-api')).href); break; } catch (e) { /* next */ }
  }
  if (!mod) throw new Error('@duckdb/node-api not found (run tools/node/install.sh)');
  const inst = await mod.DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  const run = async (sql) => (await con.runAndReadAll(sql));
  await run("SET TimeZone = 'UTC'");
  const cols = meta.columns;
  const spec = cols.map((c) => `"${c.name}": '${c.duck_type}'`).join(', ');
  const file = path.join(args.data, 'duck.jsonl').replace(/'/g, "''");
  await run(`CREATE TABLE raw AS SELECT * FROM read_json('${file}', format = 'newline_delimited', columns = {${spec}})`);
  // tn: the rows with real SQL NULLs (what enableNullHandling=true must see).
  await run('CREATE VIEW tn AS SELECT * FROM raw');
  // t: Pinot's default-value semantics. Ingestion replaces a null by the
  // column's default null value (dimension INT MIN_VALUE, LONG MIN_VALUE,
  // FLOAT/DOUBLE -Infinity, STRING "null", BOOLEAN false, TIMESTAMP 0;
  // metrics 0) and an empty multi-value array by a one-element array of it;
  // queries without null handling see those values like any other.
  const sel = cols.map((c) => (c.single_value
    ? `COALESCE("${c.name}", ${c.duck_default}) AS "${c.name}"`
    : `CASE WHEN "${c.name}" IS NULL OR len("${c.name}") = 0 THEN ${c.duck_default} ELSE "${c.name}" END AS "${c.name}"`));
  await run(`CREATE VIEW t AS SELECT ${sel.join(', ')} FROM raw`);
  // Pinot renders a TIMESTAMP value with java.sql.Timestamp.toString() in
  // UTC: "2024-02-20 00:00:00.0", millis without trailing zeros.
  await run(`CREATE MACRO pinot_ts(ms) AS strftime(make_timestamp(ms * 1000), '%Y-%m-%d %H:%M:%S') || '.' ||
             coalesce(nullif(rtrim(lpad(CAST(ms % 1000 AS VARCHAR), 3, '0'), '0'), ''), '0')`);
  // Pinot's exact PERCENTILE: sort the values, take element (int)(n*p/100),
  // the last one for p = 100, -Infinity for no values. DuckDB's
  // quantile_disc picks a different element, so it is computed by hand.
  await run(`CREATE MACRO pinot_pct(l, p) AS CASE WHEN l IS NULL OR len(l) = 0 THEN '-infinity'::DOUBLE
             WHEN p >= 100 THEN list_sort(l)[len(l)]::DOUBLE
             ELSE list_sort(l)[CAST(floor(len(l) * p / 100.0) AS BIGINT) + 1]::DOUBLE END`);
  // Epoch millis <-> zoned wall-clock time (DuckDB's ICU time zones).
  await run(`CREATE MACRO local_ts(ms, tz) AS timezone(tz, make_timestamp(ms * 1000)::TIMESTAMPTZ)`);
  await run(`CREATE MACRO tz_trunc(unit, ms, tz) AS epoch_ms(timezone(tz, date_trunc(unit, local_ts(ms, tz))))`);
  await run(`CREATE MACRO utc_trunc(unit, ms) AS epoch_ms(date_trunc(unit, make_timestamp(ms * 1000)))`);
  return {
    async query(sql) {
      const r = await run(sql);
      return r.getRowsJS().map((row) => row.map(duckValue));
    },
  };
}

// ---------------------------------------------------------------------------
// Tannin

function runTannin(args, layout, group, cases, tmp) {
  const qfile = path.join(tmp, `q-${layout}-${group.idx}.jsonl`);
  fs.writeFileSync(qfile, cases.map((c) => JSON.stringify({ sql: c.tannin }) + '\n').join(''));
  const argv = ['sql', '--schema', path.join(args.data, 'schema.json'), '--data', path.join(args.data, 'rows.jsonl'),
    '--layout', layout, '--queries', qfile];
  if (group.flavour === 'pg') argv.push('--pg');
  if (group.options) argv.push('--options', group.options);
  const t0 = Date.now();
  const out = spawnSync(args.bin, argv, { encoding: 'utf8', maxBuffer: 1 << 30, timeout: 300000 });
  const ms = Date.now() - t0;
  const lines = (out.stdout || '').split('\n');
  const resps = cases.map((c, i) => {
    try { return parseJsonExact(lines[i]); } catch (e) { return null; }
  });
  let err = null;
  if (out.error) err = String(out.error);
  else if (out.status !== 0) err = `exit ${out.status ?? out.signal}: ${(out.stderr || '').slice(-1500)}`;
  return { resps, err, ms, argv };
}

// ---------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const meta = JSON.parse(fs.readFileSync(path.join(args.data, 'meta.json'), 'utf8'));
  let cases = fs.readFileSync(args.cases, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  const ids = new Set();
  for (const c of cases) {
    if (ids.has(c.id)) throw new Error(`duplicate case id ${c.id}`);
    ids.add(c.id);
  }
  if (args.only) cases = cases.filter((c) => c.id.includes(args.only) || (c.features || []).includes(args.only));
  const skipped = cases.filter((c) => c.skip);
  cases = cases.filter((c) => !c.skip);

  const duck = await openDuck(args, meta);
  const expected = new Map();
  const duckErrors = new Map();
  for (const c of cases) {
    if (c.check === 'error') { expected.set(c.id, []); continue; }
    try { expected.set(c.id, await duck.query(c.duckdb)); } catch (e) { duckErrors.set(c.id, String(e.message || e).split('\n')[0]); }
  }

  // one Tannin invocation per (flavour, options) group and layout
  const groups = new Map();
  for (const c of cases) {
    const key = `${c.flavour || 'http'}\u0001${c.options || ''}`;
    if (!groups.has(key)) groups.set(key, { idx: groups.size, flavour: c.flavour || 'http', options: c.options || '', cases: [] });
    groups.get(key).cases.push(c);
  }
  const layouts = args.layouts.split(',').filter(Boolean);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tn-sqldiff-'));
  const failures = new Map();   // id -> [{layout, reason}]
  const addFail = (id, layout, reason) => {
    if (!failures.has(id)) failures.set(id, []);
    failures.get(id).push({ layout, reason });
  };
  for (const layout of layouts) {
    for (const g of groups.values()) {
      const r = runTannin(args, layout, g, g.cases, tmp);
      if (args.verbose) console.log(`tannin ${layout} ${g.flavour} options='${g.options}': ${g.cases.length} queries, ${r.ms} ms`);
      g.cases.forEach((c, i) => {
        if (duckErrors.has(c.id)) return;
        let reason = r.resps[i] ? checkResponse(c, expected.get(c.id), r.resps[i]) : 'no JSON response';
        if (reason && r.err && !r.resps[i]) reason += ` (tannin ${r.err})`;
        if (reason) addFail(c.id, layout, reason);
      });
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });

  let passed = 0, failed = 0, shown = 0;
  for (const c of cases) {
    let reason = null;
    if (duckErrors.has(c.id)) reason = [{ layout: 'duckdb', reason: `DuckDB query failed: ${duckErrors.get(c.id)}` }];
    else if (failures.has(c.id)) reason = failures.get(c.id);
    if (!reason) { passed++; continue; }
    failed++;
    if (shown++ < args.show) {
      // one line per distinct reason, naming the layouts that gave it
      const byReason = new Map();
      for (const f of reason) {
        if (!byReason.has(f.reason)) byReason.set(f.reason, []);
        byReason.get(f.reason).push(f.layout);
      }
      console.log(`FAIL ${c.id}: ${c.tannin}`);
      for (const [r, ls] of byReason) console.log(`     [${ls.join(',')}] ${r}`);
      if (c.note) console.log(`     note: ${c.note}`);
    }
  }
  if (shown > args.show) console.log(`... ${shown - args.show} more failures not shown`);
  for (const c of skipped) if (args.verbose) console.log(`SKIP ${c.id}: ${c.skip}`);
  console.log(`${passed} passed, ${failed} failed, ${skipped.length} skipped`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(2); });
