#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kvmregsd under valgrind through every method, good and bad input, a SIGHUP with a changed
# profile, a caller leaving mid-call, and SIGTERM: no memory errors, no leaks.
. "$(dirname "$0")/test-daemon-common.sh"
need valgrind jq
if ldd "$KVMREGSD" | grep -q 'libasan\|libubsan'; then
        echo "SKIP: a sanitizer build (valgrind cannot run it); the sanitizers check this build instead"
        exit 77
fi

start_bus V open
cp "$DATA/6.1-cortex-a72.json" "$WORK/profile.json"
DAEMON_WRAPPER="valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible
        --errors-for-leak-kinds=definite,indirect,possible --track-fds=no --log-file=$WORK/valgrind.log" \
        NAME_TRIES=600 start_daemon V --profile-file "$WORK/profile.json" --qemu auto
daemon=$DAEMON_PID

record=$(call_s "$BUS_V" GetConfig s base)
check_eq "GetProfile" "$(call_s "$BUS_V" GetProfile | head -c 16)" '{"probe_version"'
check_eq "with the QEMU detected (--qemu auto)" "$(call_s "$BUS_V" GetProfile | jq -r .host.qemu.load_behaviour)" legacy
check_match "Compare" "$("$CALL" "$BUS_V" Compare "@$DATA/6.12-max.json" all | head -n 1)" "*compatible*"
check_match "Compare a record" "$(busctl --address "$BUS_V" call $IFACE $OBJ $IFACE Compare ss "$record" base)" 'ss "compatible"*'
# Another user's comparison is computed on a worker thread (docs/kvmregsd.md, "Load").
check_match "Compare by nobody (a worker)" "$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
        busctl --address "$BUS_V" call $IFACE $OBJ $IFACE Compare ss "$record" base)" 'ss "compatible"*'
check_eq "GetAll" "$(busctl --address "$BUS_V" call $IFACE $OBJ org.freedesktop.DBus.Properties GetAll s "" | head -c 7)" 'a{sv} 4'
check_eq "Introspect" "$(busctl --address "$BUS_V" introspect --xml-interface $IFACE $OBJ | grep -c '<interface')" 4
check_eq "TooLarge" "$("$CALL" "$BUS_V" Compare %4194305 base | cut -d: -f1)" "ERROR $IFACE.Error.TooLarge"
check_eq "InvalidProfile" "$(error_name "$BUS_V" Compare 'string:{"configs": [' string:base)" "$IFACE.Error.InvalidProfile"
check_eq "UnknownConfig" "$(error_name "$BUS_V" GetConfig string:nope)" "$IFACE.Error.UnknownConfig"
check_eq "InvalidArgs" "$(error_name "$BUS_V" GetConfig uint32:3)" org.freedesktop.DBus.Error.InvalidArgs
check_eq "Refresh by nobody" "$(setpriv --reuid=nobody --regid=nogroup --clear-groups dbus-send --bus="$BUS_V" \
        --print-reply --dest=$IFACE $OBJ $IFACE.Refresh 2>&1 | sed -n 's/^Error \([^:]*\):.*/\1/p')" "$IFACE.Error.AccessDenied"
"$CALL" "$BUS_V" --no-reply Compare "@$DATA/7.2-max.json" all
cp "$DATA/7.2-max.json" "$WORK/profile.json"
check_eq "Refresh" "$(error_name "$BUS_V" Refresh)" ok
cp "$DATA/6.12-cortex-a72.json" "$WORK/profile.json"
kill -HUP "$daemon"
for _ in $(seq 100); do [ "$(property "$BUS_V" KernelRelease)" = '"6.12.117+deb12-arm64"' ] && break; sleep 0.1; done
check_eq "SIGHUP reloaded" "$(property "$BUS_V" KernelRelease)" '"6.12.117+deb12-arm64"'
echo garbage > "$WORK/profile.json"
check_eq "failed Refresh" "$(error_name "$BUS_V" Refresh)" "$IFACE.Error.RefreshFailed"

kill -TERM "$daemon"
wait "$daemon"
status=$?
check_eq "exit status under valgrind (99: valgrind found errors)" $status 0
if [ -s "$WORK/valgrind.log" ]; then
        fail "valgrind reported:"; cat "$WORK/valgrind.log"
fi

# Once more with the libvirt watcher's thread started (no libvirtd there: it keeps retrying)
# and stopped again.
rm -f "$WORK/valgrind.log"
cp "$DATA/6.1-cortex-a72.json" "$WORK/profile.json"
DAEMON_WRAPPER="valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible
        --errors-for-leak-kinds=definite,indirect,possible --log-file=$WORK/valgrind.log" \
        LIBVIRT_OPTION="--libvirt-uri=qemu:///system?socket=$WORK/no-libvirtd" \
        NAME_TRIES=600 start_daemon V --profile-file "$WORK/profile.json"
check_eq "GetProfile with the watcher running" "$(call_s "$BUS_V" GetProfile | head -c 16)" '{"probe_version"'
cp "$DATA/6.12-cortex-a72.json" "$WORK/profile.json"
check_eq "Refresh with the watcher running" "$(error_name "$BUS_V" Refresh)" ok
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
check_eq "exit status under valgrind, watcher running" $? 0
check "the watcher ran" grep -q 'no-libvirtd' "$WORK/V.daemon.log"
if [ -s "$WORK/valgrind.log" ]; then
        fail "valgrind reported:"; cat "$WORK/valgrind.log"
fi
finish
