#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Faults (docs/faults.md), each with what the user sees, against the real kvmregsd on private
# dbus-daemons and the real kvmregs-hook run as libvirt runs it:
#   1. kvmregsd killed (SIGKILL), stopped (SIGSTOP) or slow while the hook's CompareDomain is
#      in flight (dbus-monitor shows the call reach the bus): the policy's decision
#      (on_daemon_error=allow and =refuse) within timeout_ms plus a generous margin; a slow
#      daemon that answers within the timeout gives the real verdict, and a late answer to a
#      hook that gave up harms nothing.
#   2. the bus daemon restarted: kvmregsd exits with status 3, which the unit's Restart=
#      restarts; the restarted kvmregsd owns its name on the new bus and the hook gets verdicts.
#   3. the profile file replaced by a broken one (half written, empty, gone, a directory, a
#      FIFO, a device) before Refresh or SIGHUP: RefreshFailed naming the file, the last good
#      profile stays, the daemon never blocks; at start-up the same files are exit status 1.
#   4. /dev/kvm missing, denied, or not KVM (an ioctl error) as --kvm-device: kvmregsd runs,
#      its State says why, the methods answer NotReady, the hook applies on_daemon_error.
#      (The same refusals inside real arm64 kernels: tests/vm/test-probe.c.)
# No wall-clock assertion a busy machine can break: limits are the hook's timeout plus 5 s.
. "$(dirname "$0")/test-daemon-common.sh"
need dbus-monitor mkfifo
HOOK=$top_builddir/kvmregs-hook
MAKE_RECORD=$top_builddir/tests/make-record
DOMAINS=$DATA/domains
HOOK_PATH=/usr/sbin:/usr/bin:/sbin:/bin
for bin in "$HOOK" "$MAKE_RECORD"; do
        [ -x "$bin" ] || { echo "FAIL: $bin not built"; exit 1; }
done
MARGIN_MS=5000
# stop_daemon [SIGNAL]: ends $daemon, never waiting unbounded (a daemon that hangs where it must
# not would hang the test): SIGKILL after 10 s. The exit status is the daemon's.
stop_daemon() {
        kill "-${1:-TERM}" "$daemon" 2>/dev/null
        timeout 10 tail --pid="$daemon" -f /dev/null || { echo "FAIL: kvmregsd did not stop"; kill -KILL "$daemon"; }
        wait "$daemon"
}

start_bus F open
BUS=$BUS_F
dbus-monitor --address "$BUS" "type='method_call',member='CompareDomain'" > "$WORK/monitor.log" 2>&1 &
monitor_pid=$!
pids="$pids $monitor_pid"
calls_seen() { grep -c 'member=CompareDomain' "$WORK/monitor.log"; }
# wait_calls N: until dbus-monitor has seen N CompareDomain calls (10 s at most)
wait_calls() {
        for _ in $(seq 200); do [ "$(calls_seen)" -ge "$1" ] && return 0; sleep 0.05; done
        return 1
}

# policy: conf NAME KEY=VALUE...
conf() {
        local f=$WORK/$1.conf
        shift
        { echo "bus_address = $BUS"; echo "cache_dir = $WORK/cache"; echo "log_file = $WORK/decisions.log"
          for kv in "$@"; do echo "$kv"; done; } > "$f"
        echo "$f"
}
TIMEOUT_MS=1000
allow=$(conf allow "mode = enforce" "on_daemon_error = allow" "timeout_ms = $TIMEOUT_MS")
refuse=$(conf refuse "mode = enforce" "on_daemon_error = refuse" "timeout_ms = $TIMEOUT_MS")
patient=$(conf patient "mode = enforce" "on_daemon_error = refuse" "timeout_ms = 2000")

# record PROFILE CONFIG: a domain XML whose record the source (hostA) stamped
record() {
        local out=$WORK/dom-$1-$2.xml
        "$MAKE_RECORD" "$DATA/$1" "$2" "$DOMAINS/a57-custom.xml" --hostname hostA > "$out" ||
                { echo "FAIL: make-record $*"; exit 1; }
        echo "$out"
}
same=$(record 6.1-cortex-a72.json pmu)        # onto 6.1 a72: compatible
newer=$(record 6.12-cortex-a72.json pmu)      # onto 6.1 a72: incompatible

# The hook as libvirt runs it: argv, env -i, the domain XML written into a pipe that libvirt
# closes once written (virCommandSetInputBuffer). hook_start CONF XML: in the background;
# hook_wait: sets rc, ms, and the output in $WORK/out, $WORK/err.
hook_start() {
        : > "$WORK/decisions.log"
        hook_t0=$(date +%s%N)
        ( cat "$2" | env -i LC_ALL=C PATH="$HOOK_PATH" HOME=/root KVMREGS_CONF="$1" \
                "$HOOK" lvguest migrate begin - > "$WORK/out" 2> "$WORK/err"; echo $? > "$WORK/rc" ) &
        hook_pid=$!
}
hook_wait() {
        wait "$hook_pid"
        rc=$(cat "$WORK/rc")
        ms=$(( ($(date +%s%N) - hook_t0) / 1000000 ))
}
run_hook() { hook_start "$@"; hook_wait; }
decision_is() { grep -q -- "verdict=$1 decision=$2" "$WORK/decisions.log"; }
log_has() { grep -q -- "$1" "$WORK/decisions.log"; }
err_has() { grep -q -- "$1" "$WORK/err"; }
show_hook() { printf '  rc=%s ms=%s\n  stderr: %.600s\n  log: %.400s\n' "$rc" "$ms" "$(cat "$WORK/err")" \
                "$(cat "$WORK/decisions.log")"; }
# rc_is LABEL WANT: the hook's exit status, with what it said when it is not WANT
rc_is() { check_eq "$1" "$rc" "$2"; [ "$rc" = "$2" ] || show_hook; }
# expect_policy LABEL CONF: the decision on_daemon_error of CONF takes, within its timeout
expect_policy() {
        local label=$1 c=$2 limit
        limit=$(( $(sed -n 's/^timeout_ms = //p' "$c") + MARGIN_MS ))
        if grep -q 'on_daemon_error = allow' "$c"; then
                rc_is "$label, on_daemon_error=allow: exit 0" 0
                check "$label, on_daemon_error=allow: logged as allowed unchecked" decision_is daemon-error allow
                check "$label, on_daemon_error=allow: the domain XML unchanged (nothing printed)" [ ! -s "$WORK/out" ]
        else
                rc_is "$label, on_daemon_error=refuse: exit 1" 1
                check "$label, on_daemon_error=refuse: logged as refused" decision_is daemon-error refuse
                check "$label, on_daemon_error=refuse: says no verdict from kvmregsd" \
                        err_has "^kvmregs: refusing migration of lvguest: no verdict from kvmregsd"
        fi
        check "$label: within timeout_ms + ${MARGIN_MS} ms (took $ms ms, limit $limit)" [ "$ms" -lt "$limit" ]
        echo "note: $label, $(basename "$c" .conf): decided in $ms ms (timeout_ms $((limit - MARGIN_MS)))"
}

# ---- 1. kvmregsd killed, stopped or slow during the hook's call ----
start_daemon F --profile-file "$DATA/6.1-cortex-a72.json"
daemon=$DAEMON_PID
run_hook "$refuse" "$same"
rc_is "healthy daemon: compatible, allowed" 0
check "healthy daemon: logged compatible" decision_is compatible allow
run_hook "$allow" "$newer"
rc_is "healthy daemon: incompatible, refused" 1
check "healthy daemon: logged incompatible" decision_is incompatible refuse
n=$(calls_seen)

for c in "$allow" "$refuse"; do
        # killed: SIGSTOP holds the call in its socket, then SIGKILL while it is in flight.
        kill -STOP "$daemon"
        hook_start "$c" "$same"
        check "killed: the call reached the bus" wait_calls $((n + 1))
        n=$((n + 1))
        kill -KILL "$daemon"
        wait "$daemon" 2>/dev/null
        hook_wait
        expect_policy "killed during the call" "$c"
        check "killed: the hook's log says kvmregsd left without answering (not a timeout)" \
                log_has "no verdict from kvmregsd (Connection timed out): kvmregsd gave no answer to CompareDomain: .*without replying"
        start_daemon F --profile-file "$DATA/6.1-cortex-a72.json"
        daemon=$DAEMON_PID

        # stopped for good during the call: the hook's own timeout
        kill -STOP "$daemon"
        hook_start "$c" "$same"
        check "stopped: the call reached the bus" wait_calls $((n + 1))
        n=$((n + 1))
        hook_wait
        expect_policy "stopped during the call" "$c"
        check "stopped: the hook's log says kvmregsd did not answer in time" \
                log_has "kvmregsd did not answer CompareDomain within $TIMEOUT_MS ms"
        # the late answer goes to a caller that left: kvmregsd lives on and answers the next one
        kill -CONT "$daemon"
        run_hook "$c" "$newer"
        n=$((n + 1))
        rc_is "continued after a late answer: the real verdict (incompatible, exit 1)" 1
        check "continued after a late answer: logged incompatible" decision_is incompatible refuse
        check "continued after a late answer: still running" kill -0 "$daemon"
done

# slow, answering within the timeout: stopped while the call is in flight, continued after
# 0.3 s of the hook's 2 s: the real verdict, not the policy's
for xml in "$same" "$newer"; do
        kill -STOP "$daemon"
        hook_start "$patient" "$xml"
        check "slow: the call reached the bus" wait_calls $((n + 1))
        n=$((n + 1))
        sleep 0.3
        kill -CONT "$daemon"
        hook_wait
        if [ "$xml" = "$same" ]; then
                rc_is "slow within the timeout, compatible: exit 0" 0
                check "slow within the timeout: logged compatible, not daemon-error" decision_is compatible allow
        else
                rc_is "slow within the timeout, incompatible: exit 1" 1
                check "slow within the timeout: logged incompatible, not daemon-error" decision_is incompatible refuse
        fi
done

# ---- 2. the bus daemon restarted ----
# What systemd does with kvmregsd's exit status 3: the unit restarts it (Restart=on-failure
# takes any status but 0 and those of SuccessExitStatus=/RestartPreventExitStatus=, none here).
unit=$top_srcdir/systemd/kvmregsd.service.in
check "unit: Restart=on-failure" grep -qx 'Restart=on-failure' "$unit"
check "unit: status 3 not a success" sh -c "! grep -q '^SuccessExitStatus=\|^RestartPreventExitStatus=' '$unit'"
kill "$(cat "$WORK/F.buspid")"
stop_daemon 0
check_eq "bus killed: kvmregsd exit status 3" "$?" 3
check "bus killed: log says so" grep -q 'Lost the connection to the bus, exiting' "$WORK/F.daemon.log"
# while there is no bus: the hook's policy
run_hook "$allow" "$same"
expect_policy "no bus" "$allow"
run_hook "$refuse" "$same"
expect_policy "no bus" "$refuse"
# the bus back at the same address, kvmregsd started again as systemd would
wait "$monitor_pid" 2>/dev/null
start_bus F open
start_daemon F --profile-file "$DATA/6.1-cortex-a72.json"
daemon=$DAEMON_PID
check_eq "restarted: serves its profile" "$(property "$BUS" State)" '"ready"'
run_hook "$refuse" "$newer"
rc_is "restarted: the hook gets the real verdict (incompatible)" 1
check "restarted: logged incompatible" decision_is incompatible refuse

# ---- 3. the profile file replaced by a broken one ----
cp "$DATA/6.1-cortex-a72.json" "$WORK/profile.json"
stop_daemon
start_daemon F --profile-file "$WORK/profile.json"
daemon=$DAEMON_PID
{ read -r digest_61; read -r _; } < <("$CALL" --local-profile "$DATA/6.1-cortex-a72.json")
check_eq "serving the good profile" "$(property "$BUS" Digest)" "\"$digest_61\""
# refresh_message: the RefreshFailed message of a Refresh, or "ok"
refresh_message() {
        local out
        out=$(timeout 10 dbus-send --bus="$BUS" --print-reply --reply-timeout=8000 --dest=$IFACE $OBJ \
                "$IFACE.Refresh" 2>&1) && { echo ok; return; }
        echo "$out"
}
broken() {   # broken KIND: replaces $WORK/profile.json by a broken one of that kind
        rm -rf "$WORK/profile.json"
        case $1 in
        half) head -c 50000 "$DATA/6.1-cortex-a72.json" > "$WORK/profile.json" ;;
        empty) : > "$WORK/profile.json" ;;
        gone) ;;
        directory) mkdir "$WORK/profile.json" ;;
        fifo) mkfifo "$WORK/profile.json" ;;
        device) ln -s /dev/zero "$WORK/profile.json" ;;
        esac
}
declare -A says=([half]="profile.json: " [empty]="profile.json: " [gone]="No such file or directory"
                 [directory]="is a directory" [fifo]="is not a regular file" [device]="is not a regular file")
for kind in half empty gone directory fifo device; do
        broken "$kind"
        m=$(refresh_message)
        check_match "broken ($kind): Refresh fails" "$m" "*$IFACE.Error.RefreshFailed*"
        check_match "broken ($kind): the error says why" "$m" "*${says[$kind]}*"
        check_eq "broken ($kind): the last good profile stays" "$(property "$BUS" Digest)" "\"$digest_61\""
        check_eq "broken ($kind): State stays ready" "$(property "$BUS" State)" '"ready"'
        # SIGHUP (systemctl reload): the same, in the log
        : > "$WORK/F.daemon.log"
        kill -HUP "$daemon"
        check "broken ($kind), SIGHUP: logged" wait_for_line "$WORK/F.daemon.log" \
                "Refresh failed, keeping the last profile: .*${says[$kind]}" 10
        check "broken ($kind): still answering" [ "$(property "$BUS" Digest)" = "\"$digest_61\"" ]
        run_hook "$refuse" "$newer"
        check_eq "broken ($kind): the hook still gets verdicts" "$rc" 1
        check "broken ($kind): verdict incompatible" decision_is incompatible refuse
done
# the same files at start-up: exit status 1, at once (a FIFO must not block it)
for kind in half empty gone directory fifo device; do
        broken "$kind"
        timeout 20 "$KVMREGSD" --bus-address "$BUS" --no-libvirt --profile-file "$WORK/profile.json" \
                2> "$WORK/start.log"
        check_eq "broken ($kind) at start-up: exit status 1" "$?" 1
        check "broken ($kind) at start-up: says why" grep -q "Cannot read the profile: .*${says[$kind]}" "$WORK/start.log"
done
rm -rf "$WORK/profile.json"
cp "$DATA/6.12-cortex-a72.json" "$WORK/profile.json"
check_eq "a good file again: Refresh ok" "$(refresh_message)" ok
stop_daemon

# ---- 4. /dev/kvm missing, denied, or answering its first ioctl with an error ----
: > "$WORK/kvm-denied" && chmod 600 "$WORK/kvm-denied"   # root's only, as /dev/kvm is (0600) where no kvm group is
declare -A device=([missing]="$WORK/no-such-kvm" [denied]="$WORK/kvm-denied" [not-kvm]=/dev/null)
declare -A state=([missing]="no arm64 KVM here: $WORK/no-such-kvm does not exist (KVM not built or not enabled)"
                  [denied]="no arm64 KVM here: no permission to open $WORK/kvm-denied"
                  [not-kvm]="no arm64 KVM here: /dev/null is not a KVM device: KVM_GET_API_VERSION failed: Inappropriate ioctl for device")
for kind in missing denied not-kvm; do
        as=()
        [ "$kind" = denied ] && as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
        DAEMON_WRAPPER="${as[*]}" start_daemon F --kvm-device "${device[$kind]}"
        daemon=$DAEMON_PID
        check_eq "/dev/kvm $kind: State says why" "$(property "$BUS" State)" "\"${state[$kind]}\""
        check "/dev/kvm $kind: logged" grep -q "No profile: ${state[$kind]}" "$WORK/F.daemon.log"
        check_eq "/dev/kvm $kind: GetProfile answers NotReady" "$(error_name "$BUS" GetProfile)" "$IFACE.Error.NotReady"
        check_eq "/dev/kvm $kind: Refresh fails" "$(error_name "$BUS" Refresh)" "$IFACE.Error.RefreshFailed"
        check "/dev/kvm $kind: still running (systemd sees it started)" kill -0 "$daemon"
        run_hook "$allow" "$same"
        expect_policy "/dev/kvm $kind" "$allow"
        run_hook "$refuse" "$same"
        expect_policy "/dev/kvm $kind" "$refuse"
        check "/dev/kvm $kind: the hook's log says kvmregsd has no profile" \
                log_has "no verdict from kvmregsd (Resource temporarily unavailable): .*no arm64 KVM here"
        stop_daemon
        check_eq "/dev/kvm $kind: exit status 0 after SIGTERM" "$?" 0
done

finish
