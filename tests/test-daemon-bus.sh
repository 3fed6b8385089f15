#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kvmregsd on a private system-type bus with the real policy (dbus/org.kvmregs.Profile1.conf),
# serving recorded profiles, queried with busctl, dbus-send and gdbus: introspection,
# properties, GetProfile, GetConfig, Compare (the library's verdict and report), limits,
# CompareDomain (what this host's QEMU builds for a domain), malformed input, the policy
# for nobody, a caller leaving mid-call.
. "$(dirname "$0")/test-daemon-common.sh"

start_bus A real
start_daemon A --profile-file "$DATA/6.1-cortex-a72.json"
DAEMON_A=$DAEMON_PID
start_bus B real
start_daemon B --profile-file "$DATA/6.12-cortex-a72.json"
start_bus C real
start_daemon C --profile-file "$DATA/6.12-max.json"

# Introspection: the interface served is the file's, plus the standard ones. sd-bus writes
# its own document from the daemon's vtable, so the two are compared for what they declare:
# every method with its arguments' directions, types and names in order, the signal and its
# arguments, every property with its type and access; not annotations, attribute order,
# white space or the order of the members.
served=$(busctl --address "$BUS_A" introspect --xml-interface $IFACE $OBJ)
iface_members() {
        tr '\n' ' ' | grep -oE '<[^>]*>' | sed -n '/^<interface name="org.kvmregs.Profile1"/,/^<\/interface>/p' | awk '
        function attr(tag, a) {
                if (!match(tag, "[ \t]" a "=\"[^\"]*\"")) return ""
                return substr(tag, RSTART + length(a) + 3, RLENGTH - length(a) - 4)
        }
        function flush() { if (member != "") print member "(" args ")"; member = "" }
        {
                tag = $0; kind = tag; sub(/^<\/?/, "", kind); sub(/[ \t\/>].*$/, "", kind)
                if (kind == "method" || kind == "signal") {
                        flush()
                        if (tag ~ /^<\//) next
                        member = kind " " attr(tag, "name"); within = kind; args = ""; n = 0
                        if (tag ~ /\/>$/) flush()
                } else if (kind == "property") {
                        flush()
                        if (tag !~ /^<\//) print "property " attr(tag, "name") " " attr(tag, "type") " " attr(tag, "access")
                } else if (kind == "arg" && member != "") {
                        dir = within == "signal" ? "" : attr(tag, "direction")
                        if (within == "method" && dir == "") dir = "in"
                        args = args (n++ ? ", " : "") (dir != "" ? dir " " : "") attr(tag, "type") " " attr(tag, "name")
                }
        }
        END { flush() }' | sort
}
xml_members=$(iface_members < "$top_srcdir/dbus/org.kvmregs.Profile1.xml")
check_eq "the interface file declares 5 methods, 1 signal, 4 properties" \
        "$(cut -d' ' -f1 <<< "$xml_members" | sort | uniq -c | tr -s ' ' | tr '\n' ';')" " 5 method; 4 property; 1 signal;"
check_eq "served interface declares what dbus/org.kvmregs.Profile1.xml declares" \
        "$(echo "$served" | iface_members)" "$xml_members"
# The comparison itself sees a difference in an argument's name, type or direction.
for change in 's/name="record"/name="answer"/' 's/name="config" type="s"/name="config" type="u"/' \
              's/name="domain_xml" type="s" direction="in"/name="domain_xml" type="s" direction="out"/'; do
        check "the comparison sees: $change" \
                [ "$(sed "$change" "$top_srcdir/dbus/org.kvmregs.Profile1.xml" | iface_members)" != "$xml_members" ]
done
for i in org.freedesktop.DBus.Properties org.freedesktop.DBus.Introspectable org.freedesktop.DBus.Peer; do
        check "introspection lists $i" grep -q "<interface name=\"$i\">" <<< "$served"
done
check_eq "interfaces served" "$(grep -c '<interface name=' <<< "$served")" 4
check_eq "gdbus sees the same methods" \
        "$(gdbus introspect --address "$BUS_A" --dest $IFACE --object-path $OBJ |
                grep -cE '^ +(GetProfile|GetConfig|Compare|CompareDomain|Refresh)\(')" 5
check "Peer.Ping answers" busctl --address "$BUS_A" call $IFACE $OBJ org.freedesktop.DBus.Peer Ping

# Properties and GetProfile against the library's own reading of the same file.
{ read -r digest_61; read -r json_61; } < <("$CALL" --local-profile "$DATA/6.1-cortex-a72.json")
{ read -r digest_612; read -r _; } < <("$CALL" --local-profile "$DATA/6.12-cortex-a72.json")
check_eq "Digest is the library's digest" "$(property "$BUS_A" Digest)" "\"$digest_61\""
check_eq "the two hosts differ" "$([ "$digest_61" != "$digest_612" ] && echo yes)" yes
check_eq "KernelRelease" "$(property "$BUS_A" KernelRelease)" "$(jq -c .kernel "$DATA/6.1-cortex-a72.json")"
check_eq "KernelRelease B" "$(property "$BUS_B" KernelRelease)" "$(jq -c .kernel "$DATA/6.12-cortex-a72.json")"
check_eq "State" "$(property "$BUS_A" State)" '"ready"'
expected_configs=$(jq -c '[.configs[] | select(has("skipped") | not) | .name]' "$DATA/6.1-cortex-a72.json")
check_eq "Configs are the runnable configurations" "$(property "$BUS_A" Configs)" "$expected_configs"
check_eq "GetAll" "$(busctl --address "$BUS_A" --json=short call $IFACE $OBJ org.freedesktop.DBus.Properties GetAll s $IFACE |
        jq -c '.data[0] | to_entries | map(.key) | sort')" '["Configs","Digest","KernelRelease","State"]'
call_s "$BUS_A" GetProfile > "$WORK/served-61.json"
check_eq "GetProfile is the library's serialisation" "$(cat "$WORK/served-61.json")" "$json_61"
check_eq "the served profile parses to the Digest" "$("$CALL" --local-profile "$WORK/served-61.json" | head -n 1)" "$digest_61"
check_match "GetProfile via gdbus" \
        "$(gdbus call --address "$BUS_A" --dest $IFACE --object-path $OBJ --method $IFACE.GetProfile)" \
        "('{\"probe_version\":1,\"label\":\"6.1-cortex-a72\",*"
check_eq "Set is refused" "$(dbus-send --bus="$BUS_A" --print-reply --dest=$IFACE $OBJ \
        org.freedesktop.DBus.Properties.Set string:$IFACE string:State variant:string:x 2>&1 |
        sed -n 's/^Error \([^:]*\):.*/\1/p')" org.freedesktop.DBus.Error.PropertyReadOnly
check_eq "unknown property" "$(busctl --address "$BUS_A" get-property $IFACE $OBJ $IFACE NoSuch 2>&1)" \
        "Failed to get property NoSuch on interface org.kvmregs.Profile1: No property NoSuch"

# GetConfig: a record, as the library extracts it; unknown and oversized names.
record_61=$(call_s "$BUS_A" GetConfig s base)
check_eq "GetConfig base is the library's record" "$record_61" "$("$CALL" --local-record "$DATA/6.1-cortex-a72.json" base)"
check_eq "GetConfig unknown" "$(error_name "$BUS_A" GetConfig string:no-such-config)" "$IFACE.Error.UnknownConfig"
skipped=$(jq -r '[.configs[] | select(has("skipped")) | .name][0]' "$DATA/6.1-cortex-a72.json")
check_eq "GetConfig of a configuration the host cannot run ($skipped)" \
        "$(error_name "$BUS_A" GetConfig "string:$skipped")" "$IFACE.Error.UnknownConfig"
check_eq "GetConfig name over 64 bytes" "$(error_name "$BUS_A" GetConfig "string:$(printf 'a%.0s' $(seq 65))")" \
        "$IFACE.Error.TooLarge"
check_eq "GetConfig wrong signature" "$(error_name "$BUS_A" GetConfig int32:1)" org.freedesktop.DBus.Error.InvalidArgs

# Compare: a 6.12 host's record sent to the 6.1 host (busctl), the same record to itself (gdbus),
# whole profiles (too long for a command line: the helper). The answers are the library's.
record_612=$(call_s "$BUS_B" GetConfig s base)
printf '%s' "$record_612" > "$WORK/record-612.json"
printf '%s' "$record_61" > "$WORK/record-61.json"
answer=$(busctl --address "$BUS_A" --json=short call $IFACE $OBJ $IFACE Compare ss "$record_612" base | jq -r '.data[]')
check_eq "Compare 6.12 record on the 6.1 host" "$answer" \
        "$("$CALL" --local-compare "$WORK/record-612.json" "$DATA/6.1-cortex-a72.json" base)"
check_eq "verdict 6.12 → 6.1" "$(head -n 1 <<< "$answer")" incompatible
answer=$("$CALL" "$BUS_A" Compare "@$WORK/record-612.json" "")
check_eq "a record's only configuration is the default" "$(head -n 1 <<< "$answer")" incompatible
# The registers the 6.1 kernel does not list are exactly those the 6.12 base list has beyond it.
"$CALL" --cpreg-diff "$DATA/6.12-cortex-a72.json" "$DATA/6.1-cortex-a72.json" base | sort > "$WORK/missing.expected"
check "6.12 has registers 6.1 lacks" test -s "$WORK/missing.expected"
tail -n 1 <<< "$answer" | jq -r '.findings[] | select(.kind == "not-on-destination" or .kind == "dropped") | .register' |
        sort > "$WORK/missing.reported"
check "reported missing registers = the 6.12 cpregs 6.1 lacks" cmp -s "$WORK/missing.expected" "$WORK/missing.reported"

# A guest's record carries its own configuration name: this host's QEMU would build the
# configuration with the same vCPU features (here base: PSCI 0.2 only).
jq -c '.configs[0].name = "guest-vm1"' "$WORK/record-612.json" > "$WORK/guest-612.json"
answer=$("$CALL" "$BUS_A" Compare "@$WORK/guest-612.json" "")
check_eq "a guest's record is compared with the host configuration of its features" "$answer" \
        "$("$CALL" --local-compare "$WORK/guest-612.json" "$DATA/6.1-cortex-a72.json" guest-vm1 base)"
check_eq "the guest's report names the host configuration" "$(tail -n 1 <<< "$answer" | jq -r .dst_config)" base
answer=$(gdbus call --address "$BUS_A" --dest $IFACE --object-path $OBJ --method $IFACE.Compare "$record_61" base)
check_match "identical: compatible (gdbus)" "$answer" "('compatible', *"
answer=$("$CALL" "$BUS_A" Compare "@$DATA/6.12-cortex-a72.json" base)
check_eq "Compare whole 6.12 profile on 6.1" "$answer" \
        "$("$CALL" --local-compare "$DATA/6.12-cortex-a72.json" "$DATA/6.1-cortex-a72.json" base)"
answer=$("$CALL" "$BUS_B" Compare "@$DATA/6.1-cortex-a72.json" pmu)
check_eq "Compare whole 6.1 profile on 6.12 (pmu)" "$answer" \
        "$("$CALL" --local-compare "$DATA/6.1-cortex-a72.json" "$DATA/6.12-cortex-a72.json" pmu)"
answer=$("$CALL" "$BUS_A" Compare "@$DATA/6.1-cortex-a72.json" all)
check_eq "identical whole profile (all)" "$(head -n 1 <<< "$answer")" compatible

# CompareDomain: the record against the configuration this host's QEMU builds for the domain
# (-cpu host takes the host's PMU, SVE and pointer auth unless the XML turns them off).
DOMAINS=$DATA/domains
"$CALL" --local-record "$DATA/6.12-max.json" pmu > "$WORK/max-pmu.json"
"$CALL" --local-record "$DATA/6.12-cortex-a72.json" pmu > "$WORK/a72-pmu.json"
"$CALL" --local-record "$DATA/6.12-max.json" sve > "$WORK/max-sve.json"
# 6.12 max host, `maximum` domain: QEMU builds "all" (PMU, SVE, pauth); the guest has PMU only.
answer=$("$CALL" "$BUS_C" CompareDomain "@$WORK/max-pmu.json" "@$DOMAINS/maximum.xml")
check_eq "CompareDomain pmu guest, max domain, 6.12 max host: the library's pmu-vs-all answer" "$answer" \
        "$("$CALL" --local-compare "$WORK/max-pmu.json" "$DATA/6.12-max.json" pmu all)"
check_eq "... compatible after adjustment" "$(head -n 1 <<< "$answer")" compatible-after-adjustment
check_eq "... exactly sve=off, pauth=off" "$(tail -n 1 <<< "$answer" | jq -c .adjustments)" '["sve=off","pauth=off"]'
check_eq "... compared with the host's pmu" "$(tail -n 1 <<< "$answer" | jq -r .dst_config)" pmu
check_eq "... no fatal finding" "$(tail -n 1 <<< "$answer" | jq .counts.fatal)" 0
answer=$("$CALL" "$BUS_C" CompareDomain "@$WORK/max-pmu.json" "@$DOMAINS/host-passthrough.xml")
check_eq "host-passthrough: the same adjustments" "$(tail -n 1 <<< "$answer" | jq -c '[.verdict, .adjustments]')" \
        '["compatible-after-adjustment",["sve=off","pauth=off"]]'
# The old question, Compare(record, "pmu"), meets this host's pmu: compatible (its known gap).
check_eq "Compare(record, pmu) on the same host: compatible, no adjustment" \
        "$("$CALL" "$BUS_C" Compare "@$WORK/max-pmu.json" pmu | tail -n 1 | jq -c '[.verdict, .adjustments]')" \
        '["compatible",[]]'
# SVE already off in the XML: QEMU builds PMU + pauth, which no configuration records; only
# pauth=off is needed, and the registers are those of the like-for-like pmu comparison.
sed "s|<cpu mode='maximum' check='none' migratable='on'/>|<cpu mode='maximum' check='none' migratable='on'><feature policy='disable' name='sve'/></cpu>|" \
        "$DOMAINS/maximum.xml" > "$WORK/max-nosve.xml"
check "the no-SVE domain differs from maximum.xml" grep -q "name='sve'" "$WORK/max-nosve.xml"
answer=$("$CALL" "$BUS_C" CompareDomain "@$WORK/max-pmu.json" "@$WORK/max-nosve.xml")
check_eq "SVE off in the XML: only pauth=off" "$(tail -n 1 <<< "$answer" | jq -c '[.verdict, .adjustments, .dst_config]')" \
        '["compatible-after-adjustment",["pauth=off"],"pmu"]'
check_eq "SVE off in the XML: one features-differ finding, from PMU+pauth to PMU" \
        "$(tail -n 1 <<< "$answer" | jq -c '[.findings[] | select(.kind == "features-differ") | [.severity, .src_value, .dst_value]]')" \
        '[["adjust","0x000000000000000c","0x000000000000006c"]]'
check_eq "SVE off in the XML: every other finding is the library's pmu-vs-pmu" \
        "$(tail -n 1 <<< "$answer" | jq -c '[.findings[] | select(.kind != "features-differ")]')" \
        "$("$CALL" --local-compare "$WORK/max-pmu.json" "$DATA/6.12-max.json" pmu pmu | tail -n 1 | jq -c .findings)"
# A cortex-a72 host has neither SVE nor pauth: a max domain gets pmu there, like for like.
for dom in maximum.xml host-passthrough.xml a57-custom.xml; do
        answer=$("$CALL" "$BUS_B" CompareDomain "@$WORK/a72-pmu.json" "@$DOMAINS/$dom")
        check_eq "a72 pmu guest, $dom, 6.12 a72 host: the library's pmu-vs-pmu" "$answer" \
                "$("$CALL" --local-compare "$WORK/a72-pmu.json" "$DATA/6.12-cortex-a72.json" pmu pmu)"
        check_eq "... compatible" "$(head -n 1 <<< "$answer")" compatible
done
# A guest without PMU as a cortex-a57 domain: QEMU's a57 takes the host's PMU, pinned off.
"$CALL" --local-record "$DATA/6.12-cortex-a72.json" base > "$WORK/a72-base.json"
answer=$("$CALL" "$BUS_B" CompareDomain "@$WORK/a72-base.json" "@$DOMAINS/a57-custom.xml")
check_eq "base guest, a57 domain, a72 host: the library's base-vs-pmu answer" "$answer" \
        "$("$CALL" --local-compare "$WORK/a72-base.json" "$DATA/6.12-cortex-a72.json" base pmu)"
check_eq "... exactly pmu=off" "$(tail -n 1 <<< "$answer" | jq -c '[.verdict, .adjustments, .dst_config]')" \
        '["compatible-after-adjustment",["pmu=off"],"base"]'
# Incompatible: the 6.12 a72 guest on the 6.1 host names exactly the registers 6.1 lacks.
answer=$("$CALL" "$BUS_A" CompareDomain "@$WORK/a72-pmu.json" "@$DOMAINS/host-passthrough.xml")
check_eq "6.12 guest, 6.1 host: the library's answer" "$answer" \
        "$("$CALL" --local-compare "$WORK/a72-pmu.json" "$DATA/6.1-cortex-a72.json" pmu pmu)"
check_eq "6.12 guest, 6.1 host: incompatible" "$(head -n 1 <<< "$answer")" incompatible
"$CALL" --cpreg-diff "$DATA/6.12-cortex-a72.json" "$DATA/6.1-cortex-a72.json" pmu | sort > "$WORK/missing-pmu.expected"
check "6.12 pmu has registers 6.1 lacks" test -s "$WORK/missing-pmu.expected"
tail -n 1 <<< "$answer" | jq -r '.findings[] | select(.kind == "not-on-destination" or .kind == "dropped") | .register' |
        sort > "$WORK/missing-pmu.reported"
check "CompareDomain names exactly the pmu cpregs 6.1 lacks" cmp -s "$WORK/missing-pmu.expected" "$WORK/missing-pmu.reported"
# The guest has SVE, the a72 host none: nothing to pin, the host cannot run it. Behind that
# configuration problem, the registers that would still fail with SVE off on both ends (the
# nearest configuration, a72's base) are named, marked: those of 6.12-max's own base guest.
answer=$("$CALL" "$BUS_B" CompareDomain "@$WORK/max-sve.json" "@$DOMAINS/maximum.xml")
check_eq "SVE guest, a72 host: incompatible, configuration unsupported, no register" \
        "$(tail -n 1 <<< "$answer" | jq -c '[.verdict, [.findings[] | select(.severity == "fatal" and (.after_configuration_fix | not)) | [.kind, has("register")]]]')" \
        '["incompatible",[["config-unsupported",false]]]'
check_match "... the configuration finding names the nearest configuration" \
        "$(tail -n 1 <<< "$answer" | jq -r '.findings[0].message')" "*the guest with sve=off, the destination's configuration 'base'*"
"$CALL" --local-record "$DATA/6.12-max.json" base > "$WORK/max-base.json"
check_eq "... the registers still failing once fixed are those of the guest without SVE" \
        "$(tail -n 1 <<< "$answer" | jq -c '[.findings[] | select(.after_configuration_fix) | [.kind, .register, .severity]]')" \
        "$("$CALL" --local-compare "$WORK/max-base.json" "$DATA/6.12-cortex-a72.json" base base | tail -n 1 | jq -c '[.findings[] | [.kind, .register, .severity]]')"
check "... and there are some" test "$(tail -n 1 <<< "$answer" | jq '[.findings[] | select(.after_configuration_fix and .severity == "fatal")] | length')" -gt 0
# The domain asks for MTE (the machine's mte=on) on a host without it: QEMU cannot build it.
sed "s|</domain>|<qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'><qemu:arg value='-machine'/><qemu:arg value='virt,mte=on'/></qemu:commandline></domain>|" \
        "$DOMAINS/maximum.xml" > "$WORK/max-mte.xml"
answer=$("$CALL" "$BUS_C" CompareDomain "@$WORK/max-pmu.json" "@$WORK/max-mte.xml")
check_eq "MTE domain, host without MTE: incompatible, configuration unsupported" \
        "$(tail -n 1 <<< "$answer" | jq -c '[.verdict, .adjustments, [.findings[] | select(.after_configuration_fix | not) | [.kind, .severity]], .dst_digest]')" \
        "[\"incompatible\",[],[[\"config-unsupported\",\"fatal\"]],\"$(property "$BUS_C" Digest | jq -r .)\"]"
check_match "... the message says what QEMU would build, and the fix" "$(tail -n 1 <<< "$answer" | jq -r '.findings[0].message')" \
        "*no vCPU configuration for what QEMU builds for the domain (CPU mode maximum, pmu default, sve default, mte on)*the domain without mte=on, this host's configuration 'pmu') it would load once pinned*"
# Behind it, marked: what the same domain without mte=on gets (pinned to the guest's features).
check_eq "... then the findings of the domain without MTE, marked as after the configuration fix" \
        "$(tail -n 1 <<< "$answer" | jq -c '[.findings[] | select(.after_configuration_fix) | [.kind, .register, .severity]]')" \
        "$("$CALL" "$BUS_C" CompareDomain "@$WORK/max-pmu.json" "@$DOMAINS/maximum.xml" | tail -n 1 | jq -c '[.findings[] | [.kind, .register, .severity]]')"
# Bad domain XML: a documented error name, never a verdict.
for f in billion-laughs external-entity malformed not-a-domain two-records x86; do
        check_eq "CompareDomain, $f.xml: InvalidDomain" \
                "$("$CALL" "$BUS_C" CompareDomain "@$WORK/max-pmu.json" "@$DOMAINS/$f.xml" | cut -d: -f1)" \
                "ERROR $IFACE.Error.InvalidDomain"
done
check_match "CompareDomain, DOCTYPE: says why" \
        "$("$CALL" "$BUS_C" CompareDomain "@$WORK/max-pmu.json" "@$DOMAINS/billion-laughs.xml")" "*has a DOCTYPE*"
check_eq "CompareDomain, empty XML: InvalidDomain" \
        "$(error_name "$BUS_C" CompareDomain "string:$(cat "$WORK/max-pmu.json")" string:)" "$IFACE.Error.InvalidDomain"
check_eq "CompareDomain, XML over 8 MiB: TooLarge" \
        "$("$CALL" "$BUS_C" CompareDomain "@$WORK/max-pmu.json" %8388609 | cut -d: -f1)" "ERROR $IFACE.Error.TooLarge"
printf '<domain><name>%04097d</name></domain>' 0 > "$WORK/long-name.xml"
check_eq "CompareDomain, a field over 4096 bytes: TooLarge" \
        "$("$CALL" "$BUS_C" CompareDomain "@$WORK/max-pmu.json" "@$WORK/long-name.xml" | cut -d: -f1)" "ERROR $IFACE.Error.TooLarge"
check_eq "CompareDomain, record over 4 MiB: TooLarge" \
        "$("$CALL" "$BUS_C" CompareDomain %4194305 "@$DOMAINS/maximum.xml" | cut -d: -f1)" "ERROR $IFACE.Error.TooLarge"
check_eq "CompareDomain, a whole profile is not a record: InvalidProfile" \
        "$("$CALL" "$BUS_C" CompareDomain "@$DATA/6.12-max.json" "@$DOMAINS/maximum.xml" | cut -d: -f1)" \
        "ERROR $IFACE.Error.InvalidProfile"
check_eq "CompareDomain, record not JSON: InvalidProfile" \
        "$(error_name "$BUS_C" CompareDomain 'string:{"probe_version": 1,' "string:$(cat "$DOMAINS/maximum.xml")")" \
        "$IFACE.Error.InvalidProfile"
check_eq "CompareDomain wrong signature" "$(error_name "$BUS_C" CompareDomain string:x)" org.freedesktop.DBus.Error.InvalidArgs
check_match "nobody may call CompareDomain" "$(setpriv --reuid=nobody --regid=nogroup --clear-groups gdbus call \
        --address "$BUS_C" --dest $IFACE --object-path $OBJ --method $IFACE.CompareDomain \
        "$(cat "$WORK/max-pmu.json")" "$(cat "$DOMAINS/maximum.xml")")" "('compatible-after-adjustment', *"
check "kvmregsd C still running" kill -0 "$DAEMON_PID"

# Bad input: a D-Bus error with a documented name, and the daemon still serves.
check_eq "source over 4 MiB" "$("$CALL" "$BUS_A" Compare %4194305 base | cut -d: -f1)" "ERROR $IFACE.Error.TooLarge"
jq -c '.configs |= [range(40) as $i | .[0]]' "$DATA/6.1-cortex-a72.json" > "$WORK/40-configs.json"
check_eq "over the library's limit of configurations" \
        "$("$CALL" "$BUS_A" Compare "@$WORK/40-configs.json" base | cut -d: -f1)" "ERROR $IFACE.Error.TooLarge"
printf '%*s' 100000 '' | tr ' ' '[' > "$WORK/deep.json"
check_eq "nested too deep" "$("$CALL" "$BUS_A" Compare "@$WORK/deep.json" base | cut -d: -f1)" "ERROR $IFACE.Error.TooLarge"
check_eq "not JSON" "$(error_name "$BUS_A" Compare 'string:{"probe_version": 1,' string:base)" "$IFACE.Error.InvalidProfile"
check_eq "JSON, not a profile" "$(error_name "$BUS_A" Compare 'string:[1,2,3]' string:base)" "$IFACE.Error.InvalidProfile"
check_eq "empty" "$(error_name "$BUS_A" Compare string: string:base)" "$IFACE.Error.InvalidProfile"
check_eq "source lacks the configuration" "$(error_name "$BUS_A" Compare "string:$record_612" string:sve)" \
        "$IFACE.Error.UnknownConfig"
check_eq "config name over 64 bytes" \
        "$(error_name "$BUS_A" Compare "string:$record_612" "string:$(printf 'b%.0s' $(seq 65))")" "$IFACE.Error.TooLarge"
check_eq "Compare wrong signature" "$(error_name "$BUS_A" Compare string:x)" org.freedesktop.DBus.Error.InvalidArgs
check_eq "unknown method" "$(error_name "$BUS_A" Frobnicate)" org.freedesktop.DBus.Error.UnknownMethod

# The policy: nobody may read and compare, not Refresh; root may.
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
check_eq "nobody reads the Digest" "$(as_nobody busctl --address "$BUS_A" --json=short get-property $IFACE $OBJ $IFACE Digest |
        jq -r .data)" "$digest_61"
check_match "nobody compares" "$(as_nobody gdbus call --address "$BUS_A" --dest $IFACE --object-path $OBJ \
        --method $IFACE.Compare "$record_61" base)" "('compatible', *"
check_eq "nobody cannot Refresh (bus policy)" \
        "$(as_nobody dbus-send --bus="$BUS_A" --print-reply --dest=$IFACE $OBJ $IFACE.Refresh 2>&1 | sed -n 's/^Error \([^:]*\):.*/\1/p')" \
        org.freedesktop.DBus.Error.AccessDenied
check_eq "root may Refresh" "$(error_name "$BUS_A" Refresh)" ok
check_eq "nobody cannot own the name" "$(as_nobody dbus-send --bus="$BUS_A" --print-reply --dest=org.freedesktop.DBus \
        /org/freedesktop/DBus org.freedesktop.DBus.RequestName string:$IFACE uint32:4 2>&1 |
        sed -n 's/^Error \([^:]*\):.*/\1/p')" org.freedesktop.DBus.Error.AccessDenied

# Callers that leave mid-call: the daemon answers the next caller as before.
for _ in 1 2 3 4 5; do
        "$CALL" "$BUS_A" --no-reply Compare "@$DATA/6.12-max.json" all
        "$CALL" "$BUS_A" --no-reply GetProfile
done
timeout 5 busctl --address "$BUS_A" call $IFACE $OBJ $IFACE GetProfile > /dev/null & wait_pid=$!
sleep 0.01; kill $wait_pid 2>/dev/null; wait $wait_pid 2>/dev/null
check_eq "serves after callers left" "$(property "$BUS_A" Digest)" "\"$digest_61\""
check "kvmregsd A still running" kill -0 "$DAEMON_A"

finish
