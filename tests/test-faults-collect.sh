#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Disk full while `kvmregsctl collect` writes its store (docs/faults.md): on a small tmpfs this
# test mounts, two hosts (real kvmregsd on private buses, reached through a fake ssh that runs
# systemd-stdio-bridge, as in test-kvmregsctl-collect.sh) are collected
#   1. into a filesystem too small for any profile: every host fails with "No space left on
#      device", exit status 3, no host file and no temporary file left, index.json lists both
#      under "failed";
#   2. over a complete store on a filesystem that fills up: exit status 3, the message names
#      index.json, every file of the old store byte for byte as it was (each file is written
#      whole or not at all), nothing temporary left, and `matrix` still reads the store.
# Needs root (mount); CI runs as root, so it never skips there.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/kvmregsctl-test-lib.sh"
[ "$(id -u)" = 0 ] || skip_or_fail "needs root (mounts a tmpfs)"
need dbus-daemon systemd-stdio-bridge mount umount jq

start_bus
jq '.host = {hostname: "hosta"}' "$D/6.1-cortex-a72.json" >"$T/a.json"
jq '.host = {hostname: "hostb"}' "$D/6.12-cortex-a72.json" >"$T/b.json"
for h in a b; do
        bus_at "$h"
        BUS=unix:path=$T/bus-$h
        start_kvmregsd "$T/$h.json"
done
mkdir "$T/bin"
cat >"$T/bin/ssh" <<EOF
#!/bin/bash
while [ \$# -gt 0 ] && [ "\$1" != -- ]; do shift; done
shift
case \$1 in
hosta) exec systemd-stdio-bridge -p unix:path=$T/bus-a ;;
hostb) exec systemd-stdio-bridge -p unix:path=$T/bus-b ;;
*) echo "ssh: Could not resolve hostname \$1" >&2; exit 255 ;;
esac
EOF
chmod +x "$T/bin/ssh"
export PATH="$T/bin:$PATH"

M=$T/mnt
mkdir "$M"
mount -t tmpfs -o size=16k,mode=755 kvmregs-test "$M" || skip_or_fail "cannot mount a tmpfs"
cleanup_mount() { umount "$M" 2>/dev/null; cleanup; }
trap cleanup_mount EXIT
left_over() { find "$1" -name '.*' ! -name . | head -5; }

# ---- 1. no room for any profile ----
S=$M/store
run 3 collect --timeout 5000 hosta hostb -o "$S"
err_has "collect: the store cannot be written: cannot write $S/host" "too small: said at once"
check "[ \"\$(grep -c 'the store cannot be written' '$T/err')\" = 1 ]" "too small: said at once, once"
err_has "hosta: cannot write $S/hosta.json: No space left on device" "too small"
err_has "hostb: cannot write $S/hostb.json: No space left on device" "too small"
check "[ ! -e '$S/hosta.json' ] && [ ! -e '$S/hostb.json' ]" "too small: a host file was left"
check "[ -z \"\$(left_over '$S')\" ]" "too small: temporary files left: $(left_over "$S")"
check "jq -e '.hosts == [] and ([.failed[].host] | sort) == [\"hosta\", \"hostb\"]' '$S/index.json' >/dev/null" \
        "too small: index.json does not list both hosts as failed: $(head -c 400 "$S/index.json")"
check "jq -e '[.failed[].reason] | all(test(\"No space left on device\"))' '$S/index.json' >/dev/null" \
        "too small: index.json's reasons do not say why"
umount "$M"

# ---- 2. a complete store, then the filesystem fills up ----
mount -t tmpfs -o size=2m,mode=755 kvmregs-test "$M" || skip_or_fail "cannot mount a tmpfs"
run 0 collect --timeout 5000 hosta hostb -o "$S"
mkdir "$T/before"
cp -a "$S/." "$T/before/"
dd if=/dev/zero of="$M/filler" bs=4k 2>/dev/null   # until the filesystem is full
# hostb's profile changes, so that its file would be rewritten
BUS=unix:path=$T/bus-b
kill "$kvmregsd_pid"; wait "$kvmregsd_pid" 2>/dev/null
jq '.host = {hostname: "hostb"}' "$D/6.1-cortex-a72.json" >"$T/b.json"
start_kvmregsd "$T/b.json"
run 3 collect --timeout 5000 hosta hostb -o "$S"
err_has "No space left on device" "full"
err_has "collect: cannot write $S/index.json: No space left on device" "full"
check "diff -r '$T/before' '$S' >/dev/null" "full: the old store changed: $(diff -r "$T/before" "$S" 2>&1 | head -c 300)"
check "[ -z \"\$(left_over '$S')\" ]" "full: temporary files left: $(left_over "$S")"
run 1 matrix "$S"
out_has "hosta" "full: matrix on the old store"
rm -f "$M/filler"
run 0 collect --timeout 5000 hosta hostb -o "$S"
check "[ \"\$(jq -r .host.hostname '$S/hostb.json')\" = hostb ] && ! cmp -s '$S/hostb.json' '$T/before/hostb.json'" \
        "room again: hostb's new profile not written"

finish
