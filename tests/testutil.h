/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* A minimal TAP-ish harness: each check prints on failure and counts; main returns the status. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failures;
static int test_checks;

#define CHECK(cond) do {                                                              \
        test_checks++;                                                                \
        if (!(cond)) {                                                                \
                test_failures++;                                                      \
                fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                             \
} while (0)

#define CHECK_INT(a, b) do {                                                          \
        long long _a = (long long) (a), _b = (long long) (b);                         \
        test_checks++;                                                                \
        if (_a != _b) {                                                               \
                test_failures++;                                                      \
                fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n",           \
                        __FILE__, __LINE__, #a, _a, #b, _b);                          \
        }                                                                             \
} while (0)

#define CHECK_STR(a, b) do {                                                          \
        const char *_a = (a), *_b = (b);                                              \
        test_checks++;                                                                \
        if (!_a || !_b || strcmp(_a, _b) != 0) {                                      \
                test_failures++;                                                      \
                fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n",             \
                        __FILE__, __LINE__, #a, _a ? _a : "(null)", _b ? _b : "(null)"); \
        }                                                                             \
} while (0)

/* Path of a file under tests/data, for out-of-tree builds and distcheck. */
static inline const char *test_data(const char *name) {
        static char buf[4][1024];
        static int n;
        const char *top = getenv("top_srcdir");
        char *b = buf[n++ % 4];
        snprintf(b, sizeof(buf[0]), "%s/tests/data/%s", top ? top : ABS_TOP_SRCDIR, name);
        return b;
}

static inline int test_summary(const char *name) {
        printf("%s: %d checks, %d failed\n", name, test_checks, test_failures);
        return test_failures ? 1 : 0;
}
