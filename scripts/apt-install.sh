#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The one way kvmregs' install scripts install Debian packages: as root, only those not yet
# installed, the package lists refreshed at most every 6 hours, waiting for dpkg's lock.
#   scripts/apt-install.sh NAME PACKAGE...     (NAME: who asks, for messages)
set -eu
name=$1
shift
if [ "$(id -u)" -ne 0 ]; then
        echo "$name: run as root (apt-get); skipping package installation" >&2
        exit 0
fi
missing=
for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -n "$missing" ] || exit 0
export DEBIAN_FRONTEND=noninteractive
stamp=/var/lib/kvmregs-apt-updated
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +360 2>/dev/null)" ]; then
        apt-get -o DPkg::Lock::Timeout=900 update -q
        mkdir -p /var/lib && touch "$stamp"
fi
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends $missing
