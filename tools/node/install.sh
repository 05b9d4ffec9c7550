#!/usr/bin/env bash
# Installs into tools/node/node_modules, from the pinned lock file, the
# reference engines (DuckDB, chDB) of the differential tests and benchmarks,
# a real Pinot client (pinot-client) and PostgreSQL client (pg) for the
# compatibility tests, and playwright-core (it drives Debian's chromium in
# the console's browser test; it downloads no browser of its own).
# Idempotent.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [ -d node_modules/@duckdb/node-api ] && [ -d node_modules/chdb ] && [ -d node_modules/pinot-client ] &&
   [ -d node_modules/playwright-core ] && [ -d node_modules/pg ]; then exit 0; fi
command -v npm >/dev/null || { echo "install.sh: npm is missing (Debian: apt-get install npm)" >&2; exit 1; }
npm install --no-audit --no-fund --loglevel=error >/dev/null
