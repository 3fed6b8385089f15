/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * The destination QEMU's migration load path as a parameter of the rules (docs/rules.md,
 * "The destination QEMU's load path"): 7.2's legacy count check and walk, or 11.1's cpreg
 * migration tolerances.
 */
#include <stdbool.h>
#include <stdint.h>

typedef enum QemuLoad {
        QEMU_LOAD_7_2 = 0,           /* legacy: count check, fails on a source-only register below the
                                      * destination's highest, drops those above it (the default) */
        QEMU_LOAD_11_1,              /* tolerances table, unknown incoming detection, no count check,
                                      * the last stream-only register decides */
        _QEMU_LOAD_MAX,
} QemuLoad;

typedef enum QemuTolerance {
        QEMU_TOLERANCE_NONE = 0,
        QEMU_TOLERANCE_NOT_ON_BOTH_ENDS,     /* may be missing on either end */
        QEMU_TOLERANCE_ONLY_SRC_TEST_VALUE,  /* may be source-only when (value & mask) == test */
} QemuTolerance;

typedef struct QemuToleranceRule {
        uint64_t reg;
        QemuTolerance kind;
        uint64_t mask, test;
} QemuToleranceRule;

/* "legacy" / "tolerances-11.1"; NULL for an unknown value. */
const char *qemu_load_name(QemuLoad load);
/* The inverse of qemu_load_name(); -EINVAL for anything else. */
int qemu_load_from_name(const char *name, QemuLoad *ret);

/*
 * A QEMU version string: "7.2", "11.1.3", "10.0.0-rc1", distro forms "1:11.1.3+ds-1",
 * "11.1.3-2.el10" (an epoch "N:" is skipped; major and minor are required). -EINVAL otherwise.
 */
int qemu_parse_version(const char *s, unsigned *ret_major, unsigned *ret_minor, unsigned *ret_micro);
/* The load path of that version: 11.1 and later tolerances, below legacy. -EINVAL if unparsable. */
int qemu_load_from_version(const char *version, QemuLoad *ret);

/*
 * How a host's QEMU load behaviour was found (docs/profile-format.md, "host.qemu"): from the
 * binary's own trace events, from its version, or given on a command line.
 */
typedef enum QemuDetected {
        QEMU_DETECTED_UNKNOWN = 0,   /* not said (a profile written by hand or an older kvmregsd) */
        QEMU_DETECTED_TRACE_EVENTS,  /* `EMULATOR -trace help` */
        QEMU_DETECTED_VERSION,       /* the version alone (no usable trace event list) */
        QEMU_DETECTED_OPTION,        /* kvmregsd --qemu-load, kvmregsctl --src-qemu/--dst-qemu */
        _QEMU_DETECTED_MAX,
} QemuDetected;

/* Where a comparison took a QEMU from: the report says it (docs/rules.md). */
typedef enum QemuOrigin {
        QEMU_ORIGIN_DEFAULT = 0,     /* nothing said: legacy 7.2 assumed */
        QEMU_ORIGIN_PROFILE,         /* the host profile's host.qemu */
        QEMU_ORIGIN_RECORD,          /* the guest record's host.qemu (the source QEMU the guest ran on) */
        QEMU_ORIGIN_OPTION,          /* --src-qemu / --dst-qemu */
        QEMU_ORIGIN_DOMAIN,          /* the incoming domain's own <emulator>, detected (CompareDomain) */
        _QEMU_ORIGIN_MAX,
} QemuOrigin;

/* "default", "profile", "record", "option", "domain"; NULL for unknown. */
const char *qemu_origin_name(QemuOrigin o);
/* The inverse of qemu_origin_name(); -EINVAL for anything else. */
int qemu_origin_from_name(const char *name, QemuOrigin *ret);

/* "trace-events", "version", "option"; NULL for unknown. */
const char *qemu_detected_name(QemuDetected d);
/* The inverse of qemu_detected_name(); -EINVAL for anything else. */
int qemu_detected_from_name(const char *name, QemuDetected *ret);

/*
 * The trace events that exist only in a QEMU with the cpreg migration tolerances (upstream
 * 5e65e7aa and 9d2e717d, QEMU 11.1; Red Hat's backport RHEL-174858): the detection signature.
 */
#define QEMU_TRACE_TOLERATE_ONLY_IN_STREAM "tolerate_cpreg_only_in_incoming_stream"
#define QEMU_TRACE_TOLERATE_MISSING_IN_STREAM "tolerate_cpreg_missing_in_incoming_stream"
/* An event every arm64 QEMU with KVM lists (target/arm/trace-events since QEMU 2.x, in 7.2 and 11.1). */
#define QEMU_TRACE_ARM_KVM_WITNESS "kvm_arm_fixup_msi_route"

/*
 * The load behaviour a binary's `-trace help` output (one event name a line) shows: both
 * tolerance events → QEMU_LOAD_11_1; an arm64 KVM event list without them → QEMU_LOAD_7_2.
 * -ENODATA when text is no such list (no QEMU_TRACE_ARM_KVM_WITNESS: another target, tracing
 * compiled out, an error message), -EINVAL for NULL.
 */
int qemu_load_from_trace_events(const char *text, QemuLoad *ret);

/*
 * The version `EMULATOR --version` prints: "QEMU emulator version 11.1.3 (Debian 1:11.1.3+ds-1)"
 * → "11.1.3" and, when there is one, the package in parentheses ("Debian 1:11.1.3+ds-1").
 * Only the first line is read. -EINVAL if it is not that form, -ENOMEM. Outputs malloc'd; set
 * only on success (*ret_package NULL when there is none).
 */
int qemu_version_from_output(const char *text, char **ret_version, char **ret_package);

/*
 * The one decision of a host's load behaviour: the trace event list when it is usable, else
 * the version. trace_text or version may be NULL. -ENODATA when neither says.
 */
int qemu_detect_load(const char *version, const char *trace_text, QemuLoad *ret_load, QemuDetected *ret_from);

/* The tolerance the destination QEMU registers for reg under load (-cpu host, KVM); NULL if none. */
const QemuToleranceRule *qemu_tolerance(QemuLoad load, uint64_t reg);
/* Whether a source-only reg is tolerated; has_value false: the value is unknown. */
bool qemu_tolerates_source_only(const QemuToleranceRule *t, bool has_value, uint64_t value);
/* "ToleranceNotOnBothEnds", "ToleranceOnlySrcTestValue". */
const char *qemu_tolerance_name(QemuTolerance kind);
