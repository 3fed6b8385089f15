/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * report_from_json on arbitrary bytes. A refusal must come with a clean error; a report that
 * parses must survive the writer: report_to_json reads back to an equal report (the same static
 * field names) and writes the same text again, pretty or not; and the human forms do not fail.
 */
#include <errno.h>

#include "fuzz-common.h"
#include "../report-equal.h"
#include "rules.h"
#include "util.h"

static void check_refusal(int r, const ProfileError *e) {
        FUZZ_ASSERT(r == -EINVAL || r == -E2BIG || r == -ENOMEM);
        FUZZ_ASSERT(e->message[0] != '\0');
        FUZZ_ASSERT(fuzz_text_clean(e->message, sizeof(e->message)));
        FUZZ_ASSERT(fuzz_text_clean(e->path, sizeof(e->path)));
}

static void check_round_trip(const Report *r, bool pretty) {
        _cleanup_free_ char *text = report_to_json(r, pretty);
        _cleanup_free_ char *again = NULL;
        _cleanup_(report_freep) Report *q = NULL;
        ProfileError e;
        int k;

        FUZZ_ASSERT(text);
        k = report_from_json(text, strlen(text), &q, &e);
        if (k < 0)
                fprintf(stderr, "the writer's output does not parse: %s: %s\n", e.path, e.message);
        FUZZ_ASSERT(k == 0);
        FUZZ_ASSERT(test_reports_equal(r, q));
        again = report_to_json(q, pretty);
        FUZZ_ASSERT(again && strcmp(again, text) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(report_freep) Report *r = NULL;
        _cleanup_free_ char *summary = NULL;
        ProfileError e;
        FILE *devnull;
        int k;

        if (size > FUZZ_MAX_INPUT)
                return 0;
        k = report_from_json((const char *) data, size, &r, &e);
        if (k < 0) {
                FUZZ_ASSERT(!r);
                check_refusal(k, &e);
                return 0;
        }
        FUZZ_ASSERT(k == 0 && r);
        for (int pretty = 0; pretty <= 1; pretty++)
                check_round_trip(r, pretty);
        summary = report_summary(r);
        FUZZ_ASSERT(summary);
        devnull = fopen("/dev/null", "we");
        FUZZ_ASSERT(devnull);
        FUZZ_ASSERT(report_print(r, devnull, true) == 0);
        fclose(devnull);
        return 0;
}
