#!/bin/sh
# Packages tests/packages/run-package-tests.sh needs on Debian 12 (as root): the Build-Depends
# of debian/control for this machine (dpkg-buildpackage runs here for bookworm), debhelper,
# lintian, mmdebstrap (the bookworm and trixie roots), mandoc (tests/test-manpages.sh lints
# the pages with it), bash-completion (its completionsdir; tests/test-completion.sh).
set -eu
exec sh "$(dirname "$0")/../../scripts/apt-install.sh" tests/packages/install-deps.sh \
        debhelper dpkg-dev lintian mmdebstrap debian-archive-keyring autoconf automake libtool pkg-config libjson-c-dev libdbus-1-dev libsystemd-dev libvirt-dev libxml2-dev systemd bash-completion dbus-daemon groff-base jq man-db mandoc python3 util-linux
