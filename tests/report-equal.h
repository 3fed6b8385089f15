/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* Deep equality of two reports, for the report round trip (tests/test-report.c, fuzz-report.c). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "profile-equal.h"
#include "rules.h"

static inline bool test_findings_equal(const Finding *a, const Finding *b) {
        return a->kind == b->kind && a->severity == b->severity && a->reg == b->reg &&
               a->has_src_value == b->has_src_value && a->has_dst_value == b->has_dst_value &&
               a->src_value == b->src_value && a->dst_value == b->dst_value &&
               a->field == b->field &&     /* the same static IdField name */
               a->field_shift == b->field_shift && a->field_width == b->field_width &&
               (!a->field || (a->rule == b->rule && a->src_field == b->src_field && a->dst_field == b->dst_field)) &&
               test_str_equal(a->message, b->message) && test_str_equal(a->remedy, b->remedy);
}

static inline bool test_reports_equal(const Report *a, const Report *b) {
        if (a->verdict != b->verdict || !test_str_equal(a->config, b->config) || !test_str_equal(a->dst_config, b->dst_config) ||
            a->src_count != b->src_count || a->dst_count != b->dst_count || a->n_findings != b->n_findings ||
            a->n_adjustments != b->n_adjustments || strcmp(a->src_digest, b->src_digest) != 0 ||
            strcmp(a->dst_digest, b->dst_digest) != 0)
                return false;
        for (size_t i = 0; i < a->n_adjustments; i++)
                if (strcmp(a->adjustments[i], b->adjustments[i]) != 0)
                        return false;
        for (size_t i = 0; i < a->n_findings; i++)
                if (!test_findings_equal(&a->findings[i], &b->findings[i])) {
                        fprintf(stderr, "finding %zu differs: %s\n", i, a->findings[i].message);
                        return false;
                }
        return true;
}
