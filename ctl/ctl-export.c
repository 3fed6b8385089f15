/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvmregsctl export --format kubevirt|nova DIR|FILE... [-o OUTDIR]: what a scheduler needs so that
 * it never picks an incompatible migration target (docs/scheduler-export.md). Who accepts whom and
 * the files' layout are lib/fleet-export.h's (kvmregsd writes its own host's file with the same
 * code); this writes them for every host and says what it did.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl-fleet.h"
#include "fleet-export.h"
#include "util.h"

typedef struct Export {
        const FleetExport *x;
        const char *outdir;
        json_object *nodes;                     /* kubevirt: labels.json's "nodes" */
        json_object *written;                   /* file names */
        size_t n_skipped;
} Export;

static int export_host(Export *e, size_t host) {
        const FleetHost *h = &e->x->fleet->hosts[host];
        _cleanup_free_ char *name = NULL, *text = NULL, *why = NULL;
        json_object *labels = NULL;
        int r;

        if (e->x->format == FLEET_EXPORT_KUBEVIRT) {
                labels = json_object_new_object();
                if (!labels)
                        return -ENOMEM;
        }
        r = fleet_export_host_file(e->x, host, &text, labels, &why);
        if (r < 0)
                json_object_put(labels);
        if (r == -EINVAL) {
                /* a host name the scheduler cannot use: left out, the rest written */
                ctl_error("left out: %s", why ? why : h->label);
                e->n_skipped++;
                return 0;
        }
        if (r == -EBADMSG)
                ctl_error("%s", why ? why : "a label or trait would be invalid");
        if (r < 0)
                return r;
        if (labels && json_object_object_add(e->nodes, h->label, labels) < 0) {
                json_object_put(labels);
                return -ENOMEM;
        }
        name = strdup_printf("%s.yaml", h->label);
        if (!name)
                return -ENOMEM;
        r = write_file_atomic(e->outdir, name, text, strlen(text), NULL);
        if (r < 0) {
                ctl_error("export: cannot write %s/%s: %s", e->outdir, name, strerror(-r));
                return r;
        }
        json_object_array_add(e->written, json_object_new_string(name));
        return 0;
}

int ctl_export(Ctl *ctl) {
        _cleanup_(fleet_export_freep) FleetExport *x = NULL;
        _cleanup_json_ json_object *labels = NULL, *summary = NULL;
        CtlFleet cf = {};
        Export e = { .outdir = ctl->output ? ctl->output : "." };
        FleetExportFormat format;
        struct stat st;
        size_t a = 0, b = 0, n;
        int r, status = CTL_EXIT_USAGE;

        if (!ctl->format) {
                ctl_error("export needs --format kubevirt or --format nova; see kvmregsctl --help");
                return CTL_EXIT_USAGE;
        }
        if (fleet_export_format_from_name(ctl->format, &format) < 0) {
                ctl_error("export: --format is kubevirt or nova, not '%s'", ctl->format);
                return CTL_EXIT_USAGE;
        }
        r = ctl_fleet_load(ctl, &cf);
        if (r != CTL_EXIT_OK) {
                if (cf.fleet)
                        ctl_fleet_done(&cf);
                return r;
        }
        n = cf.fleet->n_classes;
        r = fleet_export_new(cf.fleet, cf.matrix, format, &x, &a, &b);
        if (r == -EEXIST) {
                ctl_error("export: classes %zu and %zu share the id %.*s (digests %s, %s); cannot label them apart",
                          a + 1, b + 1, (int) FLEET_CLASS_ID_LEN, cf.fleet->classes[a].profile->digest,
                          cf.fleet->classes[a].profile->digest, cf.fleet->classes[b].profile->digest);
                goto finish;
        }
        if (r < 0) {
                ctl_error("out of memory");
                goto finish;
        }
        e.x = x;
        if (mkdir(e.outdir, 0755) < 0 && errno != EEXIST) {
                ctl_error("export: cannot create %s: %s", e.outdir, strerror(errno));
                goto finish;
        }
        if (stat(e.outdir, &st) < 0 || !S_ISDIR(st.st_mode)) {
                ctl_error("export: %s is not a directory", e.outdir);
                goto finish;
        }
        e.nodes = labels = json_object_new_object();
        e.written = json_object_new_array();
        summary = json_object_new_object();
        if (!labels || !e.written || !summary) {
                json_object_put(e.written);
                ctl_error("out of memory");
                goto finish;
        }
        json_object_object_add(summary, "written", e.written);

        for (size_t i = 0; i < cf.fleet->n_hosts; i++) {
                r = export_host(&e, i);
                if (r == -ENOMEM)
                        ctl_error("out of memory");
                if (r < 0)
                        goto finish;
        }
        if (format == FLEET_EXPORT_KUBEVIRT) {
                _cleanup_free_ char *text = fleet_export_labels_json(x, labels);

                if (!text) {
                        ctl_error("out of memory");
                        goto finish;
                }
                r = write_file_atomic(e.outdir, "labels.json", text, strlen(text), NULL);
                if (r < 0) {
                        ctl_error("export: cannot write %s/labels.json: %s", e.outdir, strerror(-r));
                        goto finish;
                }
                json_object_array_add(e.written, json_object_new_string("labels.json"));
        }
        if (ctl->json) {
                json_object_object_add(summary, "format", json_object_new_string(ctl->format));
                json_object_object_add(summary, "config", cf.matrix->config ? json_object_new_string(cf.matrix->config) : NULL);
                json_object_object_add(summary, "outdir", json_object_new_string(e.outdir));
                json_object_object_add(summary, "classes", fleet_export_classes_json(x));
                json_object_object_add(summary, "left_out", ctl_fleet_problems_json(cf.fleet, true));
                if (ctl_print_json(summary) < 0)
                        goto finish;
        } else {
                size_t files = json_object_array_length(e.written);

                printf("%zu host%s in %zu class%s: %zu file%s written to %s (%s)\n", cf.fleet->n_hosts,
                       cf.fleet->n_hosts == 1 ? "" : "s", n, n == 1 ? "" : "es", files, files == 1 ? "" : "s",
                       e.outdir, ctl->format);
                for (size_t c = 0; c < n; c++) {
                        size_t k = 0;

                        printf("  class %s (%zu host%s) accepts the guests of:", x->ids[c], cf.fleet->classes[c].n_hosts,
                               cf.fleet->classes[c].n_hosts == 1 ? "" : "s");
                        for (size_t g = 0; g < n; g++)
                                if (x->accepts[c * n + g]) {
                                        printf(" %s", x->ids[g]);
                                        k++;
                                }
                        puts(k ? "" : " none");
                }
        }
        status = e.n_skipped ? CTL_EXIT_USAGE : ctl_fleet_exit(&cf, CTL_EXIT_OK);
finish:
        x = fleet_export_free(x);
        ctl_fleet_done(&cf);
        return status;
}
