#!/usr/bin/env bash
# Installs the reference engines (DuckDB, chDB) for differential tests and
# benchmarks into tools/node/node_modules from the pinned lock file. Idempotent.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [ -d node_modules/@duckdb/node-api ] && [ -d node_modules/chdb ]; then exit 0; fi
command -v npm >/dev/null || { echo "install.sh: npm is missing (Debian: apt-get install npm)" >&2; exit 1; }
npm install --no-audit --no-fund --loglevel=error >/dev/null
