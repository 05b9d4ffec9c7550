#!/usr/bin/env node
// peers.mjs: the reference engines' side of `tannin bench query`: loads the
// rows Tannin generated (JSON lines from `tannin bench query --export`) into
// one engine, runs the same dashboard queries in that engine's dialect with
// the same parameters (from Tannin's --results file), and writes medians and
// an answer check to --out.
//
// usage: node peers.mjs --engine duckdb|chdb --data ROWS.jsonl --tannin RESULTS.json
//                       --out PEER.json [--reps 7] [--threads 1,2] [--node-modules DIR]
//                       [--order-by ts] [--show]
//
// One engine per process: DuckDB and chDB each bring their own allocator and
// thread pools, and a process of its own gives each the whole machine.
//
//   duckdb  in-memory table, rows in arrival (= time) order, TIMESTAMP ts
//           (zone maps on row groups); threads through SET threads = N.
//   chdb    ClickHouse's engine embedded: a MergeTree table ORDER BY --order-by
//           (default ts: the order Tannin seals by), LowCardinality(String)
//           dimensions (ClickHouse's dictionary encoding), DateTime64(3, 'UTC')
//           ts, merged to one part (OPTIMIZE FINAL); max_threads = N per query.
//
// Only query latency is measured (load is reported, not compared): wall time
// of the call from SQL text to rows in JavaScript, median of --reps runs after
// one warm-up per thread count. Exactness: COUNT(DISTINCT) is exact in all
// three engines (ClickHouse maps it to uniqExact); q10 (t-digest percentile)
// and q11 (HLL in Tannin and DuckDB, ClickHouse's adaptive-sampling uniq) are
// approximate everywhere and compared with a tolerance.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

// ---------------------------------------------------------------------------
// the queries, by Tannin's ids (tools/tn_bench_query.c holds Tannin's SQL).
// {T_...} are epoch-millisecond parameters; lit() renders them as each
// engine's timestamp literal. keys: leading group-key columns; order: the
// column the LIMIT ranks by (null: ordered by key); tol: relative tolerance
// by column for approximate functions.

const Q = {
  q01: {
    keys: 1, order: 1,
    duckdb: `SELECT campaign, COUNT(*) AS views, SUM(bounced) AS bounces FROM pageviews
             WHERE ts >= {T_1H} AND device = 'mobile'
             GROUP BY campaign ORDER BY views DESC LIMIT 10`,
    chdb: `SELECT campaign, COUNT(*) AS views, SUM(bounced) AS bounces FROM pageviews
           WHERE ts >= {T_1H} AND device = 'mobile'
           GROUP BY campaign ORDER BY views DESC LIMIT 10`,
  },
  q02: {
    keys: 2, order: 2,
    duckdb: `SELECT country, device, COUNT(*) AS views, SUM(bounced) AS bounces FROM pageviews
             WHERE ts BETWEEN {T_2H} AND {T_END} AND country IN ('DE', 'FR', 'JP')
             GROUP BY country, device ORDER BY views DESC LIMIT 10`,
    chdb: `SELECT country, device, COUNT(*) AS views, SUM(bounced) AS bounces FROM pageviews
           WHERE ts BETWEEN {T_2H} AND {T_END} AND country IN ('DE', 'FR', 'JP')
           GROUP BY country, device ORDER BY views DESC LIMIT 10`,
  },
  q03: {
    keys: 1, order: null,
    duckdb: `SELECT epoch_ms(date_trunc('minute', ts)) AS minute, COUNT(*) AS views,
                    SUM(bounced) / COUNT(*) AS bounce_rate FROM pageviews
             WHERE ts >= {T_30M} AND campaign = 'cmp001'
             GROUP BY minute ORDER BY minute LIMIT 100`,
    chdb: `SELECT toUnixTimestamp(toStartOfMinute(ts)) * 1000 AS minute, COUNT(*) AS views,
                  SUM(bounced) / COUNT(*) AS bounce_rate FROM pageviews
           WHERE ts >= {T_30M} AND campaign = 'cmp001'
           GROUP BY minute ORDER BY minute LIMIT 100`,
  },
  q04: {
    keys: 1, order: 1,
    duckdb: `SELECT referrer_domain, COUNT(DISTINCT user_id) AS users FROM pageviews
             WHERE ts >= {T_2H} AND country = 'GB'
             GROUP BY referrer_domain ORDER BY users DESC LIMIT 10`,
    chdb: `SELECT referrer_domain, COUNT(DISTINCT user_id) AS users FROM pageviews
           WHERE ts >= {T_2H} AND country = 'GB'
           GROUP BY referrer_domain ORDER BY users DESC LIMIT 10`,
  },
  q05: {
    keys: 3, order: 3,
    duckdb: `SELECT country, device, os, COUNT(*) AS views FROM pageviews
             GROUP BY country, device, os ORDER BY views DESC LIMIT 10`,
    chdb: `SELECT country, device, os, COUNT(*) AS views FROM pageviews
           GROUP BY country, device, os ORDER BY views DESC LIMIT 10`,
  },
  q06: {
    keys: 1, order: 1,
    duckdb: `SELECT landing_page, AVG(time_on_page_ms) AS avg_ms, COUNT(*) AS views FROM pageviews
             WHERE ts >= {T_1H} AND action = 'click_video'
             GROUP BY landing_page ORDER BY avg_ms DESC LIMIT 10`,
    chdb: `SELECT landing_page, AVG(time_on_page_ms) AS avg_ms, COUNT(*) AS views FROM pageviews
           WHERE ts >= {T_1H} AND action = 'click_video'
           GROUP BY landing_page ORDER BY avg_ms DESC LIMIT 10`,
  },
  q07: {
    keys: 0, order: null,
    duckdb: `SELECT COUNT(DISTINCT user_id) AS users FROM pageviews WHERE ts >= {T_15M}`,
    chdb: `SELECT COUNT(DISTINCT user_id) AS users FROM pageviews WHERE ts >= {T_15M}`,
  },
  q08: {
    keys: 0, order: null,
    duckdb: `SELECT COUNT(*) AS bounces FROM pageviews
             WHERE ts >= {T_1H} AND campaign = 'cmp007' AND bounced = 1`,
    chdb: `SELECT COUNT(*) AS bounces FROM pageviews
           WHERE ts >= {T_1H} AND campaign = 'cmp007' AND bounced = 1`,
  },
  q09: {
    keys: 2, order: 2,
    duckdb: `SELECT browser, ab_bucket, SUM(videos_watched) AS videos FROM pageviews
             WHERE ts >= {T_1H} GROUP BY browser, ab_bucket ORDER BY videos DESC LIMIT 10`,
    chdb: `SELECT browser, ab_bucket, SUM(videos_watched) AS videos FROM pageviews
           WHERE ts >= {T_1H} GROUP BY browser, ab_bucket ORDER BY videos DESC LIMIT 10`,
  },
  q10: {
    keys: 1, order: 2, tol: { 1: 0.03 },
    duckdb: `SELECT device, approx_quantile(time_on_page_ms, 0.95) AS p95_ms, COUNT(*) AS views
             FROM pageviews WHERE ts >= {T_30M} AND country = 'US'
             GROUP BY device ORDER BY views DESC LIMIT 10`,
    chdb: `SELECT device, quantileTDigest(0.95)(time_on_page_ms) AS p95_ms, COUNT(*) AS views
           FROM pageviews WHERE ts >= {T_30M} AND country = 'US'
           GROUP BY device ORDER BY views DESC LIMIT 10`,
  },
  q11: {
    keys: 1, order: 1, tol: { 1: 0.25 }, approxRank: true,
    duckdb: `SELECT country, approx_count_distinct(user_id) AS users FROM pageviews
             WHERE ts >= {T_1H} GROUP BY country ORDER BY users DESC LIMIT 10`,
    chdb: `SELECT country, uniq(user_id) AS users FROM pageviews
           WHERE ts >= {T_1H} GROUP BY country ORDER BY users DESC LIMIT 10`,
  },
};

// ---------------------------------------------------------------------------
// arguments

function parseArgs(argv) {
  const a = { reps: 7, threads: [1, 2], orderBy: 'ts', show: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => argv[++i];
    if (k === '--engine') a.engine = v();
    else if (k === '--data') a.data = path.resolve(v());
    else if (k === '--tannin') a.tannin = v();
    else if (k === '--out') a.out = v();
    else if (k === '--reps') a.reps = Number(v());
    else if (k === '--threads') a.threads = v().split(',').map(Number);
    else if (k === '--node-modules') a.nodeModules = v();
    else if (k === '--order-by') a.orderBy = v();
    else if (k === '--show') a.show = true;
    else throw new Error(`unknown argument ${k}`);
  }
  if (!['duckdb', 'chdb'].includes(a.engine) || !a.data || !a.tannin || !a.out ||
      !(a.reps >= 1) || a.threads.some((t) => !(t >= 1))) {
    console.error('usage: node peers.mjs --engine duckdb|chdb --data ROWS.jsonl --tannin RESULTS.json ' +
                  '--out PEER.json [--reps 7] [--threads 1,2] [--node-modules DIR] [--order-by ts] [--show]');
    process.exit(2);
  }
  a.nodeModules ??= path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'node', 'node_modules');
  return a;
}

// ---------------------------------------------------------------------------
// engines: each has load(), run(sql, threads) -> rows (arrays of JS values),
// close(), version

const COLUMNS = [
  ['session_id', 'BIGINT', 'Int64'], ['user_id', 'BIGINT', 'Int64'],
  ['country', 'VARCHAR', 'LowCardinality(String)'], ['device', 'VARCHAR', 'LowCardinality(String)'],
  ['os', 'VARCHAR', 'LowCardinality(String)'], ['browser', 'VARCHAR', 'LowCardinality(String)'],
  ['referrer_domain', 'VARCHAR', 'LowCardinality(String)'],
  ['campaign', 'VARCHAR', 'LowCardinality(String)'], ['landing_page', 'VARCHAR', 'LowCardinality(String)'],
  ['action', 'VARCHAR', 'LowCardinality(String)'], ['bounced', 'INTEGER', 'Int32'],
  ['ab_bucket', 'INTEGER', 'Int32'], ['time_on_page_ms', 'BIGINT', 'Int64'],
  ['videos_watched', 'INTEGER', 'Int32'],
];

// epoch ms -> 'YYYY-MM-DD HH:MM:SS.mmm' (UTC), a literal both dialects read
function tsText(ms) {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

async function duckdbEngine(a, require) {
  const { DuckDBInstance } = await import(pathToFileURL(require.resolve('@duckdb/node-api')).href);
  const inst = await DuckDBInstance.create(':memory:', { threads: String(os.cpus().length) });
  const conn = await inst.connect();
  const cols = COLUMNS.map(([n, t]) => `'${n}': '${t}'`).join(', ') + `, 'ts': 'BIGINT'`;
  const names = COLUMNS.map(([n]) => n).join(', ');
  let threads = 0;
  const version = (await conn.runAndReadAll('SELECT version()')).getRowsJS()[0][0];
  return {
    name: 'duckdb',
    version: `DuckDB ${version}`,
    lit: (ms) => `TIMESTAMP '${tsText(ms)}'`,
    async load() {
      await conn.run(`CREATE TABLE pageviews AS SELECT ${names}, epoch_ms(ts) AS ts
                      FROM read_json('${a.data}', format = 'newline_delimited', columns = {${cols}})`);
      await conn.run('CHECKPOINT');
    },
    async run(sql, n) {
      if (n !== threads) {
        await conn.run(`SET threads = ${n}`);
        threads = n;
      }
      const r = await conn.runAndReadAll(sql);
      return r.getRowsJS();
    },
    close() { conn.closeSync?.(); },
  };
}

async function chdbEngine(a, require) {
  const { Session } = require('chdb');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tn-qbench-chdb-'));
  const s = new Session(dir);
  const q = (sql) => s.query(sql, 'JSONCompact');
  const version = JSON.parse(q('SELECT version()')).data[0][0];
  const cols = COLUMNS.map(([n, , t]) => `${n} ${t}`).join(', ') + `, ts DateTime64(3, 'UTC')`;
  const src = COLUMNS.map(([n, , t]) => `${n} ${t.replace(/^LowCardinality\((.*)\)$/, '$1')}`).join(', ');
  const names = COLUMNS.map(([n]) => n).join(', ');
  return {
    name: 'chdb',
    version: `chDB (ClickHouse ${version})`,
    lit: (ms) => `'${tsText(ms)}'`,
    async load() {
      q(`CREATE TABLE pageviews (${cols}) ENGINE = MergeTree ORDER BY (${a.orderBy})`);
      q(`INSERT INTO pageviews SELECT ${names}, fromUnixTimestamp64Milli(ts, 'UTC')
         FROM file('${a.data}', 'JSONEachRow', '${src}, ts Int64')`);
      q('OPTIMIZE TABLE pageviews FINAL');
    },
    async run(sql, n) {
      const out = q(`${sql} SETTINGS max_threads = ${n}, output_format_json_quote_64bit_integers = 0`);
      return JSON.parse(out).data;
    },
    close() { s.close(); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

// ---------------------------------------------------------------------------
// answer check against Tannin's (same rows, same parameters)

const num = (v) => (typeof v === 'bigint' ? Number(v) : typeof v === 'string' && v !== '' && !isNaN(v) ? Number(v) : v);

function close(x, y, rel) {
  if (typeof x !== 'number' || typeof y !== 'number') return x === y;
  return Math.abs(x - y) <= Math.max(1e-9, rel * Math.max(Math.abs(x), Math.abs(y)));
}

// Rows must agree in number; every Tannin row must have a peer row with the
// same keys and equal values (within tol), except rows tied with the last
// row on the ranking column (the LIMIT may cut a tie either way) or, for
// approximate rankings, rows past the third.
function compare(spec, tRows, pRows) {
  const tol = (c) => (spec.tol && spec.tol[c]) || 1e-9;
  if (tRows.length !== pRows.length) return `${pRows.length} rows, Tannin ${tRows.length}`;
  const key = (r) => JSON.stringify(r.slice(0, spec.keys));
  const byKey = new Map(pRows.map((r) => [key(r), r]));
  const last = tRows.length ? tRows[tRows.length - 1] : null;
  for (let i = 0; i < tRows.length; i++) {
    const t = tRows[i];
    const p = spec.keys ? byKey.get(key(t)) : pRows[i];
    if (!p) {
      const tied = spec.order !== null && close(t[spec.order], last[spec.order], tol(spec.order));
      if (tied || (spec.approxRank && i >= 3)) continue;
      return `row ${i + 1} ${JSON.stringify(t)} missing`;
    }
    for (let c = spec.keys; c < t.length; c++)
      if (!close(t[c], p[c], tol(c))) return `row ${i + 1} column ${c + 1}: ${p[c]} vs Tannin ${t[c]}`;
  }
  return null;
}

// ---------------------------------------------------------------------------

function median(xs) {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function bind(sql, params, lit) {
  return sql.replace(/\{(T_[A-Z0-9]+)\}/g, (_, k) => {
    if (!(k in params)) throw new Error(`no parameter ${k}`);
    return lit(params[k]);
  }).replace(/\s+/g, ' ');
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const tannin = JSON.parse(fs.readFileSync(a.tannin, 'utf8'));
  const require = createRequire(path.join(path.resolve(a.nodeModules), 'noop.js'));
  const eng = a.engine === 'duckdb' ? await duckdbEngine(a, require) : await chdbEngine(a, require);
  const out = { engine: eng.name, version: eng.version, reps: a.reps, threads: a.threads, queries: {} };
  let t0 = performance.now();
  await eng.load();
  out.load_s = (performance.now() - t0) / 1000;
  const count = await eng.run('SELECT COUNT(*) FROM pageviews', a.threads[0]);
  out.rows = Number(num(count[0][0]));
  console.log(`${eng.version}: loaded ${out.rows} rows in ${out.load_s.toFixed(1)} s`);
  if (out.rows !== tannin.rows) throw new Error(`loaded ${out.rows} rows, Tannin has ${tannin.rows}`);
  let mismatches = 0;
  for (const tq of tannin.queries) {
    const spec = Q[tq.id];
    if (!spec) continue;
    const sql = bind(spec[eng.name], tannin.params, eng.lit);
    const r = { sql, median_ms: {}, all_ms: {} };
    try {
      const rows = (await eng.run(sql, a.threads[0])).map((row) => row.map(num)); // warm-up
      r.rows = rows.length;
      r.first = rows[0] ?? null;
      r.mismatch = tq.result ? compare(spec, tq.result.rows.map((row) => row.map(num)), rows) : 'no Tannin answer';
      if (r.mismatch) mismatches++;
      if (a.show) console.log(JSON.stringify(rows.slice(0, 3)));
      for (const n of a.threads) {
        if (n !== a.threads[0]) await eng.run(sql, n); // warm-up at this thread count
        const ms = [];
        for (let i = 0; i < a.reps; i++) {
          t0 = performance.now();
          await eng.run(sql, n);
          ms.push(performance.now() - t0);
        }
        r.all_ms[n] = ms;
        r.median_ms[n] = median(ms);
      }
    } catch (e) {
      r.error = String(e.message ?? e);
      mismatches++;
    }
    out.queries[tq.id] = r;
    const meds = a.threads.map((n) => (r.median_ms[n] ?? NaN).toFixed(3).padStart(9)).join(' ');
    console.log(`${tq.id}  ${meds}  ${r.error ? 'ERROR ' + r.error : r.mismatch ? 'MISMATCH ' + r.mismatch : 'answer matches'}`);
  }
  eng.close();
  fs.writeFileSync(a.out, JSON.stringify(out, null, 1) + '\n');
  return mismatches ? 1 : 0;
}

main().then((rc) => process.exit(rc), (e) => { console.error(`peers.mjs: ${e.stack ?? e}`); process.exit(1); });
