#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End-to-end: kvmregsd + kvmregs-hook (+ kvmregsctl) with two real libvirtd hosts and real
# live migrations of an aarch64 TCG guest. Each host has its own system bus, its own kvmregsd
# serving a recorded profile from tests/data, and the hook installed before libvirtd starts.
# Cases and what they assert: docs/libvirt-integration.md.
#
# exit: 0 all cases passed, 1 a case failed, 77 a prerequisite is missing (root, libvirt,
# QEMU, the guest download) unless KVMREGS_REQUIRE_ALL=1, which turns that into a failure.
# KVMREGS_E2E_KEEP_LOGS=1 keeps the lab folder of a failed run; KVMREGS_E2E_CACHE names where
# the guest kernel is cached (default: /var/cache/kvmregs-e2e).
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$PWD}"
# shellcheck source=e2e-lib.sh
. "$top_srcdir/tests/libvirt/e2e-lib.sh"

KVMREGSD=$top_builddir/kvmregsd
HOOK=$top_builddir/kvmregs-hook
KVMREGSCTL=$top_builddir/kvmregsctl
DATA=$top_srcdir/tests/data
NS=http://kvmregs.org/xmlns/record/1
HOOK_TIMEOUT_MS=1500

e2e_check_prerequisites ssh sshd ssh-keygen busctl systemd-stdio-bridge
for b in "$KVMREGSD" "$HOOK" "$KVMREGSCTL"; do
        [ -x "$b" ] || { echo "FAIL: $b not built (make kvmregsd kvmregs-hook kvmregsctl)" >&2; exit 1; }
done

# The hook reads SYSCONFDIR/kvmregs/kvmregs.conf: each host gets its own, bind-mounted there.
sysconfdir=$(sed -n 's/^S\["sysconfdir"\]="\(.*\)"$/\1/p' "$top_builddir/config.status")
prefix=$(sed -n 's/^S\["prefix"\]="\(.*\)"$/\1/p' "$top_builddir/config.status")
sysconfdir=${sysconfdir//\$\{prefix\}/$prefix}
export KVMREGS_E2E_CONFDIR="$sysconfdir/kvmregs"
created_confdir=
if [ ! -d "$KVMREGS_E2E_CONFDIR" ]; then
        mkdir -p "$KVMREGS_E2E_CONFDIR" && created_confdir=$KVMREGS_E2E_CONFDIR
fi
cleanup() {
        local rc=$?
        [ -n "$created_confdir" ] && rmdir "$created_confdir" 2>/dev/null
        (exit "$rc"); e2e_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM

e2e_lab
e2e_fetch_guest
e2e_write_emulator
mkdir -p "$LAB/profiles"
P61=$DATA/6.1-cortex-a57.json
P612=$DATA/6.12-cortex-a57.json
# A host whose KVM offers no PMU, derived from the 6.12 cortex-a57 recording: the PMU cap is
# 0 and every configuration with pmu_v3 is one the host cannot run (a PMU-less vCPU's
# registers are the recorded base configuration's).
P612_NOPMU=$LAB/profiles/6.12-cortex-a57-nopmu.json
jq '.label = "6.12-cortex-a57 without PMU (derived)"
    | .caps.KVM_CAP_ARM_PMU_V3 = 0
    | .configs |= map(if (.features | index("pmu_v3")) then
          {name, features, init_features0, skipped: "derived: KVM offers no PMU"} else . end)' \
        "$P612" >"$P612_NOPMU" || { echo "FAIL: cannot derive the PMU-less profile" >&2; exit 1; }

ssh-keygen -q -t ed25519 -N '' -f "$LAB/client_key" || e2e_skip "ssh-keygen failed"
cp "$LAB/client_key.pub" "$LAB/authorized_keys"

for h in hostA hostB; do
        host_prepare "$h"
        dir=$(host_dir "$h")
        cp "$top_srcdir/dbus/org.kvmregs.Profile1.conf" "$dir/dbus-policy/"
        # installed before libvirtd starts: it caches whether hooks exist
        install -m 0755 "$HOOK" "$dir/etc/hooks/qemu.d/50-kvmregs"
        ssh-keygen -q -t ed25519 -N '' -f "$dir/ssh_host_ed25519_key"
        cat >"$dir/sshd_config" <<CONF
ListenAddress $(host_addr "$h"):2222
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $LAB/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
CONF
done

# hook_conf HOST KEY=VALUE...: the host's kvmregs.conf (the hook reads it on every run)
hook_conf() {
        local h=$1; shift
        {
                echo "mode = enforce"
                echo "timeout_ms = $HOOK_TIMEOUT_MS"
                echo "cache_dir = /var/cache/libvirt/kvmregs"
                echo "log_file = /var/log/libvirt/kvmregs-hook.log"
                local kv; for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}"; done
        } >"$(host_dir "$h")/kvmregs-etc/kvmregs.conf"
}
hook_conf hostA on_daemon_error=refuse on_missing_record=refuse
hook_conf hostB on_daemon_error=refuse on_missing_record=refuse

host_start hostA || exit 1
host_start hostB || exit 1
mkdir -p /run/sshd
for h in hostA hostB; do
        host_exec "$h" /usr/sbin/sshd -f "$(host_dir "$h")/sshd_config" -E "$(host_dir "$h")/sshd.log" ||
                e2e_skip "cannot start sshd in $h"
done
e2e_log "hosts up"

# ---- kvmregsd per host ----

# KVMREGS_E2E_VALGRIND=1: every kvmregsd runs under valgrind; any error or definite leak
# fails the run (reports in the lab's valgrind.*.log)
DAEMON_WRAPPER=
if [ "${KVMREGS_E2E_VALGRIND:-0}" = 1 ]; then
        command -v valgrind >/dev/null || e2e_skip "valgrind not found"
        DAEMON_WRAPPER="valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99
                        --log-file=$LAB/valgrind.%p.log"
fi

daemon_start() {
        local h=$1 profile=$2 dir i
        dir=$(host_dir "$h")
        # nsenter execs kvmregsd: $! is the daemon's pid (SIGSTOP and TERM reach it)
        nsenter -t "$(host_pid "$h")" -m -u -- $DAEMON_WRAPPER "$KVMREGSD" --profile-file "$profile" \
                >>"$dir/kvmregsd.log" 2>&1 </dev/null &
        echo $! >"$dir/kvmregsd.pid"
        for i in $(seq 100); do
                host_exec "$h" busctl --system --timeout=1 get-property org.kvmregs.Profile1 \
                        /org/kvmregs/Profile1 org.kvmregs.Profile1 Digest >/dev/null 2>&1 && return 0
                kill -0 "$(cat "$dir/kvmregsd.pid")" 2>/dev/null || break
                sleep 0.1
        done
        fail "kvmregsd on $h did not come up"; tail -n 20 "$dir/kvmregsd.log" >&2
        return 1
}
daemon_stop() {
        local h=$1 pid
        pid=$(cat "$(host_dir "$h")/kvmregsd.pid" 2>/dev/null) || return 0
        pid_is "$pid" kvmregsd || pid_is "$pid" memcheck-amd64- || return 0
        kill -CONT "$pid"; kill -TERM "$pid"
        for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        rm -f "$(host_dir "$h")/kvmregsd.pid"
}
daemon_pid() { cat "$(host_dir "$1")/kvmregsd.pid"; }

# ---- records ----

# record_of HOST DOMAIN: the record's JSON from the live domain XML ("" when none)
record_of() {
        virsh_on "$1" metadata "$2" "$NS" 2>/dev/null | xmllint --xpath 'string(/*)' - 2>/dev/null
}
# wait_record HOST DOMAIN HOSTNAME: until the domain's record says it was stamped on HOSTNAME
wait_record() {
        local i
        for i in $(seq 100); do
                [ "$(record_of "$1" "$2" | jq -r '.host.hostname // empty' 2>/dev/null)" = "$3" ] && return 0
                sleep 0.1
        done
        return 1
}
# daemon_record HOST CONFIG: the record kvmregsd on HOST gives for CONFIG (GetConfig): what a
# record of that configuration holds is the library's definition, not the test's
daemon_record() {
        host_exec "$1" busctl --system --json=short call org.kvmregs.Profile1 /org/kvmregs/Profile1 \
                org.kvmregs.Profile1 GetConfig s "$2" | jq -r '.data[0]'
}
daemon_digest() {
        host_exec "$1" busctl --system --json=short get-property org.kvmregs.Profile1 /org/kvmregs/Profile1 \
                org.kvmregs.Profile1 Digest | jq -r '.data'
}
# record_attr HOST DOMAIN ATTR: an attribute of the record element as virsh dumpxml shows it
record_attr() {
        virsh_on "$1" dumpxml "$2" 2>/dev/null |
                xmllint --xpath "string(//*[local-name()='metadata']/*[local-name()='record']/@$3)" - 2>/dev/null
}
# config_of PROFILE CONFIG FILTER: jq FILTER applied to one recorded configuration
config_of() { jq -S --arg c "$2" ".configs[] | select(.name == \$c) | $3" "$1"; }
rec() { record_of "$1" "$2" | jq -S "$3"; }
# QEMU's cpreg list from a recorded KVM_GET_REG_LIST: U32/U64 only (size nibble 2 or 3),
# no core (class 0x0010) or SVE (0x0015) registers, ascending
CPREGS='[.reg_list[] | ascii_downcase | select(.[0:5] == "0x603" or .[0:5] == "0x602")
         | select(.[10:14] != "0010" and .[10:14] != "0015")] | sort'


# expect_record HOST DOMAIN HOSTNAME PROFILE CONFIG: stamped on HOSTNAME with PROFILE's CONFIG:
# the same cpreg list, and the same firmware values
expect_record() {
        local h=$1 d=$2 hn=$3 p=$4 c=$5 t0=$EPOCHREALTIME
        wait_record "$h" "$d" "$hn" || { fail "$d on $h: no record stamped by $hn: $(record_of "$h" "$d" | head -c 300)"; return; }
        e2e_log "$d on $h: record from $hn seen after $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')s"
        expect "$d on $h: virsh dumpxml shows the record stamped by $hn with $h's profile digest" \
                [ "$(record_attr "$h" "$d" host) $(record_attr "$h" "$d" profile-digest)" = "$hn $(daemon_digest "$h")" ]
        expect "$d on $h: record's configuration is $c" [ "$(rec "$h" "$d" '.configs[0].name' )" = "\"$c\"" ]
        expect "$d on $h: record's features are $(basename "$p")'s $c" \
                [ "$(rec "$h" "$d" '.configs[0].features')" = "$(config_of "$p" "$c" '.features')" ]
        expect "$d on $h: record's register list is $(basename "$p")'s $c cpreg list" \
                [ "$(rec "$h" "$d" '.configs[0].reg_list | map(ascii_downcase) | sort')" = "$(config_of "$p" "$c" "$CPREGS")" ]
        expect "$d on $h: record's firmware values are $(basename "$p")'s $c" \
                [ "$(rec "$h" "$d" '.configs[0].fw_regs')" = "$(config_of "$p" "$c" '.fw_regs')" ]
}
reg_in_record() { rec "$1" "$2" ".configs[0].id_regs[\"$3\"] // empty" | tr -d '"'; }
reg_in_profile() { config_of "$1" "$2" ".id_regs[\"$3\"] // empty" | tr -d '"'; }

# migrate FROM TO DOMAIN: runs virsh migrate --live (persistent, source undefined) from FROM;
# sets MIGRATE_RC, MIGRATE_OUT (stderr+stdout) and MIGRATE_SECONDS
boots() { grep -c 'GUEST UP' "$(host_dir "$1")/log/qemu/$2-serial.log" 2>/dev/null; }
migrate() {
        local t0=$EPOCHREALTIME
        BOOTS_BEFORE=$(boots "$2" "$3")
        MIGRATE_OUT=$(virsh -c "$(host_uri "$1")" migrate --live --persistent --undefinesource "$3" \
                      "$(host_uri "$2")" 2>&1)
        MIGRATE_RC=$?
        MIGRATE_SECONDS=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
        e2e_log "migrate $3 $1 -> $2: rc $MIGRATE_RC in ${MIGRATE_SECONDS}s"
}
is_running() { [ "$(virsh_on "$1" domstate "$2" 2>/dev/null | head -n1)" = running ]; }
not_on() { ! virsh_on "$1" list --all --name 2>/dev/null | grep -qx "$2"; }
contains() { case $1 in *"$2"*) return 0;; esac; return 1; }
within() { awk -v s="$1" -v m="$2" 'BEGIN { exit !(s <= m) }'; }

# expect_stays HOST DOMAIN OTHER: a refused migration left DOMAIN running on HOST, its console
# still ticking, and nothing of it on OTHER
expect_stays() {
        local t
        t=$(last_tick "$1" "$2")
        expect "$2 still running on $1" is_running "$1" "$2"
        expect "$2's console on $1 still ticks" wait_tick "$1" "$2" "${t:-0}" 8
        expect "nothing of $2 left on $3" not_on "$3" "$2"
}

# expect_moved FROM TO DOMAIN TICK: a completed migration: running on TO, gone from FROM,
# and the console continues on TO after TICK (same guest, not a reboot)
expect_moved() {
        local up
        expect "$3 migrated $1 -> $2 (virsh rc 0)" [ "$MIGRATE_RC" = 0 ]
        [ "$MIGRATE_RC" = 0 ] || echo "$MIGRATE_OUT" >&2
        expect "$3 running on $2" is_running "$2" "$3"
        expect "$3 gone from $1" not_on "$1" "$3"
        expect "$3's console continues on $2 after tick $4" wait_tick "$2" "$3" "$4" 8
        up=$(boots "$2" "$3")
        expect "$3 did not boot again on $2" [ "${up:-0}" = "${BOOTS_BEFORE:-0}" ]
}

start_guest() {
        local h=$1 name=$2 uuid=$3
        guest_xml "$name" "$uuid" >"$LAB/$name.xml"
        virsh_on "$h" define "$LAB/$name.xml" >/dev/null && virsh_on "$h" start "$name" >/dev/null ||
                { fail "cannot start $name on $h"; return 1; }
}

# ctl_check FROM_HOST DOMAIN TO_HOST: kvmregsctl on FROM_HOST's side, the destination's daemon
# reached over ssh + systemd-stdio-bridge. Sets CTL_RC and CTL_OUT (the report, JSON).
ctl_check() {
        local t0=$EPOCHREALTIME
        CTL_OUT=$(host_exec "$1" "$KVMREGSCTL" check "$2" --to "$3" --from "$(host_uri "$1")" \
                  --ssh-option "-p" --ssh-option "2222" --ssh-option "-i" --ssh-option "$LAB/client_key" \
                  --ssh-option "-oUserKnownHostsFile=/dev/null" --ssh-option "-oStrictHostKeyChecking=no" \
                  --ssh-option "-oLogLevel=ERROR" --ssh-option "-oBatchMode=yes" --json 2>&1)
        CTL_RC=$?
        e2e_log "kvmregsctl check $2 --to $3 (from $1): rc $CTL_RC in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')s"
}

# The hook's last verdict for DOMAIN on HOST, from its decision log
hook_line() { grep "^domain=$2 " "$(host_dir "$1")/log/kvmregs-hook.log" 2>/dev/null | tail -n1; }
hook_verdict() { hook_line "$1" "$2" | sed -n 's/.* verdict=\([^ ]*\) .*/\1/p'; }
hook_decision() { hook_line "$1" "$2" | sed -n 's/.* decision=\([^ ]*\) .*/\1/p'; }
# The register ids a text names as "NAME (0x...)", sorted
# The registers a refusal names (its compact group lists expanded), and kvmregsctl's fatal ones,
# both sorted the same way.
named_registers() { python3 "$top_srcdir/tests/refusal-registers.py"; }
ctl_fatal_registers() {
        echo "$CTL_OUT" | jq -r '.findings[] | select(.fatal) | .register // empty' 2>/dev/null |
                python3 -c 'import sys; print("\n".join(sorted({l.strip() for l in sys.stdin if l.strip()})))'
}

# ==== the cases ====

daemon_start hostA "$P61" || exit 1
daemon_start hostB "$P612" || exit 1

start_guest hostA g1 7e57c0de-0000-4000-8000-000000000001 || exit 1
expect_record hostA g1 hostA "$P61" pmu
e2e_log "g1's record: $(record_of hostA g1 | wc -c) bytes of JSON"
expect "g1 boots on hostA" wait_tick hostA g1 0 40
e2e_log "g1 up on hostA"

# -- 1. compatible (6.1 -> 6.12, same CPU model): the verdict from hostA's side over ssh,
#       then the migration; hostB's record keeps the carried ID values its kernel accepts
ctl_check hostA g1 hostB
expect "kvmregsctl check g1 --to hostB: compatible (rc 0)" [ "$CTL_RC" = 0 ]
expect "kvmregsctl check g1 --to hostB says compatible" [ "$(echo "$CTL_OUT" | jq -r .verdict 2>/dev/null)" = compatible ]
[ "$CTL_RC" = 0 ] || echo "$CTL_OUT" >&2
t=$(last_tick hostA g1)
migrate hostA hostB g1
expect_moved hostA hostB g1 "${t:-0}"
expect_record hostB g1 hostB "$P612" pmu
# the carried ID values: each is 6.1's or 6.12's, and where they differ and 6.12's writable
# mask covers the difference (CLIDR_EL1 here, found from the recordings), 6.1's is kept
daemon_record hostA pmu >"$LAB/hostA-pmu.json"
daemon_record hostB pmu >"$LAB/hostB-pmu.json"
expect "g1 on hostB: record's ID/invariant registers are those of hostB's own pmu record" \
        [ "$(rec hostB g1 '.configs[0].id_regs | keys')" = "$(jq -S '.configs[0].id_regs | keys' "$LAB/hostB-pmu.json")" ]
kept_ok=1 n_writable=0
while read -r id v a b m; do
        [ "$v" = "$a" ] || [ "$v" = "$b" ] || { kept_ok=0; echo "  $id: $v is neither 6.1's $a nor 6.12's $b"; }
        if [ "$a" != - ] && [ "$a" != "$b" ] && [ "$m" != - ] && (( ((a ^ b) & ~m) == 0 )); then
                n_writable=$((n_writable + 1))
                [ "$v" = "$a" ] || { kept_ok=0; echo "  $id: 6.1's $a not kept (6.12 mask $m), record has $v"; }
        fi
done < <(record_of hostB g1 | jq -r --slurpfile a "$LAB/hostA-pmu.json" --slurpfile b "$LAB/hostB-pmu.json" '
        $a[0].configs[0] as $ca | $b[0].configs[0] as $cb
        | .configs[0].id_regs | to_entries[]
        | "\(.key) \(.value) \($ca.id_regs[.key] // "-") \($cb.id_regs[.key] // "-") \(($cb.writable_masks // {})[.key] // "-")"')
expect "g1 on hostB: every ID value is 6.1's or 6.12's, 6.1's where 6.12 can take it" [ "$kept_ok" = 1 ]
expect "g1 on hostB: $n_writable carried value(s) differ and are writable on 6.12 (CLIDR_EL1 at least)" \
        [ "$(reg_in_record hostB g1 0x603000000013c801)" = "$(reg_in_profile "$P61" pmu 0x603000000013c801)" ] && [ "$n_writable" -ge 1 ]
expect "hostB's hook gave the verdict kvmregsctl gave (compatible)" [ "$(hook_verdict hostB g1)" = compatible ]
grep -q 'stamped g1: config pmu' "$(host_dir hostB)/kvmregsd.log"
expect "hostB's kvmregsd logged the stamp" [ $? = 0 ]

# -- 2. incompatible (6.12 -> 6.1): refused by hostA's hook naming the registers; kvmregsctl
#       from hostB's side gives the same verdict
ctl_check hostB g1 hostA
expect "kvmregsctl check g1 --to hostA: refused (rc 1)" [ "$CTL_RC" = 1 ]
expect "kvmregsctl check g1 --to hostA says incompatible" [ "$(echo "$CTL_OUT" | jq -r .verdict 2>/dev/null)" = incompatible ]
expect "kvmregsctl check g1 --to hostA names TCR2_EL1 as fatal" \
        [ -n "$(echo "$CTL_OUT" | jq -r '.findings[] | select(.fatal and .register == "TCR2_EL1") | .id' 2>/dev/null)" ]
migrate hostB hostA g1
expect "migration 6.12 -> 6.1 refused" [ "$MIGRATE_RC" != 0 ]
expect "virsh shows the hook's refusal naming TCR2_EL1" contains "$MIGRATE_OUT" TCR2_EL1
expect "the refusal comes from the kvmregs hook" contains "$MIGRATE_OUT" 50-kvmregs
expect "the refusal is quick (${MIGRATE_SECONDS}s)" within "$MIGRATE_SECONDS" 5
expect "hostA's hook gave the verdict kvmregsctl gave (incompatible)" [ "$(hook_verdict hostA g1)" = incompatible ]
expect "virsh's refusal names exactly the registers kvmregsctl found fatal ($(ctl_fatal_registers | wc -l))" \
        [ "$(echo "$MIGRATE_OUT" | named_registers)" = "$(ctl_fatal_registers)" ] && [ -n "$(ctl_fatal_registers)" ]
expect_stays hostB g1 hostA

# -- 3. the destination's kvmregsd stopped (SIGSTOP, hangs) / not running: on_daemon_error=refuse
#       is honoured within the hook's timeout
kill -STOP "$(daemon_pid hostA)"
migrate hostB hostA g1
kill -CONT "$(daemon_pid hostA)"
expect "hung daemon, on_daemon_error=refuse: refused" [ "$MIGRATE_RC" != 0 ]
expect "hung daemon: refused within the timeout (${MIGRATE_SECONDS}s)" within "$MIGRATE_SECONDS" 6
expect_stays hostB g1 hostA
daemon_stop hostA
migrate hostB hostA g1
expect "no daemon, on_daemon_error=refuse: refused" [ "$MIGRATE_RC" != 0 ]
expect "no daemon: refused quickly (${MIGRATE_SECONDS}s)" within "$MIGRATE_SECONDS" 5
expect_stays hostB g1 hostA

# -- 4. fixable: hostA's KVM has no PMU (its QEMU builds cortex-a57 with pmu=off); hostB's
#       default vCPU would have one. hostB's hook pins it off with -global; the guest runs on.
echo "-global cortex-a57-arm-cpu.pmu=off" >"$(host_dir hostA)/etc/kvmregs-e2e-qemu-args"
daemon_start hostA "$P612_NOPMU" || exit 1
start_guest hostA g2 7e57c0de-0000-4000-8000-000000000002 || exit 1
expect_record hostA g2 hostA "$P612_NOPMU" base
expect "g2 boots on hostA" wait_tick hostA g2 0 40
ctl_check hostA g2 hostB
expect "kvmregsctl check g2 --to hostB: compatible after adjustment (rc 0)" [ "$CTL_RC" = 0 ]
expect "kvmregsctl check g2 --to hostB says compatible-after-adjustment with exactly pmu=off" \
        [ "$(echo "$CTL_OUT" | jq -c '[.verdict, .adjustments]' 2>/dev/null)" = '["compatible-after-adjustment",["pmu=off"]]' ]
t=$(last_tick hostA g2)
migrate hostA hostB g2
expect_moved hostA hostB g2 "${t:-0}"
xml=$(virsh_on hostB dumpxml g2)
expect "hostB's g2 XML carries -global cortex-a57-arm-cpu.pmu=off" \
        [ "$(echo "$xml" | xmllint --xpath "count(//*[local-name()='commandline']/*[@value='cortex-a57-arm-cpu.pmu=off'])" -)" = 1 ]
expect_record hostB g2 hostB "$P612" base
expect "hostB's hook gave the verdict kvmregsctl gave (compatible-after-adjustment)" \
        [ "$(hook_verdict hostB g2)" = compatible-after-adjustment ]

# -- 5. a domain without a record (its host's kvmregsd was down when it started):
#       on_missing_record=refuse, then allow (with a warning) and hostB stamps it on arrival
daemon_stop hostA
: >"$(host_dir hostA)/etc/kvmregs-e2e-qemu-args"
start_guest hostA g3 7e57c0de-0000-4000-8000-000000000003 || exit 1
expect "g3 has no record" [ -z "$(record_of hostA g3)" ]
migrate hostA hostB g3
expect "no record, on_missing_record=refuse: refused" [ "$MIGRATE_RC" != 0 ]
expect "the refusal says the record is missing" contains "$MIGRATE_OUT" record
expect "nothing of g3 on hostB" not_on hostB g3
hook_conf hostB on_daemon_error=refuse on_missing_record=allow
expect "g3 boots on hostA" wait_tick hostA g3 0 40
t=$(last_tick hostA g3)
migrate hostA hostB g3
expect_moved hostA hostB g3 "${t:-0}"
expect "hostB's hook allowed it with a warning (no-record, allow)" \
        [ "$(hook_verdict hostB g3) $(hook_decision hostB g3)" = "no-record allow" ]
expect_record hostB g3 hostB "$P612" pmu

# -- 6. on_daemon_error=allow with a hung destination daemon: allowed after the timeout
#       (g3 has a PMU, as hostA's plain QEMU builds it)
hook_conf hostA on_daemon_error=allow on_missing_record=refuse
daemon_start hostA "$P612" || exit 1
kill -STOP "$(daemon_pid hostA)"
t=$(last_tick hostB g3)
migrate hostB hostA g3
kill -CONT "$(daemon_pid hostA)"
expect_moved hostB hostA g3 "${t:-0}"
expect "hung daemon, on_daemon_error=allow: allowed after the timeout (${MIGRATE_SECONDS}s)" \
        within "$(awk -v t=$HOOK_TIMEOUT_MS 'BEGIN { print t / 1000 }')" "$MIGRATE_SECONDS"
expect "hostA's hook allowed it unchecked (daemon-error, allow)" \
        [ "$(hook_verdict hostA g3) $(hook_decision hostA g3)" = "daemon-error allow" ]
expect_record hostA g3 hostA "$P612" pmu

# -- 7. libvirtd restarts under a running kvmregsd: it reconnects, restamps the running domains
#       (g3's record, removed meanwhile, is back) and follows the new libvirtd (a guest started
#       afterwards is stamped); on start-up it stamps running domains that lack a record
dir=$(host_dir hostA)
# kvmregsd follows lifecycle events, not metadata changes: the record stays gone until the
# scan after reconnecting
virsh_on hostA metadata g3 "$NS" --remove --live --config >/dev/null
sleep 1
expect "g3's record removed before libvirtd restarts (and not restamped without a reconnect)" \
        [ -z "$(record_of hostA g3)" ]
stamps_before=$(grep -c 'stamped g3:' "$dir/kvmregsd.log")
old=$(host_pid hostA)
kill -TERM "$old"
for _ in $(seq 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
# the host's namespaces live on in its dbus-daemon
setsid nsenter -t "$(cat "$dir/dbus.pid")" -m -u -- libvirtd --listen -p "$dir/libvirtd.pid" \
        </dev/null >>"$dir/hostns.log" 2>&1 &
echo $! >"$dir/launcher.pid"; echo $! >"$dir/libvirtd.pid"
for _ in $(seq 100); do virsh -c "$E2E_A_URI" hostname >/dev/null 2>&1 && break; sleep 0.1; done
expect_record hostA g3 hostA "$P612" pmu
expect "hostA's kvmregsd restamped g3 after reconnecting" \
        [ "$(grep -c 'stamped g3:' "$dir/kvmregsd.log")" -gt "$stamps_before" ]
start_guest hostA g4 7e57c0de-0000-4000-8000-000000000004
expect_record hostA g4 hostA "$P612" pmu
expect "hostA's kvmregsd saw libvirtd go and reconnected" \
        grep -q 'lost the connection to libvirt' "$dir/kvmregsd.log"
daemon_stop hostA
virsh_on hostA metadata g4 "$NS" --remove --live --config >/dev/null
expect "g4's record removed" [ -z "$(record_of hostA g4)" ]
daemon_start hostA "$P612" || exit 1
expect_record hostA g4 hostA "$P612" pmu

# every kvmregsd ends cleanly; a sanitizer build's reports (at exit) or valgrind's fail the run
daemon_stop hostA; daemon_stop hostB
for h in hostA hostB; do
        f=$(host_dir "$h")/kvmregsd.log
        if grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$f"; then
                fail "sanitizer report in $h's kvmregsd log"; cat "$f" >&2
        fi
done
for f in "$LAB"/valgrind.*.log; do
        [ -s "$f" ] && { fail "valgrind reports on kvmregsd: $f"; cat "$f" >&2; }
done
e2e_log "done: $E2E_FAILED failure(s)"
[ "$E2E_FAILED" = 0 ]
