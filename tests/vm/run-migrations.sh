#!/bin/sh
# The migration lab: real QEMU save/load migrations of a paused `-cpu host` guest between
# Debian's real arm64 kernels, each booted under qemu-system-aarch64 (TCG, EL2 on, so
# /dev/kvm inside is real), with Debian's own arm64 QEMU as the VMM inside them:
# bookworm's 7.2 and sid's 11.x. Per (QEMU, CPU model) it boots each kernel once to
# probe its profile, load every stream saved so far and save its own, then boots the
# earlier kernels again to load the streams saved after them: every ordered kernel pair,
# both directions, 2n-1 boots for n kernels. See docs/migration-lab.md.
#
# Environment:
#   KVMREGS_REQUIRE_ALL=1   a missing prerequisite fails instead of skipping (exit 77)
#   KVMREGS_VM_CACHE        downloads (default /var/cache/kvmregs-vm, or ~/.cache/kvmregs-vm)
#   KVMREGS_MIG_QEMUS       QEMU versions inside the kernels (default "7.2 11.1": bookworm, sid)
#   KVMREGS_MIG_KERNELS     kernel series (default "5.10 6.1 6.12 7.2")
#   KVMREGS_MIG_CPUS        -cpu models of the emulated host (default "cortex-a72 cortex-a57")
#   KVMREGS_MIG_HOSTS       the hosts, overriding the two above: "KERNEL:CPU[:vhe] ..." (default
#                           every kernel with every CPU model, nVHE); every host's stream is loaded
#                           on every other host
#   KVMREGS_MIG_OUT         boot logs, streams and results (default tests/vm/mig-work in the build tree)
#   KVMREGS_MIG_RECORD=1    write the results to tests/data/migrations/ in the source tree
#   KVMREGS_MIG_CHECK=1     hold the rules against the fresh results (check-migrations.sh)
#   KVMREGS_VM_TIMEOUT      seconds per boot (default 900)
#   KVMREGS_VM_TAG          appended to the CPU model in every host's label ("7.2-max-qemu11-vhe"), for
#                           a model whose features depend on the emulating QEMU (max), as run-vm-tests.sh
#   KVMREGS_VM_QEMU         the command that runs the emulating QEMU (default qemu-system-aarch64),
#                           e.g. "chroot /var/cache/kvmregs-sid/root qemu-system-aarch64" for sid's
#                           QEMU 11 and its newer CPU models (neoverse-n2: SVE2, pointer auth, NV); the
#                           cache and KVMREGS_MIG_OUT must then be bind-mounted at the same paths inside
# Exit status: 0 done (and, with KVMREGS_MIG_CHECK=1, the rules agree), 1 a failed step, 77 skipped.
set -u

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$(pwd)}
require_all=${KVMREGS_REQUIRE_ALL:-0}
skip() {
        [ "$require_all" = 1 ] && { echo "FAIL (KVMREGS_REQUIRE_ALL=1): $*" >&2; exit 1; }
        echo "SKIP: $*" >&2
        exit 77
}
fail() { echo "FAIL: $*" >&2; exit 1; }

vm_qemu=${KVMREGS_VM_QEMU:-qemu-system-aarch64}
for tool in ${vm_qemu%% *} aarch64-linux-gnu-gcc aarch64-linux-gnu-readelf cpio gzip base64 dpkg-deb apt-get apt-cache timeout python3; do
        command -v "$tool" >/dev/null 2>&1 || skip "$tool not installed (tests/vm/install-deps.sh installs it)"
done
cache=${KVMREGS_VM_CACHE:-/var/cache/kvmregs-vm}
if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
        cache=${XDG_CACHE_HOME:-$HOME/.cache}/kvmregs-vm
        mkdir -p "$cache" || skip "no writable cache directory"
fi
qemus=${KVMREGS_MIG_QEMUS:-7.2 11.1}
kernels=${KVMREGS_MIG_KERNELS:-5.10 6.1 6.12 7.2}
cpus=${KVMREGS_MIG_CPUS:-cortex-a72 cortex-a57}
hosts=${KVMREGS_MIG_HOSTS:-$(for c in $cpus; do for k in $kernels; do echo "$k:$c"; done; done)}
kernels=$(for h in $hosts; do echo "${h%%:*}"; done | sort -u)
out=${KVMREGS_MIG_OUT:-$builddir/tests/vm/mig-work}
boot_timeout=${KVMREGS_VM_TIMEOUT:-900}
mkdir -p "$out" || fail "cannot create $out"
out=$(cd "$out" && pwd)

# fetch.sh makes the apt trees; sid's comes with kernel 7.2, and QEMU 11 comes from sid.
# shellcheck disable=SC2086
sh "$srcdir/tests/vm/fetch.sh" "$cache" $kernels 7.2 || skip "cannot download the arm64 kernels and tools (network?)"
suite_of() { case $1 in 7.2) echo bookworm ;; 11.1) echo sid ;; *) return 1 ;; esac; }
for q in $qemus; do
        s=$(suite_of "$q") || fail "unknown QEMU $q (7.2 or 11.1)"
        sh "$srcdir/tests/vm/fetch-qemu.sh" "$cache" "$s" || skip "cannot download Debian $s's arm64 QEMU"
        v=$(cat "$cache/qemu-$s/root/version")
        case $v in *:$q.*|*:$q+*|$q.*) ;; *) fail "Debian $s's qemu-system-arm is $v, not QEMU $q" ;; esac
done

# The probe (daemon/probe.c with the core library), as run-vm-tests.sh builds it.
root=$cache/arm64-root
CROSS_CFLAGS="-static -O2 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -I$root/usr/include -I$srcdir/lib -I$srcdir/daemon"
mkdir -p "$out/bin"
# shellcheck disable=SC2086
aarch64-linux-gnu-gcc $CROSS_CFLAGS -o "$out/bin/kvmregs-probe" \
        "$srcdir/tests/vm/probe-main.c" "$srcdir/daemon/probe.c" \
        "$srcdir"/lib/json-doc.c "$srcdir"/lib/fileio.c "$srcdir"/lib/profile*.c "$srcdir/lib/regnames.c" \
        "$srcdir/lib/sha256.c" "$srcdir/lib/idregs.c" "$srcdir/lib/qemu.c" "$root/usr/lib/aarch64-linux-gnu/libjson-c.a" \
        >"$out/build-probe.log" 2>&1 || fail "cross-compiling the probe failed, see $out/build-probe.log"

cut_out() {  # console marker → the lines between its BEGIN and END markers
        tr -d '\r' < "$1" | sed -n "/^@@KVMREGS-$2-BEGIN@@\$/,/^@@KVMREGS-$2-END/p" | sed '1d;$d'
}

status=0
boots=0
rm -rf "$out/data"
summary=$out/summary.txt
: > "$summary"
for q in $qemus; do
        s=$(suite_of "$q")
        qroot=$cache/qemu-$s/root
        case $q in
        7.2) machine=virt-7.2,gic-version=3 trace= ;;
        *)   machine=virt,gic-version=3 trace="cpu_post_load tolerate_cpreg_*" ;;
        esac
        # The base initramfs: busybox, the probe, QEMU with its loader and libraries.
        stage=$out/$q/initramfs
        rm -rf "${out:?}/$q" && mkdir -p "$stage/bin" "$stage/lib" "$stage/qemu/bin" "$stage/states" "$stage/proc" "$stage/sys" "$stage/dev"
        cp "$root/bin/busybox" "$out/bin/kvmregs-probe" "$stage/bin/"
        cp "$qroot/bin/qemu-system-aarch64" "$stage/qemu/bin/"
        cp -r "$qroot/lib" "$stage/qemu/lib"
        ln -s /qemu/lib/ld-linux-aarch64.so.1 "$stage/lib/ld-linux-aarch64.so.1"
        cp "$srcdir/tests/vm/migrate-init" "$stage/init" && chmod 755 "$stage/init"
        (cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1 > "$out/$q/base.gz") || fail "cannot build the initramfs"
        mkdir -p "$out/$q/states" "$out/$q/loads"
        # Pass 1 saves and loads what is there; pass 2 loads what came later.
        plan=
        for h in $hosts; do plan="$plan 1:$h"; done
        last=${hosts##* }
        for h in $hosts; do [ "$h" = "$last" ] || plan="$plan 2:$h"; done
        for step in $plan; do
                IFS=: read -r pass k cpu mode <<STEP
$step
STEP
                label=$k-$cpu${KVMREGS_VM_TAG:+-$KVMREGS_VM_TAG}
                mode_arg="kvm-arm.mode=nvhe"
                if [ "$mode" = vhe ]; then label=$label-vhe; mode_arg=; fi
                boot=$out/$q/boot-$label-$pass
                rm -rf "$boot" && mkdir -p "$boot/states"
                for f in "$out/$q/states/"*.mig.gz; do
                        [ -f "$f" ] || continue
                        src=$(basename "$f" .mig.gz)
                        [ "$src" != "$label" ] || continue
                        [ -f "$out/$q/loads/$src--$label.log" ] && continue
                        cp "$f" "$boot/states/"
                done
                save=0
                [ "$pass" = 1 ] && save=1
                [ "$pass" = 2 ] && [ -z "$(ls "$boot/states")" ] && continue
                printf 'label=%s\nmachine=%s\ntrace="%s"\nsave=%s\n' "$label" "$machine" "$trace" "$save" > "$boot/lab.conf"
                (cd "$boot" && { echo lab.conf; find states; } | cpio -o -H newc --quiet | gzip -1 > "$boot/extra.gz")
                cat "$out/$q/base.gz" "$boot/extra.gz" > "$boot/initrd.gz"
                log=$boot/console
                start=$(date +%s)
                # shellcheck disable=SC2086
                timeout "$boot_timeout" $vm_qemu -M virt,virtualization=on,gic-version=3 -cpu "$cpu" \
                        -smp 1 -m 3072 -nodefaults -display none -monitor none -serial "file:$log" -no-reboot \
                        -kernel "$cache/kernels/$k/Image" -initrd "$boot/initrd.gz" \
                        -append "console=ttyAMA0 panic=-1 quiet loglevel=1 $mode_arg" \
                        </dev/null >"$boot/qemu.log" 2>&1
                rc=$?
                secs=$(( $(date +%s) - start ))
                boots=$((boots + 1))
                nloads=$(grep -c '^@@KVMREGS-LOAD-END' "$log")
                echo "qemu $q boot $label pass $pass: ${secs}s, $nloads loads (exit $rc)" | tee -a "$summary"
                [ $rc -eq 0 ] || { echo "FAIL: boot $label: exit $rc, see $log" >&2; status=1; continue; }
                if [ "$pass" = 1 ]; then
                        cut_out "$log" PROBE > "$out/$q/$label.profile.json"
                        grep -q "^@@KVMREGS-PROBE-END rc=0@@" "$log" || { echo "FAIL: $label: probe failed" >&2; status=1; }
                        cut_out "$log" SAVE-LOG > "$out/$q/states/$label.save.log"
                        if grep -q "^@@KVMREGS-SAVE-END rc=0" "$log"; then
                                cut_out "$log" SAVE | base64 -d > "$out/$q/states/$label.mig.gz" ||
                                        { echo "FAIL: $label: bad stream on the console" >&2; status=1; }
                        else
                                echo "FAIL: $label: QEMU $q could not save, see $log" >&2
                                status=1
                        fi
                fi
                # One file per load: the messages, then the outcome line.
                tr -d '\r' < "$log" | awk -v dir="$out/$q/loads" -v dst="$label" '
                        /^@@KVMREGS-LOAD-BEGIN src=/ { src = $0; sub(/^@@KVMREGS-LOAD-BEGIN src=/, "", src); sub(/@@$/, "", src)
                                                       f = dir "/" src "--" dst ".log"; printf "" > f; next }
                        /^@@KVMREGS-LOAD-END/ { print > f; close(f); f = ""; next }
                        f != "" { print > f }'
        done
        # The records: one JSON per migration.
        python3 "$srcdir/tests/vm/migration-record.py" "$q" "$(cat "$qroot/version")" "$machine" "$out/$q" ||
                { echo "FAIL: cannot write the records for QEMU $q" >&2; status=1; }
        # The data directory as tests/data/migrations lays it out (a host's profile from
        # its first boot; later boots' probes differ only in the counters' values).
        mkdir -p "$out/data/$q" "$out/data/profiles"
        rm -f "$out/data/$q"/*.json
        cp "$out/$q"/records/*.json "$out/data/$q/" 2>/dev/null
        for p in "$out/$q"/*.profile.json; do
                d=$out/data/profiles/$(basename "$p" .profile.json).json
                [ -s "$p" ] && [ ! -f "$d" ] && cp "$p" "$d"
        done
done
echo "boots: $boots" | tee -a "$summary"
if [ "${KVMREGS_MIG_RECORD:-0}" = 1 ]; then
        mkdir -p "$srcdir/tests/data/migrations"
        cp -r "$out/data/." "$srcdir/tests/data/migrations/"
fi
if [ "${KVMREGS_MIG_CHECK:-0}" = 1 ] && [ $status = 0 ]; then
        KVMREGS_MIG_DATA=$out/data sh "$srcdir/tests/vm/check-migrations.sh" || status=1
fi
exit $status
