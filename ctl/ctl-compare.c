/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmregsctl compare: offline, two recorded profiles; and the printing every verb that compares shares. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "fleet.h"
#include "regnames.h"
#include "util.h"

/* Names of the registers with fatal findings for a table cell: the first ones that fit
 * in about 60 columns, then how many more (--verbose and --json list them all). */
static void fatal_registers(const Report *r, char *buf, size_t size) {
        size_t len = 0, more = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < r->n_findings; i++) {
                const Finding *f = &r->findings[i];
                char name[REG_NAME_MAX];
                bool seen = false;

                if (f->severity != SEVERITY_FATAL)
                        continue;
                for (size_t j = 0; j < i && !seen; j++)
                        seen = f->reg && r->findings[j].severity == SEVERITY_FATAL && r->findings[j].reg == f->reg;
                if (seen)
                        continue;
                if (f->reg)
                        reg_id_name(f->reg, name, sizeof(name));
                else
                        snprintf(name, sizeof(name), "(%s)", finding_kind_name(f->kind));
                if (more > 0 || len + strlen(name) + 2 > 60 || len + strlen(name) + 2 >= size) {
                        more++;
                        continue;
                }
                len += (size_t) snprintf(buf + len, size - len, "%s%s", len ? ", " : "", name);
        }
        if (more > 0)
                snprintf(buf + len, size - len, ", +%zu more", more);
}

json_object *ctl_report_json_object(const Report *r) {
        _cleanup_free_ char *s = report_to_json(r, false);

        return s ? json_tokener_parse(s) : NULL;
}

int ctl_print_report(Ctl *ctl, const Report *r) {
        _cleanup_free_ char *text = NULL;

        if (ctl->summary || ctl->json) {
                /* --json: exactly what kvmregsd's Compare and CompareDomain send */
                text = ctl->summary ? report_summary(r) : report_to_json(r, false);
                if (!text) {
                        ctl_error("out of memory");
                        return CTL_EXIT_USAGE;
                }
                puts(text);
        } else if (report_print_with(r, stdout, &(ReportPrintOptions) { .verbose = ctl->verbose,
                                                                         .colour = report_colour_wanted(stdout) }) < 0) {
                ctl_error("cannot print the report");
                return CTL_EXIT_USAGE;
        }
        if (fflush(stdout) != 0) {
                ctl_error("cannot write the report: %s", strerror(errno));
                return CTL_EXIT_USAGE;
        }
        return ctl_exit_for_verdict(r->verdict);
}

static void print_adjustments(const Report *r) {
        if (r->verdict != VERDICT_ADJUSTED || r->n_adjustments == 0)
                return;
        printf("  %s: adjust the destination's vCPU with:", r->config);
        for (size_t i = 0; i < r->n_adjustments; i++)
                printf(" %s", r->adjustments[i]);
        putchar('\n');
}

static int print_one(Ctl *ctl, const Report *r, const char *src_name, const char *dst_name) {
        if (ctl->json) {
                _cleanup_json_ json_object *o = ctl_report_json_object(r);

                return ctl_print_json(o) < 0 ? CTL_EXIT_USAGE : ctl_exit_for_verdict(r->verdict);
        }
        printf("%s -> %s, vCPU configuration %s", src_name, dst_name, r->config);
        if (r->dst_config && strcmp(r->dst_config, r->config) != 0)
                printf(" (destination: %s)", r->dst_config);
        printf(": %s\n\n", verdict_name(r->verdict));
        fflush(stdout);
        if (report_print_with(r, stdout, &(ReportPrintOptions) { .verbose = ctl->verbose,
                                                                 .colour = report_colour_wanted(stdout) }) < 0) {
                ctl_error("cannot print the report");
                return CTL_EXIT_USAGE;
        }
        return ctl_exit_for_verdict(r->verdict);
}

static int print_comparison(Ctl *ctl, const ConfigComparison *c, const char *src_name, const char *dst_name) {
        char regs[512];

        if (ctl->json) {
                _cleanup_json_ json_object *o = json_object_new_object();
                json_object *items = json_object_new_array();

                if (!o || !items) {
                        json_object_put(items);
                        ctl_error("out of memory");
                        return CTL_EXIT_USAGE;
                }
                json_object_object_add(o, "source", json_object_new_string(src_name));
                json_object_object_add(o, "destination", json_object_new_string(dst_name));
                json_object_object_add(o, "verdict", json_object_new_string(verdict_name(c->verdict)));
                json_object_object_add(o, "fatal", json_object_new_int64((int64_t) c->n_fatal));
                json_object_object_add(o, "configs", items);
                for (size_t i = 0; i < c->n_items; i++) {
                        const ConfigComparisonItem *it = &c->items[i];
                        json_object *io = json_object_new_object();

                        if (!io)
                                break;
                        json_object_object_add(io, "config", json_object_new_string(it->config->name));
                        if (it->report) {
                                json_object_object_add(io, "verdict", json_object_new_string(verdict_name(it->report->verdict)));
                                json_object_object_add(io, "fatal", json_object_new_int64((int64_t) report_count_fatal(it->report)));
                                json_object_object_add(io, "report", ctl_report_json_object(it->report));
                        } else {
                                json_object_object_add(io, "verdict", json_object_new_string("not-compared"));
                                json_object_object_add(io, "reason", json_object_new_string(it->not_compared));
                        }
                        json_object_array_add(items, io);
                }
                return ctl_print_json(o) < 0 ? CTL_EXIT_USAGE : ctl_exit_for_verdict(c->verdict);
        }

        printf("%s -> %s\n\n", src_name, dst_name);
        printf("  %-12s %-28s %5s %5s %6s  %s\n", "CONFIG", "VERDICT", "SRC", "DST", "FATAL", "FATAL REGISTERS / NOTE");
        for (size_t i = 0; i < c->n_items; i++) {
                const ConfigComparisonItem *it = &c->items[i];

                if (!it->report) {
                        printf("  %-12s %-28s %5s %5s %6s  %s\n", it->config->name, "not compared", "-", "-", "-",
                               it->not_compared);
                        continue;
                }
                fatal_registers(it->report, regs, sizeof(regs));
                printf("  %-12s %-28s %5zu %5zu %6zu  %s\n", it->config->name, verdict_name(it->report->verdict),
                       it->report->src_count, it->report->dst_count, report_count_fatal(it->report), regs);
        }
        for (size_t i = 0; i < c->n_items; i++)
                if (c->items[i].report)
                        print_adjustments(c->items[i].report);
        if (c->n_compared == 0)
                printf("\nNo vCPU configuration is run by both hosts: a guest cannot move from %s to %s.\n",
                       src_name, dst_name);
        printf("\nResult: %s (the worst of %zu compared configuration%s)\n", verdict_name(c->verdict),
               c->n_compared, c->n_compared == 1 ? "" : "s");
        for (size_t i = 0; i < c->n_items; i++)
                if (c->items[i].report) {
                        _cleanup_free_ char *qemu = report_qemu_text(c->items[i].report);

                        printf("QEMU: %s\n", qemu ? qemu : strerror(ENOMEM));
                        break;
                }
        if (ctl->verbose)
                for (size_t i = 0; i < c->n_items; i++)
                        if (c->items[i].report) {
                                printf("\n== %s ==\n", c->items[i].config->name);
                                fflush(stdout);
                                report_print_with(c->items[i].report, stdout,
                                                  &(ReportPrintOptions) { .verbose = true,
                                                                          .colour = report_colour_wanted(stdout) });
                        }
        return ctl_exit_for_verdict(c->verdict);
}

int ctl_compare_profiles(Ctl *ctl, const Profile *src, const char *src_name, const Profile *dst,
                         const char *dst_name, const char *config, const char *dst_config) {
        _cleanup_(config_comparison_freep) ConfigComparison *c = NULL;
        const VcpuConfig *s;
        int r;

        if (dst_config && !config) {
                ctl_error("--dst-config needs --config: it names the destination configuration to hold the source's against");
                return CTL_EXIT_USAGE;
        }
        if (config) {
                s = ctl_get_config(src, src_name, config);
                if (!s)
                        return CTL_EXIT_USAGE;
                if (s->skipped) {
                        ctl_error("%s cannot run configuration '%s' (%s): no guest of it to migrate", src_name,
                                  config, s->skipped);
                        return CTL_EXIT_USAGE;
                }
                if (dst_config && !ctl_get_config(dst, dst_name, dst_config))
                        return CTL_EXIT_USAGE;
        }

        r = config_comparison_new(src, dst, config, dst_config, &c);
        if (r < 0) {
                ctl_error("cannot compare %s with %s: %s", src_name, dst_name, strerror(-r));
                return CTL_EXIT_USAGE;
        }
        if (config)
                return print_one(ctl, c->items[0].report, src_name, dst_name);
        return print_comparison(ctl, c, src_name, dst_name);
}

static int apply_one(const char *option, const char *version, Profile *p) {
        ProfileQemu q = {
                .version = (char *) version,
                .has_load = true,
                .detected = QEMU_DETECTED_OPTION,
                .origin = QEMU_ORIGIN_OPTION,
        };

        if (!version || !p)
                return CTL_EXIT_OK;
        if (qemu_load_from_version(version, &q.load) < 0) {
                ctl_error("%s takes a QEMU version such as 7.2, 11.1.3 or 1:11.1.3+ds-1, not '%s'", option, version);
                return CTL_EXIT_USAGE;
        }
        /* The version given replaces the profile's QEMU, recorded load_behaviour included. */
        if (profile_set_qemu(p, &q) < 0) {
                ctl_error("%s", strerror(ENOMEM));
                return CTL_EXIT_USAGE;
        }
        return CTL_EXIT_OK;
}

int ctl_apply_qemu(Ctl *ctl, Profile *src, Profile *dst) {
        int r;

        r = apply_one("--src-qemu", ctl->src_qemu, src);
        if (r == CTL_EXIT_OK)
                r = apply_one("--dst-qemu", ctl->dst_qemu, dst);
        return r;
}

int ctl_compare(Ctl *ctl) {
        _cleanup_(profile_freep) Profile *src = NULL, *dst = NULL;
        int r;

        r = ctl_load_profile(ctl->args[0], &src, NULL);
        if (r != CTL_EXIT_OK)
                return r;
        r = ctl_load_profile(ctl->args[1], &dst, NULL);
        if (r != CTL_EXIT_OK)
                return r;
        r = ctl_apply_qemu(ctl, src, dst);
        if (r != CTL_EXIT_OK)
                return r;
        return ctl_compare_profiles(ctl, src, ctl_profile_label(src, ctl->args[0]), dst,
                                    ctl_profile_label(dst, ctl->args[1]), ctl->config, ctl->dst_config);
}
