# kvmregsd: the probe (probe.c), the bus service (bus.c: sd-bus on sd-event), the libvirt
# watcher (watch.c).
sbin_PROGRAMS += kvmregsd
kvmregsd_SOURCES = \
	daemon/kvmregsd.c \
	daemon/bus.c daemon/bus.h \
	daemon/probe.c daemon/probe.h \
	daemon/shared-profile.h \
	daemon/watch.c daemon/watch.h daemon/virt-dl.c daemon/virt-dl.h \
	daemon/host-export.c daemon/host-export.h
nodist_kvmregsd_SOURCES = dbus/kvmregs-bus.h
kvmregsd_CFLAGS = $(AM_CFLAGS) $(LIBXML_CFLAGS) $(JSONC_CFLAGS) $(SYSTEMD_CFLAGS) $(LIBVIRT_CFLAGS) -pthread
kvmregsd_CPPFLAGS = $(AM_CPPFLAGS) $(VIRT_CPPFLAGS) -I$(top_builddir)/dbus
# libvirt's client library is not linked: the watcher loads it (daemon/virt-dl.h).
kvmregsd_LDADD = libvirt/libkvmregs-virt.la lib/libkvmregs.la $(JSONC_LIBS) $(SYSTEMD_LIBS) $(LIBXML_LIBS) $(DLOPEN_LIBS)
kvmregsd_LDFLAGS = $(AM_LDFLAGS) -pthread
if SANITIZERS
# ASan intercepts libtirpc's xdr_* functions and finds the real ones when it starts: a libvirt
# (and its libtirpc) dlopen()ed later would call them through a NULL pointer. Sanitizer builds
# link libvirt, which virt_dl_load() then finds already loaded.
kvmregsd_LDFLAGS += -Wl,--push-state,--no-as-needed $(LIBVIRT_LIBS) -Wl,--pop-state
endif

# Tests: kvmregsd on private buses, queried by busctl, dbus-send and gdbus. The two
# helpers do what those cannot (arguments beyond a command line; systemd's notify socket);
# they are clients, on libdbus, so that the daemon is checked by another implementation.
check_PROGRAMS += tests/test-daemon-call tests/test-daemon-notify
tests_test_daemon_call_SOURCES = tests/test-daemon-call.c
tests_test_daemon_call_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/dbus
tests_test_daemon_call_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS) $(JSONC_CFLAGS)
tests_test_daemon_call_LDADD = lib/libkvmregs.la $(DBUS_LIBS) $(JSONC_LIBS)
tests_test_daemon_notify_SOURCES = tests/test-daemon-notify.c
# tests/test-daemon-load.sh: many clients, unprivileged and root, against the hook at once.
check_PROGRAMS += tests/test-daemon-load
tests_test_daemon_load_SOURCES = tests/test-daemon-load.c
tests_test_daemon_load_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/dbus
tests_test_daemon_load_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS) -pthread
tests_test_daemon_load_LDADD = $(DBUS_LIBS)
tests_test_daemon_load_LDFLAGS = $(AM_LDFLAGS) -pthread
TESTS += tests/test-daemon-load.sh
dist_check_SCRIPTS += tests/test-daemon-load.sh
# Also in CI's ASan/UBSan pass (scripts/test.sh): the one run of kvmregsd's worker threads there.
UNIT_TESTS += tests/test-daemon-load.sh
STRESS_TESTS += tests/test-daemon-load.sh
TESTS += tests/test-daemon-bus.sh tests/test-daemon-lifecycle.sh tests/test-daemon-valgrind.sh \
	tests/test-daemon-systemd.sh
# kvmregsd --export-dir: the host's own scheduler file.
TESTS += tests/test-daemon-export.sh
dist_check_SCRIPTS += tests/test-daemon-export.sh
# libvirt's client library loaded only for the watcher, and a clear error without it.
TESTS += tests/test-daemon-libvirt-dl.sh
dist_check_SCRIPTS += tests/test-daemon-libvirt-dl.sh
dist_check_SCRIPTS += tests/test-daemon-common.sh tests/test-daemon-bus.sh tests/test-daemon-lifecycle.sh \
	tests/test-daemon-valgrind.sh tests/test-daemon-systemd.sh

# bench/bench-daemon prints start-up time, memory and call rates; not a test.
noinst_PROGRAMS += bench/bench-daemon
BENCHMARKS += bench/bench-daemon
bench_bench_daemon_SOURCES = bench/bench-daemon.c
bench_bench_daemon_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/dbus
bench_bench_daemon_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS)
bench_bench_daemon_LDADD = $(DBUS_LIBS)

# The libvirt watcher (daemon/watch.c) against libvirt's in-process test driver.
check_PROGRAMS += tests/test-watch
TESTS += tests/test-watch
UNIT_TESTS += tests/test-watch
tests_test_watch_SOURCES = tests/test-watch.c tests/testutil.h daemon/watch.c daemon/watch.h daemon/shared-profile.h \
	daemon/virt-dl.c daemon/virt-dl.h
tests_test_watch_CPPFLAGS = $(AM_CPPFLAGS) $(VIRT_CPPFLAGS) -I$(top_srcdir)/daemon
tests_test_watch_CFLAGS = $(AM_CFLAGS) $(LIBVIRT_CFLAGS) $(LIBXML_CFLAGS) $(JSONC_CFLAGS) $(SYSTEMD_CFLAGS) -pthread
tests_test_watch_LDADD = libvirt/libkvmregs-virt.la lib/libkvmregs.la $(LIBVIRT_LIBS) $(LIBXML_LIBS) $(JSONC_LIBS) $(DLOPEN_LIBS)
tests_test_watch_LDFLAGS = $(AM_LDFLAGS) -pthread
# kvmregsd --qemu: the host's QEMU in the profile, the record's source QEMU, Compare without options.
TESTS += tests/test-daemon-qemu.sh
dist_check_SCRIPTS += tests/test-daemon-qemu.sh
# CompareDomain with the incoming domain's own <emulator>: root's call detects it, nobody's never runs it.
TESTS += tests/test-daemon-emulator.sh
dist_check_SCRIPTS += tests/test-daemon-emulator.sh
