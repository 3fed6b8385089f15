#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs what the libvirt end-to-end tests need (Debian 12). Idempotent: installs only
# what is missing; starts nothing (the tests run their own libvirtd, dbus-daemon, sshd).
set -eu
pkgs="libvirt-daemon-system libvirt-clients libvirt-daemon-driver-qemu qemu-system-arm qemu-utils
      openssh-server openssh-client dbus systemd busybox-static cpio gzip jq libxml2-utils
      util-linux debian-archive-keyring ca-certificates"
missing=
for p in $pkgs; do
        dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=900 update -q
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends $missing
