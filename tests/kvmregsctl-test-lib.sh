# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by tests/test-kvmregsctl*.sh: running kvmregsctl and checking what it says; a private
# bus with the real kvmregsd; domain XML holding a kvmregs record.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-.}
CTL=${KVMREGSCTL:-$top_builddir/kvmregsctl}
KVMREGSD=$top_builddir/kvmregsd
D=$top_srcdir/tests/data
failures=0
checks=0
pids=""

# A missing prerequisite skips the test, unless CI asks for everything (KVMREGS_REQUIRE_ALL=1).
skip_or_fail() {
        echo "$1" >&2
        [ "${KVMREGS_REQUIRE_ALL:-0}" = 1 ] && exit 1
        exit 77
}
need() {
        local c
        for c in "$@"; do
                command -v "$c" >/dev/null || skip_or_fail "$c is missing"
        done
}
[ -x "$CTL" ] || { echo "no kvmregsctl at $CTL" >&2; exit 1; }

T=$(mktemp -d "/tmp/$(basename "$0" .sh).XXXXXX")
chmod 755 "$T"
# Stops a process this test started; never waits unbounded (a sanitizer's exit-time work can
# take long): SIGKILL after 10 s.
stop() {
        local p=$1
        kill -CONT "$p" 2>/dev/null
        kill "$p" 2>/dev/null || return
        for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
}
# Last started, first stopped: kvmregsd before its bus.
cleanup() {
        local p
        for p in $(echo $pids | tr ' ' '\n' | tac); do stop "$p"; done
        rm -rf "$T"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
check() { checks=$((checks + 1)); if ! eval "$1"; then fail "$2"; fi; }
# run WANT ARGS...: kvmregsctl's exit status must be WANT and nothing may have crashed;
# output in $T/out and $T/err.
run() {
        local want=$1 rc
        shift
        checks=$((checks + 1))
        "$CTL" "$@" >"$T/out" 2>"$T/err"
        rc=$?
        if grep -qE 'Sanitizer|runtime error:' "$T/err"; then
                fail "kvmregsctl $*: sanitizer report: $(grep -m3 -E 'Sanitizer|runtime error:|#[0-9] ' "$T/err")"
                return 1
        fi
        if [ "$rc" != "$want" ]; then
                fail "kvmregsctl $*: exit $rc, expected $want; stderr: $(head -c 400 "$T/err")"
                return 1
        fi
        return 0
}
out_has() { check "grep -qF -- \"$1\" '$T/out'" "$2: output lacks '$1'"; }
err_has() { check "grep -qF -- \"$1\" '$T/err'" "$2: stderr lacks '$1': $(head -c 300 "$T/err")"; }
finish() {
        echo "$(basename "$0" .sh): $checks checks, $failures failed"
        [ "$failures" = 0 ]
}

# start_bus: a private dbus-daemon anyone may use, at $BUS.
start_bus() {
        cat >"$T/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path=$T/bus</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/>
<allow receive_sender="*"/></policy></busconfig>
EOF
        dbus-daemon --config-file="$T/bus.conf" --nofork --nopidfile 2>/dev/null &
        pids="$pids $!"
        BUS=unix:path=$T/bus
        for _ in $(seq 100); do [ -S "$T/bus" ] && return 0; sleep 0.05; done
        skip_or_fail "dbus-daemon did not start"
}

# bus_at NAME: another private dbus-daemon at $T/bus-NAME, with start_bus's configuration
bus_at() {
        sed "s|$T/bus<|$T/bus-$1<|" "$T/bus.conf" >"$T/bus-$1.conf"
        dbus-daemon --config-file="$T/bus-$1.conf" --nofork --nopidfile 2>/dev/null &
        pids="$pids $!"
        for _ in $(seq 100); do [ -S "$T/bus-$1" ] && return 0; sleep 0.05; done
        skip_or_fail "dbus-daemon did not start"
}

# start_kvmregsd PROFILE: the real kvmregsd serving a recorded profile on $BUS; its pid in $kvmregsd_pid.
start_kvmregsd() {
        [ -x "$KVMREGSD" ] || skip_or_fail "no kvmregsd at $KVMREGSD (build it first)"
        "$KVMREGSD" --bus-address "$BUS" --profile-file "$1" --no-libvirt 2>"$T/kvmregsd.log" &
        kvmregsd_pid=$!
        pids="$pids $kvmregsd_pid"
        for _ in $(seq 100); do
                "$CTL" --bus-address "$BUS" --timeout 500 status >/dev/null 2>&1 && return 0
                sleep 0.1
        done
        skip_or_fail "kvmregsd does not come up on a private bus: $(head -c 400 "$T/kvmregsd.log")"
}

# domain_xml OUT NAME UUID RECORD_FILE [ARCH [DOMAIN_TYPE [WRAP_IN_NODE]]]: an aarch64 host-passthrough
# domain whose <metadata> holds RECORD_FILE as its kvmregs record ("-": no record); WRAP_IN_NODE=1
# makes a libvirt test-driver node file.
domain_xml() {
        python3 - "$@" <<'EOF'
import sys
from xml.sax.saxutils import escape
out, name, uuid, record = sys.argv[1:5]
arch = sys.argv[5] if len(sys.argv) > 5 else "aarch64"
dtype = sys.argv[6] if len(sys.argv) > 6 else "kvm"
node = len(sys.argv) > 7 and sys.argv[7] == "1"
meta = ""
if record != "-":
    meta = ("<metadata><kvmregs:record xmlns:kvmregs='http://kvmregs.org/xmlns/record/1' domain='%s'>%s"
            "</kvmregs:record></metadata>" % (uuid, escape(open(record).read())))
xml = ("<domain type='%s'><name>%s</name><uuid>%s</uuid><memory unit='MiB'>256</memory><vcpu>1</vcpu>%s"
       "<os><type arch='%s' machine='virt'>hvm</type></os><cpu mode='host-passthrough'/>"
       "<devices/></domain>" % (dtype, name, uuid, meta, arch))
open(out, "w").write("<node>%s</node>" % xml if node else xml)
EOF
}

# record_of PROFILE CONFIG OUT: a guest record made offline from a recording (the profile with
# only that configuration; the parser takes it like kvmregsd's own records).
record_of() {
        python3 - "$@" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["configs"] = [c for c in d["configs"] if c["name"] == sys.argv[2]]
json.dump(d, open(sys.argv[3], "w"))
EOF
}
