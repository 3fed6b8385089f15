/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmregsctl's fleet views: loading the fleet (files, stores, --hosts), what was left out, exit
 * statuses, and `fleet` (= matrix + groups). lib/fleet.h decides; this lays out. */
#include <errno.h>
#include <string.h>

#include "busclient.h"
#include "ctl-fleet.h"
#include "regnames.h"
#include "util.h"

void ctl_fleet_done(CtlFleet *cf) {
        fleet_matrix_free(cf->matrix);
        fleet_free(cf->fleet);
        *cf = (CtlFleet) {};
}

/* Fetches each host's profile over ssh; an unreachable host is left out and counted. */
static int fleet_add_hosts(Ctl *ctl, CtlFleet *cf) {
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
                        cf->n_unreachable++;
                        continue;
                }
                r = busclient_get_profile(bus, &json, &message);
                if (r < 0) {
                        ctl_bus_error(where, "GetProfile", r, message);
                        cf->n_unreachable++;
                        continue;
                }
                if (ctl_parse_profile(where, json, strlen(json), &p) != CTL_EXIT_OK) {
                        cf->n_unreachable++;
                        continue;
                }
                r = fleet_add_profile(cf->fleet, p, host, where);
                if (r < 0) {
                        ctl_error("out of memory");
                        return CTL_EXIT_USAGE;
                }
        }
        return CTL_EXIT_OK;
}

static void say_problems(const Fleet *f) {
        for (size_t i = 0; i < f->n_problems; i++)
                ctl_error("%s: %s: %s", f->problems[i].left_out ? "left out" : "note", f->problems[i].what,
                          f->problems[i].reason);
}

int ctl_fleet_load(Ctl *ctl, CtlFleet *cf) {
        int r;

        *cf = (CtlFleet) {};
        if (ctl->per_host && ctl->per_class) {
                ctl_error("--per-host and --per-class exclude each other");
                return CTL_EXIT_USAGE;
        }
        if (ctl->csv && ctl->json) {
                ctl_error("--csv and --json exclude each other");
                return CTL_EXIT_USAGE;
        }
        r = fleet_load((const char *const *) ctl->args, ctl->n_args, 2, &cf->fleet);
        if (r == -ENOMEM) {
                ctl_error("out of memory");
                return CTL_EXIT_USAGE;
        }
        if (r == -ENODATA && ctl->hosts)
                r = 0;                     /* the hosts may still come */
        if (r == 0 && ctl->hosts) {
                r = fleet_add_hosts(ctl, cf);
                if (r != CTL_EXIT_OK)
                        return r;
        }
        say_problems(cf->fleet);
        if (cf->fleet->n_hosts == 0) {
                if (cf->n_unreachable) {
                        ctl_error("no host's profile could be read: every host was unreachable");
                        return CTL_EXIT_UNREACHABLE;
                }
                ctl_error("no host's profile could be read: the fleet is empty");
                return CTL_EXIT_EMPTY_FLEET;
        }
        r = fleet_matrix_new(cf->fleet, ctl->config, 2, &cf->matrix);
        if (r == -ENOENT) {
                ctl_error("no host has a vCPU configuration '%s'", ctl->config);
                return CTL_EXIT_USAGE;
        }
        if (r < 0) {
                ctl_error("cannot compare the fleet: %s", strerror(-r));
                return CTL_EXIT_USAGE;
        }
        return CTL_EXIT_OK;
}

int ctl_fleet_exit(const CtlFleet *cf, int verdict_status) {
        for (size_t i = 0; i < cf->fleet->n_problems; i++)
                if (cf->fleet->problems[i].left_out)
                        return CTL_EXIT_USAGE;
        if (cf->n_unreachable)
                return CTL_EXIT_UNREACHABLE;
        return verdict_status;
}

json_object *ctl_fleet_problems_json(const Fleet *f, bool left_out) {
        json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < f->n_problems; i++) {
                json_object *o;

                if (f->problems[i].left_out != left_out)
                        continue;
                o = json_object_new_object();
                if (!o || json_object_array_add(a, o) < 0) {
                        json_object_put(o);
                        json_object_put(a);
                        return NULL;
                }
                json_object_object_add(o, "what", json_object_new_string(f->problems[i].what));
                json_object_object_add(o, "reason", json_object_new_string(f->problems[i].reason));
        }
        return a;
}

/* ---- cells ---- */

const char *ctl_cell_mark(const FleetCell *c) {
        if (c->state == FLEET_CELL_NOT_RUN)
                return "-";
        if (!fleet_cell_works(c))
                return "✗";
        return c->verdict == VERDICT_ADJUSTED ? "~" : "✓";
}

const char *ctl_cell_verdict(const FleetCell *c) {
        if (c->state == FLEET_CELL_NOT_RUN)
                return "not-run";
        if (c->state == FLEET_CELL_NONE_COMMON)
                return "no-common-configuration";
        return verdict_name((Verdict) c->verdict);
}

static void cause_name(const FleetCause *cause, char *buf, size_t size) {
        if (cause->reg)
                reg_id_name(cause->reg, buf, size);
        else
                snprintf(buf, size, "(%s)", finding_kind_name((FindingKind) cause->kind));
}

void ctl_cell_cause(const Fleet *f, size_t from_class, const FleetCell *c, char *buf, size_t size) {
        const Profile *src = f->classes[from_class].profile;
        size_t len = 0;

        buf[0] = '\0';
        if (c->state == FLEET_CELL_NOT_RUN) {
                snprintf(buf, size, "the source cannot run the configuration");
                return;
        }
        if (c->state == FLEET_CELL_NONE_COMMON) {
                snprintf(buf, size, "no vCPU configuration both run");
                return;
        }
        for (size_t k = 0; k < c->n_causes && len < size; k++) {
                char name[REG_NAME_MAX];

                cause_name(&c->causes[k], name, sizeof(name));
                len += (size_t) snprintf(buf + len, size - len, "%s%s", k ? ", " : "", name);
        }
        if (len < size && c->n_causes > 0 && c->causes[0].config < src->n_configs)
                snprintf(buf + len, size - len, " in %s", src->configs[c->causes[0].config].name);
}

json_object *ctl_cell_json(const Fleet *f, size_t from_class, const FleetCell *c) {
        const Profile *src = f->classes[from_class].profile;
        json_object *o = json_object_new_object(), *causes = json_object_new_array();

        if (!o || !causes) {
                json_object_put(o);
                json_object_put(causes);
                return NULL;
        }
        json_object_object_add(o, "verdict", json_object_new_string(ctl_cell_verdict(c)));
        json_object_object_add(o, "fatal", json_object_new_int64(c->n_fatal));
        json_object_object_add(o, "compared", json_object_new_int64(c->n_compared));
        if (c->verdict == VERDICT_ADJUSTED && c->adjusted_config < src->n_configs)
                json_object_object_add(o, "adjusted_config",
                                       json_object_new_string(src->configs[c->adjusted_config].name));
        json_object_object_add(o, "first_fatal", causes);
        for (size_t k = 0; k < c->n_causes; k++) {
                json_object *x = json_object_new_object();
                char name[REG_NAME_MAX], id[32];

                if (!x)
                        break;
                cause_name(&c->causes[k], name, sizeof(name));
                snprintf(id, sizeof(id), "0x%016llx", (unsigned long long) c->causes[k].reg);
                json_object_object_add(x, "register", json_object_new_string(name));
                json_object_object_add(x, "id", json_object_new_string(id));
                json_object_object_add(x, "kind",
                                       json_object_new_string(finding_kind_name((FindingKind) c->causes[k].kind)));
                if (c->causes[k].config < src->n_configs)
                        json_object_object_add(x, "config",
                                               json_object_new_string(src->configs[c->causes[k].config].name));
                json_object_array_add(causes, x);
        }
        return o;
}

void ctl_class_hosts(const Fleet *f, size_t class_id, size_t except, size_t width, char *buf, size_t size) {
        const FleetClass *c = &f->classes[class_id];
        size_t len = 0, shown = 0, total = 0;

        buf[0] = '\0';
        for (size_t k = 0; k < c->n_hosts; k++) {
                const char *label = f->hosts[c->hosts[k]].label;

                if (c->hosts[k] == except)
                        continue;
                total++;
                if (len >= width || (shown > 0 && len + strlen(label) + 2 > width) || len + strlen(label) + 16 >= size)
                        continue;
                len += (size_t) snprintf(buf + len, size - len, "%s%s", shown ? ", " : "", label);
                shown++;
        }
        if (total > shown)
                snprintf(buf + len, size - len, "%s+%zu more", shown ? ", " : "", total - shown);
}

void ctl_csv_field(FILE *out, const char *s, bool last) {
        if (strpbrk(s, ",\"\r\n")) {
                fputc('"', out);
                for (; *s; s++) {
                        if (*s == '"')
                                fputc('"', out);
                        fputc(*s, out);
                }
                fputc('"', out);
        } else
                fputs(s, out);
        fputc(last ? '\n' : ',', out);
}

/* ---- matrix, groups, fleet ---- */

static bool all_work(const FleetMatrix *m) {
        for (size_t i = 0; i < m->n * m->n; i++)
                if (!fleet_cell_works(&m->cells[i]))
                        return false;
        return true;
}

int ctl_matrix(Ctl *ctl) {
        _cleanup_(ctl_fleet_done) CtlFleet cf = {};
        int r;

        r = ctl_fleet_load(ctl, &cf);
        if (r != CTL_EXIT_OK)
                return r;
        r = ctl_matrix_print(ctl, &cf, NULL);
        if (r != CTL_EXIT_OK)
                return r;
        return ctl_fleet_exit(&cf, all_work(cf.matrix) ? CTL_EXIT_OK : CTL_EXIT_INCOMPATIBLE);
}

static int groups_verb(Ctl *ctl, bool with_matrix) {
        _cleanup_(ctl_fleet_done) CtlFleet cf = {};
        _cleanup_(fleet_groups_freep) FleetGroups *g = NULL;
        _cleanup_json_ json_object *o = NULL;
        int r;

        if (ctl->csv) {
                ctl_error("--csv is for matrix and whatif");
                return CTL_EXIT_USAGE;
        }
        r = ctl_fleet_load(ctl, &cf);
        if (r != CTL_EXIT_OK)
                return r;
        r = fleet_groups_new(cf.fleet, cf.matrix, &g);
        if (r < 0) {
                ctl_error("cannot group the fleet: %s", strerror(-r));
                return CTL_EXIT_USAGE;
        }
        /* --json: one document, the matrix's keys and the groups' */
        if (ctl->json && !(o = json_object_new_object())) {
                ctl_error("out of memory");
                return CTL_EXIT_USAGE;
        }
        if (with_matrix) {
                r = ctl_matrix_print(ctl, &cf, o);
                if (r != CTL_EXIT_OK)
                        return r;
                if (!ctl->json)
                        putchar('\n');
        }
        r = ctl_groups_print(ctl, &cf, g, o);
        if (r != CTL_EXIT_OK)
                return r;
        if (o && ctl_print_json(o) < 0)
                return CTL_EXIT_USAGE;
        return ctl_fleet_exit(&cf, g->n_groups == 1 ? CTL_EXIT_OK : CTL_EXIT_INCOMPATIBLE);
}

int ctl_groups(Ctl *ctl) {
        return groups_verb(ctl, false);
}

int ctl_fleet(Ctl *ctl) {
        if (ctl->n_args == 0 && !ctl->hosts) {
                ctl_error("'fleet' takes DIR or PROFILE files, or --hosts H1,H2,...; see kvmregsctl --help");
                return CTL_EXIT_USAGE;
        }
        return groups_verb(ctl, true);
}
