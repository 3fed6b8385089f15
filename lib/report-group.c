/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A report's findings grouped by cause, and the compact register lists of the human forms. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report-group.h"
#include "util.h"

/* ---- a growing string ---- */

void report_text_printf(ReportText *t, const char *format, ...) {
        va_list ap;
        int n;

        if (t->failed)
                return;
        for (;;) {
                size_t room = t->allocated - t->size;

                va_start(ap, format);
                n = vsnprintf(t->data ? t->data + t->size : NULL, room, format, ap);
                va_end(ap);
                if (n < 0) {
                        t->failed = true;
                        return;
                }
                if ((size_t) n < room) {
                        t->size += (size_t) n;
                        return;
                }
                size_t want = t->allocated ? t->allocated : 256;
                while (want < t->size + (size_t) n + 1)
                        want *= 2;
                char *p = realloc(t->data, want);
                if (!p) {
                        t->failed = true;
                        return;
                }
                t->data = p;
                t->allocated = want;
        }
}

/* Appends n bytes of s. */
static void text_putn(ReportText *t, const char *s, size_t n) {
        if (t->failed)
                return;
        if (t->allocated - t->size <= n) {
                size_t want = t->allocated ? t->allocated : 256;
                char *p;

                while (want <= t->size + n)
                        want *= 2;
                p = realloc(t->data, want);
                if (!p) {
                        t->failed = true;
                        return;
                }
                t->data = p;
                t->allocated = want;
        }
        memcpy(t->data + t->size, s, n);
        t->size += n;
        t->data[t->size] = 0;
}

void report_text_put(ReportText *t, const char *s) {
        text_putn(t, s, strlen(s));
}

char *report_text_take(ReportText *t) {
        char *s;

        if (!t->failed && !t->data)
                report_text_put(t, "");
        if (t->failed) {
                free(t->data);
                *t = (ReportText) {};
                return NULL;
        }
        s = t->data;
        *t = (ReportText) {};
        return s;
}

/* Drops the last n bytes. */
static void text_cut(ReportText *t, size_t n) {
        if (t->failed || !t->data)
                return;
        t->size = n < t->size ? t->size - n : 0;
        t->data[t->size] = 0;
}

static void text_trim_end(ReportText *t, const char *chars) {
        while (!t->failed && t->data && t->size > 0 && strchr(chars, t->data[t->size - 1]))
                text_cut(t, 1);
}

/* ---- register families ---- */

static const struct {
        const char *prefix, *suffix, *family;
} numbered_families[] = {
        { "DBGBVR", "_EL1", "debug" },  { "DBGBCR", "_EL1", "debug" },
        { "DBGWVR", "_EL1", "debug" },  { "DBGWCR", "_EL1", "debug" },
        { "PMEVCNTR", "_EL0", "pmev" }, { "PMEVTYPER", "_EL0", "pmev" },
};

/* The numbered family of a register name ("PMEVCNTR3_EL0": PMEVCNTR, n 3), or -1. */
static int numbered_family(const char *name, unsigned *ret_n) {
        for (size_t i = 0; i < ELEMENTSOF(numbered_families); i++) {
                size_t lp = strlen(numbered_families[i].prefix);
                const char *p = name + lp;
                unsigned n = 0;
                size_t digits = 0;

                if (strncmp(name, numbered_families[i].prefix, lp) != 0)
                        continue;
                while (isdigit((unsigned char) p[digits]) && digits < 3)
                        n = n * 10 + (unsigned) (p[digits++] - '0');
                if (digits == 0 || strcmp(p + digits, numbered_families[i].suffix) != 0)
                        continue;
                if (ret_n)
                        *ret_n = n;
                return (int) i;
        }
        return -1;
}

static bool is_pmu_set_clear(uint64_t reg) {
        static const uint64_t pairs[] = {
                SYSREG_ID(3, 3, 9, 12, 1), SYSREG_ID(3, 3, 9, 12, 2),   /* PMCNTENSET/CLR_EL0 */
                SYSREG_ID(3, 0, 9, 14, 1), SYSREG_ID(3, 0, 9, 14, 2),   /* PMINTENSET/CLR_EL1 */
                SYSREG_ID(3, 3, 9, 12, 3), SYSREG_ID(3, 3, 9, 14, 3),   /* PMOVSCLR/SET_EL0 */
        };

        for (size_t i = 0; i < ELEMENTSOF(pairs); i++)
                if (reg == pairs[i])
                        return true;
        return false;
}

/* The family a value finding's register belongs to, for grouping; NULL if none. */
static const char *value_family(uint64_t reg) {
        char name[REG_NAME_MAX];
        int k;

        if (!reg || !reg_id_is_valid(reg))
                return NULL;
        switch (reg_id_class(reg)) {
        case REG_CLASS_DEMUX:
                return "ccsidr";
        case REG_CLASS_FW_FEAT_BMAP:
                return "fw-bmap";
        case REG_CLASS_FW:
                return reg == REG_ID_SMCCC_ARCH_WORKAROUND_1 || reg == REG_ID_SMCCC_ARCH_WORKAROUND_2 ||
                                       reg == REG_ID_SMCCC_ARCH_WORKAROUND_3
                               ? "smccc-workaround"
                               : NULL;
        case REG_CLASS_SYSREG:
                if (is_pmu_set_clear(reg))
                        return "pmu-set-clear";
                if (reg_id_is_feature_id(reg))
                        return "feature-id";
                k = numbered_family(reg_id_name(reg, name, sizeof(name)), NULL);
                return k >= 0 ? numbered_families[k].family : NULL;
        default:
                return NULL;
        }
}

static bool is_value_kind(FindingKind k) {
        return k == FINDING_VALUE_REFUSED || k == FINDING_VALUE_NOT_KEPT;
}

/* ---- a message's skeleton: its text with the values (numbers, the field's name) set aside ---- */

static bool word_char(char c) {
        return isalnum((unsigned char) c) || c == '_';
}

typedef enum VarType {
        VAR_NONE = 0,
        VAR_NUMBER,                  /* 0x.. hex or decimal, a whole word */
        VAR_FIELD,                   /* the finding's ID field name, a whole word */
} VarType;

/* The variable at s[i], if one starts there; its length in *ret_len. */
static VarType var_at(const char *s, size_t i, const char *field, size_t *ret_len) {
        size_t j;

        if (i > 0 && word_char(s[i - 1]))
                return VAR_NONE;
        if (s[i] == '0' && s[i + 1] == 'x' && isxdigit((unsigned char) s[i + 2])) {
                for (j = i + 2; isxdigit((unsigned char) s[j]); j++)
                        ;
                if (!word_char(s[j])) {
                        *ret_len = j - i;
                        return VAR_NUMBER;
                }
        }
        if (isdigit((unsigned char) s[i])) {
                for (j = i; isdigit((unsigned char) s[j]); j++)
                        ;
                if (!word_char(s[j])) {
                        *ret_len = j - i;
                        return VAR_NUMBER;
                }
        }
        if (field && *field) {
                size_t lf = strlen(field);

                if (strncmp(s + i, field, lf) == 0 && !word_char(s[i + lf])) {
                        *ret_len = lf;
                        return VAR_FIELD;
                }
        }
        return VAR_NONE;
}

/* A character of a key: control characters written out, so that none is taken for a marker. */
static void key_char(ReportText *t, char c) {
        if ((unsigned char) c < 0x20 || c == '\\')
                report_text_printf(t, "\\x%02x", (unsigned) (unsigned char) c);
        else
                text_putn(t, &c, 1);
}

/* The grouping key of a finding: everything that must agree within a group. */
static char *finding_key(const Finding *f) {
        const char *m = f->message ? f->message : "";
        ReportText t = {};
        const char *family = is_value_kind(f->kind) ? value_family(f->reg) : NULL;

        report_text_printf(&t, "%c\x1f%d\x1f%d\x1f", f->after_config_fix ? 'A' : '-', (int) f->severity, (int) f->kind);
        if (family)
                report_text_printf(&t, "family %s", family);
        else if (is_value_kind(f->kind))
                report_text_printf(&t, "field %s %d", f->field ? f->field : "", f->field ? (int) f->rule : 0);
        report_text_printf(&t, "\x1f%s", f->remedy ? "r" : "-");
        for (const char *p = f->remedy ? f->remedy : ""; *p; p++)
                key_char(&t, *p);
        report_text_put(&t, "\x1f");
        for (size_t i = 0; m[i];) {
                size_t len = 0;
                VarType v = var_at(m, i, f->field, &len);

                if (v != VAR_NONE) {
                        report_text_put(&t, v == VAR_NUMBER ? "\x01" : "\x02");
                        i += len;
                } else
                        key_char(&t, m[i++]);
        }
        return report_text_take(&t);
}

/* The variables of a message, in order (at most n). */
typedef struct Var {
        size_t start, len;
        VarType type;
} Var;

static size_t message_vars(const Finding *f, Var *vars, size_t n) {
        const char *m = f->message ? f->message : "";
        size_t k = 0;

        for (size_t i = 0; m[i];) {
                size_t len = 0;
                VarType v = var_at(m, i, f->field, &len);

                if (v == VAR_NONE) {
                        i++;
                        continue;
                }
                if (k < n)
                        vars[k] = (Var) { i, len, v };
                k++;
                i += len;
        }
        return k;
}

static bool ends_with_word(const ReportText *t, const char *word) {
        size_t lw = strlen(word);

        return t->data && t->size >= lw && memcmp(t->data + t->size - lw, word, lw) == 0 &&
               (t->size == lw || !word_char(t->data[t->size - lw - 1]));
}

/* The position of the ')' closing s[i] == '(', or 0. */
static size_t closing_paren(const char *s, size_t i) {
        size_t depth = 0;

        for (size_t j = i; s[j]; j++) {
                if (s[j] == '(')
                        depth++;
                else if (s[j] == ')' && --depth == 0)
                        return j;
        }
        return 0;
}

/*
 * The common message of findings whose keys agree: the first one's text, where a value that
 * differs between them is left out — with the parenthesis holding it, or with the label
 * before it ("source", "destination", "written", "restored"); a differing field name outside
 * parentheses reads "a field".
 */
static char *common_message(const Report *r, const size_t *members, size_t n) {
        const Finding *first = &r->findings[members[0]];
        const char *m = first->message ? first->message : "";
        static const char *const labels[] = { "source", "destination", "written", "restored" };
        _cleanup_free_ Var *vars = NULL, *other = NULL;
        _cleanup_free_ bool *differs = NULL;
        _cleanup_free_ char *marked = NULL;
        ReportText t = {}, out = {};
        size_t n_vars;

        n_vars = message_vars(first, NULL, 0);
        vars = calloc(n_vars + 1, sizeof(Var));
        other = calloc(n_vars + 1, sizeof(Var));
        differs = calloc(n_vars + 1, sizeof(bool));
        if (!vars || !other || !differs)
                return NULL;
        message_vars(first, vars, n_vars);
        for (size_t k = 1; k < n; k++) {
                const Finding *f = &r->findings[members[k]];
                const char *fm = f->message ? f->message : "";

                if (message_vars(f, other, n_vars) != n_vars)   /* not the same skeleton: cannot happen */
                        return strdup(m);
                for (size_t v = 0; v < n_vars; v++)
                        differs[v] |= other[v].len != vars[v].len ||
                                      memcmp(fm + other[v].start, m + vars[v].start, vars[v].len) != 0;
        }

        /* A field's values go with its name ("AuxReg 2 (destination 1)") when the field differs. */
        for (size_t v = 0; v + 1 < n_vars; v++) {
                static const char dst[] = " (destination ";

                if (!differs[v] || vars[v].type != VAR_FIELD || vars[v + 1].type != VAR_NUMBER ||
                    vars[v + 1].start != vars[v].start + vars[v].len + 1)
                        continue;
                differs[v + 1] = true;
                if (v + 2 < n_vars && vars[v + 2].type == VAR_NUMBER &&
                    vars[v + 2].start == vars[v + 1].start + vars[v + 1].len + strlen(dst) &&
                    strncmp(m + vars[v + 1].start + vars[v + 1].len, dst, strlen(dst)) == 0)
                        differs[v + 2] = true;
        }

        /* The text with each differing value marked: \x01 a number, \x02 a field name. */
        for (size_t i = 0, v = 0; m[i];) {
                if (v < n_vars && i == vars[v].start) {
                        if (differs[v])
                                report_text_put(&t, vars[v].type == VAR_NUMBER ? "\x01" : "\x02");
                        else
                                text_putn(&t, m + i, vars[v].len);
                        i += vars[v].len;
                        v++;
                } else
                        text_putn(&t, &m[i++], 1);
        }
        marked = report_text_take(&t);
        if (!marked)
                return NULL;

        for (size_t i = 0; marked[i]; i++) {
                char c = marked[i];

                if (c == '(') {
                        size_t close = closing_paren(marked, i);

                        if (close && (memchr(marked + i, '\x01', close - i) || memchr(marked + i, '\x02', close - i))) {
                                text_trim_end(&out, " ");
                                i = close;
                                continue;
                        }
                        report_text_put(&out, "(");
                } else if (c == '\x02')
                        report_text_put(&out, "a field");
                else if (c == '\x01') {
                        text_trim_end(&out, " ");
                        for (size_t l = 0; l < ELEMENTSOF(labels); l++)
                                if (ends_with_word(&out, labels[l])) {
                                        text_cut(&out, strlen(labels[l]));
                                        text_trim_end(&out, " ");
                                        text_trim_end(&out, ",");
                                        break;
                                }
                } else
                        text_putn(&out, &c, 1);
        }
        text_trim_end(&out, " ,;:");
        return report_text_take(&out);
}

/* text with every "this register" as "these registers". */
static char *plural_registers(const char *text) {
        static const char one[] = "this register", many[] = "these registers";
        ReportText t = {};

        for (const char *p = text;;) {
                const char *hit = strstr(p, one);

                if (!hit) {
                        report_text_put(&t, p);
                        break;
                }
                report_text_printf(&t, "%.*s%s", (int) (hit - p), p, word_char(hit[strlen(one)]) ? one : many);
                p = hit + strlen(one);
        }
        return report_text_take(&t);
}

/* ---- grouping ---- */

typedef struct Keyed {
        char *key;
        size_t index;
} Keyed;

static int keyed_cmp(const void *a, const void *b) {
        const Keyed *x = a, *y = b;
        int c = strcmp(x->key, y->key);

        return c ? c : (x->index > y->index) - (x->index < y->index);
}

static int group_cmp(const void *a, const void *b) {
        const ReportGroup *x = a, *y = b;

        if (x->after_config_fix != y->after_config_fix)
                return x->after_config_fix ? 1 : -1;
        if (x->severity != y->severity)
                return x->severity > y->severity ? -1 : 1;
        if (x->first_reg != y->first_reg)
                return x->first_reg < y->first_reg ? -1 : 1;
        if (x->kind != y->kind)
                return (int) x->kind - (int) y->kind;
        return (x->members[0] > y->members[0]) - (x->members[0] < y->members[0]);
}

static int reg_cmp(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return (x > y) - (x < y);
}

static size_t distinct_registers(const Report *r, const size_t *members, size_t n) {
        _cleanup_free_ uint64_t *regs = calloc(n ? n : 1, sizeof(uint64_t));
        size_t k = 0, distinct = 0;

        if (!regs)
                return 0;
        for (size_t i = 0; i < n; i++)
                if (r->findings[members[i]].reg)
                        regs[k++] = r->findings[members[i]].reg;
        qsort(regs, k, sizeof(uint64_t), reg_cmp);
        for (size_t i = 0; i < k; i++)
                distinct += i == 0 || regs[i] != regs[i - 1];
        return distinct;
}

static bool same_str(const char *a, const char *b) {
        return a == b || (a && b && strcmp(a, b) == 0);
}

static int group_fill(ReportGroups *gs, ReportGroup *g) {
        const Report *r = gs->report;
        const Finding *first = &r->findings[g->members[0]];
        bool same_message = true, same_field = true;
        char *text = NULL;

        g->severity = first->severity;
        g->kind = first->kind;
        g->after_config_fix = first->after_config_fix;
        g->remedy = first->remedy;
        g->n_registers = distinct_registers(r, g->members, g->n_members);
        g->first_reg = UINT64_MAX;
        for (size_t i = 0; i < g->n_members; i++)
                if (r->findings[g->members[i]].reg < g->first_reg)
                        g->first_reg = r->findings[g->members[i]].reg;
        for (size_t i = 1; i < g->n_members; i++) {
                const Finding *f = &r->findings[g->members[i]];

                same_message &= same_str(f->message, first->message);
                same_field &= same_str(f->field, first->field) && (!f->field || f->rule == first->rule);
        }
        if (same_field && first->field) {
                g->field = first->field;
                g->rule = first->rule;
        }
        g->message = first->message ? first->message : "";
        if (!same_message) {
                text = common_message(r, g->members, g->n_members);
                if (!text)
                        return -ENOMEM;
        }
        if (g->n_registers > 1 && strstr(text ? text : g->message, "this register")) {
                char *plural = plural_registers(text ? text : g->message);

                free(text);
                text = plural;
                if (!text)
                        return -ENOMEM;
        }
        if (text) {
                gs->texts[gs->n_texts++] = text;
                g->message = text;
        }
        return 0;
}

ReportGroups *report_groups_free(ReportGroups *g) {
        if (!g)
                return NULL;
        for (size_t i = 0; i < g->n_texts; i++)
                free(g->texts[i]);
        free(g->texts);
        free(g->member_storage);
        free(g->groups);
        free(g);
        return NULL;
}

int report_groups_new(const Report *r, ReportGroups **ret) {
        _cleanup_(report_groups_freep) ReportGroups *gs = NULL;
        _cleanup_free_ Keyed *keyed = NULL;
        size_t n;
        int k = 0;

        if (!r || !ret || (r->n_findings > 0 && !r->findings))
                return -EINVAL;
        n = r->n_findings;
        gs = calloc(1, sizeof(ReportGroups));
        if (!gs)
                return -ENOMEM;
        gs->report = r;
        keyed = calloc(n ? n : 1, sizeof(Keyed));
        gs->member_storage = calloc(n ? n : 1, sizeof(size_t));
        gs->groups = calloc(n ? n : 1, sizeof(ReportGroup));
        gs->texts = calloc(n ? n : 1, sizeof(char *));
        if (!keyed || !gs->member_storage || !gs->groups || !gs->texts)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                keyed[i] = (Keyed) { finding_key(&r->findings[i]), i };
                if (!keyed[i].key)
                        k = -ENOMEM;
        }
        if (k == 0) {
                qsort(keyed, n, sizeof(Keyed), keyed_cmp);
                for (size_t i = 0; i < n; i++) {
                        gs->member_storage[i] = keyed[i].index;
                        if (i == 0 || strcmp(keyed[i].key, keyed[i - 1].key) != 0)
                                gs->groups[gs->n_groups++] = (ReportGroup) { .members = &gs->member_storage[i] };
                        gs->groups[gs->n_groups - 1].n_members++;
                }
                for (size_t i = 0; k == 0 && i < gs->n_groups; i++)
                        k = group_fill(gs, &gs->groups[i]);
        }
        for (size_t i = 0; i < n; i++)
                free(keyed[i].key);
        if (k < 0)
                return k;
        qsort(gs->groups, gs->n_groups, sizeof(ReportGroup), group_cmp);
        *ret = TAKE_PTR(gs);
        return 0;
}

/* ---- the compact register list ---- */

typedef struct Entry {
        uint64_t reg;
        size_t pos;                  /* first position in the group */
        const Finding *f;            /* its first finding */
        bool done;
} Entry;

static int entry_reg_cmp(const void *a, const void *b) {
        const Entry *x = a, *y = b;

        if (x->reg != y->reg)
                return x->reg < y->reg ? -1 : 1;
        return (x->pos > y->pos) - (x->pos < y->pos);
}

static int entry_pos_cmp(const void *a, const void *b) {
        const Entry *x = a, *y = b;

        return (x->pos > y->pos) - (x->pos < y->pos);
}

static int uint_cmp(const void *a, const void *b) {
        unsigned x = *(const unsigned *) a, y = *(const unsigned *) b;

        return (x > y) - (x < y);
}

/* "0-2, 5, 7-13" of n sorted numbers. */
static void put_ranges(ReportText *t, unsigned *v, size_t n) {
        qsort(v, n, sizeof(unsigned), uint_cmp);
        for (size_t i = 0; i < n;) {
                size_t j = i;

                while (j + 1 < n && v[j + 1] == v[j] + 1)
                        j++;
                report_text_printf(t, "%s%u", i ? ", " : "", v[i]);
                if (j > i)
                        report_text_printf(t, "-%u", v[j]);
                i = j + 1;
        }
}

char *report_group_registers(const ReportGroups *gs, const ReportGroup *g, bool all_names, size_t max_bytes) {
        const Report *r;
        _cleanup_free_ Entry *e = NULL;
        _cleanup_free_ unsigned *numbers = NULL;
        ReportText t = {};
        size_t n = 0, distinct = 0, emitted = 0;

        if (!gs || !g)
                return NULL;
        r = gs->report;
        e = calloc(g->n_members ? g->n_members : 1, sizeof(Entry));
        numbers = calloc(g->n_members ? g->n_members : 1, sizeof(unsigned));
        if (!e || !numbers)
                return NULL;
        for (size_t i = 0; i < g->n_members; i++) {
                const Finding *f = &r->findings[g->members[i]];

                if (f->reg)
                        e[n++] = (Entry) { f->reg, i, f, false };
        }
        qsort(e, n, sizeof(Entry), entry_reg_cmp);
        for (size_t i = 0; i < n; i++)
                if (i == 0 || e[i].reg != e[i - 1].reg)
                        e[distinct++] = e[i];
        qsort(e, distinct, sizeof(Entry), entry_pos_cmp);

        report_text_put(&t, "");
        for (size_t i = 0; i < distinct; i++) {
                char name[REG_NAME_MAX];
                unsigned num;
                int family;
                size_t count = 0;

                if (e[i].done)
                        continue;
                if (max_bytes && t.size > max_bytes) {
                        size_t left = 0;

                        for (size_t j = i; j < distinct; j++)
                                left += !e[j].done;
                        report_text_printf(&t, ", and %zu more register%s", left, left == 1 ? "" : "s");
                        break;
                }
                if (emitted++)
                        report_text_put(&t, ", ");
                reg_id_name(e[i].reg, name, sizeof(name));
                e[i].done = true;
                if (all_names) {
                        report_text_put(&t, name);
                } else if (reg_id_ccsidr_cache(e[i].reg, NULL, NULL)) {
                        for (size_t j = i; j < distinct; j++)
                                if (reg_id_ccsidr_cache(e[j].reg, NULL, NULL) && (j == i || !e[j].done))
                                        numbers[count++] = (unsigned) (e[j].reg & 0xff);
                        if (count >= 2) {
                                for (size_t j = i; j < distinct; j++)
                                        if (reg_id_ccsidr_cache(e[j].reg, NULL, NULL))
                                                e[j].done = true;
                                report_text_put(&t, "CCSIDR_EL1 (CSSELR ");
                                put_ranges(&t, numbers, count);
                                report_text_printf(&t, ": %zu registers)", count);
                                continue;
                        }
                        report_text_put(&t, name);
                } else if ((family = numbered_family(name, &num)) >= 0) {
                        for (size_t j = i; j < distinct; j++) {
                                char other[REG_NAME_MAX];
                                unsigned m;

                                if ((j == i || !e[j].done) &&
                                    numbered_family(reg_id_name(e[j].reg, other, sizeof(other)), &m) == family)
                                        numbers[count++] = m;
                        }
                        if (count >= 3) {
                                for (size_t j = i; j < distinct; j++) {
                                        char other[REG_NAME_MAX];

                                        if (numbered_family(reg_id_name(e[j].reg, other, sizeof(other)), NULL) == family)
                                                e[j].done = true;
                                }
                                report_text_printf(&t, "%s<n>%s (n ", numbered_families[family].prefix,
                                                   numbered_families[family].suffix);
                                put_ranges(&t, numbers, count);
                                report_text_printf(&t, ": %zu registers)", count);
                                continue;
                        }
                        report_text_put(&t, name);
                } else
                        report_text_put(&t, name);
                if (!g->field && e[i].f->field)
                        report_text_printf(&t, " (%s)", e[i].f->field);
        }
        return report_text_take(&t);
}
