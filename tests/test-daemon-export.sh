#!/bin/bash
# kvmregsd --export-dir/--export-format: the host's own scheduler file, in the layout kvmregsctl
# export writes (lib/fleet-export.c), written at start and rewritten when the profile changes
# (SIGHUP with another profile file); off without the options.
. "${top_srcdir:-$(dirname "$0")/..}/tests/test-daemon-common.sh"
CTL=$top_builddir/kvmregsctl
need python3

start_bus A open
export_dir=$WORK/export
profile=$WORK/host.json
# The host's name in the profile (as a probe records it), so that kvmregsctl names it alike.
host=node-a1
named() { jq --arg h "$host" '.host.hostname = $h' "$1" > "$profile"; }
named "$DATA/6.1-cortex-a72.json"
digest_61=$("$CALL" --local-profile "$DATA/6.1-cortex-a72.json" | head -n 1)
digest_612=$("$CALL" --local-profile "$DATA/6.12-cortex-a72.json" | head -n 1)

# Off by default: nothing is written.
start_daemon A --profile-file "$profile"
check "no export without --export-dir" [ ! -e "$export_dir" ]
kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null

mkdir "$export_dir"
start_daemon A --profile-file "$profile" --export-dir "$export_dir" --export-format nova
file=$export_dir/$host.yaml
wait_for_line "$file" "CUSTOM_KVMREGS_CLASS_" 10
check "the host's Nova file is written at start" [ -s "$file" ]
check_eq "its class is the profile's" "$(grep -c "CUSTOM_KVMREGS_CLASS_$(echo "${digest_61:0:12}" | tr a-f A-F)" "$file")" 1
check "it parses as YAML with schema_version 1.0" \
        python3 -c "import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); assert d['meta']['schema_version'] == '1.0'" "$file"
# The same file kvmregsctl export writes for a fleet of this one host.
"$CTL" export --format nova "$profile" -o "$WORK/ctl-export" >/dev/null 2>&1
check_eq "kvmregsctl export writes the same file" "$(cat "$WORK/ctl-export/$host.yaml" 2>/dev/null)" "$(cat "$file")"

# The profile changes: the file follows.
named "$DATA/6.12-cortex-a72.json"
kill -HUP "$DAEMON_PID"
wait_for_line "$file" "CUSTOM_KVMREGS_CLASS_$(echo "${digest_612:0:12}" | tr a-f A-F)" 10
check "after SIGHUP with a new profile the file names the new class" \
        grep -q "CUSTOM_KVMREGS_CLASS_$(echo "${digest_612:0:12}" | tr a-f A-F)" "$file"
check "no temporary file is left" [ -z "$(find "$export_dir" -name '.*' -type f)" ]
kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null

# KubeVirt: the node's label patch.
named "$DATA/6.1-cortex-a72.json"
start_daemon A --profile-file "$profile" --export-dir "$export_dir" --export-format kubevirt
wait_for_line "$file" "kvmregs.org/class" 10
check_eq "the KubeVirt patch labels the node's class" \
        "$(python3 -c "import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))['metadata']['labels']['kvmregs.org/class'])" "$file")" \
        "${digest_61:0:12}"
kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null

# Bad options: a clear error and exit 2.
"$KVMREGSD" --bus-address "$BUS_A" --no-libvirt --profile-file "$profile" --export-dir "$export_dir" \
        --export-format yaml 2> "$WORK/bad.err"
check_eq "an unknown --export-format exits 2" "$?" 2
check "and says what it takes" grep -q "kubevirt or nova" "$WORK/bad.err"
"$KVMREGSD" --bus-address "$BUS_A" --no-libvirt --profile-file "$profile" --export-format nova 2> "$WORK/bad2.err"
check_eq "--export-format without --export-dir exits 2" "$?" 2
finish
