#!/bin/sh
# Packages kvmregs needs to build and run its unit tests on Debian 12 (as root); clang and its
# runtime build the fuzzers (tests/fuzz/build-and-run.sh).
set -eu
exec sh "$(dirname "$0")/apt-install.sh" scripts/install-build-deps.sh \
        build-essential autoconf automake libtool pkg-config make gcc libjson-c-dev libdbus-1-dev libsystemd-dev libvirt-dev libxml2-dev clang libclang-rt-14-dev dbus systemd libglib2.0-bin valgrind strace python3 python3-yaml jq ca-certificates xz-utils cpio util-linux procps
