# bench: speed figures, printed; not tests (not in TESTS).
noinst_PROGRAMS += bench/bench-compare
bench_bench_compare_SOURCES = bench/bench-compare.c
bench_bench_compare_LDADD = lib/libkvmregs.la
BENCHMARKS += bench/bench-compare
EXTRA_DIST += bench/update-performance-doc.sh
