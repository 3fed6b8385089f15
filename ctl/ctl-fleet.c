/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmregsctl fleet: every host against every other, and the groups a guest can move freely in. */
#include <errno.h>
#include <string.h>

#include "busclient.h"
#include "ctl.h"
#include "util.h"

typedef struct Cell {
        bool compared;           /* false: the source cannot run the configuration */
        Verdict verdict;
        size_t n_fatal;
} Cell;

typedef struct Fleet {
        Profile *profiles[CTL_MAX_PROFILES];
        char *labels[CTL_MAX_PROFILES];
        size_t n;
        Cell cells[CTL_MAX_PROFILES][CTL_MAX_PROFILES];
        size_t group_of[CTL_MAX_PROFILES];
        size_t n_groups;
        size_t n_unreachable;
} Fleet;

static void fleet_done(Fleet *f) {
        for (size_t i = 0; i < f->n; i++) {
                profile_free(f->profiles[i]);
                free(f->labels[i]);
        }
}

static int fleet_add(Fleet *f, Profile *p, const char *label) {
        if (f->n >= CTL_MAX_PROFILES) {
                profile_free(p);
                ctl_error("at most %u hosts in a fleet view", CTL_MAX_PROFILES);
                return CTL_EXIT_USAGE;
        }
        f->labels[f->n] = strdup(label);
        if (!f->labels[f->n]) {
                profile_free(p);
                ctl_error("out of memory");
                return CTL_EXIT_USAGE;
        }
        f->profiles[f->n++] = p;
        return CTL_EXIT_OK;
}

/* Fetches each host's profile over ssh; an unreachable host is left out and counted. */
static int fleet_add_hosts(Ctl *ctl, Fleet *f) {
        _cleanup_free_ char *list = strdup(ctl->hosts);
        char *save = NULL;

        if (!list) {
                ctl_error("out of memory");
                return CTL_EXIT_USAGE;
        }
        for (char *host = strtok_r(list, ",", &save); host; host = strtok_r(NULL, ",", &save)) {
                _cleanup_(busclient_freep) BusClient *bus = NULL;
                _cleanup_free_ char *address = NULL, *json = NULL, *message = NULL;
                Profile *p = NULL;
                char where[512];
                int r;

                snprintf(where, sizeof(where), "kvmregsd on %s (over ssh)", host);
                address = busclient_ssh_address(host, ctl->bridge, ctl->ssh_options);
                if (!address) {
                        ctl_error("cannot build the ssh address for host '%s'", host);
                        return CTL_EXIT_USAGE;
                }
                if (ctl_bus_connect(ctl, address, where, &bus) != CTL_EXIT_OK) {
                        f->n_unreachable++;
                        continue;
                }
                r = busclient_get_profile(bus, &json, &message);
                if (r < 0) {
                        ctl_bus_error(where, "GetProfile", r, message);
                        f->n_unreachable++;
                        continue;
                }
                if (ctl_parse_profile(where, json, strlen(json), &p) != CTL_EXIT_OK) {
                        f->n_unreachable++;
                        continue;
                }
                r = fleet_add(f, p, host);
                if (r != CTL_EXIT_OK)
                        return r;
        }
        return CTL_EXIT_OK;
}

static bool cell_ok(const Cell *c) {
        return c->compared && c->verdict != VERDICT_INCOMPATIBLE;
}

/*
 * Greedy, in the order given: a host joins the first group whose every member it can
 * take guests from and give guests to. Every group is mutually compatible; the
 * partition is not guaranteed to be the smallest one.
 */
static void fleet_group(Fleet *f) {
        for (size_t i = 0; i < f->n; i++) {
                size_t g;

                for (g = 0; g < f->n_groups; g++) {
                        bool fits = true;

                        for (size_t j = 0; j < i && fits; j++)
                                if (f->group_of[j] == g)
                                        fits = cell_ok(&f->cells[i][j]) && cell_ok(&f->cells[j][i]);
                        if (fits)
                                break;
                }
                f->group_of[i] = g;
                if (g == f->n_groups)
                        f->n_groups++;
        }
}

static int fleet_compare(Ctl *ctl, Fleet *f) {
        for (size_t i = 0; i < f->n; i++)
                for (size_t j = 0; j < f->n; j++) {
                        _cleanup_(comparison_freep) Comparison *c = NULL;
                        Cell *cell = &f->cells[i][j];
                        int r;

                        if (i == j) {
                                *cell = (Cell) { .compared = true, .verdict = VERDICT_COMPATIBLE };
                                continue;
                        }
                        r = comparison_new(f->profiles[i], f->profiles[j], ctl->config, NULL, &c);
                        if (r == -ENOENT || (r >= 0 && c->n_compared == 0 && ctl->config)) {
                                *cell = (Cell) { .compared = false };
                                continue;
                        }
                        if (r < 0) {
                                ctl_error("cannot compare %s with %s: %s", f->labels[i], f->labels[j], strerror(-r));
                                return CTL_EXIT_USAGE;
                        }
                        *cell = (Cell) { .compared = true, .verdict = c->verdict, .n_fatal = c->n_fatal };
                }
        fleet_group(f);
        return CTL_EXIT_OK;
}

/* "✓", "~", "✗12", "-": the cell's text and its width on a terminal. */
static int cell_text(const Cell *c, bool diagonal, char *buf, size_t size) {
        if (diagonal)
                return snprintf(buf, size, "·"), 1;
        if (!c->compared)
                return snprintf(buf, size, "-"), 1;
        switch (c->verdict) {
        case VERDICT_COMPATIBLE:
                return snprintf(buf, size, "✓"), 1;
        case VERDICT_ADJUSTED:
                return snprintf(buf, size, "~"), 1;
        default:
                return 1 + snprintf(buf, size, "✗%zu", c->n_fatal) - (int) strlen("✗");
        }
}

static void fleet_print_text(Ctl *ctl, const Fleet *f) {
        int label_width = 4;
        char cell[32];

        for (size_t i = 0; i < f->n; i++)
                if ((int) strlen(f->labels[i]) > label_width)
                        label_width = (int) strlen(f->labels[i]);

        printf("Fleet of %zu host%s, vCPU configuration%s %s: rows migrate to columns.\n"
               "  ✓ compatible   ~ compatible after adjustment   ✗N incompatible (N fatal findings)   - not run by the source\n\n",
               f->n, f->n == 1 ? "" : "s", ctl->config ? "" : "s", ctl->config ? ctl->config : "(all both run)");
        printf("  %3s %-*s", "", label_width, "FROM \\ TO");
        for (size_t j = 0; j < f->n; j++)
                printf(" %5zu", j + 1);
        putchar('\n');
        for (size_t i = 0; i < f->n; i++) {
                printf("  %3zu %-*s", i + 1, label_width, f->labels[i]);
                for (size_t j = 0; j < f->n; j++) {
                        int w = cell_text(&f->cells[i][j], i == j, cell, sizeof(cell));
                        printf(" %*s%s", 5 - w, "", cell);
                }
                putchar('\n');
        }
        printf("\nGroups (guests move freely both ways within a group):\n");
        for (size_t g = 0; g < f->n_groups; g++) {
                bool first = true;

                printf("  %zu:", g + 1);
                for (size_t i = 0; i < f->n; i++)
                        if (f->group_of[i] == g) {
                                printf("%s %s", first ? "" : ",", f->labels[i]);
                                first = false;
                        }
                putchar('\n');
        }
}

static int fleet_print_json(Ctl *ctl, const Fleet *f) {
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *hosts = json_object_new_array(), *matrix = json_object_new_array(), *groups = json_object_new_array();

        if (!o || !hosts || !matrix || !groups) {
                json_object_put(hosts);
                json_object_put(matrix);
                json_object_put(groups);
                ctl_error("out of memory");
                return CTL_EXIT_USAGE;
        }
        json_object_object_add(o, "config", ctl->config ? json_object_new_string(ctl->config) : NULL);
        json_object_object_add(o, "hosts", hosts);
        json_object_object_add(o, "matrix", matrix);
        json_object_object_add(o, "groups", groups);
        for (size_t i = 0; i < f->n; i++) {
                json_object_array_add(hosts, json_object_new_string(f->labels[i]));
                for (size_t j = 0; j < f->n; j++) {
                        const Cell *c = &f->cells[i][j];
                        json_object *e;

                        if (i == j)
                                continue;
                        e = json_object_new_object();
                        if (!e)
                                break;
                        json_object_object_add(e, "from", json_object_new_string(f->labels[i]));
                        json_object_object_add(e, "to", json_object_new_string(f->labels[j]));
                        json_object_object_add(e, "verdict", json_object_new_string(c->compared ? verdict_name(c->verdict) : "not-compared"));
                        json_object_object_add(e, "fatal", json_object_new_int64((int64_t) c->n_fatal));
                        json_object_array_add(matrix, e);
                }
        }
        for (size_t g = 0; g < f->n_groups; g++) {
                json_object *members = json_object_new_array();

                if (!members)
                        break;
                for (size_t i = 0; i < f->n; i++)
                        if (f->group_of[i] == g)
                                json_object_array_add(members, json_object_new_string(f->labels[i]));
                json_object_array_add(groups, members);
        }
        return ctl_print_json(o) < 0 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
}

int ctl_fleet(Ctl *ctl) {
        Fleet *f;
        int r = CTL_EXIT_OK;

        if (ctl->n_args == 0 && !ctl->hosts) {
                ctl_error("'fleet' takes PROFILE files or --hosts H1,H2,...; see kvmregsctl --help");
                return CTL_EXIT_USAGE;
        }
        /* Several MB of cells and pointers: not for the stack. */
        f = calloc(1, sizeof(*f));
        if (!f) {
                ctl_error("out of memory");
                return CTL_EXIT_USAGE;
        }
        for (size_t i = 0; i < ctl->n_args && r == CTL_EXIT_OK; i++) {
                Profile *p = NULL;

                r = ctl_load_profile(ctl->args[i], &p, NULL);
                if (r == CTL_EXIT_OK)
                        r = fleet_add(f, p, ctl_profile_label(p, ctl->args[i]));
        }
        if (r == CTL_EXIT_OK && ctl->hosts)
                r = fleet_add_hosts(ctl, f);
        if (r == CTL_EXIT_OK && f->n == 0) {
                ctl_error("no host's profile could be read");
                r = CTL_EXIT_UNREACHABLE;
        }
        if (r == CTL_EXIT_OK)
                r = fleet_compare(ctl, f);
        if (r == CTL_EXIT_OK)
                r = ctl->json ? fleet_print_json(ctl, f) : (fleet_print_text(ctl, f), CTL_EXIT_OK);
        if (r == CTL_EXIT_OK)
                r = f->n_unreachable ? CTL_EXIT_UNREACHABLE : f->n_groups > 1 ? CTL_EXIT_INCOMPATIBLE : CTL_EXIT_OK;
        fleet_done(f);
        free(f);
        return r;
}
