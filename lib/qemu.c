/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "qemu.h"
#include "regnames.h"
#include "util.h"

/* kvm_arm_set_cpreg_mig_tolerances() (target/arm/cpu64.c, QEMU 11.1: 113ed8e5, 6dd8be31). Sorted by id. */
static const QemuToleranceRule tolerances_11_1[] = {
        { SYSREG_ID(3, 0, 2, 0, 3), QEMU_TOLERANCE_NOT_ON_BOTH_ENDS, 0, 0 },    /* TCR2_EL1 */
        { SYSREG_ID(3, 0, 10, 2, 2), QEMU_TOLERANCE_NOT_ON_BOTH_ENDS, 0, 0 },   /* PIRE0_EL1 */
        { SYSREG_ID(3, 0, 10, 2, 3), QEMU_TOLERANCE_NOT_ON_BOTH_ENDS, 0, 0 },   /* PIR_EL1 */
        { REG_ID_VENDOR_HYP_BMAP_2, QEMU_TOLERANCE_ONLY_SRC_TEST_VALUE, UINT64_MAX, 0 }, /* VENDOR_HYP_BMAP_2 */
};

const char *qemu_load_name(QemuLoad load) {
        switch (load) {
        case QEMU_LOAD_7_2:
                return "legacy";
        case QEMU_LOAD_11_1:
                return "tolerances-11.1";
        default:
                return NULL;
        }
}

int qemu_load_from_name(const char *name, QemuLoad *ret) {
        if (!name || !ret)
                return -EINVAL;
        for (QemuLoad l = 0; l < _QEMU_LOAD_MAX; l++)
                if (strcmp(name, qemu_load_name(l)) == 0) {
                        *ret = l;
                        return 0;
                }
        return -EINVAL;
}

static int parse_number(const char **p, unsigned *ret) {
        unsigned long v = 0;
        const char *s = *p;

        if (!isdigit((unsigned char) *s))
                return -EINVAL;
        while (isdigit((unsigned char) *s)) {
                v = v * 10 + (unsigned) (*s - '0');
                if (v > 100000)
                        return -EINVAL;
                s++;
        }
        *p = s;
        *ret = (unsigned) v;
        return 0;
}

int qemu_parse_version(const char *s, unsigned *ret_major, unsigned *ret_minor, unsigned *ret_micro) {
        unsigned major, minor, micro = 0;
        const char *colon;

        if (!s)
                return -EINVAL;
        colon = strchr(s, ':');
        if (colon) {
                /* A Debian epoch: digits only before it. */
                for (const char *q = s; q < colon; q++)
                        if (!isdigit((unsigned char) *q))
                                return -EINVAL;
                if (colon == s)
                        return -EINVAL;
                s = colon + 1;
        }
        if (parse_number(&s, &major) < 0 || *s != '.')
                return -EINVAL;
        s++;
        if (parse_number(&s, &minor) < 0)
                return -EINVAL;
        if (*s == '.') {
                s++;
                if (parse_number(&s, &micro) < 0)
                        return -EINVAL;
        }
        /* What may follow: a distro or release-candidate suffix. */
        if (*s && *s != '+' && *s != '-' && *s != '~' && *s != '.' && *s != ' ')
                return -EINVAL;
        if (ret_major)
                *ret_major = major;
        if (ret_minor)
                *ret_minor = minor;
        if (ret_micro)
                *ret_micro = micro;
        return 0;
}

int qemu_load_from_version(const char *version, QemuLoad *ret) {
        unsigned major, minor;
        int r;

        r = qemu_parse_version(version, &major, &minor, NULL);
        if (r < 0)
                return r;
        if (ret)
                *ret = major > 11 || (major == 11 && minor >= 1) ? QEMU_LOAD_11_1 : QEMU_LOAD_7_2;
        return 0;
}

const QemuToleranceRule *qemu_tolerance(QemuLoad load, uint64_t reg) {
        if (load != QEMU_LOAD_11_1)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(tolerances_11_1); i++)
                if (tolerances_11_1[i].reg == reg)
                        return &tolerances_11_1[i];
        return NULL;
}

bool qemu_tolerates_source_only(const QemuToleranceRule *t, bool has_value, uint64_t value) {
        if (!t)
                return false;
        if (t->kind == QEMU_TOLERANCE_NOT_ON_BOTH_ENDS)
                return true;
        return t->kind == QEMU_TOLERANCE_ONLY_SRC_TEST_VALUE && has_value && (value & t->mask) == t->test;
}

const char *qemu_tolerance_name(QemuTolerance kind) {
        switch (kind) {
        case QEMU_TOLERANCE_NOT_ON_BOTH_ENDS:
                return "ToleranceNotOnBothEnds";
        case QEMU_TOLERANCE_ONLY_SRC_TEST_VALUE:
                return "ToleranceOnlySrcTestValue";
        default:
                return "none";
        }
}
