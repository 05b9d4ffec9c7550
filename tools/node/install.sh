#!/usr/bin/env bash
# Installs into tools/node/node_modules, from the pinned lock file, the
# reference engines (DuckDB, chDB) of the differential tests and benchmarks
# and a real Pinot client (pinot-client) for the compatibility test. Idempotent.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [ -d node_modules/@duckdb/node-api ] && [ -d node_modules/chdb ] && [ -d node_modules/pinot-client ]; then exit 0; fi
command -v npm >/dev/null || { echo "install.sh: npm is missing (Debian: apt-get install npm)" >&2; exit 1; }
npm install --no-audit --no-fund --loglevel=error >/dev/null
