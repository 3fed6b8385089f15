/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * What the fuzz harnesses share: a broken invariant aborts (libFuzzer and the corpus replay
 * both report an abort as a failure, with the input that caused it), and the deep equality
 * of two parsed profiles that the round trip is held to.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "../profile-equal.h"

#define FUZZ_ASSERT(cond) do {                                                           \
        if (!(cond)) {                                                                   \
                fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
                abort();                                                                 \
        }                                                                                \
} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs over this are not tried: the parsers' limits are tested by the unit tests, and the
 * fuzzer's time is better spent on many small documents than a few big ones. */
#define FUZZ_MAX_INPUT (1024u * 1024u)

/* Strict UTF-8 (no overlong forms, no surrogates, at most U+10FFFF): errors travel over
 * D-Bus, which refuses anything else. */
static inline bool fuzz_utf8_valid(const char *s) {
        const unsigned char *p = (const unsigned char *) s;

        while (*p) {
                unsigned n;
                uint32_t cp;

                if (*p < 0x80) {
                        p++;
                        continue;
                }
                if (*p >= 0xc2 && *p <= 0xdf)
                        n = 1, cp = *p & 0x1f;
                else if (*p >= 0xe0 && *p <= 0xef)
                        n = 2, cp = *p & 0x0f;
                else if (*p >= 0xf0 && *p <= 0xf4)
                        n = 3, cp = *p & 0x07;
                else
                        return false;
                p++;
                for (unsigned i = 0; i < n; i++, p++) {
                        if ((*p & 0xc0) != 0x80)
                                return false;
                        cp = cp << 6 | (*p & 0x3f);
                }
                if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
                    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
                        return false;
        }
        return true;
}

/* Printable for a terminal and a D-Bus string: no control characters, valid UTF-8. */
static inline bool fuzz_text_clean(const char *s, size_t max) {
        size_t n = strnlen(s, max);

        if (n == max)
                return false;   /* not terminated inside its buffer */
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f)
                        return false;
        return fuzz_utf8_valid(s);
}

