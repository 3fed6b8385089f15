#!/bin/sh
# Installs what tests/vm/run-vm-tests.sh needs on a Debian 12 host (run as root;
# idempotent). The arm64 kernels, busybox and json-c for arm64 are fetched at test
# time through a private APT_CONFIG, not installed.
set -eu
exec sh "$(dirname "$0")/../../scripts/apt-install.sh" tests/vm/install-deps.sh \
        qemu-system-arm gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross linux-libc-dev-arm64-cross cpio gzip dpkg apt coreutils python3
