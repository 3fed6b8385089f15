/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * What a scheduler needs from the fleet (kvmregsctl export, docs/scheduler-export.md): a short
 * stable id per class, and which classes' guests each class's hosts accept. Decided here from
 * lib/fleet.h's matrix, so that export and `kvmregsctl matrix` can never disagree.
 */
#include <stdbool.h>
#include <stddef.h>

#include "fleet.h"

#define FLEET_CLASS_ID_LEN 12u    /* hex digits of the digest that name a class */

/* The class's short id: the first FLEET_CLASS_ID_LEN hex digits of its profile digest (lower case). */
void fleet_class_short_id(const Fleet *f, size_t class_id, char ret[FLEET_CLASS_ID_LEN + 1]);

/*
 * 0 when every class's short id is distinct; -EEXIST when two are not (*ret_a < *ret_b are the
 * first two classes that share one).
 */
int fleet_class_ids_check(const Fleet *f, size_t *ret_a, size_t *ret_b);

/* The configurations a profile can run (those not skipped). */
size_t fleet_runnable_configs(const Profile *p);

/*
 * Does a host of class host_class accept the guests started on the hosts of class guest_class:
 * does such a guest migrate there (compatible, or compatible after adjustment)?
 *   m->config set: the guest runs that configuration, and the matrix's cell for it works.
 *   m->config NULL: for every configuration the guest's class runs, whichever the guest runs:
 *     the cell works AND every configuration guest_class runs was compared (the destination
 *     runs each of them), so no configuration the destination lacks is overlooked. This is
 *     stricter than the matrix's "the worst of those both run".
 */
bool fleet_accepts(const Fleet *f, const FleetMatrix *m, size_t guest_class, size_t host_class);
