/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The destination QEMU's load path as a parameter of the rules (lib/qemu.c, docs/rules.md):
 * version parsing, and 7.2's legacy load against 11.1's tolerances on the real recorded
 * profiles (tests/data) and records crafted from them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "qemu.h"
#include "rules.h"
#include "testutil.h"
#include "util.h"

#define REG_TCR2_EL1  SYSREG_ID(3, 0, 2, 0, 3)
#define REG_PIRE0_EL1 SYSREG_ID(3, 0, 10, 2, 2)
#define REG_PIR_EL1   SYSREG_ID(3, 0, 10, 2, 3)
#define REG_ZCR_EL1   SYSREG_ID(3, 0, 1, 2, 0)
#define REG_S3_0_C15  SYSREG_ID(3, 0, 15, 0, 0)

static Profile *load(const char *name) {
        Profile *p = NULL;
        ProfileError e = {};

        if (profile_load(test_data(name), &p, &e) < 0) {
                fprintf(stderr, "cannot load %s: %s: %s\n", name, e.path, e.message);
                exit(1);
        }
        return p;
}

static const Finding *find(const Report *r, uint64_t reg, FindingKind kind) {
        for (size_t i = 0; i < r->n_findings; i++)
                if (r->findings[i].reg == reg && r->findings[i].kind == kind)
                        return &r->findings[i];
        return NULL;
}

static size_t count(const Report *r, FindingKind kind, Severity sev) {
        size_t n = 0;

        for (size_t i = 0; i < r->n_findings; i++)
                n += r->findings[i].kind == kind && r->findings[i].severity == sev;
        return n;
}

static Report *compare(const Profile *src, const Profile *dst, const char *config, const char *dst_qemu) {
        CompareOptions o = { .dst_qemu_version = dst_qemu };
        Report *r = NULL;
        int k = profile_compare_with(src, config, dst, NULL, dst_qemu ? &o : NULL, &r);

        CHECK_INT(k, 0);
        if (k < 0)
                exit(1);
        return r;
}

static void test_versions(void) {
        static const struct {
                const char *s;
                int r;
                QemuLoad load;
        } cases[] = {
                { "7.2", 0, QEMU_LOAD_7_2 },
                { "7.2.0", 0, QEMU_LOAD_7_2 },
                { "10.0", 0, QEMU_LOAD_7_2 },
                { "11.0.2", 0, QEMU_LOAD_7_2 },
                { "11.1", 0, QEMU_LOAD_11_1 },
                { "11.1.3", 0, QEMU_LOAD_11_1 },
                { "1:11.1.3+ds-1", 0, QEMU_LOAD_11_1 },
                { "1:7.2+dfsg-7+deb12u7", 0, QEMU_LOAD_7_2 },
                { "11.1.3-2.el10", 0, QEMU_LOAD_11_1 },
                { "12.0.0-rc1", 0, QEMU_LOAD_11_1 },
                { "", -EINVAL, 0 },
                { "11", -EINVAL, 0 },
                { "x11.1", -EINVAL, 0 },
                { "11.1x", -EINVAL, 0 },
                { ":11.1", -EINVAL, 0 },
                { "a:11.1", -EINVAL, 0 },
                { "99999999.1", -EINVAL, 0 },
        };
        unsigned ma = 0, mi = 0, mc = 0;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                QemuLoad l = _QEMU_LOAD_MAX;
                int r = qemu_load_from_version(cases[i].s, &l);

                CHECK_INT(r, cases[i].r);
                if (r == 0)
                        CHECK_INT(l, cases[i].load);
        }
        CHECK_INT(qemu_parse_version("1:11.1.3+ds-1", &ma, &mi, &mc), 0);
        CHECK(ma == 11 && mi == 1 && mc == 3);
        CHECK_INT(qemu_load_from_version(NULL, NULL), -EINVAL);
        for (QemuLoad l = 0; l < _QEMU_LOAD_MAX; l++) {
                QemuLoad back;

                CHECK_INT(qemu_load_from_name(qemu_load_name(l), &back), 0);
                CHECK_INT(back, l);
        }
        CHECK_INT(qemu_load_from_name("tolerances", &(QemuLoad) { 0 }), -EINVAL);
        CHECK(qemu_tolerance(QEMU_LOAD_7_2, REG_TCR2_EL1) == NULL);
        CHECK(qemu_tolerance(QEMU_LOAD_11_1, REG_TCR2_EL1) != NULL);
        CHECK(qemu_tolerates_source_only(qemu_tolerance(QEMU_LOAD_11_1, REG_ID_VENDOR_HYP_BMAP_2), true, 0));
        CHECK(!qemu_tolerates_source_only(qemu_tolerance(QEMU_LOAD_11_1, REG_ID_VENDOR_HYP_BMAP_2), true, 1));
        CHECK(!qemu_tolerates_source_only(qemu_tolerance(QEMU_LOAD_11_1, REG_ID_VENDOR_HYP_BMAP_2), false, 0));
}

/* 6.12 → 7.2 cortex-a72 (lab, QEMU 11.1.3: loads; tolerated TCR2/PIRE0/PIR, fw feat reg 3 skipped). */
static void test_612_to_72(void) {
        _cleanup_(profile_freep) Profile *src = load("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = load("7.2-cortex-a72.json");
        static const char *const configs[] = { "base", "pmu" };

        for (size_t i = 0; i < ELEMENTSOF(configs); i++) {
                _cleanup_(report_freep) Report *legacy = compare(src, dst, configs[i], NULL);
                _cleanup_(report_freep) Report *given72 = compare(src, dst, configs[i], "7.2");
                _cleanup_(report_freep) Report *r = compare(src, dst, configs[i], "11.1.3");
                const uint64_t regs[] = { REG_TCR2_EL1, REG_PIRE0_EL1, REG_PIR_EL1 };

                /* Legacy: the four fatal findings of today, and the assumption stated. */
                CHECK_INT(legacy->verdict, VERDICT_INCOMPATIBLE);
                CHECK(legacy->dst_qemu_assumed);
                CHECK_INT(legacy->dst_qemu_load, QEMU_LOAD_7_2);
                CHECK_INT((int) (count(legacy, FINDING_COUNT, SEVERITY_FATAL) + count(legacy, FINDING_NOT_ON_DEST, SEVERITY_FATAL)), 4);
                CHECK_INT(count(legacy, FINDING_COUNT, SEVERITY_FATAL), 1);
                for (size_t k = 0; k < ELEMENTSOF(regs); k++)
                        CHECK(find(legacy, regs[k], FINDING_NOT_ON_DEST) != NULL);
                CHECK_INT(given72->verdict, VERDICT_INCOMPATIBLE);
                CHECK(!given72->dst_qemu_assumed);

                /* 11.1: loads; the three named as tolerated; BMAP_2 destination-only. */
                CHECK_INT(r->verdict, VERDICT_COMPATIBLE);
                CHECK(!r->dst_qemu_assumed);
                CHECK_INT(r->dst_qemu_load, QEMU_LOAD_11_1);
                CHECK_STR(r->dst_qemu_version, "11.1.3");
                CHECK_INT(count(r, FINDING_COUNT, SEVERITY_FATAL), 0);
                for (size_t k = 0; k < ELEMENTSOF(regs); k++) {
                        const Finding *f = find(r, regs[k], FINDING_TOLERATED);

                        CHECK(f && f->severity == SEVERITY_INFO && strstr(f->message, "tolerated by QEMU >= 11.1"));
                }
                CHECK(find(r, REG_ID_VENDOR_HYP_BMAP_2, FINDING_DEST_ONLY) != NULL);
        }
}

/* 6.12 → 6.1 under 11.1: no count, the registers 6.1 lacks are unknown incoming, fatal. */
static void test_612_to_61(void) {
        _cleanup_(profile_freep) Profile *src = load("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = load("6.1-cortex-a72.json");
        _cleanup_(report_freep) Report *legacy = compare(src, dst, "pmu", NULL);
        _cleanup_(report_freep) Report *r = compare(src, dst, "pmu", "11.1");
        size_t unknown = count(r, FINDING_NOT_ON_DEST, SEVERITY_FATAL);

        CHECK_INT(legacy->verdict, VERDICT_INCOMPATIBLE);
        CHECK_INT(count(legacy, FINDING_COUNT, SEVERITY_FATAL), 1);
        CHECK_INT(r->verdict, VERDICT_INCOMPATIBLE);
        CHECK_INT(count(r, FINDING_COUNT, SEVERITY_FATAL), 0);
        /* 17 registers 6.12 adds; TCR2_EL1, PIRE0_EL1, PIR_EL1 of them are tolerated. */
        CHECK_INT(unknown, 14);
        CHECK_INT(count(r, FINDING_TOLERATED, SEVERITY_INFO), 3);
        CHECK_INT(count(r, FINDING_DROPPED, SEVERITY_WARNING), 0);
        for (size_t i = 0; i < r->n_findings; i++)
                if (r->findings[i].kind == FINDING_NOT_ON_DEST)
                        CHECK(strstr(r->findings[i].message, "unknown incoming register") != NULL);
}

/* Adds reg with value to configuration c (sorted). */
static void add_register(VcpuConfig *c, uint64_t reg, uint64_t value) {
        size_t i = 0, j = 0;

        c->cpregs = realloc(c->cpregs, (c->n_cpregs + 1) * sizeof(uint64_t));
        c->values = realloc(c->values, (c->n_values + 1) * sizeof(RegValue));
        if (!c->cpregs || !c->values)
                exit(1);
        while (i < c->n_cpregs && c->cpregs[i] < reg)
                i++;
        memmove(c->cpregs + i + 1, c->cpregs + i, (c->n_cpregs - i) * sizeof(uint64_t));
        c->cpregs[i] = reg;
        c->n_cpregs++;
        while (j < c->n_values && c->values[j].id < reg)
                j++;
        memmove(c->values + j + 1, c->values + j, (c->n_values - j) * sizeof(RegValue));
        c->values[j] = (RegValue) { .id = reg, .value = value };
        c->n_values++;
}

/* A stream with an extra ZCR_EL1 below the tolerated TCR2/PIR*: loads under 11.1, ZCR_EL1 lost. */
static void test_lost_register(void) {
        _cleanup_(profile_freep) Profile *src = load("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = load("7.2-cortex-a72.json");
        VcpuConfig *s = (VcpuConfig *) profile_get_config(src, "base");

        add_register(s, REG_ZCR_EL1, 0x3);
        {
                _cleanup_(report_freep) Report *r = compare(src, dst, "base", "11.1.3");
                _cleanup_(report_freep) Report *legacy = compare(src, dst, "base", NULL);
                const Finding *f = find(r, REG_ZCR_EL1, FINDING_DROPPED);

                CHECK_INT(r->verdict, VERDICT_COMPATIBLE);
                CHECK(f && f->severity == SEVERITY_WARNING);
                CHECK(f && strstr(f->message, "the guest's value is lost") && strstr(f->message, "PIR_EL1"));
                CHECK(find(legacy, REG_ZCR_EL1, FINDING_NOT_ON_DEST) != NULL);
                CHECK_INT(legacy->verdict, VERDICT_INCOMPATIBLE);
        }
        /* Now the last stream-only register is an unknown one: every unknown one fails the load. */
        add_register(s, REG_S3_0_C15, 0);
        {
                _cleanup_(report_freep) Report *r = compare(src, dst, "base", "11.1.3");

                CHECK_INT(r->verdict, VERDICT_INCOMPATIBLE);
                CHECK(find(r, REG_ZCR_EL1, FINDING_NOT_ON_DEST) != NULL);
                CHECK(find(r, REG_S3_0_C15, FINDING_NOT_ON_DEST) != NULL);
                CHECK(find(r, REG_TCR2_EL1, FINDING_TOLERATED) != NULL);
        }
}

/* BMAP_2 from a source whose destination lacks it: tolerated if 0, else unknown. */
static void test_bmap_2(void) {
        _cleanup_(profile_freep) Profile *src = load("7.2-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = load("6.12-cortex-a72.json");
        _cleanup_(report_freep) Report *r = compare(src, dst, "base", "11.1");
        const Finding *f = find(r, REG_ID_VENDOR_HYP_BMAP_2, FINDING_TOLERATED);
        VcpuConfig *s = (VcpuConfig *) profile_get_config(src, "base");

        CHECK(f && f->severity == SEVERITY_INFO && strstr(f->message, "ToleranceOnlySrcTestValue"));
        for (size_t i = 0; i < s->n_values; i++)
                if (s->values[i].id == REG_ID_VENDOR_HYP_BMAP_2)
                        s->values[i].value = 1;
        {
                _cleanup_(report_freep) Report *r1 = compare(src, dst, "base", "11.1");

                CHECK(find(r1, REG_ID_VENDOR_HYP_BMAP_2, FINDING_NOT_ON_DEST) != NULL);
                CHECK_INT(r1->verdict, VERDICT_INCOMPATIBLE);
        }
}

/* The report's QEMU fields survive JSON. */
static void test_json(void) {
        _cleanup_(profile_freep) Profile *src = load("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = load("7.2-cortex-a72.json");
        CompareOptions o = { .dst_qemu_version = "1:11.1.3+ds-1", .src_qemu_version = "7.2" };
        _cleanup_(report_freep) Report *r = NULL, *back = NULL, *legacy = NULL, *lback = NULL;
        _cleanup_free_ char *json = NULL, *again = NULL, *ljson = NULL;
        ProfileError e = {};

        CHECK_INT(profile_compare_with(src, "base", dst, NULL, &o, &r), 0);
        json = report_to_json(r, false);
        CHECK(json && strstr(json, "\"dst_qemu\"") && strstr(json, "tolerances-11.1"));
        CHECK_INT(report_from_json(json, strlen(json), &back, &e), 0);
        if (back) {
                CHECK_INT(back->dst_qemu_load, QEMU_LOAD_11_1);
                CHECK(!back->dst_qemu_assumed);
                CHECK_STR(back->src_qemu_version, "7.2");
                again = report_to_json(back, false);
                CHECK_STR(again, json);
        }
        legacy = compare(src, dst, "base", NULL);
        ljson = report_to_json(legacy, false);
        CHECK(ljson && !strstr(ljson, "dst_qemu"));
        CHECK_INT(report_from_json(ljson, strlen(ljson), &lback, &e), 0);
        CHECK(lback && lback->dst_qemu_assumed);
        CHECK_INT(profile_compare_with(src, "base", dst, NULL, &(CompareOptions) { .dst_qemu_version = "eleven" },
                                       &(Report *) { NULL }), -EINVAL);
}

int main(void) {
        test_versions();
        test_612_to_72();
        test_612_to_61();
        test_lost_register();
        test_bmap_2();
        test_json();
        return test_summary("test-qemu");
}
