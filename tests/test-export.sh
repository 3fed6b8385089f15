#!/bin/bash
# kvmregsctl export --format kubevirt|nova on a store made of the real profiles in tests/data
# (several hosts per profile): every file parsed as YAML (python3-yaml), every label and trait
# checked against Kubernetes' and Placement's syntax, and "who accepts whom" held against what
# `kvmregsctl matrix --json` says on the same store (the one comparison): over every configuration
# (the default) a class accepts another's guests only when each configuration the guest's class
# runs was compared and works; with --config NAME, when that cell works. Then bad input and its
# exit statuses (2 bad usage/input or OUTDIR not writable, 4 nothing readable). Needs python3
# with yaml, and jq.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/kvmregsctl-test-lib.sh"
need python3 jq
python3 -c 'import yaml' 2>/dev/null || skip_or_fail "python3-yaml is missing"

eq() { checks=$((checks + 1)); [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"; }
mkhost() { jq --arg h "$2" '.label = $h' "$D/$3" >"$1/$2.json"; }

S=$T/store
mkdir "$S"
for i in 1 2 3; do mkhost "$S" a72-61-$i 6.1-cortex-a72.json; done
for i in 1 2; do mkhost "$S" a72-612-$i 6.12-cortex-a72.json; done
mkhost "$S" max-61-1 6.1-max.json
mkhost "$S" max-72-1 7.2-max.json
mkhost "$S" a57-61-1 6.1-cortex-a57.json
# A 6.1 a72 that cannot run el1_32bit: its guests go to the other 6.1 a72 hosts, but theirs (who
# may run el1_32bit) must not come to it, though the matrix's "every configuration both run" says ✓.
jq '.label = "a72-no32-1" | .configs |= map(if .name == "el1_32bit" then {name, features, skipped: "capability not reported"} else . end)' \
        "$D/6.1-cortex-a72.json" >"$S/a72-no32-1.json"

# check_export FORMAT OUTDIR [--config NAME]: the files against the matrix, in python.
check_export() {
        local format=$1 out=$2
        shift 2
        "$CTL" matrix --json "$@" "$S" >"$T/matrix.json" 2>/dev/null
        python3 - "$format" "$out" "$T/matrix.json" "$S" "$@" >"$T/py.out" 2>&1 <<'EOF'
import json, os, re, sys, yaml
fmt, out, mpath, store = sys.argv[1:5]
config = sys.argv[6] if len(sys.argv) > 6 else None
m = json.load(open(mpath))
checks = fails = 0
def check(ok, what):
    global checks, fails
    checks += 1
    if not ok:
        fails += 1
        print("FAIL: %s %s" % (fmt, what))
classes = m["classes"]                         # class numbers from 1
cid = {c["class"]: c["digest"][:12] for c in classes}
host_class = {h: c["class"] for c in classes for h in c["hosts"]}
def runnable(cls):
    h = [c for c in classes if c["class"] == cls][0]["hosts"][0]
    p = json.load(open(os.path.join(store, h + ".json")))
    return sum(1 for c in p["configs"] if not c.get("skipped"))
cell = {(x["from"], x["to"]): x for x in m["matrix"]}
def accepts(host_cls, guest_cls):
    x = cell[(guest_cls, host_cls)]
    works = x["verdict"] in ("compatible", "compatible-after-adjustment")
    return works and (config is not None or x["compared"] == runnable(guest_cls))
name_re = re.compile(r'^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$')
dns_re = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')
def key_ok(k):
    prefix, _, name = k.rpartition("/")
    return (not prefix or (len(prefix) <= 253 and dns_re.match(prefix))) and len(name) <= 63 and name_re.match(name)
def value_ok(v):
    return v == "" or (len(v) <= 63 and name_re.match(v))
trait_re = re.compile(r'^CUSTOM_[A-Z0-9_]+$')
want_files = sorted([h + ".yaml" for h in host_class] + (["labels.json"] if fmt == "kubevirt" else []))
check(sorted(os.listdir(out)) == want_files, "files: %s, want %s" % (sorted(os.listdir(out)), want_files))
for h, hc in host_class.items():
    doc = yaml.safe_load(open(os.path.join(out, h + ".yaml")))
    want_acc = sorted(cid[g] for g in cid if accepts(hc, g))
    if fmt == "kubevirt":
        check(list(doc) == ["metadata"] and list(doc["metadata"]) == ["labels"], h + ": only metadata.labels")
        labels = doc["metadata"]["labels"]
        for k, v in labels.items():
            check(key_ok(k), "%s: label key %r" % (h, k))
            check(v is None or (isinstance(v, str) and value_ok(v)), "%s: label value %r" % (h, v))
        check(labels.get("kvmregs.org/class") == cid[hc], h + ": class label")
        got = sorted(k.split("/")[1] for k, v in labels.items() if k.startswith("accepts.kvmregs.org/") and v == "true")
        check(got == want_acc, "%s accepts %s, matrix says %s" % (h, got, want_acc))
        # every other class's label removed (a stale one from an earlier export)
        nulls = sorted(k.split("/")[1] for k, v in labels.items() if k.startswith("accepts.kvmregs.org/") and v is None)
        check(nulls == sorted(set(cid.values()) - set(want_acc)), h + ": the other classes' labels null")
    else:
        check(doc["meta"] == {"schema_version": "1.0"}, h + ": meta")
        check(len(doc["providers"]) == 1 and doc["providers"][0]["identification"] == {"name": h}, h + ": identification")
        traits = doc["providers"][0]["traits"]["additional"]
        for t in traits:
            check(bool(trait_re.match(t)) and len(t) <= 255, "%s: trait %r" % (h, t))
        check(traits[0] == "CUSTOM_KVMREGS_CLASS_" + cid[hc].upper(), h + ": class trait")
        got = sorted(t[len("CUSTOM_KVMREGS_ACCEPTS_"):].lower() for t in traits[1:])
        check(all(t.startswith("CUSTOM_KVMREGS_ACCEPTS_") for t in traits[1:]), h + ": accepts traits")
        check(got == want_acc, "%s accepts %s, matrix says %s" % (h, got, want_acc))
if fmt == "kubevirt":
    lj = json.load(open(os.path.join(out, "labels.json")))
    for h, hc in host_class.items():
        labels = yaml.safe_load(open(os.path.join(out, h + ".yaml")))["metadata"]["labels"]
        check(lj["nodes"][h] == {k: v for k, v in labels.items() if v is not None}, h + ": labels.json = the patch")
    check([c["id"] for c in lj["classes"]] == [cid[c["class"]] for c in classes], "labels.json classes")
print("checks %d fails %d" % (checks, fails))
EOF
        local c f
        c=$(sed -n 's/^checks \([0-9]*\) fails \([0-9]*\)$/\1/p' "$T/py.out")
        f=$(sed -n 's/^checks \([0-9]*\) fails \([0-9]*\)$/\2/p' "$T/py.out")
        if [ -z "$c" ]; then
                fail "check_export $format: python: $(head -c 600 "$T/py.out")"
                return
        fi
        checks=$((checks + c))
        [ "$f" = 0 ] || { fail "check_export $format $*: $f failed"; grep '^FAIL' "$T/py.out" | head -20 >&2; failures=$((failures + f - 1)); }
}

# the class ids of the profiles, from the matrix
"$CTL" matrix --json "$S" >"$T/m.json" 2>/dev/null
idof() { jq -r --arg h "$1" '.classes[] | select(.hosts | index($h)) | .digest[:12]' "$T/m.json"; }
ID61=$(idof a72-61-1) ID612=$(idof a72-612-1) NO32=$(idof a72-no32-1) MAX61=$(idof max-61-1) MAX72=$(idof max-72-1)
eq "$(jq '.classes | length' "$T/m.json")" 6 "6 classes in the store"

for fmt in kubevirt nova; do
        O=$T/out-$fmt
        run 0 export --format "$fmt" "$S" -o "$O" && {
                out_has "9 hosts in 6 classes" "$fmt summary"
                check_export "$fmt" "$O"
                check "[ -z \"\$(ls -A '$O' | grep '^\.')\" ]" "$fmt: temporary files left in $O"
        }
        # the same again, into the same OUTDIR: the same bytes
        cp -r "$O" "$T/again-$fmt"
        run 0 export --format "$fmt" "$S" -o "$O" &&
                check "diff -r '$O' '$T/again-$fmt' >/dev/null" "$fmt: a second export differs"
        # one configuration: base
        run 0 export --format "$fmt" --config base "$S" -o "$T/base-$fmt" && check_export "$fmt" "$T/base-$fmt" --config base
done

# What the files say, by name (the matrix agrees, as checked above):
K=$T/out-kubevirt
lab() { python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["metadata"]["labels"].get(sys.argv[2]))' "$K/$1.yaml" "$2"; }
eq "$(lab a72-61-2 kvmregs.org/class)" "$ID61" "a 6.1 a72 node's class"
eq "$(lab a72-61-2 accepts.kvmregs.org/$ID61)" true "6.1 a72 accepts its own class's guests"
eq "$(lab a72-612-1 accepts.kvmregs.org/$ID61)" true "6.12 a72 accepts 6.1 a72's guests"
eq "$(lab a72-61-1 accepts.kvmregs.org/$ID612)" None "6.1 a72 does not accept 6.12 a72's guests"
eq "$(lab a72-612-2 accepts.kvmregs.org/$ID612)" true "6.12 a72 accepts its own"
eq "$(lab max-72-1 accepts.kvmregs.org/$MAX61)" true "7.2 max accepts 6.1 max's guests"
eq "$(lab max-61-1 accepts.kvmregs.org/$MAX72)" None "6.1 max does not accept 7.2 max's guests"
eq "$(lab a57-61-1 accepts.kvmregs.org/$ID61)" None "6.1 a57 does not accept 6.1 a72's guests"
# the host that cannot run el1_32bit: the matrix (every configuration both run) says ✓ both ways;
# export, over every configuration the guest's class runs, only one way
eq "$(jq -r --arg a "$ID61" --arg b "$NO32" '([.classes[] | {(.digest[:12]): .class}] | add) as $c | .matrix[] | select(.from == $c[$a] and .to == $c[$b]) | .verdict' "$T/m.json")" compatible "matrix: 6.1 a72 -> no-el1_32bit a72 ✓ (4 of 5 configurations compared)"
eq "$(lab a72-no32-1 accepts.kvmregs.org/$ID61)" None "the no-el1_32bit host does not accept a 6.1 a72 guest (it may run el1_32bit)"
eq "$(lab a72-61-3 accepts.kvmregs.org/$NO32)" true "a 6.1 a72 host accepts the no-el1_32bit host's guests"
eq "$(lab a72-no32-1 accepts.kvmregs.org/$NO32)" true "the no-el1_32bit host accepts its own"
# ... and with --config base, the a72s accept each other both ways
eq "$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["metadata"]["labels"].get(sys.argv[2]))' "$T/base-kubevirt/a72-no32-1.yaml" "accepts.kvmregs.org/$ID61")" true "--config base: the no-el1_32bit host accepts 6.1 a72's base guests"
N=$T/out-nova
eq "$(python3 -c 'import sys, yaml; print(" ".join(yaml.safe_load(open(sys.argv[1]))["providers"][0]["traits"]["additional"]))' "$N/a72-612-1.yaml")" \
        "$(echo "CUSTOM_KVMREGS_CLASS_$ID612 CUSTOM_KVMREGS_ACCEPTS_$ID61 CUSTOM_KVMREGS_ACCEPTS_$ID612 CUSTOM_KVMREGS_ACCEPTS_$NO32" | tr a-f A-F)" \
        "nova: the 6.12 a72 host's traits (class order: the store's)"

# --json: the summary
run 0 export --format nova --json "$S" -o "$T/json-nova" && {
        eq "$(jq -r '.written | length' "$T/out")" 9 "--json: 9 files written"
        eq "$(jq -r --arg a "$ID612" '.classes[] | select(.id == $a) | .accepts | join(",")' "$T/out")" "$ID61,$ID612,$NO32" "--json: 6.12 accepts"
}

# ---------------- bad input ----------------
bad() {
        local want=$1 msg=$2
        shift 2
        run "$want" "$@" || return
        err_has "$msg" "kvmregsctl $*"
}
bad 2 "export needs --format" export "$S" -o "$T/x"
bad 2 "--format is kubevirt or nova, not 'openshift'" export --format openshift "$S" -o "$T/x"
bad 2 "'export' takes" export --format nova -o "$T/x"
bad 2 "option '--csv' does not apply to 'export'" export --csv --format nova "$S" -o "$T/x"
# -o (short: getopt_long() gives no long index for it) named as --output where it does not apply
bad 2 "option '--output' does not apply to 'matrix'" matrix "$S" -o "$T/x"
bad 2 "no host has a vCPU configuration 'nosuch'" export --format nova --config nosuch "$S" -o "$T/x"
mkdir "$T/empty"
bad 4 "no host's profile could be read" export --format kubevirt "$T/empty" -o "$T/x"
check "[ ! -e '$T/x' ]" "nothing readable: OUTDIR created anyway"
: >"$T/afile"
bad 2 "is not a directory" export --format kubevirt "$S" -o "$T/afile"
bad 2 "cannot create $T/afile/sub" export --format nova "$S" -o "$T/afile/sub"
if [ "$(id -u)" != 0 ]; then
        mkdir -m 555 "$T/ro"
        bad 2 "cannot write $T/ro/" export --format nova "$S" -o "$T/ro"
fi
# a read-only file system: root cannot write there either
if [ -d /proc/sys ] && ! touch /proc/sys/.kvmregs-probe 2>/dev/null; then
        bad 2 "cannot write /proc/sys/" export --format kubevirt "$S" -o /proc/sys
fi
# a malformed profile is left out: the others are written, exit 2
B=$T/badstore
cp -r "$S" "$B"
echo '{"not": "a profile"' >"$B/broken-1.json"
bad 2 "left out: " export --format nova "$B" -o "$T/out-bad"
eq "$(ls "$T/out-bad" | wc -l)" 9 "left out: the other 9 hosts' files written"
# a host whose name cannot be a Kubernetes node name: left out of kubevirt (exit 2), fine for nova
U=$T/upper
mkdir "$U"
mkhost "$U" Node_A 6.1-cortex-a72.json
mkhost "$U" node-b 6.1-cortex-a72.json
bad 2 "left out: Node_A: not a valid Kubernetes node name" export --format kubevirt "$U" -o "$T/out-upper"
eq "$(ls "$T/out-upper" | tr '\n' ' ')" "labels.json node-b.yaml " "kubevirt: Node_A left out, node-b written"
run 0 export --format nova "$U" -o "$T/out-upper-nova"
eq "$(ls "$T/out-upper-nova" | tr '\n' ' ')" "Node_A.yaml node-b.yaml " "nova: both written"

finish
