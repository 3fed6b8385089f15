#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# systemd/kvmregsd.service.in: `systemd-analyze verify` passes and `systemd-analyze security`
# rates it at most 2.0. verify needs ExecStart= to exist, so the unit is made here the way
# systemd/systemd.mk makes it, with sbindir = the build directory that holds kvmregsd.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$PWD}
if ! command -v systemd-analyze > /dev/null; then
        [ "${KVMREGS_REQUIRE_ALL:-0}" = 1 ] && { echo "FAIL: systemd-analyze is not installed"; exit 1; }
        echo "SKIP: systemd-analyze is not installed"; exit 77
fi
[ -x "$top_builddir/kvmregsd" ] || { echo "FAIL: build kvmregsd first"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

sed -e "s|@sbindir@|$top_builddir|g" "$top_srcdir/systemd/kvmregsd.service.in" > "$work/kvmregsd.service"
if ! systemd-analyze verify "$work/kvmregsd.service" > "$work/verify.log" 2>&1 || [ -s "$work/verify.log" ]; then
        echo "FAIL: systemd-analyze verify:"; cat "$work/verify.log"; failures=$((failures + 1))
fi
grep -q "^ExecStart=$top_builddir/kvmregsd$" "$work/kvmregsd.service" || { echo "FAIL: @sbindir@ not substituted"; failures=$((failures + 1)); }

systemd-analyze security --offline=true --no-pager "$work/kvmregsd.service" > "$work/security.log" 2>&1
grep -v '^✓' "$work/security.log"
exposure=$(sed -n 's/^→ Overall exposure level for kvmregsd.service: \([0-9.]*\) .*/\1/p' "$work/security.log")
echo "exposure: ${exposure:-none}"
if [ -z "$exposure" ] || ! awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }'; then
        echo "FAIL: exposure ${exposure:-unknown} > 2.0"; failures=$((failures + 1))
fi
for setting in Type=notify BusName=org.kvmregs.Profile1 DevicePolicy=closed "DeviceAllow=/dev/kvm rw" \
               ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes CapabilityBoundingSet= WatchdogSec=30s; do
        grep -qx -- "$setting" "$work/kvmregsd.service" || { echo "FAIL: $setting missing"; failures=$((failures + 1)); }
done
echo "test-daemon-systemd.sh: $failures failed"
[ "$failures" = 0 ]
