// console_test.mjs: drives the web console in Debian's Chromium through
// playwright-core (tests/integration/console_browser.sh starts the cluster
// and feeds it). Usage:
//   node console_test.mjs ADMIN_URL SHOT_DIR [NO_CHARTS_ADMIN_URL]
// env: TN_NODE_MODULES (tools/node/node_modules), TN_CHROMIUM (the browser).
// Prints one "ok   ..." or "FAIL ..." line per check; exits 1 on a crash.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require(`${process.env.TN_NODE_MODULES}/playwright-core`);
const [admin, shots, noChartsAdmin] = process.argv.slice(2);

function check(ok, what, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${ok || !detail ? '' : ` -- ${String(detail).slice(0, 400)}`}`);
}

const number = (text) => Number(String(text).replace(/[^0-9.-]/g, ''));

// ---- the query page -------------------------------------------------------

async function queryPage(page) {
  await page.goto(`${admin}/#query`);
  const nav = await page.locator('nav a').allTextContents();
  check(nav.length === 3, `navigation: ${nav.join(' | ')}`, nav);
  await page.waitForSelector('#table-list button');
  const tables = await page.locator('#table-list summary button').allTextContents();
  check(tables.includes('pageviews') && tables.includes('ad_events'), `tables listed: ${tables}`);

  await page.fill('#sql', 'SELECT country, COUNT(*) AS views, AVG(bounced) AS bounce_rate\n' +
    'FROM pageviews\nGROUP BY country\nORDER BY views DESC\nLIMIT 8');
  await page.focus('#sql');
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('#page-query[data-runs="1"]');
  const rows = await page.locator('#query-result tbody tr').count();
  const heads = await page.locator('#query-result th').allInnerTexts();
  check(rows === 8, `Ctrl+Enter runs the query: ${rows} rows`, rows);
  check(heads.map((h) => h.split('\n')[0]).join(',') === 'country,views,bounce_rate',
    'result columns named as in the SQL', heads);
  const stat = async (k) => number(await page.locator(`[data-stat="${k}"] b`).innerText());
  const scanned = await stat('numDocsScanned');
  const total = await stat('totalDocs');
  check(scanned > 0 && total >= scanned, `stats: ${scanned} docs scanned of ${total}`);
  check(await page.locator('[data-stat="timeUsedMs"]').count() === 1 &&
        await page.locator('[data-stat="numSegmentsQueried"]').count() === 1, 'stats: time and segments shown');
  check(await page.locator('#query-error').isHidden(), 'no error shown for a good query');

  await page.fill('#sql', 'SELECT COUNT(* FROM pageviews');
  await page.click('#run');
  await page.waitForSelector('#page-query[data-runs="2"]');
  const err = await page.locator('#query-error').innerText();
  check(await page.locator('#query-error').isVisible() && /Error 150/.test(err) && /position/.test(err),
    'a parse error is shown with its code and position', err);
  check(await page.locator('#query-result tbody tr').count() === 0, 'no stale rows under an error');

  await page.fill('#sql', 'SELECT nosuchcolumn FROM pageviews');
  await page.click('#run');
  await page.waitForSelector('#page-query[data-runs="3"]');
  const err2 = await page.locator('#query-error').innerText();
  check(/Error 710/.test(err2) && /nosuchcolumn/.test(err2), 'an unknown column is error 710', err2);

  await page.fill('#sql', 'SELECT country, COUNT(*) AS views, AVG(bounced) AS bounce_rate,\n' +
    '       AVG(time_on_page_ms) AS avg_time_on_page_ms\nFROM pageviews\n' +
    "WHERE ts > ago('PT1H')\nGROUP BY country\nORDER BY views DESC\nLIMIT 12");
  await page.click('#run');
  await page.waitForSelector('#page-query[data-runs="4"]');
  await page.screenshot({ path: `${shots}/console-query.png` });

  // the SQL helpers the dashboards build their WHERE with
  const sql = await page.evaluate(async () => {
    const m = await import('/console/sql.js');
    return [m.quote("O'Brien"),
      m.whereClause([{ column: 'country' }, { column: 'device' }], { country: "x' OR '1'='1", device: '' })];
  });
  check(sql[0] === "'O''Brien'" && sql[1] === " AND country = 'x'' OR ''1''=''1'",
    `filter values are escaped: ${sql[1]}`, sql);
}

// ---- the dashboards -------------------------------------------------------

// Waits until the dashboard has finished `more` refreshes after now (two
// guarantee one that started after a change).
async function refreshed(page, id, more) {
  const n = Number(await page.getAttribute(`#page-${id}`, 'data-refreshes') || 0);
  await page.waitForFunction(([id, want]) =>
    Number(document.getElementById(`page-${id}`).dataset.refreshes || 0) >= want, [id, n + more],
  { timeout: 60000 });
}

// Every chart of the page: its panel id, dataset count and data points.
function chartsOf(page, id) {
  return page.evaluate((id) => [...document.querySelectorAll(`#page-${id} canvas`)].map((c) => {
    const ch = window.Chart.getChart(c);
    const points = ch ? ch.data.datasets.flatMap((d) => d.data).filter((v) => v !== null) : [];
    return { panel: c.dataset.panel, datasets: ch ? ch.data.datasets.length : 0, points: points.length };
  }), id);
}

const kpi = async (page, id, col) => number(await page.locator(`#page-${id} [data-kpi="${col}"] .kpi-value`).innerText());

async function dashboard(page, id, filter, kpiCol, shot) {
  await page.goto(`${admin}/#${id}`);
  await refreshed(page, id, 1);
  const charts = await chartsOf(page, id);
  const empty = charts.filter((c) => !c.points);
  check(charts.length >= 5 && !empty.length,
    `${id}: ${charts.length} charts, all with data (${charts.map((c) => `${c.panel}:${c.points}`).join(' ')})`,
    JSON.stringify(empty));
  const errors = await page.locator(`#page-${id} .panel-error:visible`).allInnerTexts();
  check(!errors.length, `${id}: no panel reports an error`, errors.join(' | '));
  const boxes = await page.locator(`#page-${id} .table-box`).count();
  const tables = await page.locator(`#page-${id} .table-box tbody tr`).count();
  check(!boxes || tables > 0, `${id}: ${boxes} table panels, ${tables} rows`);
  const before = await kpi(page, id, kpiCol);
  check(before > 0, `${id}: KPI ${kpiCol} = ${before}`);
  const status = await page.locator(`#page-${id} .status`).innerText();
  check(/queries in/.test(status), `${id}: status line "${status}"`);

  // live: it refreshes on its own
  await refreshed(page, id, 1);
  check(true, `${id}: refreshed again on its own`);

  // a filter: the select lists the data's values; choosing one narrows
  const select = page.locator(`#page-${id} select[data-filter="${filter}"]`);
  const options = await select.locator('option').allTextContents();
  check(options.length > 2, `${id}: ${filter} filter lists ${options.length - 1} values`, options);
  await select.selectOption({ index: 1 });
  await refreshed(page, id, 2);
  const after = await kpi(page, id, kpiCol);
  const sqlText = await page.locator(`#page-${id} pre.sql`).first().textContent();
  check(after > 0 && after < before, `${id}: ${filter} = ${options[1]} changes ${kpiCol}: ${before} -> ${after}`);
  check(sqlText.includes(`AND ${filter} = '${options[1]}'`), `${id}: the panels' SQL has the filter`, sqlText);
  await select.selectOption({ index: 0 });

  // the time range
  await page.click(`#page-${id} button[data-range="15m"]`);
  await refreshed(page, id, 2);
  const sql15 = await page.locator(`#page-${id} pre.sql`).first().textContent();
  check(sql15.includes("ago('PT15M')"), `${id}: 15 min range in the SQL`, sql15);
  await page.click(`#page-${id} button[data-range="1h"]`);
  await refreshed(page, id, 2);
  await page.screenshot({ path: `${shots}/${shot}`, fullPage: true });
}

// A console built without Chart.js says so, and still shows numbers.
async function noCharts(page) {
  await page.goto(`${noChartsAdmin}/#dropoff`);
  await page.waitForSelector('#page-dropoff[data-refreshes]');
  check(await page.locator('#nocharts').isVisible(), 'without Chart.js: the "charts unavailable" banner shows');
  check(await page.locator('#page-dropoff canvas').count() === 0 &&
        await page.locator('#page-dropoff .table-box').count() > 0, 'without Chart.js: panels are tables');
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.TN_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  try {
    await queryPage(page);
    await dashboard(page, 'dropoff', 'country', 'views', 'console-dropoff.png');
    await dashboard(page, 'ads', 'aggregator', 'requests', 'console-ads.png');
    check(!problems.length, 'no JavaScript errors', problems.join(' | '));
    if (noChartsAdmin) await noCharts(page);
  } catch (e) {
    check(false, 'browser session', e.stack);
    await page.screenshot({ path: `${shots}/failure.png`, fullPage: true }).catch(() => {});
  }
  await browser.close();
}

main().catch((e) => { check(false, 'browser start', e.stack); process.exit(1); });
