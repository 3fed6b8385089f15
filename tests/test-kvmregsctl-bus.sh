#!/bin/bash
# kvmregsctl's bus verbs (status, profile, compare --local, check --dest-bus/--to) against the real
# kvmregsd serving a recorded profile on a private dbus-daemon; and what happens when there is no
# bus, no daemon, or a daemon that does not answer (exit 3, clear message, bounded by --timeout).
# --to HOST runs the real unixexec: transport and the real systemd-stdio-bridge; only the ssh hop is
# replaced (a stand-in "ssh" first in PATH that runs the remote command locally).
# Needs dbus-daemon, systemd-stdio-bridge, python3, jq; skips (77) without them unless
# KVMREGS_REQUIRE_ALL=1.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/kvmregsctl-test-lib.sh"
need dbus-daemon systemd-stdio-bridge python3 jq
start_bus

# ---- no bus, no daemon ----
run 3 --bus-address "unix:path=$T/nothing" status
err_has "kvmregsd on unix:path=$T/nothing: cannot connect" "no bus"
KVMREGS_BUS_ADDRESS=unix:path=$T/nothing run 3 profile
err_has "cannot connect" "no bus (KVMREGS_BUS_ADDRESS)"
run 3 --bus-address "$BUS" status
err_has "kvmregsd is not running" "bus without kvmregsd"
run 3 --bus-address "$BUS" compare --local "$D/6.1-cortex-a72.json" --config base
err_has "kvmregsd is not running" "compare --local without kvmregsd"
run 3 --bus-address "$BUS" profile --config base
err_has "not running" "profile --config without kvmregsd"

# ---- the real kvmregsd serving the 6.1 cortex-a72 host ----
start_kvmregsd "$D/6.1-cortex-a72.json"

"$CTL" show "$D/6.1-cortex-a72.json" --json >"$T/show.json"
run 0 --bus-address "$BUS" status --json && {
        check "[ \"\$(jq -r .state '$T/out')\" = ready ]" "status: state"
        check "[ \"\$(jq -r .digest '$T/out')\" = \"\$(jq -r .digest '$T/show.json')\" ]" "status: digest is the file's"
        check "[ \"\$(jq -r '.configs | join(\" \")' '$T/out')\" = \"\$(jq -r '[.configs[] | select(.skipped == null) | .name] | join(\" \")' '$T/show.json')\" ]" \
                "status: configurations the host runs"
        check "[ \"\$(jq -r .kernel_release '$T/out')\" = 6.1.0-56-arm64 ]" "status: kernel"
}
KVMREGS_BUS_ADDRESS=$BUS run 0 status && out_has "State:    ready" "status text"
run 0 --bus-address "$BUS" profile && out_has "Kernel:           6.1.0-56-arm64" "profile text"
run 0 --bus-address "$BUS" profile --json && \
        check "[ \"\$('$CTL' show '$T/out' --json | jq -r .digest)\" = \"\$(jq -r .digest '$T/show.json')\" ]" "profile --json: same digest"
run 0 --bus-address "$BUS" profile --config pmu --json && {
        cp "$T/out" "$T/record-61-pmu.json"
        check "[ \"\$(jq -r '[.configs[].name] | join(\" \")' '$T/out')\" = pmu ]" "profile --config: one configuration"
}
run 0 --bus-address "$BUS" profile --config pmu && out_has "ID_AA64PFR0_EL1 = 0x" "profile --config: decoded"
run 2 --bus-address "$BUS" profile --config nosuch
err_has "has no vCPU configuration 'nosuch'; it has: base, pmu, el1_32bit, all, all_vgic3" "profile --config nosuch"

# compare --local: the same findings as offline against the same file.
run 1 --bus-address "$BUS" compare --local "$D/6.12-cortex-a72.json" --config base --json && {
        "$CTL" compare "$D/6.12-cortex-a72.json" "$D/6.1-cortex-a72.json" --config base --json >"$T/offline.json"
        check "[ \"\$(jq -c '[.findings[] | [.kind, .severity, .register]]' '$T/out')\" = \"\$(jq -c '[.findings[] | [.kind, .severity, .register]]' '$T/offline.json')\" ]" \
                "compare --local = compare offline"
        for r in TCR2_EL1 PIR_EL1 PIRE0_EL1; do
                check "jq -e '.findings[] | select(.register == \"$r\" and .kind == \"not-on-destination\")' '$T/out' >/dev/null" "compare --local: $r"
        done
}
run 1 --bus-address "$BUS" compare --local "$D/6.12-cortex-a72.json" --config base && {
        out_has "verdict:      incompatible" "compare --local text"
        # grouped by cause: the registers this host does not list are one block, naming each
        awk '/^fatal +not-on-destination +17 registers: /{b=1} b&&/^$/{exit} b' "$T/out" >"$T/block"
        for r in "CCSIDR_EL1 (CSSELR 3-13: 11 registers)" TCR2_EL1 PIR_EL1 PIRE0_EL1; do
                check "grep -qF '$r' '$T/block'" "compare --local text: $r not in the not-on-destination block"
        done
}
run 0 --bus-address "$BUS" compare --local "$D/6.1-cortex-a72.json" && \
        out_has "Result: compatible (the worst of 5 compared configurations)" "compare --local all configs"
run 2 --bus-address "$BUS" compare --local "$T/missing.json"
err_has "cannot read profile" "compare --local missing file"
run 2 --bus-address "$BUS" compare --local "$D/6.1-cortex-a72.json" --config sve
err_has "cannot run configuration 'sve'" "compare --local, a configuration the source cannot run"
run 2 --bus-address "$BUS" compare --local "$D/6.1-cortex-a72.json" --config nosuch
err_has "has no vCPU configuration 'nosuch'" "compare --local unknown config"

# check through the bus, with a domain XML holding a record the daemon made.
domain_xml "$T/dom.xml" guest2 7e57c0de-0000-4000-8000-000000000002 "$T/record-61-pmu.json"
run 0 check guest2 --domain-xml "$T/dom.xml" --dest-bus "$BUS" --json && \
        check "[ \"\$(jq -r '.verdict + \" \" + .config' '$T/out')\" = 'compatible pmu' ]" "check --dest-bus: the record against itself"

# The destination decides what its QEMU builds for the domain's XML (CompareDomain), as
# --dest-profile does offline: a guest without PMU meets a host-passthrough vCPU that would have one.
"$CTL" --bus-address "$BUS" profile --config base --json >"$T/record-61-base.json"
domain_xml "$T/dom-base.xml" guest5 7e57c0de-0000-4000-8000-000000000005 "$T/record-61-base.json"
domain_xml "$T/dom-x86.xml" guest5 7e57c0de-0000-4000-8000-000000000005 "$T/record-61-base.json" x86_64
run 0 check guest5 --domain-xml "$T/dom-base.xml" --dest-bus "$BUS" --json && {
        cp "$T/out" "$T/bus-check.json"
        "$CTL" check guest5 --domain-xml "$T/dom-base.xml" --dest-profile "$D/6.1-cortex-a72.json" --json >"$T/offline-check.json"
        check "[ \"\$(jq -r '.verdict + \" \" + (.adjustments | join(\",\"))' '$T/bus-check.json')\" = 'compatible-after-adjustment pmu=off' ]" \
                "check --dest-bus: the destination's QEMU would add a PMU: $(jq -c '{verdict, adjustments}' "$T/bus-check.json")"
        check "[ \"\$(jq -c '[.verdict, .adjustments, [.findings[] | [.kind, .severity, .register]]]' '$T/bus-check.json')\" = \"\$(jq -c '[.verdict, .adjustments, [.findings[] | [.kind, .severity, .register]]]' '$T/offline-check.json')\" ]" \
                "check --dest-bus = check --dest-profile"
}
run 2 check guest5 --domain-xml "$T/dom-x86.xml" --dest-bus "$BUS"
err_has "InvalidDomain" "check of a domain that is not aarch64"

# --to HOST: unixexec: + the real systemd-stdio-bridge; the stand-in ssh checks its argv shape.
mkdir -p "$T/bin"
cat >"$T/bin/ssh" <<'EOF'
#!/bin/bash
# Stand-in for ssh: "ssh -xT [options] -- HOST COMMAND" runs COMMAND here.
echo "$*" >>"$(dirname "$0")/ssh.log"
[ "$1" = -xT ] || exit 255
while [ $# -gt 0 ] && [ "$1" != -- ]; do shift; done
[ $# -ge 3 ] || exit 255
shift 2
exec sh -c "$*"
EOF
chmod +x "$T/bin/ssh"
PATH="$T/bin:$PATH" run 0 check guest2 --domain-xml "$T/dom.xml" --to root@hostB \
        --bridge "systemd-stdio-bridge --bus-path=$BUS" --ssh-option -p --ssh-option 2222 \
        --ssh-option -o --ssh-option StrictHostKeyChecking=no && out_has "verdict:      compatible" "check --to"
check "grep -qxF -- '-xT -p 2222 -o StrictHostKeyChecking=no -- root@hostB systemd-stdio-bridge --bus-path=$BUS' '$T/bin/ssh.log'" \
        "check --to: ssh argv: $(cat "$T/bin/ssh.log" 2>/dev/null)"
PATH="$T/bin:$PATH" run 3 check guest2 --domain-xml "$T/dom.xml" --to hostB --bridge false --timeout 1000
err_has "kvmregsd on hostB (over ssh)" "check --to with a bridge that fails"

# migrate: the destination host (and, for +ssh, its port) comes from DEST_URI. The check passes
# through the stand-in ssh; libvirt then runs the same stand-in for its own qemu+ssh transport,
# which refuses it: libvirt unreachable (3) after a passing check.
domain_xml "$T/node.xml" guest4 7e57c0de-0000-4000-8000-000000000004 "$T/record-61-pmu.json" aarch64 test 1
: >"$T/bin/ssh.log"
PATH="$T/bin:$PATH" run 3 migrate guest4 "test+ssh://root@hostC:2222/default" --from "test://$T/node.xml" \
        --bridge "systemd-stdio-bridge --bus-path=$BUS" --live
out_has "verdict:      compatible" "migrate: the check ran"
err_has "cannot connect to the destination libvirt test+ssh://root@hostC:2222/default" "migrate: libvirt asked after the check"
check "grep -qxF -- '-xT -p 2222 -- root@hostC systemd-stdio-bridge --bus-path=$BUS' '$T/bin/ssh.log'" \
        "migrate: host and port from DEST_URI: $(head -c 300 "$T/bin/ssh.log")"

: >"$T/bin/ssh.log"
PATH="$T/bin:$PATH" run 3 migrate guest4 "test+ssh://[::1]:2200/default" --from "test://$T/node.xml" \
        --bridge "systemd-stdio-bridge --bus-path=$BUS"
check "grep -qxF -- '-xT -p 2200 -- ::1 systemd-stdio-bridge --bus-path=$BUS' '$T/bin/ssh.log'" \
        "migrate: IPv6 host from DEST_URI: $(head -c 300 "$T/bin/ssh.log")"

# fleet --hosts: the same over "ssh" for two names of the one host.
PATH="$T/bin:$PATH" run 0 fleet --hosts hostA,hostB --bridge "systemd-stdio-bridge --bus-path=$BUS" --json --per-host && \
        check "[ \"\$(jq -c '[.hosts, [.matrix[].verdict], [.groups[].hosts]]' '$T/out')\" = '[[\"hostA\",\"hostB\"],[\"compatible\",\"compatible\"],[[\"hostA\",\"hostB\"]]]' ]" \
                "fleet --hosts: $(jq -c . "$T/out" | head -c 300)"

# ---- a daemon that does not answer: bounded by --timeout ----
kill -STOP "$kvmregsd_pid"
start=$(date +%s%N)
run 3 --bus-address "$BUS" --timeout 300 status
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
err_has "timed out" "stopped kvmregsd"
check "[ $elapsed_ms -lt 3000 ]" "timeout took ${elapsed_ms} ms"
run 3 --bus-address "$BUS" --timeout 300 compare --local "$D/6.1-cortex-a72.json" --config base
err_has "timed out" "compare --local to a stopped kvmregsd"
kill -CONT "$kvmregsd_pid"
run 0 --bus-address "$BUS" status

finish
