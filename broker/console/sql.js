// sql.js: talking to the broker from the console: POST /sql on the same
// (admin) port (as the signed-in user, auth.js), the dashboards' SQL
// templates, and value formatting.

import { authFetch } from './auth.js';

// Runs sql; resolves to the Pinot broker response (with `exceptions` when
// the query failed), or to a synthetic one when the broker could not be
// reached or did not answer JSON, so callers have one error path.
export async function runSql(sql, queryOptions) {
  const body = { sql };
  if (queryOptions) body.queryOptions = queryOptions;
  let res;
  try {
    res = await authFetch('/sql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (e) {
    return { exceptions: [{ errorCode: 0, message: `The broker is unreachable: ${e.message}` }] };
  }
  const text = await res.text();
  try {
    const json = JSON.parse(text);
    // the admin port's own errors are {"code", "error"}
    if (json && json.error && !json.exceptions)
      return { exceptions: [{ errorCode: json.code || res.status, message: json.error }] };
    return json;
  } catch {
    return { exceptions: [{ errorCode: res.status, message: `HTTP ${res.status}: ${text.slice(0, 300)}` }] };
  }
}

// A SQL string literal: quotes doubled, so a filter value can never end
// the literal early.
export function quote(value) {
  return `'${String(value).replaceAll("'", "''")}'`;
}

// Replaces {{name}} with vars[name]; an unknown placeholder is an error
// rather than SQL that silently means something else.
export function fill(template, vars) {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name) => {
    if (!(name in vars)) throw new Error(`unknown placeholder {{${name}}}`);
    return vars[name];
  });
}

// " AND col = 'v'" for every chosen filter value ("" when none).
export function whereClause(filters, chosen) {
  return filters
    .filter((f) => chosen[f.column])
    .map((f) => ` AND ${f.column} = ${quote(chosen[f.column])}`)
    .join('');
}

// The response's rows as objects keyed by column name.
export function rowsOf(resp) {
  const t = resp && resp.resultTable;
  if (!t) return [];
  const names = t.dataSchema.columnNames;
  return t.rows.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i]])));
}

// A number from a response cell: Pinot writes NaN and infinities as
// strings, and LONGs may arrive as strings too.
export function num(v) {
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const numFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const usdFmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 2 });

export function format(v, kind) {
  const n = num(v);
  if (kind === 'text' || (n === null && typeof v === 'string' && v !== 'NaN')) return String(v);
  if (n === null) return '–';
  switch (kind) {
    case 'int': return intFmt.format(n);
    case 'pct': return `${(n * 100).toFixed(1)}%`;
    case 'pct2': return `${(n * 100).toFixed(2)}%`;
    case 'ms': return n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${intFmt.format(n)} ms`;
    case 'usd': return usdFmt.format(n);
    default: return numFmt.format(n);
  }
}

// A time bucket (epoch ms, or a timestamp string) as a short label.
export function timeLabel(v, unit) {
  const n = num(v);
  const d = n !== null ? new Date(n) : new Date(String(v).replace(' ', 'T') + 'Z');
  if (Number.isNaN(d.getTime())) return String(v);
  const hm = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });
  return unit === 'HOUR' || unit === 'DAY'
    ? `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${hm}` : hm;
}
