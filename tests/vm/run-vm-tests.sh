#!/bin/sh
# The judge: boots Debian's real arm64 kernels under qemu-system-aarch64 (TCG, EL2 on,
# so KVM is real), and in each boot
#   1. probes /dev/kvm with daemon/probe.c and holds it against tests/data/<kernel>-<cpu>.json,
#   2. replays every recorded source profile into fresh vCPUs as QEMU's migration load
#      does (tests/vm/replay.c) and records what the kernel did,
#   3. on the host, holds lib/rules.h's prediction against what the kernel did
#      (tests/vm/replay-check.c), register by register.
# See docs/testing-on-real-kernels.md.
#
# Environment:
#   KVMREGS_REQUIRE_ALL=1   a missing prerequisite fails instead of skipping (exit 77)
#   KVMREGS_VM_MIRROR       Debian mirror for the downloads (default http://deb.debian.org)
#   KVMREGS_VM_CACHE        downloads (default /var/cache/kvmregs-vm, or ~/.cache/kvmregs-vm if not writable)
#   KVMREGS_VM_KERNELS      kernel series to boot (default "6.1 6.12 5.10 7.2"; fetch.sh also knows
#                           6.16 6.17 6.18 6.19 7.0 7.1, recorded in tests/data/replay, not booted by default)
#   KVMREGS_VM_CPUS         -cpu models for 6.1/6.12 (default "cortex-a57 cortex-a72 neoverse-n1 max")
#   KVMREGS_VM_BOOTS        the boots, overriding the two above: "KERNEL:CPU[:nvhe|vhe|protected[:mte]] ..."
#   KVMREGS_VM_TAG          appended to the CPU model in each boot's label ("7.2-max-qemu11-vhe"), for
#                           a model whose features depend on the emulating QEMU (max)
#   KVMREGS_VM_RECORD=1     write the replay results to tests/data/replay/ in the source tree
#   KVMREGS_VM_OUT          where boot logs and results go (default tests/vm/work in the build tree)
#   KVMREGS_VM_TIMEOUT      seconds per boot (default 300)
#   KVMREGS_VM_QEMU         the command that runs the emulating QEMU (default qemu-system-aarch64),
#                           e.g. "chroot /var/cache/kvmregs-sid/root qemu-system-aarch64" for sid's
#                           QEMU 11 and its newer CPU models (the cache and output folders must then
#                           be bind-mounted at the same paths inside; docs/testing-on-real-kernels.md)
# Exit status: 0 all agree, 1 a disagreement or a failed step, 77 skipped.
set -u

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$(pwd)}
require_all=${KVMREGS_REQUIRE_ALL:-0}

skip() {
        if [ "$require_all" = 1 ]; then
                echo "FAIL (KVMREGS_REQUIRE_ALL=1): $*" >&2
                exit 1
        fi
        echo "SKIP: $*" >&2
        exit 77
}
fail() {
        echo "FAIL: $*" >&2
        exit 1
}

checker=${KVMREGS_REPLAY_CHECK:-$builddir/tests/vm/replay-check}
[ -x "$checker" ] || fail "$checker is not built (make tests/vm/replay-check)"

vm_qemu=${KVMREGS_VM_QEMU:-qemu-system-aarch64}
for tool in ${vm_qemu%% *} aarch64-linux-gnu-gcc cpio gzip dpkg-deb apt-get apt-cache timeout; do
        command -v "$tool" >/dev/null 2>&1 || skip "$tool not installed (tests/vm/install-deps.sh installs it)"
done
[ -f /usr/aarch64-linux-gnu/include/linux/kvm.h ] || skip "linux-libc-dev-arm64-cross not installed"

cache=${KVMREGS_VM_CACHE:-/var/cache/kvmregs-vm}
if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
        cache=${XDG_CACHE_HOME:-$HOME/.cache}/kvmregs-vm
        mkdir -p "$cache" || skip "no writable cache directory"
fi
kernels=${KVMREGS_VM_KERNELS:-6.1 6.12 5.10 7.2}
cpus=${KVMREGS_VM_CPUS:-cortex-a57 cortex-a72 neoverse-n1 max}
out=${KVMREGS_VM_OUT:-$builddir/tests/vm/work}
boot_timeout=${KVMREGS_VM_TIMEOUT:-300}
mkdir -p "$out" || fail "cannot create $out"

# shellcheck disable=SC2086
sh "$srcdir/tests/vm/fetch.sh" "$cache" $kernels || skip "cannot download the arm64 kernels and tools (network?)"

# The programs that run inside the guest kernels: static aarch64 binaries.
root=$cache/arm64-root
CROSS_CFLAGS="-static -O2 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Wmissing-prototypes -Wshadow -Wformat=2 -Wstrict-prototypes -I$root/usr/include -I$srcdir/lib -I$srcdir/daemon"
JSONC_A=$root/usr/lib/aarch64-linux-gnu/libjson-c.a
bin=$out/bin
mkdir -p "$bin"
# shellcheck disable=SC2086
aarch64-linux-gnu-gcc $CROSS_CFLAGS -o "$bin/kvmregs-replay" "$srcdir/tests/vm/replay.c" "$JSONC_A" \
        >"$out/build-replay.log" 2>&1 || fail "cross-compiling the replay program failed, see $out/build-replay.log"
# The probe: daemon/probe.c and the core library, as the daemon uses them.
# shellcheck disable=SC2086
aarch64-linux-gnu-gcc $CROSS_CFLAGS -o "$bin/kvmregs-probe" \
        "$srcdir/tests/vm/probe-main.c" "$srcdir/daemon/probe.c" \
        "$srcdir"/lib/json-doc.c "$srcdir"/lib/fileio.c "$srcdir"/lib/profile*.c "$srcdir/lib/regnames.c" "$srcdir/lib/sha256.c" "$srcdir/lib/idregs.c" "$srcdir/lib/qemu.c" "$JSONC_A" \
        >"$out/build-probe.log" 2>&1 || fail "cross-compiling the probe failed, see $out/build-probe.log"
# shellcheck disable=SC2086
aarch64-linux-gnu-gcc $CROSS_CFLAGS -I"$srcdir/tests" -DABS_TOP_SRCDIR='"/"' -o "$bin/kvmregs-test-probe" \
        "$srcdir/tests/vm/test-probe.c" "$srcdir/daemon/probe.c" \
        "$srcdir"/lib/json-doc.c "$srcdir"/lib/fileio.c "$srcdir"/lib/profile*.c "$srcdir/lib/regnames.c" "$srcdir/lib/sha256.c" "$srcdir/lib/idregs.c" "$srcdir/lib/qemu.c" "$JSONC_A" \
        >"$out/build-test-probe.log" 2>&1 || fail "cross-compiling test-probe failed, see $out/build-test-probe.log"

# One initramfs for every boot: busybox, the programs, the recorded profiles.
initrd=$out/initrd.gz
stage=$out/initramfs
rm -rf "$stage" && mkdir -p "$stage/bin" "$stage/profiles" "$stage/proc" "$stage/sys" "$stage/dev"
cp "$root/bin/busybox" "$stage/bin/busybox"
cp "$bin"/kvmregs-* "$stage/bin/"
# Sources: the shared recordings, and the hosts as these tests probed them (which adds
# hosts without a shared recording and, for all, the feature mixes the recordings predate).
cp "$srcdir"/tests/data/*.json "$stage/profiles/"
for f in "$srcdir"/tests/data/replay/*.profile.json; do
        [ -f "$f" ] && cp "$f" "$stage/profiles/$(basename "$f" .profile.json).json"
done
cp "$srcdir/tests/vm/init" "$stage/init"
chmod 755 "$stage/init"
(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1 > "$initrd") || fail "cannot build the initramfs"

# Boots: KERNEL:CPU[:MODE[:mte]]. MODE is nvhe (the recordings'), vhe or protected.
# The recorded kernel/CPU pairs first, then hosts without a recording, whose own
# fresh probe serves as the destination profile (other CPU models, VHE, MTE).
default_boots() {
        for k in $kernels; do
                case $k in
                5.10) echo "5.10:cortex-a72" ;;
                7.2)  echo "7.2:cortex-a72 7.2:max" ;;
                *)    for c in $cpus; do echo "$k:$c"; done ;;
                esac
        done
        case " $kernels " in
        *" 6.12 "*) echo "6.12:cortex-a53 6.12:cortex-a76 6.12:a64fx 6.12:max:vhe 6.12:neoverse-n1:vhe 6.12:max:nvhe:mte 6.12:cortex-a72:protected" ;;
        esac
        case " $kernels " in *" 6.1 "*) echo "6.1:a64fx" ;; esac
        # 5.10 ignores kvm-arm.mode and takes VHE where the CPU has it.
        case " $kernels " in *" 5.10 "*) echo "5.10:max:vhe" ;; esac
        case " $kernels " in *" 7.2 "*) echo "7.2:neoverse-n1 7.2:max:vhe" ;; esac
}
boot_specs=${KVMREGS_VM_BOOTS:-$(default_boots)}

# Cuts the text between "@@KVMREGS-<what>-BEGIN@@" and "@@KVMREGS-<what>-END...@@" out of a console log.
cut_out() {
        tr -d '\r' < "$1" | sed -n "/^@@KVMREGS-$2-BEGIN@@\$/,/^@@KVMREGS-$2-END/p" | sed '1d;$d'
}

status=0
boots=0
summary=$out/summary.txt
: > "$summary"
for spec in $boot_specs; do
        IFS=: read -r k cpu mode mte <<SPEC
$spec
SPEC
        mode=${mode:-nvhe}
        image=$cache/kernels/$k/Image
        [ -f "$image" ] || { echo "FAIL: no kernel image for $k" >&2; status=1; continue; }
        label=$k-$cpu${KVMREGS_VM_TAG:+-$KVMREGS_VM_TAG}
        [ "$mode" = nvhe ] || label=$label-$mode
        machine=virt,virtualization=on,gic-version=3
        if [ "$mte" = mte ]; then
                label=$label-mte
                machine=$machine,mte=on
        fi
        # 5.10 ignores kvm-arm.mode; VHE is the default where the CPU has it, so say nothing then.
        mode_arg=
        [ "$mode" = vhe ] || mode_arg="kvm-arm.mode=$mode"
        log=$out/$label.console
        start=$(date +%s.%N)
        # shellcheck disable=SC2086
        timeout "$boot_timeout" $vm_qemu -M "$machine" -cpu "$cpu" \
                -smp 1 -m 1024 -nodefaults -display none -monitor none -serial "file:$log" -no-reboot \
                -kernel "$image" -initrd "$initrd" \
                -append "console=ttyAMA0 panic=-1 quiet loglevel=1 $mode_arg kvmregs.label=$label" \
                </dev/null >"$out/$label.qemu.log" 2>&1
        rc=$?
        end=$(date +%s.%N)
        secs=$(awk "BEGIN { printf \"%.1f\", $end - $start }")
        boots=$((boots + 1))
        echo "boot $label: ${secs}s (qemu exit $rc)" | tee -a "$summary"
        if [ $rc -ne 0 ]; then
                echo "FAIL: boot $label: qemu exit $rc (timeout $boot_timeout s?), see $log" >&2
                status=1
                continue
        fi
        cut_out "$log" DMESG > "$out/$label.dmesg"
        if ! grep -q "^@@KVMREGS-TESTPROBE-END rc=0@@" "$log"; then
                cut_out "$log" TESTPROBE | sed "s/^/$label: /" >&2
                echo "FAIL: $label: test-probe failed inside the kernel, see $log" >&2
                status=1
        fi
        grep -h "mode initialized" "$out/$label.dmesg" | sed "s/^/$label: /" | tee -a "$summary"

        # The destination profile is this boot's own probe: once it matches the recording
        # (where there is one) it is the same, plus the feature mixes the recordings predate.
        recorded=$srcdir/tests/data/$label.json
        dest_profile=$out/$label.probe.json
        cut_out "$log" PROBE > "$out/$label.probe.json"
        if ! grep -q "^@@KVMREGS-PROBE-END rc=0@@" "$log"; then
                echo "FAIL: $label: the probe failed, see $log" >&2
                status=1
                dest_profile=
                [ -f "$recorded" ] && dest_profile=$recorded
        elif [ ! -f "$recorded" ]; then
                echo "note: $label: no recording to hold the probe against" | tee -a "$summary"
        else
                "$checker" probe "$out/$label.probe.json" "$recorded" > "$out/$label.probe-check.txt" 2>&1
                rc=$?
                grep -v "reset value (drift)" "$out/$label.probe-check.txt" | tee -a "$summary"
                [ $rc -eq 0 ] || { echo "FAIL: $label: fresh probe differs from tests/data/$label.json" >&2; status=1; }
        fi

        cut_out "$log" REPLAY > "$out/$label.replay.json"
        if ! grep -q "^@@KVMREGS-REPLAY-END rc=0@@" "$log" || [ ! -s "$out/$label.replay.json" ]; then
                echo "FAIL: $label: the replay program did not finish, see $log" >&2
                status=1
                continue
        fi
        if [ "${KVMREGS_VM_RECORD:-0}" = 1 ]; then
                mkdir -p "$srcdir/tests/data/replay"
                cp "$out/$label.replay.json" "$srcdir/tests/data/replay/$label.json"
                cp "$out/$label.probe.json" "$srcdir/tests/data/replay/$label.profile.json"
        fi
        [ -n "$dest_profile" ] || continue
        "$checker" replay "$out/$label.replay.json" "$srcdir/tests/data" "$dest_profile" \
                > "$out/$label.replay-check.txt" 2>&1
        rc=$?
        grep -c "^DISAGREE" "$out/$label.replay-check.txt" | sed "s/^/$label: disagreements: /" | tee -a "$summary"
        grep "^replay " "$out/$label.replay-check.txt" | tee -a "$summary"
        [ $rc -eq 0 ] || { echo "FAIL: $label: rules disagree with the kernel, see $out/$label.replay-check.txt" >&2; status=1; }
done
echo "boots: $boots" | tee -a "$summary"
exit $status
