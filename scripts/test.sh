#!/bin/bash
# The test command: installs what the tests need (as root, Debian 12), builds, and runs
# every test: unit tests, the daemon on a private bus, the probe and replay on real
# arm64 kernels (qemu-system-aarch64 with EL2), real libvirtd migrations; then the
# unit tests again under ASan/UBSan, make distcheck, and the benchmarks (figures only).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export KVMREGS_REQUIRE_ALL=${KVMREGS_REQUIRE_ALL:-1}
jobs=$(nproc 2>/dev/null || echo 2)
start=$(date +%s)
step() { printf '\n=== %s (+%ss)\n' "$*" "$(( $(date +%s) - start ))"; }
failed=0

step "installing packages"
scripts/install-build-deps.sh || exit 1
for s in tests/vm/install-deps.sh tests/libvirt/install-deps.sh tests/packages/install-deps.sh; do
        [ -x "$s" ] && { "$s" || exit 1; }
done

step "building"
./autogen.sh >/dev/null 2>&1 || { echo "autogen.sh failed"; ./autogen.sh; exit 1; }
rm -rf build && mkdir build && cd build
../configure -q || exit 1
make -j"$jobs" >/dev/null || { make 2>&1 | tail -40; exit 1; }
# -Wall -Wextra clean: a rebuild that prints warnings fails the run
make clean >/dev/null
if make -j"$jobs" all-programs 2>&1 | grep -E 'warning:'; then
        echo "compiler warnings (see above)"; failed=1
fi

step "make check"
make -j1 check || failed=1
unit_tests=$(make -s print-unit-tests 2>/dev/null)
package_tests=$(make -s print-package-tests 2>/dev/null)
summary_logs="$top/build/test-suite.log"
cd "$top"

step "unit tests under ASan/UBSan"
rm -rf build-asan && mkdir build-asan && cd build-asan
../configure -q --enable-sanitizers || exit 1
make -j"$jobs" >/dev/null 2>&1 || { make 2>&1 | tail -40; exit 1; }
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        make -j"$jobs" check TESTS="$unit_tests" || failed=1
summary_logs="$summary_logs $top/build-asan/test-suite.log"
cd "$top"

step "fuzzing: every harness 20 s under ASan/UBSan (tests/fuzz/build-and-run.sh)"
# A short bounded run that fails on any finding; the long runs are in docs/fuzzing.md.
FUZZ_BUILD_DIR="$top/build" FUZZ_SECONDS=20 tests/fuzz/build-and-run.sh || failed=1
cd "$top"

step "make distcheck (unit tests)"
cd build && make -j"$jobs" distcheck TESTS="$package_tests" >distcheck.log 2>&1 || { tail -60 distcheck.log; failed=1; }
grep -A1 'archives ready' distcheck.log
cd "$top"

step "benchmarks (figures, not tests)"
if [ -d bench ]; then
        (cd build && make -s bench 2>&1) || echo "a benchmark failed to run"
fi

step "summary"
pass=0; fail=0; skip=0
for log in $summary_logs; do
        [ -f "$log" ] || continue
        p=$(sed -n 's/^# PASS: *//p' "$log" | head -1); f=$(sed -n 's/^# FAIL: *//p' "$log" | head -1)
        e=$(sed -n 's/^# ERROR: *//p' "$log" | head -1); x=$(sed -n 's/^# XPASS: *//p' "$log" | head -1)
        s=$(sed -n 's/^# SKIP: *//p' "$log" | head -1)
        pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0} + ${e:-0} + ${x:-0})); skip=$((skip + ${s:-0}))
done
[ "$failed" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
echo "elapsed $(( $(date +%s) - start ))s"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
