#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# completion/kvmregsctl.bash: sourced into bash (plain, and with bash-completion loaded when
# it is installed), _kvmregsctl is called the way bash calls it (COMP_WORDS, COMP_CWORD) and
# COMPREPLY is checked: verbs, each verb's options, configuration names read from a profile
# with jq, files, option values. Its tables are also checked against kvmregsctl --help, so a
# new verb or option cannot be forgotten here.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${top_builddir:-$srcdir}
script=$srcdir/completion/kvmregsctl.bash
ctl=$builddir/kvmregsctl
data=$srcdir/tests/data

if ! command -v bash >/dev/null; then
        [ "${KVMREGS_REQUIRE_ALL:-0}" = 1 ] && { echo "FAIL: bash missing"; exit 1; }
        echo "SKIP: bash missing"; exit 77
fi
[ -x "$ctl" ] || { echo "FAIL: no $ctl (build first)"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/files/profiles" && : >"$tmp/files/a.json" && : >"$tmp/files/b.json"
cp "$data/6.12-max.json" "$tmp/files/max.json"

# One bash per mode; each case prints "CASE<TAB>reply reply ..." (sorted).
run_cases() {
        local preload=$1
        (cd "$tmp/files" && env -i HOME="$tmp" PATH="$PATH" LC_ALL=C bash --norc --noprofile -c '
                preload=$1 script=$2
                if [ -n "$preload" ]; then
                        . "$preload" || exit 1
                fi
                . "$script" || exit 1
                complete -p kvmregsctl >/dev/null || { echo "no completion registered"; exit 1; }
                comp() {   # comp NAME WORD... (the last word is the one being completed)
                        local name=$1; shift
                        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
                        COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
                        COMPREPLY=()
                        _kvmregsctl kvmregsctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
                        printf "%s\t%s\n" "$name" "$(printf "%s\n" "${COMPREPLY[@]}" | sed "s|\([^/]\)/\$|\1|" | sort | tr "\n" " " | sed "s/ \$//")"
                }
                comp verbs kvmregsctl ""
                comp verb-prefix kvmregsctl com
                comp verb-after-option kvmregsctl --json st
                comp compare-options kvmregsctl compare --
                comp migrate-l kvmregsctl migrate --l
                comp status-options kvmregsctl status --
                comp global-options kvmregsctl --
                comp config-from-profile kvmregsctl show max.json --config ""
                comp config-compare-prefix kvmregsctl compare max.json a.json --config a
                comp config-no-profile kvmregsctl profile --config ""
                comp config-equals kvmregsctl compare max.json a.json --config = p
                comp files kvmregsctl show ""
                comp files-prefix kvmregsctl compare a.json m
                comp dest-profile kvmregsctl check web1 --dest-profile a
                comp bus-address kvmregsctl --bus-address u
                comp status-no-args kvmregsctl status ""
                comp migrate-uri kvmregsctl migrate --live web1 q
                comp check-options kvmregsctl check --s
                comp record-file kvmregsctl check --domain-xml a.json --record m
        ' _ "$preload" "$script")
}

failed=0
check() {   # check OUTPUT CASE EXPECTED
        local got
        got=$(printf '%s\n' "$1" | sed -n "s/^$2	//p")
        if [ "$got" = "$3" ]; then
                echo "ok - $mode: $2"
        else
                echo "FAIL - $mode: $2: expected '$3', got '$got'"
                failed=1
        fi
}

expected_configs='base pmu sve ptrauth el1_32bit mte all all_vgic3'
if command -v jq >/dev/null; then
        # what the profile itself runs (mte is skipped in it)
        expected_profile_configs=$(jq -r '.configs[] | select(.skipped == null) | .name' "$data/6.12-max.json" | sort | tr '\n' ' ' | sed 's/ $//')
        case " $expected_profile_configs " in *" mte "*) echo "FAIL: test data changed: mte not skipped"; failed=1 ;; esac
else
        [ "${KVMREGS_REQUIRE_ALL:-0}" = 1 ] && { echo "FAIL: jq missing"; exit 1; }
        echo "# jq missing: configuration names are the built-in list"
        expected_profile_configs=$(echo $expected_configs | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')
fi
sorted() { printf '%s\n' "$@" | sort | tr '\n' ' ' | sed 's/ $//'; }

modes="plain"
bc=/usr/share/bash-completion/bash_completion
[ -r "$bc" ] && modes="plain bash-completion"
for mode in $modes; do
        preload=
        [ "$mode" = bash-completion ] && preload=$bc
        out=$(run_cases "$preload" 2>&1) || { echo "FAIL - $mode: bash failed: $out"; failed=1; continue; }
        check "$out" verbs "$(sorted show compare profile status check migrate fleet matrix groups whatif baseline collect export)"
        check "$out" verb-prefix "compare"
        check "$out" verb-after-option "status"
        check "$out" compare-options "$(sorted --bus-address --timeout --connect-timeout --json --verbose --help --version --config --dst-config --local)"
        check "$out" migrate-l "--live"
        check "$out" status-options "$(sorted --bus-address --timeout --connect-timeout --json --verbose --help --version)"
        check "$out" config-from-profile "$expected_profile_configs"
        check "$out" config-compare-prefix "$(sorted $(printf '%s\n' $expected_profile_configs | grep '^a'))"
        check "$out" config-no-profile "$(sorted $expected_configs)"
        check "$out" config-equals "$(sorted $(printf '%s\n' $expected_profile_configs | grep '^p'))"
        check "$out" files "$(sorted a.json b.json max.json profiles)"
        check "$out" files-prefix "max.json"
        check "$out" dest-profile "a.json"
        check "$out" bus-address "$(sorted unix:path= unix:abstract= unixexec:path=)"
        check "$out" status-no-args ""
        check "$out" migrate-uri "qemu+ssh://"
        check "$out" check-options "$(sorted --ssh-option --summary)"
        check "$out" record-file "max.json"
done

# The tables against the program: every verb and long option kvmregsctl --help names.
help=$("$ctl" --help) || { echo "FAIL: kvmregsctl --help"; exit 1; }
for opt in $(printf '%s\n' "$help" | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
        if grep -qE -- "(^|[ '\"])$opt([ '\"]|\$)" "$script"; then
                echo "ok - option $opt is completed"
        else
                echo "FAIL - option $opt (kvmregsctl --help) is not in $script"; failed=1
        fi
done
for verb in $(printf '%s\n' "$help" | sed -nE 's/^  ([a-z]+) .*/\1/p' | sort -u); do
        if grep -qE "compgen -W '([a-z ]+ )?$verb( [a-z ]+)?'" "$script"; then
                echo "ok - verb $verb is completed"
        else
                echo "FAIL - verb $verb (kvmregsctl --help) is not in $script"; failed=1
        fi
done
exit $failed
