/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * The migration rules: given what a source vCPU sends (its cpreg list and values)
 * and what the destination host offers, say what QEMU's vmstate load
 * (target/arm/machine.c) and the destination kernel's KVM_SET_ONE_REG will do.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "profile.h"
#include "qemu.h"
#include "regnames.h"

typedef enum Verdict {
        VERDICT_COMPATIBLE = 0,
        VERDICT_ADJUSTED,        /* compatible once the destination applies report->adjustments */
        VERDICT_INCOMPATIBLE,
} Verdict;

typedef enum Severity {
        SEVERITY_INFO = 0,       /* nothing changes for the guest that matters (e.g. a register only the destination has) */
        SEVERITY_WARNING,        /* loads, but the guest's state silently changes */
        SEVERITY_ADJUST,         /* fails as is, loads after an adjustment */
        SEVERITY_FATAL,          /* the migration fails */
} Severity;

typedef enum FindingKind {
        FINDING_CONFIG_UNSUPPORTED,  /* destination cannot run the vCPU configuration */
        FINDING_FEATURES_DIFFER,     /* destination's vCPU would get other features than the source's */
        FINDING_COUNT,               /* source sends more cpreg entries than the destination has */
        FINDING_NOT_ON_DEST,         /* source register the destination does not list */
        FINDING_DROPPED,             /* source register QEMU drops: 7.2 above the destination's highest, 11.1 any */
        FINDING_DEST_ONLY,           /* destination register the source does not send: keeps its reset value */
        FINDING_VALUE_REFUSED,       /* KVM_SET_ONE_REG fails on the destination */
        FINDING_VALUE_NOT_KEPT,      /* KVM_SET_ONE_REG succeeds, but the register reads back otherwise */
        FINDING_BAD_REGISTER,        /* a register QEMU cannot carry at all (size) */
        FINDING_TOLERATED,           /* a difference the destination QEMU (11.1+) explicitly tolerates */
        _FINDING_KIND_MAX,
} FindingKind;

typedef struct Finding {
        FindingKind kind;
        Severity severity;
        uint64_t reg;                /* 0 when the finding is not about one register */
        bool has_src_value, has_dst_value;
        uint64_t src_value, dst_value;
        const char *field;           /* ID field name ("DebugVer"), static; NULL if none */
        uint8_t field_shift, field_width;
        FieldRule rule;
        int64_t src_field, dst_field;
        char *message;               /* one line: what happens and why */
        char *remedy;                /* plain words: what to do */
        bool after_config_fix;       /* found comparing with the nearest configuration the destination can
                                      * create: would still fail once the configuration problem is fixed */
} Finding;

typedef struct Report {
        Verdict verdict;
        char *config;                /* source vCPU configuration compared */
        char *dst_config;            /* destination configuration used (after adjustment) */
        size_t src_count, dst_count; /* cpreg entries */
        Finding *findings;           /* fatal first, then by register id */
        size_t n_findings;
        char **adjustments;          /* e.g. "sve=off", "pmu=off", "pauth=off"; QEMU -cpu properties */
        size_t n_adjustments;
        char src_digest[PROFILE_DIGEST_HEX + 1];
        char dst_digest[PROFILE_DIGEST_HEX + 1];
        QemuLoad dst_qemu_load;      /* the destination QEMU load path the rules assumed */
        bool dst_qemu_assumed;       /* no version was given: the legacy 7.2 path is an assumption */
        char *dst_qemu_version;      /* as given (option or profile), NULL if none */
        char *src_qemu_version;      /* as given, NULL if none; reported only */
        QemuOrigin dst_qemu_origin;  /* where the destination QEMU came from (DEFAULT when assumed) */
        QemuOrigin src_qemu_origin;  /* where the source QEMU came from (DEFAULT: none known) */
        /* CompareDomain (lib/domain.h): the incoming domain's <emulator>, when it is not the
         * destination profile's: used (dst_qemu_origin DOMAIN, detected as dst_qemu_detected),
         * or not, and dst_qemu_not_used says why. NULL otherwise. */
        char *dst_qemu_emulator;
        QemuDetected dst_qemu_detected;
        char *dst_qemu_not_used;
} Report;

Report *report_free(Report *r);   /* NULL-safe, returns NULL */
static inline void report_freep(Report **r) { if (*r) report_free(*r); }

/*
 * Compares the source's configuration src_config with the destination's dst_config
 * (the configuration the destination's QEMU would build; NULL means the same name).
 * If the two configurations' features differ and the destination also offers the
 * source's exact features, the result is VERDICT_ADJUSTED with the adjustments that
 * pin the destination to them (when that comparison is otherwise compatible).
 * -ENOENT if src_config is not in src; -ENOMEM.
 */
int profile_compare(const Profile *src, const char *src_config,
                    const Profile *dst, const char *dst_config, Report **ret);

/*
 * The QEMU on each end. A version given here wins over the profiles' "host"."qemu" (a guest
 * record's is the source QEMU); with neither, the destination's load path is legacy 7.2,
 * marked as assumed in the report.
 * dst_load_set: dst_load is used as given even without a version.
 */
typedef struct CompareOptions {
        const char *src_qemu_version;
        const char *dst_qemu_version;
        bool dst_load_set;
        QemuLoad dst_load;
} CompareOptions;
/* profile_compare() with options (NULL: as profile_compare()). -EINVAL for an unparsable version. */
int profile_compare_with(const Profile *src, const char *src_config, const Profile *dst, const char *dst_config,
                         const CompareOptions *options, Report **ret);

/*
 * The per-register prediction for one like-for-like load: for every source cpreg,
 * whether the destination kernel accepts the KVM_SET_ONE_REG (the replay tests hold
 * this against real kernels). Fills findings only; no adjustment logic.
 */
int vcpu_config_compare(const Profile *src, const VcpuConfig *s,
                        const Profile *dst, const VcpuConfig *d, Report **ret);
/* The same under the destination QEMU's load path load. */
int vcpu_config_compare_qemu(const Profile *src, const VcpuConfig *s, const Profile *dst, const VcpuConfig *d,
                             QemuLoad load, Report **ret);

/* Would the destination kernel accept this value for this register? On refusal,
 * ret_finding (may be NULL) gets the field and rule that forbid it. */
bool rules_kernel_accepts(const Profile *dst, const VcpuConfig *d, uint64_t reg,
                          uint64_t value, Finding *ret_finding);

const char *verdict_name(Verdict v);        /* "compatible", "compatible-after-adjustment", "incompatible" */
const char *severity_name(Severity s);      /* "info", "warning", "adjust", "fatal" */
const char *finding_kind_name(FindingKind k);

/*
 * Human report: the verdict, a paragraph in plain words (what fails, on how many registers,
 * the main causes, what to do first), configurations and counts, then one block per group of
 * findings with one cause (lib/report-group.h: every register named, compactly; one message,
 * one remedy; informational ones only with verbose), then the adjustments. verbose adds the
 * digests, each group's registers by name and every finding on its own. colour: ANSI colour
 * for the verdict and the severities; only for a terminal (report_colour_wanted()), never
 * for files, pipes, the hook or JSON.
 */
typedef struct ReportPrintOptions {
        bool verbose;
        bool colour;
} ReportPrintOptions;
int report_print_with(const Report *r, FILE *f, const ReportPrintOptions *options);  /* options may be NULL */
/* report_print_with() without colour. */
int report_print(const Report *r, FILE *f, bool verbose);
/* Whether output to f may be in colour: f is a terminal, NO_COLOR is unset or empty, TERM is not "dumb". */
bool report_colour_wanted(FILE *f);
/* Stable JSON for scripts (documented in docs/kvmregsctl.md). malloc'd, NULL on ENOMEM. */
char *report_to_json(const Report *r, bool pretty);
/*
 * Reads what report_to_json() writes (pretty or not) back into a Report, strictly: every key
 * it writes, names it knows (verdict, kind, severity, field and rule), values in its own form,
 * counts that agree with the findings. Keys it does not know are ignored (the form only ever
 * gains keys: a newer kvmregsd's report still reads). report_to_json() of the result is the
 * same text as report_to_json() of the original. At most KVMREGS_MAX_DOCUMENT bytes.
 * -EINVAL (-E2BIG over a limit) with ret_error (may be NULL) filled in; -ENOMEM.
 */
int report_from_json(const char *json, size_t size, Report **ret, ProfileError *ret_error);
/*
 * One message for the hook's refusal and kvmregsctl check --summary. Its first line gives the
 * verdict. When incompatible, then each group of fatal findings with one cause
 * (lib/report-group.h) on a line ("\n  - "): a group of one finding as the finding (the
 * register's name and id unless the message names both, the message, or the values, or the
 * kind), a larger one as its registers, compactly but every one named, then its message;
 * " [field F, rule R]" when one field decides; past REPORT_SUMMARY_MAX bytes the rest are only
 * counted ("and N more"); then "What to do:" with each distinct remedy of those shown, once.
 * malloc'd, NULL on ENOMEM.
 */
#define REPORT_SUMMARY_MAX (64u * 1024u)
char *report_summary(const Report *r);
/*
 * Which QEMU behaviour the report assumed and where it came from, one line without "\n":
 * "destination QEMU 11.1.3 (11.1 tolerances load path, from the destination profile), source QEMU
 * 7.2.22 (from the guest record)", or the legacy assumption. malloc'd, NULL on ENOMEM.
 */
char *report_qemu_text(const Report *r);
