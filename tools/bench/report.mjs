#!/usr/bin/env node
// report.mjs: the one table of `tools/bench/query-bench.sh`: Tannin's
// medians (from `tannin bench query --results`) beside each peer's (from
// peers.mjs --out), ratios to the best peer, totals, and the targets of the
// query-engine issue, each pass/fail per thread count:
//   T1  faster than every peer on every selective query (< 10 % of rows)
//   T2  whole set in at most a third of the best peer's total
//   T3  no query slower than the best peer
//
// usage: node report.mjs TANNIN.json PEER.json... [--markdown]
// Exit status 0 whether targets pass or not (it is a measurement); 1 when
// an answer did not match or an engine failed a query.

import fs from 'node:fs';

const args = process.argv.slice(2);
const md = args.includes('--markdown');
const files = args.filter((x) => x !== '--markdown');
if (files.length < 2) {
  console.error('usage: node report.mjs TANNIN.json PEER.json... [--markdown]');
  process.exit(2);
}
const tannin = JSON.parse(fs.readFileSync(files[0], 'utf8'));
const peers = files.slice(1).map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
const threads = tannin.threads;
const label = { duckdb: 'DuckDB', chdb: 'chDB' };

const fmt = (x) => (x === undefined || Number.isNaN(x) ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
let bad = 0;

// header
const head = ['query', 'sel %'];
for (const n of threads) head.push(`Tannin ${n}c`);
for (const p of peers) for (const n of threads) head.push(`${label[p.engine] ?? p.engine} ${n}c`);
for (const n of threads) head.push(`best peer / Tannin ${n}c`);
head.push('answers');
const rows = [];

const totals = { tannin: {}, peers: peers.map(() => ({})) };
const t1 = {}, t3 = {};
for (const n of threads) {
  totals.tannin[n] = 0;
  peers.forEach((_, i) => (totals.peers[i][n] = 0));
  t1[n] = [];
  t3[n] = [];
}

for (const q of tannin.queries) {
  if (q.error) {
    rows.push([`${q.id} ${q.what}`, 'ERROR', q.error]);
    bad++;
    continue;
  }
  const sel = q.selectivity * 100;
  const row = [`${q.id} ${q.what}`, `${sel.toFixed(2)}${q.selective ? ' S' : ''}`];
  for (const n of threads) {
    row.push(fmt(q.median_ms[n]));
    totals.tannin[n] += q.median_ms[n];
  }
  const notes = [];
  peers.forEach((p, i) => {
    const pq = p.queries[q.id];
    if (!pq || pq.error) notes.push(`${label[p.engine]}: ${pq ? pq.error : 'missing'}`);
    else if (pq.mismatch) notes.push(`${label[p.engine]}: ${pq.mismatch}`);
    for (const n of threads) {
      const v = pq?.median_ms?.[n];
      row.push(fmt(v));
      totals.peers[i][n] += v ?? NaN;
    }
  });
  bad += notes.length;
  for (const n of threads) {
    const best = Math.min(...peers.map((p) => p.queries[q.id]?.median_ms?.[n] ?? Infinity));
    const ratio = best / q.median_ms[n];
    row.push(`${ratio.toFixed(2)}×`);
    if (ratio < 1) {
      t3[n].push(q.id);
      if (q.selective) t1[n].push(q.id);
    }
  }
  row.push(notes.length ? notes.join('; ') : 'match');
  rows.push(row);
}

// totals row
const tot = ['total (sum of medians)', ''];
for (const n of threads) tot.push(fmt(totals.tannin[n]));
peers.forEach((_, i) => threads.forEach((n) => tot.push(fmt(totals.peers[i][n]))));
const bestTotal = {};
for (const n of threads) {
  bestTotal[n] = Math.min(...totals.peers.map((t) => t[n]));
  tot.push(`${(bestTotal[n] / totals.tannin[n]).toFixed(2)}×`);
}
tot.push('');
rows.push(tot);

// print
if (md) {
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map((_, i) => (i === 0 || i === head.length - 1 ? '---' : '---:')).join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
} else {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 || i === r.length - 1 ? String(c ?? '').padEnd(w[i]) : String(c ?? '').padStart(w[i]))).join('  ');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}
console.log('');
console.log(`medians in ms of ${tannin.reps} runs after a warm-up; sel % = numDocsScanned / totalDocs in Tannin's run, S = selective (< 10 %)`);
console.log(`${tannin.rows} rows; Tannin: ${tannin.segments} segments of ${tannin.segment_rows} rows (last one consuming), sealed sorted by ${tannin.sort_column}`);
for (const p of peers) console.log(`${p.version}: load ${p.load_s.toFixed(1)} s (not measured in the comparison)`);
console.log('');
const mark = (ok) => (ok ? 'PASS' : 'FAIL');
for (const n of threads) {
  console.log(`${n} thread${n > 1 ? 's' : ''}:`);
  console.log(`  T1 faster than both peers on every selective query: ${mark(!t1[n].length)}${t1[n].length ? ' (slower: ' + t1[n].join(', ') + ')' : ''}`);
  const share = totals.tannin[n] / bestTotal[n];
  console.log(`  T2 whole set <= 1/3 of the best peer's total: ${mark(share <= 1 / 3)} (Tannin ${fmt(totals.tannin[n])} ms = ${(share * 100).toFixed(0)} % of ${fmt(bestTotal[n])} ms)`);
  console.log(`  T3 no query slower than the best peer: ${mark(!t3[n].length)}${t3[n].length ? ' (slower: ' + t3[n].join(', ') + ')' : ''}`);
}
if (bad) console.log(`\n${bad} answer mismatch(es) or error(s): see the answers column`);
process.exit(bad ? 1 : 0);
