#!/bin/bash
# kvmregsctl matrix, groups, whatif and fleet on stores (DIR with index.json) and files made from
# the real recorded profiles in tests/data: which classes, which cells work and why not (the
# first fatal registers, held against compare), the groups and their one-way edge, what replacing
# a 6.1 host by a 6.12 profile breaks and makes possible; and bad input: unreadable and malformed
# files, duplicate hosts, an empty directory, an index that lies. Needs python3 and jq.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/kvmregsctl-test-lib.sh"
need python3 jq

bad() {
        local want=$1 msg=$2
        shift 2
        run "$want" "$@" || return
        check "grep -q '^kvmregsctl: ' '$T/err' && grep -qF -- \"$msg\" '$T/err'" \
                "kvmregsctl $*: stderr lacks '$msg': $(head -c 300 "$T/err")"
}
jqo() { jq -r "$1" "$T/out"; }
# eq GOT WANT WHAT: one check of a value against what it must be
eq() { checks=$((checks + 1)); [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"; }

# A store: host NAME gets profile FILE with its label set to NAME; then index.json (as collect
# writes it: digest, size, mtime_ns of each file, sorted by host).
mkhost() { jq --arg h "$2" '.label = $h' "$D/$3" >"$1/$2.json"; }
mkindex() {
        local dir=$1
        python3 - "$dir" "$CTL" <<'EOF'
import json, os, subprocess, sys
d, ctl = sys.argv[1], sys.argv[2]
hosts = []
for f in sorted(os.listdir(d)):
    if not f.endswith('.json') or f == 'index.json':
        continue
    out = subprocess.run([ctl, 'matrix', '--json', os.path.join(d, f)], capture_output=True, text=True).stdout
    st = os.stat(os.path.join(d, f))
    hosts.append({"host": f[:-5], "file": f, "digest": json.loads(out)["classes"][0]["digest"],
                  "size": st.st_size, "mtime_ns": st.st_mtime_ns})
json.dump({"format": "kvmregs-fleet-index", "version": 1, "hosts": hosts, "failed": []},
          open(os.path.join(d, "index.json"), "w"), indent=1)
EOF
}

S=$T/store
mkdir "$S"
mkhost "$S" a57-1 6.1-cortex-a57.json
for i in 1 2 3; do mkhost "$S" a72-$i 6.1-cortex-a72.json; done
mkhost "$S" new-1 6.12-cortex-a72.json
mkindex "$S"

# ---------------- matrix ----------------
run 1 matrix "$S" --json && {
        # hosts in name order; classes by their first host: a57, 6.1 a72 (3 hosts), 6.12 a72
        eq "$(jqo '[.classes[].hosts] | tostring')" '[["a57-1"],["a72-1","a72-2","a72-3"],["new-1"]]' "classes"
        eq "$(jqo '.matrix | length')" 9 "3 x 3 class cells"
        eq "$(jqo '[.matrix[] | select(.from == .to) | .verdict] | unique | tostring')" '["compatible"]' "diagonal ✓"
        eq "$(jqo '.matrix[] | select(.from == 2 and .to == 3) | .verdict')" compatible "6.1 a72 -> 6.12 a72 ✓"
        eq "$(jqo '.matrix[] | select(.from == 1 and .to == 3) | [.first_fatal[].register] | join(",")')" MIDR_EL1 \
                "6.1 a57 -> 6.12 a72 ✗ MIDR_EL1"
        eq "$(jqo '.matrix[] | select(.from == 3 and .to == 2) | [.first_fatal[].register] | join(",")')" '(count),CCSIDR_EL1[csselr=0x0],CCSIDR_EL1[csselr=0x1]' "6.12 a72 -> 6.1 a72 ✗ (count), CCSIDR_EL1[csselr=0x0], CCSIDR_EL1[csselr=0x1]"
        eq "$(jqo '.matrix[] | select(.from == 2 and .to == 1) | [.first_fatal[].register] | join(",")')" 'CCSIDR_EL1[csselr=0x2],MIDR_EL1,ID_MMFR0_EL1' "6.1 a72 -> 6.1 a57 ✗ CCSIDR_EL1[csselr=0x2], MIDR_EL1, ID_MMFR0_EL1"
        # a cell's count is compare's, over the same configurations
        "$CTL" compare "$D/6.12-cortex-a72.json" "$D/6.1-cortex-a72.json" --json >"$T/cmp.json"
        eq "$(jqo '.matrix[] | select(.from == 3 and .to == 2) | .fatal')" "$(jq .fatal "$T/cmp.json")" "fatal count = compare's"
        eq "$(jqo '.left_out | length')" 0 "nothing left out"
}
run 1 matrix "$S" && {
        out_has "5 hosts in 3 classes" "text header"
        check "grep -qE '^ +2 +3 +6\\.1\\.0-56-arm64 +a72-1, a72-2, a72-3 +✗[0-9]+ +✓ +✓\$' '$T/out'" "text row of class 2: $(grep -E '^ +2 +3' "$T/out")"
        check "sed 's/ \\+/ /g' '$T/out' | grep -qE '^ ✗[0-9]+ MIDR_EL1 in base\$'" "text note: MIDR_EL1 in base"
}
run 1 matrix "$S" --csv --per-host && {
        eq "$(head -1 "$T/out")" 'from,to,from_class,to_class,verdict,fatal,first_fatal,config' "csv header"
        check "[ $(($(wc -l <"$T/out") - 1)) = 20 ]" "csv: 5 x 4 host pairs"
        check "grep -qx 'a72-1,new-1,2,3,compatible,0,,' '$T/out'" "csv: a72-1 -> new-1 compatible"
        check "grep -q '^new-1,a72-2,3,2,incompatible,[0-9]*,(count) CCSIDR_EL1\\[csselr=0x0\\] CCSIDR_EL1\\[csselr=0x1\\],base\$' '$T/out'" "csv: new-1 -> a72-2"
}
run 1 matrix "$S" --csv && check "[ $(($(wc -l <"$T/out") - 1)) = 9 ]" "csv per class: 9 cells"
run 0 matrix "$S"/a72-1.json "$S"/a72-2.json --config base && out_has "2 hosts in 1 class" "two identical hosts: one class"
bad 2 "no host has a vCPU configuration 'nonesuch'" matrix "$S" --config nonesuch
bad 2 "--per-host and --per-class exclude each other" matrix "$S" --per-host --per-class
bad 2 "option '--host' does not apply to 'matrix'" matrix "$S" --host a72-1

# ---------------- groups ----------------
run 1 groups "$S" --json && {
        # the largest class first: group 1 = the three 6.1 a72 hosts
        eq "$(jqo '[.groups[].hosts] | tostring')" '[["a72-1","a72-2","a72-3"],["a57-1"],["new-1"]]' "groups"
        # one-way: every 6.1 a72 guest moves to 6.12 a72, none back
        eq "$(jqo '[.edges[] | select(.all) | [.from, .to, .all_back]] | tostring')" '[[1,3,false]]' "one-way edge 1 -> 3"
}
run 1 groups "$S" && {
        out_has "1: a72-1, a72-2, a72-3" "groups text"
        out_has "1 -> 3: every guest of group 1 can move to group 3 (3 host pairs)" "groups text: edge"
}
run 0 groups "$S"/a72-1.json "$S"/a72-2.json "$S"/a72-3.json && out_has "1 group of 3 hosts" "one group"

# ---------------- fleet (matrix + groups) ----------------
run 1 fleet "$S" && { out_has "5 hosts in 3 classes" "fleet: the matrix"; out_has "1: a72-1, a72-2, a72-3" "fleet: the groups"; }
run 1 fleet "$S" --json && eq "$(jqo '(.matrix | length), (.groups | length)' | tr '\n' ' ')" '9 3 ' "fleet --json: matrix and groups"

# ---------------- whatif: a72-1 (6.1) gets the 6.12 a72 profile ----------------
run 1 whatif "$S" --host a72-1 --profile "$D/6.12-cortex-a72.json" --json && {
        eq "$(jqo '[.old_class, .new_class] | tostring')" '[2,3]' "whatif: class 2 -> joins class 3"
        # breaks a72-1 -> a72-2, a72-3 (6.12 -> 6.1); makes new-1 -> a72-1 possible
        eq "$(jqo '[.host_pairs_broken, .host_pairs_new] | tostring')" '[2,1]' "whatif: 2 broken, 1 new"
        eq "$(jqo '.broken[0] | [.direction, .class, .before.verdict, .after.verdict, (.hosts | join(","))] | tostring')" '["from-host",2,"compatible","incompatible","a72-2,a72-3"]' "whatif: broken"
        eq "$(jqo '.new[0] | [.direction, .class, (.hosts | join(","))] | tostring')" '["to-host",3,"new-1"]' "whatif: new: new-1 -> a72-1"
}
run 1 whatif "$S" --host a72-1 --profile "$D/6.12-cortex-a72.json" --per-host && {
        out_has "Broken: 2 working host pairs would fail." "whatif text"
        out_has "      a72-1 -> a72-3" "whatif text per host"
        out_has "New: 1 host pair that fails today would work." "whatif text new"
}
# new-1 back to 6.1: its guests reach the 6.1 a72 hosts (3 - 1 = 2 of them... all three), nothing breaks
run 0 whatif "$S" --host new-1 --profile "$D/6.1-cortex-a72.json" --csv && {
        eq "$(head -1 "$T/out")" 'change,direction,class,host_pairs,before,after,why' "whatif csv header"
        eq "$(sed 1d "$T/out")" 'new,from-host,2,3,incompatible,compatible,"(count), CCSIDR_EL1[csselr=0x0], CCSIDR_EL1[csselr=0x1] in base"' "whatif csv: new-1 -> the 6.1 a72 class"
}
run 0 whatif "$S" --host a72-2 --profile "$D/6.1-cortex-a72.json" && out_has "Nothing changes" "whatif: same profile"
bad 2 "no host 'nope' in the fleet" whatif "$S" --host nope --profile "$D/6.12-cortex-a72.json"
bad 2 "needs --host NAME and --profile" whatif "$S" --host a72-1
bad 2 "cannot read profile $T/missing.json" whatif "$S" --host a72-1 --profile "$T/missing.json"

# ---------------- bad input ----------------
B=$T/bad
mkdir "$B"
mkhost "$B" a72-1 6.1-cortex-a72.json
mkhost "$B" a72-2 6.1-cortex-a72.json
printf '{"probe_version": 1, "label": ' >"$B/broken.json"
mkdir "$B/sub.json"
jq '.label = "a72-1"' "$D/6.12-cortex-a72.json" >"$B/z-dup.json"
run 2 matrix "$B" --json && {
        eq "$(jqo '.hosts | tostring')" '["a72-1","a72-2"]' "bad dir: the two good hosts stay"
        eq "$(jqo '.left_out | length')" 3 "bad dir: three left out"
}
check "grep -q 'left out: $B/broken.json: invalid profile' '$T/err'" "malformed file reported"
check "grep -q 'left out: $B/sub.json: cannot read it: Is a directory' '$T/err'" "unreadable file reported"
check "grep -q 'left out: a72-1: the host is named twice (again in $B/z-dup.json)' '$T/err'" "duplicate reported"
bad 2 "left out: $T/missing.json: cannot read it: No such file or directory" matrix "$S/a72-1.json" "$T/missing.json"
mkdir "$T/empty"
bad 4 "the fleet is empty" matrix "$T/empty"
bad 4 "the fleet is empty" groups "$B/broken.json"
bad 4 "the fleet is empty" whatif "$T/empty" --host x --profile "$D/6.1-cortex-a72.json"
bad 4 "left out: -: invalid profile" matrix - </dev/null
cat "$D/6.1-cortex-a72.json" | run 0 matrix - && out_has "1 host in 1 class" "stdin: one profile"

# The index lies: a72-2's size (it is parsed: its real profile counts), a57-1's digest (the first of
# its digest is parsed: the file wins, said as a note), a listed file that is not there, and a host
# the collector could not reach.
L=$T/lies
cp -a "$S" "$L"
python3 - "$L/index.json" <<'EOF'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
for h in d["hosts"]:
    if h["host"] == "a72-2":
        h["size"] += 1
    if h["host"] == "a57-1":
        h["digest"] = "0" * 64
d["hosts"].append({"host": "zz-gone", "file": "zz-gone.json", "digest": "1" * 64, "size": 1, "mtime_ns": 1})
d["failed"] = [{"host": "unreached", "reason": "ssh: connect to host unreached port 22: No route to host"}]
json.dump(d, open(p, "w"))
EOF
jq '.label = "a72-2"' "$D/6.12-cortex-a72.json" >"$L/a72-2.json"   # the content changed too
touch -d '2001-01-01' "$L/a72-2.json"
run 2 matrix "$L" --json && {
        eq "$(jqo '[.classes[].hosts] | tostring')" '[["a57-1"],["a72-1","a72-3"],["a72-2","new-1"]]' "lying index: a72-2 read as what it is"
        eq "$(jqo '[.left_out[].what] | sort | tostring')" '["unreached","zz-gone"]' "lying index: left out"
        eq "$(jqo '.notes[0].what')" a57-1 "lying index: the digest note"
}
check "grep -q 'note: a57-1: .*index.json gives digest 000000000000..., the file' '$T/err'" "digest lie said"
check "grep -q 'left out: unreached: not collected: ssh: connect' '$T/err'" "collector's failure said"
# a broken index: every *.json is read instead
echo '{"format": "something-else"}' >"$L/index.json"
run 0 groups "$L"/a72-1.json "$L"/a72-3.json
run 1 matrix "$L" --json && eq "$(jqo '.hosts | length') $(jqo '.notes | length')" "5 1" "broken index: files read, noted"
check "grep -q 'note: $L/index.json: \"format\" is not \"kvmregs-fleet-index\"; every \\*.json file is read instead' '$T/err'" "broken index said: $(head -c 300 "$T/err")"

finish
