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

const char *qemu_detected_name(QemuDetected d) {
        switch (d) {
        case QEMU_DETECTED_TRACE_EVENTS:
                return "trace-events";
        case QEMU_DETECTED_VERSION:
                return "version";
        case QEMU_DETECTED_OPTION:
                return "option";
        default:
                return NULL;
        }
}

int qemu_detected_from_name(const char *name, QemuDetected *ret) {
        if (!name || !ret)
                return -EINVAL;
        for (QemuDetected d = QEMU_DETECTED_TRACE_EVENTS; d < _QEMU_DETECTED_MAX; d++)
                if (strcmp(name, qemu_detected_name(d)) == 0) {
                        *ret = d;
                        return 0;
                }
        return -EINVAL;
}

/* Whether text has a line that is exactly name (trailing '\r' and blanks allowed). */
static bool has_line(const char *text, const char *name) {
        size_t n = strlen(name);

        for (const char *p = text; (p = strstr(p, name)); p += n) {
                const char *end = p + n;

                if (p != text && p[-1] != '\n')
                        continue;
                while (*end == ' ' || *end == '\t' || *end == '\r')
                        end++;
                if (*end == '\n' || *end == '\0')
                        return true;
        }
        return false;
}

int qemu_load_from_trace_events(const char *text, QemuLoad *ret) {
        if (!text || !ret)
                return -EINVAL;
        if (!has_line(text, QEMU_TRACE_ARM_KVM_WITNESS))
                return -ENODATA;
        *ret = has_line(text, QEMU_TRACE_TOLERATE_ONLY_IN_STREAM) && has_line(text, QEMU_TRACE_TOLERATE_MISSING_IN_STREAM)
                       ? QEMU_LOAD_11_1
                       : QEMU_LOAD_7_2;
        return 0;
}

int qemu_version_from_output(const char *text, char **ret_version, char **ret_package) {
        static const char prefix[] = "QEMU emulator version ";
        _cleanup_free_ char *version = NULL, *package = NULL;
        const char *p, *end, *line_end;

        if (!text || !ret_version || !ret_package)
                return -EINVAL;
        if (strncmp(text, prefix, strlen(prefix)) != 0)
                return -EINVAL;
        p = text + strlen(prefix);
        line_end = p + strcspn(p, "\n");
        end = p + strcspn(p, " \n");
        if (end == p || end - p > 64)
                return -EINVAL;
        version = strndup(p, (size_t) (end - p));
        if (!version)
                return -ENOMEM;
        if (qemu_parse_version(version, NULL, NULL, NULL) < 0)
                return -EINVAL;
        if (*end == ' ' && end[1] == '(') {
                const char *close = memchr(end + 2, ')', (size_t) (line_end - (end + 2)));

                if (close && close > end + 2 && close - (end + 2) <= 128) {
                        package = strndup(end + 2, (size_t) (close - (end + 2)));
                        if (!package)
                                return -ENOMEM;
                }
        }
        *ret_version = TAKE_PTR(version);
        *ret_package = TAKE_PTR(package);
        return 0;
}

int qemu_detect_load(const char *version, const char *trace_text, QemuLoad *ret_load, QemuDetected *ret_from) {
        QemuLoad load;

        if (!ret_load || !ret_from)
                return -EINVAL;
        if (trace_text && qemu_load_from_trace_events(trace_text, &load) >= 0) {
                *ret_load = load;
                *ret_from = QEMU_DETECTED_TRACE_EVENTS;
                return 0;
        }
        if (version && qemu_load_from_version(version, &load) >= 0) {
                *ret_load = load;
                *ret_from = QEMU_DETECTED_VERSION;
                return 0;
        }
        return -ENODATA;
}

const char *qemu_origin_name(QemuOrigin o) {
        switch (o) {
        case QEMU_ORIGIN_DEFAULT:
                return "default";
        case QEMU_ORIGIN_PROFILE:
                return "profile";
        case QEMU_ORIGIN_RECORD:
                return "record";
        case QEMU_ORIGIN_OPTION:
                return "option";
        case QEMU_ORIGIN_DOMAIN:
                return "domain";
        default:
                return NULL;
        }
}

int qemu_origin_from_name(const char *name, QemuOrigin *ret) {
        if (!name || !ret)
                return -EINVAL;
        for (QemuOrigin o = 0; o < _QEMU_ORIGIN_MAX; o++)
                if (strcmp(name, qemu_origin_name(o)) == 0) {
                        *ret = o;
                        return 0;
                }
        return -EINVAL;
}
