# tests/vm: the probe and the replay on real arm64 kernels (see docs/testing-on-real-kernels.md).
# The programs that run inside the guest kernels (replay.c, probe-main.c with daemon/probe.c
# and the core library) are cross-compiled by run-vm-tests.sh itself; replay-check runs here.
check_PROGRAMS += tests/vm/replay-check tests/vm/test-probe
tests_vm_replay_check_SOURCES = tests/vm/replay-check.c tests/vm/vm-util.h
tests_vm_replay_check_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_vm_replay_check_LDADD = lib/libkvmregs.la $(JSONC_LIBS)

# probe_host() here: the documented refusal (the same test runs inside every test kernel).
tests_vm_test_probe_SOURCES = tests/vm/test-probe.c daemon/probe.c daemon/probe.h tests/testutil.h
tests_vm_test_probe_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_vm_test_probe_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon -I$(top_srcdir)/tests
tests_vm_test_probe_LDADD = lib/libkvmregs.la $(JSONC_LIBS)

# check-recorded.sh: the rules against the committed replay results (no boot, fast);
# run-vm-tests.sh: boots the kernels, probes, replays, and checks the fresh results.
TESTS += tests/vm/test-probe tests/vm/check-recorded.sh tests/vm/run-vm-tests.sh
dist_check_SCRIPTS += tests/vm/check-recorded.sh tests/vm/run-vm-tests.sh tests/vm/fetch.sh tests/vm/install-deps.sh
EXTRA_DIST += tests/vm/replay.c tests/vm/probe-main.c tests/vm/init

# Real QEMU save/load migrations between the kernels (docs/migration-lab.md):
# check-migrations.sh holds the rules against the recorded ones (tests/data/migrations,
# no boot); test-migrations-live.sh runs four of them live and checks them;
# run-migrations.sh records the whole matrix.
TESTS += tests/vm/check-migrations.sh tests/vm/test-migrations-live.sh
dist_check_SCRIPTS += tests/vm/check-migrations.sh tests/vm/test-migrations-live.sh tests/vm/run-migrations.sh tests/vm/fetch-qemu.sh
EXTRA_DIST += tests/vm/migrate-init tests/vm/check-migrations.py tests/vm/migration-record.py

# Boot logs and results of run-vm-tests.sh (prerequisite-only clean-local, so other
# fragments can hook theirs the same way).
clean-local: clean-local-vm
clean-local-vm:
	-rm -rf tests/vm/work tests/vm/mig-work tests/vm/mig-live
.PHONY: clean-local-vm
