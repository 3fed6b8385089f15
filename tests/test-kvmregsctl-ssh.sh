#!/bin/bash
# kvmregsctl reaching "another host's" kvmregsd over real ssh: an sshd of its own on a loopback
# port (its own host key, key-only root login) and the real systemd-stdio-bridge, as
# docs/libvirt-two-hosts.md section 11 describes; kvmregsd serves a recorded profile on a private bus.
# check --to, fleet --hosts, a wrong key (exit 3, ssh's message) and an ssh that hangs (bounded by
# --timeout). Needs root (sshd), openssh-server, openssh-client, dbus-daemon, systemd-stdio-bridge,
# python3, jq; skips (77) without them unless KVMREGS_REQUIRE_ALL=1.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-.}
CTL=${KVMREGSCTL:-$top_builddir/kvmregsctl}
KVMREGSD=$top_builddir/kvmregsd
D=$top_srcdir/tests/data
failures=0
checks=0
pids=""

skip_or_fail() {
        echo "$1" >&2
        [ "${KVMREGS_REQUIRE_ALL:-0}" = 1 ] && exit 1
        exit 77
}
[ "$(id -u)" = 0 ] || skip_or_fail "needs root to run an sshd that logs root in"
for c in /usr/sbin/sshd ssh ssh-keygen dbus-daemon systemd-stdio-bridge python3 jq; do
        command -v "$c" >/dev/null || skip_or_fail "$c is missing (openssh-server, openssh-client, dbus, systemd, python3, jq)"
done
[ -x "$CTL" ] || { echo "no kvmregsctl at $CTL" >&2; exit 1; }
[ -x "$KVMREGSD" ] || skip_or_fail "no kvmregsd at $KVMREGSD (build it first)"

T=$(mktemp -d /tmp/test-kvmregsctl-ssh.XXXXXX)
chmod 755 "$T"
stop() {
        local p=$1
        kill -CONT "$p" 2>/dev/null
        kill "$p" 2>/dev/null || return
        for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
}
cleanup() {
        local p
        [ -f "$T/sshd.pid" ] && pids="$(cat "$T/sshd.pid") $pids"
        for p in $(echo $pids | tr ' ' '\n' | tac); do stop "$p"; done
        rm -rf "$T"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
check() { checks=$((checks + 1)); if ! eval "$1"; then fail "$2"; fi; }
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
err_has() { check "grep -qF -- \"$1\" '$T/err'" "$2: stderr lacks '$1': $(head -c 300 "$T/err")"; }

# ---- a bus with the real kvmregsd (the "remote host") ----
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
for _ in $(seq 100); do [ -S "$T/bus" ] && break; sleep 0.05; done
"$KVMREGSD" --bus-address "$BUS" --profile-file "$D/6.1-cortex-a72.json" --no-libvirt 2>"$T/kvmregsd.log" &
pids="$pids $!"
up=0
for _ in $(seq 100); do
        "$CTL" --bus-address "$BUS" --timeout 500 status >/dev/null 2>&1 && { up=1; break; }
        sleep 0.1
done
[ "$up" = 1 ] || skip_or_fail "kvmregsd does not come up on a private bus: $(head -c 400 "$T/kvmregsd.log")"

# ---- an sshd of our own ----
ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey" || exit 1
ssh-keygen -q -t ed25519 -N '' -f "$T/userkey" || exit 1
ssh-keygen -q -t ed25519 -N '' -f "$T/otherkey" || exit 1
cp "$T/userkey.pub" "$T/authorized_keys"
chmod 600 "$T/authorized_keys"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$T/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $T/hostkey
PidFile $T/sshd.pid
AuthorizedKeysFile $T/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
LogLevel ERROR
EOF
mkdir -p /run/sshd
/usr/sbin/sshd -f "$T/sshd_config" -E "$T/sshd.log" || skip_or_fail "sshd does not start: $(cat "$T/sshd.log")"
for _ in $(seq 50); do [ -s "$T/sshd.pid" ] && break; sleep 0.1; done
SSH=(--ssh-option -p --ssh-option "$port" --ssh-option -i --ssh-option "$T/userkey"
     --ssh-option -oStrictHostKeyChecking=no --ssh-option -oUserKnownHostsFile=/dev/null
     --ssh-option -oBatchMode=yes --ssh-option -oLogLevel=ERROR)
BRIDGE="systemd-stdio-bridge --bus-path=$BUS"

# A guest of 6.12 (its record made offline from the recording) and one of 6.1 (the daemon's own record).
"$CTL" --bus-address "$BUS" profile --config base --json >"$T/record-61.json"
python3 - "$D" "$T" <<'EOF'
import json, sys
from xml.sax.saxutils import escape
D, T = sys.argv[1], sys.argv[2]
def domain(name, uuid, record):
    return ("<domain type='kvm'><name>%s</name><uuid>%s</uuid><memory unit='MiB'>256</memory><vcpu>1</vcpu>"
            "<metadata><kvmregs:record xmlns:kvmregs='http://kvmregs.org/xmlns/record/1' domain='%s'>%s"
            "</kvmregs:record></metadata><os><type arch='aarch64' machine='virt'>hvm</type></os>"
            "<cpu mode='host-passthrough'/><devices/></domain>" % (name, uuid, uuid, escape(record)))
d = json.load(open(D + "/6.12-cortex-a72.json"))
d["configs"] = [c for c in d["configs"] if c["name"] == "base"]
open(T + "/new.xml", "w").write(domain("new", "7e57c0de-0000-4000-8000-000000000011", json.dumps(d)))
open(T + "/old.xml", "w").write(domain("old", "7e57c0de-0000-4000-8000-000000000012", open(T + "/record-61.json").read()))
EOF

run 1 check new --domain-xml "$T/new.xml" --to root@127.0.0.1 --bridge "$BRIDGE" "${SSH[@]}" --timeout 10000 --json && {
        for r in TCR2_EL1 PIR_EL1 PIRE0_EL1; do
                check "jq -e '.findings[] | select(.register == \"$r\" and .kind == \"not-on-destination\" and .severity == \"fatal\")' '$T/out' >/dev/null" \
                        "check --to over ssh: $r"
        done
        check "[ \"\$(jq -r .dst_digest '$T/out')\" = \"\$('$CTL' --bus-address '$BUS' status --json | jq -r .digest)\" ]" \
                "check --to over ssh: the remote daemon's profile was the destination"
}
start=$(date +%s%N)
run 0 check old --domain-xml "$T/old.xml" --to root@127.0.0.1 --bridge "$BRIDGE" "${SSH[@]}" --timeout 10000
echo "check --to over ssh took $(( ($(date +%s%N) - start) / 1000000 )) ms (figure, not a limit)"
check "grep -q 'verdict:      compatible' '$T/out'" "check --to over ssh: a 6.1 guest on its own host"
run 0 fleet --hosts root@127.0.0.1,127.0.0.1 --bridge "$BRIDGE" "${SSH[@]}" --timeout 10000 --json && \
        check "[ \"\$(jq -c '[.hosts, .groups]' '$T/out')\" = '[[\"root@127.0.0.1\",\"127.0.0.1\"],[[\"root@127.0.0.1\",\"127.0.0.1\"]]]' ]" \
                "fleet --hosts over ssh: $(head -c 300 "$T/out")"

# A key the server does not know: ssh fails, kvmregsctl says it could not reach the host.
run 3 check old --domain-xml "$T/old.xml" --to root@127.0.0.1 --bridge "$BRIDGE" --ssh-option -p --ssh-option "$port" \
        --ssh-option -i --ssh-option "$T/otherkey" --ssh-option -oIdentitiesOnly=yes --ssh-option -oBatchMode=yes \
        --ssh-option -oStrictHostKeyChecking=no --ssh-option -oUserKnownHostsFile=/dev/null --timeout 10000
err_has "kvmregsd on root@127.0.0.1 (over ssh)" "wrong key"

# An ssh that connects but never gets an answer (sshd stopped): bounded by --timeout.
sshd_pid=$(cat "$T/sshd.pid")
kill -STOP "$sshd_pid"
start=$(date +%s%N)
run 3 check old --domain-xml "$T/old.xml" --to root@127.0.0.1 --bridge "$BRIDGE" "${SSH[@]}" --timeout 1500
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
kill -CONT "$sshd_pid"
err_has "no answer within 1500 ms" "hung ssh"
check "[ $elapsed_ms -lt 5000 ]" "hung ssh took ${elapsed_ms} ms"

echo "test-kvmregsctl-ssh: $checks checks, $failures failed"
[ "$failures" = 0 ]
