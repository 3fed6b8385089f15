# kvmregsctl, and the bus client it (and the hook) talk to kvmregsd with.
noinst_LTLIBRARIES += ctl/libkvmregs-busclient.la
ctl_libkvmregs_busclient_la_SOURCES = ctl/busclient.c ctl/busclient.h
nodist_ctl_libkvmregs_busclient_la_SOURCES = dbus/kvmregs-bus.h
ctl_libkvmregs_busclient_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/dbus
ctl_libkvmregs_busclient_la_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS) $(JSONC_CFLAGS)
ctl_libkvmregs_busclient_la_LIBADD = lib/libkvmregs.la $(SYSTEMD_LIBS) $(JSONC_LIBS)
BUSCLIENT_CPPFLAGS = -I$(top_srcdir)/ctl -I$(top_builddir)/dbus

bin_PROGRAMS += kvmregsctl
kvmregsctl_SOURCES = ctl/kvmregsctl.c ctl/ctl.h ctl/ctl-common.c ctl/ctl-show.c \
	ctl/ctl-compare.c ctl/ctl-bus.c ctl/ctl-libvirt.c ctl/ctl-fleet.c \
	ctl/ctl-baseline.c ctl/ctl-collect.c
# The fleet views: matrix, groups, whatif, fleet (lib/fleet.h decides).
kvmregsctl_SOURCES += ctl/ctl-fleet.h ctl/ctl-matrix.c ctl/ctl-groups.c ctl/ctl-whatif.c
# The scheduler export (KubeVirt node labels, Nova provider traits; lib/fleet-export.h decides).
kvmregsctl_SOURCES += ctl/ctl-export.c
kvmregsctl_CPPFLAGS = $(AM_CPPFLAGS) $(BUSCLIENT_CPPFLAGS) $(VIRT_CPPFLAGS)
kvmregsctl_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(LIBVIRT_CFLAGS) $(LIBXML_CFLAGS)
kvmregsctl_LDADD = ctl/libkvmregs-busclient.la libvirt/libkvmregs-virt.la lib/libkvmregs.la \
	$(JSONC_LIBS) $(LIBVIRT_LIBS) $(LIBXML_LIBS)

# kvmregsctl's manual page (docs/kvmregsctl.md is the full reference).
dist_man1_MANS = docs/kvmregsctl.1

# The bus client against a real private dbus-daemon; kvmregsctl offline, on a bus, over ssh.
check_PROGRAMS += tests/test-busclient
TESTS += tests/test-busclient tests/test-kvmregsctl.sh tests/test-kvmregsctl-bus.sh
# No root, network, VM or libvirtd needed (libvirt's in-process test driver): sanitizers and distcheck too.
UNIT_TESTS += tests/test-busclient tests/test-kvmregsctl.sh tests/test-kvmregsctl-bus.sh
# Real ssh to an sshd of its own: needs root and openssh-server.
TESTS += tests/test-kvmregsctl-ssh.sh
dist_check_SCRIPTS += tests/test-kvmregsctl.sh tests/test-kvmregsctl-bus.sh tests/test-kvmregsctl-ssh.sh
EXTRA_DIST += tests/kvmregsctl-test-lib.sh
tests_test_busclient_SOURCES = tests/test-busclient.c tests/testutil.h
tests_test_busclient_CPPFLAGS = $(AM_CPPFLAGS) $(BUSCLIENT_CPPFLAGS)
tests_test_busclient_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS)
tests_test_busclient_LDADD = ctl/libkvmregs-busclient.la lib/libkvmregs.la $(DBUS_LIBS) $(JSONC_LIBS)
# The fleet views on stores and files made from tests/data (no bus, no root).
TESTS += tests/test-kvmregsctl-fleet.sh
UNIT_TESTS += tests/test-kvmregsctl-fleet.sh
dist_check_SCRIPTS += tests/test-kvmregsctl-fleet.sh
# The scheduler export on stores made from tests/data, held against matrix (no bus, no root).
TESTS += tests/test-export.sh
UNIT_TESTS += tests/test-export.sh
dist_check_SCRIPTS += tests/test-export.sh
# collect through a fake ssh to private buses with the real kvmregsd (root, like the ssh test).
TESTS += tests/test-kvmregsctl-collect.sh
dist_check_SCRIPTS += tests/test-kvmregsctl-collect.sh
