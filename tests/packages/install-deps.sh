#!/bin/sh
# Packages tests/packages/run-package-tests.sh needs on Debian 12 (as root): the Build-Depends
# of debian/control for this machine (dpkg-buildpackage runs here for bookworm), debhelper,
# lintian, mmdebstrap (the bookworm and trixie roots), mandoc (tests/test-manpages.sh lints
# the pages with it), bash-completion (its completionsdir; tests/test-completion.sh).
set -e
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -ne 0 ]; then
        echo "tests/packages/install-deps.sh: run as root (apt-get); skipping" >&2
        exit 0
fi
apt_opts="-o DPkg::Lock::Timeout=900 -y -q --no-install-recommends"
if [ ! -f /var/lib/kvmregs-apt-updated ] || [ -n "$(find /var/lib/kvmregs-apt-updated -mmin +360 2>/dev/null)" ]; then
        apt-get -o DPkg::Lock::Timeout=900 update -q
        mkdir -p /var/lib && touch /var/lib/kvmregs-apt-updated
fi
apt-get install $apt_opts \
        debhelper dpkg-dev lintian mmdebstrap debian-archive-keyring \
        autoconf automake libtool pkg-config \
        libjson-c-dev libdbus-1-dev libsystemd-dev libvirt-dev libxml2-dev systemd \
        bash-completion dbus-daemon groff-base jq man-db mandoc python3 util-linux
