#!/bin/sh
# Holds lib/rules.h against the replay results recorded from real kernels
# (tests/data/replay/*.json, made by run-vm-tests.sh with KVMREGS_VM_RECORD=1).
# No boot needed. Register-level disagreements listed in
# tests/data/replay/known-disagreements.txt are printed loudly, never skipped silently;
# any other disagreement, and any verdict disagreement, fails.
# Exit status: 0 the rules predict every recorded outcome (bar the listed ones), 1 not.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$(pwd)}
checker=${KVMREGS_REPLAY_CHECK:-$builddir/tests/vm/replay-check}
[ -x "$checker" ] || { echo "FAIL: $checker is not built (make tests/vm/replay-check)" >&2; exit 1; }
known=$srcdir/tests/data/replay/known-disagreements.txt
tmpd=$(mktemp -d) || exit 1
trap 'rm -rf "$tmpd"' EXIT
# Every host's check is independent and CPU-bound (91 hosts, minutes of CPU): one per CPU
# ($KVMREGS_CHECK_JOBS to say otherwise), the outputs then read back in order.
jobs=${KVMREGS_CHECK_JOBS:-$(nproc 2>/dev/null || echo 1)}
export checker srcdir tmpd
# Hosts without a recording in tests/data come with their probed profile (<label>.profile.json).
for f in "$srcdir"/tests/data/replay/*.json; do
        case $f in *.profile.json) continue ;; esac
        [ -f "$f" ] && printf '%s\n' "$f"
done | xargs -r -P "$jobs" -I @ sh -c '
        f=$1 label=$(basename "$1" .json) dest=${1%.json}.profile.json
        if [ -f "$dest" ]; then
                "$checker" replay "$f" "$srcdir/tests/data" "$dest"
        else
                "$checker" replay "$f" "$srcdir/tests/data"
        fi > "$tmpd/$label.out" 2>&1
        echo $? > "$tmpd/$label.rc"' sh @

status=0
found=0
known_total=0
for f in "$srcdir"/tests/data/replay/*.json; do
        case $f in *.profile.json) continue ;; esac
        [ -f "$f" ] || continue
        found=$((found + 1))
        label=$(basename "$f" .json)
        tmp=$tmpd/$label.out
        rc=$(cat "$tmpd/$label.rc" 2>/dev/null || echo 1)
        if [ $rc -eq 0 ]; then
                cat "$tmp"
                continue
        fi
        # Which DISAGREE lines are listed for this destination? A verdict line never is.
        regs=$(awk -v d="$label" '!/^#/ && $1 == d { print $2 }' "$known" 2>/dev/null)
        unknown=$(grep '^DISAGREE' "$tmp" | awk -v regs=" $(echo $regs) " '
                / the (kernel|rules) .* the (fixed )?load/ || /verdict/ { print; next }
                { listed = 0
                  n = split(regs, r, " ")
                  for (i = 1; i <= n; i++) if (index($0, ": " r[i] " (") > 0) listed = 1
                  if (!listed) print }')
        nknown=$(grep -c '^DISAGREE' "$tmp")
        if [ -z "$unknown" ] && [ "$nknown" -gt 0 ] && [ -n "$regs" ]; then
                grep -v '^DISAGREE' "$tmp"
                echo "KNOWN DISAGREEMENT: $label: $nknown register-level disagreements on $(echo $regs), listed in tests/data/replay/known-disagreements.txt:" >&2
                grep '^DISAGREE' "$tmp" | sed 's/^/  KNOWN /' >&2
                known_total=$((known_total + nknown))
        else
                cat "$tmp"
                status=1
        fi
done
[ $found -gt 0 ] || { echo "FAIL: no recorded replay results in $srcdir/tests/data/replay" >&2; exit 1; }
[ $known_total -eq 0 ] || echo "KNOWN DISAGREEMENTS: $known_total register-level (verdicts agree), see tests/data/replay/known-disagreements.txt" >&2
exit $status
