#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The bad-input catalogue (tests/bad-input/catalogue.tsv), the cases that need a bus: D-Bus calls
# to a kvmregsd on a private dbus-daemon (oversized and wrongly typed arguments, unknown methods and
# properties, calls when no daemon owns the name and while it is still starting), kvmregsd's
# start-up with a bad --profile-file, kvmregsctl with no daemon. Root: only root may own the name
# (tests/test-daemon-common.sh). The other cases: test-bad-input.sh.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$PWD}
# shellcheck source=tests/test-daemon-common.sh
. "$top_srcdir/tests/test-daemon-common.sh"
# shellcheck source=tests/bad-input/run-cases.sh
. "$top_srcdir/tests/bad-input/run-cases.sh"
need python3
[ -x "$top_builddir/tests/make-record" ] || { echo "FAIL: build tests/make-record first"; exit 1; }

mkdir "$WORK/gen"
make_inputs "$WORK/gen" || { echo "FAIL: cannot make the generated inputs"; exit 1; }

# A: kvmregsd serving 6.1-max; E: nobody owns the name; S: kvmregsd still starting (reading its
# profile from a FIFO nobody writes to yet, so it has connected but not asked for the name).
start_bus A open
start_bus E open
start_bus S open
start_daemon A --profile-file "$DATA/6.1-max.json"
BUS=$BUS_A
BUS_EMPTY=$BUS_E
BUS_STARTING=$BUS_S
mkfifo "$WORK/starting.fifo"
"$KVMREGSD" --bus-address "$BUS_S" --no-libvirt --profile-file "$WORK/starting.fifo" 2> "$WORK/starting.log" &
starting_pid=$!
pids="$pids $starting_pid"
# kvmregsd blocks its signals from the start: a daemon stuck on the FIFO would hang the cleanup.
release_starting() {
        [ -n "${starting_pid:-}" ] && timeout 5 sh -c "cat '$DATA/6.1-max.json' > '$WORK/starting.fifo'" 2>/dev/null
        starting_pid=
}
trap 'release_starting; cleanup' EXIT
# It has connected to the bus (the socket is open; Hello waits for the event loop) and now waits
# for the FIFO.
connected() {   # the process has a socket open
        local fd
        for fd in "/proc/$starting_pid"/fd/*; do
                [[ $(readlink "$fd" 2>/dev/null) == socket:* ]] && return 0
        done
        return 1
}
for _ in $(seq 200); do
        connected && break
        sleep 0.05
done
connected || { echo "FAIL: the starting kvmregsd did not connect"; cat "$WORK/starting.log"; exit 1; }

run_catalogue '^(dbus-call|dbus-call-nobody|dbus-send|busctl)$' ''
run_catalogue '^(kvmregsctl|kvmregsd)$' '\{BUS'

# the starting daemon gets its profile, takes the name, and stops on SIGTERM
pid=$starting_pid
release_starting
check "the starting kvmregsd takes the name once it has its profile" wait_for_name "$BUS_S"
kill "$pid"
wait "$pid"
check_eq "the starting kvmregsd stops with 0" "$?" 0
check "kvmregsd A survived every case" kill -0 "$DAEMON_PID"
checks=$((checks + cases))
failures=$((failures + case_failures))
echo "test-bad-input-bus.sh: $cases cases, $case_failures failed"
finish
