/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvmregs-probe: probe_host() as the daemon runs it, printed as a profile document.
 * Runs inside the test kernels (tests/vm/run-vm-tests.sh).
 * Usage: kvmregs-probe [LABEL]   Exit status: 0 printed, 1 the probe failed (reason on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "util.h"

int main(int argc, char **argv) {
        _cleanup_(profile_freep) Profile *profile = NULL;
        _cleanup_free_ char *reason = NULL, *json = NULL;
        int r;

        r = probe_host("/dev/kvm", &profile, &reason);
        if (r < 0) {
                fprintf(stderr, "kvmregs-probe: %s (%s)\n", reason ? reason : "probe failed", strerror(-r));
                return 1;
        }
        if (argc > 1) {
                char *label = strdup(argv[1]);
                if (!label)
                        return 1;
                free(profile->label);
                profile->label = label;
        }
        json = profile_to_json(profile, true);
        if (!json) {
                fprintf(stderr, "kvmregs-probe: out of memory\n");
                return 1;
        }
        puts(json);
        return 0;
}
