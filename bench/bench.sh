#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# `make bench`: every benchmark once, one after the other on this machine, then one table of
# every figure beside its anchor (what it is judged against: a bare process start, a bare D-Bus
# call on the same bus, the bus's own fastest answer, a target). Each benchmark prints its own
# detail and its summary lines ("= FIGURE | MEASURED | ANCHOR"); this script runs them and
# aligns the summary lines into the table. docs/performance.md holds one run's output
# (bench/update-performance-doc.sh).
#   bench/bench.sh BENCHMARK...     (from a build directory; make bench passes $(BENCHMARKS))
# exit: 0 every benchmark ran, 1 one failed (the others still run; the table says which).
set -u
one=$(mktemp)
summary=$(mktemp)
trap 'rm -f "$one" "$summary"' EXIT

echo "kvmregs benchmarks: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -r)," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
status=0
start=$(date +%s)
for b in "$@"; do
        echo "--- $b"
        "./$b" > "$one" 2>&1
        rc=$?
        # dbus-daemon's note that an unprivileged run cannot raise its fd limit: noise
        grep -v -e '^= ' -e 'Failed to set fd limit' "$one"
        grep '^= ' "$one" | sed 's/^= //' >> "$summary"
        if [ "$rc" != 0 ]; then
                echo "$b | FAILED (exit $rc) | -" >> "$summary"
                status=1
        fi
done
echo
echo "=== every figure beside its anchor ($(( $(date +%s) - start )) s; load average" \
     "$(cut -d' ' -f1-3 /proc/loadavg) at the end)"
awk -F ' [|] ' '
        { for (i = 1; i <= 3; i++) { cell[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } }
        END {
                printf "%-" w[1] "s | %-" w[2] "s | %s\n", "figure", "measured", "anchor"
                for (r = 1; r <= NR; r++)
                        printf "%-" w[1] "s | %-" w[2] "s | %s\n", cell[r, 1], cell[r, 2], cell[r, 3]
        }' "$summary"
exit "$status"
