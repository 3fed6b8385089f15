/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* Private to lib/: what the profile's parts (parse, digest, write, records, lookups) share. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"

void named_ints_free(NamedInt *v, size_t n);
/* Adds src to the sorted union *dst; a register with two different values is -EINVAL (e filled). */
int regvalues_merge(RegValue **dst, size_t *n_dst, const RegValue *src, size_t n_src,
                    const char *path, ProfileError *e);

int cmp_u64(const void *a, const void *b);
int cmp_regvalue(const void *a, const void *b);     /* by id */
int cmp_named_int(const void *a, const void *b);    /* by name */
/* Binary searches of sorted arrays (NULL-safe). */
const RegValue *regvalues_find(const RegValue *v, size_t n, uint64_t id);
const NamedInt *named_ints_find(const NamedInt *v, size_t n, const char *name);
bool u64_sorted_contains(const uint64_t *v, size_t n, uint64_t id);
