/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "host-export.h"
#include "util.h"

int host_export_write(const Profile *p, const char *dir, FleetExportFormat format, char **ret_error) {
        _cleanup_(fleet_freep) Fleet *f = NULL;
        _cleanup_(fleet_matrix_freep) FleetMatrix *m = NULL;
        _cleanup_(fleet_export_freep) FleetExport *x = NULL;
        _cleanup_(profile_freep) Profile *copy = NULL;
        _cleanup_free_ char *json = NULL, *text = NULL, *why = NULL, *name = NULL;
        char host[HOST_NAME_MAX + 1] = "";
        ProfileError error = {};
        int r;

        /* the fleet owns its profiles: a copy of the served one, through the one format */
        json = profile_to_json(p, false);
        if (!json)
                return -ENOMEM;
        r = profile_parse(json, strlen(json), &copy, &error);
        if (r < 0) {
                *ret_error = strdup_printf("cannot copy the profile: %s", error.message);
                return r;
        }
        if (!p->hostname && gethostname(host, sizeof(host) - 1) < 0) {
                r = -errno;
                *ret_error = strdup_printf("cannot name this host: %s", strerror(-r));
                return r;
        }
        f = fleet_new();
        if (!f)
                return -ENOMEM;
        r = fleet_add_profile(f, TAKE_PTR(copy), p->hostname ? p->hostname : host, "kvmregsd");
        if (r < 0)
                return r;
        if (f->n_hosts != 1) {
                *ret_error = strdup_printf("'%s' cannot name a host in a scheduler file", p->hostname ? p->hostname : host);
                return -EINVAL;
        }
        r = fleet_matrix_new(f, NULL, 1, &m);
        if (r < 0)
                return r;
        r = fleet_export_new(f, m, format, &x, NULL, NULL);
        if (r < 0)
                return r;
        r = fleet_export_host_file(x, 0, &text, NULL, &why);
        if (r < 0) {
                *ret_error = TAKE_PTR(why);
                return r;
        }
        name = strdup_printf("%s.yaml", f->hosts[0].label);
        if (!name)
                return -ENOMEM;
        r = write_file_atomic(dir, name, text, strlen(text), NULL);
        if (r < 0)
                *ret_error = strdup_printf("cannot write %s/%s: %s", dir, name, strerror(-r));
        return r;
}
