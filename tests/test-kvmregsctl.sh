#!/bin/bash
# kvmregsctl offline: show, compare, fleet and check --dest-profile on the real recorded profiles in
# tests/data, and every kind of bad input. Expected register sets are derived from the recordings
# here (python3), not written down; the few names written down are facts from the shared notes
# (6.12 adds TCR2_EL1, PIR_EL1, PIRE0_EL1; 6.1 refuses 6.12's CLIDR; MIDR is not writable; PSCI
# versions). Needs python3 and jq.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/kvmregsctl-test-lib.sh"
need python3 jq

# bad WANT_MESSAGE ARGS...: exit 2, one clear line on stderr naming the problem, nothing crashed.
bad() {
        local msg=$1
        shift
        run 2 "$@" || return
        check "grep -q '^kvmregsctl: ' '$T/err' && grep -qF -- \"$msg\" '$T/err'" \
                "kvmregsctl $*: stderr lacks '$msg': $(head -c 300 "$T/err")"
        check "! grep -qiE 'sanitizer|segmentation|core dumped|assert' '$T/err'" "kvmregsctl $*: crashed"
}

# Python helpers over the recordings and kvmregsctl's JSON.
py() { python3 - "$@"; }

# ---------------- usage ----------------
run 0 --help && out_has "Exit status" "--help"
out_has "3  kvmregsd or libvirt unreachable" "--help documents exit 3"
bad "no verb given"
bad "unknown verb 'frobnicate'" frobnicate
bad "takes SRC and DST" compare "$D/6.1-cortex-a72.json"
bad "option '--bogus' is unknown" show --bogus "$D/6.1-cortex-a72.json"
bad "option '--live' does not apply to 'show'" show --live "$D/6.1-cortex-a72.json"
bad "option '--hosts' does not apply to 'compare'" compare --hosts a,b "$D/6.1-cortex-a72.json" "$D/6.1-cortex-a72.json"
bad "option '--dest-profile' does not apply to 'show'" show "$D/6.1-cortex-a72.json" --dest-profile=x
bad "--timeout takes milliseconds" --timeout abc status
bad "--timeout takes milliseconds" --timeout 0 status
bad "needs a value" show "$D/6.1-cortex-a72.json" --config
bad "one PROFILE file" show
bad "not a usable D-Bus address" --bus-address garbage status
bad "not a usable D-Bus address" profile --bus-address unix:nothing=1
bad "--dst-config needs --config" compare "$D/6.1-cortex-a72.json" "$D/6.12-cortex-a72.json" --dst-config base

# ---------------- bad profiles ----------------
bad "cannot read profile $T/missing.json: No such file or directory" show "$T/missing.json"
bad "cannot read profile $T: Is a directory" show "$T"
printf '{"probe_version": 1, "label": ' >"$T/malformed.json"
bad "$T/malformed.json: invalid profile" show "$T/malformed.json"
: >"$T/empty.json"
bad "$T/empty.json: invalid profile" compare "$T/empty.json" "$D/6.1-cortex-a72.json"
head -c 60000 "$D/6.12-cortex-a72.json" >"$T/truncated.json"
bad "$T/truncated.json: invalid profile" compare "$D/6.1-cortex-a72.json" "$T/truncated.json"
sed 's/"label": *"6.12-cortex-a72"/"label": "\xff\xfe-not-utf8"/' "$D/6.12-cortex-a72.json" >"$T/latin.json"
check "! cmp -s '$T/latin.json' '$D/6.12-cortex-a72.json'" "the non-UTF-8 fixture was not made"
bad "$T/latin.json: invalid profile" show "$T/latin.json"
head -c 17000000 /dev/zero | tr '\0' ' ' >"$T/huge.json"
bad "larger than 16777216 bytes" show "$T/huge.json"
bad "larger than 16777216 bytes" fleet "$D/6.1-cortex-a72.json" "$T/huge.json"
for f in "$D"/bad/*.json; do
        [ -e "$f" ] || continue
        bad "$f: invalid profile" show "$f"
done
# A profile error names where in the document it is.
py "$D/6.1-cortex-a72.json" "$T/badvalue.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["configs"][1]["reg_list"][3] = "banana"
json.dump(d, open(sys.argv[2], "w"))
EOF
bad "invalid profile at /configs/1/reg_list/3" show "$T/badvalue.json"

# ---------------- show ----------------
run 0 show "$D/6.12-cortex-a72.json" && {
        out_has "Kernel:           6.12.117+deb12-arm64" "show"
        out_has "KVM mode:         nvhe" "show"
        out_has "KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES 1" "show"
        check "grep -qE '^  sve +psci_0_2,sve .*skipped: capability not reported' '$T/out'" "show: sve row"
        check "grep -qE '^  base +psci_0_2 +259 +184 ' '$T/out'" "show: base row (259 registers, 184 cpregs)"
}
"$CTL" show - <"$D/6.12-cortex-a72.json" >"$T/stdin.txt" 2>&1
run 0 show "$D/6.12-cortex-a72.json"
check "cmp -s '$T/stdin.txt' '$T/out'" "show - reads standard input"
run 0 show "$D/6.12-cortex-a72.json" --config base && {
        out_has "ID_AA64DFR0_EL1 = 0x" "show --config"
        out_has "(writable mask 0x" "show --config: masks on 6.12"
        check "grep -qE '^    DebugVer +\[3:0\] ' '$T/out'" "show --config: DebugVer decoded"
        out_has "TCR2_EL1" "show --config: register table"
}
run 0 show "$D/6.12-cortex-a72.json" --config base --json && py "$D/6.12-cortex-a72.json" "$T/out" <<'EOF' || fail "show --json does not match the recording"
import json, sys
rec = json.load(open(sys.argv[1])); out = json.load(open(sys.argv[2]))
base = next(c for c in rec["configs"] if c["name"] == "base")
assert out["kernel"] == rec["kernel"] and out["label"] == rec["label"], "identity"
assert [c["name"] for c in out["configs"]] == [c["name"] for c in rec["configs"]], "config names"
detail = out["config"]
assert detail["name"] == "base" and detail["reg_count"] == len(base["reg_list"]), "reg_count"
ids = {int(r["id"], 16): r for r in detail["id_registers"]}
assert {int(k, 16) for k in base["id_regs"]} == set(ids), "the ID registers shown are the recorded ones"
# Every field decoded is the recorded value's bits; ID_AA64DFR0_EL1 (3,0,0,5,0) has DebugVer at [3:0].
dfr0 = 0x603000000013c028
v = int(base["id_regs"][hex(dfr0)[:2] + format(dfr0, "016x")], 16)
fields = {f["name"]: f for f in ids[dfr0]["fields"]}
assert fields["DebugVer"]["value"] == v & 0xf and fields["DebugVer"]["shift"] == 0, "DebugVer"
for r in ids.values():
    value = int(r["value"], 16)
    for f in r["fields"]:
        raw = (value >> f["shift"]) & ((1 << f["width"]) - 1)
        if f["signed"] and raw >> (f["width"] - 1):
            raw -= 1 << f["width"]
        assert f["value"] == raw, (r["name"], f["name"])
masks = {int(k, 16): int(m, 16) for k, m in base["writable_masks"].items()}
for r in detail["registers"]:
    i = int(r["id"], 16)
    assert (r["writable_mask"] is None) == (i not in masks), r["name"]
    if i in masks:
        assert int(r["writable_mask"], 16) == masks[i], r["name"]
EOF
bad "has no vCPU configuration 'nosuch'; it has: base, pmu, sve, ptrauth, el1_32bit, mte, all, all_vgic3" \
        show "$D/6.12-cortex-a72.json" --config nosuch
bad "cannot run configuration 'sve'" show "$D/6.12-cortex-a72.json" --config sve

# ---------------- compare ----------------
# The registers a source sends that the destination does not list, from the recordings.
missing_ids() {
        py "$1" "$2" "$3" <<'EOF'
import json, sys
def cfg(path):
    return next(c for c in json.load(open(path))["configs"] if c["name"] == sys.argv[3])
def cpreg(i):
    coproc, size = (i >> 16) & 0xfff, (i >> 52) & 0xf
    return coproc not in (0x10, 0x15) and size in (2, 3)
src = {int(x, 16) for x in cfg(sys.argv[1])["reg_list"] if cpreg(int(x, 16))}
dst = {int(x, 16) for x in cfg(sys.argv[2])["reg_list"]}
print(" ".join(sorted("0x%016x" % i for i in src - dst)))
EOF
}
found_ids() {  # report JSON on stdin; kinds...
        jq -r --arg kinds "$*" '[.findings[] | select(.kind as $k | ($kinds | split(" ")) | index($k)) | .id] | sort | join(" ")'
}

run 1 compare "$D/6.12-cortex-a72.json" "$D/6.1-cortex-a72.json" --config base --json && {
        cp "$T/out" "$T/a72-down.json"
        check "[ \"\$(jq -r .verdict '$T/a72-down.json')\" = incompatible ]" "6.12 -> 6.1 a72: verdict"
        want=$(missing_ids "$D/6.12-cortex-a72.json" "$D/6.1-cortex-a72.json" base)
        got=$(found_ids not-on-destination dropped <"$T/a72-down.json")
        check "[ -n \"$want\" ] && [ \"$want\" = \"$got\" ]" "6.12 -> 6.1 a72: registers 6.1 does not list: got '$got', want '$want'"
        for r in TCR2_EL1 PIR_EL1 PIRE0_EL1; do
                check "jq -e '.findings[] | select(.register == \"$r\" and .kind == \"not-on-destination\" and .severity == \"fatal\")' '$T/a72-down.json' >/dev/null" \
                        "6.12 -> 6.1 a72: $r not named as missing on 6.1"
        done
        check "jq -e '.findings[] | select(.register == \"CLIDR_EL1\" and .kind == \"value-refused\")' '$T/a72-down.json' >/dev/null" \
                "6.12 -> 6.1 a72: CLIDR_EL1 refused"
        check "jq -e '.findings[] | select(.kind == \"count\" and .severity == \"fatal\")' '$T/a72-down.json' >/dev/null" \
                "6.12 -> 6.1 a72: count"
        check "[ \"\$(jq '.counts.fatal' '$T/a72-down.json')\" = \"\$(jq '[.findings[] | select(.severity == \"fatal\")] | length' '$T/a72-down.json')\" ]" \
                "6.12 -> 6.1 a72: counts.fatal"
}
run 1 compare "$D/6.12-cortex-a72.json" "$D/6.1-cortex-a72.json" --config base && {
        out_has "verdict:      incompatible" "compare text"
        out_has "The migration would fail on 21 registers and the cpreg count (22 fatal findings, 4" "compare text: the paragraph first"
        # findings grouped by cause: 4 blocks; the 17 registers 6.1 does not list are one, naming each
        check "[ \"\$(grep -c '^fatal ' '$T/out')\" = 4 ]" "compare text: 4 causes, got $(grep -c '^fatal ' "$T/out")"
        awk '/^fatal +not-on-destination +17 registers: /{b=1} b&&/^$/{exit} b' "$T/out" >"$T/block"
        for r in "CCSIDR_EL1 (CSSELR 3-13: 11 registers)" TCR2_EL1 PIR_EL1 PIRE0_EL1 CNTPCT_EL0 CNTP_CTL_EL0 CNTP_CVAL_EL0; do
                check "grep -qF '$r' '$T/block'" "compare text: $r not in the block of registers 6.1 does not list"
        done
        check "[ \"\$(grep -c 'remedy: ' '$T/out')\" = 4 ]" "compare text: one remedy a cause"
        check "! grep -q \$'\\033' '$T/out'" "compare text: colour in a file"
}
# --verbose: every fatal register by its own name too
run 1 compare "$D/6.12-cortex-a72.json" "$D/6.1-cortex-a72.json" --config base --verbose && {
        for r in $(jq -r '.findings[] | select(.fatal) | .register // empty' "$T/a72-down.json"); do
                out_has "$r" "compare --verbose"
        done
        out_has "every finding:" "compare --verbose"
}
# Colour only on a terminal, and not with NO_COLOR.
if command -v script >/dev/null; then
        env -u NO_COLOR TERM=xterm script -qec "'$CTL' compare '$D/6.12-cortex-a72.json' '$D/6.1-cortex-a72.json' --config base" /dev/null >"$T/tty" 2>&1
        check "grep -q \$'verdict:      \\033\\[1;31mincompatible' '$T/tty'" "compare on a terminal: no colour"
        NO_COLOR=1 TERM=xterm script -qec "'$CTL' compare '$D/6.12-cortex-a72.json' '$D/6.1-cortex-a72.json' --config base" /dev/null >"$T/tty" 2>&1
        check "grep -q 'verdict:      incompatible' '$T/tty' && ! grep -q \$'\\033' '$T/tty'" "compare on a terminal with NO_COLOR: colour"
fi
# Without --config: every configuration the source runs, the worst verdict wins.
run 1 compare "$D/6.12-cortex-a72.json" "$D/6.1-cortex-a72.json" --json && {
        check "[ \"\$(jq -r '.verdict' '$T/out')\" = incompatible ]" "all configs 6.12 -> 6.1: verdict"
        check "[ \"\$(jq -r '[.configs[] | select(.report) | .config] | join(\" \")' '$T/out')\" = 'base pmu el1_32bit all all_vgic3' ]" \
                "all configs 6.12 -> 6.1: compared configurations"
        check "[ \"\$(jq -r '[.configs[] | select(.verdict == \"not-compared\") | .config] | join(\" \")' '$T/out')\" = 'sve ptrauth mte' ]" \
                "all configs 6.12 -> 6.1: not compared"
        check "[ \"\$(jq '.fatal' '$T/out')\" = \"\$(jq '[.configs[].report.counts.fatal // 0] | add' '$T/out')\" ]" "all configs: fatal sum"
}
run 1 compare "$D/6.12-cortex-a72.json" "$D/6.1-cortex-a72.json" && {
        check "grep -qE '^  base +incompatible +184 +167 +22 ' '$T/out'" "summary row base"
        out_has "Result: incompatible (the worst of 5 compared configurations)" "summary"
}
# Identical host: nothing to find.
run 0 compare "$D/6.12-cortex-a72.json" "$D/6.12-cortex-a72.json" --json && \
        check "[ \"\$(jq -r '[.verdict] + [.configs[] | select(.report) | .verdict] | unique | join(\" \")' '$T/out')\" = compatible ] && [ \"\$(jq .fatal '$T/out')\" = 0 ]" \
                "identical: compatible everywhere"
# 6.1 -> 6.12, same model: 6.12's writable masks take 6.1's values.
run 0 compare "$D/6.1-cortex-a72.json" "$D/6.12-cortex-a72.json"
out_has "Result: compatible (the worst of 5 compared configurations)" "6.1 -> 6.12 a72"
run 0 compare "$D/6.1-cortex-a72.json" "$D/6.12-cortex-a72.json" --config base --json && \
        check "[ \"\$(jq -r .verdict '$T/out')\" = compatible ] && [ \"\$(jq '[.findings[] | select(.severity == \"fatal\")] | length' '$T/out')\" = 0 ]" \
                "6.1 -> 6.12 a72 base: compatible"
# Same kernel, other CPU model: MIDR_EL1 is not writable.
run 1 compare "$D/6.12-cortex-a57.json" "$D/6.12-cortex-a72.json" --config base --json && \
        check "jq -e '.findings[] | select(.register == \"MIDR_EL1\" and .severity == \"fatal\")' '$T/out' >/dev/null" "a57 -> a72: MIDR_EL1"
# 7.2 -> 6.12: 6.12 refuses a newer PSCI version.
run 1 compare "$D/7.2-cortex-a72.json" "$D/6.12-cortex-a72.json" --config base --json && \
        check "jq -e '.findings[] | select(.register == \"PSCI_VERSION\" and .severity == \"fatal\")' '$T/out' >/dev/null" "7.2 -> 6.12: PSCI_VERSION"
# 6.1 -> 7.2 loads on every model recorded, -cpu max included.
run 0 compare "$D/6.1-max.json" "$D/7.2-max.json" --config base
bad "has no vCPU configuration 'nosuch'" compare "$D/6.1-cortex-a72.json" "$D/6.12-cortex-a72.json" --config nosuch
bad "cannot run configuration 'sve'" compare "$D/6.1-cortex-a72.json" "$D/6.12-cortex-a72.json" --config sve

# ---------------- fleet ----------------
jq '.label = "6.1-cortex-a72-twin"' "$D/6.1-cortex-a72.json" >"$T/twin.json"
run 1 fleet "$D/6.1-cortex-a72.json" "$D/6.12-cortex-a72.json" "$T/twin.json" --json --per-host && {
        cp "$T/out" "$T/fleet.json"
        check "[ \"\$(jq -c .hosts '$T/fleet.json')\" = '[\"6.1-cortex-a72\",\"6.12-cortex-a72\",\"6.1-cortex-a72-twin\"]' ]" "fleet hosts"
        check "[ \"\$(jq -r '.matrix[] | select(.from == \"6.1-cortex-a72\" and .to == \"6.12-cortex-a72\") | .verdict' '$T/fleet.json')\" = compatible ]" "fleet 6.1 -> 6.12"
        check "[ \"\$(jq -r '.matrix[] | select(.from == \"6.12-cortex-a72\" and .to == \"6.1-cortex-a72\") | .verdict' '$T/fleet.json')\" = incompatible ]" "fleet 6.12 -> 6.1"
        "$CTL" compare "$D/6.12-cortex-a72.json" "$D/6.1-cortex-a72.json" --json >"$T/cmp.json"
        check "[ \"\$(jq '.matrix[] | select(.from == \"6.12-cortex-a72\" and .to == \"6.1-cortex-a72\") | .fatal' '$T/fleet.json')\" = \"\$(jq .fatal '$T/cmp.json')\" ]" \
                "fleet cell's fatal count is compare's"
        check "[ \"\$(jq '.matrix | length' '$T/fleet.json')\" = 6 ]" "fleet: 3x3 off-diagonal"
        check "[ \"\$(jq -c '[.groups[].hosts]' '$T/fleet.json')\" = '[[\"6.1-cortex-a72\",\"6.1-cortex-a72-twin\"],[\"6.12-cortex-a72\"]]' ]" \
                "fleet groups: $(jq -c '[.groups[].hosts]' "$T/fleet.json")"
        # identical profiles are one class: two classes, compared once each way
        check "[ \"\$(jq -c '[.classes[].hosts]' '$T/fleet.json')\" = '[[\"6.1-cortex-a72\",\"6.1-cortex-a72-twin\"],[\"6.12-cortex-a72\"]]' ]" "fleet classes"
}
run 0 fleet "$D/6.1-cortex-a72.json" "$T/twin.json"
out_has "1: 6.1-cortex-a72, 6.1-cortex-a72-twin" "fleet of twins: one group"
run 1 fleet "$D"/[5-7]*.json --config base && {
        # one row per class; 6.1-cortex-a72 is class 3 (the third file), 6.12-cortex-a72 class 7
        check "grep -qE '^ +3 +1 +6\.1\.0-56-arm64 +6.1-cortex-a72 .*✓' '$T/out' && grep -q '✗' '$T/out'" "fleet text matrix"
        out_has "Groups (guests move freely both ways within a group):" "fleet text"
        # 6.12 -> 6.1 a72, base: ✗N in row 7, column 3, and note N names compare's first fatal registers
        note=$(grep -E '^ +7 +1 ' "$T/out" | sed 's/^.*6.12-cortex-a72 *//' | awk '{print $3}')
        check "[[ '$note' == ✗* ]]" "fleet text: 6.12 -> 6.1 a72 base cell is ✗ ('$note')"
        # the first three distinct fatal registers of compare's report, in its order
        first=$(jq -r '[.findings[] | select(.severity == "fatal") | .register // ("(" + .kind + ")")] | reduce .[] as $x ([]; if index([$x]) then . else . + [$x] end) | .[0:3] | join(", ")' "$T/a72-down.json")
        check "sed 's/ \\+/ /g' '$T/out' | grep -qxF ' $note $first in base'" "fleet text: note $note is '$first in base': $(grep -E "^  $note " "$T/out")"
        fatal=$(jq '.counts.fatal' "$T/a72-down.json")
        "$CTL" matrix "$D"/[5-7]*.json --config base --json >"$T/m.json"
        check "[ \"\$(jq '.matrix[] | select(.from == 7 and .to == 3) | .fatal' '$T/m.json')\" = '$fatal' ]" \
                "matrix 6.12 -> 6.1 a72 base: $fatal fatal, as compare"
}
bad "takes DIR or PROFILE files, or --hosts" fleet
# No limit of 64 hosts any more: 65 hosts of two profiles are two classes.
many=()
for i in $(seq 65); do
        jq --arg l "h$i" '.label = $l' "$D/6.1-cortex-a72.json" >"$T/many-$i.json"
        many+=("$T/many-$i.json")
done
run 0 fleet "${many[@]}" --json && check "[ \"\$(jq '.hosts | length' '$T/out')\" = 65 ] && [ \"\$(jq '.classes | length' '$T/out')\" = 1 ]" "fleet of 65 hosts, one class"

# ---------------- check, offline (--domain-xml, --dest-profile) ----------------
U1=7e57c0de-0000-4000-8000-000000000001
record_of "$D/6.12-cortex-a72.json" pmu "$T/rec-612-pmu.json"
record_of "$D/6.1-cortex-a72.json" pmu "$T/rec-61-pmu.json"
record_of "$D/6.12-cortex-a72.json" base "$T/rec-612-base.json"
echo '{"probe_version": 1, "configs": "no"}' >"$T/rec-bad.json"
domain_xml "$T/dom-612-pmu.xml" guest1 $U1 "$T/rec-612-pmu.json"
domain_xml "$T/dom-61-pmu.xml" guest1 $U1 "$T/rec-61-pmu.json"
domain_xml "$T/dom-612-base.xml" guest1 $U1 "$T/rec-612-base.json"
domain_xml "$T/dom-norecord.xml" guest1 $U1 -
domain_xml "$T/dom-badrecord.xml" guest1 $U1 "$T/rec-bad.json"
head -c -20 "$T/dom-norecord.xml" >"$T/dom-broken.xml"
run 1 check guest1 --domain-xml "$T/dom-612-pmu.xml" --dest-profile "$D/6.1-cortex-a72.json" --json && {
        want=$(missing_ids "$D/6.12-cortex-a72.json" "$D/6.1-cortex-a72.json" pmu)
        got=$(found_ids not-on-destination dropped <"$T/out")
        check "[ -n \"$want\" ] && [ \"$want\" = \"$got\" ]" "check 6.12 guest -> 6.1: got '$got', want '$want'"
}
run 0 check guest1 --domain-xml "$T/dom-61-pmu.xml" --dest-profile "$D/6.12-cortex-a72.json"
out_has "verdict:      compatible" "check 6.1 guest -> 6.12"
# A guest without PMU, a host-passthrough destination that would give it one: adjust, don't refuse.
run 0 check guest1 --domain-xml "$T/dom-612-base.xml" --dest-profile "$D/6.12-cortex-a72.json" --json && \
        check "[ \"\$(jq -r '.verdict + \" \" + (.adjustments | join(\",\"))' '$T/out')\" = 'compatible-after-adjustment pmu=off' ]" \
                "check base guest -> pmu host: adjustment"
run 1 check guest1 --domain-xml "$T/dom-norecord.xml" --dest-profile "$D/6.12-cortex-a72.json"
check "grep -q \"domain 'guest1' has no kvmregs record\" '$T/err' && grep -q 'kvmregsd stamps every running domain' '$T/err'" \
        "check without a record says how to get one"
bad "the domain's kvmregs record: invalid profile" check guest1 --domain-xml "$T/dom-badrecord.xml" --dest-profile "$D/6.12-cortex-a72.json"
bad "the XML of domain 'guest1' cannot be read" check guest1 --domain-xml "$T/dom-broken.xml" --dest-profile "$D/6.12-cortex-a72.json"
bad "cannot read domain XML" check guest1 --domain-xml "$T/nothing.xml" --dest-profile "$D/6.12-cortex-a72.json"
bad "no destination: give --to HOST" check guest1 --domain-xml "$T/dom-61-pmu.xml"
bad "give one destination" check guest1 --domain-xml "$T/dom-61-pmu.xml" --to hostB --dest-profile "$D/6.12-cortex-a72.json"
bad "names no host to ask" migrate guest1 qemu:///system
bad "--domain-xml does not apply to migrate" migrate guest1 qemu+ssh://hostB/system --domain-xml "$T/dom-61-pmu.xml"

# ---------------- check and migrate through real libvirt (its test driver: no daemon needed) ----------------
domain_xml "$T/node.xml" guest3 7e57c0de-0000-4000-8000-000000000003 "$T/rec-612-base.json" aarch64 test 1
NODE=test://$T/node.xml
run 1 check guest3 --from "$NODE" --dest-profile "$D/6.1-cortex-a72.json" --json && {
        want=$(missing_ids "$D/6.12-cortex-a72.json" "$D/6.1-cortex-a72.json" base)
        got=$(found_ids not-on-destination dropped <"$T/out")
        check "[ -n \"$want\" ] && [ \"$want\" = \"$got\" ]" "check through libvirt: got '$got', want '$want'"
}
run 0 check 7e57c0de-0000-4000-8000-000000000003 --from "$NODE" --dest-profile "$D/6.12-cortex-a72.json" --json && \
        check "[ \"\$(jq -r '.verdict + \" \" + (.adjustments | join(\",\"))' '$T/out')\" = 'compatible-after-adjustment pmu=off' ]" \
                "check by UUID through libvirt: adjustment"
run 1 check test --from test:///default --dest-profile "$D/6.12-cortex-a72.json"
check "grep -q \"domain 'test' has no kvmregs record\" '$T/err'" "libvirt's test domain has no record"
bad "no domain 'nosuch' on test:///default" check nosuch --from test:///default --dest-profile "$D/6.12-cortex-a72.json"
run 3 check guest3 --from "unix:///nonexistent" --dest-profile "$D/6.12-cortex-a72.json"
check "grep -q 'cannot connect to libvirt at unix:///nonexistent' '$T/err'" "libvirt unreachable: $(head -c 300 "$T/err")"
# A libvirtd that accepts and never answers: bounded (5 x --timeout), exit 3.
python3 - "$T/hung-libvirt.sock" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(5)
s.settimeout(0.2)
held, end = [], time.time() + 20
while time.time() < end:
    try:
        held.append(s.accept()[0])
    except socket.timeout:
        pass
EOF
pids="$pids $!"
for _ in $(seq 50); do [ -S "$T/hung-libvirt.sock" ] && break; sleep 0.1; done
start=$(date +%s%N)
run 3 check guest3 --from "qemu+unix:///system?socket=$T/hung-libvirt.sock" --dest-profile "$D/6.12-cortex-a72.json" --timeout 300
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "grep -q 'libvirt did not answer in time' '$T/err'" "hung libvirtd: $(head -c 300 "$T/err")"
check "[ $elapsed_ms -ge 1400 ] && [ $elapsed_ms -lt 5000 ]" "hung libvirtd: gave up after ${elapsed_ms} ms, expected about 1500"

run 1 migrate guest3 test:///default --from "$NODE" --dest-profile "$D/6.1-cortex-a72.json"
check "grep -q \"not migrating 'guest3'\" '$T/err' && grep -q 'TCR2_EL1' '$T/out'" "migrate refuses with the report"
# Compatible: the check passes and libvirt is asked (its test driver cannot migrate, and says so).
run 1 migrate guest3 test:///default --from "$NODE" --dest-profile "$D/6.12-cortex-a72.json" --live
check "grep -q 'adjustments:  pmu=off' '$T/out' && grep -q \"migration of 'guest3' to test:///default failed: .*virDomainMigrate3\" '$T/err'" \
        "migrate after a passing check reaches libvirt: $(head -c 300 "$T/err")"
run 1 migrate guest3 test:///default --from "$NODE" --force --p2p
check "grep -q 'without checking' '$T/err' && grep -q \"migration of 'guest3' to test:///default failed: .*p2p\" '$T/err'" "--force --p2p: $(head -c 300 "$T/err")"

finish
