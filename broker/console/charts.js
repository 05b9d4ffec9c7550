// charts.js: turning query rows into Chart.js charts (line and bar), and
// the fallback when Chart.js was not built in: the same numbers as a table.

import { format, num, timeLabel } from './sql.js';

export const PALETTE = ['#7b1e3a', '#2563eb', '#0d9488', '#d97706', '#7c3aed',
  '#db2777', '#0891b2', '#65a30d', '#dc2626', '#475569', '#c2410c', '#4f46e5'];

export const chartsAvailable = () => typeof window.Chart === 'function';

export function setupChartDefaults() {
  if (!chartsAvailable()) return;
  const d = window.Chart.defaults;
  d.font.family = getComputedStyle(document.body).fontFamily;
  d.font.size = 12;
  d.color = '#475569';
  d.borderColor = '#e7e5e4';
  d.animation = false;           // refreshes every few seconds: no re-animating
  d.maintainAspectRatio = false;
  d.plugins.legend.labels.boxWidth = 10;
  d.plugins.legend.labels.boxHeight = 10;
  d.plugins.tooltip.backgroundColor = 'rgba(28, 25, 23, 0.92)';
  d.plugins.tooltip.padding = 10;
}

function alpha(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

// Labels and datasets for a panel: one dataset per y column, or with
// panel.series one per distinct value of that column (a pivot on the
// shared x values, gaps as null).
export function chartData(panel, rows, unit) {
  const xs = [...new Set(rows.map((r) => String(r[panel.x])))];
  const label = (x) => (panel.xType === 'time' ? timeLabel(x, unit) : x);
  if (panel.series) {
    const y = panel.y[0];
    const groups = new Map();
    for (const r of rows) {
      const key = String(r[panel.series]);
      if (!groups.has(key)) groups.set(key, new Map());
      groups.get(key).set(String(r[panel.x]), num(r[y.col]));
    }
    const keys = [...groups.keys()].sort();
    return {
      labels: xs.map(label),
      datasets: keys.map((k, i) => ({
        label: k, format: y.format,
        data: xs.map((x) => (groups.get(k).has(x) ? groups.get(k).get(x) : null)),
        ...style(panel, y, PALETTE[i % PALETTE.length], keys.length),
      })),
    };
  }
  return {
    labels: xs.map(label),
    datasets: panel.y.map((y, i) => ({
      label: y.label, format: y.format,
      data: rows.map((r) => num(r[y.col])),
      yAxisID: y.axis === 'right' ? 'y2' : 'y',
      type: y.kind || undefined,
      order: y.kind === 'bar' ? 2 : 1,    // lines drawn over bars
      ...style(panel, y, PALETTE[i % PALETTE.length], panel.y.length),
    })),
  };
}

function style(panel, y, color, n) {
  const kind = y.kind || panel.type;
  if (kind === 'bar')
    return { backgroundColor: alpha(color, panel.type === 'line' ? 0.18 : 0.85), borderColor: color,
      borderWidth: 0, borderRadius: 3, maxBarThickness: 36 };
  return { borderColor: color, backgroundColor: alpha(color, 0.10), borderWidth: 2,
    pointRadius: 0, pointHoverRadius: 4, tension: 0.2, fill: n === 1, spanGaps: true };
}

function axis(fmt, extra) {
  return { beginAtZero: true, grid: { color: '#f0eeec' }, border: { display: false },
    ticks: { callback: (v) => format(v, fmt), maxTicksLimit: 6 }, ...extra };
}

function options(panel, box) {
  const y0 = panel.y[0];
  const right = panel.y.find((y) => y.axis === 'right');
  const value = panel.horizontal ? 'x' : 'y';
  const scales = {
    [value]: axis(y0.format),
    [value === 'y' ? 'x' : 'y']: { grid: { display: false }, border: { color: '#d6d3d1' },
      ticks: panel.xType === 'time' ? { autoSkip: true, maxRotation: 0, maxTicksLimit: 10 }
        : { autoSkip: false, maxRotation: 40 } },
  };
  if (right) scales.y2 = axis(right.format, { position: 'right', grid: { display: false } });
  return {
    indexAxis: panel.horizontal ? 'y' : 'x',
    interaction: { mode: 'index', intersect: false },
    scales,
    plugins: {
      legend: { display: panel.y.length > 1 || !!panel.series, position: 'bottom' },
      tooltip: {
        callbacks: {
          label: (c) => ` ${c.dataset.label}: ${format(c.parsed[value], c.dataset.format)}`,
          footer: (items) => (panel.extra && items.length
            ? panel.extra.map((e) => `${e.label}: ${format(box.current[items[0].dataIndex][e.col], e.format)}`)
            : []),
        },
      },
    },
  };
}

// Creates or updates the chart on canvas with rows; the chart keeps its
// rows (for tooltips' extra columns) in a box it can read on hover.
export function renderChart(canvas, panel, rows, unit) {
  const data = chartData(panel, rows, unit);
  // a few points (a fresh table, a short range) are dots, not a bare line
  const few = data.labels.length <= 20;
  for (const d of data.datasets) if (d.pointRadius === 0 && few) d.pointRadius = 2.5;
  let chart = window.Chart.getChart(canvas);
  if (!chart) {
    const box = { current: rows };
    chart = new window.Chart(canvas, { type: panel.type, data, options: options(panel, box) });
    chart.$rows = box;
  } else {
    chart.$rows.current = rows;
    chart.data = data;
    chart.update('none');
  }
  return chart;
}

// The fallback without Chart.js: the panel's columns as a small table.
export function fallbackColumns(panel) {
  const cols = [];
  if (panel.x) cols.push({ col: panel.x, label: panel.x, format: 'text', time: panel.xType === 'time' });
  if (panel.series) cols.push({ col: panel.series, label: panel.series, format: 'text' });
  return cols.concat(panel.y || [], panel.extra || []);
}
