#!/bin/sh
# A few real QEMU migrations, live, checked against the rules: bookworm's QEMU 7.2 and
# sid's QEMU 11.x inside real kernels 6.12 and 7.2 (cortex-a72 host), a -cpu host guest
# saved on each and loaded on the other (4 migrations, 6 boots). The full matrix is
# recorded with run-migrations.sh and checked without boots by check-migrations.sh.
# Exit status: as run-migrations.sh (77: a prerequisite is missing).
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
KVMREGS_MIG_HOSTS=${KVMREGS_MIG_LIVE_HOSTS:-6.12:cortex-a72 7.2:cortex-a72}
KVMREGS_MIG_OUT=${KVMREGS_MIG_OUT:-$(pwd)/tests/vm/mig-live}
KVMREGS_MIG_CHECK=1
export KVMREGS_MIG_HOSTS KVMREGS_MIG_OUT KVMREGS_MIG_CHECK
exec sh "$srcdir/tests/vm/run-migrations.sh"
