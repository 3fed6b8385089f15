#!/bin/sh
# Runs every benchmark in a build directory and writes their output into
# docs/performance.md, between its "bench output" markers, with the date, the commit and
# the machine, so that the figures there are the benchmarks' own and one run's.
#   bench/update-performance-doc.sh [BUILD_DIR]     (default: build)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
doc=$top/docs/performance.md
out=$(mktemp)
trap 'rm -f "$out" "$out.doc"' EXIT

{
        echo '```'
        echo "commit $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown), $(date -u +%Y-%m-%d)," \
             "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
        make -s -C "$build" run-benchmarks 2>&1 | grep -v 'Failed to set fd limit'
        echo '```'
} > "$out"
awk -v out="$out" '
        /<!-- bench output: begin -->/ { print; while ((getline line < out) > 0) print line; skip = 1; next }
        /<!-- bench output: end -->/ { skip = 0 }
        !skip' "$doc" > "$out.doc"
grep -q '<!-- bench output: end -->' "$out.doc" || { echo "update-performance-doc: markers missing in $doc" >&2; exit 1; }
mv "$out.doc" "$doc"
echo "updated $doc"
