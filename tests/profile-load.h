/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* A recorded profile under tests/data for a unit test; the test cannot go on without it. */
#include <stdio.h>
#include <stdlib.h>

#include "profile.h"
#include "testutil.h"

static inline Profile *test_load_profile(const char *name) {
        Profile *p = NULL;
        ProfileError e = {};
        int r = profile_load(test_data(name), &p, &e);

        if (r < 0) {
                fprintf(stderr, "cannot load %s: %s: %s (%d)\n", name, e.path, e.message, r);
                exit(1);
        }
        return p;
}
