# bench: speed figures, printed; not tests (not in TESTS).
noinst_PROGRAMS += bench/bench-compare
bench_bench_compare_SOURCES = bench/bench-compare.c
bench_bench_compare_LDADD = lib/libkvmregs.la
BENCHMARKS += bench/bench-compare
EXTRA_DIST += bench/update-performance-doc.sh bench/bench.sh
# Fleet views at scale: a 10,000-host store, 1,000 files, 1,000 distinct profiles.
noinst_PROGRAMS += bench/bench-fleet
bench_bench_fleet_SOURCES = bench/bench-fleet.c
bench_bench_fleet_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
bench_bench_fleet_LDADD = lib/libkvmregs.la $(JSONC_LIBS)
BENCHMARKS += bench/bench-fleet
# collect at scale: 1,000 hosts through a fake ssh (0.3 s login) to one private kvmregsd.
noinst_PROGRAMS += bench/bench-collect
bench_bench_collect_SOURCES = bench/bench-collect.c
BENCHMARKS += bench/bench-collect
