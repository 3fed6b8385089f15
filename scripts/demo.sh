#!/bin/bash
# The demo: kvmregs on real register profiles recorded from Debian arm64 kernels
# (tests/data, copied from real recordings; there is no arm64 host here).
# Installs the build dependencies (as root), builds, compares hosts, shows the fleet views,
# a baseline and the scheduler export, starts a private D-Bus bus with kvmregsd serving a
# recorded 6.1 host, and shows what an operator sees.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
data=tests/data
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@" || echo "(exit status $?)"; }

scripts/install-build-deps.sh >/dev/null
if [ ! -f build/Makefile ]; then
        ./autogen.sh >/dev/null 2>&1
        mkdir -p build && (cd build && ../configure -q)
fi
make -C build -j"$(nproc)" >/dev/null
ctl=build/kvmregsctl

echo "== 1. A host's register profile (Linux 6.12, QEMU cortex-a72 model)"
run $ctl show $data/6.12-cortex-a72.json
run $ctl show $data/6.12-cortex-a72.json --config base | head -40

echo "== 2. Will a guest migrate from a 6.12 host to a 6.1 host?"
run $ctl compare $data/6.12-cortex-a72.json $data/6.1-cortex-a72.json --config base
echo "== 3. ... and from 6.1 to 6.12 (6.12's writable ID registers take the older values)?"
run $ctl compare $data/6.1-cortex-a72.json $data/6.12-cortex-a72.json --config base
echo "== 4. Same kernel, other CPU model"
run $ctl compare $data/6.12-cortex-a72.json $data/6.12-neoverse-n1.json --config base
echo "== 5. Machine-readable"
say "$ctl compare $data/6.1-max.json $data/6.12-max.json --config base --json | head -30"
$ctl compare $data/6.1-max.json $data/6.12-max.json --config base --json | head -30 || true
echo "== 6. The fleet: the recorded hosts, per class of identical profiles: who can take whose guests"
run $ctl matrix $data/*.json --config base
echo "== 7. ... the groups a guest moves freely in, and the one-way edges between them"
run $ctl groups $data/*.json --config base
echo "== 8. What must a guest be started with to move among three kernels of one CPU model?"
run $ctl baseline $data/6.1-cortex-a72.json $data/6.12-cortex-a72.json $data/7.2-cortex-a72.json
echo "== 9. Telling the scheduler: KubeVirt node labels and Nova provider traits"
export_dir=$(mktemp -d)
run $ctl export --format kubevirt $data/6.1-cortex-a72.json $data/6.12-cortex-a72.json $data/7.2-cortex-a72.json -o "$export_dir/kubevirt"
for f in "$export_dir"/kubevirt/*.yaml; do say "cat $f"; cat "$f"; break; done
run $ctl export --format nova $data/6.1-cortex-a72.json $data/6.12-cortex-a72.json $data/7.2-cortex-a72.json -o "$export_dir/nova"
for f in "$export_dir"/nova/*.yaml; do say "cat $f"; cat "$f"; break; done
rm -rf "$export_dir"

echo "== 10. kvmregsd on a (private) system bus, serving the 6.1 host's profile"
tmp=$(mktemp -d)
trap 'kill $(cat $tmp/*.pid 2>/dev/null) 2>/dev/null; rm -rf $tmp' EXIT
cat >"$tmp/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$tmp/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/></policy>
</busconfig>
CONF
dbus-daemon --config-file="$tmp/bus.conf" --fork --print-pid >"$tmp/bus.pid"
export KVMREGS_BUS_ADDRESS="unix:path=$tmp/bus"
build/kvmregsd --bus-address "$KVMREGS_BUS_ADDRESS" --profile-file $data/6.1-cortex-a72.json --no-libvirt &
echo $! >"$tmp/kvmregsd.pid"
for _ in $(seq 50); do busctl --address="$KVMREGS_BUS_ADDRESS" status org.kvmregs.Profile1 >/dev/null 2>&1 && break; sleep 0.1; done
run $ctl status
run busctl --address="$KVMREGS_BUS_ADDRESS" introspect org.kvmregs.Profile1 /org/kvmregs/Profile1
run $ctl compare --local $data/6.12-cortex-a72.json --config base
echo
echo "Done. See README.md and docs/ for the libvirt hook and the tests on real kernels."
