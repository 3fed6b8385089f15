#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kvmregsd's life under a (test-made) systemd: sd_notify datagrams on a real NOTIFY_SOCKET
# (READY=1, STATUS=, WATCHDOG=1, RELOADING=1, STOPPING=1), ProfileChanged only when the
# digest changes (SIGHUP, Refresh), its own root check for Refresh, failed refreshes, the
# bus going away, and start-up failures with their documented exit statuses.
# Stopping is prompt and never a busy loop: the bus going away while kvmregsd was stopped
# (SIGSTOP, the bus killed, SIGCONT) ends it with 3 within 2 s using little CPU, with and
# without the libvirt watcher (retrying a missing socket, or stuck on a libvirtd that
# accepts and never answers); SIGTERM meanwhile ends it with 0 within 2 s. The same under
# valgrind when it is installed (the ASan build runs this file as it is). SIGTERM/SIGINT
# during a start-up blocked on a bus that never answers end it at once with 0. A closed
# stderr pipe does not kill it (SIGPIPE).
. "$(dirname "$0")/test-daemon-common.sh"
need dbus-monitor

start_bus C open
cp "$DATA/6.1-cortex-a72.json" "$WORK/profile.json"
{ read -r digest_61; read -r _; } < <("$CALL" --local-profile "$DATA/6.1-cortex-a72.json")
{ read -r digest_612; read -r _; } < <("$CALL" --local-profile "$DATA/6.12-cortex-a72.json")

"$NOTIFY" "$WORK/notify.sock" 120 > "$WORK/notify.log" &
pids="$pids $!"
wait_for_socket() { for _ in $(seq 100); do [ -S "$1" ] && return 0; sleep 0.02; done; return 1; }
wait_for_socket "$WORK/notify.sock" || { echo "FAIL: notify helper"; exit 1; }
dbus-monitor --address "$BUS_C" "type='signal',path='$OBJ'" "type='signal',interface='org.kvmregs.Test'" \
        > "$WORK/monitor.log" 2>&1 &
pids="$pids $!"

NOTIFY_SOCKET=$WORK/notify.sock WATCHDOG_USEC=200000 start_daemon C --profile-file "$WORK/profile.json"
daemon=$DAEMON_PID
count() { grep -c -x -- "$2" "$1" 2>/dev/null || true; }
check "READY=1" wait_for_line "$WORK/notify.log" '^READY=1$'
check_eq "one READY=1 at start" "$(count "$WORK/notify.log" READY=1)" 1
check "STATUS= names the profile" grep -q "^STATUS=ready: 6.1-cortex-a72, kernel 6.1.0-56-arm64, digest ${digest_61:0:12}$" "$WORK/notify.log"
check "WATCHDOG=1 pings (WATCHDOG_USEC=200000)" wait_for_line "$WORK/notify.log" '^WATCHDOG=1$' 3

# marker: once the monitor shows it, it has shown every earlier signal of the daemon,
# because a method reply (the barrier) follows the daemon's signals on its connection.
markers=0
settle() {
        markers=$((markers + 1))
        busctl --address "$BUS_C" call $IFACE $OBJ org.freedesktop.DBus.Peer Ping
        dbus-send --bus="$BUS_C" --type=signal /org/kvmregs/Test org.kvmregs.Test.Marker "uint32:$markers"
        wait_for_line "$WORK/monitor.log" "uint32 $markers$" || fail "marker $markers not seen"
}
profile_changed() { grep -c 'member=ProfileChanged' "$WORK/monitor.log"; }
readies() { count "$WORK/notify.log" READY=1; }
wait_readies() { for _ in $(seq 100); do [ "$(readies)" -ge "$1" ] && return 0; sleep 0.05; done; return 1; }

# SIGHUP, same file: a reload, no ProfileChanged.
settle
kill -HUP "$daemon"
check "READY=1 after the first SIGHUP" wait_readies 2
check_eq "RELOADING=1 once" "$(count "$WORK/notify.log" RELOADING=1)" 1
check "MONOTONIC_USEC with RELOADING" grep -q '^MONOTONIC_USEC=[0-9]\+$' "$WORK/notify.log"
settle
check_eq "no ProfileChanged when the file did not change" "$(profile_changed)" 0

# SIGHUP after the file changed: ProfileChanged with the new digest, PropertiesChanged too.
cp "$DATA/6.12-cortex-a72.json" "$WORK/profile.json"
kill -HUP "$daemon"
check "READY=1 after the second SIGHUP" wait_readies 3
settle
check_eq "one ProfileChanged after the change" "$(profile_changed)" 1
check_eq "ProfileChanged carries the new digest" \
        "$(grep -A1 'member=ProfileChanged' "$WORK/monitor.log" | sed -n 's/^ *string "\(.*\)"$/\1/p')" "$digest_612"
check "PropertiesChanged carries the Digest" grep -q "string \"$digest_612\"" \
        <(sed -n '/member=PropertiesChanged/,/^signal/p' "$WORK/monitor.log")
check_eq "Digest property follows" "$(property "$BUS_C" Digest)" "\"$digest_612\""
check_eq "KernelRelease follows" "$(property "$BUS_C" KernelRelease)" '"6.12.117+deb12-arm64"'

# Refresh: root only, checked by the daemon itself (this bus lets anyone call it).
check_eq "Refresh by nobody" "$(setpriv --reuid=nobody --regid=nogroup --clear-groups dbus-send --bus="$BUS_C" \
        --print-reply --dest=$IFACE $OBJ $IFACE.Refresh 2>&1 | sed -n 's/^Error \([^:]*\):.*/\1/p')" \
        "$IFACE.Error.AccessDenied"
check_eq "Refresh by root, unchanged" "$(error_name "$BUS_C" Refresh)" ok
settle
check_eq "no ProfileChanged after an unchanged Refresh" "$(profile_changed)" 1
# Refresh calls sent together: one runs, those that arrive while it waits for the bus get Busy.
"$CALL" "$BUS_C" --pipeline 8 Refresh > "$WORK/pipeline.log"
check_eq "first pipelined Refresh" "$(head -n 1 "$WORK/pipeline.log")" ok
check_eq "every answer is ok or Busy" "$(grep -vc -e '^ok$' -e "^ERROR $IFACE.Error.Busy: " "$WORK/pipeline.log")" 0
check "some pipelined Refresh got Busy" grep -q "^ERROR $IFACE.Error.Busy: " "$WORK/pipeline.log"
check_eq "eight answers" "$(wc -l < "$WORK/pipeline.log")" 8
echo '{"probe_version": 1, "configs": 7}' > "$WORK/profile.json"
check_eq "Refresh with a broken file" "$(error_name "$BUS_C" Refresh)" "$IFACE.Error.RefreshFailed"
check_eq "the last good profile stays" "$(property "$BUS_C" Digest)" "\"$digest_612\""
check_eq "State stays ready" "$(property "$BUS_C" State)" '"ready"'
cp "$DATA/6.1-cortex-a72.json" "$WORK/profile.json"
check_eq "Refresh by root, changed back" "$(error_name "$BUS_C" Refresh)" ok
settle
check_eq "ProfileChanged after the changing Refresh" "$(profile_changed)" 2
check_eq "RELOADING=1 for each SIGHUP and Refresh that ran" "$(count "$WORK/notify.log" RELOADING=1)" \
        $((5 + $(grep -c '^ok$' "$WORK/pipeline.log")))

# SIGTERM: STOPPING=1 and exit status 0.
kill -TERM "$daemon"
wait "$daemon"
check_eq "exit status after SIGTERM" $? 0
check "STOPPING=1" wait_for_line "$WORK/notify.log" '^STOPPING=1$'

# The bus goes away: a clean exit with status 3 (systemd restarts the service).
start_daemon C --profile-file "$WORK/profile.json"
daemon=$DAEMON_PID
kill "$(cat "$WORK/C.buspid")"
timeout 10 tail --pid="$daemon" -f /dev/null
wait "$daemon"
check_eq "exit status when the bus goes away" $? 3
check "says so" grep -q 'Lost the connection to the bus' "$WORK/C.daemon.log"

# Start-up failures.
start_bus D open
"$KVMREGSD" --bus-address "$BUS_D" --no-libvirt --profile-file "$WORK/no-such-file.json" 2> "$WORK/err.log"
check_eq "missing profile file: exit status" $? 1
check "missing profile file: message" grep -q 'no-such-file.json' "$WORK/err.log"
"$KVMREGSD" --bus-address "$BUS_D" --no-libvirt --profile-file "$DATA/README.md" 2> "$WORK/err.log"
check_eq "not a profile: exit status" $? 1
"$KVMREGSD" --no-such-option 2> /dev/null
check_eq "bad option: exit status" $? 2
"$KVMREGSD" --bus-address "unix:path=$WORK/nothing-here" --no-libvirt --profile-file "$WORK/profile.json" 2> "$WORK/err.log"
check_eq "no bus: exit status" $? 1
start_daemon D --profile-file "$WORK/profile.json"
"$KVMREGSD" --bus-address "$BUS_D" --no-libvirt --profile-file "$WORK/profile.json" 2> "$WORK/err.log"
check_eq "name already owned: exit status" $? 1
check "name already owned: message" grep -q 'owned by another process' "$WORK/err.log"
# --session: the bus DBUS_SESSION_BUS_ADDRESS names.
kill "$DAEMON_PID"; wait "$DAEMON_PID"
DBUS_SESSION_BUS_ADDRESS=$BUS_D "$KVMREGSD" --session --no-libvirt --profile-file "$WORK/profile.json" \
        2> "$WORK/session.log" &
session_pid=$!
pids="$pids $session_pid"
check "--session takes the name on the session bus" wait_for_name "$BUS_D"
check_eq "--session serves" "$(property "$BUS_D" Digest)" "\"$digest_61\""
kill "$session_pid"; wait "$session_pid"
check_eq "--session: exit status after SIGTERM" $? 0
"$KVMREGSD" --session --bus-address "$BUS_D" 2> /dev/null
check_eq "--session with --bus-address: exit status" $? 2
start_daemon D --profile-file "$WORK/profile.json"

# A profile path that is not UTF-8 ends up in error messages: they must not kill the daemon
# (libdbus aborts on such strings).
kill "$DAEMON_PID"; wait "$DAEMON_PID"
odd_path=$WORK/$'odd-\xff'.json
cp "$DATA/6.1-cortex-a72.json" "$odd_path"
start_daemon D --profile-file "$odd_path"
echo '[' > "$odd_path"
check_eq "Refresh failing on a non-UTF-8 path" "$(error_name "$BUS_D" Refresh)" "$IFACE.Error.RefreshFailed"
check_eq "still serving" "$(property "$BUS_D" Digest)" "\"$digest_61\""

# Without --profile-file it probes; with no arm64 KVM it still serves, and says why.
kill "$DAEMON_PID"; wait "$DAEMON_PID"
start_daemon D --kvm-device "$WORK/no-kvm"
check_match "State without KVM" "$(property "$BUS_D" State)" '"no arm64 KVM here: *"'
check_eq "Digest without a profile" "$(property "$BUS_D" Digest)" '""'
check_eq "Configs without a profile" "$(property "$BUS_D" Configs)" '[]'
check_eq "GetProfile without a profile" "$(error_name "$BUS_D" GetProfile)" "$IFACE.Error.NotReady"
check_eq "GetConfig without a profile" "$(error_name "$BUS_D" GetConfig string:base)" "$IFACE.Error.NotReady"
check_eq "Compare without a profile" "$(error_name "$BUS_D" Compare string:x string:base)" "$IFACE.Error.NotReady"
check_eq "Refresh without KVM" "$(error_name "$BUS_D" Refresh)" "$IFACE.Error.RefreshFailed"


# stderr whose reader went away (a log pipe that closed): logging fails quietly, the daemon
# lives on (a SIGPIPE would have killed it).
kill "$DAEMON_PID"; wait "$DAEMON_PID"
cp "$DATA/6.1-cortex-a72.json" "$WORK/profile.json"
mkfifo "$WORK/stderr.fifo"
( exec 3< "$WORK/stderr.fifo"; sleep 0.2 ) &
"$KVMREGSD" --bus-address "$BUS_D" --no-libvirt --profile-file "$WORK/profile.json" 2> "$WORK/stderr.fifo" &
pid=$!
pids="$pids $pid"
check "stderr pipe closed: takes the name" wait_for_name "$BUS_D"
sleep 0.3
echo garbage > "$WORK/profile.json"
kill -HUP "$pid"    # logs "Refresh failed" to the closed pipe
check_eq "stderr pipe closed: still serving after logging" "$(property "$BUS_D" Digest)" "\"$digest_61\""
kill -TERM "$pid"
wait "$pid"
check_eq "stderr pipe closed: exit status after SIGTERM" $? 0

# ---- Stopping: prompt, and never a busy loop ----
cp "$DATA/6.1-cortex-a72.json" "$WORK/profile.json"
hung_libvirtd=""
trap 'for p in $hung_libvirtd; do kill -CONT "$p" 2>/dev/null; done; cleanup' EXIT
# A libvirtd that accepts and never answers: a stopped dbus-daemon (the kernel still accepts
# connections into its backlog). libvirt has no timeout of its own for virConnectOpen().
start_bus H open
hung_libvirtd=$(cat "$WORK/H.buspid")
kill -STOP "$hung_libvirtd"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null; }
# follow_exit PID LIMIT_MS: waits (at most 10 s) for PID to end; sets EXIT_MS (from the call),
# EXIT_TICKS (CPU ticks from the call to the last sample before it ended) and EXIT_STATUS.
follow_exit() {
        local pid=$1 start ticks0 last now
        start=$(date +%s%N)
        ticks0=$(cpu_ticks "$pid")
        last=$ticks0
        while now=$(cpu_ticks "$pid") && [ -n "$now" ]; do
                last=$now
                [ $(( ($(date +%s%N) - start) / 1000000 )) -gt 10000 ] && break
                sleep 0.02
        done
        EXIT_MS=$(( ($(date +%s%N) - start) / 1000000 ))
        EXIT_TICKS=$(( ${last:-0} - ${ticks0:-${last:-0}} ))
        if kill -0 "$pid" 2>/dev/null; then
                fail "pid $pid still running after 10 s: $(cat "/proc/$pid/stat")"
                kill -KILL "$pid"
        fi
        wait "$pid"
        EXIT_STATUS=$?
}

# stop_case LABEL HOW WANT LOG_GREP CLEAN LIBVIRT: starts kvmregsd on a fresh bus with LIBVIRT
# (--no-libvirt or --libvirt-uri=URI), under valgrind when VALGRIND=1, stops it (SIGSTOP) with answers left to send (callers that
# gave up), then HOW: "bus" kills the bus and continues it (SIGCONT); "term" continues it and
# sends SIGTERM. It must end with status WANT within 2 s, use at most EXIT_CPU_MAX CPU ticks
# from SIGCONT to its end, and its log must match LOG_GREP (grep -E). CLEAN "yes": stopping
# finished by itself (not by the time limit) and, under valgrind, without leaks.
stop_cases=0
stop_case() {
        local label=$1 how=$2 want=$3 log_grep=$4 clean=$5 libvirt=$6 bus pid idle0 idle address
        local DAEMON_WRAPPER=""
        stop_cases=$((stop_cases + 1))
        bus=S$stop_cases
        start_bus "$bus" open
        if [ "${VALGRIND:-0}" = 1 ]; then
                DAEMON_WRAPPER="valgrind --quiet --error-exitcode=99 --log-file=$WORK/$bus.valgrind.log"
                # Stopping by the time limit leaves memory unfreed on purpose.
                [ "$clean" = yes ] && DAEMON_WRAPPER="$DAEMON_WRAPPER --leak-check=full
                        --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect"
        fi
        LIBVIRT_OPTION=$libvirt NAME_TRIES=600 start_daemon "$bus" --profile-file "$WORK/profile.json"
        pid=$DAEMON_PID
        address=$(eval echo "\$BUS_$bus")
        # With nothing to do it uses no CPU, also after SIGSTOP and SIGCONT (a watcher that
        # retries does some work: IDLE_CPU_MAX "-" skips the check).
        kill -STOP "$pid"; kill -CONT "$pid"
        sleep "$IDLE_SETTLE"
        idle0=$(cpu_ticks "$pid")
        sleep 1
        idle=$(( $(cpu_ticks "$pid") - idle0 ))
        if [ "$IDLE_CPU_MAX" != - ]; then
                check "$label: idle after SIGSTOP/SIGCONT ($idle CPU ticks in 1 s, at most $IDLE_CPU_MAX)" \
                        [ "$idle" -le "$IDLE_CPU_MAX" ]
        fi
        kill -STOP "$pid"
        timeout 1 "$CALL" "$address" --pipeline 20 GetProfile > /dev/null 2>&1
        timeout 1 "$CALL" "$address" --pipeline 4 Compare "@$DATA/6.12-max.json" all > /dev/null 2>&1
        if [ "$how" = bus ]; then
                kill "$(cat "$WORK/$bus.buspid")"
                sleep 0.2
                kill -CONT "$pid"
        else
                kill -CONT "$pid"
                kill -TERM "$pid"
        fi
        follow_exit "$pid"
        check_eq "$label: exit status" "$EXIT_STATUS" "$want"
        check "$label: ends within 2 s (took $EXIT_MS ms)" [ "$EXIT_MS" -lt 2000 ]
        check "$label: little CPU on the way out ($EXIT_TICKS ticks, at most $EXIT_CPU_MAX)" \
                [ "$EXIT_TICKS" -le "$EXIT_CPU_MAX" ]
        if [ -n "$log_grep" ]; then
                check "$label: log says /$log_grep/" grep -qE "$log_grep" "$WORK/$bus.daemon.log"
        fi
        echo "$label: status $EXIT_STATUS after $EXIT_MS ms, $EXIT_TICKS CPU ticks on the way out, $idle idle"
        if [ "$clean" = yes ]; then
                check "$label: stopped by itself, not by the time limit" \
                        not_grep 'Stopping did not finish' "$WORK/$bus.daemon.log"
        fi
        check "$label: no sanitizer report" not_grep -E 'Sanitizer|runtime error:' "$WORK/$bus.daemon.log"
        if [ -s "$WORK/$bus.valgrind.log" ]; then
                fail "$label: valgrind reported:"; cat "$WORK/$bus.valgrind.log"
        fi
        [ "$how" = term ] && kill "$(cat "$WORK/$bus.buspid")"
        rm -f "$WORK/$bus.buspid"
}
not_grep() { ! grep -q "$@"; }

# Every case once: without the watcher, with it retrying a missing libvirtd, with it stuck
# on a hung one.
stop_cases_all() {
        local label=$1 missing="qemu+unix:///system?socket=$WORK/no-libvirtd"
        local hung="qemu+unix:///system?socket=$WORK/H.sock"
        stop_case "$label, no libvirt, bus lost" bus 3 'Lost the connection to the bus' yes --no-libvirt
        stop_case "$label, no libvirt, SIGTERM" term 0 '' yes --no-libvirt
        # Under valgrind each retry costs several ticks.
        local retry_idle_max=$IDLE_CPU_MAX
        [ "${VALGRIND:-0}" = 1 ] && retry_idle_max=-
        IDLE_CPU_MAX=$retry_idle_max stop_case "$label, watcher retrying, bus lost" bus 3 'cannot connect to .*no-libvirtd' yes \
                "--libvirt-uri=$missing"
        IDLE_CPU_MAX=$retry_idle_max stop_case "$label, watcher retrying, SIGTERM" term 0 'cannot connect to .*no-libvirtd' yes \
                "--libvirt-uri=$missing"
        stop_case "$label, watcher hung in libvirt, bus lost" bus 3 \
                'libvirt watcher did not stop within' no "--libvirt-uri=$hung"
        stop_case "$label, watcher hung in libvirt, SIGTERM" term 0 \
                'libvirt watcher did not stop within' no "--libvirt-uri=$hung"
}

# The ASan build spends about 0.1 s of CPU in its leak check at exit.
IDLE_SETTLE=0.3 IDLE_CPU_MAX=5 EXIT_CPU_MAX=50 stop_cases_all "kvmregsd"
if ldd "$KVMREGSD" | grep -q 'libasan\|libubsan'; then
        echo "valgrind stop cases skipped: a sanitizer build"
elif ! command -v valgrind > /dev/null; then
        [ "${KVMREGS_REQUIRE_ALL:-0}" = 1 ] && fail "valgrind is not installed"
        echo "valgrind stop cases skipped: no valgrind"
else
        # valgrind's own exit work (its leak check) costs CPU: the bound is wider, the time the same.
        # libvirt's start-up under valgrind takes a second or two of CPU.
        VALGRIND=1 IDLE_SETTLE=2 IDLE_CPU_MAX=10 EXIT_CPU_MAX=150 stop_cases_all "valgrind"
fi

# A bus that accepts the connection and never answers (a stopped dbus-daemon): start-up
# blocks in libdbus, and SIGTERM or SIGINT still end it at once, with status 0.
hung_bus_pid=$(cat "$WORK/H.buspid")      # the hung "libvirtd" serves as a hung bus too
for sig in TERM INT; do
        "$KVMREGSD" --bus-address "unix:path=$WORK/H.sock" --no-libvirt --profile-file "$WORK/profile.json" \
                2> "$WORK/startup.log" &
        pid=$!
        sleep 0.5
        check "SIG$sig while starting: still starting after 0.5 s" kill -0 "$pid"
        kill -"$sig" "$pid"
        follow_exit "$pid"
        check_eq "SIG$sig while starting: exit status" "$EXIT_STATUS" 0
        check "SIG$sig while starting: ends within 2 s (took $EXIT_MS ms)" [ "$EXIT_MS" -lt 2000 ]
        check "SIG$sig while starting: says so" grep -q 'Stopped by signal .* while starting' "$WORK/startup.log"
done
kill -CONT "$hung_bus_pid"

finish
