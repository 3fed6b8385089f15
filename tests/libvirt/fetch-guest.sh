#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fetches the e2e guest: a Debian arm64 kernel and a busybox initrd whose /init prints
# "tick N" every 2 s on the console. Uses a private apt configuration (own state, cache
# and sources, APT::Architecture arm64), so the machine's dpkg architectures and apt
# state are left alone. Idempotent: does nothing when DIR already holds both files.
#
# usage: fetch-guest.sh DIR      -> DIR/vmlinuz DIR/initrd.gz
# exit: 0 done, 1 a download or build step failed (message on stderr)
set -euo pipefail

dir=${1:?usage: fetch-guest.sh DIR}
[ -s "$dir/vmlinuz" ] && [ -s "$dir/initrd.gz" ] && exit 0

mkdir -p "$dir"
work=$(mktemp -d "$dir/fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
apt="$work/apt"
mkdir -p "$apt/state/lists/partial" "$apt/cache/archives/partial" "$apt/etc/apt.conf.d" "$apt/etc/preferences.d"
touch "$apt/state/status"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
mirror=${KVMREGS_E2E_MIRROR:-http://deb.debian.org}
cat >"$apt/sources.list" <<SRC
deb [arch=arm64 signed-by=$keyring] $mirror/debian bookworm main
deb [arch=arm64 signed-by=$keyring] $mirror/debian-security bookworm-security main
SRC
cat >"$apt/apt.conf" <<CONF
Dir::State "$apt/state";
Dir::State::status "$apt/state/status";
Dir::Cache "$apt/cache";
Dir::Etc::SourceList "$apt/sources.list";
Dir::Etc::SourceParts "$apt/etc/sources.list.d";
Dir::Etc::Parts "$apt/etc/apt.conf.d";
Dir::Etc::Preferences "$apt/etc/preferences";
Dir::Etc::PreferencesParts "$apt/etc/preferences.d";
APT::Architecture "arm64";
APT::Architectures { "arm64"; };
Acquire::Languages "none";
APT::Sandbox::User "root";
CONF
export APT_CONFIG="$apt/apt.conf"

apt-get -q update >"$work/update.log" 2>&1 || { cat "$work/update.log" >&2; echo "fetch-guest: apt-get update failed" >&2; exit 1; }
# ABI numbers move with Debian updates: take the newest 6.1 kernel the archive has.
kernel=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-arm64$' | cut -d' ' -f1 | sort -V | tail -n1)
[ -n "$kernel" ] || { echo "fetch-guest: no linux-image-6.1.0-*-arm64 in the archive" >&2; exit 1; }
(cd "$work" && apt-get -q download "$kernel" busybox-static >"$work/download.log" 2>&1) ||
        { cat "$work/download.log" >&2; echo "fetch-guest: apt-get download failed" >&2; exit 1; }

dpkg-deb -x "$work"/linux-image-*.deb "$work/k"
dpkg-deb -x "$work"/busybox-static_*.deb "$work/bb"
root="$work/initrd"
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
cp "$work/bb/bin/busybox" "$root/bin/busybox"
cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
echo "KVMREGS E2E GUEST UP: $(/bin/busybox uname -r)"
i=0
while true; do i=$((i+1)); echo "tick $i"; /bin/busybox sleep 2; done
INIT
chmod 0755 "$root/init" "$root/bin/busybox"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"
cp "$work"/k/boot/vmlinuz-* "$work/vmlinuz"
chmod 0644 "$work/vmlinuz" "$work/initrd.gz"
mv "$work/initrd.gz" "$dir/initrd.gz"
mv "$work/vmlinuz" "$dir/vmlinuz"
