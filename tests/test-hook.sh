#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kvmregs-hook run the way libvirt 9 runs it (argv "NAME OP SUBOP -", the domain XML on stdin,
# env only LC_ALL/PATH/HOME) against the real kvmregsd on a private dbus-daemon, serving
# real recorded profiles. KVMREGS_CONF is the one addition: libvirt clears the environment,
# so deployments use /etc/kvmregs/kvmregs.conf; the tests point the hook at their own policy.
#
# Needs dbus-daemon, dbus-send and qemu-system-aarch64 (the destination QEMU whose CPU
# properties the hook inspects). Exit 77 if one is missing, unless KVMREGS_REQUIRE_ALL=1.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
HOOK=$top_builddir/kvmregs-hook
KVMREGSD=$top_builddir/kvmregsd
MAKE_RECORD=$top_builddir/tests/make-record
GARBAGE=$top_builddir/tests/garbage-daemon
DATA=$top_srcdir/tests/data
DOMAINS=$DATA/domains
QEMU=/usr/bin/qemu-system-aarch64
HOOK_PATH=/usr/sbin:/usr/bin:/sbin:/bin

skip() {
        if [ "${KVMREGS_REQUIRE_ALL:-0}" = 1 ]; then
                echo "FAIL: missing prerequisite (KVMREGS_REQUIRE_ALL=1): $*"
                exit 1
        fi
        echo "SKIP: $*"
        exit 77
}

for tool in dbus-daemon dbus-send python3; do
        command -v "$tool" >/dev/null || skip "$tool not installed"
done
[ -x "$QEMU" ] || skip "$QEMU not installed (package qemu-system-arm)"
for bin in "$HOOK" "$KVMREGSD" "$MAKE_RECORD" "$GARBAGE"; do
        [ -x "$bin" ] || { echo "FAIL: $bin not built"; exit 1; }
done

checks=0
failures=0
check() {  # description, then a command that must succeed
        local what=$1
        shift
        checks=$((checks + 1))
        if ! "$@"; then
                failures=$((failures + 1))
                echo "FAIL: $what"
                echo "      rc=$rc elapsed=${ms}ms"
                echo "      stdout: $(head -c 600 "$tmp/out")"
                echo "      stderr: $(head -c 2000 "$tmp/err")"
        fi
}

tmp=$(mktemp -d /tmp/kvmregs-test-hook.XXXXXX)
bus_pid=
daemon_pid=
cleanup() {
        [ -n "$daemon_pid" ] && kill -CONT "$daemon_pid" 2>/dev/null && kill "$daemon_pid" 2>/dev/null
        [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null
        wait 2>/dev/null
        rm -rf "$tmp"
}
trap cleanup EXIT

# ---- a private bus ----
cat > "$tmp/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$tmp/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
dbus-daemon --config-file="$tmp/bus.conf" --fork --print-pid=3 3>"$tmp/bus.pid" || skip "dbus-daemon does not start"
bus_pid=$(cat "$tmp/bus.pid")
BUS=unix:path=$tmp/bus

name_owned() {
        dbus-send --bus="$BUS" --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
                string:org.kvmregs.Profile1 2>/dev/null | grep -q 'boolean true'
}

stop_daemon() {
        if [ -n "$daemon_pid" ]; then
                kill -CONT "$daemon_pid" 2>/dev/null
                kill "$daemon_pid" 2>/dev/null
                wait "$daemon_pid" 2>/dev/null
                daemon_pid=
        fi
        for _ in $(seq 50); do name_owned || return 0; sleep 0.1; done
}

# The real kvmregsd serving one recorded profile as this (destination) host.
start_daemon() {
        stop_daemon
        "$KVMREGSD" --bus-address "$BUS" --profile-file "$DATA/$1" --no-libvirt 2>"$tmp/kvmregsd.log" &
        daemon_pid=$!
        for _ in $(seq 100); do name_owned && return 0; sleep 0.05; done
        echo "FAIL: kvmregsd did not take its name with $1"; cat "$tmp/kvmregsd.log"
        exit 1
}

start_garbage() {
        stop_daemon
        "$GARBAGE" "$BUS" "$1" >"$tmp/garbage.out" 2>&1 &
        daemon_pid=$!
        for _ in $(seq 100); do grep -q ready "$tmp/garbage.out" 2>/dev/null && return 0; sleep 0.05; done
        echo "FAIL: garbage-daemon did not start"; cat "$tmp/garbage.out"
        exit 1
}

# policy: conf NAME KEY=VALUE...
conf() {
        local f=$tmp/$1.conf
        shift
        {
                echo "bus_address = $BUS"
                echo "cache_dir = $tmp/cache"
                echo "log_file = $tmp/decisions.log"
                for kv in "$@"; do echo "$kv"; done
        } > "$f"
        echo "$f"
}

rc=0
ms=0
# run_hook CONF XML [OP SUBOP]: as libvirt runs it.
run_hook() {
        local start end
        : > "$tmp/decisions.log"
        start=$(date +%s%N)
        env -i LC_ALL=C PATH="$HOOK_PATH" HOME=/root KVMREGS_CONF="$1" \
                "$HOOK" "$domain" "${3:-migrate}" "${4:-begin}" - < "$2" > "$tmp/out" 2> "$tmp/err"
        rc=$?
        end=$(date +%s%N)
        ms=$(( (end - start) / 1000000 ))
}

# record PROFILE CONFIG DOMAIN.xml [make-record options]: the domain XML as the source sends it
record() {
        local out=$tmp/dom-$RANDOM.xml
        "$MAKE_RECORD" "$DATA/$1" "$2" "$DOMAINS/$3" "${@:4}" > "$out" || { echo "FAIL: make-record $*"; exit 1; }
        echo "$out"
}

log_has() { grep -q -- "$1" "$tmp/decisions.log"; }
stdout_empty() { [ ! -s "$tmp/out" ]; }
stderr_empty() { [ ! -s "$tmp/err" ]; }
stderr_has() { grep -q -- "$1" "$tmp/err"; }
rc_is() { [ "$rc" = "$1" ]; }
faster_than() { [ "$ms" -lt "$1" ]; }

domain=lvguest
enforce=$(conf enforce "mode = enforce" "on_daemon_error = refuse" "on_missing_record = refuse" "timeout_ms = 2000")
lenient=$(conf lenient "mode = enforce" "on_daemon_error = allow" "on_missing_record = allow" "timeout_ms = 500")
strict_fast=$(conf strict_fast "mode = enforce" "on_daemon_error = refuse" "on_missing_record = refuse" "timeout_ms = 500")
warn=$(conf warn "mode = warn")

# ---- every other operation: exit 0 at once, stdin never read (a writer that never closes) ----
for op in "prepare begin" "start begin" "started begin" "stopped end" "release end" "migrate end" "reconnect begin"; do
        set -- $op
        start=$(date +%s%N)
        env -i LC_ALL=C PATH="$HOOK_PATH" HOME=/root KVMREGS_CONF="$enforce" \
                "$HOOK" "$domain" "$1" "$2" - < <(sleep 5) > "$tmp/out" 2> "$tmp/err"
        rc=$?
        ms=$(( ($(date +%s%N) - start) / 1000000 ))
        check "$op: exit 0" rc_is 0
        check "$op: prints nothing" stdout_empty
        check "$op: says nothing" stderr_empty
        check "$op: does not wait for stdin (${ms} ms)" faster_than 1000
done

# ---- the verdicts of the real kvmregsd ----

# compatible: the guest migrates between two hosts of the same kind
start_daemon 6.12-cortex-a72.json
xml=$(record 6.12-cortex-a72.json pmu a57-custom.xml --hostname hostA)
run_hook "$enforce" "$xml"
check "compatible: exit 0" rc_is 0
check "compatible: no XML printed" stdout_empty
check "compatible: nothing on stderr" stderr_empty
check "compatible: logged" log_has "domain=$domain source=hostA destination=$(hostname) .*verdict=compatible decision=allow"

# 6.1 -> 6.12 on the same model: 6.12's writable masks take 6.1's lower values (lab fact)
xml=$(record 6.1-cortex-a72.json pmu a57-custom.xml)
run_hook "$enforce" "$xml"
check "6.1 -> 6.12 a72: exit 0" rc_is 0
check "6.1 -> 6.12 a72: no XML printed" stdout_empty

# incompatible: a 6.12 guest onto a 6.1 host
start_daemon 6.1-cortex-a72.json
xml=$(record 6.12-cortex-a72.json pmu a57-custom.xml --hostname hostA)
run_hook "$enforce" "$xml"
check "6.12 -> 6.1: exit 1" rc_is 1
check "6.12 -> 6.1: no XML printed" stdout_empty
check "6.12 -> 6.1: names the domain and hosts" stderr_has "refusing migration of lvguest from hostA to $(hostname)"
for reg in TCR2_EL1 PIRE0_EL1 PIR_EL1 CLIDR_EL1; do
        check "6.12 -> 6.1: names $reg" stderr_has "$reg"
done
# The registers 6.1 does not list, derived from the two recordings: every one named by encoding.
python3 - "$DATA/6.12-cortex-a72.json" "$DATA/6.1-cortex-a72.json" > "$tmp/missing" <<'EOF'
import json, sys
def cpregs(path):
    c = next(c for c in json.load(open(path))["configs"] if c["name"] == "pmu")
    out = set()
    for s in c["reg_list"]:
        i = int(s, 16)
        coproc, size = (i >> 16) & 0xfff, (i >> 52) & 0xf
        if coproc not in (0x10, 0x15) and size in (2, 3):
            out.add(i)
    return out
for i in sorted(cpregs(sys.argv[1]) - cpregs(sys.argv[2])):
    print("0x%016x" % i)
EOF
check "6.12 -> 6.1: the recordings differ by 17 registers" [ "$(wc -l < "$tmp/missing")" = 17 ]
# and the hook's message names exactly the registers kvmregsd's report calls fatal
# the record as the hook sends it: the text of <kvmregs:record>
record_of() {
        python3 -c '
import re, sys, html
x = open(sys.argv[1]).read()
m = re.search(r"<kvmregs:record[^>]*>(.*)</kvmregs:record>", x, re.S)
print(html.unescape(m.group(1)))' "$1"
}
dbus-send --bus="$BUS" --print-reply=literal --dest=org.kvmregs.Profile1 /org/kvmregs/Profile1 \
        org.kvmregs.Profile1.CompareDomain string:"$(record_of "$xml")" string:"$(cat "$xml")" > "$tmp/compare" 2>&1
python3 - "$tmp/compare" "$tmp/missing" > "$tmp/fatal" 2> "$tmp/missing-names" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
report = json.loads(text[text.index("{"):text.rindex("}") + 1])
fatal = [f for f in report["findings"] if f["severity"] == "fatal" and "id" in f]
print("\n".join(sorted({f["register"] for f in fatal})))
# the 17 registers 6.1 does not list, by the name kvmregsd's report gives their encoding
names = {f["id"]: f["register"] for f in fatal}
for line in open(sys.argv[2]):
    print(names.get(line.strip(), "(not in the report: %s)" % line.strip()), file=sys.stderr)
EOF
# The registers the refusal names, one line a cause: "NAME (0xID): why" for one register, or a
# compact list for a group ("CCSIDR_EL1 (CSSELR 3-13: 11 registers), TCR2_EL1, ...: why"),
# expanded back to each register's name.
python3 "$top_srcdir/tests/refusal-registers.py" "$tmp/err" > "$tmp/named"
check "6.12 -> 6.1: kvmregsd reports fatal registers" [ -s "$tmp/fatal" ]
check "6.12 -> 6.1: the message names exactly the fatal registers" diff -u "$tmp/fatal" "$tmp/named"
check "6.12 -> 6.1: the 17 registers 6.1 does not list, by name" [ "$(sort -u "$tmp/missing-names" | grep -vc '^(not in')" = 17 ]
while read -r name; do
        check "6.12 -> 6.1: names $name, a register 6.1 does not list" grep -qxF "$name" "$tmp/named"
done < "$tmp/missing-names"
check "6.12 -> 6.1: the registers 6.1 does not list are one cause, one line" \
        [ "$(grep -c '^  - CCSIDR_EL1 (CSSELR 3-13: 11 registers), TCR2_EL1, PIRE0_EL1, PIR_EL1, CNTPCT_EL0, CNTP_CTL_EL0, CNTP_CVAL_EL0: the destination kernel does not list these registers' "$tmp/err")" = 1 ]
check "6.12 -> 6.1: one decision line, refused" [ "$(grep -c 'verdict=incompatible decision=refuse' "$tmp/decisions.log")" = 1 ]

# warn mode: the same migration is let through, logged, unchanged
run_hook "$warn" "$xml"
check "warn: exit 0" rc_is 0
check "warn: no XML printed" stdout_empty
check "warn: nothing on stderr" stderr_empty
check "warn: logged as allowed incompatible" log_has "verdict=incompatible decision=allow .*TCR2_EL1"

# fixable: a guest of configuration pmu (a 6.12 -cpu max host's, PMU only) arrives at a host of
# the same model and kernel, where QEMU's max/host CPU would also switch on SVE and pointer auth
# (the domain XML does not turn them off): it loads only pinned to PMU only.
start_daemon 6.12-max.json
xml=$(record 6.12-max.json pmu maximum.xml)
domain=max-3
run_hook "$enforce" "$xml"
check "fixable: exit 0" rc_is 0
check "fixable: nothing on stderr" stderr_empty
check "fixable: logged" log_has "verdict=compatible-after-adjustment decision=allow"
# what the adjusted XML says: name and uuid, every qemu:arg, records, <cpu> features
qemu_args() {
        python3 - "$1" <<'EOF'
import sys, xml.etree.ElementTree as ET
q = "{http://libvirt.org/schemas/domain/qemu/1.0}"
root = ET.parse(sys.argv[1]).getroot()
print(root.findtext("name"), root.findtext("uuid"))
print(" ".join(a.get("value") for a in root.iter(q + "arg")))
print(len(root.findall("metadata/{http://kvmregs.org/xmlns/record/1}record")))
print("cpu features:", " ".join(f.get("policy") + ":" + f.get("name") for f in root.iter("feature")))
EOF
}
# kvmregsd's report as dbus-send prints it: verdict, adjustments, destination configuration
report_summary() {
        python3 -c '
import json, sys
text = open(sys.argv[1]).read()
r = json.loads(text[text.index("{"):text.rindex("}") + 1])
print(json.dumps([r["verdict"], r["adjustments"], r["dst_config"]], separators=(",", ":")))' "$1"
}
qemu_args "$tmp/out" > "$tmp/args" 2>&1
check "fixable: the XML parses, same domain" grep -qx "max-3 3f1c2a90-5b7e-4d21-9a0c-0000000000c3" "$tmp/args"
check "fixable: exactly the -global args" grep -qx -- "-global max-arm-cpu.sve=off -global max-arm-cpu.pauth=off" "$tmp/args"
check "fixable: the record is kept" grep -qx 1 "$tmp/args"
check "fixable: <cpu> untouched" grep -qx "cpu features: " "$tmp/args"
check "fixable: QEMU's answer is cached" [ "$(ls "$tmp/cache" | wc -l)" = 1 ]
# the same question asked of kvmregsd directly: exactly these adjustments, against its pmu
record_of "$xml" > "$tmp/record.json"
dbus-send --bus="$BUS" --print-reply=literal --dest=org.kvmregs.Profile1 /org/kvmregs/Profile1 \
        org.kvmregs.Profile1.CompareDomain string:"$(cat "$tmp/record.json")" string:"$(cat "$xml")" > "$tmp/compare" 2>&1
check "fixable: kvmregsd's CompareDomain says sve=off, pauth=off against its pmu" \
        [ "$(report_summary "$tmp/compare")" = '["compatible-after-adjustment",["sve=off","pauth=off"],"pmu"]' ]
run_hook "$enforce" "$xml"
check "fixable, cached: same XML" grep -q 'max-arm-cpu.pauth=off' "$tmp/out"
# the old question, Compare(record, "pmu"), meets this host's pmu: compatible, nothing pinned
# (documented: Compare goes by configuration name; the domain XML is not part of it)
dbus-send --bus="$BUS" --print-reply=literal --dest=org.kvmregs.Profile1 /org/kvmregs/Profile1 \
        org.kvmregs.Profile1.Compare string:"$(cat "$tmp/record.json")" string:pmu > "$tmp/compare" 2>&1
check "Compare(record, pmu): compatible, no adjustments (by name, as documented)" \
        [ "$(report_summary "$tmp/compare")" = '["compatible",[],"pmu"]' ]

# SVE already off in the domain XML: QEMU builds PMU + pointer auth, only pauth=off is needed
sed "s|<cpu mode='maximum' check='none' migratable='on'/>|<cpu mode='maximum' check='none' migratable='on'><feature policy='disable' name='sve'/></cpu>|" \
        "$xml" > "$tmp/nosve.xml"
check "the no-SVE domain turns SVE off" grep -q "policy='disable' name='sve'" "$tmp/nosve.xml"
run_hook "$enforce" "$tmp/nosve.xml"
check "SVE off: exit 0" rc_is 0
check "SVE off: nothing on stderr" stderr_empty
qemu_args "$tmp/out" > "$tmp/args" 2>&1
check "SVE off: exactly -global max-arm-cpu.pauth=off" grep -qx -- "-global max-arm-cpu.pauth=off" "$tmp/args"
check "SVE off: the XML keeps its <feature>" grep -qx "cpu features: disable:sve" "$tmp/args"
check "SVE off: logged" log_has "verdict=compatible-after-adjustment decision=allow"

# the same guest with its configuration under a guest's own name ("all", like the host's
# default, but PMU only): the same pinning
xml=$(record 6.12-max.json pmu maximum.xml --name all)
run_hook "$enforce" "$xml"
check "guest-named record: exit 0" rc_is 0
qemu_args "$tmp/out" > "$tmp/args" 2>&1
check "guest-named record: exactly the -global args" \
        grep -qx -- "-global max-arm-cpu.sve=off -global max-arm-cpu.pauth=off" "$tmp/args"

# a pmu guest onto a cortex-a72 host, whose -cpu host has neither SVE nor pointer auth: QEMU
# builds the guest's own vCPU there, nothing to pin, nothing printed
start_daemon 6.12-cortex-a72.json
for dom in maximum.xml host-passthrough.xml; do
        xml=$(record 6.12-cortex-a72.json pmu "$dom")
        run_hook "$enforce" "$xml"
        check "pmu guest, a72 host, $dom: exit 0" rc_is 0
        check "pmu guest, a72 host, $dom: no XML printed" stdout_empty
        check "pmu guest, a72 host, $dom: nothing on stderr" stderr_empty
        check "pmu guest, a72 host, $dom: logged compatible" log_has "verdict=compatible decision=allow"
done

# a guest without PMU (configuration base) as a cortex-a57 domain: QEMU's cortex-a57 takes the
# host's PMU, so it is pinned off (the libvirt end-to-end test's fixable pair, on recordings)
xml=$(record 6.12-cortex-a72.json base a57-custom.xml)
domain=lvguest
run_hook "$enforce" "$xml"
check "base guest, a57 domain: exit 0" rc_is 0
check "base guest, a57 domain: nothing on stderr" stderr_empty
qemu_args "$tmp/out" > "$tmp/args" 2>&1
check "base guest, a57 domain: exactly -global cortex-a57-arm-cpu.pmu=off" \
        grep -qx -- "-global cortex-a57-arm-cpu.pmu=off" "$tmp/args"

# ... but not when the destination QEMU lacks the property: this QEMU has no host-arm-cpu
# (x86 build, no KVM for arm), so a host-passthrough guest cannot be pinned here
start_daemon 6.12-max.json
xml=$(record 6.12-max.json pmu host-passthrough.xml)
domain=web-1
run_hook "$enforce" "$xml"
check "unfixable: exit 1" rc_is 1
check "unfixable: no XML printed" stdout_empty
check "unfixable: says which property is missing" stderr_has "host-arm-cpu.sve.*$QEMU does not have"

# ---- records ----
domain=lvguest
run_hook "$enforce" "$DOMAINS/a57-custom.xml"
check "no record, refuse: exit 1" rc_is 1
check "no record, refuse: says so" stderr_has "holds no kvmregs record"
run_hook "$lenient" "$DOMAINS/a57-custom.xml"
check "no record, allow: exit 0" rc_is 0
check "no record, allow: silent" stderr_empty
check "no record, allow: logged" log_has "verdict=no-record decision=allow"
xml=$(record 6.12-max.json pmu a57-custom.xml --uuid 00000000-0000-4000-8000-0000000000ff)
run_hook "$enforce" "$xml"
check "foreign record, refuse: exit 1" rc_is 1
check "foreign record: names both domains" stderr_has "belongs to domain 00000000-0000-4000-8000-0000000000ff, not 7e57c0de"
run_hook "$lenient" "$xml"
check "foreign record, allow: exit 0" rc_is 0
run_hook "$lenient" "$DOMAINS/record-wrong-namespace.xml"
check "record in another namespace is not ours: missing-record policy" log_has "verdict=no-record decision=allow"
# a record kvmregsd cannot read: refused whatever on_daemon_error says
sed 's/"configs"/"konfigs"/' "$(record 6.12-max.json pmu a57-custom.xml)" > "$tmp/forged.xml"
run_hook "$lenient" "$tmp/forged.xml"
check "forged record: exit 1" rc_is 1
check "forged record: says so" stderr_has "not a guest record"
python3 - "$(record 6.12-max.json pmu a57-custom.xml)" > "$tmp/forged2.xml" <<'EOF'
import sys
# a well-formed record whose register list kvmregsd must reject
print(open(sys.argv[1]).read().replace('"reg_list":[', '"reg_list":["0xzz",', 1))
EOF
run_hook "$lenient" "$tmp/forged2.xml"
check "record kvmregsd rejects: exit 1" rc_is 1
check "record kvmregsd rejects: says so" stderr_has "kvmregsd rejects its kvmregs record"

# ---- hostile XML: a clear refusal, never a crash, never a hang ----
for f in billion-laughs external-entity malformed not-a-domain two-records; do
        run_hook "$lenient" "$DOMAINS/$f.xml"
        check "$f: exit 1" rc_is 1
        check "$f: no XML printed" stdout_empty
        check "$f: one message" [ "$(grep -c '^kvmregs: refusing migration' "$tmp/err")" = 1 ]
        check "$f: fast (${ms} ms)" faster_than 1000
done
head -c $((9 * 1024 * 1024)) /dev/zero | tr '\0' ' ' > "$tmp/huge.xml"
run_hook "$lenient" "$tmp/huge.xml"
check "huge: exit 1" rc_is 1
check "huge: says why" stderr_has "larger than"
run_hook "$enforce" /dev/null
check "empty: exit 1" rc_is 1
check "empty: says why" stderr_has "empty domain XML"
# libvirt never closing stdin: refused after timeout_ms, not a hang
start=$(date +%s%N)
env -i LC_ALL=C PATH="$HOOK_PATH" HOME=/root KVMREGS_CONF="$lenient" \
        "$HOOK" "$domain" migrate begin - < <(printf '<domain>'; sleep 5) > "$tmp/out" 2> "$tmp/err"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "stdin never closed: exit 1" rc_is 1
check "stdin never closed: says why" stderr_has "cannot read the domain XML: Connection timed out"
check "stdin never closed: within timeout + margin (${ms} ms)" faster_than 1500
run_hook "$lenient" "$DOMAINS/x86.xml"
check "not aarch64: exit 0" rc_is 0
check "not aarch64: silent" stderr_empty

# ---- kvmregsd missing, hung, answering garbage: the policy, within the timeout ----
xml=$(record 6.12-cortex-a72.json pmu a57-custom.xml)
start_daemon 6.12-cortex-a72.json
kill -STOP "$daemon_pid"
run_hook "$lenient" "$xml"
check "hung daemon, allow: exit 0" rc_is 0
check "hung daemon, allow: logged" log_has "verdict=daemon-error decision=allow"
check "hung daemon, allow: within timeout + margin (${ms} ms)" faster_than 1500
run_hook "$strict_fast" "$xml"
check "hung daemon, refuse: exit 1" rc_is 1
check "hung daemon, refuse: says so" stderr_has "no verdict from kvmregsd"
check "hung daemon, refuse: within timeout + margin (${ms} ms)" faster_than 1500
kill -CONT "$daemon_pid"
stop_daemon
run_hook "$lenient" "$xml"
check "no daemon, allow: exit 0" rc_is 0
check "no daemon, allow: logged" log_has "verdict=daemon-error decision=allow"
run_hook "$strict_fast" "$xml"
check "no daemon, refuse: exit 1" rc_is 1
check "no daemon, refuse: says so" stderr_has "no verdict from kvmregsd"
nobus=$(conf nobus "bus_address = unix:path=$tmp/no-such-bus" "on_daemon_error = refuse")
run_hook "$nobus" "$xml"
check "no bus, refuse: exit 1" rc_is 1
# what the hook logs for each kind of garbage: proof that the garbage answered CompareDomain
declare -A garbage_seen=([signature]="signature 'i'" [verdict]="unknown verdict" [json]="not a JSON object"
                         [adjustment]="verdict=garbage")
not_in_log() { ! grep -q -- "$1" "$tmp/decisions.log"; }
for mode in signature verdict json adjustment; do
        start_garbage "$mode"
        domain=max-3
        gxml=$(record 6.12-max.json pmu maximum.xml)
        run_hook "$lenient" "$gxml"
        check "garbage ($mode), allow: exit 0" rc_is 0
        check "garbage ($mode), allow: no XML printed" stdout_empty
        check "garbage ($mode), allow: logged" log_has "decision=allow"
        check "garbage ($mode): an answer, not a timeout" not_in_log "timed out\|did not answer"
        check "garbage ($mode): the answer is the garbage" log_has "${garbage_seen[$mode]}"
        run_hook "$strict_fast" "$gxml"
        check "garbage ($mode), refuse: exit 1" rc_is 1
        check "garbage ($mode), refuse: no XML printed" stdout_empty
done
stop_daemon

# ---- the policy file itself ----
domain=lvguest
printf 'mode = enforcing\n' > "$tmp/bad.conf"
run_hook "$tmp/bad.conf" "$xml"
check "bad policy: exit 1" rc_is 1
check "bad policy: names the line" stderr_has "bad.conf:1: invalid value for mode"
printf 'timeout_ms = 5000\n' > "$tmp/slow.conf"
run_hook "$tmp/slow.conf" "$xml"
check "timeout over 2 s: exit 1" rc_is 1
check "timeout over 2 s: names the line" stderr_has "slow.conf:1: invalid value for timeout_ms"
printf '# comment\n\n  mode=warn  \nfrobnicate = yes\n' > "$tmp/unknown.conf"
run_hook "$tmp/unknown.conf" "$xml"
check "unknown key: exit 1" rc_is 1
check "unknown key: names the line" stderr_has 'unknown.conf:4: unknown key "frobnicate"'
printf 'mode = off\nbus_address = unix:path=/nonexistent\non_daemon_error = refuse\n' > "$tmp/off.conf"
run_hook "$tmp/off.conf" "$DOMAINS/billion-laughs.xml"
check "mode off: exit 0 whatever the input" rc_is 0

echo "test-hook: $checks checks, $failures failed"
[ "$failures" = 0 ]
