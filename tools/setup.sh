#!/usr/bin/env bash
# Install the Debian 12 packages Tannin needs to build, test and run.
# Idempotent: installs only what is missing, and runs apt-get update only then.
#   --browser  also Chromium and fonts, for the web console's browser test
#              (tests/integration/console_browser.sh); the quickstart needs neither
#   --fuzz     also clang, for the libFuzzer targets (tools/fuzz/run.sh)
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  librdkafka-dev libevent-dev libroaring-dev libjemalloc-dev
  liblmdb-dev lmdb-utils check libpg-query-dev libcjson-dev libpcre2-dev
  libicu-dev libssl-dev openssl
  kcat curl python3 postgresql-client python3-psycopg2 libpostgresql-jdbc-java
  unixodbc odbc-postgresql
)
# npm installs the console's Chart.js at build time and the test tools'
# node packages; Debian's own unless a Node.js is already there
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)
for arg in "$@"; do
  case "$arg" in
    --browser) PACKAGES+=(chromium fonts-liberation2 fonts-dejavu-core) ;;
    --fuzz) PACKAGES+=(clang) ;;
    *) echo "usage: tools/setup.sh [--browser] [--fuzz]" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != *"install ok installed"* ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all ${#PACKAGES[@]} required packages are present"
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "setup: error: not root and sudo is not available; missing packages: ${missing[*]}" >&2
  echo "setup: install them as root with: apt-get install ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "setup: installed ${missing[*]}"
