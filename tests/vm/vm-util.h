/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* Helpers shared by the in-kernel replay (replay.c, cross-compiled) and the host-side checker. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

static inline bool parse_hex(const char *s, uint64_t *ret) {
        char *end;

        if (!s || strncmp(s, "0x", 2) != 0)
                return false;
        errno = 0;
        *ret = strtoull(s, &end, 16);
        return errno == 0 && *end == '\0' && end != s + 2;
}
