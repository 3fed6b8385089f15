# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by tests/test-bad-input.sh and tests/test-bad-input-bus.sh: runs the cases of
# tests/bad-input/catalogue.tsv through the built programs and checks each answer.
#
# catalogue.tsv, tab-separated, one case a line ('#' lines are comments):
#   id  category  what-is-wrong  input  program  arguments  expected  message
# input:     a file relative to tests/ (data/bad/x.json, bad-input/x), gen:NAME (made by
#            generate.py at test time in a temporary directory), or - (none)
# program:   kvmregsctl, kvmregs-hook, kvmregsd (run as they are), dbus-call (tests/test-daemon-call
#            on the private bus: strings, @FILE = a file's content, %N = N bytes; dbus-call-nobody: the
#            same as user nobody), dbus-send, busctl
# arguments: words split at blanks; {IN} the input, {PROFILE} a good profile, {RECORD} a good guest
#            record, {XML} a good domain XML with its record, {CONF} a hook policy whose bus is
#            nowhere, {BUS} the private bus with kvmregsd, {BUS_EMPTY} a bus nobody owns the name
#            on, {BUS_STARTING} a bus where kvmregsd is still starting, {TMP} a scratch directory.
#            kvmregs-hook: CONF XML [argv]: KVMREGS_CONF=CONF, XML on stdin, argv default
#            "web-1 migrate begin -".
# expected:  "exit N", or a D-Bus error name
# message:   a substring of stderr+stdout (of the "ERROR name: message" line for D-Bus)
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$PWD}
CATALOGUE=$top_srcdir/tests/bad-input/catalogue.tsv
# Generous: the slowest case (a 22 MB profile under ASan) takes a few seconds; a hang is a failure.
CASE_TIMEOUT=${CASE_TIMEOUT:-120}
cases=0
case_failures=0

case_fail() {
        echo "FAIL: $id [$category] ($what): $*"
        printf '  output: %.600s\n' "$(cat "$OUT" 2>/dev/null)"
        case_failures=$((case_failures + 1))
}

# make_inputs DIR: the generated inputs and fixtures.
make_inputs() {
        GEN=$1
        "$top_builddir/tests/make-record" "$top_srcdir/tests/data/6.1-max.json" pmu \
                "$top_srcdir/tests/data/domains/host-passthrough.xml" > "$GEN/xml-good" || return 1
        "$top_builddir/tests/make-record" "$top_srcdir/tests/data/6.1-max.json" pmu \
                "$top_srcdir/tests/data/domains/host-passthrough.xml" \
                --uuid 11111111-2222-4333-8444-555555555555 > "$GEN/xml-other-domain" || return 1
        "$top_builddir/tests/test-daemon-call" --local-record "$top_srcdir/tests/data/6.1-max.json" pmu \
                > "$GEN/record-good" || return 1
        python3 "$top_srcdir/tests/bad-input/generate.py" "$top_srcdir" "$GEN" || return 1
        printf 'bus_address = unix:path=%s/no-bus\non_missing_record = refuse\ncache_dir = %s/cache\n' \
                "$GEN" "$GEN" > "$GEN/conf-nowhere"
        # hook policy files
        printf 'bogus = 1\n' > "$GEN/conf-unknown-key"
        printf 'mode = enforcing\n' > "$GEN/conf-bad-mode"
        printf 'mode\n' > "$GEN/conf-no-equals"
        printf 'timeout_ms = 0\n' > "$GEN/conf-timeout-zero"
        printf 'timeout_ms = 2001\n' > "$GEN/conf-timeout-over"
        printf 'timeout_ms = 5s\n' > "$GEN/conf-timeout-unit"
        printf 'on_daemon_error = maybe\n' > "$GEN/conf-bad-daemon-error"
        printf 'on_missing_record = yes\n' > "$GEN/conf-bad-missing-record"
        printf 'mode = enforce\non_daemon_error = refuse\nMode = off\n' > "$GEN/conf-key-case"
        printf 'mode = enforce\x00\non_daemon_error = refuse\n' > "$GEN/conf-nul"
        python3 -c 'print("# padding\n" * 7000, end="")' > "$GEN/conf-too-large"
        mkdir -p "$GEN/conf-directory"
}

subst() {
        local w=$1
        w=${w//\{IN\}/$IN}
        w=${w//\{PROFILE\}/$top_srcdir/tests/data/6.1-max.json}
        w=${w//\{RECORD\}/$GEN/record-good}
        w=${w//\{XML\}/$GEN/xml-good}
        w=${w//\{CONF\}/$GEN/conf-nowhere}
        w=${w//\{BUS\}/${BUS:-}}
        w=${w//\{BUS_EMPTY\}/${BUS_EMPTY:-}}
        w=${w//\{BUS_STARTING\}/${BUS_STARTING:-}}
        w=${w//\{TMP\}/$GEN}
        printf '%s' "$w"
}

# run_case: one catalogue line in id, category, what, input, program, arguments, expected, message
run_case() {
        local -a argv=()
        local w rc got scratch left
        cases=$((cases + 1))
        case $input in
        -) IN= ;;
        gen:*) IN=$GEN/${input#gen:} ;;
        *) IN=$top_srcdir/tests/$input ;;
        esac
        if [ -n "$IN" ] && [ ! -e "$IN" ]; then case_fail "input $input does not exist"; return; fi
        [ "$arguments" = - ] || for w in $arguments; do argv+=("$(subst "$w")"); done
        OUT=$GEN/out.$id
        scratch=$GEN/cwd.$id
        mkdir "$scratch"
        case $program in
        kvmregsctl | kvmregsd)
                (cd "$scratch" && TMPDIR=$scratch timeout -k 5 "$CASE_TIMEOUT" "$top_builddir/$program" "${argv[@]}") \
                        > "$OUT" 2>&1 ;;
        kvmregs-hook)
                local conf=${argv[0]} xml=${argv[1]}
                argv=("${argv[@]:2}")
                [ ${#argv[@]} -gt 0 ] || argv=(web-1 migrate begin -)
                [ "${argv[0]}" = NONE ] && argv=()
                (cd "$scratch" && env -i LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TMPDIR="$scratch" \
                        KVMREGS_CONF="$conf" timeout -k 5 "$CASE_TIMEOUT" "$top_builddir/kvmregs-hook" "${argv[@]}" \
                        < "$xml") > "$OUT" 2>&1 ;;
        dbus-call)
                (cd "$scratch" && timeout -k 5 "$CASE_TIMEOUT" "$top_builddir/tests/test-daemon-call" "${argv[@]}") \
                        > "$OUT" 2>&1 ;;
        dbus-call-nobody)
                (cd "$scratch" && timeout -k 5 "$CASE_TIMEOUT" setpriv --reuid=nobody --regid=nogroup --clear-groups \
                        "$top_builddir/tests/test-daemon-call" "${argv[@]}") > "$OUT" 2>&1 ;;
        dbus-send)
                local address=${argv[0]}
                argv=("${argv[@]:1}")
                (cd "$scratch" && timeout -k 5 "$CASE_TIMEOUT" dbus-send --bus="$address" --print-reply \
                        --dest=org.kvmregs.Profile1 /org/kvmregs/Profile1 "${argv[@]}") > "$OUT" 2>&1 ;;
        busctl)
                (cd "$scratch" && timeout -k 5 "$CASE_TIMEOUT" busctl "${argv[@]}") > "$OUT" 2>&1 ;;
        *) case_fail "unknown program $program"; return ;;
        esac
        rc=$?
        left=$(find "$scratch" -mindepth 1 -maxdepth 1 -printf '%f ' | head -c 200)
        [ -z "$left" ] || case_fail "left files behind: $left"
        rm -rf "$scratch"
        if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then case_fail "timed out after ${CASE_TIMEOUT}s (a hang)"; return; fi
        if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: .*Sanitizer' "$OUT"; then
                case_fail "sanitizer report"; return
        fi
        [ "$rc" -ge 128 ] && { case_fail "killed by signal $((rc - 128))"; return; }
        case $expected in
        "exit "*)
                [ "$rc" = "${expected#exit }" ] || { case_fail "exit status $rc, expected ${expected#exit }"; return; } ;;
        *)
                # dbus-call prints "ERROR name: message"; dbus-send "Error name: message"; busctl the message only
                if [ "$program" != busctl ]; then
                        got=$(sed -n 's/^[Ee][Rr][Rr][Oo][Rr] \([^:]*\):.*/\1/p' "$OUT" | head -n 1)
                        [ "$got" = "$expected" ] || { case_fail "D-Bus error '${got:-none}' (exit $rc), expected $expected"; return; }
                elif [ "$rc" = 0 ]; then
                        case_fail "busctl succeeded, expected $expected"; return
                fi ;;
        esac
        grep -qF -- "$message" "$OUT" || { case_fail "message does not contain \"$message\""; return; }
        rm -f "$OUT"
}

# run_catalogue PROGRAM-REGEX ARGUMENT-REGEX: every case whose program matches, and whose arguments
# match the second (grep -E).
run_catalogue() {
        local prog_re=$1 args_re=$2 args_not_re=${3:-^$}
        while IFS=$'\t' read -r id category what input program arguments expected message; do
                case $id in '#'* | '') continue ;; esac
                [[ $program =~ $prog_re ]] || continue
                [[ $arguments =~ $args_re ]] || continue
                [[ $arguments =~ $args_not_re ]] && continue
                run_case
        done < "$CATALOGUE"
}
