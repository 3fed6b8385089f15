# tests/packages: the Debian packages (debian/) built for Debian 12 and 13 and installed into
# clean roots of each, checked where systemd, the system bus and libvirt look (docs/packaging.md).
# Root, mmdebstrap and the archive: not a unit test (77 without them unless KVMREGS_REQUIRE_ALL=1).
# Packages: tests/packages/install-deps.sh.
TESTS += tests/packages/run-package-tests.sh
dist_check_SCRIPTS += tests/packages/run-package-tests.sh
EXTRA_DIST += tests/packages/install-deps.sh
# debian/ by name (a build leaves debian/tmp and others there), so a release tarball builds too
EXTRA_DIST += debian/changelog debian/control debian/copyright debian/rules debian/source/format \
	debian/kvmregsd.install debian/kvmregsctl.install debian/kvmregs-hook.install \
	debian/kvmregsd.lintian-overrides debian/kvmregsctl.lintian-overrides \
	debian/kvmregs-hook.lintian-overrides
