#!/usr/bin/env bash
# Builds Tannin's web console into OUTDIR (the broker serves it on its admin
# port; CMake's `console` target runs this into build/console): copies the
# pages and Chart.js, which npm installs from the pinned package-lock.json
# into broker/console/node_modules the first time. Without npm (or
# network) the build still succeeds: the pages are copied, a warning is
# printed, and the pages say that charts are unavailable.
set -euo pipefail
out=${1:?usage: broker/console/build.sh OUTDIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
chart=node_modules/chart.js/dist/chart.umd.js

# two builds (release and sanitizer) may run this at once: one npm at a time
exec 9<"$here/build.sh"
flock 9

if [ ! -f "$here/$chart" ]; then
    if ! command -v npm >/dev/null; then
        echo "console: warning: npm is missing; the console is built without charts" >&2
    elif ! (cd "$here" && { npm ci --no-audit --no-fund --loglevel=error ||
                             npm install --no-audit --no-fund --loglevel=error; }) >&2; then
        echo "console: warning: npm could not install chart.js; the console is built without charts" >&2
    fi
fi

mkdir -p "$out"
# the pages: everything at the top of broker/console but the build's own files
for f in "$here"/*.html "$here"/*.js "$here"/*.css "$here"/*.svg "$here"/dashboards.json; do
    [ -f "$f" ] && cp -p "$f" "$out/"
done
if [ -f "$here/$chart" ]; then
    cp -p "$here/$chart" "$out/chart.umd.js"
else
    rm -f "$out/chart.umd.js"
fi
