# tests/libvirt: end-to-end migrations with real libvirtd

# The domain XML code and the migrate hook (client/domxml.c, client/kvmregs-hook.c).
check_PROGRAMS += tests/test-domxml
TESTS += tests/test-domxml
tests_test_domxml_SOURCES = tests/test-domxml.c tests/testutil.h
tests_test_domxml_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
tests_test_domxml_CFLAGS = $(AM_CFLAGS) $(LIBXML_CFLAGS) $(JSONC_CFLAGS)
tests_test_domxml_LDADD = client/libkvmregs-client.la lib/libkvmregs.la $(LIBXML_LIBS) $(JSONC_LIBS)
check_PROGRAMS += tests/make-record
tests_make_record_SOURCES = tests/make-record.c
tests_make_record_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
tests_make_record_CFLAGS = $(AM_CFLAGS) $(LIBXML_CFLAGS) $(JSONC_CFLAGS)
tests_make_record_LDADD = client/libkvmregs-client.la lib/libkvmregs.la $(LIBXML_LIBS) $(JSONC_LIBS)
kvmregsconfdir = $(sysconfdir)/kvmregs
dist_kvmregsconf_DATA = etc/kvmregs.conf
check_PROGRAMS += tests/garbage-daemon
tests_garbage_daemon_SOURCES = tests/garbage-daemon.c
tests_garbage_daemon_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
tests_garbage_daemon_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS)
tests_garbage_daemon_LDADD = $(DBUS_LIBS)

# End-to-end: two real libvirtd hosts, kvmregsd + hook + kvmregsctl, live migrations of an
# aarch64 TCG guest (root; 77 without prerequisites unless KVMREGS_REQUIRE_ALL=1).
# docs/libvirt-integration.md; packages: tests/libvirt/install-deps.sh.
TESTS += tests/libvirt/run-e2e.sh
TESTS += tests/test-hook.sh
dist_check_SCRIPTS += tests/test-hook.sh
noinst_PROGRAMS += bench/bench-hook
bench_bench_hook_SOURCES = bench/bench-hook.c
bench_bench_hook_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
bench_bench_hook_CFLAGS = $(AM_CFLAGS) $(LIBXML_CFLAGS) $(JSONC_CFLAGS) $(DBUS_CFLAGS)
bench_bench_hook_LDADD = client/libkvmregs-client.la lib/libkvmregs.la $(LIBXML_LIBS) $(JSONC_LIBS) $(DBUS_LIBS)
UNIT_TESTS += tests/test-domxml tests/test-hook.sh
BENCHMARKS += bench/bench-hook

# The libvirt watcher (daemon/watch.c) against libvirt's in-process test driver.
check_PROGRAMS += tests/test-watch
TESTS += tests/test-watch
tests_test_watch_SOURCES = tests/test-watch.c tests/testutil.h daemon/watch.c daemon/watch.h daemon/shared-profile.h
tests_test_watch_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client -I$(top_srcdir)/daemon
tests_test_watch_CFLAGS = $(AM_CFLAGS) $(LIBVIRT_CFLAGS) $(LIBXML_CFLAGS) $(JSONC_CFLAGS) $(SYSTEMD_CFLAGS) -pthread
tests_test_watch_LDADD = client/libkvmregs-client.la lib/libkvmregs.la $(LIBVIRT_LIBS) $(LIBXML_LIBS) $(JSONC_LIBS)
tests_test_watch_LDFLAGS = $(AM_LDFLAGS) -pthread
UNIT_TESTS += tests/test-watch
