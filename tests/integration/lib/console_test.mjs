// console_test.mjs: drives the web console in Debian's Chromium through
// playwright-core (tests/integration/console_browser.sh starts the cluster
// and feeds it). Usage:
//   node console_test.mjs ADMIN_URL SHOT_DIR [NO_CHARTS_ADMIN_URL]
//   node console_test.mjs --auth ADMIN_URL SHOT_DIR USER PASSWORD
// (the second: a broker with --auth; the sign-in form, wrong and right
// passwords, a query as that user, an expired token, signing out).
// env: TN_NODE_MODULES (tools/node/node_modules), TN_CHROMIUM (the browser).
// Prints one "ok   ..." or "FAIL ..." line per check; exits 1 on a crash.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require(`${process.env.TN_NODE_MODULES}/playwright-core`);
const authMode = process.argv[2] === '--auth';
const args = process.argv.slice(authMode ? 3 : 2);
const [admin, shots] = args;
const noChartsAdmin = authMode ? undefined : args[2];
const [authUser, authPassword] = authMode ? args.slice(2) : [];

function check(ok, what, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${ok || !detail ? '' : ` -- ${String(detail).slice(0, 400)}`}`);
}

const number = (text) => Number(String(text).replace(/[^0-9.-]/g, ''));

// ---- the query page -------------------------------------------------------

async function queryPage(page) {
  await page.goto(`${admin}/#query`);
  await page.waitForSelector('#table-list button');
  check(await page.locator('#login').isHidden() && await page.locator('#user').isHidden(),
    'auth off: no sign-in form, no user menu');
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

// ---- signing in (a broker with --auth) -----------------------------------

const visible = (page, sel) => page.locator(sel).isVisible();

async function signIn(page, password) {
  await page.fill('#login-user', authUser);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
}

async function runQuery(page, sql) {
  const runs = Number(await page.getAttribute('#page-query', 'data-runs') || 0);
  await page.fill('#sql', sql);
  await page.click('#run');
  await page.waitForSelector(`#page-query[data-runs="${runs + 1}"]`);
}

async function authPage(page) {
  await page.goto(`${admin}/#query`);
  await page.waitForSelector('#login-form', { state: 'visible' });
  check(!(await visible(page, '#page-query')) && !(await visible(page, 'nav')) &&
        !(await visible(page, '#user')), 'auth on: the sign-in form shows instead of the pages');
  check(await page.locator('#login-error').isHidden(), 'no error before the first attempt');
  await page.screenshot({ path: `${shots}/console-login.png` });

  await signIn(page, `${authPassword}-wrong`);
  await page.waitForSelector('#login-error', { state: 'visible' });
  const err = await page.locator('#login-error').innerText();
  check(/wrong user name or password/i.test(err) && await visible(page, '#login-form'),
    `a wrong password is refused: "${err}"`, err);
  check(await page.inputValue('#login-password') === '', 'the password field is cleared after a failure');

  await signIn(page, authPassword);
  await page.waitForSelector('#login', { state: 'hidden' });
  await page.waitForSelector('#table-list summary button');
  check(await visible(page, '#page-query'), 'the right password shows the query page');
  const who = await page.locator('#user-name').innerText();
  check(await visible(page, '#user') && who === authUser, `the user menu names ${who}`);
  const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }));
  check(stored.includes('"token') && !stored.includes(authPassword),
    'sessionStorage keeps the token, nothing keeps the password');
  const tables = await page.locator('#table-list summary button').allTextContents();
  check(tables.includes('pageviews'), `signed in: tables listed: ${tables}`);

  await runQuery(page, 'SELECT country, COUNT(*) AS views FROM pageviews GROUP BY country ORDER BY views DESC LIMIT 5');
  const rows = await page.locator('#query-result tbody tr').count();
  check(rows === 5 && await page.locator('#query-error').isHidden(), `signed in: a query shows ${rows} rows`);

  await page.goto(`${admin}/#dropoff`);
  await refreshed(page, 'dropoff', 1);
  const charts = await chartsOf(page, 'dropoff');
  const panelErrors = await page.locator('#page-dropoff .panel-error:visible').allInnerTexts();
  check(charts.length >= 5 && charts.every((c) => c.points) && !panelErrors.length,
    `signed in: the dashboard has data (${charts.length} charts)`, panelErrors.join(' | '));
  await page.reload();
  await page.waitForSelector('#page-dropoff[data-refreshes]');
  check(await page.locator('#login').isHidden(), 'a reload keeps the session (sessionStorage)');

  // a token the broker no longer accepts: any 401 brings the form back
  await page.goto(`${admin}/#query`);
  await page.waitForSelector('#table-list summary button');
  await page.evaluate(() => sessionStorage.setItem('tannin.auth',
    JSON.stringify({ token: 'not-a-valid-token', username: 'x', role: 'USER' })));
  await page.fill('#sql', 'SELECT COUNT(*) FROM pageviews');
  await page.click('#run');
  await page.waitForSelector('#login-form', { state: 'visible' });
  const msg = await page.locator('#login-error').innerText();
  check(/expired|sign in again/i.test(msg), `a 401 brings the form back: "${msg}"`, msg);
  await signIn(page, authPassword);
  await page.waitForSelector('#login', { state: 'hidden' });
  await runQuery(page, 'SELECT COUNT(*) FROM pageviews');
  check(await page.locator('#query-result tbody tr').count() === 1, 'signed in again, queries work');

  await page.click('#sign-out');
  await page.waitForSelector('#login-form', { state: 'visible' });
  const gone = await page.evaluate(() => sessionStorage.getItem('tannin.auth'));
  check(gone === null && !(await visible(page, '#page-query')), 'Sign out forgets the token and shows the form');
  await page.reload();
  await page.waitForSelector('#login-form', { state: 'visible' });
  check(true, 'after signing out a reload asks again');
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
  if (authMode) {
    try {
      await authPage(page);
      check(!problems.some((p) => p.startsWith('page error')), 'no JavaScript errors', problems.join(' | '));
    } catch (e) {
      check(false, 'browser session (auth)', e.stack);
      await page.screenshot({ path: `${shots}/failure-auth.png`, fullPage: true }).catch(() => {});
    }
    await browser.close();
    return;
  }
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
