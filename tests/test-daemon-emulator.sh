#!/bin/bash
# CompareDomain with the incoming domain's own <emulator> (docs/org.kvmregs.Profile1.md): on a
# host whose profile says its QEMU is 7.2, a domain naming another emulator is loaded by that
# one. The other emulator is a root-owned script replaying what Debian sid's
# qemu-system-aarch64 11.1.3 prints for --version and -trace help (tests/data/qemu, recorded
# from the real binary; 11.1 cannot run here): a fake only for what cannot run, which leaves a
# line in a marker file each time it runs, so that the test sees who ran it. The pair is the
# lab's 6.12 → 7.2 cortex-a72 evacuation: 7.2's load refuses it, 11.1.3's tolerances load it.
#   (a) root's call detects the emulator and applies 11.1's load (origin "domain");
#   (b) nobody's call never runs it: the profile's 7.2, and why; once root's call detected it,
#       nobody gets that (cached) answer, still without running it;
#   (c) an emulator that is group-writable, not root's, in a directory others can change, a
#       symbolic link or not a normalised path is not run even for root.
. "${top_srcdir:-$(dirname "$0")/..}/tests/test-daemon-common.sh"

as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
# compare_domain [nobody] XML: verdict line, then the report's dst_qemu as compact JSON.
compare_domain() {
        local who=() out
        if [ "$1" = nobody ]; then who=(as_nobody); shift; fi
        out=$("${who[@]}" "$CALL" "$BUS_D" CompareDomain "@$WORK/record.json" "@$1")
        head -n 1 <<< "$out"
        tail -n +2 <<< "$out" | jq -c .dst_qemu
}
runs() { [ -f "$1" ] && wc -l < "$1" || echo 0; }
# make_emulator DIR: the replaying script DIR/qemu-system-aarch64 (root's, 0755), marker DIR/ran.
make_emulator() {
        mkdir -p "$1"
        cp "$DATA/qemu/version-11.1.3.txt" "$DATA/qemu/trace-help-11.1.3.txt" "$1/"
        cat > "$1/qemu-system-aarch64" <<SCRIPT
#!/bin/sh
echo "\$*" >> "$1/ran"
case "\$1" in
--version) cat "$1/version-11.1.3.txt" ;;
-trace) cat "$1/trace-help-11.1.3.txt" ;;
*) exit 1 ;;
esac
SCRIPT
        chmod 0755 "$1/qemu-system-aarch64"
}
# domain_xml PATH FILE: the domain (pmu and sve off: QEMU builds 'base' on a cortex-a72) naming PATH.
domain_xml() {
        sed "s|<emulator>.*</emulator>|<emulator>$1</emulator>|" "$DATA/domains/host-nosve-nopmu.xml" > "$2"
}

start_bus D open
# The 7.2 kernel's host, its QEMU 7.2 (what kvmregsd --qemu detects from Debian 12's binary).
jq '.host = {qemu: {emulator: "/usr/bin/qemu-system-aarch64", version: "7.2.22", load_behaviour: "legacy",
                    detected_from: "trace-events"}}' "$DATA/7.2-cortex-a72.json" > "$WORK/72-qemu72.json"
start_daemon D --profile-file "$WORK/72-qemu72.json" --qemu none
"$CALL" --local-record "$DATA/6.12-cortex-a72.json" base > "$WORK/record.json"
EMU=$WORK/emu/qemu-system-aarch64
make_emulator "$WORK/emu"
domain_xml "$EMU" "$WORK/d11.xml"
domain_xml /usr/bin/qemu-system-aarch64 "$WORK/d72.xml"

# The profile's own emulator: the profile's QEMU, nothing run.
check_eq "the profile's emulator: 7.2's load refuses the guest, from the profile" "$(compare_domain "$WORK/d72.xml")" \
        'incompatible
{"load_behaviour":"legacy","assumed":false,"from":"profile","version":"7.2.22"}'

# (b) nobody, before anybody detected it: not run, the profile's QEMU and why.
out=$(compare_domain nobody "$WORK/d11.xml")
check_eq "(b) nobody: incompatible under the profile's 7.2" "$(head -n 1 <<< "$out")" incompatible
check_eq "(b) from the profile, naming the emulator not used" \
        "$(tail -n 1 <<< "$out" | jq -c '[.from, .load_behaviour, .emulator]')" "[\"profile\",\"legacy\",\"$EMU\"]"
check_match "(b) and why: only root's calls run an emulator" "$(tail -n 1 <<< "$out" | jq -r .emulator_not_used)" \
        "*runs an emulator only for root's calls*"
check_eq "(b) the emulator never ran" "$(runs "$WORK/emu/ran")" 0

# (a) root: detected (--version, -trace help), 11.1's tolerances load the guest.
out=$(compare_domain "$WORK/d11.xml")
check "(a) root: no longer refused" [ "$(head -n 1 <<< "$out")" != incompatible ]
check_eq "(a) 11.1.3's load, from the domain's emulator, detected from its trace events" "$(tail -n 1 <<< "$out")" \
        "{\"load_behaviour\":\"tolerances-11.1\",\"assumed\":false,\"from\":\"domain\",\"version\":\"11.1.3\",\"emulator\":\"$EMU\",\"detected_from\":\"trace-events\"}"
check_eq "(a) the emulator ran twice: --version, -trace help" "$(cat "$WORK/emu/ran" 2>/dev/null | tr '\n' ' ')" \
        "--version -trace help "
check_eq "(a) the same verdict as the library's with 11.1.3 on the host" "$(head -n 1 <<< "$out")" \
        "$(jq '.host.qemu = {version: "11.1.3", load_behaviour: "tolerances-11.1"}' "$WORK/72-qemu72.json" > "$WORK/72-qemu11.json";
           "$CALL" --local-compare "$WORK/record.json" "$WORK/72-qemu11.json" base | head -n 1)"

# Cached: root and nobody get 11.1 without another run; a changed binary is detected again.
check_eq "root again: cached" "$(compare_domain "$WORK/d11.xml" | tail -n 1 | jq -r .from)" domain
check_eq "(b) nobody now gets the detection root's call made" "$(compare_domain nobody "$WORK/d11.xml")" \
        "$(compare_domain "$WORK/d11.xml")"
check_eq "(b) still without running it" "$(runs "$WORK/emu/ran")" 2
touch -d '2026-01-01 00:00:00' "$EMU"
check_eq "(b) nobody, the binary changed: not run, the profile's" \
        "$(compare_domain nobody "$WORK/d11.xml" | tail -n 1 | jq -r .from)" profile
check_eq "(b) ... and it did not run" "$(runs "$WORK/emu/ran")" 2
check_eq "root, the binary changed: detected again" "$(compare_domain "$WORK/d11.xml" | tail -n 1 | jq -r .from)" domain
check_eq "... it ran again" "$(runs "$WORK/emu/ran")" 4

# (c) refused even for root: never run, the profile's QEMU, and why.
refused() {   # refused WHAT PATH GLOB: root's call with PATH
        local out
        domain_xml "$2" "$WORK/refused.xml"
        out=$(compare_domain "$WORK/refused.xml")
        check_eq "(c) $1: refused under the profile's 7.2" "$(head -n 1 <<< "$out")" incompatible
        check_eq "(c) $1: from the profile" "$(tail -n 1 <<< "$out" | jq -r .from)" profile
        check_match "(c) $1: says why" "$(tail -n 1 <<< "$out" | jq -r .emulator_not_used)" "$3"
}
make_emulator "$WORK/gw"
chmod 0775 "$WORK/gw/qemu-system-aarch64"
refused "group-writable" "$WORK/gw/qemu-system-aarch64" "it is writable by its group or others"
make_emulator "$WORK/nb"
chown nobody "$WORK/nb/qemu-system-aarch64"
refused "owned by nobody" "$WORK/nb/qemu-system-aarch64" "it is not owned by root"
make_emulator "$WORK/ww"
chmod 0777 "$WORK/ww"
refused "in a world-writable directory" "$WORK/ww/qemu-system-aarch64" \
        "its directory $WORK/ww can be changed by users other than root"
mkdir -p "$WORK/ln"
ln -s "$EMU" "$WORK/ln/qemu-system-aarch64"
refused "a symbolic link" "$WORK/ln/qemu-system-aarch64" "*is a symbolic link*"
refused "not normalised" "$WORK/emu/../emu/qemu-system-aarch64" "it is not an absolute, normalised path"
check_eq "(c) none of them ran" "$(cat "$WORK"/{gw,nb,ww}/ran 2>/dev/null | wc -l)" 0
check_eq "(c) nor the good one behind the link" "$(runs "$WORK/emu/ran")" 4

# The human forms say it through the library: kvmregsctl check's table (over the bus, as
# root: CompareDomain as the hook calls it) and its --summary (the hook's refusal message).
CTL=$top_builddir/kvmregsctl
"$CTL" check --domain-xml "$WORK/d11.xml" --record "$WORK/record.json" --dest-bus "$BUS_D" > "$WORK/table.out"
check "the table names the domain's emulator and how it was detected" grep -qF \
        "qemu:         destination QEMU 11.1.3 (11.1 tolerances load path, from the incoming domain's <emulator> $EMU, detected from its trace events)" \
        "$WORK/table.out"
"$CTL" check --domain-xml "$WORK/refused.xml" --record "$WORK/record.json" --dest-bus "$BUS_D" --summary > "$WORK/summary.out"
check_eq "the summary of a refusal (the hook's message) exits 1" "$?" 1
domain_xml "$WORK/nb/qemu-system-aarch64" "$WORK/nb.xml"
"$CTL" check --domain-xml "$WORK/nb.xml" --record "$WORK/record.json" --dest-bus "$BUS_D" --summary > "$WORK/summary.out"
check "and says which QEMU it assumed, and why not the domain's" grep -qF \
        "QEMU: destination QEMU 7.2.22 (7.2 legacy load path, from the destination profile; the incoming domain's <emulator> $WORK/nb/qemu-system-aarch64 was not used: it is not owned by root)" \
        "$WORK/summary.out"
check "kvmregsd still running" kill -0 "$DAEMON_PID"
finish
