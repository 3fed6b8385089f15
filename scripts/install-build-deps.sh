#!/bin/sh
# Packages kvmregs needs to build and run its unit tests on Debian 12 (as root).
set -e
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -ne 0 ]; then
        echo "install-build-deps: run as root (apt-get); skipping package installation" >&2
        exit 0
fi
apt_opts="-o DPkg::Lock::Timeout=900 -y -q --no-install-recommends"
if [ ! -f /var/lib/kvmregs-apt-updated ] || [ -n "$(find /var/lib/kvmregs-apt-updated -mmin +360 2>/dev/null)" ]; then
        apt-get -o DPkg::Lock::Timeout=900 update -q
        mkdir -p /var/lib && touch /var/lib/kvmregs-apt-updated
fi
apt-get install $apt_opts \
        build-essential autoconf automake libtool pkg-config make gcc \
        libjson-c-dev libdbus-1-dev libsystemd-dev libvirt-dev libxml2-dev \
        dbus systemd libglib2.0-bin valgrind python3 python3-yaml jq ca-certificates xz-utils cpio util-linux procps
