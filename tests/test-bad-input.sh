#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The bad-input catalogue (tests/bad-input/catalogue.tsv), the cases that need no bus: profiles,
# domain XML, the hook's policy file and command lines, each run through the built kvmregsctl,
# kvmregs-hook or kvmregsd under `timeout`, its exit status and message checked. Also: docs/bad-input.md
# is the catalogue (tests/bad-input/mkdoc.sh makes it). The D-Bus cases: test-bad-input-bus.sh.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$PWD}
# shellcheck source=tests/bad-input/run-cases.sh
. "$top_srcdir/tests/bad-input/run-cases.sh"

if ! command -v python3 > /dev/null; then
        [ "${KVMREGS_REQUIRE_ALL:-0}" = 1 ] && { echo "FAIL: python3 is not installed"; exit 1; }
        echo "SKIP: python3 is not installed"; exit 77
fi
for p in kvmregsctl kvmregs-hook kvmregsd tests/make-record tests/test-daemon-call; do
        [ -x "$top_builddir/$p" ] || { echo "FAIL: build $p first"; exit 1; }
done
work=$(mktemp -d /tmp/kvmregs-bad-input.XXXXXX)
trap 'rm -rf "$work"' EXIT
make_inputs "$work" || { echo "FAIL: cannot make the generated inputs"; exit 1; }

run_catalogue '^(kvmregsctl|kvmregs-hook|kvmregsd)$' '' '\{BUS'

doc_failures=0
if ! sh "$top_srcdir/tests/bad-input/mkdoc.sh" "$CATALOGUE" | diff -u "$top_srcdir/docs/bad-input.md" - > "$work/doc.diff"; then
        echo "FAIL: docs/bad-input.md disagrees with the catalogue (remake it: sh tests/bad-input/mkdoc.sh" \
             "tests/bad-input/catalogue.tsv > docs/bad-input.md):"
        head -n 40 "$work/doc.diff"
        doc_failures=1
fi
echo "test-bad-input.sh: $cases cases, $case_failures failed"
[ "$case_failures" = 0 ] && [ "$doc_failures" = 0 ]
