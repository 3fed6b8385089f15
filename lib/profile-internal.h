/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* Private to lib/: what the profile's parts (parse, digest, write, records, lookups) share. */
#include <stddef.h>

#include "profile.h"

void named_ints_free(NamedInt *v, size_t n);
/* Adds src to the sorted union *dst; a register with two different values is -EINVAL (e filled). */
int regvalues_merge(RegValue **dst, size_t *n_dst, const RegValue *src, size_t n_src,
                    const char *path, ProfileError *e);
