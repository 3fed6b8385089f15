#!/bin/bash
# kvmregsctl reaching "another host's" kvmregsd over real ssh: an sshd of its own on a loopback
# port (its own host key, key-only root login) and the real systemd-stdio-bridge, as
# docs/libvirt-two-hosts.md section 11 describes; kvmregsd serves a recorded profile on a private bus.
# check --to, fleet --hosts, a wrong key (exit 3, ssh's message) and an ssh that hangs (bounded by
# --timeout). Needs root (sshd), openssh-server, openssh-client, dbus-daemon, systemd-stdio-bridge,
# python3, jq; skips (77) without them unless KVMREGS_REQUIRE_ALL=1.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/kvmregsctl-test-lib.sh"
[ "$(id -u)" = 0 ] || skip_or_fail "needs root to run an sshd that logs root in"
need /usr/sbin/sshd ssh ssh-keygen dbus-daemon systemd-stdio-bridge python3 jq

# ---- a bus with the real kvmregsd (the "remote host") ----
start_bus
start_kvmregsd "$D/6.1-cortex-a72.json"

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
sshd_pid=$(cat "$T/sshd.pid")
pids="$pids $sshd_pid"
SSH=(--ssh-option -p --ssh-option "$port" --ssh-option -i --ssh-option "$T/userkey"
     --ssh-option -oStrictHostKeyChecking=no --ssh-option -oUserKnownHostsFile=/dev/null
     --ssh-option -oBatchMode=yes --ssh-option -oLogLevel=ERROR)
BRIDGE="systemd-stdio-bridge --bus-path=$BUS"

# A guest of 6.12 (its record made offline from the recording) and one of 6.1 (the daemon's own record).
"$CTL" --bus-address "$BUS" profile --config base --json >"$T/record-61.json"
record_of "$D/6.12-cortex-a72.json" base "$T/record-612.json"
domain_xml "$T/new.xml" new 7e57c0de-0000-4000-8000-000000000011 "$T/record-612.json"
domain_xml "$T/old.xml" old 7e57c0de-0000-4000-8000-000000000012 "$T/record-61.json"

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
        check "[ \"\$(jq -c '[.hosts, [.groups[].hosts]]' '$T/out')\" = '[[\"root@127.0.0.1\",\"127.0.0.1\"],[[\"root@127.0.0.1\",\"127.0.0.1\"]]]' ]" \
                "fleet --hosts over ssh: $(head -c 300 "$T/out")"

# A key the server does not know: ssh fails, kvmregsctl says it could not reach the host.
run 3 check old --domain-xml "$T/old.xml" --to root@127.0.0.1 --bridge "$BRIDGE" --ssh-option -p --ssh-option "$port" \
        --ssh-option -i --ssh-option "$T/otherkey" --ssh-option -oIdentitiesOnly=yes --ssh-option -oBatchMode=yes \
        --ssh-option -oStrictHostKeyChecking=no --ssh-option -oUserKnownHostsFile=/dev/null --timeout 10000
err_has "kvmregsd on root@127.0.0.1 (over ssh)" "wrong key"

# An ssh that connects but never gets an answer (sshd stopped): bounded by --connect-timeout (the
# connection's own limit; --timeout, each call's, is ten minutes here and plays no part).
kill -STOP "$sshd_pid"
start=$(date +%s%N)
run 3 check old --domain-xml "$T/old.xml" --to root@127.0.0.1 --bridge "$BRIDGE" "${SSH[@]}" --connect-timeout 1500 --timeout 600000
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
kill -CONT "$sshd_pid"
err_has "no answer within 1500 ms while connecting" "hung ssh"
check "[ $elapsed_ms -lt 5000 ]" "hung ssh took ${elapsed_ms} ms"

finish
