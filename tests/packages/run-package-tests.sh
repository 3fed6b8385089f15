#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian packages (debian/), built and installed the way an administrator gets them:
#
#   for each suite (Debian 12 bookworm, Debian 13 trixie):
#     1. build kvmregsd, kvmregsctl, kvmregs-hook with dpkg-buildpackage -us -uc -b from an
#        export of the source tree: on this machine when it runs that suite, else inside a
#        clean buildd root of the suite (mmdebstrap --variant=buildd, Build-Depends installed
#        there with apt-get build-dep from debian/control);
#     2. lintian: must be clean (tags left are overridden in debian/*.lintian-overrides) for
#        the suite this machine runs; the other suite's result is printed;
#     3. install the three packages into a clean root of the suite (mmdebstrap --variant=apt)
#        with apt, and check there: the unit where systemd looks, enabled; the bus policy and
#        activation file where the system bus reads them, proven by a real system bus in the
#        root, on which kvmregsd owns its name and an unprivileged user calls it; the hook link
#        where libvirt looks, runnable; the conffile registered with dpkg; man finds every
#        page; the bash completion; kvmregsctl compare of two tests/data profiles with the
#        expected verdicts.
#
# Roots and downloads are cached in /var/cache/kvmregs-packages (KVMREGS_PACKAGES_CACHE): a
# second run makes no root and downloads nothing but apt's indexes. Roots older than 14 days,
# or made from another debian/control, are made again.
#
# Needs root, mmdebstrap, dpkg-buildpackage with debhelper and the Build-Depends of this
# machine's suite (tests/packages/install-deps.sh installs them), lintian, unshare, systemctl;
# skips (77) without them unless KVMREGS_REQUIRE_ALL=1. Never writes into the source tree.
#
# KVMREGS_PACKAGE_SUITES   suites to test (default "bookworm trixie")
# KVMREGS_PACKAGE_SOURCE   "tree" (default: the files git lists, as they are in the work
#                          tree, uncommitted changes included) or "head" (git archive HEAD)
# KVMREGS_DEBIAN_MIRROR    default http://deb.debian.org/debian
# KVMREGS_KEEP_WORK=1      keep the work folder (printed) for a look afterwards
set -uo pipefail

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
srcdir=$(cd "$srcdir" && pwd)
cache=${KVMREGS_PACKAGES_CACHE:-/var/cache/kvmregs-packages}
suites=${KVMREGS_PACKAGE_SUITES:-bookworm trixie}
mirror=${KVMREGS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
source_mode=${KVMREGS_PACKAGE_SOURCE:-tree}
jobs=$(nproc 2>/dev/null || echo 2)
max_age_days=14
version=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$srcdir/debian/changelog")
upstream_version=${version%-*}
arch=$(dpkg --print-architecture 2>/dev/null)
host_suite=$(. /etc/os-release 2>/dev/null; echo "${VERSION_CODENAME:-}")

t0=$(date +%s)
step_start=$t0
step() {   # step TITLE: closes the previous step with its duration, opens the next
        local now
        now=$(date +%s)
        [ -n "${step_title:-}" ] && printf '    (%s: %ss)\n' "$step_title" "$((now - step_start))"
        step_title=$1 step_start=$now
        printf '\n=== %s (+%ss)\n' "$1" "$((now - t0))"
}
skip() {
        if [ "${KVMREGS_REQUIRE_ALL:-0}" = 1 ]; then
                echo "FAIL: missing prerequisite (KVMREGS_REQUIRE_ALL=1): $*"
                exit 1
        fi
        echo "SKIP: $*"
        exit 77
}
failures=0
checks=0
check() {   # check DESCRIPTION COMMAND...: one check, never fatal
        local what=$1; shift
        checks=$((checks + 1))
        if "$@" >"$work/check.out" 2>&1; then
                echo "ok - $what"
        else
                echo "FAIL - $what"
                sed 's/^/    /' "$work/check.out" | head -20
                failures=$((failures + 1))
        fi
}
die() { echo "FAIL: $*"; exit 1; }

[ "$(id -u)" = 0 ] || skip "needs root (chroots, mounts, dpkg in roots)"
for tool in mmdebstrap dpkg-buildpackage dh dpkg-checkbuilddeps lintian unshare chroot systemctl tar; do
        command -v "$tool" >/dev/null || skip "$tool missing (tests/packages/install-deps.sh installs it)"
done
[ -f "$srcdir/debian/control" ] || die "no debian/control in $srcdir"

mkdir -p "$cache" || die "cannot create $cache"
work=$(mktemp -d "${TMPDIR:-/var/tmp}/kvmregs-packages.XXXXXX") || die "mktemp"
cleanup() {
        if [ "${KVMREGS_KEEP_WORK:-0}" = 1 ]; then
                echo "# work folder kept: $work"
                return
        fi
        # every mount was made in a namespace that is gone; never delete through one anyway
        if findmnt -rn -o TARGET | grep -q "^$work"; then
                echo "# $work still has mounts: not deleted"
                return
        fi
        rm -rf --one-file-system "$work"
}
trap cleanup EXIT

# in_root ROOT COMMAND: COMMAND (sh -ec) inside ROOT with its own /proc, /run, /tmp, the host's
# /dev, apt's download cache bound to the suite's cache folder (APT_ARCHIVES), a clean
# environment. A PID and mount namespace of its own: when the command ends every process it
# left (dbus-daemon, kvmregsd) is killed and every mount is gone.
in_root() {
        local root=$1 cmd=$2
        unshare --mount --pid --fork --kill-child -- /bin/sh -ec '
                root=$1 archives=$2 cmd=$3
                mount --make-rprivate /
                mount -t proc proc "$root/proc"
                mount --rbind /dev "$root/dev"
                mount -t tmpfs -o mode=0755 tmpfs "$root/run"
                mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
                if [ -n "$archives" ]; then
                        mkdir -p "$archives/partial" "$root/var/cache/apt/archives"
                        mount --bind "$archives" "$root/var/cache/apt/archives"
                fi
                cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
                exec chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
                        HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive /bin/sh -ec "$cmd"
        ' in_root "$root" "${APT_ARCHIVES:-}" "$cmd"
}

# cached_root NAME SUITE MMDEBSTRAP-OPTION...: the path of a tarball of a root of SUITE, made
# once with mmdebstrap (apt's indexes kept, so that apt in the root needs only an update) and
# reused while younger than max_age_days.
cached_root() {
        local name=$1 suite=$2; shift 2
        local tarball=$cache/$name.tar tmp=$cache/.tmp-$name.tar
        if [ -f "$tarball" ] && [ -z "$(find "$tarball" -mtime +"$max_age_days")" ]; then
                echo "# cached: $tarball" >&2
        else
                # an older root of the same kind (another debian/control) is of no more use
                case $name in *-buildd-*) rm -f "$cache/${name%-*}-"*.tar ;; esac
                echo "# making $tarball: mmdebstrap $* $suite (log: $cache/$name.log)" >&2
                if ! mmdebstrap --quiet --skip=cleanup/apt/lists --aptopt='Acquire::Retries "3"' \
                        "$@" "$suite" "$tmp" "$mirror" >"$cache/$name.log" 2>&1; then
                        tail -30 "$cache/$name.log" >&2
                        rm -f "$tmp"
                        return 1
                fi
                mv "$tmp" "$tarball"
        fi
        echo "$tarball"
}
unpack() {   # unpack TARBALL DIR
        mkdir -p "$2" && tar -C "$2" -xf "$1"
}

# ---------------------------------------------------------------------------------------------
step "exporting the source tree ($source_mode)"
src=$work/src/kvmregs-$upstream_version
mkdir -p "$src"
if git -C "$srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        if [ "$source_mode" = head ]; then
                git -C "$srcdir" archive HEAD | tar -C "$src" -xf - || die "git archive HEAD"
        else
                # tracked and untracked-but-not-ignored files as they are now; a tracked file
                # deleted in the work tree is left out
                (cd "$srcdir" && git ls-files -z --cached --others --exclude-standard |
                        tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -C "$src" -xf - ||
                        die "exporting the work tree"
        fi
else
        # not a git work tree (an unpacked release): copy it without build products
        tar -C "$srcdir" --exclude='./build*' --exclude='*.o' --exclude='*.lo' -cf - . | tar -C "$src" -xf - ||
                die "copying $srcdir"
fi
[ -f "$src/debian/rules" ] || die "the export has no debian/rules"
echo "exported $(find "$src" -type f | wc -l) files to $src"
control_hash=$(sha256sum "$src/debian/control" | cut -c1-12)

# Unit tests known to fail on a suite, "suite:test ...": reported, not failed, while they fail.
# None now: trixie's json-c 0.18 bug (issue 892, non-ASCII refused under JSON_TOKENER_STRICT)
# is worked around in lib/json-doc.c.
known_failures=${KVMREGS_PACKAGE_KNOWN_FAILURES-}

# unit_tests_verdict SUITE TREE: the .trs results of a make check in TREE
unit_tests_verdict() {
        local suite=$1 tree=$2 trs t result bad=0
        for trs in $(find "$tree/tests" -name '*.trs' | sort); do
                t=${trs#"$tree/"}; t=${t%.trs}
                result=$(sed -n 's/^:test-result: //p' "$trs" | head -1)
                case $result in
                PASS|SKIP) echo "    unit tests: $result: $t" ;;
                *)
                        if [[ " $known_failures " == *" $suite:$t "* ]]; then
                                echo "    unit tests: $result: $t (known failure on $suite)"
                        else
                                echo "    unit tests: $result: $t"
                                sed 's/^/        /' "$tree/$t.log" | tail -15
                                bad=1
                        fi ;;
                esac
        done
        for t in $known_failures; do
                [ "${t%%:*}" = "$suite" ] || continue
                grep -qx ':test-result: PASS' "$tree/${t#*:}.trs" 2>/dev/null &&
                        echo "    note: ${t#*:} passes on $suite now: take it out of KVMREGS_PACKAGE_KNOWN_FAILURES"
        done
        [ "$bad" = 0 ]
}

# build_packages SUITE OUT: the .debs and .changes of SUITE into OUT
build_packages() {
        local suite=$1 out=$2 tarball root log
        mkdir -p "$out"
        if [ "$suite" = "$host_suite" ]; then
                # on this machine: its Build-Depends must be installed
                cp -a "$src" "$out/" || return 1
                (cd "$out/$(basename "$src")" && dpkg-checkbuilddeps) || {
                        echo "Build-Depends missing here: run tests/packages/install-deps.sh"; return 1; }
                log=$out/build.log
                echo "dpkg-buildpackage -us -uc -b on this machine ($suite), log: $log"
                (cd "$out/$(basename "$src")" &&
                        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$out" LC_ALL=C.UTF-8 \
                                DEB_BUILD_OPTIONS="parallel=$jobs" dpkg-buildpackage -us -uc -b) >"$log" 2>&1 ||
                        { tail -60 "$log"; return 1; }
        else
                tarball=$(cached_root "$suite-buildd-$control_hash" "$suite" --variant=buildd \
                        --customize-hook='mkdir -p "$1/tmp/kvmregs-control/debian"' \
                        --customize-hook="copy-in $src/debian/control $src/debian/changelog /tmp/kvmregs-control/debian" \
                        --customize-hook='chroot "$1" apt-get -y --no-install-recommends build-dep /tmp/kvmregs-control' \
                        --customize-hook='rm -rf "$1/tmp/kvmregs-control"') || return 1
                step "$suite: building the packages in a $suite buildd root"
                root=$work/$suite-buildd
                unpack "$tarball" "$root" || return 1
                mkdir -p "$root/build" && cp -a "$src" "$root/build/" || return 1
                log=$out/build.log
                echo "dpkg-buildpackage -us -uc -b in $root, log: $log"
                # The unit tests run after the build, not in it, so that a test known to fail
                # on this suite (KVMREGS_PACKAGE_KNOWN_FAILURES) is reported, not fatal.
                in_root "$root" "cd /build/$(basename "$src") && dpkg-checkbuilddeps &&
                        DEB_BUILD_OPTIONS='nocheck parallel=$jobs' dpkg-buildpackage -us -uc -b" >"$log" 2>&1 ||
                        { tail -60 "$log"; return 1; }
                cp "$root/build/"*.deb "$root/build/"*.changes "$root/build/"*.buildinfo "$out/" || return 1
                step "$suite: unit tests in the $suite build tree"
                in_root "$root" "cd /build/$(basename "$src") && KVMREGS_REQUIRE_ALL=0 make -j$jobs check \
                        TESTS=\"\$(make -s --no-print-directory print-unit-tests)\"" >"$out/check.log" 2>&1
                unit_tests_verdict "$suite" "$root/build/$(basename "$src")" || return 1
                rm -rf --one-file-system "$root"
                return 0
        fi
        grep -E '^(PASS|FAIL|SKIP|XFAIL|XPASS|ERROR):' "$log" | sed 's/^/    unit tests (dh_auto_test): /'
        ls "$out/"*.deb >/dev/null 2>&1 || { echo "no .deb made"; return 1; }
}

# checks_in_root SUITE ROOT: everything a host with the packages installed must have
check_installed() {
        local suite=$1 root=$2 unit
        check "$suite: kvmregsd.service is enabled (systemctl --root is-enabled)" \
                sh -c "[ \"\$(systemctl --root='$root' is-enabled kvmregsd.service)\" = enabled ]"
        check "$suite: systemd finds kvmregsd.service (list-unit-files)" \
                sh -c "systemctl --root='$root' list-unit-files kvmregsd.service | grep -q '^kvmregsd.service  *enabled'"
        unit=$(chroot "$root" dpkg -L kvmregsd | grep '/systemd/system/kvmregsd.service$')
        check "$suite: the unit, $unit, names /usr/sbin/kvmregsd and its man pages" \
                sh -c "grep -qx 'ExecStart=/usr/sbin/kvmregsd' '$root$unit' &&
                       grep -q 'man:kvmregsd(8)' '$root$unit' && grep -q 'man:org.kvmregs.Profile1(5)' '$root$unit'"
        check "$suite: enabled by a link in multi-user.target.wants" \
                test -L "$root/etc/systemd/system/multi-user.target.wants/kvmregsd.service"
        check "$suite: bus policy in /usr/share/dbus-1/system.d" \
                test -f "$root/usr/share/dbus-1/system.d/org.kvmregs.Profile1.conf"
        check "$suite: activation file in /usr/share/dbus-1/system-services" \
                grep -qx 'SystemdService=kvmregsd.service' "$root/usr/share/dbus-1/system-services/org.kvmregs.Profile1.service"
        check "$suite: interface XML in /usr/share/dbus-1/interfaces" \
                test -f "$root/usr/share/dbus-1/interfaces/org.kvmregs.Profile1.xml"
        check "$suite: hook linked where libvirt runs it" \
                sh -c "[ \"\$(readlink '$root/etc/libvirt/hooks/qemu.d/50-kvmregs')\" = /usr/libexec/kvmregs-hook ] &&
                       [ -x '$root/usr/libexec/kvmregs-hook' ]"
        check "$suite: /etc/kvmregs/kvmregs.conf is a conffile of kvmregs-hook" \
                sh -c "chroot '$root' dpkg-query -W -f='\${Conffiles}\n' kvmregs-hook | grep -q '^ /etc/kvmregs/kvmregs.conf [0-9a-f]\{32\}\$'"
        check "$suite: bash completion in bash-completion's completions folder" \
                test -f "$root/usr/share/bash-completion/completions/kvmregsctl"
        check "$suite: kvmregs-hook recommends kvmregsd" \
                sh -c "chroot '$root' dpkg-query -W -f='\${Recommends}' kvmregs-hook | grep -qw kvmregsd"

        # inside the root
        # where the unprivileged user of the bus checks can read them
        mkdir -p "$root/srv/kvmregs-test"
        cp "$srcdir/tests/data/6.12-cortex-a72.json" "$srcdir/tests/data/6.1-cortex-a72.json" "$root/srv/kvmregs-test/"
        chmod 0755 "$root/srv/kvmregs-test" && chmod 0644 "$root/srv/kvmregs-test/"*
        in_root "$root" '
                set +e
                fail=0
                ok() { echo "ok - '"$suite"' (in the root): $1"; }
                bad() { echo "FAIL - '"$suite"' (in the root): $1"; fail=$((fail + 1)); }
                for page in kvmregsd.8 kvmregs-hook.8 kvmregs.conf.5 org.kvmregs.Profile1.5 kvmregsctl.1; do
                        name=${page%.*} sec=${page##*.}
                        p=$(man -w "$sec" "$name" 2>&1) && [ "$p" = "/usr/share/man/man$sec/$page.gz" ] &&
                                ok "man -w $sec $name: $p" || bad "man -w $sec $name: $p"
                        w=$(MANWIDTH=80 man --warnings "$sec" "$name" 2>&1 >/dev/null)
                        [ -z "$w" ] && ok "man $sec $name renders without warnings" || bad "man $sec $name: $w"
                done
                # kvmregsctl, offline: the same host is compatible; a 6.12 guest does not load on 6.1
                if kvmregsctl compare /srv/kvmregs-test/6.1-cortex-a72.json /srv/kvmregs-test/6.1-cortex-a72.json --config base >/tmp/same 2>&1; then
                        ok "kvmregsctl compare 6.1 -> 6.1: exit 0 ($(grep -io "compatible[^ ]*" /tmp/same | head -1))"
                else
                        bad "kvmregsctl compare 6.1 -> 6.1: exit $?: $(head -5 /tmp/same)"
                fi
                kvmregsctl compare /srv/kvmregs-test/6.12-cortex-a72.json /srv/kvmregs-test/6.1-cortex-a72.json --config base >/tmp/down 2>&1
                r=$?
                if [ "$r" = 1 ] && grep -qi incompatible /tmp/down; then
                        ok "kvmregsctl compare 6.12 -> 6.1: exit 1, incompatible"
                else
                        bad "kvmregsctl compare 6.12 -> 6.1: exit $r: $(head -5 /tmp/down)"
                fi
                # the hook, as libvirt runs it: other operations and non-aarch64 guests pass at once
                /etc/libvirt/hooks/qemu.d/50-kvmregs guest prepare begin - </dev/null && ok "hook: prepare begin: exit 0" || bad "hook: prepare begin: exit $?"
                /etc/libvirt/hooks/qemu.d/50-kvmregs >/dev/null 2>&1; r=$?
                [ "$r" = 2 ] && ok "hook without arguments: usage, exit 2" || bad "hook without arguments: exit $r"
                echo "<domain type=\"kvm\"><name>x86</name><os><type arch=\"x86_64\">hvm</type></os></domain>" |
                        /etc/libvirt/hooks/qemu.d/50-kvmregs x86 migrate begin - && ok "hook: x86_64 guest: exit 0" || bad "hook: x86_64 guest: exit $?"
                # bash completion, sourced as bash-completion would
                c=$(bash -c ". /usr/share/bash-completion/completions/kvmregsctl; COMP_WORDS=(kvmregsctl com); COMP_CWORD=1; _kvmregsctl; echo \"\${COMPREPLY[*]}\"")
                [ "$c" = compare ] && ok "bash completion: kvmregsctl com -> compare" || bad "bash completion: kvmregsctl com -> \"$c\""
                # the real system bus of this root reads the policy and the activation file
                mkdir -p /run/dbus
                dbus-daemon --system --fork --print-pid >/tmp/bus.pid
                n=0; while [ ! -S /run/dbus/system_bus_socket ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
                names=$(dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
                        org.freedesktop.DBus.ListActivatableNames 2>&1)
                echo "$names" | grep -q "\"org.kvmregs.Profile1\"" && ok "the system bus lists org.kvmregs.Profile1 as activatable" ||
                        bad "the system bus does not list org.kvmregs.Profile1: $names"
                kvmregsd --profile-file /srv/kvmregs-test/6.1-cortex-a72.json --no-libvirt >/tmp/kvmregsd.log 2>&1 &
                n=0; while ! dbus-send --system --dest=org.freedesktop.DBus --print-reply /org/freedesktop/DBus \
                        org.freedesktop.DBus.NameHasOwner string:org.kvmregs.Profile1 2>/dev/null | grep -q true; do
                        [ $n -lt 50 ] || break; sleep 0.1; n=$((n + 1))
                done
                if out=$(setpriv --reuid=65534 --regid=65534 --clear-groups kvmregsctl status 2>&1) && echo "$out" | grep -q ready; then
                        ok "kvmregsd owns its name on the system bus; nobody may call it: $(echo "$out" | head -1)"
                else
                        bad "kvmregsctl status as nobody: $out / kvmregsd: $(head -5 /tmp/kvmregsd.log)"
                fi
                if out=$(setpriv --reuid=65534 --regid=65534 --clear-groups kvmregsctl compare --local /srv/kvmregs-test/6.12-cortex-a72.json --config base 2>&1); then
                        bad "kvmregsctl compare --local 6.12 -> 6.1 as nobody: exit 0: $out"
                elif echo "$out" | grep -qi incompatible; then
                        ok "kvmregsctl compare --local 6.12 -> this 6.1 host, as nobody: incompatible"
                else
                        bad "kvmregsctl compare --local as nobody: $out"
                fi
                out=$(setpriv --reuid=65534 --regid=65534 --clear-groups dbus-send --system --print-reply \
                        --dest=org.kvmregs.Profile1 /org/kvmregs/Profile1 org.kvmregs.Profile1.Refresh 2>&1) &&
                        bad "Refresh as nobody was allowed" || ok "Refresh as nobody: refused ($(echo "$out" | head -1 | cut -c1-60))"
                exit $fail
        ' || failures=$((failures + 1))
}

# ---------------------------------------------------------------------------------------------
for suite in $suites; do
        out=$work/$suite
        if [ "$suite" = "$host_suite" ]; then
                step "$suite: building the packages on this machine"
        else
                step "$suite: a $suite buildd root with the Build-Depends (mmdebstrap, cached)"
        fi
        build_packages "$suite" "$out" || { echo "FAIL - $suite: building the packages"; failures=$((failures + 1)); continue; }
        for deb in "$out/"*.deb; do
                case $deb in *-dbgsym_*) continue ;; esac
                echo "  $(basename "$deb"):"
                dpkg-deb -c "$deb" | awk '$1 !~ /^d/ && $6 !~ /^\.\/usr\/share\/(doc|lintian)\// { print "      " substr($6, 2) ($7 ? " " $7 " " $8 : "") }'
        done

        step "$suite: lintian"
        changes=$(ls "$out/"*.changes | head -1)
        if [ "$suite" = "$host_suite" ]; then
                # errors and warnings fail (lintian 2.116 exits 2 with --show-overrides, so the
                # overridden tags are listed by a second run)
                check "$suite: lintian: no error or warning left (overrides applied)" \
                        lintian --pedantic -I -E --fail-on error,warning "$changes"
                echo "    every tag, overridden ones too (O:), info (I:), pedantic (P:), experimental (X:):"
                lintian --pedantic -I -E --show-overrides --fail-on none "$changes" 2>&1 |
                        grep -v '^running with root' | grep -v '^N:' | sed 's/^/    /'
        else
                # another release's lintian: what it says, not a verdict
                echo "    (lintian $(lintian --print-version) of $host_suite on $suite packages: for information)"
                lintian --pedantic -I -E --show-overrides --fail-on none "$changes" 2>&1 |
                        grep -v '^running with root' | grep -v '^N:' | sed 's/^/    /'
        fi

        step "$suite: installing into a clean $suite root"
        tarball=$(cached_root "$suite-apt" "$suite" --variant=apt) ||
                { echo "FAIL - $suite: mmdebstrap"; failures=$((failures + 1)); continue; }
        root=$work/$suite-root
        unpack "$tarball" "$root" || die "unpacking $tarball"
        mkdir -p "$root/root/debs" && cp "$out/"kvmregs*_"$version"_*.deb "$root/root/debs/" &&
                rm -f "$root/root/debs/"*-dbgsym_*.deb
        APT_ARCHIVES=$cache/$suite-archives in_root "$root" '
                apt-get -q -o Acquire::Retries=3 update >/tmp/update.log 2>&1 || { cat /tmp/update.log; exit 1; }
                apt-get -q -y --no-install-recommends install /root/debs/*.deb man-db >/tmp/install.log 2>&1 ||
                        { tail -40 /tmp/install.log; exit 1; }
                grep -E "^(Setting up|Created symlink)" /tmp/install.log | grep -E "kvmregs|man-db|Created" | sed "s/^/    /"
                # a clean root would have no manual page index yet
                mandb -q 2>/dev/null || true
        ' || { echo "FAIL - $suite: apt-get install of the packages"; failures=$((failures + 1)); continue; }
        echo "    installed: $(chroot "$root" dpkg-query -W -f='${Package} ${Version}\n' kvmregsd kvmregsctl kvmregs-hook | paste -sd, | sed 's/,/, /g')"

        step "$suite: checking the installed packages"
        check_installed "$suite" "$root"
        rm -rf --one-file-system "$root"
done

step "done"
echo "elapsed $(( $(date +%s) - t0 ))s; $checks checks outside the roots, $failures failed steps or checks"
[ "$failures" -eq 0 ]
