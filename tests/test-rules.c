/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The migration rules against the real recorded profiles (tests/data, from real arm64
 * kernels) and profiles derived from them here. Every case asserts the verdict and
 * the exact set of registers named, by kind.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include <dirent.h>

#include "nearest.h"
#include "report-group.h"
#include "rules.h"
#include "profile-load.h"
#include "testutil.h"
#include "util.h"

#define REG_PMCNTENSET_EL0 SYSREG_ID(3, 3, 9, 12, 1)
#define REG_PMINTENSET_EL1 SYSREG_ID(3, 0, 9, 14, 1)
#define REG_ID_PFR0_EL1    SYSREG_ID(3, 0, 0, 1, 0)
#define REG_ID_ISAR0_EL1   SYSREG_ID(3, 0, 0, 2, 0)
#define REG_MVFR0_EL1      SYSREG_ID(3, 0, 0, 3, 0)
#define REG_CCSIDR(csselr) (REG_ARCH_ARM64 | REG_SIZE_U32 | ((uint64_t) REG_COPROC_DEMUX << 16) | (csselr))

static uint64_t ufield_get(uint64_t v, unsigned shift) {
        return (v >> shift) & 0xf;
}


/* tests/data/<kernel>-<model>.json */
static Profile *load_model(const char *kernel, const char *model) {
        char name[128];

        snprintf(name, sizeof(name), "%s-%s.json", kernel, model);
        return test_load_profile(name);
}

static VcpuConfig *config(Profile *p, const char *name) {
        VcpuConfig *c = (VcpuConfig *) profile_get_config(p, name);

        if (!c) {
                fprintf(stderr, "no configuration %s\n", name);
                exit(1);
        }
        return c;
}

/* ---- deriving profiles: edits of a loaded profile's sorted arrays ---- */

static void ids_remove(uint64_t *v, size_t *n, uint64_t id) {
        for (size_t i = 0; i < *n; i++)
                if (v[i] == id) {
                        memmove(v + i, v + i + 1, (*n - i - 1) * sizeof(uint64_t));
                        (*n)--;
                        return;
                }
}

static void values_remove(RegValue *v, size_t *n, uint64_t id) {
        for (size_t i = 0; i < *n; i++)
                if (v[i].id == id) {
                        memmove(v + i, v + i + 1, (*n - i - 1) * sizeof(RegValue));
                        (*n)--;
                        return;
                }
}

static uint64_t *ids_insert(uint64_t *v, size_t *n, uint64_t id) {
        size_t i = 0;

        v = realloc(v, (*n + 1) * sizeof(uint64_t));
        if (!v)
                exit(1);
        while (i < *n && v[i] < id)
                i++;
        memmove(v + i + 1, v + i, (*n - i) * sizeof(uint64_t));
        v[i] = id;
        (*n)++;
        return v;
}

static RegValue *values_insert(RegValue *v, size_t *n, uint64_t id, uint64_t value) {
        size_t i = 0;

        v = realloc(v, (*n + 1) * sizeof(RegValue));
        if (!v)
                exit(1);
        while (i < *n && v[i].id < id)
                i++;
        memmove(v + i + 1, v + i, (*n - i) * sizeof(RegValue));
        v[i] = (RegValue) { id, value };
        (*n)++;
        return v;
}

static void reg_remove(VcpuConfig *c, uint64_t id) {
        ids_remove(c->cpregs, &c->n_cpregs, id);
        ids_remove(c->reg_list, &c->n_reg_list, id);
        values_remove(c->values, &c->n_values, id);
        values_remove(c->id_regs, &c->n_id_regs, id);
        values_remove(c->fw_regs, &c->n_fw_regs, id);
}

static void reg_add(VcpuConfig *c, uint64_t id, uint64_t value) {
        c->cpregs = ids_insert(c->cpregs, &c->n_cpregs, id);
        c->values = values_insert(c->values, &c->n_values, id, value);
}

static void value_set(VcpuConfig *c, uint64_t id, uint64_t value) {
        for (size_t i = 0; i < c->n_values; i++)
                if (c->values[i].id == id) {
                        c->values[i].value = value;
                        return;
                }
        fprintf(stderr, "no value for 0x%016" PRIx64 "\n", id);
        exit(1);
}

static uint64_t value_get(const VcpuConfig *c, uint64_t id) {
        uint64_t v = 0;

        if (!vcpu_config_get_value(c, id, &v)) {
                fprintf(stderr, "no value for 0x%016" PRIx64 "\n", id);
                exit(1);
        }
        return v;
}

/* ---- asserting on reports ---- */

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Sorted, comma-joined names of the findings of one kind ("" if none). */
static char *names_of(const Report *r, FindingKind kind) {
        char *names[KVMREGS_MAX_REGS];
        size_t n = 0;
        static char buf[8][16384];
        static int k;
        char *out = buf[k++ % 8];

        out[0] = 0;
        for (size_t i = 0; i < r->n_findings && n < ELEMENTSOF(names); i++)
                if (r->findings[i].kind == kind) {
                        char name[REG_NAME_MAX];
                        names[n++] = strdup(r->findings[i].reg ? reg_id_name(r->findings[i].reg, name, sizeof(name)) : "-");
                }
        qsort(names, n, sizeof(char *), cmp_str);
        for (size_t i = 0, len = 0; i < n; i++) {
                int w = snprintf(out + len, sizeof(buf[0]) - len, "%s%s", i ? "," : "", names[i]);
                if (w > 0 && (size_t) w < sizeof(buf[0]) - len)
                        len += (size_t) w;
                free(names[i]);
        }
        return out;
}

/* The same for an expected list given in any order. */
static char *names_sorted(const char *const *list) {
        const char *names[64];
        size_t n = 0;
        static char buf[8][4096];
        static int k;
        char *out = buf[k++ % 8];

        out[0] = 0;
        while (list[n] && n < ELEMENTSOF(names))
                names[n] = list[n], n++;
        qsort(names, n, sizeof(char *), cmp_str);
        for (size_t i = 0, len = 0; i < n; i++) {
                int w = snprintf(out + len, sizeof(buf[0]) - len, "%s%s", i ? "," : "", names[i]);
                if (w > 0 && (size_t) w < sizeof(buf[0]) - len)
                        len += (size_t) w;
        }
        return out;
}

#define NAMES(...) names_sorted((const char *const[]) { __VA_ARGS__, NULL })
#define NONE ""

static size_t count_severity(const Report *r, Severity s) {
        size_t n = 0;

        for (size_t i = 0; i < r->n_findings; i++)
                n += r->findings[i].severity == s;
        return n;
}

static const Finding *find(const Report *r, FindingKind kind, uint64_t reg) {
        for (size_t i = 0; i < r->n_findings; i++)
                if (r->findings[i].kind == kind && r->findings[i].reg == reg)
                        return &r->findings[i];
        return NULL;
}

static Report *compare(const Profile *a, const char *ca, const Profile *b, const char *cb) {
        Report *r = NULL;
        int k = profile_compare(a, ca, b, cb, &r);

        CHECK_INT(k, 0);
        if (k < 0)
                exit(1);
        return r;
}

/* Findings are fatal first, then by register, and every one has text. */
static void check_order_and_text(const Report *r) {
        for (size_t i = 0; i < r->n_findings; i++) {
                const Finding *f = &r->findings[i];
                CHECK(f->message && f->message[0]);
                CHECK(f->remedy && f->remedy[0]);
                if (i > 0) {
                        const Finding *p = &r->findings[i - 1];
                        CHECK(p->severity > f->severity || (p->severity == f->severity && p->reg <= f->reg));
                }
        }
}

/* ---- the cases ---- */

static const char *const ALL_PROFILES[] = {
        "5.10-cortex-a72.json", "6.1-cortex-a57.json", "6.1-cortex-a72.json", "6.1-max.json",
        "6.1-neoverse-n1.json", "6.12-cortex-a57.json", "6.12-cortex-a72.json", "6.12-max.json",
        "6.12-neoverse-n1.json", "7.2-cortex-a72.json", "7.2-max.json",
};

/* Seed: ID_AA64ZFR0_EL1 sent by the source, hidden (not listed) by the destination. */
static void test_seed_hidden_zfr0(void) {
        _cleanup_(profile_freep) Profile *src = test_load_profile("6.1-max.json");
        _cleanup_(profile_freep) Profile *dst = test_load_profile("6.1-max.json");
        _cleanup_(report_freep) Report *r = NULL;

        reg_remove(config(dst, "all"), REG_ID_ID_AA64ZFR0_EL1);
        r = compare(src, "all", dst, "all");
        CHECK_INT(r->verdict, VERDICT_INCOMPATIBLE);
        CHECK_STR(names_of(r, FINDING_NOT_ON_DEST), NAMES("ID_AA64ZFR0_EL1"));
        CHECK_STR(names_of(r, FINDING_COUNT), NAMES("-"));
        CHECK_STR(names_of(r, FINDING_VALUE_REFUSED), NONE);
        CHECK_STR(names_of(r, FINDING_DROPPED), NONE);
        CHECK_INT(count_severity(r, SEVERITY_FATAL), 2);
        CHECK_INT(count_severity(r, SEVERITY_WARNING), 0);
        check_order_and_text(r);
}

/* Hidden but listed (6.12 lists ZFR0 as RAZ for a vCPU without SVE): only 0 is accepted. */
static void test_raz_register(void) {
        _cleanup_(profile_freep) Profile *p = test_load_profile("6.12-max.json");
        const VcpuConfig *pmu = config(p, "pmu"), *all = config(p, "all");
        Finding f = {};

        CHECK(vcpu_config_has_cpreg(pmu, REG_ID_ID_AA64ZFR0_EL1));
        CHECK_INT(value_get(pmu, REG_ID_ID_AA64ZFR0_EL1), 0);
        CHECK(rules_kernel_accepts(p, pmu, REG_ID_ID_AA64ZFR0_EL1, 0, NULL));
        CHECK(!rules_kernel_accepts(p, pmu, REG_ID_ID_AA64ZFR0_EL1, value_get(all, REG_ID_ID_AA64ZFR0_EL1), &f));
        CHECK_INT(f.kind, FINDING_VALUE_REFUSED);
        CHECK(f.reg == REG_ID_ID_AA64ZFR0_EL1);
}

static const char *const SIX_ONE_LACKS[] = {
        "CCSIDR_EL1[csselr=0x3]", "CCSIDR_EL1[csselr=0x4]", "CCSIDR_EL1[csselr=0x5]", "CCSIDR_EL1[csselr=0x6]",
        "CCSIDR_EL1[csselr=0x7]", "CCSIDR_EL1[csselr=0x8]", "CCSIDR_EL1[csselr=0x9]", "CCSIDR_EL1[csselr=0xa]",
        "CCSIDR_EL1[csselr=0xb]", "CCSIDR_EL1[csselr=0xc]", "CCSIDR_EL1[csselr=0xd]", "TCR2_EL1", "PIRE0_EL1",
        "PIR_EL1", "CNTPCT_EL0", "CNTP_CTL_EL0", "CNTP_CVAL_EL0", NULL,
};

/* 6.12 → 6.1 fails for every CPU model: count, 17 unknown registers, CCSIDR and CLIDR values. */
static void test_612_to_61(void) {
        static const char *const models[] = { "cortex-a57", "cortex-a72", "neoverse-n1", "max" };

        for (size_t m = 0; m < ELEMENTSOF(models); m++) {
                _cleanup_(profile_freep) Profile *src = load_model("6.12", models[m]);
                _cleanup_(profile_freep) Profile *dst = load_model("6.1", models[m]);
                _cleanup_(report_freep) Report *r = compare(src, "all", dst, "all");
                const VcpuConfig *s = config(src, "all"), *d = config(dst, "all");
                const Finding *count = find(r, FINDING_COUNT, 0);

                CHECK_INT(r->verdict, VERDICT_INCOMPATIBLE);
                CHECK(count != NULL);
                if (count) {
                        CHECK_INT(count->src_value, s->n_cpregs);
                        CHECK_INT(count->dst_value, d->n_cpregs);
                        CHECK_INT(count->severity, SEVERITY_FATAL);
                }
                /* The lab's 17, by name; and the same set from the two lists. */
                CHECK_STR(names_of(r, FINDING_NOT_ON_DEST), names_sorted(SIX_ONE_LACKS));
                CHECK_INT(s->n_cpregs - d->n_cpregs, 17);
                const char *missing[32] = {};
                char names[32][REG_NAME_MAX];
                size_t n = 0;
                for (size_t i = 0; i < s->n_cpregs && n < 31; i++)
                        if (!vcpu_config_has_cpreg(d, s->cpregs[i]))
                                missing[n] = reg_id_name(s->cpregs[i], names[n], sizeof(names[n])), n++;
                CHECK_INT(n, 17);
                CHECK_STR(names_of(r, FINDING_NOT_ON_DEST), names_sorted(missing));
                CHECK_INT(r->n_findings > 17, 1);
                /* 6.1 takes only its own cache description. */
                const Finding *clidr = find(r, FINDING_VALUE_REFUSED, REG_ID_CLIDR_EL1);
                CHECK(clidr != NULL);
                if (clidr)
                        CHECK(clidr->src_value == value_get(s, REG_ID_CLIDR_EL1) &&
                              clidr->dst_value == value_get(d, REG_ID_CLIDR_EL1));
                CHECK(find(r, FINDING_VALUE_REFUSED, REG_CCSIDR(0)) != NULL);
                CHECK_STR(names_of(r, FINDING_DROPPED), NONE);
                check_order_and_text(r);
        }
        /* The exact refused set on cortex-a72: the three CCSIDR levels 6.1 lists, and CLIDR. */
        _cleanup_(profile_freep) Profile *src = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = test_load_profile("6.1-cortex-a72.json");
        _cleanup_(report_freep) Report *r = compare(src, "all", dst, "all");
        CHECK_STR(names_of(r, FINDING_VALUE_REFUSED),
                  NAMES("CCSIDR_EL1[csselr=0x0]", "CCSIDR_EL1[csselr=0x1]", "CCSIDR_EL1[csselr=0x2]", "CLIDR_EL1"));
        CHECK_INT(count_severity(r, SEVERITY_FATAL), 1 + 17 + 4);
        CHECK_INT(count_severity(r, SEVERITY_WARNING), 0);
        CHECK_INT(r->src_count, 258);
        CHECK_INT(r->dst_count, 241);
}

/* 6.1 → 6.12, same CPU model: loads for the plain models, not for -cpu max (HCX). */
static void test_61_to_612(void) {
        static const char *const models[] = { "cortex-a57", "cortex-a72", "neoverse-n1" };

        for (size_t m = 0; m < ELEMENTSOF(models); m++) {
                _cleanup_(profile_freep) Profile *src = load_model("6.1", models[m]);
                _cleanup_(profile_freep) Profile *dst = load_model("6.12", models[m]);
                _cleanup_(report_freep) Report *r = compare(src, "all", dst, "all");

                CHECK_INT(r->verdict, VERDICT_COMPATIBLE);
                CHECK_INT(count_severity(r, SEVERITY_FATAL), 0);
                /* Lower DebugVer/PMUVer went through the masks: no refusal at all. */
                CHECK_STR(names_of(r, FINDING_VALUE_REFUSED), NONE);
                CHECK_STR(names_of(r, FINDING_NOT_ON_DEST), NONE);
                /* 6.12's PMU SET/CLR writes lose the enable bits; PMCR_EL0 loses its IMP/IDCODE bits (replayed). */
                CHECK_STR(names_of(r, FINDING_VALUE_NOT_KEPT), NAMES("PMCNTENSET_EL0", "PMCNTENCLR_EL0", "PMINTENSET_EL1",
                                                                     "PMINTENCLR_EL1", "PMCR_EL0"));
                const Finding *pmcr = find(r, FINDING_VALUE_NOT_KEPT, SYSREG_ID(3, 3, 9, 12, 0));
                CHECK(pmcr && pmcr->src_value == value_get(config(src, "all"), SYSREG_ID(3, 3, 9, 12, 0)) &&
                      pmcr->dst_value == ((pmcr->src_value & 0xff) | (pmcr->src_value & 0xf800)));
                CHECK_STR(names_of(r, FINDING_DEST_ONLY), names_sorted(SIX_ONE_LACKS));
                check_order_and_text(r);

                /* Each lowered field is individually acceptable to 6.12. */
                CHECK(rules_kernel_accepts(dst, config(dst, "all"), REG_ID_ID_AA64DFR0_EL1,
                                           value_get(config(src, "all"), REG_ID_ID_AA64DFR0_EL1), NULL));
        }

        _cleanup_(profile_freep) Profile *src = test_load_profile("6.1-max.json");
        _cleanup_(profile_freep) Profile *dst = test_load_profile("6.12-max.json");
        _cleanup_(report_freep) Report *r = compare(src, "all", dst, "all");
        const Finding *f = find(r, FINDING_VALUE_REFUSED, REG_ID_ID_AA64MMFR1_EL1);

        CHECK_INT(r->verdict, VERDICT_INCOMPATIBLE);
        CHECK_STR(names_of(r, FINDING_VALUE_REFUSED), NAMES("ID_AA64MMFR1_EL1"));
        CHECK_INT(count_severity(r, SEVERITY_FATAL), 1);
        CHECK(f != NULL);
        if (f) {
                CHECK_STR(f->field, "HCX");
                CHECK_INT(f->src_field, 0);
                CHECK_INT(f->dst_field, 1);
                CHECK_INT(f->field_shift, 40);
        }
}

/* VHE and nVHE hosts refuse each other: ID_AA64MMFR1_EL1.VH, with and without masks. */
static void test_vhe_nvhe(void) {
        static const char *const files[] = { "6.12-cortex-a72.json", "6.1-cortex-a72.json" };

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_(profile_freep) Profile *src = test_load_profile(files[i]);
                _cleanup_(profile_freep) Profile *dst = test_load_profile(files[i]);
                VcpuConfig *s = config(src, "all");
                uint64_t v = value_get(s, REG_ID_ID_AA64MMFR1_EL1);

                CHECK_INT((v >> 8) & 0xf, 0);   /* recorded nVHE */
                value_set(s, REG_ID_ID_AA64MMFR1_EL1, v | (UINT64_C(1) << 8));
                _cleanup_(report_freep) Report *r = compare(src, "all", dst, "all");
                const Finding *f = find(r, FINDING_VALUE_REFUSED, REG_ID_ID_AA64MMFR1_EL1);

                CHECK_INT(r->verdict, VERDICT_INCOMPATIBLE);
                CHECK_STR(names_of(r, FINDING_VALUE_REFUSED), NAMES("ID_AA64MMFR1_EL1"));
                CHECK_INT(count_severity(r, SEVERITY_FATAL), 1);
                CHECK(f && f->field && strcmp(f->field, "VH") == 0);
                CHECK(f && strstr(f->remedy, "kvm-arm.mode") != NULL);
                CHECK(f && f->src_field == 1 && f->dst_field == 0);
        }
}

/* VENDOR_HYP_BMAP_2 sent by a source only: above 6.12's highest id, dropped silently. */
static void test_vendor_hyp_bmap_2(void) {
        _cleanup_(profile_freep) Profile *src = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(report_freep) Report *r = NULL;

        reg_add(config(src, "all"), REG_ID_VENDOR_HYP_BMAP_2, 0);
        r = compare(src, "all", dst, "all");
        CHECK_INT(r->verdict, VERDICT_INCOMPATIBLE);       /* one entry more than the destination has */
        CHECK_STR(names_of(r, FINDING_DROPPED), NAMES("KVM_REG_ARM_VENDOR_HYP_BMAP_2"));
        CHECK_STR(names_of(r, FINDING_COUNT), NAMES("-"));
        CHECK_STR(names_of(r, FINDING_NOT_ON_DEST), NONE);
        CHECK_STR(names_of(r, FINDING_VALUE_REFUSED), NONE);

        /* Real: 7.2 → 6.12 carries it too (and fails on PSCI). */
        _cleanup_(profile_freep) Profile *s72 = test_load_profile("7.2-cortex-a72.json");
        _cleanup_(report_freep) Report *r2 = compare(s72, "all", dst, "all");
        CHECK_STR(names_of(r2, FINDING_DROPPED), NAMES("KVM_REG_ARM_VENDOR_HYP_BMAP_2"));
        CHECK_STR(names_of(r2, FINDING_VALUE_REFUSED), NAMES("PSCI_VERSION"));
        CHECK_INT(count_severity(r2, SEVERITY_FATAL), 1);

        /* Listed on both, with a service bit the destination lacks: refused. */
        _cleanup_(profile_freep) Profile *d2 = test_load_profile("6.12-cortex-a72.json");
        VcpuConfig *dc = config(d2, "all");
        reg_add(dc, REG_ID_VENDOR_HYP_BMAP_2, 0);
        value_set(config(src, "all"), REG_ID_VENDOR_HYP_BMAP_2, 0x3);
        _cleanup_(report_freep) Report *r3 = compare(src, "all", d2, "all");
        CHECK_INT(r3->verdict, VERDICT_INCOMPATIBLE);
        CHECK_STR(names_of(r3, FINDING_VALUE_REFUSED), NAMES("KVM_REG_ARM_VENDOR_HYP_BMAP_2"));
        CHECK_INT(count_severity(r3, SEVERITY_FATAL), 1);
        value_set(dc, REG_ID_VENDOR_HYP_BMAP_2, 0x3);
        _cleanup_(report_freep) Report *r4 = compare(src, "all", d2, "all");
        CHECK_STR(names_of(r4, FINDING_VALUE_REFUSED), NONE);
        /* Fewer services than the destination offers is fine. */
        CHECK(rules_kernel_accepts(d2, dc, REG_ID_VENDOR_HYP_BMAP_2, 0x1, NULL));
        CHECK(!rules_kernel_accepts(d2, dc, REG_ID_VENDOR_HYP_BMAP_2, 0x4, NULL));
}

/* Same kernel, different CPU model: MIDR_EL1 and the ID fields that differ. */
static void test_cpu_models(void) {
        struct {
                const char *src, *dst;
                const char *refused;
        } cases[] = {
                { "6.12-cortex-a57.json", "6.12-cortex-a72.json", NAMES("MIDR_EL1") },
                { "6.12-cortex-a72.json", "6.12-cortex-a57.json", NAMES("MIDR_EL1", "ID_MMFR0_EL1") },
                { "6.1-cortex-a72.json", "6.1-cortex-a57.json",
                  NAMES("MIDR_EL1", "ID_MMFR0_EL1", "CCSIDR_EL1[csselr=0x2]") },
                { "6.1-cortex-a57.json", "6.1-cortex-a72.json",
                  NAMES("MIDR_EL1", "ID_MMFR0_EL1", "CCSIDR_EL1[csselr=0x2]") },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(profile_freep) Profile *src = test_load_profile(cases[i].src);
                _cleanup_(profile_freep) Profile *dst = test_load_profile(cases[i].dst);
                _cleanup_(report_freep) Report *r = compare(src, "all", dst, "all");
                const Finding *midr = find(r, FINDING_VALUE_REFUSED, REG_ID_MIDR_EL1);

                CHECK_INT(r->verdict, VERDICT_INCOMPATIBLE);
                CHECK_STR(names_of(r, FINDING_VALUE_REFUSED), cases[i].refused);
                CHECK(midr && strstr(midr->remedy, "MIDR") != NULL);
                CHECK(midr && midr->src_value == value_get(config(src, "all"), REG_ID_MIDR_EL1));
                check_order_and_text(r);
        }

        /* The differing field is named: ID_MMFR0_EL1.AuxReg (a72 2, a57 1). */
        _cleanup_(profile_freep) Profile *src = test_load_profile("6.1-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = test_load_profile("6.1-cortex-a57.json");
        _cleanup_(report_freep) Report *r = compare(src, "all", dst, "all");
        const Finding *f = find(r, FINDING_VALUE_REFUSED, SYSREG_ID(3, 0, 0, 1, 4));
        CHECK(f && f->field && strcmp(f->field, "AuxReg") == 0);
        CHECK(f && f->src_field == 2 && f->dst_field == 1);

        /* On 6.1 (no masks) every differing ID register is refused: the set equals the differing values. */
        const VcpuConfig *s = config(src, "all"), *d = config(dst, "all");
        size_t differing = 0;
        for (size_t i = 0; i < s->n_id_regs; i++) {
                uint64_t dv;
                if (vcpu_config_get_value(d, s->id_regs[i].id, &dv) && dv != s->id_regs[i].value &&
                    s->id_regs[i].id != REG_ID_MPIDR_EL1 && id_reg_lookup(s->id_regs[i].id) &&
                    vcpu_config_has_cpreg(d, s->id_regs[i].id)) {
                        differing++;
                        CHECK(find(r, FINDING_VALUE_REFUSED, s->id_regs[i].id) != NULL);
                }
        }
        CHECK_INT(differing, 2);
}

/* Identical profiles: compatible; no finding except 6.12's PMU SET/CLR, which the kernel really does. */
static void test_identical(void) {
        for (size_t i = 0; i < ELEMENTSOF(ALL_PROFILES); i++) {
                _cleanup_(profile_freep) Profile *a = test_load_profile(ALL_PROFILES[i]);
                _cleanup_(profile_freep) Profile *b = test_load_profile(ALL_PROFILES[i]);
                bool is_612 = strncmp(ALL_PROFILES[i], "6.12-", 5) == 0;

                for (size_t k = 0; k < a->n_configs; k++) {
                        const VcpuConfig *c = &a->configs[k];
                        _cleanup_(report_freep) Report *r = NULL;

                        if (c->skipped)
                                continue;
                        r = compare(a, c->name, b, c->name);
                        CHECK_INT(r->verdict, VERDICT_COMPATIBLE);
                        if (is_612 && (c->init_features0 & VCPU_FEATURE_PMU_V3))
                                CHECK_STR(names_of(r, FINDING_VALUE_NOT_KEPT),
                                          NAMES("PMCNTENSET_EL0", "PMCNTENCLR_EL0", "PMINTENSET_EL1", "PMINTENCLR_EL1"));
                        else
                                CHECK_INT(r->n_findings, 0);
                        CHECK_INT(count_severity(r, SEVERITY_FATAL), 0);
                        CHECK_INT(r->n_adjustments, 0);
                        CHECK_STR(r->src_digest, r->dst_digest);
                }
        }
}

/* PSCI: each kernel refuses a newer PSCI version than its own. */
static void test_psci(void) {
        static const char *const pairs[][2] = {
                { "7.2-max.json", "6.12-max.json" },
                { "7.2-cortex-a72.json", "6.12-cortex-a72.json" },
        };

        for (size_t i = 0; i < ELEMENTSOF(pairs); i++) {
                _cleanup_(profile_freep) Profile *src = test_load_profile(pairs[i][0]);
                _cleanup_(profile_freep) Profile *dst = test_load_profile(pairs[i][1]);
                _cleanup_(report_freep) Report *r = compare(src, "all", dst, "all");
                const Finding *f = find(r, FINDING_VALUE_REFUSED, REG_ID_PSCI_VERSION);

                CHECK_INT(r->verdict, VERDICT_INCOMPATIBLE);
                CHECK_STR(names_of(r, FINDING_VALUE_REFUSED), NAMES("PSCI_VERSION"));
                CHECK_INT(count_severity(r, SEVERITY_FATAL), 1);
                CHECK(f && f->src_value == 0x10003 && f->dst_value == 0x10001);
        }

        /* 6.1 → 7.2: accepted on every model recorded, max included. */
        static const char *const models[] = { "cortex-a72", "max" };
        for (size_t m = 0; m < ELEMENTSOF(models); m++) {
                _cleanup_(profile_freep) Profile *src = load_model("6.1", models[m]);
                _cleanup_(profile_freep) Profile *dst = load_model("7.2", models[m]);
                for (size_t k = 0; k < src->n_configs; k++) {
                        const VcpuConfig *c = &src->configs[k];
                        _cleanup_(report_freep) Report *r = NULL;

                        if (c->skipped || !profile_get_config(dst, c->name) || profile_get_config(dst, c->name)->skipped)
                                continue;
                        r = compare(src, c->name, dst, c->name);
                        CHECK_INT(r->verdict, VERDICT_COMPATIBLE);
                        CHECK_INT(count_severity(r, SEVERITY_FATAL), 0);
                        /* 7.2 keeps only PMCR_EL0's control bits and N (6.1 sends IMP/IDCODE too). */
                        CHECK_STR(names_of(r, FINDING_VALUE_NOT_KEPT),
                                  (c->init_features0 & VCPU_FEATURE_PMU_V3) ? NAMES("PMCR_EL0") : NONE);
                }
        }

        /* 5.10 implements PSCI 1.0: 1.1 is refused, 1.0 and 0.2 accepted; 0.1 needs a vCPU without PSCI 0.2. */
        _cleanup_(profile_freep) Profile *old = test_load_profile("5.10-cortex-a72.json");
        const VcpuConfig *c = config(old, "base");
        CHECK_INT(value_get(c, REG_ID_PSCI_VERSION), 0x10000);
        CHECK(!rules_kernel_accepts(old, c, REG_ID_PSCI_VERSION, 0x10001, NULL));
        CHECK(rules_kernel_accepts(old, c, REG_ID_PSCI_VERSION, 0x10000, NULL));
        CHECK(rules_kernel_accepts(old, c, REG_ID_PSCI_VERSION, 0x2, NULL));
        CHECK(!rules_kernel_accepts(old, c, REG_ID_PSCI_VERSION, 0x0, NULL));
        CHECK(!rules_kernel_accepts(old, c, REG_ID_PSCI_VERSION, 0x10007, NULL));
}

/* -cpu host takes the destination's features; pinning them to the source's is the adjustment. */
static void test_adjustments(void) {
        _cleanup_(profile_freep) Profile *src = test_load_profile("6.12-max.json");
        _cleanup_(profile_freep) Profile *dst = test_load_profile("6.12-max.json");
        _cleanup_(report_freep) Report *r = compare(src, "pmu", dst, "all");

        CHECK_INT(r->verdict, VERDICT_ADJUSTED);
        CHECK_INT(r->n_adjustments, 2);
        if (r->n_adjustments == 2) {
                CHECK_STR(r->adjustments[0], "sve=off");
                CHECK_STR(r->adjustments[1], "pauth=off");
        }
        CHECK_STR(r->dst_config, "pmu");
        CHECK_STR(names_of(r, FINDING_FEATURES_DIFFER), NAMES("-"));
        CHECK_INT(count_severity(r, SEVERITY_ADJUST), 1);
        CHECK_INT(count_severity(r, SEVERITY_FATAL), 0);
        CHECK_STR(names_of(r, FINDING_VALUE_REFUSED), NONE);

        /* base → all: every feature pinned off. */
        _cleanup_(report_freep) Report *r2 = compare(src, "base", dst, "all");
        CHECK_INT(r2->verdict, VERDICT_ADJUSTED);
        CHECK_INT(r2->n_adjustments, 3);
        if (r2->n_adjustments == 3) {
                CHECK_STR(r2->adjustments[0], "pmu=off");
                CHECK_STR(r2->adjustments[1], "sve=off");
                CHECK_STR(r2->adjustments[2], "pauth=off");
        }

        /* An adjustment does not hide a refusal: 6.1-max pmu → 6.12-max all still fails on HCX. */
        _cleanup_(profile_freep) Profile *old = test_load_profile("6.1-max.json");
        _cleanup_(report_freep) Report *r3 = compare(old, "pmu", dst, "all");
        CHECK_INT(r3->verdict, VERDICT_INCOMPATIBLE);
        CHECK_STR(names_of(r3, FINDING_VALUE_REFUSED), NAMES("ID_AA64MMFR1_EL1"));
        CHECK_INT(r3->n_adjustments, 2);

        /* The destination cannot offer SVE at all: unsupported, fatal; then the comparison with the
         * nearest configuration it can create (SVE off: a72's PMU configuration) names every register
         * that still fails, marked, and they are those of the recorded source without SVE. */
        _cleanup_(profile_freep) Profile *a72 = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(report_freep) Report *r4 = compare(src, "all", a72, "all");
        CHECK_INT(r4->verdict, VERDICT_INCOMPATIBLE);
        CHECK_STR(names_of(r4, FINDING_CONFIG_UNSUPPORTED), NAMES("-"));
        CHECK_INT(r4->findings[0].kind, FINDING_CONFIG_UNSUPPORTED);
        CHECK(!r4->findings[0].after_config_fix);
        CHECK(strstr(r4->findings[0].message, "sve=off") && strstr(r4->findings[0].message, "pauth=off"));
        const VcpuConfig *src_fixed = profile_find_config_by_features(src, VCPU_FEATURE_PSCI_0_2 | VCPU_FEATURE_PMU_V3, false);
        const VcpuConfig *a72_pmu = profile_find_config_by_features(a72, VCPU_FEATURE_PSCI_0_2 | VCPU_FEATURE_PMU_V3, false);
        _cleanup_(report_freep) Report *fixed = NULL;
        CHECK(src_fixed && a72_pmu && vcpu_config_compare(src, src_fixed, a72, a72_pmu, &fixed) >= 0);
        CHECK_INT(r4->n_findings, fixed->n_findings + 1);
        for (size_t i = 1; i < r4->n_findings && i <= fixed->n_findings; i++) {
                CHECK(r4->findings[i].after_config_fix);
                CHECK_INT(r4->findings[i].kind, fixed->findings[i - 1].kind);
                CHECK(r4->findings[i].reg == fixed->findings[i - 1].reg);
                CHECK_STR(r4->findings[i].message, fixed->findings[i - 1].message);
        }
        CHECK(find(r4, FINDING_VALUE_REFUSED, REG_ID_MIDR_EL1) != NULL);
        /* Every form shows them, marked: their own groups after the comparison's own, under one
         * heading in the summary (the hook's refusal) and the printed report. */
        {
                _cleanup_(report_groups_freep) ReportGroups *gs = NULL;
                _cleanup_free_ char *summary = report_summary(r4), *printed = NULL;
                size_t printed_size = 0;
                FILE *f = open_memstream(&printed, &printed_size);
                const char *heading = "Once the configuration is fixed (compared with the nearest configuration "
                                      "the destination can create), still:";

                CHECK_INT(report_groups_new(r4, &gs), 0);
                CHECK(gs && gs->n_groups > 1);
                for (size_t i = 0; gs && i < gs->n_groups; i++)
                        CHECK_INT(gs->groups[i].after_config_fix, i > 0);
                CHECK(summary && strstr(summary, heading) && strstr(summary, "MIDR_EL1 (0x603000000013c000)") &&
                      strstr(summary, heading) < strstr(summary, "MIDR_EL1 (0x603000000013c000)"));
                CHECK(f && report_print(r4, f, false) == 0);
                if (f)
                        fclose(f);
                for (char *c = printed; c && *c; c++)    /* the paragraph is wrapped */
                        if (*c == '\n' && c[1] != '\n' && c > printed && c[-1] != '\n')
                                *c = ' ';
                CHECK(printed && strstr(printed, heading) &&
                      strstr(printed, "once the configuration is fixed still on 21 registers"));
        }
        _cleanup_(report_freep) Report *r5 = compare(src, "sve", a72, NULL);
        CHECK_INT(r5->verdict, VERDICT_INCOMPATIBLE);
        CHECK_STR(names_of(r5, FINDING_CONFIG_UNSUPPORTED), NAMES("-"));
        CHECK(strstr(r5->findings[0].message, "sve") != NULL);
        CHECK(strstr(r5->findings[0].message, "'base'") != NULL);

        /* SVE vector lengths. QEMU under KVM enables every length the host supports up to the
         * longest enabled (cpu64.c: "The KVM host requires all supported vector lengths smaller
         * than N bits to also be enabled"): a destination offering more above the source's
         * longest is pinned to the source's; a gap below it cannot be made. */
        _cleanup_(profile_freep) Profile *s2 = test_load_profile("6.12-max.json");
        VcpuConfig *sc = config(s2, "sve");
        CHECK(sc->has_sve_vls);
        CHECK(sc->sve_vls[0] == 0xffff);
        sc->sve_vls[0] = 0x0003;        /* 128 and 256 bits */
        _cleanup_(report_freep) Report *r6 = compare(s2, "sve", dst, "sve");
        CHECK_INT(r6->verdict, VERDICT_ADJUSTED);
        /* One QEMU property per length the destination offers, on for the source's. */
        CHECK_INT(r6->n_adjustments, 16);
        if (r6->n_adjustments == 16) {
                CHECK_STR(r6->adjustments[0], "sve128=on");
                CHECK_STR(r6->adjustments[1], "sve256=on");
                CHECK_STR(r6->adjustments[2], "sve384=off");
                CHECK_STR(r6->adjustments[15], "sve2048=off");
        }
        CHECK_STR(names_of(r6, FINDING_FEATURES_DIFFER), NAMES("-"));
        /* a64fx's lengths, 128, 256 and 512 bits, on a host with 384 too: QEMU cannot leave 384 out.
         * Nearest: the guest's lengths up to 256 bits; the registers then compare like for like. */
        sc->sve_vls[0] = 0x000b;
        _cleanup_(report_freep) Report *r8 = compare(s2, "sve", dst, "sve");
        CHECK_INT(r8->verdict, VERDICT_INCOMPATIBLE);
        CHECK_INT(r8->n_adjustments, 0);
        CHECK_INT(r8->findings[0].kind, FINDING_CONFIG_UNSUPPORTED);
        CHECK(strstr(r8->findings[0].message, "up to sve256") != NULL);
        CHECK(strstr(r8->findings[0].message, "nothing else would fail") != NULL);
        for (size_t i = 1; i < r8->n_findings; i++)
                CHECK(r8->findings[i].after_config_fix && r8->findings[i].severity != SEVERITY_FATAL);
        _cleanup_(report_freep) Report *r7 = compare(dst, "sve", s2, "sve");
        CHECK_INT(r7->verdict, VERDICT_INCOMPATIBLE);
        CHECK_STR(names_of(r7, FINDING_CONFIG_UNSUPPORTED), NAMES("-"));
        CHECK(strstr(r7->findings[0].message, "up to sve256") != NULL);

        CHECK_INT(profile_compare(src, "nonesuch", dst, NULL, &(Report *) { NULL }), -ENOENT);
}

/* A configuration with fewer features, derived the way KVM builds the vCPU (lib/nearest.c),
 * is the configuration the real kernel recorded with those features: every recorded profile,
 * every pair of its configurations one of which has a subset of the other's features. */
static bool mte_of(const VcpuConfig *c) {
        return vcpu_config_has_feature(c, "mte_vm_cap");
}

static size_t derive_all(const char *name, size_t *ret_failed) {
        _cleanup_(profile_freep) Profile *p = test_load_profile(name);
        size_t n = 0;

        for (size_t i = 0; i < p->n_configs; i++)
                for (size_t j = 0; j < p->n_configs; j++) {
                        const VcpuConfig *x = &p->configs[i], *y = &p->configs[j];
                        VcpuConfig d;
                        bool same;

                        if (i == j || x->skipped || y->skipped || (y->init_features0 & ~x->init_features0) ||
                            (mte_of(y) && !mte_of(x)) || vcpu_config_has_feature(x, "vgic_v3_device") ||
                            vcpu_config_has_feature(y, "vgic_v3_device"))
                                continue;
                        if (vcpu_config_without(x, profile_kernel_version(p), x->init_features0 & ~y->init_features0,
                                                mte_of(x) && !mte_of(y), &d) < 0)
                                exit(1);
                        /* The register list, and the values the rules judge: ID and firmware registers
                         * (ordinary registers' values are guest state, counters tick). */
                        same = d.n_cpregs == y->n_cpregs &&
                               memcmp(d.cpregs, y->cpregs, d.n_cpregs * sizeof(uint64_t)) == 0 &&
                               d.init_features0 == y->init_features0 && mte_of(&d) == mte_of(y);
                        for (size_t k = 0; k < x->n_id_regs + x->n_fw_regs; k++) {
                                uint64_t id = k < x->n_id_regs ? x->id_regs[k].id : x->fw_regs[k - x->n_id_regs].id;
                                uint64_t dv = 0, yv = 0;
                                bool in_d = vcpu_config_get_value(&d, id, &dv), in_y = vcpu_config_get_value(y, id, &yv);
                                char rn[REG_NAME_MAX];

                                if (in_d != in_y || dv != yv) {
                                        fprintf(stderr, "%s: %s without what %s lacks: %s derived %s0x%llx, recorded %s0x%llx\n",
                                                name, x->name, y->name, reg_id_name(id, rn, sizeof(rn)),
                                                in_d ? "" : "(none) ", (unsigned long long) dv, in_y ? "" : "(none) ",
                                                (unsigned long long) yv);
                                        same = false;
                                }
                        }
                        if (!same) {
                                fprintf(stderr, "%s: %s without the features %s lacks is not %s\n", name, x->name,
                                        y->name, y->name);
                                (*ret_failed)++;
                        }
                        n++;
                        vcpu_config_derived_done(&d);
                }
        return n;
}

static void test_derived_configs(void) {
        const char *dirs[] = { "", "replay/" };
        size_t n = 0, failed = 0;

        for (size_t k = 0; k < ELEMENTSOF(dirs); k++) {
                _cleanup_free_ char *path = strdup(test_data(dirs[k]));
                DIR *d = opendir(path);
                struct dirent *e;

                CHECK(d != NULL);
                if (!d)
                        continue;
                while ((e = readdir(d))) {
                        size_t len = strlen(e->d_name);
                        char name[512];

                        if (len < 5 || strcmp(e->d_name + len - 5, ".json") != 0 || e->d_name[0] == '.')
                                continue;
                        /* the replay results themselves are not profiles */
                        if (k == 1 && (len < 13 || strcmp(e->d_name + len - 13, ".profile.json") != 0))
                                continue;
                        snprintf(name, sizeof(name), "%s%s", dirs[k], e->d_name);
                        n += derive_all(name, &failed);
                }
                closedir(d);
        }
        printf("test-rules: %zu configurations derived with fewer features, %zu unlike the recorded ones\n", n, failed);
        CHECK(n >= 300);
        CHECK_INT(failed, 0);
}

/* Firmware workaround levels: no better than the destination's; accepted lower ones read back its own. */
static void test_workarounds(void) {
        _cleanup_(profile_freep) Profile *p = test_load_profile("6.12-neoverse-n1.json");
        _cleanup_(profile_freep) Profile *src = test_load_profile("6.12-neoverse-n1.json");
        const VcpuConfig *c = config(p, "all");
        uint64_t wa1 = value_get(c, REG_ID_SMCCC_ARCH_WORKAROUND_1);

        /* Levels: 0 not available, 1 available, 2 not required. */
        for (uint64_t level = 0; level <= 2; level++)
                CHECK_INT(rules_kernel_accepts(p, c, REG_ID_SMCCC_ARCH_WORKAROUND_1, level, NULL), level <= wa1);
        CHECK(!rules_kernel_accepts(p, c, REG_ID_SMCCC_ARCH_WORKAROUND_1, 0x11, NULL));

        if (wa1 > 0) {
                value_set(config(src, "all"), REG_ID_SMCCC_ARCH_WORKAROUND_1, 0);
                _cleanup_(report_freep) Report *r = compare(src, "all", p, "all");
                const Finding *f = find(r, FINDING_VALUE_NOT_KEPT, REG_ID_SMCCC_ARCH_WORKAROUND_1);
                CHECK(f && f->severity == SEVERITY_WARNING && f->dst_value == wa1);
                CHECK_INT(count_severity(r, SEVERITY_FATAL), 0);
        }
        if (wa1 < 2) {
                value_set(config(src, "all"), REG_ID_SMCCC_ARCH_WORKAROUND_1, 2);
                _cleanup_(report_freep) Report *r = compare(src, "all", p, "all");
                CHECK_INT(r->verdict, VERDICT_INCOMPATIBLE);
                CHECK_STR(names_of(r, FINDING_VALUE_REFUSED), NAMES("SMCCC_ARCH_WORKAROUND_1"));
        }
        /* A max host mitigates SSB with SSBS and reports WA2 by the vCPU's SSBS: a cortex-a72 guest
         * (no SSBS, accepted lower) reads back "not required" (3) after writing 0 (replayed on 6.12 and 7.2). */
        static const char *const maxes[] = { "6.12-max.json", "7.2-max.json" };
        for (size_t i = 0; i < ELEMENTSOF(maxes); i++) {
                _cleanup_(profile_freep) Profile *a72 = test_load_profile("6.12-cortex-a72.json");
                _cleanup_(profile_freep) Profile *max = test_load_profile(maxes[i]);
                _cleanup_(report_freep) Report *r = compare(a72, "base", max, "base");
                const Finding *f = find(r, FINDING_VALUE_NOT_KEPT, REG_ID_SMCCC_ARCH_WORKAROUND_2);
                CHECK_INT(value_get(config(max, "base"), REG_ID_SMCCC_ARCH_WORKAROUND_2), 0);
                CHECK(f && f->src_value == 0 && f->dst_value == 3);
                /* WA1 too: written 0 (not available), reads the host's 2 (not required). */
                CHECK_STR(names_of(r, FINDING_VALUE_NOT_KEPT), NAMES("SMCCC_ARCH_WORKAROUND_1", "SMCCC_ARCH_WORKAROUND_2"));
        }

        /* WORKAROUND_2: the enabled bit only with level "available". */
        CHECK(!rules_kernel_accepts(p, c, REG_ID_SMCCC_ARCH_WORKAROUND_2, 0x10, NULL));
        CHECK(rules_kernel_accepts(p, c, REG_ID_SMCCC_ARCH_WORKAROUND_2, 0x0, NULL));
}

/* Kernel-specific setters: DebugVer floor, IMP_DEF PMUVer, CLIDR/CCSIDR by kernel. */
static void test_setters(void) {
        _cleanup_(profile_freep) Profile *p612 = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *p61 = test_load_profile("6.1-cortex-a72.json");
        const VcpuConfig *c612 = config(p612, "all"), *c61 = config(p61, "all");
        uint64_t dfr0 = value_get(c612, REG_ID_ID_AA64DFR0_EL1);
        Finding f = {};

        /* DebugVer below Armv8 (6) is refused even though the field is lower-safe. */
        CHECK(!rules_kernel_accepts(p612, c612, REG_ID_ID_AA64DFR0_EL1, (dfr0 & ~UINT64_C(0xf)) | 5, &f));
        CHECK(f.field && strcmp(f.field, "DebugVer") == 0);
        CHECK(rules_kernel_accepts(p612, c612, REG_ID_ID_AA64DFR0_EL1, (dfr0 & ~UINT64_C(0xf)) | 6, NULL));
        /* A higher DebugVer than the limit is not. */
        if ((dfr0 & 0xf) < 0xf)
                CHECK(!rules_kernel_accepts(p612, c612, REG_ID_ID_AA64DFR0_EL1, dfr0 + 1, NULL));
        /* 6.1 has no masks: any other DFR0 is refused. */
        CHECK(!rules_kernel_accepts(p61, c61, REG_ID_ID_AA64DFR0_EL1, value_get(c61, REG_ID_ID_AA64DFR0_EL1) - 1, NULL));

        /* CLIDR: 6.1 wants its own; 6.12 takes another valid hierarchy, not RES0 bits. */
        uint64_t clidr61 = value_get(c61, REG_ID_CLIDR_EL1), clidr612 = value_get(c612, REG_ID_CLIDR_EL1);
        CHECK(clidr61 != clidr612);
        CHECK(!rules_kernel_accepts(p61, c61, REG_ID_CLIDR_EL1, clidr612, NULL));
        CHECK(rules_kernel_accepts(p612, c612, REG_ID_CLIDR_EL1, clidr61, NULL));
        CHECK(!rules_kernel_accepts(p612, c612, REG_ID_CLIDR_EL1, clidr61 | (UINT64_C(1) << 50), NULL));

        /* CCSIDR: 6.12 takes 6.1's real geometry; 6.1 refuses 6.12's made-up one. */
        CHECK(rules_kernel_accepts(p612, c612, REG_CCSIDR(0), value_get(c61, REG_CCSIDR(0)), NULL));
        CHECK(!rules_kernel_accepts(p61, c61, REG_CCSIDR(0), value_get(c612, REG_CCSIDR(0)), NULL));
        /* 6.12 refuses a line shorter than the host's minimum (CTR_EL0.DminLine). */
        CHECK(!rules_kernel_accepts(p612, c612, REG_CCSIDR(0), value_get(c61, REG_CCSIDR(0)) & ~UINT64_C(7), NULL));

        /* MIDR is invariant everywhere, whatever 7.2's mask claims. */
        _cleanup_(profile_freep) Profile *p72 = test_load_profile("7.2-cortex-a72.json");
        const VcpuConfig *c72 = config(p72, "all");
        CHECK(!rules_kernel_accepts(p72, c72, REG_ID_MIDR_EL1, value_get(c72, REG_ID_MIDR_EL1) ^ 0x10, NULL));
        CHECK(rules_kernel_accepts(p72, c72, REG_ID_MIDR_EL1, value_get(c72, REG_ID_MIDR_EL1), NULL));

        /* A register the destination does not list. */
        CHECK(!rules_kernel_accepts(p61, c61, SYSREG_ID(3, 0, 2, 0, 3) /* TCR2_EL1 */, 0, &f));
        CHECK_INT(f.kind, FINDING_NOT_ON_DEST);
}

/* A 64-bit-only destination CPU (a64fx-like: ID_AA64PFR0_EL1.EL0 = 1) ignores AArch32 ID values. */
static void test_aarch64_only_destination(void) {
        _cleanup_(profile_freep) Profile *src = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = test_load_profile("6.12-cortex-a72.json");
        VcpuConfig *d = config(dst, "all");
        static const uint64_t aarch32[] = { REG_ID_PFR0_EL1, REG_ID_ISAR0_EL1, REG_MVFR0_EL1 };

        value_set(d, REG_ID_ID_AA64PFR0_EL1, (value_get(d, REG_ID_ID_AA64PFR0_EL1) & ~UINT64_C(0xff)) | 0x11);
        for (size_t i = 0; i < ELEMENTSOF(aarch32); i++)
                value_set(d, aarch32[i], 0);
        _cleanup_(report_freep) Report *r = compare(src, "all", dst, "all");

        /* The source's own PFR0 (EL0 AArch32) is refused; the AArch32 registers are not kept. */
        CHECK_INT(r->verdict, VERDICT_INCOMPATIBLE);
        CHECK_STR(names_of(r, FINDING_VALUE_REFUSED), NAMES("ID_AA64PFR0_EL1"));
        CHECK_STR(names_of(r, FINDING_VALUE_NOT_KEPT),
                  NAMES("ID_PFR0_EL1", "ID_ISAR0_EL1", "MVFR0_EL1", "PMCNTENSET_EL0", "PMCNTENCLR_EL0", "PMINTENSET_EL1",
                        "PMINTENCLR_EL1", "PMCR_EL0" /* LC is RES1 without AArch32 */));
        const Finding *f = find(r, FINDING_VALUE_NOT_KEPT, REG_ID_PFR0_EL1);
        CHECK(f && f->dst_value == 0 && f->src_value == value_get(config(src, "all"), REG_ID_PFR0_EL1));
}

/* 7.2 fixed the PMU SET/CLR writes: nothing lost there. */
static void test_pmu_pairs_fixed(void) {
        _cleanup_(profile_freep) Profile *src = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = test_load_profile("7.2-cortex-a72.json");
        VcpuConfig *s = config(src, "all");

        /* A source carries the same value in both registers of a pair (one state). */
        value_set(s, REG_PMCNTENSET_EL0, 0x80000001);
        value_set(s, SYSREG_ID(3, 3, 9, 12, 2), 0x80000001);
        _cleanup_(report_freep) Report *r = compare(src, "all", dst, "all");
        CHECK_STR(names_of(r, FINDING_VALUE_NOT_KEPT), NONE);
        _cleanup_(report_freep) Report *same = compare(dst, "all", dst, "all");
        CHECK_INT(same->n_findings, 0);

        /* On 6.12 the written value is predicted exactly: SET then CLR leaves reset & ~v. */
        _cleanup_(profile_freep) Profile *d612 = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(report_freep) Report *r2 = compare(src, "all", d612, "all");
        const Finding *f = find(r2, FINDING_VALUE_NOT_KEPT, REG_PMCNTENSET_EL0);
        uint64_t reset = value_get(config(d612, "all"), REG_PMCNTENSET_EL0);
        CHECK(f && f->src_value == 0x80000001 && f->dst_value == (reset & ~UINT64_C(0x80000001)));
        CHECK(find(r2, FINDING_VALUE_NOT_KEPT, SYSREG_ID(3, 3, 9, 12, 2)) != NULL);
        /* PMOVSCLR is written before PMOVSSET: the overflow flags survive (reset | v). */
        CHECK(find(r2, FINDING_VALUE_NOT_KEPT, SYSREG_ID(3, 3, 9, 14, 3)) == NULL);
        CHECK(f && f->severity == SEVERITY_WARNING);
}

/* Event counters are 32 bits unless the vCPU's PMU is PMUv3p5: a lower PMUVer the source brings along counts. */
static void test_counter_width(void) {
        _cleanup_(profile_freep) Profile *src = test_load_profile("5.10-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = test_load_profile("6.12-max.json");
        _cleanup_(report_freep) Report *r = compare(src, "pmu", dst, "pmu");
        uint64_t v = value_get(config(src, "pmu"), SYSREG_ID(3, 3, 14, 8, 0));
        const Finding *f = find(r, FINDING_VALUE_NOT_KEPT, SYSREG_ID(3, 3, 14, 8, 0));

        CHECK(v >> 32 != 0);
        CHECK(f && f->dst_value == (v & UINT32_MAX));
        CHECK(find(r, FINDING_VALUE_NOT_KEPT, SYSREG_ID(3, 3, 9, 12, 4) /* PMSWINC_EL0 */) != NULL);
        /* With its own PMUv3p5 the 6.12 max vCPU keeps 64 bits. */
        CHECK_INT(ufield_get(value_get(config(dst, "pmu"), REG_ID_ID_AA64DFR0_EL1), 8), 6);
        _cleanup_(profile_freep) Profile *same = test_load_profile("6.12-max.json");
        value_set(config(same, "pmu"), SYSREG_ID(3, 3, 14, 8, 0), v);
        _cleanup_(report_freep) Report *r2 = compare(same, "pmu", dst, "pmu");
        CHECK(find(r2, FINDING_VALUE_NOT_KEPT, SYSREG_ID(3, 3, 14, 8, 0)) == NULL);
}

/* A guest record (profile_extract_config) carries no values of ordinary registers: judged on what it has. */
static void test_guest_record(void) {
        _cleanup_(profile_freep) Profile *p612 = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *p61 = test_load_profile("6.1-cortex-a72.json");
        _cleanup_(profile_freep) Profile *p72 = test_load_profile("7.2-cortex-a72.json");
        _cleanup_(profile_freep) Profile *rec612 = NULL, *rec61 = NULL;

        CHECK_INT(profile_extract_config(p612, "all", &rec612), 0);
        CHECK_INT(profile_extract_config(p61, "all", &rec61), 0);
        if (!rec612 || !rec61)
                return;

        /* 6.12 → 6.12: the set/clear bug loses whatever enables the guest had; nothing else. */
        _cleanup_(report_freep) Report *r = compare(rec612, "all", p612, "all");
        CHECK_INT(r->verdict, VERDICT_COMPATIBLE);
        CHECK_STR(names_of(r, FINDING_VALUE_NOT_KEPT),
                  NAMES("PMCNTENSET_EL0", "PMCNTENCLR_EL0", "PMINTENSET_EL1", "PMINTENCLR_EL1"));
        CHECK(!r->findings[0].has_src_value);

        /* 6.1 → 7.2: loads; the record carries PMCR_EL0 (with its IMP bits, which 7.2 drops). */
        _cleanup_(report_freep) Report *r2 = compare(rec61, "all", p72, "all");
        CHECK_INT(r2->verdict, VERDICT_COMPATIBLE);
        CHECK_STR(names_of(r2, FINDING_VALUE_NOT_KEPT), NAMES("PMCR_EL0"));
        CHECK_INT(count_severity(r2, SEVERITY_FATAL), 0);

        /* 6.12 → 6.1 fails on the record as on the profile: the same count and missing registers,
         * the same refused cache geometry (records carry the CCSIDR values) and CLIDR_EL1. */
        _cleanup_(report_freep) Report *r3 = compare(rec612, "all", p61, "all");
        _cleanup_(report_freep) Report *r4 = compare(p612, "all", p61, "all");
        CHECK_INT(r3->verdict, VERDICT_INCOMPATIBLE);
        CHECK_STR(names_of(r3, FINDING_COUNT), NAMES("-"));
        CHECK_STR(names_of(r3, FINDING_NOT_ON_DEST), names_of(r4, FINDING_NOT_ON_DEST));
        CHECK_STR(names_of(r3, FINDING_VALUE_REFUSED), names_of(r4, FINDING_VALUE_REFUSED));
        CHECK_STR(names_of(r3, FINDING_VALUE_REFUSED),
                  NAMES("CCSIDR_EL1[csselr=0x0]", "CCSIDR_EL1[csselr=0x1]", "CCSIDR_EL1[csselr=0x2]", "CLIDR_EL1"));
}

/* 6.1 (no masks) lets userspace lower ID_AA64PFR0_EL1.CSV2/CSV3 only; a higher one promises too much. */
static void test_csv_on_61(void) {
        _cleanup_(profile_freep) Profile *p = test_load_profile("6.1-cortex-a72.json");
        const VcpuConfig *c = config(p, "all");
        uint64_t pfr0 = value_get(c, REG_ID_ID_AA64PFR0_EL1);
        const uint64_t csv2 = UINT64_C(0xf) << 56, csv3 = UINT64_C(0xf) << 60;
        Finding f = {};

        CHECK_INT(pfr0 >> 60, 1);               /* recorded: CSV3 1 (unaffected), CSV2 0 */
        CHECK_INT((pfr0 >> 56) & 0xf, 0);
        CHECK(rules_kernel_accepts(p, c, REG_ID_ID_AA64PFR0_EL1, pfr0 & ~csv3, NULL));
        CHECK(!rules_kernel_accepts(p, c, REG_ID_ID_AA64PFR0_EL1, (pfr0 & ~csv2) | (UINT64_C(1) << 56), &f));
        CHECK(f.field && strcmp(f.field, "CSV2") == 0);
        CHECK(!rules_kernel_accepts(p, c, REG_ID_ID_AA64PFR0_EL1, (pfr0 & ~csv3) | (UINT64_C(2) << 60), NULL));
        /* Any other field: invariant. */
        CHECK(!rules_kernel_accepts(p, c, REG_ID_ID_AA64PFR0_EL1, pfr0 ^ 0x2, NULL));
}

/* Hosts recorded later (the replay's .profile.json files, real kernels too): VHE, a64fx. */
static void test_more_real_hosts(void) {
        _cleanup_(profile_freep) Profile *nvhe = test_load_profile("6.12-max.json");
        _cleanup_(profile_freep) Profile *vhe = test_load_profile("replay/6.12-max-vhe.profile.json");

        /* nVHE ↔ VHE, both ways: refused on ID_AA64MMFR1_EL1.VH alone. */
        for (int way = 0; way < 2; way++) {
                _cleanup_(report_freep) Report *r = way ? compare(vhe, "all", nvhe, "all") : compare(nvhe, "all", vhe, "all");
                const Finding *f = find(r, FINDING_VALUE_REFUSED, REG_ID_ID_AA64MMFR1_EL1);

                CHECK_INT(r->verdict, VERDICT_INCOMPATIBLE);
                CHECK_STR(names_of(r, FINDING_VALUE_REFUSED), NAMES("ID_AA64MMFR1_EL1"));
                CHECK_INT(count_severity(r, SEVERITY_FATAL), 1);
                CHECK(f && f->field && strcmp(f->field, "VH") == 0 && f->src_field == way && f->dst_field == !way);
                CHECK(f && strstr(f->remedy, "kvm-arm.mode") != NULL);
        }

        /* A 64-bit-only a64fx destination: the AArch32 ID registers are accepted and read as zero;
         * its 256-byte cache lines make 6.12 refuse a cortex-a72's shorter CCSIDR lines. */
        _cleanup_(profile_freep) Profile *a72 = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *a64fx = test_load_profile("replay/6.12-a64fx.profile.json");
        _cleanup_(report_freep) Report *r = compare(a72, "base", a64fx, "base");
        CHECK_INT(r->verdict, VERDICT_INCOMPATIBLE);
        CHECK_STR(names_of(r, FINDING_VALUE_NOT_KEPT),
                  NAMES("ID_PFR0_EL1", "ID_PFR1_EL1", "ID_DFR0_EL1", "ID_MMFR0_EL1", "ID_MMFR1_EL1", "ID_MMFR2_EL1",
                        "ID_MMFR3_EL1", "ID_ISAR0_EL1", "ID_ISAR1_EL1", "ID_ISAR2_EL1", "ID_ISAR3_EL1", "ID_ISAR4_EL1",
                        "ID_ISAR5_EL1", "MVFR0_EL1", "MVFR1_EL1", "MVFR2_EL1"));
        CHECK_STR(names_of(r, FINDING_VALUE_REFUSED),
                  NAMES("CCSIDR_EL1[csselr=0x0]", "CCSIDR_EL1[csselr=0x1]", "CCSIDR_EL1[csselr=0x2]",
                        "CCSIDR_EL1[csselr=0x3]", "CCSIDR_EL1[csselr=0x4]", "CCSIDR_EL1[csselr=0x5]",
                        "CCSIDR_EL1[csselr=0x6]", "CCSIDR_EL1[csselr=0x7]", "CCSIDR_EL1[csselr=0x8]",
                        "CCSIDR_EL1[csselr=0x9]", "CCSIDR_EL1[csselr=0xa]", "CCSIDR_EL1[csselr=0xb]",
                        "CCSIDR_EL1[csselr=0xc]", "CCSIDR_EL1[csselr=0xd]", "MIDR_EL1", "ID_AA64PFR0_EL1",
                        "ID_AA64MMFR0_EL1", "ID_AA64MMFR1_EL1", "CTR_EL0"));
        const Finding *pfr0 = find(r, FINDING_VALUE_REFUSED, REG_ID_ID_AA64PFR0_EL1);
        CHECK(pfr0 && pfr0->field && strcmp(pfr0->field, "EL0") == 0 && pfr0->src_field == 2 && pfr0->dst_field == 1);
}

/* 7.2 hides ID_AA64MMFR2_EL1.NV and drops a written NV only when it is the host CPU's own (host.nv,
 * probed): neoverse-n2 (NV 2) drops a 6.12 neoverse-n2 guest's NV=2, cortex-a710 (no NV) refuses it. */
static void test_host_nv(void) {
        _cleanup_(profile_freep) Profile *n2 = test_load_profile("replay/7.2-neoverse-n2-vhe.profile.json");
        _cleanup_(profile_freep) Profile *a710 = test_load_profile("replay/7.2-cortex-a710-vhe.profile.json");
        _cleanup_(profile_freep) Profile *src = test_load_profile("replay/6.12-neoverse-n2-vhe.profile.json");
        const VcpuConfig *cn2 = config(n2, "base"), *ca710 = config(a710, "base");
        uint64_t written = value_get(config(src, "base"), REG_ID_ID_AA64MMFR2_EL1);
        uint64_t shown = value_get(cn2, REG_ID_ID_AA64MMFR2_EL1);
        Finding f = {};

        CHECK(n2->has_host_nv && n2->host_nv == 2 && a710->has_host_nv && a710->host_nv == 0);
        CHECK_INT((int) ((written >> 24) & 0xf), 2);
        CHECK_INT((int) ((shown >> 24) & 0xf), 0);
        /* The source's MMFR2 differs from n2's in NV alone: accepted there, the field dropped. */
        CHECK((written & ~(UINT64_C(0xf) << 24)) == shown);
        CHECK(rules_kernel_accepts(n2, cn2, REG_ID_ID_AA64MMFR2_EL1, written, NULL));
        _cleanup_(report_freep) Report *r = compare(src, "base", n2, "base");
        CHECK(find(r, FINDING_VALUE_NOT_KEPT, REG_ID_ID_AA64MMFR2_EL1) != NULL);
        CHECK(!find(r, FINDING_VALUE_REFUSED, REG_ID_ID_AA64MMFR2_EL1));
        /* The whole comparison with cortex-a710 (refused on MIDR_EL1 too) names NV. */
        _cleanup_(report_freep) Report *ra = compare(src, "base", a710, "base");
        const Finding *nv = find(ra, FINDING_VALUE_REFUSED, REG_ID_ID_AA64MMFR2_EL1);
        CHECK(nv && nv->field && strcmp(nv->field, "NV") == 0);
        /* On cortex-a710 the same NV is refused, and the field named. */
        uint64_t on_a710 = (value_get(ca710, REG_ID_ID_AA64MMFR2_EL1) & ~(UINT64_C(0xf) << 24)) | (UINT64_C(2) << 24);
        f = (Finding) {};
        CHECK(!rules_kernel_accepts(a710, ca710, REG_ID_ID_AA64MMFR2_EL1, on_a710, &f));
        CHECK(f.field && strcmp(f.field, "NV") == 0);
        /* Without host.nv (a profile recorded before it) the host is taken to have the source's NV. */
        a710->has_host_nv = false;
        CHECK(rules_kernel_accepts(a710, ca710, REG_ID_ID_AA64MMFR2_EL1, on_a710, NULL));
        /* n2's NV is 2, so a written 1 is refused there. */
        CHECK(!rules_kernel_accepts(n2, cn2, REG_ID_ID_AA64MMFR2_EL1, (shown | (UINT64_C(1) << 24)), NULL));
}

/* A register only the destination has is written back with its reset value; once the source's
 * lower ID value hid it, KVM says ENOENT (real migrations 6.12 -> 7.2 on QEMU 11's max, both QEMUs:
 * "Could not set register ... unknown to KVM"). */
static void test_hidden_dest_only(void) {
        _cleanup_(profile_freep) Profile *p612 = test_load_profile("replay/6.12-max-qemu11-vhe.profile.json");
        _cleanup_(profile_freep) Profile *p72 = test_load_profile("replay/7.2-max-qemu11-vhe.profile.json");
        _cleanup_(profile_freep) Profile *p61 = test_load_profile("replay/6.1-max-qemu11-vhe.profile.json");
        const uint64_t sctlr2 = SYSREG_ID(3, 0, 1, 0, 3), fpmr = SYSREG_ID(3, 3, 4, 4, 2);
        _cleanup_(report_freep) Report *r = compare(p612, "all", p72, "all");
        _cleanup_(report_freep) Report *r61 = compare(p61, "all", p72, "all");

        CHECK_INT(r->verdict, VERDICT_INCOMPATIBLE);
        CHECK_STR(names_of(r, FINDING_VALUE_REFUSED), NAMES("SCTLR2_EL1"));
        CHECK(find(r, FINDING_DEST_ONLY, sctlr2) != NULL);
        /* 6.1 shows neither MMFR3 nor PFR2 features: all five are hidden. */
        CHECK_INT(r61->verdict, VERDICT_INCOMPATIBLE);
        CHECK_STR(names_of(r61, FINDING_VALUE_REFUSED),
                  NAMES("SCTLR2_EL1", "TCR2_EL1", "PIRE0_EL1", "PIR_EL1", "FPMR"));
        CHECK(find(r61, FINDING_DEST_ONLY, fpmr) != NULL);
        /* The same host both ends: nothing hidden. */
        _cleanup_(report_freep) Report *same = compare(p72, "all", p72, "all");
        CHECK(!find(same, FINDING_VALUE_REFUSED, sctlr2));
}

/* The kernels between 6.12 and 7.2 (trixie-backports 6.16, 6.18, 7.0, booted and replayed): the
 * 6.13 and 6.15 cut-offs lie at or below 6.16, the recorded 6.12 still behaves the old way. */
static void test_kernels_between(void) {
        _cleanup_(profile_freep) Profile *src = test_load_profile("replay/6.12-neoverse-n2-vhe.profile.json");
        _cleanup_(profile_freep) Profile *n2 = test_load_profile("replay/6.16-neoverse-n2-vhe.profile.json");
        _cleanup_(profile_freep) Profile *a710 = test_load_profile("replay/6.16-cortex-a710-vhe.profile.json");
        _cleanup_(profile_freep) Profile *a72 = test_load_profile("replay/6.16-cortex-a72.profile.json");
        _cleanup_(profile_freep) Profile *a72_70 = test_load_profile("replay/7.0-cortex-a72.profile.json");

        CHECK_INT((int) profile_kernel_version(n2), 6016);
        CHECK_INT((int) profile_kernel_version(a72_70), 7000);
        /* 6.13+: TCR2_EL1/PIRE0_EL1/PIR_EL1 follow the VM's MMFR3 (neoverse-n2 has neither TCRX nor
         * S1PIE), so 6.16 does not list them; NV is hidden and the host's own NV 2 dropped. */
        CHECK(n2->has_host_nv && n2->host_nv == 2 && a710->has_host_nv && a710->host_nv == 0);
        _cleanup_(report_freep) Report *r = compare(src, "base", n2, "base");
        CHECK_STR(names_of(r, FINDING_NOT_ON_DEST), NAMES("TCR2_EL1", "PIRE0_EL1", "PIR_EL1"));
        CHECK_STR(names_of(r, FINDING_VALUE_NOT_KEPT), NAMES("ID_AA64MMFR2_EL1"));
        CHECK_STR(names_of(r, FINDING_VALUE_REFUSED), NONE);
        /* 6.16's firmware bitmap 2 is new to the 6.12 guest: destination-only. */
        CHECK_STR(names_of(r, FINDING_DEST_ONLY), NAMES("KVM_REG_ARM_VENDOR_HYP_BMAP_2"));
        /* On cortex-a710 (no NV) the same NV 2 is refused, naming the field. */
        _cleanup_(report_freep) Report *ra = compare(src, "base", a710, "base");
        const Finding *nv = find(ra, FINDING_VALUE_REFUSED, REG_ID_ID_AA64MMFR2_EL1);
        CHECK(nv && nv->field && strcmp(nv->field, "NV") == 0);

        /* 6.15+: the PMU set/clear pairs are stored, not applied: 6.12 -> 6.16 keeps the enables,
         * while 6.12 -> 6.12 loses them. */
        _cleanup_(profile_freep) Profile *s612 = test_load_profile("6.12-cortex-a72.json");
        VcpuConfig *s = config(s612, "all");
        value_set(s, REG_PMCNTENSET_EL0, 0x80000001);
        value_set(s, SYSREG_ID(3, 3, 9, 12, 2), 0x80000001);
        _cleanup_(report_freep) Report *rp = compare(s612, "all", a72, "all");
        CHECK(find(rp, FINDING_VALUE_NOT_KEPT, REG_PMCNTENSET_EL0) == NULL);
        CHECK(find(rp, FINDING_VALUE_NOT_KEPT, SYSREG_ID(3, 3, 9, 12, 2)) == NULL);
        _cleanup_(profile_freep) Profile *d612 = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(report_freep) Report *rq = compare(s612, "all", d612, "all");
        CHECK(find(rq, FINDING_VALUE_NOT_KEPT, REG_PMCNTENSET_EL0) != NULL);
}

/* What QEMU cannot run at all, and arguments that are wrong. */
static void test_unrunnable(void) {
        _cleanup_(profile_freep) Profile *src = test_load_profile("6.1-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = test_load_profile("6.1-cortex-a72.json");
        /* A 128-bit sysreg id (size field 4): QEMU's cpreg list takes U32/U64 only. */
        const uint64_t u128 = (SYSREG_ID(3, 0, 2, 0, 7) & ~REG_SIZE_MASK) | (UINT64_C(4) << REG_SIZE_SHIFT);

        reg_add(config(src, "all"), u128, 0);
        _cleanup_(report_freep) Report *r = compare(src, "all", dst, "all");
        CHECK_INT(r->verdict, VERDICT_INCOMPATIBLE);
        const Finding *bad = find(r, FINDING_BAD_REGISTER, u128);
        CHECK(bad && bad->severity == SEVERITY_FATAL);
        CHECK_INT(r->n_findings > 0 && r->findings[0].severity == SEVERITY_FATAL, 1);

        /* The source cannot run the configuration itself (5.10 has no SVE). */
        _cleanup_(profile_freep) Profile *old = test_load_profile("5.10-cortex-a72.json");
        CHECK(config(old, "sve")->skipped != NULL);
        _cleanup_(report_freep) Report *r2 = compare(old, "sve", dst, NULL);
        CHECK_INT(r2->verdict, VERDICT_INCOMPATIBLE);
        CHECK_STR(names_of(r2, FINDING_CONFIG_UNSUPPORTED), NAMES("-"));
        CHECK_INT(r2->n_findings, 1);

        Report *none = NULL;
        CHECK_INT(profile_compare(NULL, "all", dst, NULL, &none), -EINVAL);
        CHECK_INT(profile_compare(src, NULL, dst, NULL, &none), -EINVAL);
        CHECK_INT(vcpu_config_compare(src, NULL, dst, config(dst, "all"), &none), -EINVAL);
        CHECK(none == NULL);
}

/* The report forms: JSON parses back with the same content; the summary names every fatal register. */
static void test_report_forms(void) {
        _cleanup_(profile_freep) Profile *src = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = test_load_profile("6.1-cortex-a72.json");
        _cleanup_(report_freep) Report *r = compare(src, "all", dst, "all");
        _cleanup_free_ char *json = report_to_json(r, true);
        _cleanup_free_ char *summary = report_summary(r);
        json_object *o, *v, *findings;

        CHECK(json != NULL);
        o = json ? json_tokener_parse(json) : NULL;
        CHECK(o != NULL);
        if (o) {
                CHECK(json_object_object_get_ex(o, "verdict", &v) && strcmp(json_object_get_string(v), "incompatible") == 0);
                CHECK(json_object_object_get_ex(o, "findings", &findings) &&
                      json_object_array_length(findings) == r->n_findings);
                CHECK(json_object_object_get_ex(o, "src_count", &v) && json_object_get_int64(v) == 258);
                json_object *first = json_object_array_get_idx(findings, 0), *kind;
                CHECK(json_object_object_get_ex(first, "kind", &kind) && strcmp(json_object_get_string(kind), "count") == 0);
                json_object *second = json_object_array_get_idx(findings, 1), *reg;
                CHECK(json_object_object_get_ex(second, "register", &reg) &&
                      strcmp(json_object_get_string(reg), "CCSIDR_EL1[csselr=0x0]") == 0);
                CHECK(json_object_object_get_ex(second, "id", &reg) &&
                      strcmp(json_object_get_string(reg), "0x6020000000110000") == 0);
                json_object_put(o);
        }

        CHECK(summary != NULL);
        CHECK(summary && strstr(summary, "cpreg_vmstate_array_len") != NULL);
        /* the layout the hook prints: first line, one line a fatal finding, then the remedies once */
        {
                static const char first[] = "kvmregs: migration of vCPU configuration 'all' would fail on the "
                                            "destination (22 fatal problems):\n  - the source sends 258 cpreg entries";
                CHECK(summary && strncmp(summary, first, strlen(first)) == 0);
        }
        /* grouped by cause: one line a group, every register named (the CCSIDR entries by their CSSELR) */
        CHECK_STR(summary,
                  "kvmregs: migration of vCPU configuration 'all' would fail on the destination (22 fatal problems):\n"
                  "  - the source sends 258 cpreg entries, the destination has 241: QEMU fails with 'Failed to load "
                  "cpu:cpreg_vmstate_array_len'\n"
                  "  - CCSIDR_EL1 (CSSELR 0-2: 3 registers): the destination kernel takes only its own value: "
                  "KVM_SET_ONE_REG refused [field Associativity, rule equal]\n"
                  "  - CCSIDR_EL1 (CSSELR 3-13: 11 registers), TCR2_EL1, PIRE0_EL1, PIR_EL1, CNTPCT_EL0, CNTP_CTL_EL0, "
                  "CNTP_CVAL_EL0: the destination kernel does not list these registers: QEMU's cpu_post_load fails\n"
                  "  - CLIDR_EL1 (0x603000000013c801): the destination kernel takes only its own value (source 0x9200003, "
                  "destination 0xa200023; Ctype2 0 (destination 4)): KVM_SET_ONE_REG refused [field Ctype2, rule equal]\n"
                  "What to do:\n"
                  "  - migrate to a host with the same kernel series (or a newer one) and the same vCPU features\n"
                  "  - the cache description differs: migrate between hosts of the same CPU model and kernel series "
                  "(kernels from 6.3 accept other cache geometries)\n"
                  "  - upgrade the destination kernel to at least 6.12 so that the register exists, or migrate to a host "
                  "with the same kernel series");
        CHECK(summary && strstr(summary, "remedy:") == NULL);
        CHECK(summary && !strchr(summary, '\033'));
        for (size_t i = 0; summary && i < r->n_findings; i++) {
                const char *first = strstr(summary, r->findings[i].remedy);
                if (r->findings[i].severity == SEVERITY_FATAL)
                        CHECK(first && !strstr(first + 1, r->findings[i].remedy));   /* once */
        }
        CHECK(summary && !strstr(summary, "more"));

        FILE *f = fopen("/dev/null", "we");
        CHECK(f && report_print(r, f, true) == 0);
        if (f)
                fclose(f);

        /* one finding: "problem", no "s" */
        _cleanup_(profile_freep) Profile *old = test_load_profile("6.1-max.json");
        _cleanup_(profile_freep) Profile *max = test_load_profile("6.12-max.json");
        _cleanup_(report_freep) Report *one = compare(old, "pmu", max, "all");
        _cleanup_free_ char *one_summary = report_summary(one);
        CHECK_STR(one_summary,
                  "kvmregs: migration of vCPU configuration 'pmu' would fail on the destination (1 fatal problem):\n"
                  "  - ID_AA64MMFR1_EL1 (0x603000000013c039): the destination refuses HCX 0 (destination 1): not "
                  "writable there (source 0x1010211022, destination 0x11010211022) [field HCX, rule equal]\n"
                  "What to do:\n"
                  "  - the destination kernel cannot change this field: migrate between hosts of the same CPU model, "
                  "or upgrade the destination kernel to one that makes the field writable");

        CHECK_STR(verdict_name(VERDICT_ADJUSTED), "compatible-after-adjustment");
        CHECK_STR(severity_name(SEVERITY_FATAL), "fatal");
        CHECK_STR(finding_kind_name(FINDING_DROPPED), "dropped");
        CHECK(report_free(NULL) == NULL);
}

static bool starts_with(const char *s, const char *prefix) {
        return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A message of letters only (numbers would be set aside by the grouping): "m" and i in base 26. */
static char *letters(size_t i, char *buf, size_t size) {
        size_t k = 0;

        buf[k++] = 'm';
        do {
                buf[k++] = (char) ('a' + i % 26);
                i /= 26;
        } while (i && k + 1 < size);
        buf[k] = 0;
        return buf;
}

/* The summary's cap: past REPORT_SUMMARY_MAX bytes the fatal findings are counted; a finding
 * without message says its values or its kind; a message naming its register is not prefixed;
 * a group's register list is cut at the cap too, and says how many it leaves out. */
static void test_summary_layout(void) {
        enum { N = 2000, M = 6000 };
        Finding *f = calloc(N, sizeof(Finding));
        char (*messages)[16] = calloc(N, sizeof(*messages));
        char long_message[100];
        Report r = { .verdict = VERDICT_INCOMPATIBLE, .config = (char *) "all", .findings = f, .n_findings = N };
        _cleanup_free_ char *s = NULL, *s2 = NULL;

        memset(long_message, 'x', sizeof(long_message) - 1);
        long_message[sizeof(long_message) - 1] = 0;
        for (size_t i = 0; i < N; i++) {
                /* each its own cause (its own message), so that each is a line */
                letters(i, messages[i], sizeof(messages[i]));
                f[i] = (Finding) { .kind = FINDING_NOT_ON_DEST, .severity = SEVERITY_FATAL,
                                   .reg = REG_ID_ID_AA64DFR0_EL1, .message = messages[i], .remedy = (char *) "r" };
        }
        f[0] = (Finding) { .kind = FINDING_COUNT, .severity = SEVERITY_FATAL };
        f[1] = (Finding) { .kind = FINDING_VALUE_REFUSED, .severity = SEVERITY_FATAL, .reg = REG_ID_ID_AA64PFR0_EL1,
                           .has_src_value = true, .src_value = 1, .remedy = (char *) "" };
        f[2] = (Finding) { .kind = FINDING_VALUE_REFUSED, .severity = SEVERITY_FATAL, .reg = REG_ID_ID_AA64PFR0_EL1,
                           .message = (char *) "ID_AA64PFR0_EL1 0x603000000013c020 named", .remedy = (char *) "r" };
        f[3].severity = SEVERITY_WARNING;
        for (size_t i = 4; i < N; i++)   /* long lines: the cap is reached */
                f[i].message = strcat(strcpy(calloc(1, 128), long_message), messages[i]);
        s = report_summary(&r);
        CHECK(s != NULL);
        CHECK(s && strstr(s, "(1999 fatal problems):\n  - count\n  - ID_AA64PFR0_EL1 (0x603000000013c020): source "
                             "0x0000000000000001, destination -\n  - ID_AA64PFR0_EL1 0x603000000013c020 named\n  - ") != NULL);
        CHECK(s && strlen(s) < REPORT_SUMMARY_MAX + 200);
        CHECK(s && strlen(s) > REPORT_SUMMARY_MAX);
        CHECK(s && strstr(s, " more\nWhat to do:\n  - r") != NULL);
        CHECK(s && strlen(strstr(s, "What to do:")) == strlen("What to do:\n  - r"));
        for (size_t i = 4; i < N; i++)
                free(f[i].message);
        free(messages);
        free(f);

        /* one cause, M registers: one line, cut at the cap, the rest counted */
        f = calloc(M, sizeof(Finding));
        r = (Report) { .verdict = VERDICT_INCOMPATIBLE, .config = (char *) "all", .findings = f, .n_findings = M };
        for (size_t i = 0; i < M; i++)
                f[i] = (Finding) { .kind = FINDING_NOT_ON_DEST, .severity = SEVERITY_FATAL,
                                   .reg = SYSREG_ID(3, 1 + i / 2048, i / 128 % 16, i / 8 % 16, i % 8),
                                   .message = (char *) "the destination kernel does not list this register",
                                   .remedy = (char *) "r" };
        s2 = report_summary(&r);
        CHECK(s2 && strlen(s2) < REPORT_SUMMARY_MAX + 200);
        CHECK(s2 && strstr(s2, "(6000 fatal problems):\n  - CCSIDR_EL1, CLIDR_EL1, CCSIDR2_EL1, S3_1_C0_C0_3, ") != NULL);
        CHECK(s2 && strstr(s2, " more registers: the destination kernel does not list these registers\nWhat to do:\n  - r") != NULL);
        CHECK(s2 && !strstr(s2, "\n  - and "));
        free(f);
}

/* The findings' registers of one group, by name, in the group's order. */
static const char *group_names(const Report *r, const ReportGroup *g) {
        static char buf[4096];
        size_t len = 0;

        buf[0] = 0;
        for (size_t i = 0; i < g->n_members; i++) {
                char name[REG_NAME_MAX] = "-";

                if (r->findings[g->members[i]].reg)
                        reg_id_name(r->findings[g->members[i]].reg, name, sizeof(name));
                len += (size_t) snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? " " : "", name);
        }
        return buf;
}

static const char *group_list(const ReportGroups *gs, size_t i, bool all_names) {
        static char buf[4096];
        _cleanup_free_ char *s = report_group_registers(gs, &gs->groups[i], all_names, 0);

        snprintf(buf, sizeof(buf), "%s", s ? s : "(null)");
        return buf;
}

/* 6.12 -> 6.1, cortex-a72, base: 22 fatal findings, 4 causes, every register in exactly one. */
static void test_grouping(void) {
        _cleanup_(profile_freep) Profile *src = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = test_load_profile("6.1-cortex-a72.json");
        _cleanup_(report_freep) Report *r = compare(src, "base", dst, "base");
        _cleanup_(report_groups_freep) ReportGroups *gs = NULL;
        size_t seen[64] = {};

        CHECK_INT(r->n_findings, 22);
        CHECK_INT(report_groups_new(r, &gs), 0);
        if (!gs)
                return;
        CHECK_INT(gs->n_groups, 4);
        if (gs->n_groups != 4)
                return;
        for (size_t i = 0; i < gs->n_groups; i++)
                for (size_t k = 0; k < gs->groups[i].n_members; k++)
                        if (gs->groups[i].members[k] < ELEMENTSOF(seen))
                                seen[gs->groups[i].members[k]]++;
        for (size_t i = 0; i < r->n_findings; i++)
                CHECK_INT(seen[i], 1);

        /* fatal first, then by the first register id: the count (no register) first */
        CHECK_INT(gs->groups[0].kind, FINDING_COUNT);
        CHECK_INT(gs->groups[0].n_members, 1);
        CHECK_INT(gs->groups[0].n_registers, 0);
        CHECK_STR(group_list(gs, 0, false), "");

        /* the three cache levels 6.1 lists, refused for one reason, one field */
        CHECK_INT(gs->groups[1].kind, FINDING_VALUE_REFUSED);
        CHECK_INT(gs->groups[1].severity, SEVERITY_FATAL);
        CHECK_STR(group_names(r, &gs->groups[1]), "CCSIDR_EL1[csselr=0x0] CCSIDR_EL1[csselr=0x1] CCSIDR_EL1[csselr=0x2]");
        CHECK_INT(gs->groups[1].n_registers, 3);
        CHECK_STR(group_list(gs, 1, false), "CCSIDR_EL1 (CSSELR 0-2: 3 registers)");
        CHECK_STR(group_list(gs, 1, true), "CCSIDR_EL1[csselr=0x0], CCSIDR_EL1[csselr=0x1], CCSIDR_EL1[csselr=0x2]");
        CHECK_STR(gs->groups[1].message, "the destination kernel takes only its own value: KVM_SET_ONE_REG refused");
        CHECK_STR(gs->groups[1].field, "Associativity");
        CHECK_INT(gs->groups[1].rule, FIELD_RULE_NONE);
        CHECK_STR(gs->groups[1].remedy, r->findings[1].remedy);

        /* the 17 registers 6.1 does not list: one cause, one remedy */
        CHECK_INT(gs->groups[2].kind, FINDING_NOT_ON_DEST);
        CHECK_INT(gs->groups[2].n_members, 17);
        CHECK_INT(gs->groups[2].n_registers, 17);
        CHECK_STR(group_names(r, &gs->groups[2]),
                  "CCSIDR_EL1[csselr=0x3] CCSIDR_EL1[csselr=0x4] CCSIDR_EL1[csselr=0x5] CCSIDR_EL1[csselr=0x6] "
                  "CCSIDR_EL1[csselr=0x7] CCSIDR_EL1[csselr=0x8] CCSIDR_EL1[csselr=0x9] CCSIDR_EL1[csselr=0xa] "
                  "CCSIDR_EL1[csselr=0xb] CCSIDR_EL1[csselr=0xc] CCSIDR_EL1[csselr=0xd] TCR2_EL1 PIRE0_EL1 PIR_EL1 "
                  "CNTPCT_EL0 CNTP_CTL_EL0 CNTP_CVAL_EL0");
        CHECK_STR(group_list(gs, 2, false), "CCSIDR_EL1 (CSSELR 3-13: 11 registers), TCR2_EL1, PIRE0_EL1, PIR_EL1, "
                                            "CNTPCT_EL0, CNTP_CTL_EL0, CNTP_CVAL_EL0");
        CHECK_STR(gs->groups[2].message, "the destination kernel does not list these registers: QEMU's cpu_post_load fails");
        CHECK(gs->groups[2].field == NULL);
        CHECK_STR(gs->groups[2].remedy, "upgrade the destination kernel to at least 6.12 so that the register exists, or "
                                        "migrate to a host with the same kernel series");

        /* CLIDR: a cause of its own (another register, another field); its own message, values and all */
        CHECK_INT(gs->groups[3].kind, FINDING_VALUE_REFUSED);
        CHECK_STR(group_names(r, &gs->groups[3]), "CLIDR_EL1");
        CHECK_STR(group_list(gs, 3, false), "CLIDR_EL1");
        CHECK(strstr(gs->groups[3].message, "(source 0x9200003, destination 0xa200023; Ctype2 0 (destination 4))") != NULL);

        /* The feature ID registers a 6.1 destination takes only as its own: one cause across fields. */
        _cleanup_(profile_freep) Profile *a57 = test_load_profile("6.1-cortex-a57.json");
        _cleanup_(profile_freep) Profile *n1 = test_load_profile("6.1-neoverse-n1.json");
        _cleanup_(report_freep) Report *ids = compare(a57, "pmu", n1, "pmu");
        _cleanup_(report_groups_freep) ReportGroups *ig = NULL;
        bool found = false;

        CHECK_INT(report_groups_new(ids, &ig), 0);
        for (size_t i = 0; ig && i < ig->n_groups; i++) {
                const char *list = group_list(ig, i, false);

                if (ig->groups[i].kind != FINDING_VALUE_REFUSED || ig->groups[i].n_registers < 10)
                        continue;
                CHECK(!found);
                found = true;
                CHECK_INT(ig->groups[i].n_registers, 19);
                CHECK(ig->groups[i].field == NULL);
                CHECK_STR(ig->groups[i].message, "the destination kernel takes only its own value: KVM_SET_ONE_REG refused");
                CHECK(strncmp(list, "ID_PFR0_EL1 (CSV2), ID_PFR1_EL1 (ProgMod), ", 43) == 0);
        }
        CHECK(found);
}

static char *printed(const Report *r, bool verbose, bool colour) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        CHECK(f != NULL);
        if (!f)
                return NULL;
        CHECK_INT(report_print_with(r, f, &(ReportPrintOptions) { .verbose = verbose, .colour = colour }), 0);
        fclose(f);
        return buf;
}

/* The human report: the verdict and a paragraph first, then one block per cause, then the rest. */
static void test_print_layout(void) {
        _cleanup_(profile_freep) Profile *src = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = test_load_profile("6.1-cortex-a72.json");
        _cleanup_(report_freep) Report *r = compare(src, "base", dst, "base");
        _cleanup_free_ char *plain = printed(r, false, false), *verbose = printed(r, true, false);
        _cleanup_free_ char *legacy = NULL;
        size_t size = 0;

        CHECK(starts_with(plain,
                "verdict:      incompatible\n"
                "\n"
                "The migration would fail on 21 registers and the cpreg count (22 fatal findings, 4\n"
                "causes). Causes: the destination kernel does not list 17 registers the source sends; the\n"
                "destination kernel refuses the values of CCSIDR_EL1 (CSSELR 0-2: 3 registers); the\n"
                "source sends more cpreg entries than the destination has (184 against 167); the\n"
                "destination kernel refuses the value of CLIDR_EL1 (field Ctype2). First: upgrade the\n"
                "destination kernel to at least 6.12 so that the register exists, or migrate to a host\n"
                "with the same kernel series.\n"
                "\n"
                "config:       base -> base\n"
                "cpregs:       source 184, destination 167\n"
                "findings:     22 fatal, 0 adjust, 0 warning, 0 info\n"
                "\n"
                "fatal     count               -\n"));
        CHECK(plain && strstr(plain,
                "\n\nfatal     not-on-destination  17 registers: CCSIDR_EL1 (CSSELR 3-13: 11 registers), TCR2_EL1,\n"
                "          PIRE0_EL1, PIR_EL1, CNTPCT_EL0, CNTP_CTL_EL0, CNTP_CVAL_EL0\n"
                "          the destination kernel does not list these registers: QEMU's cpu_post_load fails\n"
                "          remedy: upgrade the destination kernel to at least 6.12 so that the register exists, or "
                "migrate to a host with the same kernel series\n\n"));
        CHECK(plain && strstr(plain,
                "\n\nfatal     value-refused       CCSIDR_EL1 (CSSELR 0-2: 3 registers)\n"
                "          the destination kernel takes only its own value: KVM_SET_ONE_REG refused "
                "[field Associativity, rule equal]\n"));
        CHECK(plain && strstr(plain,
                "\n\nfatal     value-refused       CLIDR_EL1\n"
                "          id 0x603000000013c801: the destination kernel takes only its own value (source 0x9200003, "
                "destination 0xa200023; Ctype2 0 (destination 4)): KVM_SET_ONE_REG refused\n"));
        /* one block a cause: each remedy printed once */
        {
                size_t n = 0;
                for (const char *p = plain; p && (p = strstr(p, "remedy: ")); p++)
                        n++;
                CHECK_INT(n, 4);
        }
        CHECK(plain && !strchr(plain, '\033'));
        CHECK(plain && !strstr(plain, "every finding:"));

        /* --verbose: the groups with every register's name, then every finding as before */
        CHECK(verbose && strstr(verbose, "          that is: CCSIDR_EL1[csselr=0x0], CCSIDR_EL1[csselr=0x1], "
                                         "CCSIDR_EL1[csselr=0x2]\n"));
        CHECK(verbose && strstr(verbose, "\nevery finding:\nSEVERITY  KIND ") != NULL);
        CHECK(verbose && strstr(verbose, "\nfatal     not-on-destination  TCR2_EL1  ") != NULL);
        for (size_t i = 0; verbose && i < r->n_findings; i++) {
                char name[REG_NAME_MAX], line[128];

                if (!r->findings[i].reg)
                        continue;
                snprintf(line, sizeof(line), "  %-18s  %-32s", finding_kind_name(r->findings[i].kind),
                         reg_id_name(r->findings[i].reg, name, sizeof(name)));
                CHECK(strstr(strstr(verbose, "\nevery finding:"), line) != NULL);
        }
        /* report_print() is report_print_with() without colour */
        {
                FILE *f = open_memstream(&legacy, &size);
                CHECK(f && report_print(r, f, true) == 0);
                if (f)
                        fclose(f);
                CHECK(legacy && verbose && strcmp(legacy, verbose) == 0);
        }

        /* compatible with warnings; adjusted: the paragraph says so, adjustments come after the groups */
        _cleanup_(profile_freep) Profile *a72 = test_load_profile("6.1-cortex-a72.json");
        _cleanup_(profile_freep) Profile *max = test_load_profile("6.12-max.json");
        _cleanup_(report_freep) Report *same = compare(src, "pmu", src, "pmu");
        _cleanup_free_ char *same_text = printed(same, false, false);
        CHECK(starts_with(same_text, "verdict:      compatible\n\nThe migration loads: the destination takes every "
                                     "register the source sends. The guest's\nstate changes on 4 registers (4 warnings): "
                                     "4 registers load but do not keep the guest's\nvalues.\n"));
        CHECK(same_text && strstr(same_text, "\n\nwarning   value-not-kept      4 registers: PMINTENSET_EL1, PMINTENCLR_EL1, "
                                             "PMCNTENSET_EL0,\n          PMCNTENCLR_EL0\n"));
        _cleanup_(report_freep) Report *adj = NULL;
        CHECK_INT(profile_compare(max, "pmu", max, "all", &adj), 0);
        _cleanup_free_ char *adj_text = adj ? printed(adj, false, false) : NULL;
        CHECK(adj && adj->verdict == VERDICT_ADJUSTED);
        CHECK(adj_text && strstr(adj_text, "\n\nThe migration loads once the destination's QEMU builds the guest's own "
                                           "vCPU features:\n-cpu host,sve=off,pauth=off (the kvmregs hook applies them).") != NULL);
        CHECK(adj_text && strstr(adj_text, "\nadjustments:  sve=off,pauth=off\n") > strstr(adj_text, "\nadjust    features-differ"));
        (void) a72;
}

/* Colour: only when the caller asks (a terminal), never in the summary. */
static void test_colour(void) {
        _cleanup_(profile_freep) Profile *src = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *dst = test_load_profile("6.1-cortex-a72.json");
        _cleanup_(report_freep) Report *r = compare(src, "base", dst, "base");
        _cleanup_(report_freep) Report *ok = compare(dst, "base", dst, "base");
        _cleanup_free_ char *on = printed(r, false, true), *off = printed(r, false, false);
        _cleanup_free_ char *ok_on = printed(ok, true, true), *summary = report_summary(r);

        CHECK(starts_with(on, "verdict:      \033[1;31mincompatible\033[0m\n\n"));
        CHECK(on && strstr(on, "\n\033[1;31mfatal\033[0m     not-on-destination  17 registers: ") != NULL);
        CHECK(starts_with(ok_on, "verdict:      \033[1;32mcompatible\033[0m\n"));
        CHECK(off && !strchr(off, '\033'));
        CHECK(summary && !strchr(summary, '\033'));
        /* the same text once the escapes are taken out */
        if (on && off) {
                char *plain = strdup(on), *w = plain;
                for (const char *p = on; *p;) {
                        if (*p == '\033') {
                                p = strchr(p, 'm') + 1;
                                continue;
                        }
                        *w++ = *p++;
                }
                *w = 0;
                CHECK_STR(plain, off);
                free(plain);
        }

        /* report_colour_wanted: a file or pipe never; a terminal unless NO_COLOR (not empty) or TERM=dumb */
        FILE *file = tmpfile();
        CHECK(file && !report_colour_wanted(file));
        if (file)
                fclose(file);
        CHECK(!report_colour_wanted(NULL));
        int master = posix_openpt(O_RDWR | O_NOCTTY);
        if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
                fprintf(stderr, "no pseudo-terminal (%s): report_colour_wanted() on a terminal not tested\n", strerror(errno));
        } else {
                FILE *tty = fopen(ptsname(master), "we");
                char *no_colour = getenv("NO_COLOR") ? strdup(getenv("NO_COLOR")) : NULL;
                char *term = getenv("TERM") ? strdup(getenv("TERM")) : NULL;

                CHECK(tty != NULL);
                setenv("TERM", "xterm", 1);
                unsetenv("NO_COLOR");
                CHECK(tty && report_colour_wanted(tty));
                setenv("NO_COLOR", "", 1);
                CHECK(tty && report_colour_wanted(tty));
                setenv("NO_COLOR", "1", 1);
                CHECK(tty && !report_colour_wanted(tty));
                unsetenv("NO_COLOR");
                setenv("TERM", "dumb", 1);
                CHECK(tty && !report_colour_wanted(tty));
                if (term)
                        setenv("TERM", term, 1);
                else
                        unsetenv("TERM");
                if (no_colour)
                        setenv("NO_COLOR", no_colour, 1);
                free(term);
                free(no_colour);
                if (tty)
                        fclose(tty);
        }
        if (master >= 0)
                close(master);
}

int main(void) {
        test_seed_hidden_zfr0();
        test_raz_register();
        test_612_to_61();
        test_61_to_612();
        test_vhe_nvhe();
        test_vendor_hyp_bmap_2();
        test_cpu_models();
        test_identical();
        test_psci();
        test_adjustments();
        test_derived_configs();
        test_workarounds();
        test_setters();
        test_aarch64_only_destination();
        test_pmu_pairs_fixed();
        test_counter_width();
        test_guest_record();
        test_csv_on_61();
        test_unrunnable();
        test_more_real_hosts();
        test_host_nv();
        test_hidden_dest_only();
        test_kernels_between();
        test_report_forms();
        test_summary_layout();
        test_grouping();
        test_print_layout();
        test_colour();
        return test_summary("test-rules");
}
