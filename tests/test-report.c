/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * report_from_json(): every report the rules make from the real profiles (every pair, every
 * configuration) reads back equal, field by field, and writes back the same text; and what
 * report_to_json() would never write is refused with a message.
 */
#include <errno.h>
#include <string.h>

#include "report-equal.h"
#include "rules.h"
#include "sha256.h"
#include "testutil.h"
#include "util.h"

static const char *const ALL_PROFILES[] = {
        "5.10-cortex-a72.json", "6.1-cortex-a57.json", "6.1-cortex-a72.json", "6.1-max.json",
        "6.1-neoverse-n1.json", "6.12-cortex-a57.json", "6.12-cortex-a72.json", "6.12-max.json",
        "6.12-neoverse-n1.json", "7.2-cortex-a72.json", "7.2-max.json",
};

static Profile *load(const char *name) {
        Profile *p = NULL;
        ProfileError e = {};
        int r = profile_load(test_data(name), &p, &e);

        if (r < 0) {
                fprintf(stderr, "cannot load %s: %s: %s (%d)\n", name, e.path, e.message, r);
                exit(1);
        }
        return p;
}

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
#define ALL_PAIRS_JSON_SHA256 "51e6135d4fda7ccf330baebb017e365a4193064d052b65bd6d243404fee25a62"

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

static void test_every_pair(void) {
        Profile *p[ELEMENTSOF(ALL_PROFILES)];

        sha256_init(&json_digest);
        for (size_t i = 0; i < ELEMENTSOF(ALL_PROFILES); i++)
                p[i] = load(ALL_PROFILES[i]);
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
                CHECK_STR(hex, ALL_PAIRS_JSON_SHA256);
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
        _cleanup_(profile_freep) Profile *src = load("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = load("6.1-cortex-a72.json");
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
        return test_summary("test-report");
}
