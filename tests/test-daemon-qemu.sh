#!/bin/bash
# kvmregsd --qemu: the host's QEMU in the served profile (host.qemu), detected from the real
# qemu-system-aarch64 installed here (Debian 12's 7.2: its -trace help lists no tolerance
# event); a guest record carries it as its source QEMU; Compare without options uses the
# record's source QEMU and the destination profile's, and the report says so. The 11.1 host is a
# recorded profile whose host.qemu says what kvmregsd detects from Debian sid's 11.1.3 (its
# -trace help: tests/data/qemu/trace-help-11.1.3.txt, held by tests/test-qemu).
. "${top_srcdir:-$(dirname "$0")/..}/tests/test-daemon-common.sh"
CTL=$top_builddir/kvmregsctl
need jq busctl
QEMU=$(command -v qemu-system-aarch64) || skip_or_fail "qemu-system-aarch64 is not installed"

start_bus A open
start_bus B open
start_bus C open
digest_72=$("$CALL" --local-profile "$DATA/7.2-cortex-a72.json" | head -n 1)

# A: the 7.2 kernel's profile with the QEMU found on PATH (no libvirt followed).
start_daemon A --profile-file "$DATA/7.2-cortex-a72.json" --qemu auto
call_s "$BUS_A" GetProfile > "$WORK/a.json"
check_eq "the emulator is the one on PATH" "$(jq -r .host.qemu.emulator "$WORK/a.json")" "$QEMU"
check_eq "its version is what it prints" "$(jq -r .host.qemu.version "$WORK/a.json")" \
        "$("$QEMU" --version | sed -n '1s/^QEMU emulator version \([^ ]*\).*/\1/p')"
check_eq "its load behaviour is legacy" "$(jq -r .host.qemu.load_behaviour "$WORK/a.json")" legacy
check_eq "detected from its trace events" "$(jq -r .host.qemu.detected_from "$WORK/a.json")" trace-events
check_eq "a legacy QEMU leaves the digest as it was" "$(property "$BUS_A" Digest)" "\"$digest_72\""
check "the journal line names it" grep -q "QEMU $QEMU (from PATH): version .*, load behaviour legacy" "$WORK/A.daemon.log"

# B: the same kernel with QEMU 11.1.3 (a profile kvmregsd wrote on such a host); --qemu none keeps it.
jq '.host = {qemu: {emulator: "/usr/bin/qemu-system-aarch64", version: "11.1.3", package: "Debian 1:11.1.3+ds-1",
                    load_behaviour: "tolerances-11.1", detected_from: "trace-events"}}' \
        "$DATA/7.2-cortex-a72.json" > "$WORK/72-qemu11.json"
start_daemon B --profile-file "$WORK/72-qemu11.json" --qemu none
check_eq "B serves its profile's QEMU" "$(call_s "$BUS_B" GetProfile | jq -r .host.qemu.version)" 11.1.3
check "11.1's load behaviour is part of B's digest" [ "$(property "$BUS_B" Digest)" != "\"$digest_72\"" ]

# C: a 6.12 host with the local QEMU; its record carries that QEMU as the guest's source QEMU.
start_daemon C --profile-file "$DATA/6.12-cortex-a72.json" --qemu "$QEMU"
call_s "$BUS_C" GetConfig s base > "$WORK/record-612.json"
check_eq "the record carries its host's QEMU" "$(jq -r .host.qemu.version "$WORK/record-612.json")" \
        "$(jq -r .host.qemu.version "$WORK/a.json")"

# The evacuation 6.12 → 7.2 (lab: QEMU 11.1.3 loads it, 7.2 refuses): no option, each end's QEMU.
to_a=$("$CALL" "$BUS_A" Compare "@$WORK/record-612.json" "")
to_b=$("$CALL" "$BUS_B" Compare "@$WORK/record-612.json" "")
check_eq "to the 7.2-QEMU host: incompatible" "$(head -n 1 <<< "$to_a")" incompatible
check_eq "its report: legacy from the destination profile" \
        "$(tail -n +2 <<< "$to_a" | jq -c '[.dst_qemu.load_behaviour, .dst_qemu.from, .src_qemu.from]')" \
        '["legacy","profile","record"]'
check "to the 11.1-QEMU host: not refused" [ "$(head -n 1 <<< "$to_b")" != incompatible ]
check_eq "its report: tolerances from the destination profile, the record's source QEMU" \
        "$(tail -n +2 <<< "$to_b" | jq -c '[.dst_qemu.load_behaviour, .dst_qemu.from, .dst_qemu.version, .src_qemu.from]')" \
        '["tolerances-11.1","profile","11.1.3","record"]'
check_eq "the same answer as the library's" "$to_b" \
        "$("$CALL" --local-compare "$WORK/record-612.json" "$WORK/72-qemu11.json" base)"

# kvmregsctl compare on the files: the profiles' QEMU, stated; an option overrides it.
"$CTL" compare "$WORK/record-612.json" "$WORK/72-qemu11.json" --config base > "$WORK/ctl.out"
check_eq "kvmregsctl compare exits 0 with the profile's 11.1" "$?" 0
check "and states which QEMU it assumed and from where" \
        grep -q "qemu: *destination QEMU 11.1.3 (11.1 tolerances load path, from the destination profile), source QEMU .* (from the guest record)" "$WORK/ctl.out"
"$CTL" compare "$WORK/record-612.json" "$WORK/72-qemu11.json" --config base --dst-qemu 7.2 > "$WORK/ctl72.out"
check_eq "--dst-qemu 7.2 overrides it: incompatible (exit 1)" "$?" 1
check "from --dst-qemu" grep -q "destination QEMU 7.2 (7.2 legacy load path, from --dst-qemu)" "$WORK/ctl72.out"

"$CTL" show "$WORK/72-qemu11.json" > "$WORK/show.out"
check "kvmregsctl show names the host's QEMU" \
        grep -q "^QEMU: *11.1.3 /usr/bin/qemu-system-aarch64, tolerances-11.1 load (from its trace events)" "$WORK/show.out"
check_eq "and its --json" "$("$CTL" show --json "$WORK/72-qemu11.json" | jq -c '[.qemu.version, .qemu.load_behaviour]')" \
        '["11.1.3","tolerances-11.1"]'

# A QEMU that cannot be asked: no host.qemu (comparisons then say they assume 7.2), a warning.
kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
printf '#!/bin/sh\necho QEMU emulator version 11.1.3\n' > "$WORK/fake-qemu"
chmod 0777 "$WORK/fake-qemu"
start_daemon C --profile-file "$DATA/6.12-cortex-a72.json" --qemu "$WORK/fake-qemu"
check_eq "a group-writable emulator is not run: no QEMU in the profile" \
        "$(call_s "$BUS_C" GetProfile | jq -c '.host.qemu // "none"')" '"none"'
check "the warning says why" grep -q "not a root-owned executable" "$WORK/C.daemon.log"
"$KVMREGSD" --bus-address "$BUS_A" --no-libvirt --qemu relative/path 2> "$WORK/bad.err"
check_eq "--qemu with a relative path exits 2" "$?" 2
check "and says what it takes" grep -q "auto, none or an absolute path" "$WORK/bad.err"
finish
