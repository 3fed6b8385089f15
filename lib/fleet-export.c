/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Class ids and "who accepts whom" for scheduler exports (lib/fleet-export.h). */
#include <errno.h>
#include <string.h>

#include "fleet-export.h"

void fleet_class_short_id(const Fleet *f, size_t class_id, char ret[FLEET_CLASS_ID_LEN + 1]) {
        memcpy(ret, f->classes[class_id].profile->digest, FLEET_CLASS_ID_LEN);
        ret[FLEET_CLASS_ID_LEN] = '\0';
}

int fleet_class_ids_check(const Fleet *f, size_t *ret_a, size_t *ret_b) {
        /* 40 classes are usual; 1,000 distinct profiles are 500,000 memcmp()s: no table needed */
        for (size_t a = 0; a < f->n_classes; a++)
                for (size_t b = a + 1; b < f->n_classes; b++)
                        if (memcmp(f->classes[a].profile->digest, f->classes[b].profile->digest,
                                   FLEET_CLASS_ID_LEN) == 0) {
                                if (ret_a)
                                        *ret_a = a;
                                if (ret_b)
                                        *ret_b = b;
                                return -EEXIST;
                        }
        return 0;
}

size_t fleet_runnable_configs(const Profile *p) {
        size_t n = 0;

        for (size_t i = 0; i < p->n_configs; i++)
                if (!p->configs[i].skipped)
                        n++;
        return n;
}

bool fleet_accepts(const Fleet *f, const FleetMatrix *m, size_t guest_class, size_t host_class) {
        const FleetCell *c;

        if (guest_class >= m->n || host_class >= m->n || m->n != f->n_classes)
                return false;
        c = fleet_cell(m, guest_class, host_class);
        if (!fleet_cell_works(c))
                return false;
        if (m->config)
                return true;
        return c->n_compared == fleet_runnable_configs(f->classes[guest_class].profile);
}
