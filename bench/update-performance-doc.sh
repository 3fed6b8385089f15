#!/bin/sh
# Runs `make bench` in a build directory and writes its output (every benchmark's detail,
# then the table of every figure beside its anchor) into docs/performance.md, between its
# "bench output" markers, with the commit, so that the figures there are the benchmarks' own
# and one run's.
#   bench/update-performance-doc.sh [BUILD_DIR]     (default: build)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
doc=$top/docs/performance.md
out=$(mktemp)
trap 'rm -f "$out" "$out.doc"' EXIT

{
        echo '```'
        echo "commit $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)"
        make -s -C "$build" bench 2>&1 || echo "(a benchmark failed: see the table)"
        echo '```'
} > "$out"
awk -v out="$out" '
        /<!-- bench output: begin -->/ { print; while ((getline line < out) > 0) print line; skip = 1; next }
        /<!-- bench output: end -->/ { skip = 0 }
        !skip' "$doc" > "$out.doc"
grep -q '<!-- bench output: end -->' "$out.doc" || { echo "update-performance-doc: markers missing in $doc" >&2; exit 1; }
mv "$out.doc" "$doc"
echo "updated $doc"
