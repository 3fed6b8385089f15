#!/bin/sh
# Fetches Debian's arm64 kernels, busybox-static and json-c for arm64 through a
# private APT_CONFIG, so the machine's own apt setup is never touched.
# Usage: fetch.sh CACHE_DIR [SERIES...]   (SERIES: 5.10 6.1 6.12 6.16 6.17 6.18 6.19 7.0 7.1 7.2;
# default 6.1 6.12)
# KVMREGS_VM_MIRROR: the Debian mirror (default http://deb.debian.org; its debian and
# debian-security archives).
# Prints nothing on success; leaves CACHE_DIR/kernels/<series>/Image and
# CACHE_DIR/arm64-root/ (busybox, json-c headers and static library).
# Exit status: 0 done, 1 a download or unpack failed.
set -eu

cache=$1; shift
mirror=${KVMREGS_VM_MIRROR:-http://deb.debian.org}
[ $# -gt 0 ] || set -- 6.1 6.12
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

# One private apt tree per Debian suite group: bookworm (6.1, 6.12, tools), bullseye (5.10),
# trixie-bpo (6.16 to 7.1 from trixie-backports), sid (7.2).
apt_setup() {
        name=$1; shift
        d=$cache/apt-$name
        mkdir -p "$d/state/lists/partial" "$d/cache/archives/partial" "$d/etc/preferences.d" "$d/etc/apt.conf.d"
        : > "$d/sources.list"
        for suite in "$@"; do
                case $suite in
                *-security) echo "deb $mirror/debian-security $suite main" ;;
                *)          echo "deb $mirror/debian $suite main" ;;
                esac >> "$d/sources.list"
        done
        cat > "$d/apt.conf" <<CONF
APT::Architecture "arm64";
APT::Architectures { "arm64"; };
Dir::State "$d/state";
Dir::State::status "$d/state/status";
Dir::Cache "$d/cache";
Dir::Etc::SourceList "$d/sources.list";
Dir::Etc::SourceParts "$d/none";
Dir::Etc::Parts "$d/etc/apt.conf.d";
Dir::Etc::PreferencesParts "$d/etc/preferences.d";
Acquire::Languages "none";
Acquire::Retries "3";
// The mirror may serve a dated snapshot whose Release files have expired.
Acquire::Check-Valid-Until "false";
CONF
        touch "$d/state/status"
        # A day-old index is fresh enough; the archive moves slowly.
        if [ -z "$(find "$d/state/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -n1)" ]; then
                APT_CONFIG=$d/apt.conf apt-get -q -o Debug::NoLocking=1 update >"$d/update.log" 2>&1 ||
                        { echo "fetch: apt-get update for $name failed, see $d/update.log" >&2; return 1; }
        fi
}

apt_in() { APT_CONFIG=$cache/apt-$1/apt.conf; export APT_CONFIG; shift; "$@"; }

# Packages whose name matches the regex, newest first (ABI numbers move: look them up at run time).
candidates() {
        apt_in "$1" apt-cache search --names-only "$2" | awk '{print $1}' | sort -rV
}

download() {  # group package → path of the .deb
        mkdir -p "$cache/debs"
        (cd "$cache/debs" && apt_in "$1" apt-get -q -o Debug::NoLocking=1 download "$2:arm64" >/dev/null 2>&1) ||
                { echo "fetch: cannot download $2" >&2; return 1; }
        ls -t "$cache/debs/$2"_*_arm64.deb | head -n1
}

kernel() {  # series → CACHE/kernels/<series>/{Image,package}
        series=$1
        out=$cache/kernels/$series
        case $series in
        5.10) group=bullseye; re='^linux-image-5\.10\.[0-9]+-[0-9]+-arm64-unsigned$' ;;
        6.1)  group=bookworm; re='^linux-image-6\.1\.[0-9]+-[0-9]+-arm64-unsigned$' ;;
        6.12) group=bookworm; re='^linux-image-6\.12\.[0-9.]+\+deb12-arm64-unsigned$' ;;
        # trixie-backports carries no -unsigned image for these: the signed package's vmlinuz
        # (a gzip'd EFI-stub Image, which -kernel boots) is in linux-image-* up to 6.18 and in
        # linux-binary-* (usr/lib/modules/*/vmlinuz) from 6.19.
        6.16) group=trixie-bpo; re='^linux-image-6\.16\.[0-9.]+\+deb13-arm64$' ;;
        6.17) group=trixie-bpo; re='^linux-image-6\.17\.[0-9.]+\+deb13-arm64$' ;;
        6.18) group=trixie-bpo; re='^linux-image-6\.18\.[0-9.]+\+deb13-arm64$' ;;
        6.19) group=trixie-bpo; re='^linux-binary-6\.19\.[0-9.]+\+deb13-arm64$' ;;
        7.0)  group=trixie-bpo; re='^linux-binary-7\.0\.[0-9.]+\+deb13-arm64$' ;;
        7.1)  group=trixie-bpo; re='^linux-binary-7\.1\.[0-9.]+\+deb13-arm64$' ;;
        7.2)  group=sid;      re='^linux-binary-7\.2\.[0-9.]+\+deb[0-9]+-arm64$' ;;
        *) echo "fetch: unknown kernel series $series" >&2; return 1 ;;
        esac
        # A mirror may list a package whose file it lacks (a security pocket not mirrored):
        # take the newest one that downloads.
        deb=
        for pkg in $(candidates "$group" "$re"); do
                if [ -f "$out/Image" ] && [ "$(cat "$out/package" 2>/dev/null)" = "$pkg" ]; then
                        return 0
                fi
                deb=$(download "$group" "$pkg" 2>/dev/null) && break
                deb=
        done
        [ -n "$deb" ] || { echo "fetch: no downloadable package for Linux $series in $group" >&2; return 1; }
        rm -rf "$out" && mkdir -p "$out/x"
        dpkg-deb -x "$deb" "$out/x"
        img=$(ls "$out"/x/boot/vmlinuz-* "$out"/x/usr/lib/modules/*/vmlinuz 2>/dev/null | head -n1)
        [ -n "$img" ] || { echo "fetch: no kernel image in $deb" >&2; return 1; }
        mv "$img" "$out/Image"
        rm -rf "$out/x"
        basename "$deb" > "$out/deb"
        echo "$pkg" > "$out/package"
}

need_bookworm=0 need_bullseye=0 need_sid=0 need_trixie=0
for s in "$@"; do
        case $s in
        5.10) need_bullseye=1 ;;
        7.2) need_sid=1 ;;
        6.16|6.17|6.18|6.19|7.0|7.1) need_trixie=1 ;;
        *) need_bookworm=1 ;;
        esac
done
apt_setup bookworm bookworm bookworm-updates bookworm-security
[ $need_bullseye = 0 ] || apt_setup bullseye bullseye bullseye-security
[ $need_trixie = 0 ] || apt_setup trixie-bpo trixie trixie-backports trixie-security
[ $need_sid = 0 ] || apt_setup sid sid

# arm64 userland for the initramfs and the static programs.
root=$cache/arm64-root
if [ ! -x "$root/bin/busybox" ] || [ ! -f "$root/usr/lib/aarch64-linux-gnu/libjson-c.a" ]; then
        rm -rf "$root" && mkdir -p "$root"
        for p in busybox-static libjson-c-dev libjson-c5; do
                deb=$(download bookworm "$p")
                dpkg-deb -x "$deb" "$root"
        done
fi

for s in "$@"; do
        kernel "$s"
done
