// pg_node.mjs: queries the broker's PostgreSQL port with node-postgres
// (npm `pg`), a widely used driver that speaks the extended protocol for
// parameterized queries. Usage:
//   TN_NODE_MODULES=... node pg_node.mjs PORT EXPECTED_COUNT
// Prints ok/FAIL lines and exits non-zero on any failure.
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const { Client } = require(process.env.TN_NODE_MODULES + "/pg");

const [port, expected] = process.argv.slice(2);
let failed = 0;
function check(ok, what, detail) {
  console.log(`${ok ? "ok  " : "FAIL"} pg (node): ${what}${ok ? "" : " -- " + detail}`);
  if (!ok) failed++;
}

const client = new Client({ host: "127.0.0.1", port: Number(port), user: "x",
                            database: "default" });
try {
  await client.connect();
  check(true, "connect");

  // simple protocol (no parameters); int8 comes back as a string in pg
  const r = await client.query("SELECT COUNT(*) AS n FROM airlineStats");
  check(r.rows.length === 1 && r.rows[0].n === String(expected) && r.command === "SELECT",
        "simple query COUNT(*)", JSON.stringify({ rows: r.rows, command: r.command }));

  // extended protocol: Parse with $1, Bind, Describe, Execute
  const p = await client.query(
    "SELECT Carrier, COUNT(*) AS n, AVG(ArrDelay) AS d FROM airlineStats WHERE Carrier = $1 " +
    "GROUP BY Carrier", ["AA"]);
  // column names are Tannin's (as written: "Carrier"), not folded to lower case
  check(p.rows.length === 1 && p.rows[0].Carrier === "AA" && Number(p.rows[0].n) > 0,
        "parameterized query ($1)", JSON.stringify(p.rows));
  const types = p.fields.map((f) => f.dataTypeID);
  check(JSON.stringify(types) === "[25,20,701]" && typeof p.rows[0].d === "number",
        `field dataTypeIDs ${JSON.stringify(types)} (text, int8, float8)`,
        JSON.stringify(p.fields));
  const inj = await client.query("SELECT COUNT(*) AS n FROM airlineStats WHERE Carrier = $1",
                                 ["AA' OR 'a'='a"]);
  check(inj.rows[0].n === "0", "a parameter with a quote stays a literal", JSON.stringify(inj.rows));

  // an error, then a good query on the same client
  let code = "";
  try {
    await client.query("SELECT nosuch FROM airlineStats");
  } catch (e) {
    code = e.code;
  }
  check(code === "42703", "unknown column -> error 42703", code);
  const again = await client.query("SELECT 1 AS one");
  check(again.rows[0].one === 1 && again.fields[0].dataTypeID === 23,
        "a good query after the error", JSON.stringify(again.rows));
} catch (e) {
  check(false, "unexpected error", e.stack);
} finally {
  await client.end().catch(() => {});
}
process.exit(failed ? 1 : 0);
