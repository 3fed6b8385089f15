/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reports: names, the human table, the JSON form and the one-message summary. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

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
        }
        return "unknown";
}

static void count_severities(const Report *r, size_t counts[4]) {
        memset(counts, 0, 4 * sizeof(size_t));
        for (size_t i = 0; i < r->n_findings; i++)
                if ((unsigned) r->findings[i].severity < 4)
                        counts[r->findings[i].severity]++;
}

static void print_value(FILE *f, bool has, uint64_t v, bool is_count) {
        if (has && is_count)
                fprintf(f, "  %-18" PRIu64, v);
        else if (has)
                fprintf(f, "  0x%016" PRIx64, v);
        else
                fprintf(f, "  %-18s", "-");
}

int report_print(const Report *r, FILE *f, bool verbose) {
        size_t counts[4];
        size_t hidden = 0;

        if (!r || !f)
                return -EINVAL;
        count_severities(r, counts);
        fprintf(f, "verdict:      %s\n", verdict_name(r->verdict));
        fprintf(f, "config:       %s -> %s\n", r->config ? r->config : "-", r->dst_config ? r->dst_config : "-");
        fprintf(f, "cpregs:       source %zu, destination %zu\n", r->src_count, r->dst_count);
        fprintf(f, "findings:     %zu fatal, %zu adjust, %zu warning, %zu info\n",
                counts[SEVERITY_FATAL], counts[SEVERITY_ADJUST], counts[SEVERITY_WARNING], counts[SEVERITY_INFO]);
        if (r->n_adjustments > 0) {
                fprintf(f, "adjustments: ");
                for (size_t i = 0; i < r->n_adjustments; i++)
                        fprintf(f, "%s%s", i ? "," : " ", r->adjustments[i]);
                fputc('\n', f);
        }
        if (verbose) {
                fprintf(f, "source:       %s\n", r->src_digest);
                fprintf(f, "destination:  %s\n", r->dst_digest);
        }

        if (r->n_findings > 0)
                fprintf(f, "\n%-8s  %-18s  %-32s  %-18s  %-18s  %s\n", "SEVERITY", "KIND", "REGISTER", "SOURCE",
                        "DESTINATION", "FIELD");
        for (size_t i = 0; i < r->n_findings; i++) {
                const Finding *x = &r->findings[i];
                char name[REG_NAME_MAX] = "-";

                if (!verbose && x->severity == SEVERITY_INFO) {
                        hidden++;
                        continue;
                }
                if (x->reg)
                        reg_id_name(x->reg, name, sizeof(name));
                fprintf(f, "%-8s  %-18s  %-32s", severity_name(x->severity), finding_kind_name(x->kind), name);
                /* a count finding's values are entry counts, not register values */
                print_value(f, x->has_src_value, x->src_value, x->kind == FINDING_COUNT);
                print_value(f, x->has_dst_value, x->dst_value, x->kind == FINDING_COUNT);
                if (x->field)
                        fprintf(f, "  %s[%u:%u] %" PRId64 " vs %" PRId64 " (%s)", x->field,
                                x->field_shift + x->field_width - 1, x->field_shift, x->src_field, x->dst_field,
                                field_rule_name(x->rule));
                fputc('\n', f);
                if (x->reg)
                        fprintf(f, "          id 0x%016" PRIx64 ": %s\n", x->reg, x->message ? x->message : "");
                else if (x->message)
                        fprintf(f, "          %s\n", x->message);
                if (x->remedy)
                        fprintf(f, "          remedy: %s\n", x->remedy);
        }
        if (hidden > 0)
                fprintf(f, "(%zu informational finding%s not shown; use verbose output)\n", hidden,
                        hidden == 1 ? "" : "s");
        return ferror(f) ? -EIO : 0;
}

static bool add(json_object *o, const char *key, json_object *v) {
        if (!v)
                return false;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return false;
        }
        return true;
}

static json_object *hex_new(uint64_t v) {
        char buf[24];

        snprintf(buf, sizeof(buf), "0x%016" PRIx64, v);
        return json_object_new_string(buf);
}

static json_object *finding_to_json(const Finding *x) {
        json_object *o = json_object_new_object();
        char name[REG_NAME_MAX];
        bool ok;

        if (!o)
                return NULL;
        ok = add(o, "kind", json_object_new_string(finding_kind_name(x->kind))) &&
             add(o, "severity", json_object_new_string(severity_name(x->severity))) &&
             add(o, "fatal", json_object_new_boolean(x->severity == SEVERITY_FATAL));
        if (ok && x->reg)
                ok = add(o, "register", json_object_new_string(reg_id_name(x->reg, name, sizeof(name)))) &&
                     add(o, "id", hex_new(x->reg));
        if (ok && x->has_src_value)
                ok = add(o, "src_value", hex_new(x->src_value));
        if (ok && x->has_dst_value)
                ok = add(o, "dst_value", hex_new(x->dst_value));
        if (ok && x->field)
                ok = add(o, "field", json_object_new_string(x->field)) &&
                     add(o, "shift", json_object_new_int(x->field_shift)) &&
                     add(o, "width", json_object_new_int(x->field_width)) &&
                     add(o, "rule", json_object_new_string(field_rule_name(x->rule))) &&
                     add(o, "src_field", json_object_new_int64(x->src_field)) &&
                     add(o, "dst_field", json_object_new_int64(x->dst_field));
        if (ok)
                ok = add(o, "message", json_object_new_string(x->message ? x->message : "")) &&
                     add(o, "remedy", json_object_new_string(x->remedy ? x->remedy : ""));
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
        ok = add(o, "verdict", json_object_new_string(verdict_name(r->verdict))) &&
             add(o, "config", json_object_new_string(r->config ? r->config : "")) &&
             add(o, "dst_config", json_object_new_string(r->dst_config ? r->dst_config : "")) &&
             add(o, "src_count", json_object_new_int64((int64_t) r->src_count)) &&
             add(o, "dst_count", json_object_new_int64((int64_t) r->dst_count)) &&
             add(o, "src_digest", json_object_new_string(r->src_digest)) &&
             add(o, "dst_digest", json_object_new_string(r->dst_digest));

        counts = ok ? json_object_new_object() : NULL;
        ok = ok && add(o, "counts", counts);
        for (unsigned i = 0; ok && i < 4; i++)
                ok = add(counts, severity_name((Severity) i), json_object_new_int64((int64_t) n[i]));

        adjustments = ok ? json_object_new_array() : NULL;
        ok = ok && add(o, "adjustments", adjustments);
        for (size_t i = 0; ok && i < r->n_adjustments; i++) {
                json_object *a = json_object_new_string(r->adjustments[i]);
                ok = a && json_object_array_add(adjustments, a) == 0;
                if (!ok)
                        json_object_put(a);
        }

        findings = ok ? json_object_new_array() : NULL;
        ok = ok && add(o, "findings", findings);
        for (size_t i = 0; ok && i < r->n_findings; i++) {
                json_object *x = finding_to_json(&r->findings[i]);
                ok = x && json_object_array_add(findings, x) == 0;
                if (!ok)
                        json_object_put(x);
        }

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

/* A growing string for the summary. */
typedef struct Buffer {
        char *data;
        size_t size, allocated;
        bool failed;
} Buffer;

static void buffer_printf(Buffer *b, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void buffer_printf(Buffer *b, const char *format, ...) {
        va_list ap;
        int n;

        if (b->failed)
                return;
        for (;;) {
                size_t room = b->allocated - b->size;

                va_start(ap, format);
                n = vsnprintf(b->data ? b->data + b->size : NULL, room, format, ap);
                va_end(ap);
                if (n < 0) {
                        b->failed = true;
                        return;
                }
                if ((size_t) n < room) {
                        b->size += (size_t) n;
                        return;
                }
                size_t want = (b->allocated ? b->allocated : 256);
                while (want < b->size + (size_t) n + 1)
                        want *= 2;
                char *p = realloc(b->data, want);
                if (!p) {
                        b->failed = true;
                        return;
                }
                b->data = p;
                b->allocated = want;
        }
}

char *report_summary(const Report *r) {
        Buffer b = {};
        size_t counts[4];

        if (!r)
                return NULL;
        count_severities(r, counts);
        switch (r->verdict) {
        case VERDICT_COMPATIBLE:
                buffer_printf(&b, "kvmregs: migration of vCPU configuration '%s' is compatible", r->config);
                if (counts[SEVERITY_WARNING])
                        buffer_printf(&b, " (%zu warning%s)", counts[SEVERITY_WARNING],
                                      counts[SEVERITY_WARNING] == 1 ? "" : "s");
                break;
        case VERDICT_ADJUSTED:
                buffer_printf(&b, "kvmregs: migration of vCPU configuration '%s' is compatible once the destination "
                              "uses -cpu host,", r->config);
                for (size_t i = 0; i < r->n_adjustments; i++)
                        buffer_printf(&b, "%s%s", i ? "," : "", r->adjustments[i]);
                break;
        case VERDICT_INCOMPATIBLE:
        default:
                buffer_printf(&b, "kvmregs: migration of vCPU configuration '%s' would fail on the destination "
                              "(%zu fatal problem%s):", r->config, counts[SEVERITY_FATAL],
                              counts[SEVERITY_FATAL] == 1 ? "" : "s");
                for (size_t i = 0; i < r->n_findings; i++) {
                        const Finding *x = &r->findings[i];
                        if (x->severity != SEVERITY_FATAL)
                                continue;
                        char name[REG_NAME_MAX];
                        if (x->reg)
                                buffer_printf(&b, "\n  - %s (0x%016" PRIx64 "): ", reg_id_name(x->reg, name, sizeof(name)), x->reg);
                        else
                                buffer_printf(&b, "\n  - ");
                        buffer_printf(&b, "%s\n    remedy: %s", x->message ? x->message : finding_kind_name(x->kind),
                                      x->remedy ? x->remedy : "-");
                }
                break;
        }
        if (b.failed || !b.data) {
                free(b.data);
                return NULL;
        }
        return b.data;
}
