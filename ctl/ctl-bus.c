/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmregsctl status, profile, compare --local: the local kvmregsd over D-Bus. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "busclient.h"
#include "ctl.h"
#include "util.h"

static const char *bus_where(const Ctl *ctl) {
        static char buf[512];

        if (!ctl->bus_address)
                return "kvmregsd on the system bus";
        snprintf(buf, sizeof(buf), "kvmregsd on %s", ctl->bus_address);
        return buf;
}

/*
 * After -ENOENT from a call naming a configuration: either kvmregsd is not there
 * (exit 3) or it lacks the configuration (exit 2, naming the ones it has).
 */
static int explain_enoent(BusClient *bus, const char *where, const char *what, const char *config,
                          const char *message) {
        _cleanup_free_ char *configs = NULL, *err = NULL, *list = NULL;

        if (busclient_get_property(bus, "Configs", &configs, &err) < 0) {
                ctl_error("%s: %s: kvmregsd is not running or not reachable (%s)", where, what,
                          message ? message : "no owner of " KVMREGS_BUS_NAME);
                return CTL_EXIT_UNREACHABLE;
        }
        list = malloc(strlen(configs) * 2 + 1);
        if (!list) {
                ctl_error("out of memory");
                return CTL_EXIT_USAGE;
        }
        /* "base,pmu" → "base, pmu", as the offline verbs say it. */
        for (char *c = configs, *o = list;; c++) {
                *o++ = *c;
                if (*c == ',')
                        *o++ = ' ';
                if (!*c)
                        break;
        }
        ctl_error("%s has no vCPU configuration '%s'; it has: %s", where, config, *list ? list : "none");
        return CTL_EXIT_USAGE;
}

int ctl_bus_call_failed(BusClient *bus, const char *where, const char *what, const char *config, int r,
                        const char *message) {
        if (r == -ENOENT && config)
                return explain_enoent(bus, where, what, config, message);
        if (r == -ENOENT) {
                ctl_error("%s: %s: kvmregsd is not running (%s); start it with 'systemctl start kvmregsd'",
                          where, what, message ? message : "no owner of " KVMREGS_BUS_NAME);
                return CTL_EXIT_UNREACHABLE;
        }
        ctl_bus_error(where, what, r, message);
        return r == -EIO ? CTL_EXIT_INCOMPATIBLE : ctl_exit_for_bus_error(r);
}

int ctl_profile(Ctl *ctl) {
        _cleanup_(busclient_freep) BusClient *bus = NULL;
        _cleanup_(profile_freep) Profile *p = NULL;
        _cleanup_free_ char *json = NULL, *message = NULL;
        const char *where = bus_where(ctl);
        int r;

        r = ctl_bus_connect(ctl, ctl->bus_address, where, &bus);
        if (r != CTL_EXIT_OK)
                return r;
        if (ctl->config)
                r = busclient_get_config(bus, ctl->config, &json, &message);
        else
                r = busclient_get_profile(bus, &json, &message);
        if (r < 0)
                return ctl_bus_call_failed(bus, where, ctl->config ? "GetConfig" : "GetProfile", ctl->config, r, message);

        /* What the daemon sends must parse like any profile; anything else is its fault, not ours. */
        r = ctl_parse_profile(where, json, strlen(json), &p);
        if (r != CTL_EXIT_OK)
                return CTL_EXIT_UNREACHABLE;
        if (ctl->json) {
                puts(json);
                return CTL_EXIT_OK;
        }
        return ctl_print_profile(ctl, p, ctl->config);
}

typedef struct DaemonStatus {
        char *state, *kernel_release, *digest, *configs;
} DaemonStatus;

static void daemon_status_done(DaemonStatus *s) {
        free(s->state);
        free(s->kernel_release);
        free(s->digest);
        free(s->configs);
}

int ctl_status(Ctl *ctl) {
        static const char *const properties[] = { "State", "KernelRelease", "Digest", "Configs" };
        _cleanup_(busclient_freep) BusClient *bus = NULL;
        _cleanup_(daemon_status_done) DaemonStatus status = {};
        char **values[] = { &status.state, &status.kernel_release, &status.digest, &status.configs };
        const char *where = bus_where(ctl);
        int r;

        r = ctl_bus_connect(ctl, ctl->bus_address, where, &bus);
        if (r != CTL_EXIT_OK)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(properties); i++) {
                _cleanup_free_ char *message = NULL;
                int k = busclient_get_property(bus, properties[i], values[i], &message);

                if (k < 0)
                        return ctl_bus_call_failed(bus, where, properties[i], NULL, k, message);
        }

        if (ctl->json) {
                _cleanup_json_ json_object *o = json_object_new_object();
                json_object *configs = json_object_new_array();

                if (!o || !configs) {
                        json_object_put(configs);
                        ctl_error("out of memory");
                        return CTL_EXIT_USAGE;
                }
                json_object_object_add(o, "bus", json_object_new_string(ctl->bus_address ? ctl->bus_address : "system"));
                json_object_object_add(o, "state", json_object_new_string(status.state));
                json_object_object_add(o, "kernel_release", json_object_new_string(status.kernel_release));
                json_object_object_add(o, "digest", json_object_new_string(status.digest));
                for (char *save = NULL, *t = strtok_r(status.configs, ",", &save); t; t = strtok_r(NULL, ",", &save))
                        json_object_array_add(configs, json_object_new_string(t));
                json_object_object_add(o, "configs", configs);
                return ctl_print_json(o) < 0 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
        }
        printf("Service:  %s (%s)\n", KVMREGS_BUS_NAME, ctl->bus_address ? ctl->bus_address : "system bus");
        printf("State:    %s\n", status.state);
        printf("Kernel:   %s\n", *status.kernel_release ? status.kernel_release : "-");
        printf("Digest:   %s\n", *status.digest ? status.digest : "-");
        printf("Configs:  ");
        for (const char *c = status.configs; *c; c++) {
                putchar(*c);
                if (*c == ',')
                        putchar(' ');
        }
        putchar('\n');
        return CTL_EXIT_OK;
}

/* Asks a kvmregsd to compare a source document (a profile or a guest's record) over one configuration. */
static int remote_compare_one(Ctl *ctl, BusClient *bus, const char *where, const char *source_json,
                              const char *config, char **ret_verdict, char **ret_report) {
        _cleanup_free_ char *message = NULL;
        int r;

        r = busclient_compare(bus, source_json, config, ret_verdict, ret_report, &message);
        if (r < 0)
                return ctl_bus_call_failed(bus, where, "Compare", config, r, message);
        return CTL_EXIT_OK;
}

int ctl_remote_compare(Ctl *ctl, BusClient *bus, const char *where, const char *source_json,
                       const Profile *source, const char *config) {
        _cleanup_json_ json_object *all = NULL;
        json_object *items = NULL;
        Verdict worst = VERDICT_COMPATIBLE;
        size_t n_compared = 0;
        int r;

        if (config) {
                _cleanup_free_ char *verdict = NULL, *report = NULL;

                r = remote_compare_one(ctl, bus, where, source_json, config, &verdict, &report);
                if (r != CTL_EXIT_OK)
                        return r;
                return ctl_print_report_json(ctl, where, verdict, report);
        }

        /* Every configuration the source runs, as the offline compare does. */
        all = json_object_new_object();
        items = json_object_new_array();
        if (!all || !items) {
                json_object_put(items);
                ctl_error("out of memory");
                return CTL_EXIT_USAGE;
        }
        json_object_object_add(all, "configs", items);
        for (size_t i = 0; i < source->n_configs; i++) {
                const VcpuConfig *c = &source->configs[i];
                _cleanup_free_ char *verdict = NULL, *report = NULL, *message = NULL;
                _cleanup_(report_freep) Report *rep = NULL;
                json_object *io;

                if (c->skipped)
                        continue;
                r = busclient_compare(bus, source_json, c->name, &verdict, &report, &message);
                io = json_object_new_object();
                if (!io) {
                        ctl_error("out of memory");
                        return CTL_EXIT_USAGE;
                }
                json_object_object_add(io, "config", json_object_new_string(c->name));
                json_object_array_add(items, io);
                if (r == -ENOENT) {
                        _cleanup_free_ char *configs = NULL, *err = NULL;

                        /* Not the configuration: the daemon itself is gone. */
                        if (busclient_get_property(bus, "Configs", &configs, &err) < 0)
                                return ctl_bus_call_failed(bus, where, "Compare", NULL, r, message);
                        json_object_object_add(io, "verdict", json_object_new_string("not-compared"));
                        json_object_object_add(io, "reason", json_object_new_string("the destination has no such configuration"));
                        if (!ctl->json)
                                printf("== %s: not compared: %s has no such configuration\n\n", c->name, where);
                        continue;
                }
                if (r < 0)
                        return ctl_bus_call_failed(bus, where, "Compare", NULL, r, message);
                rep = ctl_read_report_json(where, verdict, report);
                if (!rep)
                        return CTL_EXIT_UNREACHABLE;
                n_compared++;
                if (rep->verdict > worst)
                        worst = rep->verdict;
                json_object_object_add(io, "verdict", json_object_new_string(verdict_name(rep->verdict)));
                json_object_object_add(io, "report", ctl_report_json_object(rep));
                if (!ctl->json) {
                        printf("== %s ==\n", c->name);
                        fflush(stdout);
                        ctl_print_report(ctl, rep);
                        putchar('\n');
                }
        }
        if (n_compared == 0)
                worst = VERDICT_INCOMPATIBLE;
        if (ctl->json) {
                json_object_object_add(all, "verdict", json_object_new_string(verdict_name(worst)));
                if (ctl_print_json(all) < 0)
                        return CTL_EXIT_USAGE;
        } else {
                printf("Result: %s (the worst of %zu compared configuration%s)\n", verdict_name(worst), n_compared,
                       n_compared == 1 ? "" : "s");
        }
        return ctl_exit_for_verdict(worst);
}

int ctl_compare_local(Ctl *ctl) {
        _cleanup_(busclient_freep) BusClient *bus = NULL;
        _cleanup_(profile_freep) Profile *src = NULL;
        _cleanup_free_ char *data = NULL;
        const char *where = bus_where(ctl);
        int r;

        if (ctl->n_args != 1) {
                ctl_error("'compare --local' takes one SRC profile file; see kvmregsctl --help");
                return CTL_EXIT_USAGE;
        }
        if (ctl->dst_config) {
                ctl_error("--dst-config does not apply to --local: the local kvmregsd picks its own configuration");
                return CTL_EXIT_USAGE;
        }
        /* Check the source here: a bad file is the caller's error (2), not the daemon's. */
        r = ctl_load_profile(ctl->args[0], &src, &data);
        if (r != CTL_EXIT_OK)
                return r;
        if (ctl->config) {
                const VcpuConfig *c = ctl_get_config(src, ctl->args[0], ctl->config);

                if (!c)
                        return CTL_EXIT_USAGE;
                if (c->skipped) {
                        ctl_error("%s cannot run configuration '%s' (%s): no guest of it to migrate", ctl->args[0],
                                  c->name, c->skipped);
                        return CTL_EXIT_USAGE;
                }
        }

        r = ctl_bus_connect(ctl, ctl->bus_address, where, &bus);
        if (r != CTL_EXIT_OK)
                return r;
        return ctl_remote_compare(ctl, bus, where, data, src, ctl->config);
}

Report *ctl_read_report_json(const char *where, const char *verdict, const char *report_json) {
        _cleanup_(report_freep) Report *r = NULL;
        ProfileError e = {};
        int k;

        k = report_from_json(report_json, strlen(report_json), &r, &e);
        if (k == -ENOMEM) {
                ctl_error("out of memory");
                return NULL;
        }
        if (k < 0) {
                ctl_error("%s sent a report kvmregsctl cannot read: %s%s%s", where, e.path, e.path[0] ? ": " : "",
                          e.message[0] ? e.message : strerror(-k));
                return NULL;
        }
        if (strcmp(verdict, verdict_name(r->verdict)) != 0) {
                ctl_error("%s answered '%.64s' with a report that says '%s'", where, verdict, verdict_name(r->verdict));
                return NULL;
        }
        return TAKE_PTR(r);
}

int ctl_print_report_json(Ctl *ctl, const char *where, const char *verdict, const char *report_json) {
        _cleanup_(report_freep) Report *r = ctl_read_report_json(where, verdict, report_json);

        if (!r)
                return CTL_EXIT_UNREACHABLE;
        return ctl_print_report(ctl, r);
}
