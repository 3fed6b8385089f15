/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fleet views (fleet.h): which configurations are compared, classes, the matrix, groups, what-if. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "fleet-internal.h"
#include "fleet.h"
#include "util.h"

/* ---- which configurations two profiles are compared over ---- */

ConfigComparison *config_comparison_free(ConfigComparison *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_items; i++) {
                report_free(c->items[i].report);
                free(c->items[i].not_compared);
        }
        free(c->items);
        free(c);
        return NULL;
}

size_t report_count_fatal(const Report *r) {
        size_t n = 0;

        for (size_t i = 0; i < r->n_findings; i++)
                if (r->findings[i].severity == SEVERITY_FATAL)
                        n++;
        return n;
}

static void comparison_add_report(ConfigComparison *c, const VcpuConfig *config, Report *report) {
        ConfigComparisonItem *it = &c->items[c->n_items++];

        it->config = config;
        it->report = report;
        c->n_compared++;
        c->n_fatal += report_count_fatal(report);
        if (c->n_compared == 1 || report->verdict > c->verdict)
                c->verdict = report->verdict;
}

static int comparison_add_skipped(ConfigComparison *c, const VcpuConfig *config, const char *why) {
        ConfigComparisonItem *it = &c->items[c->n_items];

        it->config = config;
        it->not_compared = strdup(why);
        if (!it->not_compared)
                return -ENOMEM;
        c->n_items++;
        return 0;
}

int config_comparison_new(const Profile *src, const Profile *dst, const char *config, const char *dst_config,
                          ConfigComparison **ret) {
        _cleanup_(config_comparison_freep) ConfigComparison *c = NULL;
        int r;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->items = calloc(src->n_configs ? src->n_configs : 1, sizeof(*c->items));
        if (!c->items)
                return -ENOMEM;
        c->verdict = VERDICT_INCOMPATIBLE;

        for (size_t i = 0; i < src->n_configs; i++) {
                const VcpuConfig *s = &src->configs[i], *d;
                char why[512];
                Report *report = NULL;

                if (config && strcmp(s->name, config) != 0)
                        continue;
                if (s->skipped) {
                        snprintf(why, sizeof(why), "the source cannot run it (%s)", s->skipped);
                        r = comparison_add_skipped(c, s, why);
                        if (r < 0)
                                return r;
                        continue;
                }
                d = profile_get_config(dst, dst_config && config ? dst_config : s->name);
                /* Over every configuration, compare what both run; one named configuration is
                 * compared whatever the destination has, so that the rules say why it fails. */
                if (!config && (!d || d->skipped)) {
                        snprintf(why, sizeof(why), "the destination %s", d ? "cannot run it" : "has no such configuration");
                        if (d) {
                                size_t len = strlen(why);
                                snprintf(why + len, sizeof(why) - len, " (%s)", d->skipped);
                        }
                        r = comparison_add_skipped(c, s, why);
                        if (r < 0)
                                return r;
                        continue;
                }
                r = profile_compare(src, s->name, dst, config ? dst_config : NULL, &report);
                if (r < 0)
                        return r;
                comparison_add_report(c, s, report);
        }
        if (config && c->n_items == 0)
                return -ENOENT;
        *ret = TAKE_PTR(c);
        return 0;
}

/* ---- threads ---- */

typedef struct Work {
        size_t n;                            /* items */
        atomic_size_t next;
        atomic_int error;
        int (*run)(struct Work *w, size_t i);
        void *data;
} Work;

static void *work_thread(void *arg) {
        Work *w = arg;

        for (;;) {
                size_t i = atomic_fetch_add(&w->next, 1);
                int r;

                if (i >= w->n || atomic_load(&w->error) != 0)
                        break;
                r = w->run(w, i);
                if (r < 0) {
                        int zero = 0;
                        atomic_compare_exchange_strong(&w->error, &zero, r);
                }
        }
        return NULL;
}

typedef struct Trampoline {
        int (*run)(void *data, size_t i);
        void *data;
} Trampoline;

static int trampoline(Work *w, size_t i) {
        Trampoline *t = w->data;
        return t->run(t->data, i);
}

int fleet_run_parallel(size_t n, unsigned threads, int (*run)(void *data, size_t i), void *data) {
        Trampoline t = { run, data };
        Work w = { .n = n, .run = trampoline, .data = &t };
        pthread_t tid[FLEET_MAX_THREADS];
        unsigned started = 0;

        atomic_init(&w.next, 0);
        atomic_init(&w.error, 0);
        if (threads == 0)
                threads = 2;
        if (threads > FLEET_MAX_THREADS)
                threads = FLEET_MAX_THREADS;
        if (threads > n)
                threads = n ? (unsigned) n : 1;
        /* the calling thread is one of them */
        for (unsigned k = 1; k < threads; k++) {
                if (pthread_create(&tid[started], NULL, work_thread, &w) != 0)
                        break;
                started++;
        }
        work_thread(&w);
        for (unsigned k = 0; k < started; k++)
                pthread_join(tid[k], NULL);
        return atomic_load(&w.error);
}

/* ---- the matrix ---- */

FleetMatrix *fleet_matrix_free(FleetMatrix *m) {
        if (!m)
                return NULL;
        free(m->config);
        free(m->cells);
        free(m);
        return NULL;
}

bool fleet_cell_works(const FleetCell *c) {
        return c->state == FLEET_CELL_COMPARED && c->verdict != VERDICT_INCOMPATIBLE;
}

/* The cell of src against dst over config: the verdict and the first fatal registers. */
int fleet_cell_compute(const Profile *src, const Profile *dst, const char *config, FleetCell *ret) {
        _cleanup_(config_comparison_freep) ConfigComparison *c = NULL;
        FleetCell cell = { .verdict = VERDICT_INCOMPATIBLE };
        bool adjusted_seen = false;
        int r;

        r = config_comparison_new(src, dst, config, NULL, &c);
        if (r == -ENOENT) {
                cell.state = FLEET_CELL_NOT_RUN;
                *ret = cell;
                return 0;
        }
        if (r < 0)
                return r;
        if (c->n_compared == 0) {
                cell.state = config ? FLEET_CELL_NOT_RUN : FLEET_CELL_NONE_COMMON;
                *ret = cell;
                return 0;
        }
        cell.verdict = (uint8_t) c->verdict;
        cell.n_fatal = (uint32_t) c->n_fatal;
        cell.n_compared = (uint32_t) c->n_compared;
        for (size_t i = 0; i < c->n_items; i++) {
                const Report *rep = c->items[i].report;
                uint8_t config_index = (uint8_t) (c->items[i].config - src->configs);

                if (!rep)
                        continue;
                if (rep->verdict == VERDICT_ADJUSTED && !adjusted_seen) {
                        cell.adjusted_config = config_index;
                        adjusted_seen = true;
                }
                for (size_t k = 0; k < rep->n_findings && cell.n_causes < FLEET_CELL_CAUSES; k++) {
                        const Finding *fi = &rep->findings[k];
                        bool seen = false;

                        if (fi->severity != SEVERITY_FATAL)
                                continue;
                        for (size_t j = 0; j < cell.n_causes && !seen; j++)
                                seen = cell.causes[j].reg == fi->reg && cell.causes[j].kind == fi->kind;
                        if (!seen)
                                cell.causes[cell.n_causes++] = (FleetCause) {
                                        .reg = fi->reg, .kind = (uint8_t) fi->kind, .config = config_index };
                }
        }
        *ret = cell;
        return 0;
}

typedef struct MatrixJob {
        const Fleet *f;
        FleetMatrix *m;
} MatrixJob;

static int matrix_row(void *data, size_t i) {
        MatrixJob *job = data;

        for (size_t j = 0; j < job->m->n; j++) {
                int r = fleet_cell_compute(job->f->classes[i].profile, job->f->classes[j].profile, job->m->config,
                                           &job->m->cells[i * job->m->n + j]);
                if (r < 0)
                        return r;
        }
        return 0;
}

int fleet_matrix_new(const Fleet *f, const char *config, unsigned threads, FleetMatrix **ret) {
        _cleanup_(fleet_matrix_freep) FleetMatrix *m = NULL;
        MatrixJob job;
        bool found = !config;
        int r;

        for (size_t i = 0; i < f->n_classes && !found; i++)
                found = profile_get_config(f->classes[i].profile, config) != NULL;
        if (!found)
                return -ENOENT;
        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->n = f->n_classes;
        if (config && !(m->config = strdup(config)))
                return -ENOMEM;
        if (m->n > 0 && m->n > SIZE_MAX / sizeof(FleetCell) / m->n)
                return -ENOMEM;
        m->cells = calloc(m->n ? m->n * m->n : 1, sizeof(FleetCell));
        if (!m->cells)
                return -ENOMEM;
        job = (MatrixJob) { f, m };
        r = fleet_run_parallel(m->n, threads, matrix_row, &job);
        if (r < 0)
                return r;
        m->n_comparisons = m->n * m->n;
        *ret = TAKE_PTR(m);
        return 0;
}

int fleet_cell_comparison(const Fleet *f, const FleetMatrix *m, size_t from, size_t to, ConfigComparison **ret) {
        if (from >= f->n_classes || to >= f->n_classes)
                return -EINVAL;
        return config_comparison_new(f->classes[from].profile, f->classes[to].profile, m->config, NULL, ret);
}

/* ---- groups ---- */

FleetGroups *fleet_groups_free(FleetGroups *g) {
        if (!g)
                return NULL;
        for (size_t i = 0; i < g->n_groups; i++)
                free(g->groups[i].classes);
        free(g->groups);
        free(g->group_of);
        free(g->edges);
        free(g);
        return NULL;
}

static const Fleet *sort_fleet;   /* qsort has no context argument; set under the caller's only thread */

static int by_size(const void *a, const void *b) {
        size_t x = *(const size_t *) a, y = *(const size_t *) b;
        size_t nx = sort_fleet->classes[x].n_hosts, ny = sort_fleet->classes[y].n_hosts;

        if (nx != ny)
                return nx > ny ? -1 : 1;
        return x < y ? -1 : x > y;
}

static bool two_way(const FleetMatrix *m, size_t a, size_t b) {
        return fleet_cell_works(fleet_cell(m, a, b)) && fleet_cell_works(fleet_cell(m, b, a));
}

int fleet_groups_new(const Fleet *f, const FleetMatrix *m, FleetGroups **ret) {
        _cleanup_(fleet_groups_freep) FleetGroups *g = NULL;
        _cleanup_free_ size_t *order = NULL;
        _cleanup_free_ uint32_t *pairs = NULL, *pairs_working = NULL;
        _cleanup_free_ uint64_t *hosts = NULL, *hosts_working = NULL;
        size_t n = f->n_classes, ng;
        static pthread_mutex_t sort_lock = PTHREAD_MUTEX_INITIALIZER;

        if (m->n != n)
                return -EINVAL;
        g = calloc(1, sizeof(*g));
        order = calloc(n + 1, sizeof(size_t));
        g->group_of = g ? calloc(n + 1, sizeof(size_t)) : NULL;
        if (!g || !order || !g->group_of)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                order[i] = i;
        pthread_mutex_lock(&sort_lock);
        sort_fleet = f;
        qsort(order, n, sizeof(size_t), by_size);
        pthread_mutex_unlock(&sort_lock);

        /* a group is tested against the classes placed so far (order[0..k)), by group_of */
        ng = 0;
        for (size_t k = 0; k < n; k++) {
                size_t c = order[k], gi = ng;

                if (two_way(m, c, c))
                        for (gi = 0; gi < ng; gi++) {
                                bool fits = true;

                                for (size_t q = 0; q < k && fits; q++)
                                        if (g->group_of[order[q]] == gi)
                                                fits = two_way(m, c, order[q]);
                                if (fits)
                                        break;
                        }
                g->group_of[c] = gi;
                if (gi == ng)
                        ng++;
        }
        /* A class that fails with itself starts a group nothing joins (it fails with everyone
         * two-way, since a class works with itself whenever a guest of it can move at all). */

        g->groups = calloc(ng ? ng : 1, sizeof(FleetGroup));
        if (!g->groups)
                return -ENOMEM;
        g->n_groups = ng;
        for (size_t c = 0; c < n; c++) {
                FleetGroup *gr = &g->groups[g->group_of[c]];
                gr->n_classes++;
                gr->n_hosts += f->classes[c].n_hosts;
        }
        for (size_t i = 0; i < ng; i++) {
                g->groups[i].classes = malloc(g->groups[i].n_classes * sizeof(size_t));
                if (!g->groups[i].classes)
                        return -ENOMEM;
                g->groups[i].n_classes = 0;
        }
        for (size_t c = 0; c < n; c++) {
                FleetGroup *gr = &g->groups[g->group_of[c]];
                gr->classes[gr->n_classes++] = c;     /* ascending already */
        }

        /* Edges: counts per ordered pair of groups over every class pair. */
        if (ng > 0 && ng > SIZE_MAX / sizeof(uint64_t) / ng)
                return -ENOMEM;
        pairs = calloc(ng * ng + 1, sizeof(uint32_t));
        pairs_working = calloc(ng * ng + 1, sizeof(uint32_t));
        hosts = calloc(ng * ng + 1, sizeof(uint64_t));
        hosts_working = calloc(ng * ng + 1, sizeof(uint64_t));
        if (!pairs || !pairs_working || !hosts || !hosts_working)
                return -ENOMEM;
        for (size_t a = 0; a < n; a++)
                for (size_t b = 0; b < n; b++) {
                        size_t ga = g->group_of[a], gb = g->group_of[b], k = ga * ng + gb;
                        uint64_t hp = (uint64_t) f->classes[a].n_hosts * f->classes[b].n_hosts;

                        if (ga == gb)
                                continue;
                        pairs[k]++;
                        hosts[k] += hp;
                        if (fleet_cell_works(fleet_cell(m, a, b))) {
                                pairs_working[k]++;
                                hosts_working[k] += hp;
                        }
                }
        for (size_t k = 0; k < ng * ng; k++)
                if (pairs_working[k])
                        g->n_edges++;
        g->edges = calloc(g->n_edges + 1, sizeof(FleetEdge));
        if (!g->edges)
                return -ENOMEM;
        g->n_edges = 0;
        for (size_t a = 0; a < ng; a++)
                for (size_t b = 0; b < ng; b++) {
                        size_t k = a * ng + b, back = b * ng + a;

                        if (!pairs_working[k])
                                continue;
                        g->edges[g->n_edges++] = (FleetEdge) {
                                .from = a, .to = b,
                                .class_pairs = pairs[k], .class_pairs_working = pairs_working[k],
                                .host_pairs = hosts[k], .host_pairs_working = hosts_working[k],
                                .all = pairs_working[k] == pairs[k],
                                .all_back = pairs_working[k] == pairs[k] && pairs_working[back] == pairs[back],
                        };
                }
        *ret = TAKE_PTR(g);
        return 0;
}

/* ---- what if ---- */

FleetWhatIf *fleet_whatif_free(FleetWhatIf *w) {
        if (!w)
                return NULL;
        profile_free(w->new_profile);
        free(w->changes);
        free(w);
        return NULL;
}

typedef struct WhatIfJob {
        const Fleet *f;
        const FleetMatrix *m;
        const Profile *p;
        FleetCell *from, *to;         /* new → class j, class j → new */
} WhatIfJob;

static int whatif_one(void *data, size_t j) {
        WhatIfJob *job = data;
        int r;

        r = fleet_cell_compute(job->p, job->f->classes[j].profile, job->m->config, &job->from[j]);
        if (r < 0)
                return r;
        return fleet_cell_compute(job->f->classes[j].profile, job->p, job->m->config, &job->to[j]);
}

static int change_cmp(const void *a, const void *b) {
        const FleetChange *x = a, *y = b;

        if (x->breaks != y->breaks)
                return x->breaks ? -1 : 1;
        if (x->direction != y->direction)
                return x->direction < y->direction ? -1 : 1;
        return x->other_class < y->other_class ? -1 : x->other_class > y->other_class;
}

int fleet_whatif(const Fleet *f, const FleetMatrix *m, const char *name, Profile *new_profile, unsigned threads,
                 FleetWhatIf **ret) {
        _cleanup_(profile_freep) Profile *p = new_profile;
        _cleanup_(fleet_whatif_freep) FleetWhatIf *w = NULL;
        _cleanup_free_ FleetCell *from = NULL, *to = NULL;
        const FleetHost *h;
        size_t n = f->n_classes;
        int r;

        if (!p || m->n != n)
                return -EINVAL;
        h = fleet_find_host(f, name);
        if (!h)
                return -ENOENT;
        w = calloc(1, sizeof(*w));
        from = calloc(n + 1, sizeof(FleetCell));
        to = calloc(n + 1, sizeof(FleetCell));
        if (!w || !from || !to)
                return -ENOMEM;
        w->host = (size_t) (h - f->hosts);
        w->old_class = h->class_id;
        w->new_class = SIZE_MAX;
        for (size_t c = 0; c < n && w->new_class == SIZE_MAX; c++)
                if (strcmp(f->classes[c].profile->digest, p->digest) == 0)
                        w->new_class = c;
        if (w->new_class != SIZE_MAX) {
                for (size_t j = 0; j < n; j++) {
                        from[j] = *fleet_cell(m, w->new_class, j);
                        to[j] = *fleet_cell(m, j, w->new_class);
                }
        } else {
                WhatIfJob job = { f, m, p, from, to };

                r = fleet_run_parallel(n, threads, whatif_one, &job);
                if (r < 0)
                        return r;
                w->n_comparisons = 2 * n;
        }
        w->changes = calloc(2 * n + 1, sizeof(FleetChange));
        if (!w->changes)
                return -ENOMEM;
        for (size_t j = 0; j < n; j++) {
                size_t others = f->classes[j].n_hosts - (j == w->old_class ? 1 : 0);

                if (others == 0)
                        continue;
                for (int d = 0; d < 2; d++) {
                        FleetCell before = d == FLEET_FROM_HOST ? *fleet_cell(m, w->old_class, j) : *fleet_cell(m, j, w->old_class);
                        FleetCell after = d == FLEET_FROM_HOST ? from[j] : to[j];
                        bool was = fleet_cell_works(&before), is = fleet_cell_works(&after);

                        if (was == is)
                                continue;
                        w->changes[w->n_changes++] = (FleetChange) {
                                .direction = (FleetDirection) d, .other_class = j, .n_hosts = others,
                                .before = before, .after = after, .breaks = was,
                        };
                        if (was)
                                w->host_pairs_broken += others;
                        else
                                w->host_pairs_new += others;
                }
        }
        qsort(w->changes, w->n_changes, sizeof(FleetChange), change_cmp);
        w->new_profile = TAKE_PTR(p);
        *ret = TAKE_PTR(w);
        return 0;
}
