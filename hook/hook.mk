# kvmregs-hook, libvirt's qemu.d hook, and its configuration file.
libexec_PROGRAMS += kvmregs-hook
# One job a file: the decision (main), the policy file, the decision line, QEMU's properties.
kvmregs_hook_SOURCES = hook/kvmregs-hook.c hook/policy.c hook/policy.h hook/log.c hook/log.h \
	hook/qemu-probe.c hook/qemu-probe.h
kvmregs_hook_CPPFLAGS = $(AM_CPPFLAGS) $(BUSCLIENT_CPPFLAGS) $(VIRT_CPPFLAGS)
kvmregs_hook_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS) $(LIBXML_CFLAGS)
kvmregs_hook_LDADD = ctl/libkvmregs-busclient.la libvirt/libkvmregs-virt.la lib/libkvmregs.la \
	$(JSONC_LIBS) $(SYSTEMD_LIBS) $(LIBXML_LIBS)

kvmregsconfdir = $(sysconfdir)/kvmregs
dist_kvmregsconf_DATA = etc/kvmregs.conf

# libvirt runs every executable in qemu.d: install the hook there as 50-kvmregs.
install-exec-hook:
	$(MKDIR_P) $(DESTDIR)$(libvirthookdir)
	$(LN_S) -f $(libexecdir)/kvmregs-hook $(DESTDIR)$(libvirthookdir)/50-kvmregs
uninstall-hook:
	rm -f $(DESTDIR)$(libvirthookdir)/50-kvmregs

# The hook against hostile input, daemons that hang or lie, and its policy file.
check_PROGRAMS += tests/garbage-daemon tests/make-record
tests_garbage_daemon_SOURCES = tests/garbage-daemon.c
tests_garbage_daemon_CPPFLAGS = $(AM_CPPFLAGS) $(BUSCLIENT_CPPFLAGS)
tests_garbage_daemon_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS)
tests_garbage_daemon_LDADD = $(DBUS_LIBS)
tests_make_record_SOURCES = tests/make-record.c
tests_make_record_CPPFLAGS = $(AM_CPPFLAGS) $(VIRT_CPPFLAGS)
tests_make_record_CFLAGS = $(AM_CFLAGS) $(LIBXML_CFLAGS) $(JSONC_CFLAGS)
tests_make_record_LDADD = libvirt/libkvmregs-virt.la lib/libkvmregs.la $(LIBXML_LIBS) $(JSONC_LIBS)
TESTS += tests/test-hook.sh
UNIT_TESTS += tests/test-hook.sh
dist_check_SCRIPTS += tests/test-hook.sh

# The daemon's CompareDomain, kvmregsctl check (offline) and the hook decide alike, case by
# case over a corpus made from the recorded profiles (a private dbus-daemon, no libvirt).
TESTS += tests/test-decide-agree.sh
UNIT_TESTS += tests/test-decide-agree.sh
dist_check_SCRIPTS += tests/test-decide-agree.sh

noinst_PROGRAMS += bench/bench-hook
BENCHMARKS += bench/bench-hook
bench_bench_hook_SOURCES = bench/bench-hook.c
bench_bench_hook_CPPFLAGS = $(AM_CPPFLAGS) $(BUSCLIENT_CPPFLAGS) $(VIRT_CPPFLAGS)
bench_bench_hook_CFLAGS = $(AM_CFLAGS) $(LIBXML_CFLAGS) $(JSONC_CFLAGS) $(SYSTEMD_CFLAGS)
bench_bench_hook_LDADD = ctl/libkvmregs-busclient.la libvirt/libkvmregs-virt.la lib/libkvmregs.la $(LIBXML_LIBS) $(JSONC_LIBS) $(SYSTEMD_LIBS)
