#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every file under tests/fuzz/known/HARNESS is an input on which fuzzing found a bug in code
# outside tests/fuzz, reported and not fixed yet (docs/fuzzing.md says which). replay-HARNESS
# must still fail on each. When one no longer fails, its fix is in: git mv it to
# tests/fuzz/crashes/HARNESS, where replay-HARNESS keeps it fixed; until then this test fails.
# Exit status: 77 no known bug to check, 0 every known bug still reproduces, 1 one of them no longer does (or a replay
# program is missing).
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-.}
status=0
count=0
ulimit -c 0 2>/dev/null

for dir in "$srcdir"/tests/fuzz/known/*/; do
        [ -d "$dir" ] || continue
        harness=$(basename "$dir")
        replay=$builddir/tests/fuzz/replay-$harness
        if [ ! -x "$replay" ]; then
                echo "$replay is not built"
                status=1
                continue
        fi
        for input in "$dir"*; do
                [ -f "$input" ] || continue
                count=$((count + 1))
                if "$replay" "$input" >/dev/null 2>&1; then
                        echo "FIXED: $input no longer fails: git mv it to tests/fuzz/crashes/$harness/"
                        status=1
                else
                        echo "still reproduces: $input"
                fi
        done
done
echo "$count known bugs checked"
# Nothing to check is not a pass: report it as skipped (automake's 77).
[ "$count" -eq 0 ] && [ "$status" -eq 0 ] && exit 77
exit $status
