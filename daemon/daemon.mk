# kvmregsd: the probe (probe.c), the bus service, the libvirt watcher (watch.c).
sbin_PROGRAMS += kvmregsd
kvmregsd_SOURCES = \
	daemon/kvmregsd.c \
	daemon/bus.c daemon/bus.h \
	daemon/main-loop.c daemon/main-loop.h \
	daemon/probe.c daemon/probe.h \
	daemon/shared-profile.h \
	daemon/watch.c daemon/watch.h
nodist_kvmregsd_SOURCES = daemon/introspect-xml.h
kvmregsd_CFLAGS = $(AM_CFLAGS) $(LIBXML_CFLAGS) $(JSONC_CFLAGS) $(DBUS_CFLAGS) $(SYSTEMD_CFLAGS) $(LIBVIRT_CFLAGS) -pthread
kvmregsd_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client -I$(top_builddir)
kvmregsd_LDADD = client/libkvmregs-client.la lib/libkvmregs.la $(JSONC_LIBS) $(DBUS_LIBS) $(SYSTEMD_LIBS) $(LIBVIRT_LIBS) $(LIBXML_LIBS)
kvmregsd_LDFLAGS = $(AM_LDFLAGS) -pthread

# The introspection data kvmregsd serves is dbus/org.kvmregs.Profile1.xml, compiled in
# as a C string so that the two cannot drift apart.
daemon/kvmregsd-bus.$(OBJEXT): daemon/introspect-xml.h
CLEANFILES += daemon/introspect-xml.h
daemon/introspect-xml.h: $(srcdir)/dbus/org.kvmregs.Profile1.xml
	$(AM_V_GEN)$(MKDIR_P) daemon && \
	{ echo '/* Generated from dbus/org.kvmregs.Profile1.xml by daemon/daemon.mk. */'; \
	  echo 'static const char introspect_xml_file[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/        "/' -e 's/$$/\\n"/' $(srcdir)/dbus/org.kvmregs.Profile1.xml; \
	  echo '        ;'; } > $@.tmp && mv $@.tmp $@

# Tests: kvmregsd on private buses, queried by busctl, dbus-send and gdbus. The two
# helpers do what those cannot (arguments beyond a command line; systemd's notify socket).
check_PROGRAMS += tests/test-daemon-call tests/test-daemon-notify
tests_test_daemon_call_SOURCES = tests/test-daemon-call.c
tests_test_daemon_call_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS) $(JSONC_CFLAGS)
tests_test_daemon_call_LDADD = lib/libkvmregs.la $(DBUS_LIBS) $(JSONC_LIBS)
tests_test_daemon_notify_SOURCES = tests/test-daemon-notify.c
check_PROGRAMS += tests/test-daemon-main-loop
tests_test_daemon_main_loop_SOURCES = tests/test-daemon-main-loop.c tests/testutil.h \
	daemon/main-loop.c daemon/main-loop.h
tests_test_daemon_main_loop_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon
tests_test_daemon_main_loop_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS) $(SYSTEMD_CFLAGS)
tests_test_daemon_main_loop_LDADD = $(DBUS_LIBS) $(SYSTEMD_LIBS)
TESTS += tests/test-daemon-main-loop
UNIT_TESTS += tests/test-daemon-main-loop
TESTS += tests/test-daemon-bus.sh tests/test-daemon-lifecycle.sh tests/test-daemon-valgrind.sh \
	tests/test-daemon-systemd.sh
dist_check_SCRIPTS += tests/test-daemon-common.sh tests/test-daemon-bus.sh tests/test-daemon-lifecycle.sh \
	tests/test-daemon-valgrind.sh tests/test-daemon-systemd.sh

# bench/bench-daemon prints start-up time, memory and call rates; not a test.
noinst_PROGRAMS += bench/bench-daemon
BENCHMARKS += bench/bench-daemon
bench_bench_daemon_SOURCES = bench/bench-daemon.c
bench_bench_daemon_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS)
bench_bench_daemon_LDADD = $(DBUS_LIBS)
