#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside a fresh mount+UTS namespace (unshare --mount --uts --propagation private):
# turns it into the e2e "host" NAME, whose state lives in DIR, and execs its libvirtd, so
# the caller's $! is libvirtd's pid. Per-host: hostname, /etc/libvirt, /run/libvirt,
# /var/lib/libvirt, /var/log/libvirt, /var/cache/libvirt, /etc/hosts, the system bus
# (/run/dbus, own dbus-daemon) and virtlogd. See docs/libvirt-integration.md.
#
# usage: hostns.sh NAME DIR
set -euo pipefail
name=$1 dir=$2

hostname "$name"
mount --bind "$dir/etc" /etc/libvirt
mount --bind "$dir/run" /run/libvirt
mount --bind "$dir/lib" /var/lib/libvirt
mount --bind "$dir/log" /var/log/libvirt
mount --bind "$dir/cache" /var/cache/libvirt
mount --bind "$dir/dbus" /run/dbus
mount --bind "$dir/hosts" /etc/hosts
if [ -n "${KVMREGS_E2E_CONFDIR:-}" ]; then
        # the hook's and kvmregsctl's compiled-in configuration folder
        mount --bind "$dir/kvmregs-etc" "$KVMREGS_E2E_CONFDIR"
fi

dbus-daemon --config-file="$dir/dbus.conf" --fork --print-pid=3 3>"$dir/dbus.pid"
virtlogd -d -p "$dir/virtlogd.pid"
exec libvirtd --listen -p "$dir/libvirtd.pid"
