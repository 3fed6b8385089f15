#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The three places a migration is decided agree, case by case, over a corpus of (guest record,
# domain XML, destination profile) built from the real recorded profiles in tests/data:
#
#   (a) kvmregsd's CompareDomain, the daemon started with --profile-file DEST;
#   (b) kvmregsctl check --domain-xml XML --record RECORD --dest-profile DEST --json, offline;
#   (c) kvmregs-hook run as libvirt runs it ("NAME migrate begin -", the XML on stdin), its
#       policy pointing at (a)'s bus.
#
# (a) and (b) give the same verdict and the same report JSON byte for byte, or the same error
# (kind and message); (c) makes the decision that verdict implies: silent exit 0 when
# compatible; the adjusted XML with exactly the report's adjustments when
# compatible-after-adjustment and the domain's emulator has the properties (refused, saying
# which, when it has not); exit 1 with report_summary()'s text (kvmregsctl check --summary)
# when incompatible. The corpus must hold every verdict and errors, or the test fails.
#
# Needs a private dbus-daemon only (tests/test-daemon-common.sh), jq and python3.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/test-daemon-common.sh"
need python3 cmp
CTL=$top_builddir/kvmregsctl
HOOK=$top_builddir/kvmregs-hook
MAKE_RECORD=$top_builddir/tests/make-record
DOMAINS=$DATA/domains
QEMU=/usr/bin/qemu-system-aarch64
HOOK_PATH=/usr/sbin:/usr/bin:/sbin:/bin
for bin in "$CTL" "$HOOK" "$MAKE_RECORD"; do
        [ -x "$bin" ] || { echo "FAIL: $bin not built"; exit 1; }
done
[ -x "$QEMU" ] || skip_or_fail "$QEMU not installed (package qemu-system-arm)"
HOSTNAME_HERE=$(hostname)

# ---- helpers (python: the XML and JSON plumbing the shell cannot do safely) ----
cat > "$WORK/xmltool.py" <<'EOF'
import html, re, sys, xml.etree.ElementTree as ET
cmd = sys.argv[1]
REC = re.compile(r"(<kvmregs:record\b[^>]*>)(.*?)(</kvmregs:record>)", re.S)
if cmd == "record":            # record XML: the text of <kvmregs:record>, as the hook reads it
    m = REC.search(open(sys.argv[2]).read())
    sys.exit(0 if m and sys.stdout.write(html.unescape(m.group(2))) is not None else 1)
elif cmd == "restamp":         # restamp XML RECORD: the same element holding another record
    x, rec = open(sys.argv[2]).read(), open(sys.argv[3]).read()
    sys.stdout.write(REC.sub(lambda m: m.group(1) + html.escape(rec, quote=False) + m.group(3), x, count=1))
elif cmd == "variant":         # variant XML EMULATOR CPU FEATURES QEMU_ARGS: a domain to test
    x = open(sys.argv[2]).read()
    x = re.sub(r"<emulator>[^<]*</emulator>", "<emulator>%s</emulator>" % sys.argv[3], x)
    x = re.sub(r"\s*(<cpu\b[^>]*/>|<cpu\b[^>]*[^/]>.*?</cpu>)", "", x, count=1, flags=re.S)
    x = re.sub(r"\s*<features>.*?</features>", "", x, count=1, flags=re.S)
    extra = ""
    if sys.argv[4]:
        extra += "\n  " + sys.argv[4]
    if sys.argv[5]:
        extra += "\n  <features>%s</features>" % sys.argv[5]
    x = x.replace("\n  <devices>", extra + "\n  <devices>", 1)
    if sys.argv[6]:
        x = x.replace("<domain type='kvm'>",
                      "<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>", 1)
        args = "".join("<qemu:arg value='%s'/>" % a for a in sys.argv[6].split())
        x = x.replace("</domain>", "  <qemu:commandline>%s</qemu:commandline>\n</domain>" % args, 1)
    sys.stdout.write(x)
elif cmd == "args":            # args XML: the qemu:arg values, one a line
    q = "{http://libvirt.org/schemas/domain/qemu/1.0}"
    for a in ET.parse(sys.argv[2]).getroot().iter(q + "arg"):
        print(a.get("value"))
EOF
xmltool() { python3 "$WORK/xmltool.py" "$@"; }

# A destination QEMU that has every property of every CPU type (root-owned, as the hook
# requires), so that each adjusted verdict can be carried out; the real QEMU is used too.
FAKE_QEMU=$WORK/qemu-fake
cat > "$FAKE_QEMU" <<'EOF'
#!/bin/sh
# -machine none -nodefaults -device TYPE,help
case "$5" in *,help) ;; *) exit 1 ;; esac
for p in pmu sve pauth pauth-impdef sve128 sve256 sve384 sve512 sve1024 sve2048 kvm-no-adjvtime kvm-steal-time; do
        echo "  $p=<bool>              - on/off"
done
EOF
chmod 0755 "$FAKE_QEMU"

# Does EMULATOR have every property the adjustments set on TYPE? (what the hook must find)
declare -A PROBED
emulator_has() {  # EMULATOR TYPE ADJ...
        local emu=$1 type=$2 key names
        shift 2
        key="$emu $type"
        if [ -z "${PROBED[$key]+set}" ]; then
                PROBED[$key]=$(LC_ALL=C "$emu" -machine none -nodefaults -device "$type,help" 2>&1 |
                                sed -n 's/^ \{1,\}\([^=]*\)=.*/\1/p' | tr '\n' ' ')
        fi
        names=" ${PROBED[$key]} "
        for a in "$@"; do
                [[ $names == *" ${a%%=*} "* ]] || return 1
        done
}

# ---- the corpus: domain XML variants ----
# name|base XML|emulator|QEMU CPU type (empty: none)|<cpu>|<features> content|qemu:commandline args
TEMPLATES="
hp|host-passthrough.xml|$QEMU|host-arm-cpu|<cpu mode='host-passthrough' check='none'/>||
hp-fake|host-passthrough.xml|$FAKE_QEMU|host-arm-cpu|<cpu mode='host-passthrough' check='none'/>|<gic version='3'/>|
max|maximum.xml|$QEMU|max-arm-cpu|<cpu mode='maximum' check='none' migratable='on'/>||
max-fake|maximum.xml|$FAKE_QEMU|max-arm-cpu|<cpu mode='maximum'/>||
custom-host|maximum.xml|$FAKE_QEMU|host-arm-cpu|<cpu mode='custom'><model>host</model></cpu>||
custom-max|maximum.xml|$QEMU|max-arm-cpu|<cpu mode='custom' match='exact'><model fallback='forbid'>max</model></cpu>||
host-model|maximum.xml|$FAKE_QEMU|host-arm-cpu|<cpu mode='host-model'/>||
a57|a57-custom.xml|$QEMU|cortex-a57-arm-cpu|<cpu mode='custom' match='exact'><model fallback='forbid'>cortex-a57</model></cpu>||
a57-nopmu|a57-custom.xml|$QEMU|cortex-a57-arm-cpu|<cpu mode='custom'><model>cortex-a57</model></cpu>|<pmu state='off'/>|
a72|a57-custom.xml|$FAKE_QEMU|cortex-a72-arm-cpu|<cpu mode='custom'><model>cortex-a72</model></cpu>||
a53|a57-custom.xml|$QEMU|cortex-a53-arm-cpu|<cpu mode='custom'><model>cortex-a53</model></cpu>||
n1|a57-custom.xml|$FAKE_QEMU|neoverse-n1-arm-cpu|<cpu mode='custom'><model>neoverse-n1</model></cpu>||
hp-nopmu|host-passthrough.xml|$FAKE_QEMU|host-arm-cpu|<cpu mode='host-passthrough'/>|<pmu state='off'/>|
max-nosve|maximum.xml|$FAKE_QEMU|max-arm-cpu|<cpu mode='maximum'><feature policy='disable' name='sve'/></cpu>||
max-nopauth|maximum.xml|$FAKE_QEMU|max-arm-cpu|<cpu mode='maximum'><feature policy='disable' name='pauth'/></cpu>||
max-alloff|maximum.xml|$FAKE_QEMU|max-arm-cpu|<cpu mode='maximum'><feature policy='disable' name='sve'/><feature policy='disable' name='pauth'/></cpu>|<pmu state='off'/>|
hp-nosve-nopmu|host-nosve-nopmu.xml|$QEMU|host-arm-cpu|<cpu mode='host-passthrough'><feature policy='disable' name='sve'/><feature policy='require' name='sve256'/><feature policy='disable' name='sve512'/></cpu>|<gic version='3'/><pmu state='off'/>|
max-sve256|maximum.xml|$FAKE_QEMU|max-arm-cpu|<cpu mode='maximum'><feature policy='require' name='sve'/><feature policy='require' name='sve128'/><feature policy='require' name='sve256'/><feature policy='disable' name='sve512'/></cpu>||
hp-sve128|host-passthrough.xml|$FAKE_QEMU|host-arm-cpu|<cpu mode='host-passthrough'><feature policy='require' name='sve128'/><feature policy='disable' name='sve256'/></cpu>||
max-mte|maximum.xml|$FAKE_QEMU|max-arm-cpu|<cpu mode='maximum'/>||-machine virt,mte=on
hp-mte-nopmu|host-passthrough.xml|$FAKE_QEMU|host-arm-cpu|<cpu mode='host-passthrough'/>|<pmu state='off'/>|-machine mte=on
custom-nomodel|maximum.xml|$FAKE_QEMU||<cpu mode='custom'/>||
nocpu|maximum.xml|$FAKE_QEMU||||-msg timestamp=on
"
mkdir -p "$WORK/tpl" "$WORK/case" "$WORK/cache"
declare -A TPL_EMU TPL_TYPE
tpl_names=()
while IFS='|' read -r name base emu type cpu features qargs; do
        [ -n "$name" ] || continue
        xmltool variant "$DOMAINS/$base" "$emu" "$cpu" "$features" "$qargs" > "$WORK/tpl/$name.xml" ||
                { echo "FAIL: cannot make template $name"; exit 1; }
        TPL_EMU[$name]=$emu
        TPL_TYPE[$name]=$type
        tpl_names+=("$name")
done <<< "$TEMPLATES"
# the variants are what they say (a typo in the table must not go unnoticed)
check "templates: 23 domain XML variants" [ "${#tpl_names[@]}" = 23 ]
check "template max-mte asks for MTE" grep -q "mte=on" "$WORK/tpl/max-mte.xml"
check "template hp-nopmu turns the PMU off" grep -q "<pmu state='off'/>" "$WORK/tpl/hp-nopmu.xml"
check "template a53 is a cortex-a53" grep -q "<model>cortex-a53</model>" "$WORK/tpl/a53.xml"
check "template nocpu has no <cpu>" bash -c "! grep -q '<cpu' '$WORK/tpl/nocpu.xml'"

# ---- the corpus: guest records, every configuration of several profiles ----
SOURCES="6.12-max.json 6.12-cortex-a72.json 6.1-cortex-a72.json 7.2-max.json 6.12-neoverse-n1.json"
DESTS=(6.12-max.json 6.12-cortex-a72.json 6.1-cortex-a72.json 7.2-max.json 6.12-neoverse-n1.json 6.1-max.json)
records=()   # "profile config [make-record options]"
for src in $SOURCES; do
        for config in $(jq -r '.configs[] | select(.skipped == null) | .name' "$DATA/$src"); do
                records+=("$src $config")
        done
done
# a guest record under a guest's own name, from another host
records+=("6.12-max.json pmu --name guest-vm1 --hostname hostA" "6.12-cortex-a72.json base --name all --hostname hostB")
check "records: every configuration of the source profiles ($((${#records[@]})))" [ "${#records[@]}" -ge 30 ]

# ---- the destinations: one kvmregsd each on a private bus ----
declare -A BUS_OF
i=0
for dest in "${DESTS[@]}"; do
        start_bus "d$i" open
        start_daemon "d$i" --profile-file "$DATA/$dest"
        BUS_OF[$dest]=$(eval echo "\$BUS_d$i")
        cat > "$WORK/hook-d$i.conf" <<EOF
mode = enforce
on_daemon_error = refuse
on_missing_record = refuse
timeout_ms = 2000
bus_address = ${BUS_OF[$dest]}
cache_dir = $WORK/cache
log_file = $WORK/decisions.log
EOF
        i=$((i + 1))
done
conf_of() {
        local j
        for j in "${!DESTS[@]}"; do [ "${DESTS[$j]}" = "$1" ] && echo "$WORK/hook-d$j.conf"; done
}

# ---- one case ----
n_cases=0
declare -A verdicts=([compatible]=0 [compatible-after-adjustment]=0 [incompatible]=0 [error]=0)
declare -A hook_outcomes
case_fail() {
        fail "case $case_id: $*"
        echo "      record: $case_record  xml: $case_xml  dest: $case_dest"
}

# run_case ID XML RECORD DEST [HAS_RECORD]: HAS_RECORD=0 when the XML carries no record of its own
# (the hook then goes by on_missing_record whatever the record file says).
run_case() {
        case_id=$1 case_xml=$2 case_record=$3 case_dest=$4
        local has_record=${5:-1} dir=$WORK/case/$1 bus=${BUS_OF[$4]} verdict rc name type emu emsg=
        mkdir -p "$dir"
        n_cases=$((n_cases + 1))
        checks=$((checks + 1))

        # (a) the daemon
        "$CALL" "$bus" CompareDomain "@$case_record" "@$case_xml" > "$dir/daemon.out" 2> "$dir/daemon.err"
        # (b) kvmregsctl, offline
        "$CTL" check --domain-xml "$case_xml" --record "$case_record" --dest-profile "$DATA/$case_dest" --json \
                > "$dir/ctl.out" 2> "$dir/ctl.err"
        rc=$?
        if grep -qiE 'sanitizer|segmentation|core dumped|assert' "$dir/ctl.err"; then
                case_fail "kvmregsctl crashed: $(head -c 400 "$dir/ctl.err")"
                return
        fi

        verdict=$(head -n 1 "$dir/daemon.out")
        case $verdict in
        compatible|compatible-after-adjustment|incompatible)
                verdicts[$verdict]=$((verdicts[$verdict] + 1))
                sed -n 2p "$dir/daemon.out" > "$dir/daemon.json"
                if ! cmp -s "$dir/daemon.json" "$dir/ctl.out"; then
                        case_fail "reports differ (daemon $verdict, kvmregsctl exit $rc)"
                        diff <(jq -S . "$dir/daemon.json" 2>&1) <(jq -S . "$dir/ctl.out" 2>&1) | head -n 10
                        head -c 300 "$dir/ctl.err"
                        return
                fi
                local want_rc=0
                [ "$verdict" = incompatible ] && want_rc=1
                [ "$rc" = "$want_rc" ] || { case_fail "kvmregsctl exit $rc for $verdict"; return; }
                # the record from the XML's <metadata> instead of --record: the same answer
                if [ "$has_record" = 1 ]; then
                        "$CTL" check --domain-xml "$case_xml" --dest-profile "$DATA/$case_dest" --json \
                                > "$dir/ctl-meta.out" 2> "$dir/ctl-meta.err"
                        cmp -s "$dir/ctl-meta.out" "$dir/ctl.out" ||
                                { case_fail "the record from <metadata> gives another report"; return; }
                fi
                ;;
        ERROR*)
                verdicts[error]=$((verdicts[error] + 1))
                local ename why
                ename=$(sed -n '1s/^ERROR \([^:]*\):.*/\1/p' "$dir/daemon.out")
                emsg=$(sed -n '1s/^ERROR [^:]*: //p' "$dir/daemon.out")
                [ "$rc" = 2 ] || { case_fail "daemon $ename, kvmregsctl exit $rc (want 2): $(head -c 300 "$dir/ctl.err")"; return; }
                [ -s "$dir/ctl.out" ] && { case_fail "daemon $ename, kvmregsctl printed a report"; return; }
                case $ename in
                *.Error.InvalidDomain) why=${emsg#Invalid domain XML: } ;;
                *.Error.InvalidProfile) why=${emsg#Invalid source profile: } ;;
                *.Error.TooLarge) why="larger than" ;;
                *) case_fail "unexpected daemon error $ename: $emsg"; return ;;
                esac
                grep -qF -- "$why" "$dir/ctl.err" ||
                        { case_fail "daemon $ename '$emsg', kvmregsctl says: $(head -c 400 "$dir/ctl.err")"; return; }
                ;;
        *)
                case_fail "no answer from kvmregsd: $(head -c 300 "$dir/daemon.out" "$dir/daemon.err")"
                return
                ;;
        esac

        # (c) the hook, as libvirt runs it
        name=$(sed -n 's/^ *<name>\([^<]*\)<\/name>.*/\1/p' "$case_xml" 2>/dev/null | head -n 1)
        env -i LC_ALL=C PATH="$HOOK_PATH" HOME=/root KVMREGS_CONF="$(conf_of "$case_dest")" \
                "$HOOK" "${name:-unnamed}" migrate begin - < "$case_xml" > "$dir/hook.out" 2> "$dir/hook.err"
        rc=$?
        if grep -qiE 'sanitizer|segmentation|core dumped' "$dir/hook.err"; then
                case_fail "the hook crashed: $(head -c 400 "$dir/hook.err")"
                return
        fi
        local outcome
        if [ "$rc" = 0 ] && [ ! -s "$dir/hook.out" ]; then outcome=allow
        elif [ "$rc" = 0 ]; then outcome=adjust
        else outcome=refuse; fi
        hook_outcomes[$outcome]=$(( ${hook_outcomes[$outcome]:-0} + 1 ))

        if [ "$has_record" = 0 ]; then
                # no record of ours in the XML: the missing-record policy (refuse), or not arm64 at all
                if [[ ${emsg:-} == *"is not an aarch64 guest"* ]]; then
                        [ "$rc" = 0 ] && [ ! -s "$dir/hook.err" ] || case_fail "not aarch64: the hook did not allow silently"
                else
                        [ "$rc" = 1 ] && [ ! -s "$dir/hook.out" ] && grep -q '^kvmregs: refusing migration' "$dir/hook.err" ||
                                case_fail "no usable record in the XML: the hook did not refuse (exit $rc)"
                fi
                return
        fi
        case $verdict in
        compatible)
                [ "$outcome" = allow ] && [ ! -s "$dir/hook.err" ] ||
                        case_fail "compatible, but the hook: exit $rc, $(head -c 300 "$dir/hook.err")"
                ;;
        compatible-after-adjustment)
                local adjs=() type=${TPL_TYPE[$case_tpl]:-} emu=${TPL_EMU[$case_tpl]:-}
                mapfile -t adjs < <(jq -r '.adjustments[]' "$dir/daemon.json")
                if [ -z "$type" ]; then
                        [ "$rc" = 1 ] && grep -q "has no QEMU CPU type to set it on" "$dir/hook.err" ||
                                case_fail "adjustment without a CPU type: the hook did not refuse so (exit $rc)"
                elif ! emulator_has "$emu" "$type" "${adjs[@]}"; then
                        [ "$rc" = 1 ] && [ ! -s "$dir/hook.out" ] && grep -q "$emu does not have" "$dir/hook.err" ||
                                case_fail "$emu lacks a property of ${adjs[*]}: the hook did not refuse so (exit $rc)"
                else
                        [ "$outcome" = adjust ] && [ ! -s "$dir/hook.err" ] ||
                                { case_fail "adjustable on $emu, but the hook: exit $rc, $(head -c 300 "$dir/hook.err")"; return; }
                        { xmltool args "$case_xml"; for a in "${adjs[@]}"; do echo -global; echo "$type.$a"; done; } |
                                sort > "$dir/args.want"
                        xmltool args "$dir/hook.out" | sort > "$dir/args.got"
                        cmp -s "$dir/args.want" "$dir/args.got" ||
                                case_fail "adjusted XML: QEMU arguments $(tr '\n' ' ' < "$dir/args.got"), want $(tr '\n' ' ' < "$dir/args.want")"
                fi
                ;;
        incompatible)
                "$CTL" check --domain-xml "$case_xml" --record "$case_record" --dest-profile "$DATA/$case_dest" \
                        --summary > "$dir/summary" 2>/dev/null
                [ "$rc" = 1 ] && [ ! -s "$dir/hook.out" ] ||
                        { case_fail "incompatible, but the hook: exit $rc"; return; }
                head -n 1 "$dir/hook.err" | grep -qE "^kvmregs: refusing migration of .* from .* to $HOSTNAME_HERE: its vCPU registers do not load here:$" ||
                        { case_fail "incompatible: the hook's first line: $(head -n 1 "$dir/hook.err")"; return; }
                tail -n +2 "$dir/hook.err" | cmp -s - "$dir/summary" ||
                        case_fail "incompatible: the hook's message is not report_summary()'s text: $(diff <(tail -n +2 "$dir/hook.err") "$dir/summary" | head -n 6)"
                ;;
        ERROR*)
                case $ename in
                *.Error.InvalidDomain)
                        # the hook lets what is not an arm64 guest through at once
                        if [[ $emsg == *"is not an aarch64 guest"* ]]; then
                                [ "$outcome" = allow ] && [ ! -s "$dir/hook.err" ] ||
                                        case_fail "not aarch64: the hook did not allow silently (exit $rc)"
                        else
                                [ "$rc" = 1 ] && grep -qF -- "$why" "$dir/hook.err" ||
                                        case_fail "InvalidDomain '$why': the hook: exit $rc, $(head -c 300 "$dir/hook.err")"
                        fi
                        ;;
                *.Error.InvalidProfile)
                        [ "$rc" = 1 ] && grep -qE "kvmregsd rejects its kvmregs record|is not a guest record" "$dir/hook.err" ||
                                case_fail "InvalidProfile: the hook did not refuse the record: exit $rc, $(head -c 300 "$dir/hook.err")"
                        ;;
                *.Error.TooLarge)
                        [ "$rc" = 1 ] && grep -q "larger than" "$dir/hook.err" ||
                                case_fail "TooLarge: the hook did not refuse so: exit $rc"
                        ;;
                esac
                ;;
        esac
}

# ---- the cases: records × domain variants × destinations ----
# Every record meets every 5th variant (shifted per record, so each variant meets many
# records) on its own kind of host and on one other; deterministic.
r=0
for rec in "${records[@]}"; do
        set -- $rec
        src=$1 config=$2
        shift 2
        t=0
        for tpl in "${tpl_names[@]}"; do
                if [ $(( (r + t) % 5 )) = 0 ]; then
                        xml=$WORK/case/r$r-$tpl.xml
                        "$MAKE_RECORD" "$DATA/$src" "$config" "$WORK/tpl/$tpl.xml" "$@" > "$xml" ||
                                { echo "FAIL: make-record $src $config $tpl"; exit 1; }
                        xmltool record "$xml" > "$xml.record.json"
                        same=$src
                        [[ " ${DESTS[*]} " == *" $src "* ]] || same=${DESTS[0]}
                        other=${DESTS[$(( (r + t) / 5 % ${#DESTS[@]} ))]}
                        [ "$other" = "$same" ] && other=${DESTS[$(( ((r + t) / 5 + 1) % ${#DESTS[@]} ))]}
                        for dest in "$same" "$other"; do
                                case_tpl=$tpl
                                run_case "r$r-$tpl-${dest%.json}" "$xml" "$xml.record.json" "$dest"
                        done
                fi
                t=$((t + 1))
        done
        r=$((r + 1))
done

# ---- records and XML that must be refused, by all three alike ----
base_xml=$WORK/case/base.xml
"$MAKE_RECORD" "$DATA/6.12-max.json" pmu "$WORK/tpl/max-fake.xml" > "$base_xml"
xmltool record "$base_xml" > "$WORK/case/good.json"
case_tpl=max-fake
# a whole host profile where a record (one configuration) belongs
xmltool restamp "$base_xml" "$DATA/6.12-max.json" > "$WORK/case/profile-as-record.xml"
xmltool record "$WORK/case/profile-as-record.xml" > "$WORK/case/profile-as-record.json"
run_case bad-profile-as-record "$WORK/case/profile-as-record.xml" "$WORK/case/profile-as-record.json" 6.12-max.json
# a record whose register list kvmregsd must reject
sed 's/"reg_list":\[/"reg_list":["0xzz",/' "$WORK/case/good.json" > "$WORK/case/badreg.json"
check "the forged record differs" bash -c "! cmp -s '$WORK/case/good.json' '$WORK/case/badreg.json'"
xmltool restamp "$base_xml" "$WORK/case/badreg.json" > "$WORK/case/badreg.xml"
run_case bad-reg-list "$WORK/case/badreg.xml" "$WORK/case/badreg.json" 6.12-cortex-a72.json
# not JSON at all
printf '{"configs": [' > "$WORK/case/notjson.json"
xmltool restamp "$base_xml" "$WORK/case/notjson.json" > "$WORK/case/notjson.xml"
run_case bad-not-json "$WORK/case/notjson.xml" "$WORK/case/notjson.json" 6.1-cortex-a72.json
# not an arm64 guest
"$MAKE_RECORD" "$DATA/6.12-max.json" pmu "$DOMAINS/x86.xml" > "$WORK/case/x86.xml"
case_tpl=
run_case bad-x86 "$WORK/case/x86.xml" "$WORK/case/good.json" 6.12-max.json
# hostile and malformed XML (the record given apart: the hook sees none it can use)
for f in billion-laughs external-entity malformed not-a-domain two-records record-wrong-namespace; do
        run_case "hostile-$f" "$DOMAINS/$f.xml" "$WORK/case/good.json" 6.12-max.json 0
done
run_case hostile-x86-no-record "$DOMAINS/x86.xml" "$WORK/case/good.json" 6.12-cortex-a72.json 0
# truncated mid-element
head -c -40 "$base_xml" > "$WORK/case/truncated.xml"
run_case hostile-truncated "$WORK/case/truncated.xml" "$WORK/case/good.json" 6.12-max.json 0
# over the size limit
{ cat "$base_xml"; head -c $((9 * 1024 * 1024)) /dev/zero | tr '\0' ' '; } > "$WORK/case/huge.xml"
run_case hostile-huge "$WORK/case/huge.xml" "$WORK/case/good.json" 6.12-max.json 0

# ---- the corpus covers what it claims ----
echo "test-decide-agree: $n_cases cases: ${verdicts[compatible]} compatible, ${verdicts[compatible-after-adjustment]} compatible-after-adjustment, ${verdicts[incompatible]} incompatible, ${verdicts[error]} errors"
echo "test-decide-agree: the hook allowed ${hook_outcomes[allow]:-0}, adjusted ${hook_outcomes[adjust]:-0}, refused ${hook_outcomes[refuse]:-0}"
check "the corpus has compatible cases" [ "${verdicts[compatible]}" -gt 0 ]
check "the corpus has compatible-after-adjustment cases" [ "${verdicts[compatible-after-adjustment]}" -gt 0 ]
check "the corpus has incompatible cases" [ "${verdicts[incompatible]}" -gt 0 ]
check "the corpus has error cases" [ "${verdicts[error]}" -gt 0 ]
check "the hook adjusted some XML" [ "${hook_outcomes[adjust]:-0}" -gt 0 ]
check "at least 200 cases" [ "$n_cases" -ge 200 ]
finish
