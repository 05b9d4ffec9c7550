// app.js: the console's entry point: loads dashboards.json, builds the
// navigation and the dashboard pages, and shows the page the URL's hash
// names (#query, #dropoff, #ads), once signed in when the broker asks for
// credentials (auth.js).

import { ensureSignedIn } from './auth.js';
import { setupQueryPage } from './query.js';
import { Dashboard } from './dashboard.js';
import { chartsAvailable, setupChartDefaults } from './charts.js';

const pages = new Map();     // hash -> { el, dashboard? }

function show() {
  const id = location.hash.slice(1) || 'query';
  const target = pages.has(id) ? id : 'query';
  for (const [key, p] of pages) {
    const on = key === target;
    p.el.hidden = !on;
    if (p.dashboard) (on ? p.dashboard.show() : p.dashboard.hide());
  }
  document.querySelectorAll('nav a').forEach((a) =>
    a.classList.toggle('active', a.getAttribute('href') === `#${target}`));
  const title = pages.get(target).title;
  document.title = `${title} · Tannin`;
}

// The broker's liveness in the corner, so a dead broker is not mistaken
// for an empty table.
async function health() {
  const dot = document.getElementById('health');
  try {
    const r = await fetch('/health', { cache: 'no-store' });
    dot.className = r.ok ? 'health ok' : 'health bad';
    dot.textContent = r.ok ? 'Broker up' : `Broker: HTTP ${r.status}`;
  } catch {
    dot.className = 'health bad';
    dot.textContent = 'Broker unreachable';
  }
}

async function main() {
  health();
  setInterval(health, 10000);
  await ensureSignedIn();
  setupChartDefaults();
  document.getElementById('nocharts').hidden = chartsAvailable();
  pages.set('query', { el: document.getElementById('page-query'), title: 'Query' });
  setupQueryPage();
  const nav = document.querySelector('nav');
  let config;
  try {
    config = await (await fetch('/console/dashboards.json', { cache: 'no-cache' })).json();
  } catch (e) {
    document.getElementById('nodash').hidden = false;
    config = { dashboards: [] };
  }
  for (const spec of config.dashboards) {
    const el = document.createElement('section');
    el.className = 'page dashboard';
    el.id = `page-${spec.id}`;
    el.hidden = true;
    document.querySelector('main').append(el);
    pages.set(spec.id, { el, title: spec.title, dashboard: new Dashboard(spec, config, el) });
    const a = document.createElement('a');
    a.href = `#${spec.id}`;
    a.textContent = spec.title;
    nav.append(a);
  }
  document.addEventListener('visibilitychange', () => {
    for (const p of pages.values()) if (p.dashboard && p.dashboard.active) p.dashboard.schedule();
  });
  window.addEventListener('hashchange', show);
  show();
}

main();
