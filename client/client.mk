# kvmregsctl and kvmregs-hook.
noinst_LTLIBRARIES += client/libkvmregs-client.la
client_libkvmregs_client_la_SOURCES = client/busclient.c client/busclient.h \
	client/domxml.c client/domxml.h
client_libkvmregs_client_la_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS) $(LIBXML_CFLAGS) $(JSONC_CFLAGS)
client_libkvmregs_client_la_LIBADD = lib/libkvmregs.la $(DBUS_LIBS) $(LIBXML_LIBS) $(JSONC_LIBS)

bin_PROGRAMS += kvmregsctl
kvmregsctl_SOURCES = client/kvmregsctl.c client/ctl.h client/ctl-common.c client/ctl-show.c \
	client/ctl-compare.c client/ctl-bus.c client/ctl-libvirt.c client/ctl-fleet.c
kvmregsctl_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
kvmregsctl_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(DBUS_CFLAGS) $(LIBVIRT_CFLAGS) $(LIBXML_CFLAGS)
kvmregsctl_LDADD = client/libkvmregs-client.la lib/libkvmregs.la $(JSONC_LIBS) $(DBUS_LIBS) $(LIBVIRT_LIBS) $(LIBXML_LIBS)

libexec_PROGRAMS += kvmregs-hook
kvmregs_hook_SOURCES = client/kvmregs-hook.c
kvmregs_hook_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(DBUS_CFLAGS) $(LIBXML_CFLAGS)
kvmregs_hook_LDADD = client/libkvmregs-client.la lib/libkvmregs.la $(JSONC_LIBS) $(DBUS_LIBS) $(LIBXML_LIBS)

# libvirt runs every executable in qemu.d: install the hook there as 50-kvmregs.
install-exec-hook:
	$(MKDIR_P) $(DESTDIR)$(libvirthookdir)
	$(LN_S) -f $(libexecdir)/kvmregs-hook $(DESTDIR)$(libvirthookdir)/50-kvmregs
uninstall-hook:
	rm -f $(DESTDIR)$(libvirthookdir)/50-kvmregs

# kvmregsctl and busclient tests.
check_PROGRAMS += tests/test-busclient
TESTS += tests/test-busclient tests/test-kvmregsctl.sh tests/test-kvmregsctl-bus.sh
# No root, network, VM or libvirtd needed (libvirt's in-process test driver): sanitizers and distcheck too.
UNIT_TESTS += tests/test-busclient tests/test-kvmregsctl.sh tests/test-kvmregsctl-bus.sh
# Real ssh to an sshd of its own: needs root and openssh-server.
TESTS += tests/test-kvmregsctl-ssh.sh
dist_check_SCRIPTS += tests/test-kvmregsctl.sh tests/test-kvmregsctl-bus.sh tests/test-kvmregsctl-ssh.sh
EXTRA_DIST += tests/kvmregsctl-test-lib.sh
tests_test_busclient_SOURCES = tests/test-busclient.c tests/testutil.h
tests_test_busclient_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
tests_test_busclient_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS)
tests_test_busclient_LDADD = client/libkvmregs-client.la lib/libkvmregs.la $(DBUS_LIBS) $(JSONC_LIBS) $(LIBXML_LIBS)

# kvmregsctl's manual page (docs/kvmregsctl.md is the full reference).
dist_man1_MANS = docs/kvmregsctl.1
