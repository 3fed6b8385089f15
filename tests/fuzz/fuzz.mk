# Fuzzing: each libFuzzer harness replayed over its committed corpus and every crash reproducer
# (tests/fuzz/corpus/HARNESS, tests/fuzz/crashes/HARNESS) by a plain main, no libFuzzer needed,
# so that make check, the sanitizer build and distcheck hold the parsers and the rules to them.
# The fuzzers themselves: tests/fuzz/build-and-run.sh (clang), see docs/fuzzing.md.
FUZZ_REPLAYS = tests/fuzz/replay-profile tests/fuzz/replay-compare tests/fuzz/replay-domxml tests/fuzz/replay-report \
	tests/fuzz/replay-regid tests/fuzz/replay-record
check_PROGRAMS += $(FUZZ_REPLAYS)
TESTS += $(FUZZ_REPLAYS) tests/fuzz/test-known-bugs.sh
UNIT_TESTS += $(FUZZ_REPLAYS) tests/fuzz/test-known-bugs.sh
# Found, reported, not fixed yet: must still fail (tests/fuzz/known/HARNESS).
dist_check_SCRIPTS += tests/fuzz/test-known-bugs.sh
# Folders a build never writes to, and files by name (a build leaves objects in tests/fuzz).
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/crashes tests/fuzz/known \
	tests/fuzz/build-and-run.sh tests/fuzz/make-seeds.c tests/fuzz/ubsan.supp \
	tests/fuzz/compare.dict tests/fuzz/domxml.dict tests/fuzz/profile.dict tests/fuzz/report.dict \
	tests/fuzz/regid.dict

tests_fuzz_replay_profile_SOURCES = tests/fuzz/replay-corpus.c tests/fuzz/fuzz-profile.c tests/fuzz/fuzz-common.h tests/profile-equal.h
tests_fuzz_replay_profile_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_HARNESS=\"profile\"
tests_fuzz_replay_profile_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_fuzz_replay_profile_LDADD = lib/libkvmregs.la $(JSONC_LIBS)

tests_fuzz_replay_compare_SOURCES = tests/fuzz/replay-corpus.c tests/fuzz/fuzz-compare.c tests/fuzz/fuzz-common.h tests/profile-equal.h
tests_fuzz_replay_compare_CPPFLAGS = $(AM_CPPFLAGS) $(VIRT_CPPFLAGS) -DFUZZ_HARNESS=\"compare\"
tests_fuzz_replay_compare_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(LIBXML_CFLAGS)
tests_fuzz_replay_compare_LDADD = libvirt/libkvmregs-virt.la lib/libkvmregs.la $(JSONC_LIBS) $(LIBXML_LIBS)

tests_fuzz_replay_domxml_SOURCES = tests/fuzz/replay-corpus.c tests/fuzz/fuzz-domxml.c tests/fuzz/fuzz-common.h tests/profile-equal.h
tests_fuzz_replay_domxml_CPPFLAGS = $(AM_CPPFLAGS) $(VIRT_CPPFLAGS) -DFUZZ_HARNESS=\"domxml\"
tests_fuzz_replay_domxml_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(LIBXML_CFLAGS)
tests_fuzz_replay_domxml_LDADD = libvirt/libkvmregs-virt.la lib/libkvmregs.la $(JSONC_LIBS) $(LIBXML_LIBS)

tests_fuzz_replay_report_SOURCES = tests/fuzz/replay-corpus.c tests/fuzz/fuzz-report.c tests/fuzz/fuzz-common.h tests/profile-equal.h tests/report-equal.h
tests_fuzz_replay_report_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_HARNESS=\"report\"
tests_fuzz_replay_report_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_fuzz_replay_report_LDADD = lib/libkvmregs.la $(JSONC_LIBS)

tests_fuzz_replay_regid_SOURCES = tests/fuzz/replay-corpus.c tests/fuzz/fuzz-regid.c tests/fuzz/fuzz-common.h tests/profile-equal.h
tests_fuzz_replay_regid_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_HARNESS=\"regid\"
tests_fuzz_replay_regid_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_fuzz_replay_regid_LDADD = lib/libkvmregs.la $(JSONC_LIBS)

tests_fuzz_replay_record_SOURCES = tests/fuzz/replay-corpus.c tests/fuzz/fuzz-record.c tests/fuzz/fuzz-common.h tests/profile-equal.h
tests_fuzz_replay_record_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_HARNESS=\"record\"
tests_fuzz_replay_record_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_fuzz_replay_record_LDADD = lib/libkvmregs.la $(JSONC_LIBS)
