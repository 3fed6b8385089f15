# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by tests/test-daemon-*.sh: private dbus-daemons and kvmregsd instances on them,
# queried by unmodified foreign clients (busctl, dbus-send, gdbus).
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$PWD}
KVMREGSD=$top_builddir/kvmregsd
CALL=$top_builddir/tests/test-daemon-call
NOTIFY=$top_builddir/tests/test-daemon-notify
DATA=$top_srcdir/tests/data
IFACE=org.kvmregs.Profile1
OBJ=/org/kvmregs/Profile1
failures=0
checks=0
pids=""

# A missing prerequisite skips the test, unless CI asks for everything (KVMREGS_REQUIRE_ALL=1).
skip_or_fail() {
        if [ "${KVMREGS_REQUIRE_ALL:-0}" = 1 ]; then
                echo "FAIL: missing prerequisite: $*"
                exit 1
        fi
        echo "SKIP: $*"
        exit 77
}
need() {
        for c in "$@"; do
                command -v "$c" >/dev/null 2>&1 || skip_or_fail "$c is not installed"
        done
}
need dbus-daemon busctl dbus-send gdbus jq timeout setpriv
[ "$(id -u)" = 0 ] || skip_or_fail "needs root (only root may own $IFACE; the test also calls as nobody)"
[ -x "$KVMREGSD" ] && [ -x "$CALL" ] && [ -x "$NOTIFY" ] || { echo "FAIL: build kvmregsd and tests/test-daemon-* first"; exit 1; }

fail() {
        echo "FAIL: $*"
        failures=$((failures + 1))
}
check() {   # check DESCRIPTION COMMAND...
        local what=$1
        shift
        checks=$((checks + 1))
        "$@" || fail "$what"
}
check_eq() {   # check_eq DESCRIPTION ACTUAL EXPECTED
        checks=$((checks + 1))
        if [ "$2" != "$3" ]; then
                fail "$1"
                printf '  got:      %.400s\n  expected: %.400s\n' "$2" "$3"
        fi
}
check_match() {   # check_match DESCRIPTION ACTUAL GLOB
        checks=$((checks + 1))
        # shellcheck disable=SC2053
        [[ $2 == $3 ]] || { fail "$1"; printf '  got: %.400s\n  expected: %s\n' "$2" "$3"; }
}
finish() {
        echo "$(basename "$0"): $checks checks, $failures failed"
        [ "$failures" = 0 ]
}

WORK=$(mktemp -d /tmp/kvmregs-daemon-test.XXXXXX)
# nobody must reach the bus sockets in here.
chmod 755 "$WORK"
cleanup() {
        for p in $pids; do kill "$p" 2>/dev/null; done
        for p in $pids; do wait "$p" 2>/dev/null; done
        for f in "$WORK"/*.buspid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
        rm -rf "$WORK"
}
trap cleanup EXIT

# start_bus NAME POLICY: a dbus-daemon of type system at unix:path=$WORK/NAME.sock.
# POLICY "real": the system bus's stock default policy plus dbus/org.kvmregs.Profile1.conf;
# "open": anyone may call anything (so that kvmregsd's own checks can be seen).
start_bus() {
        local name=$1 policy=$2 rules
        if [ "$policy" = real ]; then
                rules='<deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Peer"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>'
        else
                rules='<allow own="*"/>
    <allow send_type="method_call"/>'
        fi
        cat > "$WORK/$name.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$WORK/$name.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    $rules
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  $( [ "$policy" = real ] && echo "<include>$top_srcdir/dbus/org.kvmregs.Profile1.conf</include>" )
</busconfig>
CONF
        dbus-daemon --config-file="$WORK/$name.conf" --fork --print-pid > "$WORK/$name.buspid" ||
                { echo "FAIL: dbus-daemon did not start"; exit 1; }
        eval "BUS_$name=unix:path=$WORK/$name.sock"
}

# start_daemon BUSNAME [kvmregsd options...]: runs kvmregsd on that bus, waits until it owns the name.
# Sets DAEMON_PID.
start_daemon() {
        local name=$1 address
        shift
        address=$(eval echo "\$BUS_$name")
        # shellcheck disable=SC2086
        ${DAEMON_WRAPPER:-} "$KVMREGSD" --bus-address "$address" ${LIBVIRT_OPTION---no-libvirt} "$@" \
                2> "$WORK/$name.daemon.log" &
        DAEMON_PID=$!
        pids="$pids $DAEMON_PID"
        wait_for_name "$address" || { echo "FAIL: kvmregsd did not take the name"; cat "$WORK/$name.daemon.log"; exit 1; }
}

wait_for_name() {
        for _ in $(seq "${NAME_TRIES:-100}"); do
                [ "$(busctl --address "$1" call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
                        NameHasOwner s $IFACE 2>/dev/null)" = "b true" ] && return 0
                sleep 0.05
        done
        return 1
}

# wait_for_file_line FILE GLOB [SECONDS]: until a line of FILE matches.
wait_for_line() {
        local file=$1 pattern=$2 tries=$(( ${3:-10} * 20 ))
        for _ in $(seq "$tries"); do
                grep -q -- "$pattern" "$file" 2>/dev/null && return 0
                sleep 0.05
        done
        return 1
}

# Foreign clients. call_s ADDRESS METHOD [SIGNATURE ARGS...]: the first string of the answer.
call_s() {
        local address=$1 method=$2
        shift 2
        busctl --address "$address" --json=short call $IFACE $OBJ $IFACE "$method" "$@" | jq -r '.data[0]'
}
# error_name ADDRESS METHOD [dbus-send typed args...]: the D-Bus error name of a call, or "ok".
error_name() {
        local address=$1 method=$2 out
        shift 2
        out=$(dbus-send --bus="$address" --print-reply --dest=$IFACE $OBJ "$IFACE.$method" "$@" 2>&1) && { echo ok; return; }
        echo "$out" | sed -n 's/^Error \([^:]*\):.*/\1/p' | head -n 1
}
property() {
        busctl --address "$1" --json=short get-property $IFACE $OBJ $IFACE "$2" | jq -c '.data'
}
