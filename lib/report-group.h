/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * A report's findings grouped by cause, for the human forms (report_print(), report_summary()):
 * the 14 CCSIDR registers one cache change refuses are one group with one message and one
 * remedy, so are the registers the destination kernel does not list. Every finding is in
 * exactly one group; a group keeps every one of its findings (and so names every register).
 *
 * Two findings are in one group when they have the same severity, kind and remedy, the same
 * message once values (numbers, and the ID field a finding names) are set aside, and, for
 * value findings (value-refused, value-not-kept), the same register family (CCSIDR demux
 * entries, PMEVCNTR<n>/PMEVTYPER<n>, debug DBGBVR/BCR/WVR/WCR<n>, SMCCC workarounds, firmware
 * bitmaps, the PMU set/clear pairs, the feature ID registers) or, for a register of no
 * family, the same ID field and rule, and the same mark as remaining after a configuration fix
 * (Finding.after_config_fix). Groups come as the report is read: first those of the comparison
 * itself, then those after the configuration fix; each fatal first, then by their first
 * register id; a group's findings in the report's order.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules.h"

typedef struct ReportGroup {
        Severity severity;
        FindingKind kind;
        /* The group's message: the findings' own when they agree; else the common part, with
         * the values that differ left out (and "these registers" for "this register"). */
        const char *message;
        const char *remedy;              /* the same for every finding of the group (may be NULL) */
        const char *field;               /* the ID field every finding names, or NULL */
        FieldRule rule;                  /* its rule, when field is set */
        const size_t *members;           /* indices into the report's findings, ascending */
        size_t n_members;
        size_t n_registers;              /* distinct register ids (0: findings about the whole vCPU) */
        uint64_t first_reg;              /* the lowest register id of its findings (0: the whole vCPU) */
        bool after_config_fix;           /* its findings remain once the configuration problem is fixed */
} ReportGroup;

typedef struct ReportGroups {
        const Report *report;
        ReportGroup *groups;
        size_t n_groups;
        /* storage */
        size_t *member_storage;
        char **texts;
        size_t n_texts;
} ReportGroups;

/* Groups r's findings (r must outlive the result). -EINVAL, -ENOMEM. */
int report_groups_new(const Report *r, ReportGroups **ret);
ReportGroups *report_groups_free(ReportGroups *g);   /* NULL-safe, returns NULL */
static inline void report_groups_freep(ReportGroups **g) { if (*g) report_groups_free(*g); }

/*
 * The registers of a group, compactly: names separated by ", " in the group's order, CCSIDR
 * demux entries as "CCSIDR_EL1 (CSSELR 0-2, 5: 4 registers)" (2 or more), numbered families
 * as "PMEVCNTR<n>_EL0 (n 0-5: 6 registers)" (3 or more), and after a register " (FIELD)" when
 * the group's findings name different fields. With all_names, every register's own name
 * instead, nothing compacted. Past max_bytes (0: no limit) the rest are counted: ", and N
 * more registers". "" for a group without registers. malloc'd, NULL on ENOMEM.
 */
char *report_group_registers(const ReportGroups *g, const ReportGroup *group, bool all_names, size_t max_bytes);

/* A growing string for the human forms. failed on ENOMEM (or a format error); then data is
 * not to be used. */
typedef struct ReportText {
        char *data;
        size_t size, allocated;
        bool failed;
} ReportText;

void report_text_printf(ReportText *t, const char *format, ...) __attribute__((format(printf, 2, 3)));
void report_text_put(ReportText *t, const char *s);
/* Hands the text over (malloc'd), or frees it and returns NULL when it failed. */
char *report_text_take(ReportText *t);
