// query.js: the Query page: a SQL editor, the broker's answer as a table
// with its statistics, errors in plain sight, and the tables with their
// columns to start from.

import { authFetch } from './auth.js';
import { format, runSql } from './sql.js';

const $ = (id) => document.getElementById(id);
const MAX_ROWS_SHOWN = 2000;
const SAMPLE = "SELECT country, COUNT(*) AS views, AVG(bounced) AS bounce_rate\n" +
  "FROM pageviews\nWHERE ts > ago('PT1H')\nGROUP BY country\nORDER BY views DESC\nLIMIT 10";

// The statistics worth a glance, in Pinot's response names; related
// counts share one entry ("4 / 4 / 4").
const STATS = [
  [['timeUsedMs'], 'Time', 'ms'],
  [['numRowsResultSet'], 'Rows', 'int'],
  [['numDocsScanned'], 'Docs scanned', 'int'],
  [['totalDocs'], 'Total docs', 'int'],
  [['numEntriesScannedInFilter'], 'Entries in filter', 'int'],
  [['numEntriesScannedPostFilter'], 'Entries post filter', 'int'],
  [['numSegmentsQueried', 'numSegmentsProcessed', 'numSegmentsMatched'],
    'Segments queried / processed / matched', 'int'],
  [['numServersQueried', 'numServersResponded'], 'Servers queried / responded', 'int'],
];

function td(text, cls) {
  const c = document.createElement('td');
  if (cls) c.className = cls;
  c.textContent = text;
  return c;
}

function cell(v) {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  return String(v);
}

const NUMERIC = new Set(['INT', 'LONG', 'FLOAT', 'DOUBLE', 'BIG_DECIMAL', 'TIMESTAMP']);

function renderTable(resp) {
  const box = $('query-result');
  const t = resp.resultTable;
  if (!t) { box.replaceChildren(); return; }
  const { columnNames, columnDataTypes } = t.dataSchema;
  const numeric = columnDataTypes.map((ty) => NUMERIC.has(ty));
  const table = document.createElement('table');
  table.className = 'data';
  const head = table.createTHead().insertRow();
  columnNames.forEach((n, i) => {
    const th = document.createElement('th');
    th.className = numeric[i] ? 'num' : '';
    th.append(n);
    const type = document.createElement('span');
    type.className = 'type';
    type.textContent = columnDataTypes[i];
    th.append(type);
    head.append(th);
  });
  const body = table.createTBody();
  for (const r of t.rows.slice(0, MAX_ROWS_SHOWN)) {
    const tr = body.insertRow();
    r.forEach((v, i) => tr.append(td(cell(v), numeric[i] ? 'num' : '')));
  }
  const note = document.createElement('p');
  note.className = 'muted';
  note.textContent = t.rows.length > MAX_ROWS_SHOWN
    ? `Showing the first ${MAX_ROWS_SHOWN} of ${t.rows.length} rows.`
    : t.rows.length ? '' : 'The query returned no rows.';
  box.replaceChildren(table, note);
}

function renderStats(resp) {
  const box = $('query-stats');
  // a failed query's zeros say nothing
  const stats = resp.resultTable ? STATS.filter(([keys]) => keys[0] in resp) : [];
  box.replaceChildren(...stats.map(([keys, label, fmt]) => {
    const s = document.createElement('div');
    s.className = 'stat';
    s.dataset.stat = keys[0];
    const v = document.createElement('b');
    v.textContent = keys.map((k) => format(resp[k], fmt)).join(' / ');
    s.append(v, label);
    return s;
  }));
  box.hidden = !box.children.length;
}

function renderErrors(resp) {
  const box = $('query-error');
  const ex = resp.exceptions || [];
  box.replaceChildren();
  box.hidden = !ex.length;
  box.classList.toggle('warn', !!resp.resultTable);   // partial result: a warning
  if (!ex.length) return;
  const title = document.createElement('h3');
  title.textContent = resp.resultTable ? 'The result may be incomplete' : 'The query failed';
  box.append(title);
  for (const x of ex) {
    const line = document.createElement('div');
    line.className = 'exception';
    const code = document.createElement('span');
    code.className = 'code';
    code.textContent = `Error ${x.errorCode}`;
    const msg = document.createElement('pre');
    msg.textContent = x.message;
    line.append(code, msg);
    box.append(line);
  }
}

async function run() {
  const editor = $('sql');
  const picked = editor.value.slice(editor.selectionStart, editor.selectionEnd).trim();
  const sql = picked || editor.value.trim();
  if (!sql) return;
  localStorage.setItem('tannin.sql', editor.value);
  const button = $('run');
  button.disabled = true;
  button.textContent = 'Running…';
  const resp = await runSql(sql, $('query-options').value.trim() || undefined);
  button.disabled = false;
  button.textContent = 'Run query';
  renderErrors(resp);
  renderStats(resp);
  renderTable(resp);
  $('page-query').dataset.runs = String(Number($('page-query').dataset.runs || 0) + 1);
}

function insertAtCursor(text) {
  const e = $('sql');
  e.setRangeText(text, e.selectionStart, e.selectionEnd, 'end');
  e.focus();
}

// The tables and their columns: a table's name fills in a starter query,
// a column's name goes in at the cursor.
async function loadTables() {
  const list = $('table-list');
  let tables = [];
  try {
    tables = (await (await authFetch('/tables')).json()).tables || [];
  } catch { /* shown as none */ }
  list.replaceChildren();
  if (!tables.length) {
    list.innerHTML = '<li class="muted">No tables yet</li>';
    return;
  }
  for (const name of tables) {
    const li = document.createElement('li');
    const details = document.createElement('details');
    const summary = document.createElement('summary');
    const btn = document.createElement('button');
    btn.type = 'button';
    btn.className = 'link';
    btn.textContent = name;
    btn.title = `SELECT * FROM ${name} LIMIT 10`;
    btn.addEventListener('click', (ev) => {
      ev.preventDefault();
      $('sql').value = `SELECT *\nFROM ${name}\nLIMIT 10`;
      run();
    });
    summary.append(btn);
    const cols = document.createElement('ul');
    cols.className = 'columns';
    details.append(summary, cols);
    details.addEventListener('toggle', async () => {
      if (!details.open || cols.children.length) return;
      const s = await (await authFetch(`/tables/${encodeURIComponent(name)}/schema`)).json();
      const fields = [...(s.dimensionFieldSpecs || []), ...(s.metricFieldSpecs || []),
        ...(s.dateTimeFieldSpecs || [])];
      for (const f of fields) {
        const c = document.createElement('li');
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'link';
        b.textContent = f.name;
        b.addEventListener('click', () => insertAtCursor(f.name));
        const ty = document.createElement('span');
        ty.className = 'type';
        ty.textContent = f.dataType;
        c.append(b, ty);
        cols.append(c);
      }
    });
    li.append(details);
    list.append(li);
  }
}

export function setupQueryPage() {
  const editor = $('sql');
  editor.value = localStorage.getItem('tannin.sql') || SAMPLE;
  $('run').addEventListener('click', run);
  editor.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      run();
    }
  });
  loadTables();
  // another user may see other tables
  document.addEventListener('tannin-signed-in', loadTables);
}
