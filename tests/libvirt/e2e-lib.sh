# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the end-to-end tests: two real libvirtd "hosts" on one machine (each in its own
# mount+UTS namespace, own loopback address, own system bus, own kvmregsd), an aarch64 TCG
# guest, real live migrations. Source it; the caller sets a trap that calls e2e_cleanup.
# Recipe and reasons: docs/libvirt-integration.md and ../shared/docs/libvirt-two-hosts.md.

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$PWD}"
E2E_SRC="$top_srcdir/tests/libvirt"
E2E_A_URI=qemu+tcp://127.0.0.2/system
E2E_B_URI=qemu+tcp://127.0.0.3/system
E2E_GUEST_MEM_MIB=${KVMREGS_E2E_GUEST_MEM_MIB:-192}
E2E_FAILED=0
E2E_T0=$EPOCHREALTIME

e2e_log() { awk -v a="$E2E_T0" -v b="$EPOCHREALTIME" -v m="$*" 'BEGIN { printf "[%6.2fs] %s\n", b - a, m }'; }

# A missing prerequisite: skip (77), or fail when CI asks for everything.
e2e_skip() {
        if [ "${KVMREGS_REQUIRE_ALL:-0}" = 1 ]; then
                echo "FAIL: prerequisite missing (KVMREGS_REQUIRE_ALL=1): $*" >&2
                exit 1
        fi
        echo "SKIP: $*" >&2
        exit 77
}

e2e_check_prerequisites() {
        [ "$(id -u)" = 0 ] || e2e_skip "needs root (namespaces, libvirtd)"
        local c
        for c in libvirtd virtlogd virsh qemu-system-aarch64 dbus-daemon unshare nsenter \
                 dpkg-deb cpio gzip jq xmllint "$@"; do
                command -v "$c" >/dev/null 2>&1 || e2e_skip "$c not found (run tests/libvirt/install-deps.sh)"
        done
        unshare --mount --uts true 2>/dev/null || e2e_skip "cannot create mount/UTS namespaces here"
        getent passwd libvirt-qemu >/dev/null || e2e_skip "user libvirt-qemu missing (libvirt-daemon-system)"
}

# The guest kernel and initrd, cached between runs (KVMREGS_E2E_CACHE).
e2e_fetch_guest() {
        local cache=${KVMREGS_E2E_CACHE:-/var/cache/kvmregs-e2e}
        "$E2E_SRC/fetch-guest.sh" "$cache" || e2e_skip "could not fetch the guest kernel/initrd"
        mkdir -p "$LAB/guest"
        cp "$cache/vmlinuz" "$cache/initrd.gz" "$LAB/guest/"
}

e2e_lab() {
        LAB=$(mktemp -d /tmp/kvmregs-e2e.XXXXXX)
        chmod 0755 "$LAB"   # QEMU runs as libvirt-qemu and reads the guest files from here
        mkdir -p /run/libvirt
}

# host_dir NAME
host_dir() { echo "$LAB/hosts/$1"; }
host_pid() { cat "$(host_dir "$1")/libvirtd.pid" 2>/dev/null; }
host_uri() { case $1 in hostA) echo "$E2E_A_URI";; hostB) echo "$E2E_B_URI";; esac; }
host_addr() { case $1 in hostA) echo 127.0.0.2;; hostB) echo 127.0.0.3;; esac; }
# Runs a command inside host NAME's namespaces (its /etc/libvirt, /run/dbus, hostname).
host_exec() { local h=$1; shift; nsenter -t "$(host_pid "$h")" -m -u -- "$@"; }
virsh_on() { local h=$1; shift; virsh -q -c "$(host_uri "$h")" "$@"; }

# host_prepare NAME: the per-host tree and configuration (hooks are added before host_start).
host_prepare() {
        local h=$1 dir addr idx pmin
        dir=$(host_dir "$h"); addr=$(host_addr "$h")
        case $h in hostA) idx=a; pmin=49152;; hostB) idx=b; pmin=49182;; esac
        mkdir -p "$dir"/{run,dbus,dbus-policy,kvmregs-etc,cache}
        cp -a /etc/libvirt "$dir/etc"
        cp -a /var/lib/libvirt "$dir/lib"
        cp -a /var/log/libvirt "$dir/log"
        [ -d /var/cache/libvirt ] && cp -a /var/cache/libvirt/. "$dir/cache/"
        mkdir -p "$dir/etc/hooks/qemu.d" "$dir/log/qemu"
        cat >>"$dir/etc/libvirtd.conf" <<CONF
listen_tls = 0
listen_tcp = 1
listen_addr = "$addr"
tcp_port = "16509"
auth_tcp = "none"
host_uuid = "5c0c1a7e-0000-4000-8000-00000000000$idx"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
CONF
        cat >>"$dir/etc/qemu.conf" <<CONF
migration_host = "$addr"
migration_address = "$addr"
migration_port_min = $pmin
migration_port_max = $((pmin + 29))
cgroup_controllers = [ ]
CONF
        printf '127.0.0.1 localhost\n127.0.0.2 hostA\n127.0.0.3 hostB\n' >"$dir/hosts"
        cat >"$dir/dbus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <auth>EXTERNAL</auth>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <includedir>$dir/dbus-policy</includedir>
</busconfig>
CONF
        # QEMU (user libvirt-qemu) execs the emulator wrapper and reads its per-host arguments
        : >"$dir/etc/kvmregs-e2e-qemu-args"
        chmod 0644 "$dir/etc/kvmregs-e2e-qemu-args"
}

host_start() {
        local h=$1 dir i
        dir=$(host_dir "$h")
        setsid unshare --mount --uts --propagation private "$E2E_SRC/hostns.sh" "$h" "$dir" \
                </dev/null >"$dir/hostns.log" 2>&1 &
        echo $! >"$dir/launcher.pid"
        for i in $(seq 100); do
                virsh -c "$(host_uri "$h")" hostname >/dev/null 2>&1 && { cp "$dir/launcher.pid" "$dir/libvirtd.pid"; return 0; }
                kill -0 "$(cat "$dir/launcher.pid")" 2>/dev/null || break
                sleep 0.1
        done
        echo "FAIL: $h's libvirtd did not come up:" >&2
        cat "$dir/hostns.log" >&2
        tail -n 20 "$dir/log/libvirtd.log" >&2 2>/dev/null
        return 1
}

# pid_is PID COMM: only signal processes that are still what we started.
pid_is() { [ -n "$1" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; }

host_stop() {
        local h=$1 dir d pid f
        dir=$(host_dir "$h")
        [ -d "$dir" ] || return 0
        if [ -f "$dir/launcher.pid" ] && kill -0 "$(cat "$dir/launcher.pid")" 2>/dev/null; then
                for d in $(virsh -c "$(host_uri "$h")" list --all --name 2>/dev/null); do
                        virsh -c "$(host_uri "$h")" destroy "$d" >/dev/null 2>&1
                        virsh -c "$(host_uri "$h")" undefine "$d" >/dev/null 2>&1
                done
        fi
        for f in "$dir"/run/qemu/*.pid; do
                [ -e "$f" ] && [ "$(basename "$f")" != driver.pid ] || continue
                pid=$(cat "$f"); pid_is "$pid" qemu-system-aar && kill -KILL "$pid"
        done
        for f in kvmregsd:kvmregsd memcheck-amd64-:kvmregsd sshd:sshd; do
                pid=$(cat "$dir/${f#*:}.pid" 2>/dev/null) || continue
                pid_is "$pid" "${f%%:*}" || continue
                # CONT first: a test may have stopped it
                kill -CONT "$pid"; kill -TERM "$pid"
        done
        pid=$(cat "$dir/launcher.pid" 2>/dev/null); pid_is "$pid" libvirtd && kill -TERM "$pid"
        pid=$(cat "$dir/virtlogd.pid" 2>/dev/null); pid_is "$pid" virtlogd && kill -TERM "$pid"
        pid=$(cat "$dir/dbus.pid" 2>/dev/null); pid_is "$pid" dbus-daemon && kill -TERM "$pid"
        return 0
}

e2e_cleanup() {
        local rc=$?
        host_stop hostA; host_stop hostB
        if [ -n "${LAB:-}" ] && [ -d "$LAB" ]; then
                if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ -n "${KVMREGS_E2E_KEEP_LOGS:-}" ]; then
                        echo "logs kept in $LAB" >&2
                else
                        sleep 0.3; rm -rf "$LAB"
                fi
        fi
        exit "$rc"
}

# guest_xml NAME UUID: the domain, with the console in the host's own /var/log/libvirt.
guest_xml() {
        cat <<XML
<domain type='qemu'>
  <name>$1</name><uuid>$2</uuid>
  <memory unit='MiB'>$E2E_GUEST_MEM_MIB</memory><vcpu>1</vcpu>
  <os>
    <type arch='aarch64' machine='virt'>hvm</type>
    <kernel>$LAB/guest/vmlinuz</kernel>
    <initrd>$LAB/guest/initrd.gz</initrd>
    <cmdline>console=ttyAMA0 panic=-1 quiet</cmdline>
  </os>
  <cpu mode='custom' match='exact'><model fallback='forbid'>cortex-a57</model></cpu>
  <on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot><on_crash>destroy</on_crash>
  <devices>
    <emulator>$LAB/qemu-system-aarch64</emulator>
    <controller type='usb' model='none'/>
    <serial type='file'><source path='/var/log/libvirt/qemu/$1-serial.log' append='on'/><target port='0'/></serial>
    <memballoon model='none'/>
  </devices>
</domain>
XML
}

# The emulator every host uses: QEMU plus the host's own extra arguments (a host whose
# QEMU builds a vCPU without PMU, say), read from the host's /etc/libvirt.
e2e_write_emulator() {
        cat >"$LAB/qemu-system-aarch64" <<'WRAP'
#!/bin/sh
# shellcheck disable=SC2046
exec /usr/bin/qemu-system-aarch64 "$@" $(cat /etc/libvirt/kvmregs-e2e-qemu-args 2>/dev/null)
WRAP
        chmod 0755 "$LAB/qemu-system-aarch64"
}

# serial_ticks HOST DOMAIN: the tick numbers in that host's copy of the console.
serial_ticks() { sed -n 's/^tick \([0-9]*\).*/\1/p' "$(host_dir "$1")/log/qemu/$2-serial.log" 2>/dev/null | tr -d '\r'; }
last_tick() { serial_ticks "$1" "$2" | tail -n1; }

# wait_tick HOST DOMAIN ABOVE TIMEOUT_S: waits until the console shows a tick > ABOVE.
wait_tick() {
        local h=$1 d=$2 above=$3 n=$(( $4 * 10 )) t
        while [ "$n" -gt 0 ]; do
                t=$(last_tick "$h" "$d"); [ -n "$t" ] && [ "$t" -gt "$above" ] && return 0
                sleep 0.1; n=$((n - 1))
        done
        return 1
}

# Assertions: record a failure, keep going (so cleanup runs and every case reports).
fail() { echo "FAIL: $*" >&2; E2E_FAILED=$((E2E_FAILED + 1)); }
ok() { echo "ok: $*"; }
expect() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }
