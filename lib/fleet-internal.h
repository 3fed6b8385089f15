/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* Private to lib/fleet*.c. */
#include <stddef.h>

#include "fleet.h"

#define FLEET_MAX_THREADS 16u

/* run(data, i) for i in [0, n) on up to threads threads (0: 2), the caller's among them; the
 * first negative return stops the others from starting new items and is returned. */
int fleet_run_parallel(size_t n, unsigned threads, int (*run)(void *data, size_t i), void *data);
/* One cell: src's guests to dst over config (NULL: all both run). -ENOMEM. */
int fleet_cell_compute(const Profile *src, const Profile *dst, const char *config, FleetCell *ret);
