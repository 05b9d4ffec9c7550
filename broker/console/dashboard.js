// dashboard.js: one dashboard of dashboards.json as a page: the time-range
// picker, the filter lists, KPI tiles, chart and table panels, and the
// refresh loop that re-runs every panel's SQL every few seconds.

import { fill, format, rowsOf, runSql, timeLabel, whereClause } from './sql.js';
import { chartsAvailable, fallbackColumns, renderChart } from './charts.js';

const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};

function errorText(resp) {
  return (resp.exceptions || []).map((x) => `Error ${x.errorCode}: ${x.message}`).join('\n');
}

export class Dashboard {
  constructor(spec, config, root) {
    this.spec = spec;
    this.config = config;
    this.root = root;
    this.range = (config.timeRanges.find((r) => r.default) || config.timeRanges[0]).id;
    this.chosen = {};               // filter column -> value ('' = all)
    this.auto = true;
    this.timer = null;
    this.busy = false;
    this.refreshes = 0;
    this.build();
  }

  // The values the SQL templates are filled with.
  vars() {
    const r = this.config.timeRanges.find((t) => t.id === this.range);
    return { since: r.since, unit: r.unit, where: whereClause(this.spec.filters, this.chosen) };
  }

  // ---- page structure -------------------------------------------------

  build() {
    const head = el('div', 'page-head');
    const titles = el('div', 'titles');
    titles.append(el('h1', '', this.spec.title), el('p', 'sub', this.spec.description));
    head.append(titles, this.buildToolbar());
    this.kpis = el('div', 'kpis');
    this.grid = el('div', 'grid');
    this.panels = this.spec.panels.map((p) => (p.type === 'kpi' ? this.buildKpis(p) : this.buildCard(p)));
    this.root.append(head, this.kpis, this.grid);
  }

  buildToolbar() {
    const bar = el('div', 'toolbar');
    const seg = el('div', 'segmented');
    seg.setAttribute('role', 'group');
    seg.setAttribute('aria-label', 'Time range');
    for (const r of this.config.timeRanges) {
      const b = el('button', r.id === this.range ? 'active' : '', r.label);
      b.type = 'button';
      b.dataset.range = r.id;
      b.addEventListener('click', () => {
        this.range = r.id;
        seg.querySelectorAll('button').forEach((x) => x.classList.toggle('active', x === b));
        this.loadFilters();
        this.refresh();
      });
      seg.append(b);
    }
    bar.append(seg);
    this.selects = {};
    for (const f of this.spec.filters) {
      const label = el('label', 'filter');
      const sel = el('select');
      sel.dataset.filter = f.column;
      sel.append(new Option(`All`, ''));
      sel.addEventListener('change', () => {
        this.chosen[f.column] = sel.value;
        this.refresh();
      });
      label.append(el('span', '', f.label), sel);
      this.selects[f.column] = sel;
      bar.append(label);
    }
    const live = el('label', 'live');
    const box = el('input');
    box.type = 'checkbox';
    box.checked = true;
    box.addEventListener('change', () => { this.auto = box.checked; this.schedule(); });
    this.status = el('span', 'status', 'Loading…');
    live.append(box, el('span', '', `Live (${this.config.refreshSeconds} s)`));
    bar.append(live, this.status);
    return bar;
  }

  buildKpis(panel) {
    const tiles = panel.values.map((v) => {
      const t = el('div', 'kpi');
      t.dataset.kpi = v.col;
      const value = el('div', 'kpi-value', '–');
      t.append(el('div', 'kpi-label', v.label), value);
      this.kpis.append(t);
      return value;
    });
    this.kpiError = el('div', 'panel-error');
    this.kpiError.hidden = true;
    this.kpis.append(this.kpiError);
    return { panel, render: (resp) => this.renderKpis(panel, tiles, resp) };
  }

  buildCard(panel) {
    const card = el('article', `card panel${panel.width === 2 ? ' wide' : ''}`);
    card.dataset.panel = panel.id;
    const head = el('header');
    const titles = el('div');
    titles.append(el('h2', '', panel.title), el('p', 'sub', panel.subtitle || ''));
    const toggle = el('button', 'sql-toggle', 'SQL');
    toggle.type = 'button';
    toggle.title = 'Show the query behind this panel';
    const sql = el('pre', 'sql');
    sql.hidden = true;
    toggle.addEventListener('click', () => { sql.hidden = !sql.hidden; toggle.classList.toggle('on', !sql.hidden); });
    head.append(titles, toggle);
    const err = el('div', 'panel-error');
    err.hidden = true;
    const asChart = panel.type !== 'table' && chartsAvailable();
    const body = el('div', asChart ? `chart-box${panel.horizontal ? ' tall' : ''}` : 'table-box');
    const empty = el('div', 'empty', 'No rows in this time range');
    empty.hidden = true;
    let canvas = null;
    if (asChart) {
      canvas = el('canvas');
      canvas.dataset.panel = panel.id;
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', panel.title);
      body.append(canvas);
    }
    card.append(head, sql, err, body, empty);
    this.grid.append(card);
    const parts = { sql, err, body, empty, canvas };
    return { panel, render: (resp, text) => this.renderCard(panel, parts, resp, text) };
  }

  // ---- rendering ------------------------------------------------------

  renderKpis(panel, tiles, resp) {
    const failed = resp.exceptions && resp.exceptions.length && !resp.resultTable;
    this.kpiError.hidden = !failed;
    this.kpiError.textContent = failed ? errorText(resp) : '';
    const row = rowsOf(resp)[0] || {};
    panel.values.forEach((v, i) => { tiles[i].textContent = format(row[v.col], v.format); });
  }

  renderCard(panel, parts, resp, text) {
    parts.sql.textContent = text;
    const failed = resp.exceptions && resp.exceptions.length && !resp.resultTable;
    parts.err.hidden = !failed;
    parts.err.textContent = failed ? errorText(resp) : '';
    if (failed) return;
    const rows = rowsOf(resp);
    parts.empty.hidden = rows.length > 0;
    if (parts.canvas) {
      parts.body.classList.toggle('dim', rows.length === 0);
      renderChart(parts.canvas, panel, rows, this.vars().unit);
    } else {
      this.renderTable(parts.body, panel.columns || fallbackColumns(panel), rows);
    }
  }

  renderTable(box, cols, rows) {
    const unit = this.vars().unit;
    const table = el('table', 'data');
    const tr = el('tr');
    for (const c of cols) tr.append(el('th', c.format === 'text' ? '' : 'num', c.label));
    table.append(el('thead'), el('tbody'));
    table.tHead.append(tr);
    for (const r of rows) {
      const row = el('tr');
      for (const c of cols) {
        const v = c.time ? timeLabel(r[c.col], unit) : format(r[c.col], c.format);
        row.append(el('td', c.format === 'text' ? '' : 'num', v));
      }
      table.tBodies[0].append(row);
    }
    box.replaceChildren(table);
  }

  // ---- data -----------------------------------------------------------

  // The filter lists: the values present in the time range, most frequent
  // first; a chosen value stays chosen even when it has no rows now.
  async loadFilters() {
    const since = this.vars().since;
    await Promise.all(this.spec.filters.map(async (f) => {
      const resp = await runSql(fill(f.sql, { since, unit: '', where: '' }));
      const values = rowsOf(resp).map((r) => String(r[f.column]));
      const sel = this.selects[f.column];
      const keep = this.chosen[f.column] || '';
      if (keep && !values.includes(keep)) values.unshift(keep);
      sel.replaceChildren(new Option('All', ''), ...values.map((v) => new Option(v, v)));
      sel.value = keep;
    }));
  }

  async refresh() {
    if (this.busy) { this.again = true; return; }
    this.busy = true;
    this.root.dataset.state = 'loading';
    const vars = this.vars();
    const t0 = performance.now();
    let failures = 0;
    await Promise.all(this.panels.map(async ({ panel, render }) => {
      const text = fill(panel.sql, vars);
      const resp = await runSql(text);
      if (resp.exceptions && resp.exceptions.length) failures++;
      render(resp, text);
    }));
    this.refreshes++;
    this.root.dataset.refreshes = String(this.refreshes);
    this.root.dataset.state = 'ready';
    const ms = Math.round(performance.now() - t0);
    const at = new Date().toLocaleTimeString([], { hour12: false });
    this.status.textContent = failures
      ? `${failures} of ${this.panels.length} queries failed · ${at}`
      : `${this.panels.length} queries in ${ms} ms · ${at}`;
    this.status.classList.toggle('bad', failures > 0);
    this.busy = false;
    if (this.again) { this.again = false; this.refresh(); }
  }

  schedule() {
    clearInterval(this.timer);
    this.timer = null;
    if (this.active && this.auto && !document.hidden)
      this.timer = setInterval(() => this.refresh(), this.config.refreshSeconds * 1000);
  }

  show() {
    this.active = true;
    if (!this.started) {
      this.started = true;
      this.loadFilters();
    }
    this.refresh();
    this.schedule();
  }

  hide() {
    this.active = false;
    this.schedule();
  }
}
