#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs what the libvirt end-to-end tests need (Debian 12). Idempotent: installs only
# what is missing; starts nothing (the tests run their own libvirtd, dbus-daemon, sshd).
set -eu
exec sh "$(dirname "$0")/../../scripts/apt-install.sh" tests/libvirt/install-deps.sh \
        libvirt-daemon-system libvirt-clients libvirt-daemon-driver-qemu qemu-system-arm qemu-utils openssh-server openssh-client dbus systemd busybox-static cpio gzip jq libxml2-utils util-linux debian-archive-keyring ca-certificates
