/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reports: names, the human report (grouped by cause, lib/report-group.c), the JSON form and the one-message summary. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "json-doc.h"
#include "report-group.h"
#include "rules.h"
#include "util.h"

Report *report_free(Report *r) {
        if (!r)
                return NULL;
        /* The findings array holds every message and remedy in the same allocation (rules.c). */
        free(r->findings);
        for (size_t i = 0; i < r->n_adjustments; i++)
                free(r->adjustments[i]);
        free(r->adjustments);
        free(r->config);
        free(r->dst_config);
        free(r->dst_qemu_version);
        free(r->src_qemu_version);
        free(r->dst_qemu_emulator);
        free(r->dst_qemu_not_used);
        free(r);
        return NULL;
}

const char *verdict_name(Verdict v) {
        switch (v) {
        case VERDICT_COMPATIBLE:
                return "compatible";
        case VERDICT_ADJUSTED:
                return "compatible-after-adjustment";
        case VERDICT_INCOMPATIBLE:
                return "incompatible";
        }
        return "unknown";
}

const char *severity_name(Severity s) {
        switch (s) {
        case SEVERITY_INFO:
                return "info";
        case SEVERITY_WARNING:
                return "warning";
        case SEVERITY_ADJUST:
                return "adjust";
        case SEVERITY_FATAL:
                return "fatal";
        }
        return "unknown";
}

const char *finding_kind_name(FindingKind k) {
        switch (k) {
        case FINDING_CONFIG_UNSUPPORTED:
                return "config-unsupported";
        case FINDING_FEATURES_DIFFER:
                return "features-differ";
        case FINDING_COUNT:
                return "count";
        case FINDING_NOT_ON_DEST:
                return "not-on-destination";
        case FINDING_DROPPED:
                return "dropped";
        case FINDING_DEST_ONLY:
                return "destination-only";
        case FINDING_VALUE_REFUSED:
                return "value-refused";
        case FINDING_VALUE_NOT_KEPT:
                return "value-not-kept";
        case FINDING_BAD_REGISTER:
                return "bad-register";
        case FINDING_TOLERATED:
                return "tolerated";
        default:
                break;
        }
        return "unknown";
}

static void count_severities(const Report *r, size_t counts[4]) {
        memset(counts, 0, 4 * sizeof(size_t));
        for (size_t i = 0; i < r->n_findings; i++)
                if ((unsigned) r->findings[i].severity < 4)
                        counts[r->findings[i].severity]++;
}

/* ---- the human report ---- */

#define SGR_RESET "\033[0m"
#define REPORT_WIDTH 100     /* wrapped lists and the overview */
#define OVERVIEW_WIDTH 88
#define CAUSE_LIST_MAX 60    /* a cause names its registers when they fit in this */

bool report_colour_wanted(FILE *f) {
        const char *no_colour = getenv("NO_COLOR"), *term = getenv("TERM");

        /* https://no-color.org: set and not empty means no colour */
        if (!f || (no_colour && *no_colour) || (term && strcmp(term, "dumb") == 0))
                return false;
        return isatty(fileno(f)) == 1;
}

static const char *severity_sgr(Severity s) {
        switch (s) {
        case SEVERITY_FATAL:
                return "\033[1;31m";
        case SEVERITY_ADJUST:
                return "\033[1;33m";
        case SEVERITY_WARNING:
                return "\033[33m";
        case SEVERITY_INFO:
        default:
                return "\033[36m";
        }
}

static const char *verdict_sgr(Verdict v) {
        switch (v) {
        case VERDICT_COMPATIBLE:
                return "\033[1;32m";
        case VERDICT_ADJUSTED:
                return "\033[1;33m";
        case VERDICT_INCOMPATIBLE:
        default:
                return "\033[1;31m";
        }
}

/* text, in colour when asked, padded with spaces to width (the escapes take no column). */
static void put_painted(FILE *f, bool colour, const char *sgr, const char *text, int width) {
        int len = (int) strlen(text);

        if (colour)
                fprintf(f, "%s%s%s", sgr, text, SGR_RESET);
        else
                fputs(text, f);
        if (width > len)
                fprintf(f, "%*s", width - len, "");
}

/* Whether text may break at the space at i: in a list only after ", " outside parentheses. */
static bool break_allowed(const char *text, size_t i, bool list, int depth) {
        return text[i] == ' ' && (!list || (depth == 0 && i > 0 && text[i - 1] == ','));
}

/*
 * text wrapped at width, continuation lines indented by indent; the caller has written
 * column characters of the first line. Breaks at spaces (a list: only after its ", "); a word
 * longer than a line stays whole. Ends with a newline.
 */
static void print_wrapped(FILE *f, const char *text, size_t column, size_t indent, size_t width, bool list) {
        size_t start = 0, len = strlen(text);

        while (start < len) {
                size_t end = len, last = 0;
                int depth = 0;
                bool found = false;

                if (column + (len - start) > width) {
                        for (size_t i = start; i < len; i++) {
                                if (text[i] == '(')
                                        depth++;
                                else if (text[i] == ')' && depth > 0)
                                        depth--;
                                if (!break_allowed(text, i, list, depth))
                                        continue;
                                if (column + (i - start) <= width || !found) {
                                        last = i;
                                        found = true;
                                }
                                if (column + (i - start) > width)
                                        break;
                        }
                        if (found)
                                end = last;
                }
                fprintf(f, "%.*s\n", (int) (end - start), text + start);
                start = end < len ? end + 1 : len;
                if (start < len)
                        fprintf(f, "%*s", (int) indent, "");
                column = indent;
        }
        if (len == 0)
                fputc('\n', f);
}

/* Distinct registers of the findings of severity s (0 not counted), and whether one of them
 * has no register and is of kind k. */
static size_t severity_registers(const Report *r, Severity s, bool after_fix) {
        _cleanup_free_ uint64_t *regs = calloc(r->n_findings ? r->n_findings : 1, sizeof(uint64_t));
        size_t n = 0, distinct = 0;

        if (!regs)
                return 0;
        for (size_t i = 0; i < r->n_findings; i++)
                if (r->findings[i].severity == s && r->findings[i].reg && r->findings[i].after_config_fix == after_fix) {
                        size_t k = n++;

                        regs[k] = r->findings[i].reg;
                        while (k > 0 && regs[k - 1] > regs[k]) {   /* insertion: reports come sorted */
                                uint64_t x = regs[k - 1];

                                regs[k - 1] = regs[k];
                                regs[k] = x;
                                k--;
                        }
                }
        for (size_t i = 0; i < n; i++)
                distinct += i == 0 || regs[i] != regs[i - 1];
        return distinct;
}

static bool has_whole_vcpu(const Report *r, Severity s, FindingKind k, bool after_fix) {
        for (size_t i = 0; i < r->n_findings; i++)
                if (r->findings[i].severity == s && !r->findings[i].reg && r->findings[i].kind == k &&
                    r->findings[i].after_config_fix == after_fix)
                        return true;
        return false;
}

#define AFTER_FIX_HEADING "Once the configuration is fixed (compared with the nearest configuration the destination " \
                          "can create), still:"

/* The registers of a group for a sentence: their list when short, else their number. */
static void put_group_registers(ReportText *t, const ReportGroups *gs, const ReportGroup *g) {
        _cleanup_free_ char *list = report_group_registers(gs, g, false, 0);

        if (list && strlen(list) <= CAUSE_LIST_MAX)
                report_text_put(t, list);
        else
                report_text_printf(t, "%zu registers", g->n_registers);
}

/* One cause, in plain words. */
static void put_cause(ReportText *t, const ReportGroups *gs, const ReportGroup *g) {
        const Finding *first = &gs->report->findings[g->members[0]];
        bool one = g->n_registers == 1;

        switch (g->kind) {
        case FINDING_COUNT:
                report_text_put(t, "the source sends more cpreg entries than the destination has");
                if (first->has_src_value && first->has_dst_value)
                        report_text_printf(t, " (%" PRIu64 " against %" PRIu64 ")", first->src_value,
                                           first->dst_value);
                return;
        case FINDING_CONFIG_UNSUPPORTED:
                report_text_put(t, "the destination cannot run the guest's vCPU configuration");
                return;
        case FINDING_FEATURES_DIFFER:
                report_text_put(t, "the destination's QEMU would build other vCPU features than the source's");
                return;
        default:
                break;
        }
        if (g->n_registers == 0) {
                report_text_put(t, g->message);
                return;
        }
        switch (g->kind) {
        case FINDING_NOT_ON_DEST:
                report_text_put(t, "the destination kernel does not list ");
                if (one)
                        put_group_registers(t, gs, g);
                else
                        report_text_printf(t, "%zu registers the source sends", g->n_registers);
                break;
        case FINDING_VALUE_REFUSED:
                report_text_printf(t, "the destination kernel refuses the value%s of ", one ? "" : "s");
                put_group_registers(t, gs, g);
                break;
        case FINDING_VALUE_NOT_KEPT:
                put_group_registers(t, gs, g);
                report_text_printf(t, " load%s but do%s not keep the guest's value%s", one ? "s" : "", one ? "es" : "",
                                   one ? "" : "s");
                break;
        case FINDING_DROPPED:
                report_text_put(t, "QEMU drops ");
                put_group_registers(t, gs, g);
                report_text_put(t, " silently");
                break;
        case FINDING_DEST_ONLY:
                put_group_registers(t, gs, g);
                report_text_printf(t, " exist%s only on the destination", one ? "s" : "");
                break;
        case FINDING_BAD_REGISTER:
                report_text_put(t, "QEMU cannot carry ");
                put_group_registers(t, gs, g);
                break;
        default:
                report_text_printf(t, "%s: ", finding_kind_name(g->kind));
                put_group_registers(t, gs, g);
                break;
        }
        if (g->field && one)
                report_text_printf(t, " (field %s)", g->field);
        if (g->after_config_fix)
                report_text_put(t, " once the configuration is fixed");
}

/* The groups of severity s, largest first (then in report order); their number in *ret_n. */
static size_t *groups_by_size(const ReportGroups *gs, Severity s, size_t *ret_n) {
        size_t *order = calloc(gs->n_groups ? gs->n_groups : 1, sizeof(size_t));
        size_t n = 0;

        if (!order)
                return NULL;
        for (size_t i = 0; i < gs->n_groups; i++) {
                size_t k;

                if (gs->groups[i].severity != s)
                        continue;
                for (k = n++; k > 0 && gs->groups[order[k - 1]].n_members < gs->groups[i].n_members; k--)
                        order[k] = order[k - 1];
                order[k] = i;
        }
        *ret_n = n;
        return order;
}

/* "Causes: a; b; c; and N more." of the groups of severity s; the largest's remedy in *ret_first. */
static void put_causes(ReportText *t, const ReportGroups *gs, Severity s, const char **ret_first) {
        _cleanup_free_ size_t *order = NULL;
        size_t n = 0, shown;

        order = groups_by_size(gs, s, &n);
        if (!order) {
                t->failed = true;
                return;
        }
        if (ret_first)
                *ret_first = n > 0 ? gs->groups[order[0]].remedy : NULL;
        shown = n > 4 ? 3 : n;
        for (size_t i = 0; i < shown; i++) {
                report_text_put(t, i ? "; " : "");
                put_cause(t, gs, &gs->groups[order[i]]);
        }
        if (n > shown)
                report_text_printf(t, "; and %zu more", n - shown);
}

/* The first paragraph: what fails, on how many registers, the main causes, what to do first. */
static char *report_overview(const Report *r, const ReportGroups *gs) {
        ReportText t = {};
        size_t counts[4], groups[4] = {}, regs;
        const char *first = NULL;

        count_severities(r, counts);
        for (size_t i = 0; i < gs->n_groups; i++)
                if ((unsigned) gs->groups[i].severity < 4)
                        groups[gs->groups[i].severity]++;
        switch (r->verdict) {
        case VERDICT_INCOMPATIBLE:
        default: {
                bool count = has_whole_vcpu(r, SEVERITY_FATAL, FINDING_COUNT, false);
                bool config = has_whole_vcpu(r, SEVERITY_FATAL, FINDING_CONFIG_UNSUPPORTED, false);
                bool fix_count = has_whole_vcpu(r, SEVERITY_FATAL, FINDING_COUNT, true);
                size_t parts = 0, fix_regs = severity_registers(r, SEVERITY_FATAL, true);

                regs = severity_registers(r, SEVERITY_FATAL, false);
                report_text_put(&t, "The migration would fail");
                if (regs)
                        report_text_printf(&t, "%s %zu register%s", parts++ ? " and" : " on", regs, regs == 1 ? "" : "s");
                if (count)
                        report_text_printf(&t, "%s the cpreg count", parts++ ? " and" : " on");
                if (config)
                        report_text_printf(&t, "%s the vCPU configuration", parts++ ? " and" : " on");
                /* Behind the configuration problem: what the comparison with the nearest configuration names. */
                if (fix_regs || fix_count) {
                        report_text_put(&t, ", and once the configuration is fixed still");
                        parts = 0;
                        if (fix_regs)
                                report_text_printf(&t, "%s %zu register%s", parts++ ? " and" : " on", fix_regs,
                                                   fix_regs == 1 ? "" : "s");
                        if (fix_count)
                                report_text_printf(&t, "%s the cpreg count", parts++ ? " and" : " on");
                }
                report_text_printf(&t, " (%zu fatal finding%s, %zu cause%s). ", counts[SEVERITY_FATAL],
                                   counts[SEVERITY_FATAL] == 1 ? "" : "s", groups[SEVERITY_FATAL],
                                   groups[SEVERITY_FATAL] == 1 ? "" : "s");
                report_text_put(&t, groups[SEVERITY_FATAL] == 1 ? "Cause: " : "Causes: ");
                put_causes(&t, gs, SEVERITY_FATAL, &first);
                report_text_put(&t, ".");
                if (first && *first)
                        report_text_printf(&t, " First: %s.", first);
                break;
        }
        case VERDICT_ADJUSTED:
                report_text_put(&t, "The migration loads once the destination's QEMU builds the guest's own vCPU "
                                    "features: -cpu host,");
                for (size_t i = 0; i < r->n_adjustments; i++)
                        report_text_printf(&t, "%s%s", i ? "," : "", r->adjustments[i]);
                report_text_put(&t, " (the kvmregs hook applies them).");
                break;
        case VERDICT_COMPATIBLE:
                report_text_put(&t, "The migration loads: the destination takes every register the source sends.");
                break;
        }
        if (r->verdict != VERDICT_INCOMPATIBLE && counts[SEVERITY_WARNING] > 0) {
                regs = severity_registers(r, SEVERITY_WARNING, false);
                report_text_printf(&t, " The guest's state changes on %zu register%s (%zu warning%s): ", regs,
                                   regs == 1 ? "" : "s", counts[SEVERITY_WARNING],
                                   counts[SEVERITY_WARNING] == 1 ? "" : "s");
                put_causes(&t, gs, SEVERITY_WARNING, NULL);
                report_text_put(&t, ".");
        }
        return report_text_take(&t);
}

#define BLOCK_INDENT 10

/* Whether a register list has more than one item (a ", " outside parentheses). */
static bool list_has_items(const char *list) {
        int depth = 0;

        for (const char *p = list; *p; p++) {
                if (*p == '(')
                        depth++;
                else if (*p == ')' && depth > 0)
                        depth--;
                else if (*p == ',' && depth == 0)
                        return true;
        }
        return false;
}

static void print_group(FILE *f, const ReportGroups *gs, const ReportGroup *g, const ReportPrintOptions *o) {
        const Finding *first = &gs->report->findings[g->members[0]];
        char name[REG_NAME_MAX], head[64];

        fputc('\n', f);
        put_painted(f, o->colour, severity_sgr(g->severity), severity_name(g->severity), 8);
        fprintf(f, "  %-18s  ", finding_kind_name(g->kind));
        if (g->n_registers == 0)
                fputs("-\n", f);
        else if (g->n_registers == 1)
                fprintf(f, "%s\n", reg_id_name(first->reg, name, sizeof(name)));
        else {
                _cleanup_free_ char *list = report_group_registers(gs, g, false, 0);

                /* the number, unless the list is one item that says it ("CCSIDR_EL1 (CSSELR 0-2: 3 registers)") */
                if (list && !list_has_items(list))
                        head[0] = 0;
                else
                        snprintf(head, sizeof(head), "%zu registers: ", g->n_registers);
                fputs(head, f);
                print_wrapped(f, list ? list : "", BLOCK_INDENT + 20 + strlen(head), BLOCK_INDENT, REPORT_WIDTH, true);
                if (o->verbose && list) {
                        _cleanup_free_ char *all = report_group_registers(gs, g, true, 0);

                        if (all && strcmp(all, list) != 0) {
                                fprintf(f, "%*sthat is: ", BLOCK_INDENT, "");
                                print_wrapped(f, all, BLOCK_INDENT + 9, BLOCK_INDENT, REPORT_WIDTH, true);
                        }
                }
        }
        fprintf(f, "%*s", BLOCK_INDENT, "");
        if (g->n_registers == 1 && g->n_members == 1)
                fprintf(f, "id 0x%016" PRIx64 ": ", first->reg);
        fputs(g->message, f);
        if (g->field && !(g->n_registers == 1 && g->n_members == 1))
                fprintf(f, " [field %s, rule %s]", g->field, field_rule_name(g->rule));
        fputc('\n', f);
        if (g->remedy && *g->remedy)
                fprintf(f, "%*sremedy: %s\n", BLOCK_INDENT, "", g->remedy);
}

static void print_value(FILE *f, bool has, uint64_t v, bool is_count) {
        if (has && is_count)
                fprintf(f, "  %-18" PRIu64, v);
        else if (has)
                fprintf(f, "  0x%016" PRIx64, v);
        else
                fprintf(f, "  %-18s", "-");
}

/* Every finding on its own, as the report was printed before findings were grouped. */
static void print_every_finding(FILE *f, const Report *r, const ReportPrintOptions *o) {
        fprintf(f, "\nevery finding:\n%-8s  %-18s  %-32s  %-18s  %-18s  %s\n", "SEVERITY", "KIND", "REGISTER", "SOURCE",
                "DESTINATION", "FIELD");
        for (size_t i = 0; i < r->n_findings; i++) {
                const Finding *x = &r->findings[i];
                char name[REG_NAME_MAX] = "-";

                if (x->reg)
                        reg_id_name(x->reg, name, sizeof(name));
                put_painted(f, o->colour, severity_sgr(x->severity), severity_name(x->severity), 8);
                fprintf(f, "  %-18s  %-32s", finding_kind_name(x->kind), name);
                /* a count finding's values are entry counts, not register values */
                print_value(f, x->has_src_value, x->src_value, x->kind == FINDING_COUNT);
                print_value(f, x->has_dst_value, x->dst_value, x->kind == FINDING_COUNT);
                if (x->field)
                        fprintf(f, "  %s[%u:%u] %" PRId64 " vs %" PRId64 " (%s)", x->field,
                                x->field_shift + x->field_width - 1, x->field_shift, x->src_field, x->dst_field,
                                field_rule_name(x->rule));
                fputc('\n', f);
                if (x->after_config_fix)
                        fputs("          after the configuration fix\n", f);
                if (x->reg)
                        fprintf(f, "          id 0x%016" PRIx64 ": %s\n", x->reg, x->message ? x->message : "");
                else if (x->message)
                        fprintf(f, "          %s\n", x->message);
                if (x->remedy)
                        fprintf(f, "          remedy: %s\n", x->remedy);
        }
}

int report_print_with(const Report *r, FILE *f, const ReportPrintOptions *options) {
        static const ReportPrintOptions defaults = {};
        const ReportPrintOptions *o = options ? options : &defaults;
        _cleanup_(report_groups_freep) ReportGroups *gs = NULL;
        _cleanup_free_ char *overview = NULL;
        size_t counts[4], hidden = 0;
        bool after_fix_shown = false;
        int k;

        if (!r || !f)
                return -EINVAL;
        k = report_groups_new(r, &gs);
        if (k < 0)
                return k;
        overview = report_overview(r, gs);
        if (!overview)
                return -ENOMEM;
        count_severities(r, counts);

        fputs("verdict:      ", f);
        put_painted(f, o->colour, verdict_sgr(r->verdict), verdict_name(r->verdict), 0);
        fputs("\n\n", f);
        print_wrapped(f, overview, 0, 0, OVERVIEW_WIDTH, false);
        fprintf(f, "\nconfig:       %s -> %s\n", r->config ? r->config : "-", r->dst_config ? r->dst_config : "-");
        fprintf(f, "cpregs:       source %zu, destination %zu\n", r->src_count, r->dst_count);
        if (!r->dst_qemu_assumed) {
                _cleanup_free_ char *qemu = report_qemu_text(r);

                if (!qemu)
                        return -ENOMEM;
                fprintf(f, "qemu:         %s\n", qemu);
        }
        fprintf(f, "findings:     %zu fatal, %zu adjust, %zu warning, %zu info\n",
                counts[SEVERITY_FATAL], counts[SEVERITY_ADJUST], counts[SEVERITY_WARNING], counts[SEVERITY_INFO]);
        if (o->verbose) {
                fprintf(f, "source:       %s\n", r->src_digest);
                fprintf(f, "destination:  %s\n", r->dst_digest);
        }

        for (size_t i = 0; i < gs->n_groups; i++) {
                if (!o->verbose && gs->groups[i].severity == SEVERITY_INFO) {
                        hidden += gs->groups[i].n_members;
                        continue;
                }
                if (gs->groups[i].after_config_fix && !after_fix_shown) {
                        fputs("\n" AFTER_FIX_HEADING "\n", f);
                        after_fix_shown = true;
                }
                print_group(f, gs, &gs->groups[i], o);
        }
        if (r->n_adjustments > 0) {
                fprintf(f, "\nadjustments: ");
                for (size_t i = 0; i < r->n_adjustments; i++)
                        fprintf(f, "%s%s", i ? "," : " ", r->adjustments[i]);
                fputc('\n', f);
        }
        if (hidden > 0)
                fprintf(f, "\n(%zu informational finding%s not shown; use verbose output)\n", hidden,
                        hidden == 1 ? "" : "s");
        /* The assumption last: the header's form is kept for the reports before QEMU versions. */
        if (r->dst_qemu_assumed) {
                _cleanup_free_ char *qemu = report_qemu_text(r);

                if (!qemu)
                        return -ENOMEM;
                fprintf(f, "\nqemu:         %s\n", qemu);
        }
        if (o->verbose && r->n_findings > 0)
                print_every_finding(f, r, o);
        return ferror(f) ? -EIO : 0;
}

static const char *qemu_origin_text(QemuOrigin o, bool destination) {
        switch (o) {
        case QEMU_ORIGIN_PROFILE:
                return destination ? "from the destination profile" : "from the source profile";
        case QEMU_ORIGIN_RECORD:
                return "from the guest record";
        case QEMU_ORIGIN_OPTION:
                return destination ? "from --dst-qemu" : "from --src-qemu";
        case QEMU_ORIGIN_DOMAIN:
                return "from the incoming domain's <emulator>";
        default:
                return "assumed";
        }
}

/* How the domain's emulator was detected (docs/profile-format.md, "host.qemu"). */
static const char *qemu_detected_text(QemuDetected d) {
        switch (d) {
        case QEMU_DETECTED_TRACE_EVENTS:
                return "detected from its trace events";
        case QEMU_DETECTED_VERSION:
                return "detected from its version";
        default:
                return "detected";
        }
}

char *report_qemu_text(const Report *r) {
        _cleanup_free_ char *src = NULL, *domain = NULL;

        if (!r)
                return NULL;
        if (r->src_qemu_version) {
                src = strdup_printf(", source QEMU %s (%s)", r->src_qemu_version, qemu_origin_text(r->src_qemu_origin, false));
                if (!src)
                        return NULL;
        }
        /* CompareDomain: the incoming domain's <emulator>, used (and how it was detected) or not (and why). */
        if (r->dst_qemu_emulator && r->dst_qemu_origin == QEMU_ORIGIN_DOMAIN && !r->dst_qemu_not_used)
                domain = strdup_printf(" %s, %s", r->dst_qemu_emulator, qemu_detected_text(r->dst_qemu_detected));
        else if (r->dst_qemu_emulator && r->dst_qemu_not_used)
                domain = strdup_printf("; the incoming domain's <emulator> %s was not used: %s", r->dst_qemu_emulator,
                                       r->dst_qemu_not_used);
        if (r->dst_qemu_emulator && !domain)
                return NULL;
        if (r->dst_qemu_assumed)
                return strdup_printf("assuming the destination runs QEMU 7.2's load path; give --dst-qemu%s%s",
                                     domain ? domain : "", src ? src : "");
        return strdup_printf("destination QEMU %s (%s load path, %s%s)%s", r->dst_qemu_version ? r->dst_qemu_version : "-",
                             r->dst_qemu_load == QEMU_LOAD_11_1 ? "11.1 tolerances" : "7.2 legacy",
                             qemu_origin_text(r->dst_qemu_origin, true), domain ? domain : "", src ? src : "");
}

int report_print(const Report *r, FILE *f, bool verbose) {
        return report_print_with(r, f, &(ReportPrintOptions) { .verbose = verbose });
}

static json_object *finding_to_json(const Finding *x) {
        json_object *o = json_object_new_object();
        char name[REG_NAME_MAX];
        bool ok;

        if (!o)
                return NULL;
        ok = doc_add(o, "kind", json_object_new_string(finding_kind_name(x->kind))) &&
             doc_add(o, "severity", json_object_new_string(severity_name(x->severity))) &&
             doc_add(o, "fatal", json_object_new_boolean(x->severity == SEVERITY_FATAL));
        if (ok && x->reg)
                ok = doc_add(o, "register", json_object_new_string(reg_id_name(x->reg, name, sizeof(name)))) &&
                     doc_add(o, "id", doc_hex_new(x->reg));
        if (ok && x->has_src_value)
                ok = doc_add(o, "src_value", doc_hex_new(x->src_value));
        if (ok && x->has_dst_value)
                ok = doc_add(o, "dst_value", doc_hex_new(x->dst_value));
        if (ok && x->field)
                ok = doc_add(o, "field", json_object_new_string(x->field)) &&
                     doc_add(o, "shift", json_object_new_int(x->field_shift)) &&
                     doc_add(o, "width", json_object_new_int(x->field_width)) &&
                     doc_add(o, "rule", json_object_new_string(field_rule_name(x->rule))) &&
                     doc_add(o, "src_field", json_object_new_int64(x->src_field)) &&
                     doc_add(o, "dst_field", json_object_new_int64(x->dst_field));
        if (ok)
                ok = doc_add(o, "message", json_object_new_string(x->message ? x->message : "")) &&
                     doc_add(o, "remedy", json_object_new_string(x->remedy ? x->remedy : ""));
        if (ok && x->after_config_fix)
                ok = doc_add(o, "after_configuration_fix", json_object_new_boolean(true));
        if (!ok) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

char *report_to_json(const Report *r, bool pretty) {
        json_object *o, *findings, *adjustments, *counts;
        size_t n[4];
        char *s = NULL;
        bool ok;

        if (!r)
                return NULL;
        count_severities(r, n);
        o = json_object_new_object();
        if (!o)
                return NULL;
        ok = doc_add(o, "verdict", json_object_new_string(verdict_name(r->verdict))) &&
             doc_add(o, "config", json_object_new_string(r->config ? r->config : "")) &&
             doc_add(o, "dst_config", json_object_new_string(r->dst_config ? r->dst_config : "")) &&
             doc_add(o, "src_count", json_object_new_int64((int64_t) r->src_count)) &&
             doc_add(o, "dst_count", json_object_new_int64((int64_t) r->dst_count)) &&
             doc_add(o, "src_digest", json_object_new_string(r->src_digest)) &&
             doc_add(o, "dst_digest", json_object_new_string(r->dst_digest));
        /* Only when a QEMU was given: without "dst_qemu" the report assumed 7.2's load (the form before it);
         * also when it was assumed because the incoming domain's <emulator> could not be used. */
        if (ok && (!r->dst_qemu_assumed || r->dst_qemu_not_used)) {
                json_object *q = json_object_new_object();

                ok = doc_add(o, "dst_qemu", q) &&
                     doc_add(q, "load_behaviour",
                             json_object_new_string(qemu_load_name(r->dst_qemu_load) ?: "legacy")) &&
                     doc_add(q, "assumed", json_object_new_boolean(r->dst_qemu_assumed)) &&
                     doc_add(q, "from", json_object_new_string(qemu_origin_name(r->dst_qemu_origin) ?: "default")) &&
                     (!r->dst_qemu_version || doc_add(q, "version", json_object_new_string(r->dst_qemu_version))) &&
                     (!r->dst_qemu_emulator || doc_add(q, "emulator", json_object_new_string(r->dst_qemu_emulator))) &&
                     (!r->dst_qemu_emulator || r->dst_qemu_not_used ||
                      doc_add(q, "detected_from", json_object_new_string(qemu_detected_name(r->dst_qemu_detected) ?: "unknown"))) &&
                     (!r->dst_qemu_not_used || doc_add(q, "emulator_not_used", json_object_new_string(r->dst_qemu_not_used)));
        }
        if (ok && r->src_qemu_version) {
                json_object *q = json_object_new_object();

                ok = doc_add(o, "src_qemu", q) && doc_add(q, "version", json_object_new_string(r->src_qemu_version)) &&
                     doc_add(q, "from", json_object_new_string(qemu_origin_name(r->src_qemu_origin) ?: "default"));
        }

        counts = ok ? json_object_new_object() : NULL;
        ok = ok && doc_add(o, "counts", counts);
        for (unsigned i = 0; ok && i < 4; i++)
                ok = doc_add(counts, severity_name((Severity) i), json_object_new_int64((int64_t) n[i]));

        adjustments = ok ? json_object_new_array() : NULL;
        ok = ok && doc_add(o, "adjustments", adjustments);
        for (size_t i = 0; ok && i < r->n_adjustments; i++)
                ok = doc_append(adjustments, json_object_new_string(r->adjustments[i]));

        findings = ok ? json_object_new_array() : NULL;
        ok = ok && doc_add(o, "findings", findings);
        for (size_t i = 0; ok && i < r->n_findings; i++)
                ok = doc_append(findings, finding_to_json(&r->findings[i]));

        if (ok) {
                const char *t = json_object_to_json_string_ext(
                        o, (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN) |
                                   JSON_C_TO_STRING_NOSLASHESCAPE);
                if (t)
                        s = strdup(t);
        }
        json_object_put(o);
        return s;
}

/* ---- the one-message summary ---- */

/* One fatal finding: the register (name and id) unless the message names it, the message (or
 * the values, or the kind), and the field with its rule. */
static void summary_finding(ReportText *b, const Finding *x) {
        const char *msg = x->message && *x->message ? x->message : NULL;
        char name[REG_NAME_MAX], id[24];

        report_text_put(b, "\n  - ");
        if (x->reg) {
                reg_id_name(x->reg, name, sizeof(name));
                snprintf(id, sizeof(id), "0x%016" PRIx64, x->reg);
                if (!msg || !strstr(msg, name) || !strstr(msg, id))
                        report_text_printf(b, "%s (%s): ", name, id);
        }
        if (msg)
                report_text_put(b, msg);
        else if (x->has_src_value || x->has_dst_value) {
                report_text_put(b, "source ");
                report_text_printf(b, x->has_src_value ? "0x%016" PRIx64 : "-", x->src_value);
                report_text_put(b, ", destination ");
                report_text_printf(b, x->has_dst_value ? "0x%016" PRIx64 : "-", x->dst_value);
        } else
                report_text_put(b, finding_kind_name(x->kind));
        if (x->field)
                report_text_printf(b, " [field %s, rule %s]", x->field, field_rule_name(x->rule));
}

/* A group of several findings: its registers, compactly, then its message and field. */
static void summary_group(ReportText *b, const ReportGroups *gs, const ReportGroup *g) {
        report_text_put(b, "\n  - ");
        if (g->n_registers > 0) {
                size_t room = b->size < REPORT_SUMMARY_MAX ? REPORT_SUMMARY_MAX - b->size : 1;
                char *list = report_group_registers(gs, g, false, room);

                if (!list) {
                        b->failed = true;
                        return;
                }
                report_text_printf(b, "%s: ", list);
                free(list);
        }
        report_text_put(b, *g->message ? g->message : finding_kind_name(g->kind));
        if (g->field)
                report_text_printf(b, " [field %s, rule %s]", g->field, field_rule_name(g->rule));
}

/* Every group of fatal findings on its line (those past REPORT_SUMMARY_MAX counted, not
 * shown), then each distinct remedy of the ones shown, once, under "What to do:". */
static void summary_fatal(ReportText *b, const ReportGroups *gs) {
        _cleanup_free_ const char **remedies = NULL;
        size_t fatal = 0, shown = 0, n_remedies = 0;
        bool after_fix_shown = false;

        remedies = calloc(gs->n_groups ? gs->n_groups : 1, sizeof(char *));
        if (!remedies) {
                b->failed = true;
                return;
        }
        for (size_t i = 0; i < gs->n_groups; i++) {
                const ReportGroup *g = &gs->groups[i];
                bool seen = false;

                if (g->severity != SEVERITY_FATAL)
                        continue;
                fatal += g->n_members;
                if (b->size > REPORT_SUMMARY_MAX)
                        continue;
                if (g->after_config_fix && !after_fix_shown) {
                        report_text_put(b, "\n" AFTER_FIX_HEADING);
                        after_fix_shown = true;
                }
                shown += g->n_members;
                if (g->n_members == 1)
                        summary_finding(b, &gs->report->findings[g->members[0]]);
                else
                        summary_group(b, gs, g);
                if (!g->remedy || !*g->remedy)
                        continue;
                for (size_t k = 0; k < n_remedies && !seen; k++)
                        seen = strcmp(remedies[k], g->remedy) == 0;
                if (!seen)
                        remedies[n_remedies++] = g->remedy;
        }
        if (fatal > shown)
                report_text_printf(b, "\n  - and %zu more", fatal - shown);
        if (n_remedies > 0)
                report_text_put(b, "\nWhat to do:");
        for (size_t k = 0; k < n_remedies; k++)
                report_text_printf(b, "\n  - %s", remedies[k]);
}

char *report_summary(const Report *r) {
        _cleanup_(report_groups_freep) ReportGroups *gs = NULL;
        ReportText b = {};
        size_t counts[4];

        if (!r)
                return NULL;
        count_severities(r, counts);
        switch (r->verdict) {
        case VERDICT_COMPATIBLE:
                report_text_printf(&b, "kvmregs: migration of vCPU configuration '%s' is compatible", r->config);
                if (counts[SEVERITY_WARNING])
                        report_text_printf(&b, " (%zu warning%s)", counts[SEVERITY_WARNING],
                                           counts[SEVERITY_WARNING] == 1 ? "" : "s");
                break;
        case VERDICT_ADJUSTED:
                report_text_printf(&b, "kvmregs: migration of vCPU configuration '%s' is compatible once the "
                                       "destination uses -cpu host,", r->config);
                for (size_t i = 0; i < r->n_adjustments; i++)
                        report_text_printf(&b, "%s%s", i ? "," : "", r->adjustments[i]);
                break;
        case VERDICT_INCOMPATIBLE:
        default:
                report_text_printf(&b, "kvmregs: migration of vCPU configuration '%s' would fail on the destination "
                                       "(%zu fatal problem%s):", r->config, counts[SEVERITY_FATAL],
                                   counts[SEVERITY_FATAL] == 1 ? "" : "s");
                if (report_groups_new(r, &gs) < 0)
                        b.failed = true;
                else
                        summary_fatal(&b, gs);
                break;
        }
        /* When the incoming domain named its own emulator, which QEMU the verdict is for. */
        if (r->dst_qemu_emulator) {
                _cleanup_free_ char *qemu = report_qemu_text(r);

                if (!qemu)
                        b.failed = true;
                else
                        report_text_printf(&b, "\nQEMU: %s", qemu);
        }
        return report_text_take(&b);
}

/* ---- reading the JSON form back ---- */

#define REPORT_MAX_DEPTH       8      /* report, findings, finding (and counts, adjustments) */
#define REPORT_MAX_FINDINGS    (KVMREGS_MAX_REGS * 4u)
#define REPORT_MAX_ADJUSTMENTS 64u

/* The name's value: i in 0..n-1 with name(i) equal to s, or -1. */
static int name_lookup(const char *s, unsigned n, const char *(*name)(unsigned)) {
        for (unsigned i = 0; i < n; i++)
                if (strcmp(s, name(i)) == 0)
                        return (int) i;
        return -1;
}

static const char *verdict_name_u(unsigned i) { return verdict_name((Verdict) i); }
static const char *severity_name_u(unsigned i) { return severity_name((Severity) i); }
static const char *kind_name_u(unsigned i) { return finding_kind_name((FindingKind) i); }
static const char *rule_name_u(unsigned i) { return field_rule_name((FieldRule) i); }

/* A string member; NUL-free, at most KVMREGS_MAX_STRING bytes. Points into o. */
static int member_string(json_object *o, const char *path, const char *key, bool required, const char **ret,
                         ProfileError *e) {
        char child[DOC_PATH_SIZE];
        json_object *v;
        size_t len;
        int r;

        r = doc_member(o, path, key, required, &v, child, e);
        if (r < 0)
                return r;
        *ret = NULL;
        if (!v)
                return 0;
        if (!json_object_is_type(v, json_type_string))
                return doc_error(e, -EINVAL, child, "expected a string, got %s",
                                 json_type_to_name(json_object_get_type(v)));
        len = (size_t) json_object_get_string_len(v);
        if (len > KVMREGS_MAX_STRING)
                return doc_error(e, -E2BIG, child, "string longer than %u bytes", KVMREGS_MAX_STRING);
        if (strlen(json_object_get_string(v)) != len)
                return doc_error(e, -EINVAL, child, "string contains a NUL character");
        *ret = json_object_get_string(v);
        return 0;
}

/* A named enum member: one of the names name(0..n-1). */
static int member_enum(json_object *o, const char *path, const char *key, unsigned n,
                       const char *(*name)(unsigned), const char *what, int *ret, ProfileError *e) {
        char child[DOC_PATH_SIZE];
        const char *s;
        int r;

        r = member_string(o, path, key, true, &s, e);
        if (r < 0)
                return r;
        *ret = name_lookup(s, n, name);
        if (*ret < 0) {
                doc_path_key(child, path, key);
                return doc_error(e, -EINVAL, child, "unknown %s \"%.64s\"", what, s);
        }
        return 0;
}

/* A 64-bit value exactly as report_to_json() writes it: "0x" and 16 lower-case hex digits. */
static int member_hex(json_object *o, const char *path, const char *key, bool *ret_has, uint64_t *ret,
                      ProfileError *e) {
        char child[DOC_PATH_SIZE], again[24];
        const char *s;
        int r;

        r = member_string(o, path, key, false, &s, e);
        if (r < 0)
                return r;
        *ret_has = s != NULL;
        *ret = 0;
        if (!s)
                return 0;
        doc_path_key(child, path, key);
        r = doc_hex_string(s, child, UINT64_MAX, ret, e);
        if (r < 0)
                return r;
        snprintf(again, sizeof(again), "0x%016" PRIx64, *ret);
        if (strcmp(again, s) != 0)
                return doc_error(e, -EINVAL, child, "\"%.64s\" is not written as \"0x\" + 16 lower-case hex digits", s);
        return 0;
}

static int member_int(json_object *o, const char *path, const char *key, int64_t min, int64_t max, int64_t *ret,
                      ProfileError *e) {
        char child[DOC_PATH_SIZE];
        json_object *v;
        int r;

        r = doc_member(o, path, key, true, &v, child, e);
        if (r < 0)
                return r;
        return doc_int(v, child, min, max, ret, e);
}

/* The static field description a finding names: the register's own first, then any register's. */
static const IdField *field_lookup(uint64_t reg, const char *name, int64_t shift, int64_t width) {
        const IdRegDesc *own = id_reg_lookup(reg), *table;
        size_t n;

        for (size_t i = 0; own && i < own->n_fields; i++)
                if (own->fields[i].shift == shift && own->fields[i].width == width &&
                    strcmp(own->fields[i].name, name) == 0)
                        return &own->fields[i];
        table = id_reg_table(&n);
        for (size_t k = 0; k < n; k++)
                for (size_t i = 0; i < table[k].n_fields; i++)
                        if (table[k].fields[i].shift == shift && table[k].fields[i].width == width &&
                            strcmp(table[k].fields[i].name, name) == 0)
                                return &table[k].fields[i];
        return NULL;
}

static int finding_field_parse(json_object *o, const char *path, Finding *f, ProfileError *e) {
        char child[DOC_PATH_SIZE];
        const char *name;
        const IdField *field;
        int64_t shift, width;
        int rule, r;

        r = member_string(o, path, "field", false, &name, e);
        if (r < 0 || !name) {
                static const char *const dependent[] = { "shift", "width", "rule", "src_field", "dst_field" };
                for (size_t i = 0; r >= 0 && i < ELEMENTSOF(dependent); i++)
                        if (json_object_object_get_ex(o, dependent[i], NULL)) {
                                doc_path_key(child, path, dependent[i]);
                                r = doc_error(e, -EINVAL, child, "\"%s\" without \"field\"", dependent[i]);
                        }
                return r;
        }
        r = member_int(o, path, "shift", 0, 63, &shift, e);
        if (r >= 0)
                r = member_int(o, path, "width", 1, 64, &width, e);
        if (r >= 0)
                r = member_enum(o, path, "rule", FIELD_RULE_HIGHER_OR_ZERO_SAFE + 1, rule_name_u, "field rule", &rule, e);
        if (r >= 0)
                r = member_int(o, path, "src_field", INT64_MIN + 1, INT64_MAX - 1, &f->src_field, e);
        if (r >= 0)
                r = member_int(o, path, "dst_field", INT64_MIN + 1, INT64_MAX - 1, &f->dst_field, e);
        if (r < 0)
                return r;
        field = field_lookup(f->reg, name, shift, width);
        if (!field) {
                doc_path_key(child, path, "field");
                return doc_error(e, -EINVAL, child, "unknown ID register field \"%.64s\" at [%" PRId64 ":%" PRId64 "]",
                                 name, shift + width - 1, shift);
        }
        f->field = field->name;
        f->field_shift = field->shift;
        f->field_width = field->width;
        f->rule = (FieldRule) rule;
        return 0;
}

/* One finding; its message and remedy point into o until report_take_text() copies them. */
static int finding_parse(json_object *o, const char *path, Finding *f, ProfileError *e) {
        char child[DOC_PATH_SIZE], name[REG_NAME_MAX];
        const char *reg_name;
        json_object *fatal;
        bool has_id;
        int kind, severity, r;

        r = doc_object_check(o, path, e);
        if (r >= 0)
                r = member_enum(o, path, "kind", _FINDING_KIND_MAX, kind_name_u, "finding kind", &kind, e);
        if (r >= 0)
                r = member_enum(o, path, "severity", SEVERITY_FATAL + 1, severity_name_u, "severity", &severity, e);
        if (r >= 0)
                r = doc_member(o, path, "fatal", true, &fatal, child, e);
        if (r < 0)
                return r;
        f->kind = (FindingKind) kind;
        f->severity = (Severity) severity;
        if (!json_object_is_type(fatal, json_type_boolean) ||
            json_object_get_boolean(fatal) != (f->severity == SEVERITY_FATAL))
                return doc_error(e, -EINVAL, child, "must be %s for severity \"%s\"",
                                 f->severity == SEVERITY_FATAL ? "true" : "false", severity_name(f->severity));

        r = member_hex(o, path, "id", &has_id, &f->reg, e);
        if (r >= 0)
                r = member_string(o, path, "register", has_id, &reg_name, e);
        if (r < 0)
                return r;
        if (has_id && f->reg == 0) {
                doc_path_key(child, path, "id");
                return doc_error(e, -EINVAL, child, "register id 0");
        }
        if (reg_name && !has_id) {
                doc_path_key(child, path, "register");
                return doc_error(e, -EINVAL, child, "a register name without \"id\"");
        }
        if (reg_name && strcmp(reg_name, reg_id_name(f->reg, name, sizeof(name))) != 0) {
                doc_path_key(child, path, "register");
                return doc_error(e, -EINVAL, child, "\"%.64s\" is not the name of register 0x%016" PRIx64 " (%s)",
                                 reg_name, f->reg, name);
        }

        r = member_hex(o, path, "src_value", &f->has_src_value, &f->src_value, e);
        if (r >= 0)
                r = member_hex(o, path, "dst_value", &f->has_dst_value, &f->dst_value, e);
        if (r >= 0)
                r = finding_field_parse(o, path, f, e);
        if (r >= 0)
                r = member_string(o, path, "message", true, (const char **) &f->message, e);
        if (r >= 0)
                r = member_string(o, path, "remedy", true, (const char **) &f->remedy, e);
        if (r >= 0)
                r = doc_member(o, path, "after_configuration_fix", false, &fatal, child, e);
        if (r >= 0 && fatal) {
                if (!json_object_is_type(fatal, json_type_boolean) || !json_object_get_boolean(fatal))
                        return doc_error(e, -EINVAL, child, "must be true when present");
                f->after_config_fix = true;
        }
        return r;
}

/* Copies every message and remedy into one block with the findings, as rules.c lays them out. */
static int report_take_text(Report *r, Finding *parsed, size_t n) {
        size_t text = 0;
        Finding *block;
        char *p;

        for (size_t i = 0; i < n; i++)
                text += strlen(parsed[i].message) + strlen(parsed[i].remedy) + 2;
        block = malloc(n * sizeof(Finding) + text + 1);
        if (!block)
                return -ENOMEM;
        p = (char *) (block + n);
        for (size_t i = 0; i < n; i++) {
                size_t lm = strlen(parsed[i].message) + 1, lr = strlen(parsed[i].remedy) + 1;

                block[i] = parsed[i];
                block[i].message = memcpy(p, parsed[i].message, lm);
                block[i].remedy = memcpy(p + lm, parsed[i].remedy, lr);
                p += lm + lr;
        }
        r->findings = block;
        r->n_findings = n;
        return 0;
}

static int findings_parse(json_object *a, const char *path, Report *rep, ProfileError *e) {
        _cleanup_free_ Finding *parsed = NULL;
        char child[DOC_PATH_SIZE];
        size_t n;
        int r;

        r = doc_array_check(a, path, REPORT_MAX_FINDINGS, "findings", e);
        if (r < 0)
                return r;
        n = json_object_array_length(a);
        parsed = calloc(n ? n : 1, sizeof(Finding));
        if (!parsed)
                return doc_oom(e, path);
        for (size_t i = 0; i < n; i++) {
                doc_path_index(child, path, i);
                r = finding_parse(json_object_array_get_idx(a, i), child, &parsed[i], e);
                if (r < 0)
                        return r;
        }
        r = report_take_text(rep, parsed, n);
        return r < 0 ? doc_oom(e, path) : 0;
}

static int adjustments_parse(json_object *a, const char *path, Report *rep, ProfileError *e) {
        return doc_strv(a, path, REPORT_MAX_ADJUSTMENTS, "adjustments", &rep->adjustments, &rep->n_adjustments, e);
}

static int digest_parse(json_object *o, const char *key, char ret[PROFILE_DIGEST_HEX + 1], ProfileError *e) {
        char child[DOC_PATH_SIZE];
        const char *s;
        int r;

        r = member_string(o, "", key, true, &s, e);
        if (r < 0)
                return r;
        if (strlen(s) > PROFILE_DIGEST_HEX) {
                doc_path_key(child, "", key);
                return doc_error(e, -EINVAL, child, "longer than %u characters", PROFILE_DIGEST_HEX);
        }
        snprintf(ret, PROFILE_DIGEST_HEX + 1, "%s", s);
        return 0;
}

/* The counts are derived from the findings: they must agree. */
static int counts_check(json_object *o, const Report *rep, ProfileError *e) {
        char child[DOC_PATH_SIZE];
        json_object *counts;
        size_t n[4];
        int r;

        r = doc_member(o, "", "counts", true, &counts, child, e);
        if (r >= 0)
                r = doc_object_check(counts, "/counts", e);
        if (r < 0)
                return r;
        count_severities(rep, n);
        for (unsigned i = 0; i < 4; i++) {
                int64_t v;

                r = member_int(counts, "/counts", severity_name((Severity) i), 0, INT64_MAX - 1, &v, e);
                if (r < 0)
                        return r;
                if ((uint64_t) v != n[i]) {
                        doc_path_key(child, "/counts", severity_name((Severity) i));
                        return doc_error(e, -EINVAL, child, "%" PRId64 ", but the findings have %zu", v, n[i]);
                }
        }
        return 0;
}

/* "dst_qemu" and "src_qemu": optional (a report from before them assumed legacy 7.2). */
static int qemu_parse(json_object *o, Report *rep, ProfileError *e) {
        char child[DOC_PATH_SIZE], sub[DOC_PATH_SIZE];
        json_object *q, *a;
        const char *load = NULL, *version = NULL, *from = NULL, *emulator = NULL, *detected = NULL, *not_used = NULL;
        int r;

        rep->dst_qemu_load = QEMU_LOAD_7_2;
        rep->dst_qemu_assumed = true;
        r = doc_member(o, "", "dst_qemu", false, &q, child, e);
        if (r < 0)
                return r;
        if (q) {
                r = doc_object_check(q, child, e);
                if (r >= 0)
                        r = member_string(q, child, "load_behaviour", true, &load, e);
                if (r >= 0)
                        r = member_string(q, child, "version", false, &version, e);
                if (r >= 0)
                        r = member_string(q, child, "from", false, &from, e);
                if (r >= 0)
                        r = member_string(q, child, "emulator", false, &emulator, e);
                if (r >= 0)
                        r = member_string(q, child, "detected_from", false, &detected, e);
                if (r >= 0)
                        r = member_string(q, child, "emulator_not_used", false, &not_used, e);
                if (r >= 0)
                        r = doc_member(q, child, "assumed", true, &a, sub, e);
                if (r < 0)
                        return r;
                /* Reports before "from" got a destination QEMU only from --dst-qemu. */
                rep->dst_qemu_origin = QEMU_ORIGIN_OPTION;
                if (from && qemu_origin_from_name(from, &rep->dst_qemu_origin) < 0)
                        return doc_error(e, -EINVAL, child, "unknown from \"%.64s\"", from);
                if (qemu_load_from_name(load, &rep->dst_qemu_load) < 0)
                        return doc_error(e, -EINVAL, child, "unknown load_behaviour \"%.64s\"", load);
                if (!json_object_is_type(a, json_type_boolean))
                        return doc_error(e, -EINVAL, sub, "expected a boolean");
                rep->dst_qemu_assumed = json_object_get_boolean(a);
                if (version && !(rep->dst_qemu_version = strdup(version)))
                        return doc_oom(e, child);
                if ((emulator && !(rep->dst_qemu_emulator = strdup(emulator))) ||
                    (not_used && !(rep->dst_qemu_not_used = strdup(not_used))))
                        return doc_oom(e, child);
                if (detected && qemu_detected_from_name(detected, &rep->dst_qemu_detected) < 0 &&
                    strcmp(detected, "unknown") != 0)
                        return doc_error(e, -EINVAL, child, "unknown detected_from \"%.64s\"", detected);
        }
        r = doc_member(o, "", "src_qemu", false, &q, child, e);
        if (r < 0)
                return r;
        if (q) {
                r = doc_object_check(q, child, e);
                if (r >= 0)
                        r = member_string(q, child, "version", true, &version, e);
                from = NULL;
                if (r >= 0)
                        r = member_string(q, child, "from", false, &from, e);
                if (r < 0)
                        return r;
                rep->src_qemu_origin = QEMU_ORIGIN_OPTION;
                if (from && qemu_origin_from_name(from, &rep->src_qemu_origin) < 0)
                        return doc_error(e, -EINVAL, child, "unknown from \"%.64s\"", from);
                if (!(rep->src_qemu_version = strdup(version)))
                        return doc_oom(e, child);
        }
        return 0;
}

static int report_parse(json_object *o, Report *rep, ProfileError *e) {
        char child[DOC_PATH_SIZE];
        json_object *v;
        int64_t count;
        int verdict, r;

        r = doc_object_check(o, "", e);
        if (r >= 0)
                r = member_enum(o, "", "verdict", VERDICT_INCOMPATIBLE + 1, verdict_name_u, "verdict", &verdict, e);
        if (r < 0)
                return r;
        rep->verdict = (Verdict) verdict;
        r = doc_member(o, "", "config", true, &v, child, e);
        if (r >= 0)
                r = doc_string_dup(v, child, true, &rep->config, e);
        if (r >= 0)
                r = doc_member(o, "", "dst_config", true, &v, child, e);
        if (r >= 0)
                r = doc_string_dup(v, child, true, &rep->dst_config, e);
        if (r >= 0)
                r = member_int(o, "", "src_count", 0, INT64_MAX - 1, &count, e);
        if (r < 0)
                return r;
        rep->src_count = (size_t) count;
        r = member_int(o, "", "dst_count", 0, INT64_MAX - 1, &count, e);
        if (r < 0)
                return r;
        rep->dst_count = (size_t) count;
        r = digest_parse(o, "src_digest", rep->src_digest, e);
        if (r >= 0)
                r = digest_parse(o, "dst_digest", rep->dst_digest, e);
        if (r >= 0)
                r = qemu_parse(o, rep, e);
        if (r >= 0)
                r = doc_member(o, "", "adjustments", true, &v, child, e);
        if (r >= 0)
                r = adjustments_parse(v, child, rep, e);
        if (r >= 0)
                r = doc_member(o, "", "findings", true, &v, child, e);
        if (r >= 0)
                r = findings_parse(v, child, rep, e);
        if (r >= 0)
                r = counts_check(o, rep, e);
        return r;
}

int report_from_json(const char *json, size_t size, Report **ret, ProfileError *ret_error) {
        _cleanup_(report_freep) Report *rep = NULL;
        ProfileError scratch;
        ProfileError *e = ret_error ? ret_error : &scratch;
        json_object *root = NULL;
        int r;

        memset(e, 0, sizeof(*e));
        if (!ret || (!json && size > 0))
                return doc_error(e, -EINVAL, "", "no document");
        r = doc_parse(json, size, REPORT_MAX_DEPTH, &root, e);
        if (r < 0)
                return r;
        rep = calloc(1, sizeof(Report));
        if (!rep) {
                json_object_put(root);
                return doc_oom(e, "");
        }
        r = report_parse(root, rep, e);
        json_object_put(root);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(rep);
        return 0;
}
