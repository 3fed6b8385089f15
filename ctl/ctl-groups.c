/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmregsctl groups: the groups lib/fleet.c built (guests move freely both ways within one) and the
 * one-way edges between them, laid out (text, JSON). */
#include <errno.h>
#include <string.h>

#include "ctl-fleet.h"
#include "util.h"

#define HOSTS_WIDTH 72

static json_object *group_json(const Fleet *f, const FleetGroups *g, size_t i) {
        const FleetGroup *gr = &g->groups[i];
        json_object *o = json_object_new_object(), *classes = json_object_new_array(), *hosts = json_object_new_array();

        if (!o || !classes || !hosts) {
                json_object_put(o);
                json_object_put(classes);
                json_object_put(hosts);
                return NULL;
        }
        json_object_object_add(o, "group", json_object_new_int64((int64_t) i + 1));
        json_object_object_add(o, "classes", classes);
        json_object_object_add(o, "hosts", hosts);
        for (size_t k = 0; k < gr->n_classes; k++) {
                const FleetClass *c = &f->classes[gr->classes[k]];

                json_object_array_add(classes, json_object_new_int64((int64_t) gr->classes[k] + 1));
                for (size_t h = 0; h < c->n_hosts; h++)
                        json_object_array_add(hosts, json_object_new_string(f->hosts[c->hosts[h]].label));
        }
        return o;
}

static json_object *edge_json(const FleetEdge *e) {
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        json_object_object_add(o, "from", json_object_new_int64((int64_t) e->from + 1));
        json_object_object_add(o, "to", json_object_new_int64((int64_t) e->to + 1));
        json_object_object_add(o, "all", json_object_new_boolean(e->all));
        json_object_object_add(o, "all_back", json_object_new_boolean(e->all_back));
        json_object_object_add(o, "class_pairs", json_object_new_int64((int64_t) e->class_pairs));
        json_object_object_add(o, "class_pairs_working", json_object_new_int64((int64_t) e->class_pairs_working));
        json_object_object_add(o, "host_pairs", json_object_new_int64((int64_t) e->host_pairs));
        json_object_object_add(o, "host_pairs_working", json_object_new_int64((int64_t) e->host_pairs_working));
        return o;
}

static int groups_json(const CtlFleet *cf, const FleetGroups *g, json_object *into) {
        _cleanup_json_ json_object *own = NULL;
        json_object *o = into, *groups = json_object_new_array(), *edges = json_object_new_array();

        if (!o)
                o = own = json_object_new_object();
        if (!o || !groups || !edges) {
                json_object_put(groups);
                json_object_put(edges);
                ctl_error("out of memory");
                return CTL_EXIT_USAGE;
        }
        json_object_object_add(o, "groups", groups);
        json_object_object_add(o, "edges", edges);
        for (size_t i = 0; i < g->n_groups; i++)
                json_object_array_add(groups, group_json(cf->fleet, g, i));
        for (size_t i = 0; i < g->n_edges; i++)
                json_object_array_add(edges, edge_json(&g->edges[i]));
        if (own) {
                json_object_object_add(o, "left_out", ctl_fleet_problems_json(cf->fleet, true));
                json_object_object_add(o, "notes", ctl_fleet_problems_json(cf->fleet, false));
                if (ctl_print_json(own) < 0)
                        return CTL_EXIT_USAGE;
        }
        return CTL_EXIT_OK;
}

/* "a, b, c, +N more" over every class of a group */
static void group_hosts(const Fleet *f, const FleetGroup *gr, char *buf, size_t size) {
        size_t len = 0, more = 0;

        buf[0] = '\0';
        for (size_t k = 0; k < gr->n_classes; k++) {
                const FleetClass *c = &f->classes[gr->classes[k]];

                for (size_t h = 0; h < c->n_hosts; h++) {
                        const char *label = f->hosts[c->hosts[h]].label;

                        if (more || (len > 0 && len + strlen(label) + 2 > HOSTS_WIDTH) || len + strlen(label) + 16 >= size) {
                                more++;
                                continue;
                        }
                        len += (size_t) snprintf(buf + len, size - len, "%s%s", len ? ", " : "", label);
                }
        }
        if (more)
                snprintf(buf + len, size - len, ", +%zu more", more);
}

int ctl_groups_print(Ctl *ctl, const CtlFleet *cf, const FleetGroups *g, json_object *into) {
        const Fleet *f = cf->fleet;
        char buf[1024];
        size_t partial = 0;

        if (ctl->json)
                return groups_json(cf, g, into);

        printf("Groups (guests move freely both ways within a group): %zu group%s of %zu host%s.\n",
               g->n_groups, g->n_groups == 1 ? "" : "s", f->n_hosts, f->n_hosts == 1 ? "" : "s");
        for (size_t i = 0; i < g->n_groups; i++) {
                const FleetGroup *gr = &g->groups[i];
                size_t len = 0;
                char classes[256];

                group_hosts(f, gr, buf, sizeof(buf));
                printf("  %zu: %s\n", i + 1, buf);
                for (size_t k = 0; k < gr->n_classes && len < sizeof(classes) - 16; k++)
                        len += (size_t) snprintf(classes + len, sizeof(classes) - len, "%s%zu", k ? ", " : "",
                                                 gr->classes[k] + 1);
                if (len >= sizeof(classes) - 16)
                        snprintf(classes + len, sizeof(classes) - len, ", ...");
                printf("     %zu host%s, class%s %s\n", gr->n_hosts, gr->n_hosts == 1 ? "" : "s",
                       gr->n_classes == 1 ? "" : "es", classes);
        }
        printf("\nOne way (every guest of the first group can move to the second, not all back):\n");
        for (size_t i = 0; i < g->n_edges; i++) {
                const FleetEdge *e = &g->edges[i];

                if (!e->all || e->all_back) {
                        partial += !e->all;
                        continue;
                }
                printf("  %zu -> %zu: every guest of group %zu can move to group %zu (%llu host pair%s)\n", e->from + 1,
                       e->to + 1, e->from + 1, e->to + 1, (unsigned long long) e->host_pairs,
                       e->host_pairs == 1 ? "" : "s");
        }
        for (size_t i = 0; i < g->n_edges; i++) {
                const FleetEdge *e = &g->edges[i];

                if (e->all && e->all_back)
                        printf("  %zu <-> %zu: every guest moves both ways (the greedy grouping kept them apart)\n",
                               e->from + 1, e->to + 1);
        }
        if (partial) {
                printf("\nPartly (some classes of the first group migrate to some of the second):\n");
                for (size_t i = 0; i < g->n_edges; i++) {
                        const FleetEdge *e = &g->edges[i];

                        if (!e->all)
                                printf("  %zu -> %zu: %llu of %llu host pairs\n", e->from + 1, e->to + 1,
                                       (unsigned long long) e->host_pairs_working, (unsigned long long) e->host_pairs);
                }
        }
        if (fflush(stdout) != 0) {
                ctl_error("cannot write the groups: %s", strerror(errno));
                return CTL_EXIT_USAGE;
        }
        return CTL_EXIT_OK;
}
