/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmregsctl matrix: the class x class verdicts lib/fleet.c computed, laid out (text, JSON, CSV). */
#include <errno.h>
#include <string.h>

#include "ctl-fleet.h"
#include "util.h"

#define NAMES_WIDTH 40
#define MAX(a, b) ((a) > (b) ? (a) : (b))

static json_object *classes_json(const Fleet *f) {
        json_object *a = json_object_new_array();

        for (size_t c = 0; a && c < f->n_classes; c++) {
                const Profile *p = f->classes[c].profile;
                json_object *o = json_object_new_object(), *hosts = json_object_new_array();

                if (!o || !hosts || json_object_array_add(a, o) < 0) {
                        json_object_put(o);
                        json_object_put(hosts);
                        json_object_put(a);
                        return NULL;
                }
                json_object_object_add(o, "class", json_object_new_int64((int64_t) c + 1));
                json_object_object_add(o, "digest", json_object_new_string(p->digest));
                json_object_object_add(o, "kernel", p->kernel ? json_object_new_string(p->kernel) : NULL);
                json_object_object_add(o, "hosts", hosts);
                for (size_t k = 0; k < f->classes[c].n_hosts; k++)
                        json_object_array_add(hosts, json_object_new_string(f->hosts[f->classes[c].hosts[k]].label));
        }
        return a;
}

static json_object *hosts_json(const Fleet *f) {
        json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < f->n_hosts; i++)
                json_object_array_add(a, json_object_new_string(f->hosts[i].label));
        return a;
}

static int matrix_json(Ctl *ctl, const CtlFleet *cf, json_object *into) {
        _cleanup_json_ json_object *own = NULL;
        const Fleet *f = cf->fleet;
        const FleetMatrix *m = cf->matrix;
        json_object *o = into, *matrix;

        if (!o && !(o = own = json_object_new_object()))
                goto oom;
        json_object_object_add(o, "config", m->config ? json_object_new_string(m->config) : NULL);
        json_object_object_add(o, "per", json_object_new_string(ctl->per_host ? "host" : "class"));
        json_object_object_add(o, "hosts", hosts_json(f));
        json_object_object_add(o, "classes", classes_json(f));
        matrix = json_object_new_array();
        if (!matrix)
                goto oom;
        json_object_object_add(o, "matrix", matrix);
        if (ctl->per_host) {
                /* every ordered pair of different hosts */
                for (size_t i = 0; i < f->n_hosts; i++)
                        for (size_t j = 0; j < f->n_hosts; j++) {
                                size_t a = f->hosts[i].class_id, b = f->hosts[j].class_id;
                                json_object *x;

                                if (i == j)
                                        continue;
                                x = ctl_cell_json(f, a, fleet_cell(m, a, b));
                                if (!x || json_object_array_add(matrix, x) < 0) {
                                        json_object_put(x);
                                        goto oom;
                                }
                                json_object_object_add(x, "from", json_object_new_string(f->hosts[i].label));
                                json_object_object_add(x, "to", json_object_new_string(f->hosts[j].label));
                                json_object_object_add(x, "from_class", json_object_new_int64((int64_t) a + 1));
                                json_object_object_add(x, "to_class", json_object_new_int64((int64_t) b + 1));
                        }
        } else
                for (size_t a = 0; a < m->n; a++)
                        for (size_t b = 0; b < m->n; b++) {
                                json_object *x = ctl_cell_json(f, a, fleet_cell(m, a, b));

                                if (!x || json_object_array_add(matrix, x) < 0) {
                                        json_object_put(x);
                                        goto oom;
                                }
                                json_object_object_add(x, "from", json_object_new_int64((int64_t) a + 1));
                                json_object_object_add(x, "to", json_object_new_int64((int64_t) b + 1));
                        }
        json_object_object_add(o, "left_out", ctl_fleet_problems_json(f, true));
        json_object_object_add(o, "notes", ctl_fleet_problems_json(f, false));
        if (own && ctl_print_json(own) < 0)
                return CTL_EXIT_USAGE;
        return CTL_EXIT_OK;
oom:
        ctl_error("out of memory");
        return CTL_EXIT_USAGE;
}

static void csv_cell(const Fleet *f, size_t from_class, const FleetCell *c) {
        char regs[512] = "", n[32];
        size_t len = 0;
        _cleanup_json_ json_object *x = ctl_cell_json(f, from_class, c);
        json_object *causes = NULL, *config = NULL;

        if (x && json_object_object_get_ex(x, "first_fatal", &causes))
                for (size_t k = 0; k < json_object_array_length(causes) && len < sizeof(regs); k++) {
                        json_object *cause = json_object_array_get_idx(causes, k), *name;

                        json_object_object_get_ex(cause, "register", &name);
                        if (!config)
                                json_object_object_get_ex(cause, "config", &config);
                        len += (size_t) snprintf(regs + len, sizeof(regs) - len, "%s%s", k ? " " : "",
                                                 json_object_get_string(name));
                }
        ctl_csv_field(stdout, ctl_cell_verdict(c), false);
        snprintf(n, sizeof(n), "%u", c->n_fatal);
        ctl_csv_field(stdout, n, false);
        ctl_csv_field(stdout, regs, false);
        ctl_csv_field(stdout, config ? json_object_get_string(config) : "", true);
}

static int matrix_csv(Ctl *ctl, const CtlFleet *cf) {
        const Fleet *f = cf->fleet;
        const FleetMatrix *m = cf->matrix;
        char a_id[32], b_id[32];

        if (ctl->per_host) {
                puts("from,to,from_class,to_class,verdict,fatal,first_fatal,config");
                for (size_t i = 0; i < f->n_hosts; i++)
                        for (size_t j = 0; j < f->n_hosts; j++) {
                                size_t a = f->hosts[i].class_id, b = f->hosts[j].class_id;

                                if (i == j)
                                        continue;
                                snprintf(a_id, sizeof(a_id), "%zu", a + 1);
                                snprintf(b_id, sizeof(b_id), "%zu", b + 1);
                                ctl_csv_field(stdout, f->hosts[i].label, false);
                                ctl_csv_field(stdout, f->hosts[j].label, false);
                                ctl_csv_field(stdout, a_id, false);
                                ctl_csv_field(stdout, b_id, false);
                                csv_cell(f, a, fleet_cell(m, a, b));
                        }
        } else {
                puts("from_class,to_class,from_hosts,to_hosts,verdict,fatal,first_fatal,config");
                for (size_t a = 0; a < m->n; a++)
                        for (size_t b = 0; b < m->n; b++) {
                                char na[32], nb[32];

                                snprintf(a_id, sizeof(a_id), "%zu", a + 1);
                                snprintf(b_id, sizeof(b_id), "%zu", b + 1);
                                snprintf(na, sizeof(na), "%zu", f->classes[a].n_hosts);
                                snprintf(nb, sizeof(nb), "%zu", f->classes[b].n_hosts);
                                ctl_csv_field(stdout, a_id, false);
                                ctl_csv_field(stdout, b_id, false);
                                ctl_csv_field(stdout, na, false);
                                ctl_csv_field(stdout, nb, false);
                                csv_cell(f, a, fleet_cell(m, a, b));
                        }
        }
        if (fflush(stdout) != 0) {
                ctl_error("cannot write the matrix: %s", strerror(errno));
                return CTL_EXIT_USAGE;
        }
        return CTL_EXIT_OK;
}

/* Footnotes: one per distinct cause text, numbered in order of first use (row by row). */
typedef struct Notes {
        json_object *index;           /* cause text → note number (json-c's hash table) */
        char **texts;
        size_t n;
} Notes;

static void notes_done(Notes *n) {
        json_object_put(n->index);
        for (size_t i = 0; i < n->n; i++)
                free(n->texts[i]);
        free(n->texts);
}

static size_t note_for(Notes *n, const char *text) {
        json_object *v;
        char **bigger;

        if (json_object_object_get_ex(n->index, text, &v))
                return (size_t) json_object_get_int64(v);
        bigger = realloc(n->texts, (n->n + 1) * sizeof(char *));
        if (!bigger)
                return 0;
        n->texts = bigger;
        n->texts[n->n] = strdup(text);
        if (!n->texts[n->n])
                return 0;
        n->n++;
        json_object_object_add(n->index, text, json_object_new_int64((int64_t) n->n));
        return n->n;
}

static int matrix_text(Ctl *ctl, const CtlFleet *cf) {
        const Fleet *f = cf->fleet;
        const FleetMatrix *m = cf->matrix;
        Notes notes = { .index = json_object_new_object() };
        size_t *cell_note = NULL;
        int width = 3, id_width = 5, kernel_width = 6;
        char buf[1024], text[32];

        cell_note = calloc(m->n * m->n + 1, sizeof(size_t));
        if (!notes.index || !cell_note) {
                notes_done(&notes);
                free(cell_note);
                ctl_error("out of memory");
                return CTL_EXIT_USAGE;
        }
        for (size_t a = 0; a < m->n; a++) {
                const char *k = f->classes[a].profile->kernel;

                if (k && (int) strlen(k) > kernel_width)
                        kernel_width = (int) strlen(k);
                for (size_t b = 0; b < m->n; b++) {
                        const FleetCell *c = fleet_cell(m, a, b);

                        if (fleet_cell_works(c) || c->state == FLEET_CELL_NOT_RUN)
                                continue;
                        ctl_cell_cause(f, a, c, buf, sizeof(buf));
                        cell_note[a * m->n + b] = note_for(&notes, buf);
                        width = MAX(width, snprintf(text, sizeof(text), "%zu", cell_note[a * m->n + b]) + 2);
                }
        }
        width = MAX(width, snprintf(text, sizeof(text), "%zu", m->n) + 1);

        printf("%zu host%s in %zu class%s (hosts with identical profiles), vCPU configuration%s %s.\n"
               "Rows migrate to columns: ✓ compatible   ~ compatible after adjustment   ✗N incompatible (note N)\n"
               "   - the source cannot run the configuration\n\n",
               f->n_hosts, f->n_hosts == 1 ? "" : "s", m->n, m->n == 1 ? "" : "es", m->config ? "" : "s",
               m->config ? m->config : "(all both run)");
        printf("  %*s %5s  %-*s  %-*s ", id_width, "CLASS", "HOSTS", kernel_width, "KERNEL", NAMES_WIDTH, "HOST NAMES");
        for (size_t b = 0; b < m->n; b++)
                printf("%*zu", width, b + 1);
        putchar('\n');
        for (size_t a = 0; a < m->n; a++) {
                const char *k = f->classes[a].profile->kernel;

                ctl_class_hosts(f, a, SIZE_MAX, NAMES_WIDTH, buf, sizeof(buf));
                printf("  %*zu %5zu  %-*s  %-*s ", id_width, a + 1, f->classes[a].n_hosts, kernel_width, k ? k : "?",
                       NAMES_WIDTH, buf);
                for (size_t b = 0; b < m->n; b++) {
                        const FleetCell *c = fleet_cell(m, a, b);
                        size_t note = cell_note[a * m->n + b];
                        int w;

                        if (note)
                                w = 1 + snprintf(text, sizeof(text), "%zu", note);
                        else
                                w = 1, text[0] = '\0';
                        /* marks are one column wide but several bytes */
                        printf("%*s%s%s", width - w, "", ctl_cell_mark(c), text);
                }
                putchar('\n');
        }
        if (notes.n > 0) {
                printf("\nWhy ✗ (the first fatal registers, and the configuration):\n");
                for (size_t i = 0; i < notes.n; i++)
                        printf("  ✗%-*zu %s\n", width - 1, i + 1, notes.texts[i]);
        }
        if (ctl->verbose)
                for (size_t a = 0; a < m->n; a++)
                        printf("\nClass %zu: digest %s\n", a + 1, f->classes[a].profile->digest);
        notes_done(&notes);
        free(cell_note);
        if (fflush(stdout) != 0) {
                ctl_error("cannot write the matrix: %s", strerror(errno));
                return CTL_EXIT_USAGE;
        }
        return CTL_EXIT_OK;
}

int ctl_matrix_print(Ctl *ctl, const CtlFleet *cf, json_object *into) {
        if (ctl->json)
                return matrix_json(ctl, cf, into);
        if (ctl->csv)
                return matrix_csv(ctl, cf);
        return matrix_text(ctl, cf);
}
