/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The destination QEMU's load path as a parameter of the rules (lib/qemu.c, docs/rules.md):
 * version parsing, and 7.2's legacy load against 11.1's tolerances on the real recorded
 * profiles (tests/data) and records crafted from them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleet.h"
#include "qemu-run.h"
#include "qemu.h"
#include "record.h"
#include "rules.h"
#include "profile-load.h"
#include "testutil.h"
#include "util.h"

#define REG_TCR2_EL1  SYSREG_ID(3, 0, 2, 0, 3)
#define REG_PIRE0_EL1 SYSREG_ID(3, 0, 10, 2, 2)
#define REG_PIR_EL1   SYSREG_ID(3, 0, 10, 2, 3)
#define REG_ZCR_EL1   SYSREG_ID(3, 0, 1, 2, 0)
#define REG_S3_0_C15  SYSREG_ID(3, 0, 15, 0, 0)


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
        _cleanup_(profile_freep) Profile *src = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = test_load_profile("7.2-cortex-a72.json");
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

/* 6.12 → 6.1 under 11.1: no count; the registers 6.1 lacks are unknown incoming, which QEMU
 * 11.1.3 drops (real migration: tests/data/migrations/11.1/6.12-cortex-a72--6.1-cortex-a72.json);
 * the load still fails on the values 6.1 refuses (CCSIDR, MIDR). */
static void test_612_to_61(void) {
        _cleanup_(profile_freep) Profile *src = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = test_load_profile("6.1-cortex-a72.json");
        _cleanup_(report_freep) Report *legacy = compare(src, dst, "pmu", NULL);
        _cleanup_(report_freep) Report *r = compare(src, dst, "pmu", "11.1");

        CHECK_INT(legacy->verdict, VERDICT_INCOMPATIBLE);
        CHECK_INT(count(legacy, FINDING_COUNT, SEVERITY_FATAL), 1);
        CHECK_INT(r->verdict, VERDICT_INCOMPATIBLE);
        CHECK_INT(count(r, FINDING_COUNT, SEVERITY_FATAL), 0);
        CHECK_INT(count(r, FINDING_NOT_ON_DEST, SEVERITY_FATAL), 0);
        /* 17 registers 6.12 adds; TCR2_EL1, PIRE0_EL1, PIR_EL1 of them are tolerated. */
        CHECK_INT(count(r, FINDING_DROPPED, SEVERITY_WARNING), 14);
        CHECK_INT(count(r, FINDING_TOLERATED, SEVERITY_INFO), 3);
        CHECK(count(r, FINDING_VALUE_REFUSED, SEVERITY_FATAL) > 0);
        for (size_t i = 0; i < r->n_findings; i++)
                if (r->findings[i].kind == FINDING_DROPPED)
                        CHECK(strstr(r->findings[i].message, "the guest's value is lost") != NULL);
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
        _cleanup_(profile_freep) Profile *src = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = test_load_profile("7.2-cortex-a72.json");
        VcpuConfig *s = (VcpuConfig *) profile_get_config(src, "base");

        add_register(s, REG_ZCR_EL1, 0x3);
        {
                _cleanup_(report_freep) Report *r = compare(src, dst, "base", "11.1.3");
                _cleanup_(report_freep) Report *legacy = compare(src, dst, "base", NULL);
                const Finding *f = find(r, REG_ZCR_EL1, FINDING_DROPPED);

                CHECK_INT(r->verdict, VERDICT_COMPATIBLE);
                CHECK(f && f->severity == SEVERITY_WARNING);
                CHECK(f && strstr(f->message, "the guest's value is lost") && strstr(f->message, "fail migration"));
                CHECK(find(legacy, REG_ZCR_EL1, FINDING_NOT_ON_DEST) != NULL);
                CHECK_INT(legacy->verdict, VERDICT_INCOMPATIBLE);
        }
        /* An unknown register last in id order changes nothing: QEMU 11.1.3 went past cpu_post_load
         * with an untolerated last source-only register in all 20 real migrations that had one. */
        add_register(s, REG_S3_0_C15, 0);
        {
                _cleanup_(report_freep) Report *r = compare(src, dst, "base", "11.1.3");

                CHECK_INT(r->verdict, VERDICT_COMPATIBLE);
                CHECK(find(r, REG_ZCR_EL1, FINDING_DROPPED) != NULL);
                CHECK(find(r, REG_S3_0_C15, FINDING_DROPPED) != NULL);
                CHECK(find(r, REG_TCR2_EL1, FINDING_TOLERATED) != NULL);
        }
}

/* BMAP_2 from a source whose destination lacks it: tolerated if 0, else unknown incoming (dropped). */
static void test_bmap_2(void) {
        _cleanup_(profile_freep) Profile *src = test_load_profile("7.2-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(report_freep) Report *r = compare(src, dst, "base", "11.1");
        const Finding *f = find(r, REG_ID_VENDOR_HYP_BMAP_2, FINDING_TOLERATED);
        VcpuConfig *s = (VcpuConfig *) profile_get_config(src, "base");

        CHECK(f && f->severity == SEVERITY_INFO && strstr(f->message, "ToleranceOnlySrcTestValue"));
        for (size_t i = 0; i < s->n_values; i++)
                if (s->values[i].id == REG_ID_VENDOR_HYP_BMAP_2)
                        s->values[i].value = 1;
        {
                _cleanup_(report_freep) Report *r1 = compare(src, dst, "base", "11.1");

                const Finding *f1 = find(r1, REG_ID_VENDOR_HYP_BMAP_2, FINDING_DROPPED);

                CHECK(f1 && f1->severity == SEVERITY_WARNING);
                CHECK_INT(r1->verdict, r->verdict);
        }
}

/* The report's QEMU fields survive JSON. */
static void test_json(void) {
        _cleanup_(profile_freep) Profile *src = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = test_load_profile("7.2-cortex-a72.json");
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

static char *read_data(const char *name) {
        char *text = NULL;

        if (read_file_bounded(test_data(name), QEMU_RUN_MAX_OUTPUT, &text, NULL) < 0) {
                fprintf(stderr, "cannot read %s\n", name);
                exit(1);
        }
        return text;
}

/*
 * The detection signature, on the real answers of Debian's QEMU 7.2.22 (bookworm) and
 * 11.1.3 (sid) to `-trace help` and `--version`, recorded in tests/data/qemu.
 */
static void test_detect_recorded(void) {
        _cleanup_free_ char *t72 = read_data("qemu/trace-help-7.2.22.txt"), *t111 = read_data("qemu/trace-help-11.1.3.txt");
        _cleanup_free_ char *v72 = read_data("qemu/version-7.2.22.txt"), *v111 = read_data("qemu/version-11.1.3.txt");
        _cleanup_free_ char *version = NULL, *package = NULL, *edited = NULL;
        QemuLoad load = _QEMU_LOAD_MAX;
        QemuDetected from = QEMU_DETECTED_UNKNOWN;
        char *p;

        CHECK_INT(qemu_load_from_trace_events(t72, &load), 0);
        CHECK_INT(load, QEMU_LOAD_7_2);
        CHECK_INT(qemu_load_from_trace_events(t111, &load), 0);
        CHECK_INT(load, QEMU_LOAD_11_1);
        /* not an event list of an arm64 KVM QEMU: no answer */
        CHECK_INT(qemu_load_from_trace_events("", &load), -ENODATA);
        CHECK_INT(qemu_load_from_trace_events("qemu-system-aarch64: -trace help: invalid option\n", &load), -ENODATA);
        CHECK_INT(qemu_load_from_trace_events(NULL, &load), -EINVAL);
        /* whole lines only: a longer name containing the signature is not it */
        edited = strdup(t111);
        CHECK(edited != NULL);
        if (edited) {
                p = strstr(edited, "\n" QEMU_TRACE_TOLERATE_ONLY_IN_STREAM "\n");
                CHECK(p != NULL);
                if (p)
                        p[1] = 'x';
                CHECK_INT(qemu_load_from_trace_events(edited, &load), 0);
                CHECK_INT(load, QEMU_LOAD_7_2);
        }

        CHECK_INT(qemu_version_from_output(v72, &version, &package), 0);
        CHECK_STR(version, "7.2.22");
        CHECK_STR(package, "Debian 1:7.2+dfsg-7+deb12u18+b3");
        free(version);
        free(package);
        CHECK_INT(qemu_version_from_output(v111, &version, &package), 0);
        CHECK_STR(version, "11.1.3");
        CHECK_STR(package, "Debian 1:11.1.3+ds-1");
        free(package);
        package = NULL;
        CHECK_INT(qemu_version_from_output("QEMU emulator version x.y\n", &(char *) { NULL }, &(char *) { NULL }),
                  -EINVAL);
        CHECK_INT(qemu_version_from_output("qemu 11.1.3\n", &(char *) { NULL }, &(char *) { NULL }), -EINVAL);

        /* The binary's events win over its version: a backport (RHEL's 10.1 with the series) and the reverse. */
        CHECK_INT(qemu_detect_load("10.1.0", t111, &load, &from), 0);
        CHECK_INT(load, QEMU_LOAD_11_1);
        CHECK_INT(from, QEMU_DETECTED_TRACE_EVENTS);
        CHECK_INT(qemu_detect_load(version, t72, &load, &from), 0);
        CHECK_INT(load, QEMU_LOAD_7_2);
        CHECK_INT(from, QEMU_DETECTED_TRACE_EVENTS);
        /* no usable event list: the version decides */
        CHECK_INT(qemu_detect_load(version, "", &load, &from), 0);
        CHECK_INT(load, QEMU_LOAD_11_1);
        CHECK_INT(from, QEMU_DETECTED_VERSION);
        CHECK_INT(qemu_detect_load(NULL, NULL, &load, &from), -ENODATA);
        CHECK_INT(qemu_detect_load("eleven", "", &load, &from), -ENODATA);
        free(version);
        version = NULL;

        for (QemuDetected d = QEMU_DETECTED_TRACE_EVENTS; d < _QEMU_DETECTED_MAX; d++) {
                QemuDetected back = QEMU_DETECTED_UNKNOWN;

                CHECK_INT(qemu_detected_from_name(qemu_detected_name(d), &back), 0);
                CHECK_INT(back, d);
        }
        for (QemuOrigin o = 0; o < _QEMU_ORIGIN_MAX; o++) {
                QemuOrigin back = _QEMU_ORIGIN_MAX;

                CHECK_INT(qemu_origin_from_name(qemu_origin_name(o), &back), 0);
                CHECK_INT(back, o);
        }
}

/* The QEMU binary installed here (Debian 12's qemu-system-aarch64 7.2), asked for real. */
static void test_detect_installed(void) {
        const char *emulator = "/usr/bin/qemu-system-aarch64";
        _cleanup_free_ char *error = NULL;
        ProfileQemu q = {};
        int r;

        if (access(emulator, X_OK) < 0) {
                printf("test-qemu: %s is not installed: the live detection is not run\n", emulator);
                CHECK(!getenv("KVMREGS_REQUIRE_ALL") || strcmp(getenv("KVMREGS_REQUIRE_ALL"), "1") != 0);
                return;
        }
        r = qemu_detect_host(emulator, 60000, &q, &error);
        CHECK_INT(r, 0);
        if (r < 0)
                fprintf(stderr, "%s\n", error ? error : "");
        CHECK_STR(q.emulator, emulator);
        CHECK(q.version && strncmp(q.version, "7.2.", 4) == 0);
        CHECK(q.has_load);
        CHECK_INT(q.load, QEMU_LOAD_7_2);
        CHECK_INT(q.detected, QEMU_DETECTED_TRACE_EVENTS);
        profile_qemu_done(&q);
        CHECK(q.version == NULL);

        /* only root-owned, not group/other-writable binaries are run */
        CHECK(!qemu_emulator_is_trustworthy("qemu-system-aarch64"));
        CHECK(!qemu_emulator_is_trustworthy("/tmp"));
        free(error);
        error = NULL;
        CHECK_INT(qemu_detect_host("relative/qemu", 1000, &q, &error), -EPERM);
        CHECK(error && strstr(error, "not a root-owned executable"));
}

/*
 * Without options, the profiles' QEMU decides and the report says where it came from: the
 * lab's 6.12 → 7.2 evacuation (cortex-a72) refused under 7.2's load, loading under 11.1.3.
 */
static void test_profile_qemu(void) {
        _cleanup_(profile_freep) Profile *src = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = test_load_profile("7.2-cortex-a72.json");
        _cleanup_(profile_freep) Profile *record = NULL, *reparsed = NULL, *back = NULL;
        _cleanup_(report_freep) Report *old = NULL, *r = NULL, *given = NULL, *opt = NULL;
        _cleanup_free_ char *json = NULL, *again = NULL, *text = NULL, *rjson = NULL;
        ProfileQemu q11 = { .emulator = (char *) "/usr/bin/qemu-system-aarch64", .version = (char *) "11.1.3",
                            .package = (char *) "Debian 1:11.1.3+ds-1", .has_load = true, .load = QEMU_LOAD_11_1,
                            .detected = QEMU_DETECTED_TRACE_EVENTS, .origin = QEMU_ORIGIN_PROFILE };
        ProfileQemu q72 = { .version = (char *) "7.2.22", .has_load = true, .load = QEMU_LOAD_7_2,
                            .detected = QEMU_DETECTED_TRACE_EVENTS, .origin = QEMU_ORIGIN_PROFILE };
        ProfileError e = {};

        /* old profiles: no QEMU, the legacy walk, assumed (the verdicts before QEMU versions) */
        CHECK(!profile_has_qemu(src) && !profile_has_qemu(dst));
        CHECK_INT(profile_compare(src, "base", dst, NULL, &old), 0);
        CHECK(old && old->dst_qemu_assumed && old->dst_qemu_origin == QEMU_ORIGIN_DEFAULT);
        CHECK_INT(old->verdict, VERDICT_INCOMPATIBLE);

        {
                char src_digest[sizeof(src->digest)], dst_digest[sizeof(dst->digest)];

                memcpy(src_digest, src->digest, sizeof(src_digest));
                memcpy(dst_digest, dst->digest, sizeof(dst_digest));
                CHECK_INT(profile_set_qemu(src, &q72), 0);
                CHECK_INT(profile_set_qemu(dst, &q11), 0);
                /* the digest: legacy adds nothing (old profiles' digests stay), 11.1's load is part of it */
                CHECK_STR(src->digest, src_digest);
                CHECK(strcmp(dst->digest, dst_digest) != 0);
        }
        /* the document carries it, and reads back the same */
        json = profile_to_json(dst, false);
        CHECK(json && strstr(json, "\"qemu\":{\"emulator\":\"/usr/bin/qemu-system-aarch64\",\"version\":\"11.1.3\""));
        CHECK(json && strstr(json, "\"load_behaviour\":\"tolerances-11.1\",\"detected_from\":\"trace-events\""));
        CHECK_INT(profile_parse(json, strlen(json), &back, &e), 0);
        if (back) {
                CHECK_STR(back->qemu.version, "11.1.3");
                CHECK_STR(back->qemu.package, "Debian 1:11.1.3+ds-1");
                CHECK_INT(back->qemu.load, QEMU_LOAD_11_1);
                CHECK_INT(back->qemu.detected, QEMU_DETECTED_TRACE_EVENTS);
                CHECK_INT(back->qemu.origin, QEMU_ORIGIN_PROFILE);
                CHECK_STR(back->digest, dst->digest);
                again = profile_to_json(back, false);
                CHECK_STR(again, json);
        }

        /* the guest record carries its source QEMU */
        CHECK_INT(profile_extract_config(src, "base", &record), 0);
        CHECK(record && record->qemu.origin == QEMU_ORIGIN_RECORD);
        rjson = record ? profile_to_json(record, false) : NULL;
        CHECK_INT(record_parse(rjson, rjson ? strlen(rjson) : 0, &reparsed, &e), 0);
        CHECK(reparsed && reparsed->qemu.origin == QEMU_ORIGIN_RECORD);
        CHECK(reparsed && reparsed->qemu.version && strcmp(reparsed->qemu.version, "7.2.22") == 0);

        CHECK_INT(profile_compare(reparsed, "base", dst, NULL, &r), 0);
        given = compare(src, dst, "base", "11.1.3");
        if (r && given) {
                CHECK(!r->dst_qemu_assumed);
                CHECK_INT(r->dst_qemu_load, QEMU_LOAD_11_1);
                CHECK_INT(r->dst_qemu_origin, QEMU_ORIGIN_PROFILE);
                CHECK_INT(r->src_qemu_origin, QEMU_ORIGIN_RECORD);
                CHECK_INT(r->verdict, given->verdict);
                CHECK(r->verdict != VERDICT_INCOMPATIBLE);
                text = report_qemu_text(r);
                CHECK_STR(text, "destination QEMU 11.1.3 (11.1 tolerances load path, from the destination profile), "
                                "source QEMU 7.2.22 (from the guest record)");
                CHECK_INT(given->dst_qemu_origin, QEMU_ORIGIN_OPTION);
        }
        /* an option wins over the profile */
        opt = compare(reparsed, dst, "base", "7.2");
        CHECK_INT(opt->verdict, VERDICT_INCOMPATIBLE);
        CHECK_INT(opt->dst_qemu_origin, QEMU_ORIGIN_OPTION);
}

/* host.qemu's errors: a path and a message, never a guess. */
static void test_profile_qemu_bad(void) {
        static const struct {
                const char *qemu, *path;
        } cases[] = {
                { "{\"version\":\"eleven\"}", "/host/qemu/version" },
                { "{\"version\":\"\"}", "/host/qemu/version" },
                { "{\"load_behaviour\":\"tolerances\"}", "/host/qemu/load_behaviour" },
                { "{\"load_behaviour\":7}", "/host/qemu/load_behaviour" },
                { "{\"detected_from\":\"guess\"}", "/host/qemu/detected_from" },
                { "{\"emulator\":1}", "/host/qemu/emulator" },
                { "\"11.1\"", "/host/qemu" },
        };
        _cleanup_free_ char *base = read_data("6.12-cortex-a72.json");

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                /* the recording has no "host": add one with only the QEMU */
                _cleanup_free_ char *doc = strdup_printf("{\"host\":{\"qemu\":%s},%s", cases[i].qemu,
                                                         strchr(base, '{') + 1);
                Profile *p = NULL;
                ProfileError e = {};

                CHECK_INT(profile_parse(doc, strlen(doc), &p, &e), -EINVAL);
                CHECK_STR(e.path, cases[i].path);
                profile_free(p);
        }
}

/*
 * Fleet classes follow the destination QEMU: two 7.2 hosts differing only in QEMU (7.2 vs 11.1)
 * are two classes, and the matrix gives each the verdict a pairwise compare gives; a host
 * recording QEMU 7.2 and one recording none stay one class (both legacy).
 */
static void test_fleet_classes(void) {
        _cleanup_(fleet_freep) Fleet *f = fleet_new();
        _cleanup_(fleet_matrix_freep) FleetMatrix *m = NULL;
        Profile *src = test_load_profile("6.12-cortex-a72.json"), *plain = test_load_profile("7.2-cortex-a72.json");
        Profile *q72 = test_load_profile("7.2-cortex-a72.json"), *q11 = test_load_profile("7.2-cortex-a72.json");
        ProfileQemu legacy = { .version = (char *) "7.2.22", .has_load = true, .load = QEMU_LOAD_7_2 };
        ProfileQemu tol = { .version = (char *) "11.1.3", .has_load = true, .load = QEMU_LOAD_11_1 };
        const FleetHost *h612, *hq11, *hq72, *hplain;

        CHECK(f != NULL);
        if (!f)
                return;
        CHECK_INT(profile_set_qemu(q72, &legacy), 0);
        CHECK_INT(profile_set_qemu(q11, &tol), 0);
        CHECK_INT(fleet_add_profile(f, src, "h612", NULL), 0);
        CHECK_INT(fleet_add_profile(f, plain, "h72-none", NULL), 0);
        CHECK_INT(fleet_add_profile(f, q72, "h72-qemu72", NULL), 0);
        CHECK_INT(fleet_add_profile(f, q11, "h72-qemu11", NULL), 0);
        CHECK_INT(f->n_classes, 3);
        h612 = fleet_find_host(f, "h612");
        hplain = fleet_find_host(f, "h72-none");
        hq72 = fleet_find_host(f, "h72-qemu72");
        hq11 = fleet_find_host(f, "h72-qemu11");
        if (!h612 || !hplain || !hq72 || !hq11)
                return;
        CHECK_INT(hplain->class_id, hq72->class_id);
        CHECK(hq11->class_id != hq72->class_id);
        CHECK_INT(fleet_matrix_new(f, "base", 1, &m), 0);
        if (!m)
                return;
        for (size_t k = 0; k < 2; k++) {
                const FleetHost *dst = k == 0 ? hq72 : hq11;
                _cleanup_(report_freep) Report *pair = NULL;

                CHECK_INT(profile_compare(f->classes[h612->class_id].profile, "base",
                                          f->classes[dst->class_id].profile, NULL, &pair), 0);
                if (pair)
                        CHECK_INT(fleet_cell(m, h612->class_id, dst->class_id)->verdict, pair->verdict);
        }
        CHECK_INT(fleet_cell(m, h612->class_id, hq72->class_id)->verdict, VERDICT_INCOMPATIBLE);
        CHECK(fleet_cell(m, h612->class_id, hq11->class_id)->verdict != VERDICT_INCOMPATIBLE);
}

int main(void) {
        test_versions();
        test_612_to_72();
        test_612_to_61();
        test_lost_register();
        test_bmap_2();
        test_json();
        test_detect_recorded();
        test_detect_installed();
        test_profile_qemu();
        test_profile_qemu_bad();
        test_fleet_classes();
        return test_summary("test-qemu");
}
