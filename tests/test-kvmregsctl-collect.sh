#!/bin/bash
# kvmregsctl collect HOST... -o DIR through a fake ssh (first in PATH; collect runs `ssh -xT [OPT...]
# -- HOST systemd-stdio-bridge`) that bridges each host to a private bus of its own with the real
# kvmregsd: three hosts that answer, and the ways one does not: an ssh that never answers (caught
# by --connect-timeout), one that answers garbage instead of D-Bus, a daemon that owns the name but
# never answers GetProfile (tests/garbage-daemon), a host serving another host's profile, a host
# named twice, an unknown host. Checked: the files, index.json ("hosts" and "failed" with their
# reasons), stderr, exit statuses 0/1/2/3; then matrix and export on the collected store. No
# wall-clock assertion. Needs root (like the ssh test), dbus-daemon, systemd-stdio-bridge, jq.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/kvmregsctl-test-lib.sh"
[ "$(id -u)" = 0 ] || skip_or_fail "needs root"
need dbus-daemon systemd-stdio-bridge python3 jq
GARBAGE=$top_builddir/tests/garbage-daemon
[ -x "$GARBAGE" ] || skip_or_fail "no $GARBAGE (make check builds it)"

eq() { checks=$((checks + 1)); [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"; }

start_bus                     # writes $T/bus.conf; its bus is not used by a host
# The profiles the hosts serve: hosta names itself, hostb by its full name, hostc names no host.
jq '.host = {hostname: "hosta"}' "$D/6.1-cortex-a72.json" >"$T/a.json"
jq '.host = {hostname: "hostb.example.org"}' "$D/6.12-cortex-a72.json" >"$T/b.json"
cp "$D/6.1-cortex-a72.json" "$T/c.json"
for h in a b c; do
        bus_at "$h"
        BUS=unix:path=$T/bus-$h
        start_kvmregsd "$T/$h.json"
done
bus_at g
"$GARBAGE" "unix:path=$T/bus-g" signature >"$T/garbage.out" 2>&1 &
pids="$pids $!"
for _ in $(seq 100); do grep -q ready "$T/garbage.out" && break; sleep 0.05; done
grep -q ready "$T/garbage.out" || skip_or_fail "garbage-daemon did not start: $(cat "$T/garbage.out")"

# ---- the fake ssh ----
mkdir "$T/bin"
cat >"$T/bin/ssh" <<EOF
#!/bin/bash
# ssh -xT [OPT...] -- HOST BRIDGE: OPT and BRIDGE are recorded, HOST picks what answers
while [ \$# -gt 0 ] && [ "\$1" != -- ]; do echo "opt \$1" >>"$T/ssh.log"; shift; done
shift
echo "host \$1 bridge \$2" >>"$T/ssh.log"
case \$1 in
hosta) exec systemd-stdio-bridge -p unix:path=$T/bus-a ;;
hostb) exec systemd-stdio-bridge -p unix:path=$T/bus-b ;;
hostc) exec systemd-stdio-bridge -p unix:path=$T/bus-c ;;
liar) exec systemd-stdio-bridge -p unix:path=$T/bus-b ;;
silent) exec systemd-stdio-bridge -p unix:path=$T/bus-g ;;
# logged in, never a byte back; EOF on stdin ends it
hang) exec "$T/bin/sink" ;;
junk) printf 'HTTP/1.1 400 Bad Request\r\n\r\nnot D-Bus\r\n'; exec "$T/bin/sink" ;;
*) echo "ssh: Could not resolve hostname \$1: Name or service not known" >&2; exit 255 ;;
esac
EOF
# reads (the socket is non-blocking: cat would stop at EAGAIN) and never answers, until EOF
cat >"$T/bin/sink" <<'EOF'
#!/usr/bin/python3
import os, select
while True:
    select.select([0], [], [])
    try:
        if not os.read(0, 65536):
            break
    except BlockingIOError:
        pass
EOF
chmod +x "$T/bin/ssh" "$T/bin/sink"
export PATH="$T/bin:$PATH"
TO=(--connect-timeout 5000 --timeout 3000)

# ---- every way at once ----
S=$T/store
run 1 collect "${TO[@]}" --ssh-option -oBatchMode=yes hosta hostb hostc hang junk silent liar hosta nosuch -o "$S"
eq "$(ls "$S" | tr '\n' ' ')" "hosta.json hostb.json hostc.json index.json " "the store's files"
check "[ -z \"\$(ls -A '$S' | grep '^\.')\" ]" "temporary files left in the store"
eq "$(jq -r '.format, .version' "$S/index.json" | tr '\n' ' ')" "kvmregs-fleet-index 1 " "index format"
eq "$(jq -r '[.hosts[] | .host + "=" + .file] | join(" ")' "$S/index.json")" "hosta=hosta.json hostb=hostb.json hostc=hostc.json" "index hosts"
eq "$(jq -r '[.failed[].host] | join(" ")' "$S/index.json")" "hang hosta junk liar nosuch silent" "index failed (sorted)"
reason() { jq -r --arg h "$1" '.failed[] | select(.host == $h) | .reason' "$S/index.json"; }
check "[[ \"\$(reason hang)\" == 'timeout: '* ]]" "hang: $(reason hang)"
check "[[ \"\$(reason junk)\" =~ ^(unreachable|garbage\ answer):\  ]]" "junk: $(reason junk)"
check "[[ \"\$(reason silent)\" == 'timeout: '* ]]" "silent daemon: $(reason silent)"
eq "$(reason liar)" "a profile of another host: it names 'hostb.example.org'" "liar"
eq "$(reason hosta)" "duplicate: named twice" "hosta named twice"
check "[[ \"\$(reason nosuch)\" == 'unreachable: '* ]]" "nosuch: $(reason nosuch)"
for h in hang junk silent liar nosuch; do
        err_has "kvmregsctl: $h: $(reason $h)" "stderr for $h"
done
err_has "kvmregsctl: hosta: duplicate: named twice (collected once)" "stderr for the duplicate"
eq "$(grep -c '^kvmregsctl: ' "$T/err")" 6 "one stderr line per failed host"
eq "$(grep -c '^host hosta ' "$T/ssh.log")" 1 "the duplicate is asked once"
check "grep -q '^opt -oBatchMode=yes' '$T/ssh.log' && grep -q '^host hostb bridge systemd-stdio-bridge$' '$T/ssh.log'" \
        "--ssh-option and the bridge reach ssh: $(head -c 300 "$T/ssh.log")"
# what was recorded is what each daemon serves: the same digest, and the index's size/mtime
digest() { "$CTL" matrix --json "$1" 2>/dev/null | jq -r '.classes[0].digest'; }
for h in a b c; do
        eq "$(jq -r --arg h host$h '.hosts[] | select(.host == $h) | .digest' "$S/index.json")" "$(digest "$T/$h.json")" "host$h's digest"
        eq "$(jq -r --arg h host$h '.hosts[] | select(.host == $h) | .size' "$S/index.json")" "$(stat -c %s "$S/host$h.json")" "host$h's size"
done
eq "$(digest "$S/hostb.json")" "$(digest "$T/b.json")" "hostb.json is 6.12's profile"

# the views read it: 3 hosts in 2 classes; the failed hosts are reported as left out (exit 2)
run 2 matrix "$S" && {
        out_has "3 hosts in 2 classes" "matrix on the collected store"
        err_has "left out: hang" "matrix: a failed host"
}
run 2 export --format nova "$S" -o "$T/nova" && eq "$(ls "$T/nova" | wc -l)" 3 "export on the collected store"

# ---- all collected: exit 0, over --hosts-file and --parallel 1 ----
printf '# the lab\nhosta\n\n  hostb   # 6.12\nhostc\n' >"$T/hosts"
run 0 collect "${TO[@]}" --hosts-file "$T/hosts" --parallel 1 -o "$T/ok"
eq "$(jq -c '[.hosts[].host], .failed' "$T/ok/index.json" | tr '\n' ' ')" '["hosta","hostb","hostc"] [] ' "all collected"
eq "$(wc -c <"$T/err")" 0 "all collected: nothing on stderr"
run 1 matrix "$T/ok" && out_has "3 hosts in 2 classes" "matrix: 6.12 -> 6.1 fails (exit 1)"
# a second collect into the same store replaces the index: now hostb fails
run 1 collect "${TO[@]}" hosta hostc liar -o "$T/ok"
eq "$(jq -c '[.hosts[].host], [.failed[].host]' "$T/ok/index.json" | tr '\n' ' ')" '["hosta","hostc"] ["liar"] ' "the index is the last collect's"

# ---- none collected: exit 3, the index says why ----
run 3 collect "${TO[@]}" nosuch junk -o "$T/none"
eq "$(jq -c '[.hosts[]], [.failed[].host]' "$T/none/index.json" | tr '\n' ' ')" '[] ["junk","nosuch"] ' "none collected"
run 4 matrix "$T/none"

# ---- bad usage: exit 2, nothing asked ----
: >"$T/ssh.log"
run 2 collect hosta && err_has "collect needs -o DIR" "no -o"
run 2 collect -o "$T/x" && err_has "no hosts given" "no hosts"
run 2 collect "bad/name" -o "$T/x" && err_has "'bad/name' cannot be a host in the store" "invalid host"
run 2 collect "user@hosta" -o "$T/x" && err_has "'user@hosta' cannot be a host" "user@ is not a host"
: >"$T/afile"
run 2 collect hosta -o "$T/afile" && err_has "is not a directory" "-o a file"
run 2 collect --parallel 0 hosta -o "$T/x" && err_has "--parallel takes a number between 1 and 1024" "--parallel 0"
run 2 collect --hosts-file "$T/nosuchfile" -o "$T/x" && err_has "--hosts-file $T/nosuchfile" "no hosts file"
run 2 collect --format nova hosta -o "$T/x" && err_has "option '--format' does not apply to 'collect'" "--format"
eq "$(wc -c <"$T/ssh.log")" 0 "bad usage: no host asked"

finish
