#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the libFuzzer harnesses with clang (fuzzer + ASan + UBSan) straight from the sources,
# makes seeds from the real profiles, and runs each harness for a bounded time on one core.
#
# Usage: tests/fuzz/build-and-run.sh [-t SECONDS] [-n RUNS] [-m] [-b] [HARNESS...]
#   HARNESS   profile, compare, domxml, report, regid, record (default: all six, one after the other)
#   -t        seconds per harness (default: $FUZZ_SECONDS or 300)
#   -n        executions per harness instead (e.g. 10000000), however long that takes
#   -m        afterwards, merge what was found into the committed corpus (tests/fuzz/corpus/HARNESS),
#             keeping only inputs under $FUZZ_KEEP_MAX bytes (default 4096) that add coverage
#   -b        build only
# Environment: FUZZ_BUILD_DIR (default: build-fuzz at the top of the tree; configured if needed),
#   CC (default: clang), FUZZ_MAX_LEN (largest input tried; default per harness: 8 KiB for the
#   documents, whose seeds are records trimmed to a few registers, 96 bytes for regid; smaller is
#   faster; longer corpus inputs are cut to it), FUZZ_TIMEOUT (seconds one input may take, wall
#   clock, before it counts as a hang; default 10: raise it when the run shares a busy machine).
# Needs: clang and libclang-rt-14-dev (Debian 12), json-c and libxml2 development files.
# Exit status: 0 when no harness found a crash, 1 when one did (artifacts are named at the end),
#   2 on a usage or build error.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$top/build-fuzz}
seconds=${FUZZ_SECONDS:-300}
runs=
merge=false
build_only=false
cc=${CC:-clang}

while getopts "t:n:mb" opt; do
        case $opt in
        t) seconds=$OPTARG ;;
        n) runs=$OPTARG ;;
        m) merge=true ;;
        b) build_only=true ;;
        *) echo "usage: $0 [-t SECONDS] [-n RUNS] [-m] [-b] [HARNESS...]" >&2; exit 2 ;;
        esac
done
shift $((OPTIND - 1))
harnesses=("$@")
all=(profile compare domxml report regid record)
[ ${#harnesses[@]} -gt 0 ] || harnesses=("${all[@]}")
for h in "${harnesses[@]}"; do
        case $h in profile|compare|domxml|report|regid|record) ;; *) echo "unknown harness: $h" >&2; exit 2 ;; esac
done

command -v "$cc" >/dev/null || { echo "$cc not found: apt-get install clang libclang-rt-14-dev" >&2; exit 2; }

# config.h comes from configure; the fuzz build needs nothing else of it.
if [ ! -f "$build/config.h" ]; then
        mkdir -p "$build"
        (cd "$build" && "$top/configure" -q) || { echo "configure failed" >&2; exit 2; }
fi

out=$build/fuzz
mkdir -p "$out/obj"
deps="json-c libxml-2.0"
# shellcheck disable=SC2086
pkg_cflags=$(pkg-config --cflags $deps)
# shellcheck disable=SC2086
pkg_libs=$(pkg-config --libs $deps)
common=(-g -O1 -std=gnu11 -Wall -Wextra -Wno-unused-parameter -fno-omit-frame-pointer
        -I"$top/lib" -I"$top/libvirt" -include "$build/config.h" -DABS_TOP_SRCDIR="\"$top\"")
sanitize=(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize-recover=pointer-overflow)
# The whole core (every lib/*.c, so that a new file of it needs no edit here) and the domain XML.
sources=()
for s in "$top"/lib/*.c; do sources+=("lib/$(basename "$s")"); done
sources+=(libvirt/domxml.c)

# the objects, $FUZZ_JOBS (default: the number of CPUs) at a time
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
objs=()
pids=()
for s in "${sources[@]}"; do
        o=$out/obj/$(basename "${s%.c}").o
        # shellcheck disable=SC2086
        nice -n 5 "$cc" "${common[@]}" "${sanitize[@]}" -fsanitize=fuzzer-no-link $pkg_cflags -c "$top/$s" -o "$o" &
        pids+=($!)
        objs+=("$o")
        if [ ${#pids[@]} -ge "$jobs" ]; then
                wait "${pids[0]}" || { echo "build of an object failed" >&2; exit 2; }
                pids=("${pids[@]:1}")
        fi
done
for p in "${pids[@]}"; do wait "$p" || { echo "build of an object failed" >&2; exit 2; }; done
for h in "${all[@]}"; do
        # shellcheck disable=SC2086
        "$cc" "${common[@]}" "${sanitize[@]}" -fsanitize=fuzzer $pkg_cflags \
                "$top/tests/fuzz/fuzz-$h.c" "${objs[@]}" $pkg_libs -pthread -o "$out/fuzz-$h" ||
                { echo "build of fuzz-$h failed" >&2; exit 2; }
        # the replay as make check runs it (no known bug skipped), for -m to check what it keeps
        $merge || continue
        # shellcheck disable=SC2086
        "$cc" "${common[@]}" "${sanitize[@]}" -DFUZZ_HARNESS="\"$h\"" $pkg_cflags \
                "$top/tests/fuzz/replay-corpus.c" "$top/tests/fuzz/fuzz-$h.c" "${sources[@]/#/$top/}" $pkg_libs \
                -o "$out/replay-$h" || { echo "build of replay-$h failed" >&2; exit 2; }
done
# the seed maker runs under the sanitizers too
# shellcheck disable=SC2086
"$cc" "${common[@]}" "${sanitize[@]}" $pkg_cflags "$top/tests/fuzz/make-seeds.c" \
        "${objs[@]}" $pkg_libs -o "$out/make-seeds" || { echo "build of make-seeds failed" >&2; exit 2; }
echo "built: $out/fuzz-{profile,compare,domxml,report,regid,record}"
$build_only && exit 0

rm -rf "$out/seeds"
"$out/make-seeds" "$out/seeds" "$top"/tests/data/*.json -- "$top"/tests/data/domains/*.xml

keep_max=${FUZZ_KEEP_MAX:-4096}
declare -A max_len=([profile]=8192 [compare]=8192 [domxml]=8192 [report]=8192 [regid]=96 [record]=8192)
declare -A inputs=(
        [profile]="$top/tests/fuzz/corpus/profile $top/tests/fuzz/crashes/profile $out/seeds/profile $top/tests/data $top/tests/data/bad"
        [compare]="$top/tests/fuzz/corpus/compare $top/tests/fuzz/crashes/compare $out/seeds/compare"
        [domxml]="$top/tests/fuzz/corpus/domxml $top/tests/fuzz/crashes/domxml $out/seeds/domxml $top/tests/data/domains"
        [report]="$top/tests/fuzz/corpus/report $top/tests/fuzz/crashes/report $out/seeds/report"
        [regid]="$top/tests/fuzz/corpus/regid $top/tests/fuzz/crashes/regid $out/seeds/regid"
        [record]="$top/tests/fuzz/corpus/record $top/tests/fuzz/crashes/record $out/seeds/profile"
)
# the record is a profile document: the same words, and the profile seeds (records) are its seeds
declare -A dicts=([record]=profile) seed_dir=([record]=profile)
# pointer-overflow is recoverable (see sanitize above) only so that it can be suppressed for
# known findings; halt_on_error makes every other report stop the run as before.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$top/tests/fuzz/ubsan.supp"
# No allocation and free stacks in ASan's reports: recording them costs a third of the time of
# each execution; a crash found is rerun with its replay program for the whole story.
export ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=0}
status=0
for h in "${harnesses[@]}"; do
        work=$out/corpus-$h
        artifacts=$out/artifacts-$h
        mkdir -p "$work" "$artifacts"
        dirs=()
        for d in ${inputs[$h]}; do [ -d "$d" ] && dirs+=("$d"); done
        dict=()
        d=${dicts[$h]:-$h}
        [ -f "$top/tests/fuzz/$d.dict" ] && dict=(-dict="$top/tests/fuzz/$d.dict")
        if [ -n "$runs" ]; then
                limit=(-runs="$runs")
                echo "--- fuzz-$h for $runs executions"
        else
                limit=(-max_total_time="$seconds")
                echo "--- fuzz-$h for ${seconds}s"
        fi
        # One process on one core, niced: the machine is shared. Leaks are found by the replay
        # under ASan; here they would stop the run at the first one.
        set +e
        nice -n 10 "$out/fuzz-$h" "${limit[@]}" -max_len="${FUZZ_MAX_LEN:-${max_len[$h]}}" -timeout="${FUZZ_TIMEOUT:-10}" \
                -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" \
                "$work" "${dirs[@]}" >"$out/fuzz-$h.log" 2>&1
        rc=$?
        set -e
        grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
                "$out/fuzz-$h.log" || true
        # the last line with the coverage (cov: edges, ft: features) and the corpus size
        grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE)' "$out/fuzz-$h.log" | tail -n 1 || true
        if [ $rc -ne 0 ]; then
                echo "fuzz-$h: exit $rc, crash or invariant failure; see $out/fuzz-$h.log and:"
                ls "$artifacts"
                status=1
        fi
        if $merge && [ $rc -eq 0 ]; then
                # Only small inputs are kept in git (the committed corpora stay well under 1 MB
                # together); of those, only the ones that add coverage to what is kept already.
                keep=$top/tests/fuzz/corpus/$h
                small=$out/small-$h
                rm -rf "$small"
                mkdir -p "$keep" "$small"
                find "$work" "$out/seeds/${seed_dir[$h]:-$h}" -type f -size -"$keep_max"c -exec cp -t "$small" {} +
                nice -n 10 "$out/fuzz-$h" -merge=1 -max_len="$keep_max" "$keep" "$small" \
                        >"$out/merge-$h.log" 2>&1
                # An input that hits a known bug (skipped by the fuzzer) would fail make check:
                # known/ has its reproducer already.
                for f in "$keep"/*; do
                        "$out/replay-$h" "$f" >/dev/null 2>&1 || { echo "not kept (known bug): $f"; rm -f "$f"; }
                done
                echo "merged into $keep: $(find "$keep" -type f | wc -l) files, $(du -sh "$keep" | cut -f1)"
        fi
done
exit $status
