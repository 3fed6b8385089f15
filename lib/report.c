/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reports: names, the human table, the JSON form and the one-message summary. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json-doc.h"
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

/* One fatal finding: the register (name and id) unless the message names it, the message (or
 * the values, or the kind), and the field with its rule. */
static void summary_finding(Buffer *b, const Finding *x) {
        const char *msg = x->message && *x->message ? x->message : NULL;
        char name[REG_NAME_MAX], id[24];

        buffer_printf(b, "\n  - ");
        if (x->reg) {
                reg_id_name(x->reg, name, sizeof(name));
                snprintf(id, sizeof(id), "0x%016" PRIx64, x->reg);
                if (!msg || !strstr(msg, name) || !strstr(msg, id))
                        buffer_printf(b, "%s (%s): ", name, id);
        }
        if (msg)
                buffer_printf(b, "%s", msg);
        else if (x->has_src_value || x->has_dst_value) {
                buffer_printf(b, "source ");
                buffer_printf(b, x->has_src_value ? "0x%016" PRIx64 : "-", x->src_value);
                buffer_printf(b, ", destination ");
                buffer_printf(b, x->has_dst_value ? "0x%016" PRIx64 : "-", x->dst_value);
        } else
                buffer_printf(b, "%s", finding_kind_name(x->kind));
        if (x->field)
                buffer_printf(b, " [field %s, rule %s]", x->field, field_rule_name(x->rule));
}

/* Every fatal finding on its line (those past REPORT_SUMMARY_MAX counted, not shown), then each
 * distinct remedy of the ones shown, once, under "What to do:". */
static void summary_fatal(Buffer *b, const Report *r) {
        _cleanup_free_ const char **remedies = NULL;
        size_t fatal = 0, shown = 0, n_remedies = 0;

        remedies = calloc(r->n_findings ? r->n_findings : 1, sizeof(char *));
        if (!remedies) {
                b->failed = true;
                return;
        }
        for (size_t i = 0; i < r->n_findings; i++) {
                const Finding *x = &r->findings[i];
                bool seen = false;

                if (x->severity != SEVERITY_FATAL)
                        continue;
                fatal++;
                if (b->size > REPORT_SUMMARY_MAX)
                        continue;
                shown++;
                summary_finding(b, x);
                if (!x->remedy || !*x->remedy)
                        continue;
                for (size_t k = 0; k < n_remedies && !seen; k++)
                        seen = strcmp(remedies[k], x->remedy) == 0;
                if (!seen)
                        remedies[n_remedies++] = x->remedy;
        }
        if (fatal > shown)
                buffer_printf(b, "\n  - and %zu more", fatal - shown);
        if (n_remedies > 0)
                buffer_printf(b, "\nWhat to do:");
        for (size_t k = 0; k < n_remedies; k++)
                buffer_printf(b, "\n  - %s", remedies[k]);
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
                summary_fatal(&b, r);
                break;
        }
        if (b.failed || !b.data) {
                free(b.data);
                return NULL;
        }
        return b.data;
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
                r = member_enum(o, path, "kind", FINDING_BAD_REGISTER + 1, kind_name_u, "finding kind", &kind, e);
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
