#!/bin/sh
# Fetches Debian's arm64 QEMU (the VMM that runs inside the test kernels) and the
# shared libraries it needs, through the private APT_CONFIG trees fetch.sh made.
# Usage: fetch-qemu.sh CACHE_DIR SUITE      (SUITE: bookworm = QEMU 7.2, sid = QEMU 11.x)
# Leaves CACHE_DIR/qemu-<SUITE>/root/ with bin/qemu-system-aarch64, lib/ (the loader
# and the DT_NEEDED closure) and version (the Debian package version).
# Run fetch.sh first (it makes CACHE_DIR/apt-<SUITE>; sid comes with kernel 7.2).
# Exit status: 0 done, 1 a download or unpack failed.
set -eu

cache=$1 suite=$2
cache=$(cd "$cache" && pwd)
apt=$cache/apt-$suite/apt.conf
[ -f "$apt" ] || { echo "fetch-qemu: no $apt (run fetch.sh first)" >&2; exit 1; }
APT_CONFIG=$apt
export APT_CONFIG
dir=$cache/qemu-$suite
want=$(apt-cache policy qemu-system-arm | sed -n 's/^ *Candidate: //p')
if [ -z "$want" ] || [ "$want" = "(none)" ]; then
        echo "fetch-qemu: no qemu-system-arm in $suite" >&2
        exit 1
fi
if [ -x "$dir/root/bin/qemu-system-aarch64" ] && [ "$(cat "$dir/root/version" 2>/dev/null)" = "$want" ]; then
        exit 0
fi
rm -rf "$dir" && mkdir -p "$dir/debs" "$dir/x" "$dir/root/bin" "$dir/root/lib"
# The dependency closure as an empty system would install it (the state dir's status is empty).
pkgs=$(apt-get install -s --no-install-recommends -o Debug::NoLocking=1 qemu-system-arm | awk '/^Inst /{print $2}')
[ -n "$pkgs" ] || { echo "fetch-qemu: cannot resolve qemu-system-arm in $suite" >&2; exit 1; }
# shellcheck disable=SC2086
(cd "$dir/debs" && apt-get -q -o Debug::NoLocking=1 download $pkgs >"$dir/download.log" 2>&1) ||
        { echo "fetch-qemu: download failed, see $dir/download.log" >&2; exit 1; }
for d in "$dir"/debs/*.deb; do dpkg-deb -x "$d" "$dir/x"; done
cp "$dir/x/usr/bin/qemu-system-aarch64" "$dir/root/bin/"
# The loader, then the DT_NEEDED closure (bookworm has /lib and /usr/lib, sid merged /usr).
find_lib() {
        for p in "$dir/x/usr/lib/aarch64-linux-gnu" "$dir/x/lib/aarch64-linux-gnu"; do
                [ -e "$p/$1" ] && { echo "$p/$1"; return 0; }
        done
        return 1
}
cp -L "$(find_lib ld-linux-aarch64.so.1)" "$dir/root/lib/"
todo=$dir/root/bin/qemu-system-aarch64
while [ -n "$todo" ]; do
        next=
        for f in $todo; do
                for n in $(aarch64-linux-gnu-readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
                        [ -e "$dir/root/lib/$n" ] && continue
                        p=$(find_lib "$n") || { echo "fetch-qemu: $n (needed by $f) is in no package" >&2; exit 1; }
                        cp -L "$p" "$dir/root/lib/$n"
                        next="$next $dir/root/lib/$n"
                done
        done
        todo=$next
done
echo "$want" > "$dir/root/version"
rm -rf "$dir/x"
