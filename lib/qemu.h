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

/* The tolerance the destination QEMU registers for reg under load (-cpu host, KVM); NULL if none. */
const QemuToleranceRule *qemu_tolerance(QemuLoad load, uint64_t reg);
/* Whether a source-only reg is tolerated; has_value false: the value is unknown. */
bool qemu_tolerates_source_only(const QemuToleranceRule *t, bool has_value, uint64_t value);
/* "ToleranceNotOnBothEnds", "ToleranceOnlySrcTestValue". */
const char *qemu_tolerance_name(QemuTolerance kind);
