// pinot_client.mjs: queries a Tannin broker through pinot-client, a real
// Apache Pinot client library for Node.js, both with a fixed broker list
// and with the controller-based broker selector (which reads the
// controller's /v2/brokers/tables). Usage:
//   node pinot_client.mjs BROKER_HOST:PORT CONTROLLER_HOST:PORT TABLE EXPECTED_COUNT
// Prints ok/fail lines and exits non-zero on any failure.
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const { ConnectionFactory } = require(process.env.TN_NODE_MODULES + "/pinot-client");

const [broker, controller, table, expected] = process.argv.slice(2);
let failed = 0;
function check(ok, what, detail) {
  console.log(`${ok ? "ok  " : "FAIL"} pinot-client: ${what}${ok ? "" : " -- " + detail}`);
  if (!ok) failed++;
}

async function run(conn, how) {
  const r = await conn.execute(table, `SELECT COUNT(*) FROM ${table}`);
  check(r.resultTable.rows[0][0] === Number(expected), `${how}: count(*)`,
        JSON.stringify(r.resultTable));
  const g = await conn.execute(table,
    `SELECT Carrier, COUNT(*) AS n FROM ${table} GROUP BY Carrier ORDER BY n DESC LIMIT 3`);
  check(g.resultTable.dataSchema.columnNames.join(",") === "Carrier,n" &&
        g.resultTable.rows.length === 3 && g.numDocsScanned > 0,
        `${how}: group by with typed schema and stats`, JSON.stringify(g).slice(0, 300));
  // pinot-client turns a response with exceptions into a PinotClientError
  // quoting each [CODE n]: the broker must send Pinot's code for the error
  let msg = "";
  try {
    await conn.execute(table, `SELECT nosuchcolumn FROM ${table}`);
  } catch (e) {
    msg = String(e && e.message);
  }
  check(msg.includes("[CODE 710]"), `${how}: unknown column -> PinotClientError [CODE 710]`, msg);
}

try {
  await run(ConnectionFactory.fromHostList([broker]), "broker list");
  await run(await ConnectionFactory.fromController(controller), "controller selector");
} catch (e) {
  check(false, "no exception", e && e.stack ? e.stack : String(e));
}
process.exit(failed ? 1 : 0);
