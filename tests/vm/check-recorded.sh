#!/bin/sh
# Holds lib/rules.h against the replay results recorded from real kernels
# (tests/data/replay/*.json, made by run-vm-tests.sh with KVMREGS_VM_RECORD=1).
# No boot needed. Exit status: 0 the rules predict every recorded outcome, 1 not.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$(pwd)}
checker=${KVMREGS_REPLAY_CHECK:-$builddir/tests/vm/replay-check}
[ -x "$checker" ] || { echo "FAIL: $checker is not built (make tests/vm/replay-check)" >&2; exit 1; }

status=0
found=0
# Hosts without a recording in tests/data come with their probed profile (<label>.profile.json).
for f in "$srcdir"/tests/data/replay/*.json; do
        case $f in *.profile.json) continue ;; esac
        [ -f "$f" ] || continue
        found=$((found + 1))
        dest=${f%.json}.profile.json
        if [ -f "$dest" ]; then
                "$checker" replay "$f" "$srcdir/tests/data" "$dest" || status=1
        else
                "$checker" replay "$f" "$srcdir/tests/data" || status=1
        fi
done
[ $found -gt 0 ] || { echo "FAIL: no recorded replay results in $srcdir/tests/data/replay" >&2; exit 1; }
exit $status
