#!/bin/sh
# Holds the rules against every recorded real QEMU migration between real kernels
# (tests/data/migrations, made by run-migrations.sh; see docs/migration-lab.md). No boot.
# KVMREGS_MIG_DATA: another data directory (run-migrations.sh's fresh results).
# Exit status: 0 the rules agree with every record (known disagreements are printed), 1 not.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$(pwd)}
ctl=${KVMREGSCTL:-$builddir/kvmregsctl}
[ -x "$ctl" ] || { echo "FAIL: $ctl is not built" >&2; exit 1; }
command -v python3 >/dev/null 2>&1 || { echo "FAIL: python3 is needed" >&2; exit 1; }
exec python3 "$srcdir/tests/vm/check-migrations.py" "$ctl" "${KVMREGS_MIG_DATA:-$srcdir/tests/data/migrations}"
