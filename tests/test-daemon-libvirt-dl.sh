#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kvmregsd loads libvirt's client library only for its watcher, not with --no-libvirt
# (daemon/virt-dl.h): with --no-libvirt none of it is mapped; with the watcher it is, and the
# watcher follows libvirt as before (a libvirtd socket nobody listens on: it says so and
# retries); when the library cannot be loaded (hidden by a bind mount in a mount namespace of
# the test's own) kvmregsd names the library, the reason and the way out, and still serves.
. "$(dirname "$0")/test-daemon-common.sh"
need unshare mount
# A sanitizer build links libvirt (daemon/daemon.mk: ASan's xdr interceptors): nothing to see here.
if ldd "$KVMREGSD" | grep -q 'libvirt\.so'; then
        echo "SKIP: this kvmregsd links libvirt (a sanitizer build)"
        exit 77
fi

start_bus A open
mapped() { grep -c '/libvirt\.so\.0' "/proc/$1/maps"; }
digest() { busctl --address "$BUS_A" --json=short get-property $IFACE $OBJ $IFACE Digest | jq -r '.data'; }
{ read -r want_digest; read -r _; } < <("$CALL" --local-profile "$DATA/6.1-cortex-a72.json")

# --no-libvirt: not mapped, serves.
start_daemon A --profile-file "$DATA/6.1-cortex-a72.json"
check_eq "--no-libvirt: libvirt's client library is not mapped" "$(mapped "$DAEMON_PID")" 0
check_eq "--no-libvirt: serves the profile" "$(digest)" "$want_digest"
kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null

# The watcher on a libvirtd socket nobody listens on: loaded, retrying, serving.
LIBVIRT_OPTION="--libvirt-uri=qemu+unix:///system?socket=$WORK/no-libvirtd.sock" \
        start_daemon A --profile-file "$DATA/6.1-cortex-a72.json"
check "watcher: says it cannot reach libvirt" wait_for_line "$WORK/A.daemon.log" 'no-libvirtd.sock'
check "watcher: libvirt's client library is mapped" [ "$(mapped "$DAEMON_PID")" -gt 0 ]
check_eq "watcher: serves the profile" "$(digest)" "$want_digest"
kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null

# The library cannot be loaded: /dev/null bound over it, in a mount namespace of its own.
lib=$(ldconfig -p | sed -n 's/^[[:space:]]*libvirt\.so\.0 ([^)]*) => //p' | head -n 1)
[ -n "$lib" ] && [ -e "$lib" ] || skip_or_fail "libvirt.so.0 is not installed (libvirt0)"
unshare --mount --propagation private sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh "$lib" \
        "$KVMREGSD" --bus-address "$BUS_A" --libvirt-uri="qemu+unix:///system?socket=$WORK/no-libvirtd.sock" \
        --profile-file "$DATA/6.1-cortex-a72.json" 2> "$WORK/noload.log" &
DAEMON_PID=$!
pids="$pids $DAEMON_PID"
wait_for_name "$BUS_A" || fail "kvmregsd without libvirt's library did not take the name"
check "no library: the error names it and the way out" \
        grep -q "not following libvirt: cannot load libvirt's client library: $lib: .*--no-libvirt" "$WORK/noload.log"
check "no library: it does not try to connect" sh -c "! grep -q no-libvirtd.sock '$WORK/noload.log'"
check_eq "no library: still serves the profile" "$(digest)" "$want_digest"
kill "$DAEMON_PID"; wait "$DAEMON_PID"
check_eq "no library: SIGTERM ends it with 0" "$?" 0
finish
