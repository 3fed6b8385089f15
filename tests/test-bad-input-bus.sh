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

# A: kvmregsd serving 6.1-max; E: nobody owns the name; S: kvmregsd still starting: it has
# connected to the bus and is opening its profile, which strace holds for an hour (kvmregsd opens
# only regular files, without blocking, so nothing short of a tracer keeps it there).
start_bus A open
start_bus E open
start_bus S open
start_daemon A --profile-file "$DATA/6.1-max.json"
BUS=$BUS_A
BUS_EMPTY=$BUS_E
BUS_STARTING=$BUS_S
need strace
cp "$DATA/6.1-max.json" "$WORK/starting.json"
# kvmregsd runs under a shell that keeps its exit status: once strace lets go, neither is our child.
strace -qq -f -o /dev/null -P "$WORK/starting.json" -e trace=openat -e inject=openat:delay_enter=3600s \
        sh -c '"$0" "$@"; echo $? > "'"$WORK/starting.status"'"' \
        "$KVMREGSD" --bus-address "$BUS_S" --no-libvirt --profile-file "$WORK/starting.json" 2> "$WORK/starting.log" &
strace_pid=$!
# strace waits out an injected delay even on SIGTERM; SIGKILL detaches kvmregsd, which goes on.
release_starting() {
        [ -n "${strace_pid:-}" ] && { kill -KILL "$strace_pid" 2>/dev/null; wait "$strace_pid" 2>/dev/null; }
        strace_pid=
}
trap 'release_starting; cleanup' EXIT
starting_pid=
connected() {   # kvmregsd (the shell's child) has a socket open; it opens its profile after that
        local shell fd
        shell=$(pgrep -P "$strace_pid" 2>/dev/null | head -1)
        [ -n "$shell" ] && starting_pid=$(pgrep -P "$shell" 2>/dev/null | head -1)
        [ -n "$starting_pid" ] || return 1
        for fd in "/proc/$starting_pid"/fd/*; do
                [[ $(readlink "$fd" 2>/dev/null) == socket:* ]] && return 0
        done
        return 1
}
for _ in $(seq 400); do
        connected && break
        sleep 0.05
done
connected || { echo "FAIL: the starting kvmregsd did not connect"; cat "$WORK/starting.log"; exit 1; }
pids="$pids $starting_pid"

run_catalogue '^(dbus-call|dbus-call-nobody|dbus-send|busctl)$' ''
run_catalogue '^(kvmregsctl|kvmregsd)$' '\{BUS'

# the starting daemon gets its profile, takes the name, and stops on SIGTERM
pid=$starting_pid
release_starting
check "the starting kvmregsd takes the name once it has its profile" wait_for_name "$BUS_S"
kill "$pid"
for _ in $(seq 400); do [ -s "$WORK/starting.status" ] && break; sleep 0.05; done
check_eq "the starting kvmregsd stops with 0" "$(cat "$WORK/starting.status" 2>/dev/null)" 0
check "kvmregsd A survived every case" kill -0 "$DAEMON_PID"
checks=$((checks + cases))
failures=$((failures + case_failures))
echo "test-bad-input-bus.sh: $cases cases, $case_failures failed"
finish
