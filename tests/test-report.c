/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * report_from_json(): every report the rules make from the real profiles (every pair, every
 * configuration) reads back equal, field by field, and writes back the same text; and what
 * report_to_json() would never write is refused with a message.
 */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "report-equal.h"
#include "report-group.h"
#include "rules.h"
#include "sha256.h"
#include "profile-load.h"
#include "testutil.h"
#include "util.h"

static const char *const ALL_PROFILES[] = {
        "5.10-cortex-a72.json", "6.1-cortex-a57.json", "6.1-cortex-a72.json", "6.1-max.json",
        "6.1-neoverse-n1.json", "6.12-cortex-a57.json", "6.12-cortex-a72.json", "6.12-max.json",
        "6.12-neoverse-n1.json", "7.2-cortex-a72.json", "7.2-max.json",
};


static size_t round_trips, verdicts[3], with_fields;
/* Every pair's report_to_json(), compact and pretty, in the order test_every_pair() makes them. */
static Sha256 json_digest;
static size_t json_digested;

/*
 * The JSON form is for programs and must not change when the human forms do: the digest of
 * every report the real profiles give, written both ways, as it was when the grouped human
 * report came in (issue 9). A change to the rules' findings or texts changes it too: then
 * check that only what the rules meant to change did, and write the new digest here.
 */
#define ALL_PAIRS_JSON_SHA256 "afc5259307cd691eef082a290c00e49912c03de76df29427e534fcf4e68fba7c"
/* The text is json-c's: the digest was recorded with json-c 0.16 (Debian 12), whose pretty
 * printing other versions (0.18, Debian 13) do not reproduce byte for byte. */
#define ALL_PAIRS_JSON_SHA256_JSONC 0x0010u   /* major << 8 | minor */

/* Written, read back, written again: the same report and the same text. */
static void check_round_trip(const Report *r) {
        for (int pretty = 0; pretty <= 1; pretty++) {
                _cleanup_free_ char *text = report_to_json(r, pretty);
                _cleanup_free_ char *again = NULL;
                _cleanup_(report_freep) Report *back = NULL;
                ProfileError e;
                int k;

                CHECK(text != NULL);
                if (!text)
                        return;
                k = report_from_json(text, strlen(text), &back, &e);
                CHECK_INT(k, 0);
                if (k < 0) {
                        fprintf(stderr, "%s: %s\n", e.path, e.message);
                        return;
                }
                CHECK(test_reports_equal(r, back));
                again = report_to_json(back, pretty);
                CHECK(again && strcmp(again, text) == 0);
                round_trips++;
        }
}


/* ---- the human forms name every register: a register list read back ---- */

static size_t named_checked, groups_checked;

/* Adds the numbers of "0-2, 5, 7-13" (up to end) to ret; false if malformed. */
static bool parse_ranges(const char *p, const char *end, unsigned *ret, size_t *n, size_t max) {
        while (p < end) {
                char *e;
                unsigned long a = strtoul(p, &e, 10), b;

                if (e == p)
                        return false;
                b = a;
                if (*e == '-') {
                        p = e + 1;
                        b = strtoul(p, &e, 10);
                        if (e == p || b < a)
                                return false;
                }
                for (unsigned long v = a; v <= b; v++) {
                        if (*n >= max)
                                return false;
                        ret[(*n)++] = (unsigned) v;
                }
                p = e;
                if (p < end && strncmp(p, ", ", 2) != 0)
                        return false;
                if (p < end)
                        p += 2;
        }
        return true;
}

static int id_cmp(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return (x > y) - (x < y);
}

/*
 * The register ids a compact list names: "NAME", "NAME (FIELD)", "CCSIDR_EL1 (CSSELR 0-2, 5: 4
 * registers)", "PMEVCNTR<n>_EL0 (n 0-5: 6 registers)", separated by ", ". Sorted into ret;
 * the count, or -1 if the list does not read.
 */
static long list_ids(const char *list, uint64_t *ret, size_t max) {
        size_t n = 0;

        for (const char *p = list; *p;) {
                const char *end = p, *paren;
                char item[256], name[REG_NAME_MAX];
                int depth = 0;

                for (; *end && !(depth == 0 && strncmp(end, ", ", 2) == 0); end++)
                        depth += *end == '(' ? 1 : *end == ')' ? -1 : 0;
                if ((size_t) (end - p) >= sizeof(item))
                        return -1;
                memcpy(item, p, (size_t) (end - p));
                item[end - p] = 0;
                p = *end ? end + 2 : end;

                paren = strstr(item, " (");
                if (paren && (strncmp(paren, " (CSSELR ", 9) == 0 || strncmp(paren, " (n ", 4) == 0)) {
                        const char *colon = strchr(paren, ':');
                        unsigned numbers[64];
                        size_t k = 0;
                        char *lt = strstr(item, "<n>");

                        if (!colon || !parse_ranges(strchr(paren + 2, ' ') + 1, colon, numbers, &k, 64))
                                return -1;
                        if (strtoul(colon + 1, NULL, 10) != k)   /* ": K registers)" counts them */
                                return -1;
                        for (size_t i = 0; i < k; i++) {
                                if (lt)
                                        snprintf(name, sizeof(name), "%.*s%u%.*s", (int) (lt - item), item, numbers[i],
                                                 (int) (paren - lt - 3), lt + 3);
                                else if (strncmp(item, "CCSIDR_EL1 (", 12) == 0)
                                        snprintf(name, sizeof(name), "CCSIDR_EL1[csselr=0x%x]", numbers[i]);
                                else
                                        return -1;
                                if (n >= max || reg_name_to_id(name, &ret[n++]) < 0)
                                        return -1;
                        }
                        continue;
                }
                if (paren)   /* " (FIELD)" */
                        item[paren - item] = 0;
                if (n >= max || reg_name_to_id(item, &ret[n++]) < 0)
                        return -1;
        }
        qsort(ret, n, sizeof(uint64_t), id_cmp);
        return (long) n;
}

/* text without the wrapping of report_print(): a newline and the blocks' indent read as one space */
static char *unwrapped(const char *text) {
        char *s = strdup(text), *w = s;

        for (const char *p = text; s && *p;) {
                if (strncmp(p, ",\n          ", 12) == 0) {
                        *w++ = ',';
                        *w++ = ' ';
                        p += 12;
                } else
                        *w++ = *p++;
        }
        if (s)
                *w = 0;
        return s;
}

static char *printed(const Report *r, bool verbose) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return NULL;
        if (report_print(r, f, verbose) < 0)
                CHECK(false);
        fclose(f);
        return buf;
}

/*
 * Every fatal register of a report is in the human report and in the summary: each finding is
 * in exactly one group, a group's register list reads back to exactly its findings' registers,
 * and that list (a one-finding group: the register's name) is in both texts; with --verbose,
 * each register's own name too.
 */
static void check_every_register_named(const Report *r) {
        _cleanup_(report_groups_freep) ReportGroups *gs = NULL;
        _cleanup_free_ char *summary = report_summary(r), *plain = printed(r, false), *verbose = printed(r, true);
        _cleanup_free_ char *flat = plain ? unwrapped(plain) : NULL;
        _cleanup_free_ size_t *in_groups = calloc(r->n_findings + 1, sizeof(size_t));
        uint64_t ids[512], want[512];

        CHECK(summary && plain && verbose && flat && in_groups);
        CHECK_INT(report_groups_new(r, &gs), 0);
        if (!gs || !summary || !flat || !verbose || !in_groups)
                return;
        CHECK(!strchr(plain, '\033') && !strchr(verbose, '\033'));
        for (size_t i = 0; i < gs->n_groups; i++) {
                const ReportGroup *g = &gs->groups[i];
                _cleanup_free_ char *list = report_group_registers(gs, g, false, 0);
                size_t n_want = 0;
                long n;

                /* fatal first, then by the first register id */
                if (i > 0)
                        CHECK(gs->groups[i - 1].severity > g->severity ||
                              (gs->groups[i - 1].severity == g->severity && gs->groups[i - 1].first_reg <= g->first_reg));
                for (size_t k = 0; k < g->n_members; k++) {
                        const Finding *f = &r->findings[g->members[k]];

                        in_groups[g->members[k]]++;
                        CHECK(f->severity == g->severity && f->kind == g->kind);
                        CHECK(f->remedy == g->remedy || (f->remedy && g->remedy && strcmp(f->remedy, g->remedy) == 0));
                        if (f->reg && (n_want == 0 || want[n_want - 1] != f->reg) && n_want < ELEMENTSOF(want))
                                want[n_want++] = f->reg;
                }
                qsort(want, n_want, sizeof(uint64_t), id_cmp);
                {
                        size_t k = 0;
                        for (size_t j = 0; j < n_want; j++)
                                if (j == 0 || want[j] != want[j - 1])
                                        want[k++] = want[j];
                        n_want = k;
                }
                CHECK_INT(n_want, g->n_registers);
                CHECK(list != NULL);
                if (!list)
                        continue;
                n = list_ids(list, ids, ELEMENTSOF(ids));
                if (n < 0 || (size_t) n != n_want || memcmp(ids, want, n_want * sizeof(uint64_t)) != 0)
                        fprintf(stderr, "the register list \"%s\" does not name the group's %zu registers\n", list, n_want);
                CHECK(n >= 0 && (size_t) n == n_want && memcmp(ids, want, n_want * sizeof(uint64_t)) == 0);
                groups_checked++;
                if (g->severity != SEVERITY_FATAL || g->n_registers == 0)
                        continue;
                if (g->n_members == 1) {
                        char name[REG_NAME_MAX];

                        reg_id_name(want[0], name, sizeof(name));
                        CHECK(strstr(summary, name) != NULL);
                        CHECK(strstr(flat, name) != NULL);
                } else {
                        if (!strstr(summary, list) || !strstr(flat, list))
                                fprintf(stderr, "\"%s\" is not in the summary or the report:\n%s\n%s\n", list, summary, flat);
                        CHECK(strstr(summary, list) != NULL);
                        CHECK(strstr(flat, list) != NULL);
                }
                for (size_t k = 0; k < n_want; k++) {
                        char name[REG_NAME_MAX];

                        CHECK(strstr(verbose, reg_id_name(want[k], name, sizeof(name))) != NULL);
                        named_checked++;
                }
        }
        for (size_t i = 0; i < r->n_findings; i++)
                CHECK_INT(in_groups[i], 1);
}

static void test_every_pair(void) {
        Profile *p[ELEMENTSOF(ALL_PROFILES)];

        sha256_init(&json_digest);
        for (size_t i = 0; i < ELEMENTSOF(ALL_PROFILES); i++)
                p[i] = test_load_profile(ALL_PROFILES[i]);
        for (size_t a = 0; a < ELEMENTSOF(ALL_PROFILES); a++)
                for (size_t b = 0; b < ELEMENTSOF(ALL_PROFILES); b++)
                        for (size_t c = 0; c < p[a]->n_configs; c++)
                        /* the destination's own choice (NULL), then each of its configurations */
                        for (size_t d = 0; d <= p[b]->n_configs; d++) {
                                _cleanup_(report_freep) Report *r = NULL;
                                int k = profile_compare(p[a], p[a]->configs[c].name, p[b],
                                                        d ? p[b]->configs[d - 1].name : NULL, &r);

                                CHECK_INT(k, 0);
                                if (k < 0)
                                        continue;
                                verdicts[r->verdict]++;
                                for (size_t i = 0; i < r->n_findings; i++)
                                        with_fields += r->findings[i].field != NULL;
                                check_round_trip(r);
                                check_every_register_named(r);
                                for (int pretty = 0; pretty <= 1; pretty++) {
                                        _cleanup_free_ char *text = report_to_json(r, pretty);

                                        if (text)
                                                sha256_update(&json_digest, text, strlen(text) + 1);
                                        json_digested++;
                                }
                        }
        for (size_t i = 0; i < ELEMENTSOF(ALL_PROFILES); i++)
                profile_free(p[i]);
        /* the pairs cover every verdict and findings with fields */
        CHECK(verdicts[VERDICT_COMPATIBLE] > 0);
        CHECK(verdicts[VERDICT_ADJUSTED] > 0);
        CHECK(verdicts[VERDICT_INCOMPATIBLE] > 0);
        CHECK(with_fields > 0);
        {
                uint8_t digest[32];
                char hex[65];

                sha256_final(&json_digest, digest);
                sha256_hex(digest, hex);
                if (strcmp(hex, ALL_PAIRS_JSON_SHA256) != 0)
                        fprintf(stderr, "the JSON of the %zu reports of every pair has digest %s\n", json_digested, hex);
                if ((json_c_version_num() >> 8) == ALL_PAIRS_JSON_SHA256_JSONC)
                        CHECK_STR(hex, ALL_PAIRS_JSON_SHA256);
                else
                        fprintf(stderr, "json-c %s writes other text than the 0.16 the digest was recorded "
                                "with: not compared (the round trips above still hold)\n", json_c_version());
        }
}

/* A hand-made report: no findings, NULL strings written as "". */
static void test_empty(void) {
        Report r = { .verdict = VERDICT_COMPATIBLE };
        _cleanup_free_ char *text = report_to_json(&r, false);
        _cleanup_free_ char *again = NULL;
        _cleanup_(report_freep) Report *back = NULL;

        CHECK(text != NULL);
        CHECK_INT(report_from_json(text, strlen(text), &back, NULL), 0);
        CHECK(back && back->n_findings == 0 && back->n_adjustments == 0);
        again = back ? report_to_json(back, false) : NULL;
        CHECK(again && text && strcmp(again, text) == 0);
}

/* The text of a real incompatible report with `from` replaced by `to` (first occurrence). */
static char *edited(const char *text, const char *from, const char *to) {
        const char *at = strstr(text, from);
        char *s;

        if (!at) {
                fprintf(stderr, "\"%s\" not in the report\n", from);
                exit(1);
        }
        if (asprintf(&s, "%.*s%s%s", (int) (at - text), text, to, at + strlen(from)) < 0)
                exit(1);
        return s;
}

static void refused(const char *text, int expected, const char *message_part) {
        Report *back = NULL;
        ProfileError e;
        int k = report_from_json(text, strlen(text), &back, &e);

        CHECK_INT(k, expected);
        CHECK(back == NULL);
        CHECK(e.message[0] != '\0');
        if (message_part && !strstr(e.message, message_part)) {
                fprintf(stderr, "message \"%s\" (at %s) lacks \"%s\"\n", e.message, e.path, message_part);
                CHECK(false);
        }
        report_free(back);
}

static void refused_edit(const char *text, const char *from, const char *to, const char *message_part) {
        _cleanup_free_ char *s = edited(text, from, to);

        refused(s, -EINVAL, message_part);
}

static void test_malformed(void) {
        _cleanup_(profile_freep) Profile *src = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = test_load_profile("6.1-cortex-a72.json");
        _cleanup_(report_freep) Report *r = NULL;
        _cleanup_free_ char *text = NULL, *big = NULL;
        Report *back = NULL;
        ProfileError e;

        CHECK_INT(profile_compare(src, "all", dst, "all", &r), 0);
        text = r ? report_to_json(r, false) : NULL;
        if (!text)
                exit(1);
        /* the edits below need a finding with a register, values and a field */
        CHECK(strstr(text, "\"field\":\"") != NULL);

        refused("", -EINVAL, "empty");
        refused("[]", -EINVAL, "expected an object");
        refused("null ", -EINVAL, "expected an object");
        refused("{", -EINVAL, "truncated");
        refused("{\"verdict\":", -EINVAL, "truncated");
        refused("{} x", -EINVAL, NULL);
        refused("{}\n\n", -EINVAL, "required key");
        refused("{\"a\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]}", -E2BIG, "deeper");
        refused("{}", -EINVAL, "required key \"verdict\"");
        CHECK_INT(report_from_json(text, KVMREGS_MAX_DOCUMENT + 1u, &back, &e), -E2BIG);
        CHECK(back == NULL);
        CHECK_INT(report_from_json(text, strlen(text), NULL, &e), -EINVAL);
        {
                _cleanup_free_ char *nul = strdup(text);
                nul[5] = '\0';
                CHECK_INT(report_from_json(nul, strlen(text), &back, &e), -EINVAL);
                CHECK(strstr(e.message, "NUL") != NULL);
        }

        refused_edit(text, "\"verdict\":\"incompatible\"", "\"verdict\":\"maybe\"", "unknown verdict");
        refused_edit(text, "\"verdict\":\"incompatible\"", "\"verdict\":1", "expected a string");
        refused_edit(text, "\"kind\":\"count\"", "\"kind\":\"other\"", "unknown finding kind");
        refused_edit(text, "\"severity\":\"fatal\"", "\"severity\":\"grave\"", "unknown severity");
        refused_edit(text, "\"rule\":\"", "\"rule\":\"x", "unknown field rule");
        refused_edit(text, "\"fatal\":true", "\"fatal\":false", "must be true");
        refused_edit(text, "\"fatal\":true", "\"fatal\":1", "must be true");
        refused_edit(text, "\"counts\":{\"info\":", "\"counts\":{\"info\":1000000,\"x\":", "but the findings have");
        refused_edit(text, "\"fatal\":", "\"fatal\":-", NULL);  /* not JSON: "fatal":-true */
        refused_edit(text, "\"id\":\"0x", "\"id\":\"0X", "not a number");
        refused_edit(text, "\"id\":\"0x", "\"id\":\"0x0", "out of range");
        refused_edit(text, "\"id\":\"0x6", "\"id\":\"0x0", "is not the name of register");
        refused_edit(text, "\"src_value\":\"0x", "\"src_value\":\"0xA", NULL);
        refused_edit(text, "\"register\":\"", "\"register\":\"X", "is not the name of register");
        refused_edit(text, "\"field\":\"", "\"field\":\"No", "unknown ID register field");
        refused_edit(text, "\"shift\":", "\"shift\":1", NULL);
        refused_edit(text, "\"width\":", "\"width\":-", NULL);
        refused_edit(text, "\"src_count\":", "\"src_count\":-", "out of range");
        refused_edit(text, "\"src_count\":", "\"src_count\":1.5,\"x\":", NULL);
        refused_edit(text, "\"message\":", "\"message\":1,\"y\":", NULL);
        refused_edit(text, "\"remedy\":", "\"remedy\":null,\"z\":", NULL);
        refused_edit(text, "\"adjustments\":[", "\"adjustments\":[\"\"", "empty string");
        refused_edit(text, "\"src_digest\":\"", "\"src_digest\":\"00000000000000000000000000000000", "longer than");
        refused_edit(text, "\"message\":\"", "\"message\":\"\\u0000", "NUL");

        /* a count that disagrees with the findings */
        {
                char needle[64];
                size_t fatal = 0;
                for (size_t i = 0; i < r->n_findings; i++)
                        fatal += r->findings[i].severity == SEVERITY_FATAL;
                snprintf(needle, sizeof(needle), "\"fatal\":%zu}", fatal);
                refused_edit(text, needle, "\"fatal\":0}", "but the findings have");
        }
        /* field members without a field */
        {
                _cleanup_free_ char *s = edited(text, "\"field\":\"", "\"notfield\":\"");
                refused(s, -EINVAL, "\"shift\" without \"field\"");
        }
        /* missing findings */
        {
                _cleanup_free_ char *s = edited(text, "\"findings\":", "\"findingz\":");
                refused(s, -EINVAL, "required key \"findings\"");
        }
        /* keys a newer writer adds are ignored: the same report */
        {
                _cleanup_free_ char *s1 = edited(text, "\"verdict\":", "\"extra\":{\"a\":[1]},\"verdict\":");
                _cleanup_free_ char *s2 = edited(s1, "\"kind\":", "\"extra\":1,\"kind\":");
                _cleanup_free_ char *s3 = edited(s2, "\"counts\":{", "\"counts\":{\"critical\":0,");
                _cleanup_free_ char *again = NULL;
                _cleanup_(report_freep) Report *newer = NULL;

                CHECK_INT(report_from_json(s3, strlen(s3), &newer, &e), 0);
                CHECK(newer && test_reports_equal(r, newer));
                again = newer ? report_to_json(newer, false) : NULL;
                CHECK(again && strcmp(again, text) == 0);
        }
}

int main(void) {
        test_empty();
        test_malformed();
        test_every_pair();
        printf("test-report: %zu round trips (%zu compatible, %zu adjusted, %zu incompatible reports)\n",
               round_trips, verdicts[0], verdicts[1], verdicts[2]);
        printf("test-report: %zu groups read back, %zu fatal registers named in the report and the summary\n",
               groups_checked, named_checked);
        return test_summary("test-report");
}
