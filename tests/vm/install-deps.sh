#!/bin/sh
# Installs what tests/vm/run-vm-tests.sh needs on a Debian 12 host (run as root;
# idempotent). The arm64 kernels, busybox and json-c for arm64 are fetched at test
# time through a private APT_CONFIG, not installed.
set -eu
packages="qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross linux-libc-dev-arm64-cross
cpio gzip dpkg apt coreutils"
missing=
for p in $packages; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing
