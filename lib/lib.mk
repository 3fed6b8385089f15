# The core: profile, register names, rules. Depends on json-c only.
noinst_LTLIBRARIES += lib/libkvmregs.la
lib_libkvmregs_la_SOURCES = \
	lib/util.h lib/fileio.c \
	lib/regnames.c lib/regnames.h lib/idregs.c \
	lib/sha256.c lib/sha256.h \
	lib/json-doc.c lib/json-doc.h \
	lib/profile.c lib/profile.h lib/profile-internal.h \
	lib/profile-parse.c lib/profile-digest.c lib/profile-write.c \
	lib/record.c lib/record.h \
	lib/rules.c lib/rules.h lib/nearest.c lib/nearest.h lib/report.c lib/report-group.c lib/report-group.h \
	lib/domain.c lib/domain.h \
	lib/baseline.c lib/baseline.h \
	lib/fleet-store.c lib/fleet-store.h \
	lib/fleet.c lib/fleet.h lib/fleet-load.c lib/fleet-internal.h
lib_libkvmregs_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
lib_libkvmregs_la_LIBADD = $(JSONC_LIBS)

check_PROGRAMS += tests/test-regnames tests/test-profile tests/test-rules tests/test-report tests/test-record
TESTS += tests/test-regnames tests/test-profile tests/test-rules tests/test-report tests/test-record
UNIT_TESTS += tests/test-regnames tests/test-profile tests/test-rules tests/test-report tests/test-record
tests_test_regnames_SOURCES = tests/test-regnames.c tests/testutil.h
tests_test_regnames_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_test_regnames_LDADD = lib/libkvmregs.la $(JSONC_LIBS)
tests_test_profile_SOURCES = tests/test-profile.c tests/testutil.h tests/profile-equal.h
tests_test_profile_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_test_profile_LDADD = lib/libkvmregs.la $(JSONC_LIBS)
tests_test_rules_SOURCES = tests/test-rules.c tests/testutil.h tests/profile-load.h
tests_test_rules_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_test_rules_LDADD = lib/libkvmregs.la $(JSONC_LIBS)
tests_test_report_SOURCES = tests/test-report.c tests/testutil.h tests/profile-load.h tests/report-equal.h tests/profile-equal.h
tests_test_report_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_test_report_LDADD = lib/libkvmregs.la $(JSONC_LIBS)
tests_test_record_SOURCES = tests/test-record.c tests/testutil.h tests/profile-load.h
tests_test_record_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_test_record_LDADD = lib/libkvmregs.la $(JSONC_LIBS)

# The baseline of a set of hosts: settings, XML, the pairs that remain impossible.
check_PROGRAMS += tests/test-baseline
TESTS += tests/test-baseline
UNIT_TESTS += tests/test-baseline
tests_test_baseline_SOURCES = tests/test-baseline.c tests/testutil.h
tests_test_baseline_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_test_baseline_LDADD = lib/libkvmregs.la $(JSONC_LIBS)

# The fleet views and the fleet store.
check_PROGRAMS += tests/test-fleet
TESTS += tests/test-fleet
UNIT_TESTS += tests/test-fleet
tests_test_fleet_SOURCES = tests/test-fleet.c tests/testutil.h
tests_test_fleet_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_test_fleet_LDADD = lib/libkvmregs.la $(JSONC_LIBS)
# Scheduler exports (kvmregsctl export): class ids, who accepts whom, from the fleet's matrix.
lib_libkvmregs_la_SOURCES += lib/fleet-export.c lib/fleet-export.h

# The destination QEMU's load path (7.2 legacy, 11.1 tolerances) as a parameter of the rules.
lib_libkvmregs_la_SOURCES += lib/qemu.c lib/qemu.h lib/qemu-run.c lib/qemu-run.h
check_PROGRAMS += tests/test-qemu
TESTS += tests/test-qemu
UNIT_TESTS += tests/test-qemu
tests_test_qemu_SOURCES = tests/test-qemu.c tests/testutil.h tests/profile-load.h
tests_test_qemu_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_test_qemu_LDADD = lib/libkvmregs.la $(JSONC_LIBS)
# Which emulators are run (the path check), the detection cache, the domain's own QEMU.
check_PROGRAMS += tests/test-qemu-run
TESTS += tests/test-qemu-run
UNIT_TESTS += tests/test-qemu-run
tests_test_qemu_run_SOURCES = tests/test-qemu-run.c tests/testutil.h tests/profile-load.h
tests_test_qemu_run_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_test_qemu_run_LDADD = lib/libkvmregs.la $(JSONC_LIBS)
