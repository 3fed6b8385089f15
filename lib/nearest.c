/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The nearest configuration the destination can create (lib/nearest.h). What a feature
 * changes in a vCPU is KVM's (arch/arm64/kvm/sys_regs.c): the registers of a feature the vCPU
 * lacks are hidden from KVM_GET_REG_LIST (their visibility callbacks: pmu_visibility from 5.11,
 * sve_visibility, ptrauth_visibility, mte_visibility) and the ID fields that announce it read
 * as zero (read_id_reg / read_sanitised_id_*). tests/test-rules.c holds the derivation against
 * every recorded profile that has both configurations.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nearest.h"
#include "regnames.h"
#include "util.h"

#define KV(major, minor) ((major) * 1000u + (minor))

enum {
        FEATURES_OPTIONAL = VCPU_FEATURE_PMU_V3 | VCPU_FEATURE_SVE | VCPU_FEATURE_PTRAUTH_ADDRESS |
                            VCPU_FEATURE_PTRAUTH_GENERIC | VCPU_FEATURE_EL1_32BIT,
        FEATURES_PTRAUTH = VCPU_FEATURE_PTRAUTH_ADDRESS | VCPU_FEATURE_PTRAUTH_GENERIC,
};

static unsigned sysreg_op0(uint64_t r) { return (unsigned) (r >> 14) & 3; }
static unsigned sysreg_op1(uint64_t r) { return (unsigned) (r >> 11) & 7; }
static unsigned sysreg_crn(uint64_t r) { return (unsigned) (r >> 7) & 15; }
static unsigned sysreg_crm(uint64_t r) { return (unsigned) (r >> 3) & 15; }

static bool is_sysreg(uint64_t r) {
        return reg_id_class(r) == REG_CLASS_SYSREG;
}

/* The PMU's registers: CRn 9, CRm 12-14 (PMCR_EL0 ... PMOVSSET_EL0, PMINTEN*_EL1) and
 * CRn 14, CRm 8-15 at op1 3 (PMEVCNTR<n>_EL0, PMEVTYPER<n>_EL0, PMCCFILTR_EL0). */
static bool is_pmu_reg(uint64_t r) {
        if (!is_sysreg(r) || sysreg_op0(r) != 3)
                return false;
        if (sysreg_crn(r) == 9 && sysreg_crm(r) >= 12 && (sysreg_op1(r) == 0 || sysreg_op1(r) == 3))
                return true;
        return sysreg_crn(r) == 14 && sysreg_crm(r) >= 8 && sysreg_op1(r) == 3;
}

/* ZCR_EL1, and ZCR_EL2 of a nested-virtualisation vCPU. */
static bool is_sve_reg(uint64_t r) {
        return r == SYSREG_ID(3, 0, 1, 2, 0) || r == SYSREG_ID(3, 4, 1, 2, 0);
}

/* AP{IA,IB,DA,DB,GA}KEY{LO,HI}_EL1. */
static bool is_ptrauth_reg(uint64_t r) {
        return is_sysreg(r) && sysreg_op0(r) == 3 && sysreg_op1(r) == 0 && sysreg_crn(r) == 2 &&
               sysreg_crm(r) >= 1 && sysreg_crm(r) <= 3;
}

/* RGSR_EL1, GCR_EL1, TFSR_EL1, TFSRE0_EL1, and TFSR_EL2. */
static bool is_mte_reg(uint64_t r) {
        return r == SYSREG_ID(3, 0, 1, 0, 5) || r == SYSREG_ID(3, 0, 1, 0, 6) || r == SYSREG_ID(3, 0, 5, 6, 0) ||
               r == SYSREG_ID(3, 0, 5, 6, 1) || r == SYSREG_ID(3, 4, 5, 6, 0);
}

typedef struct Without {
        unsigned kernel;
        uint32_t off;
        bool mte_off;
} Without;

static bool hidden(const Without *w, uint64_t r) {
        /* 5.10 lists the PMU registers of a vCPU without PMU (pmu_visibility came in 5.11). */
        if ((w->off & VCPU_FEATURE_PMU_V3) && w->kernel >= KV(5, 11) && is_pmu_reg(r))
                return true;
        if ((w->off & VCPU_FEATURE_SVE) && is_sve_reg(r))
                return true;
        if ((w->off & FEATURES_PTRAUTH) && is_ptrauth_reg(r))
                return true;
        return w->mte_off && is_mte_reg(r);
}

static uint64_t clear_field(uint64_t v, unsigned shift, unsigned width) {
        return v & ~(((UINT64_C(1) << width) - 1) << shift);
}

/* The value KVM reports for an ID register of the vCPU without the features. */
static uint64_t value_without(const Without *w, uint64_t r, uint64_t v) {
        if ((w->off & VCPU_FEATURE_PMU_V3) && w->kernel >= KV(5, 11)) {
                if (r == REG_ID_ID_AA64DFR0_EL1)
                        v = clear_field(v, 8, 4);               /* PMUVer */
                else if (r == SYSREG_ID(3, 0, 0, 1, 2))
                        v = clear_field(v, 24, 4);              /* ID_DFR0_EL1.PerfMon */
        }
        if (w->off & VCPU_FEATURE_SVE) {
                if (r == REG_ID_ID_AA64PFR0_EL1)
                        v = clear_field(v, 32, 4);              /* SVE */
                else if (r == REG_ID_ID_AA64ZFR0_EL1)
                        v = 0;                                  /* RAZ without SVE */
        }
        if (w->off & FEATURES_PTRAUTH) {
                if (r == SYSREG_ID(3, 0, 0, 6, 1))              /* ID_AA64ISAR1_EL1: APA, API, GPA, GPI */
                        v = clear_field(clear_field(clear_field(clear_field(v, 4, 4), 8, 4), 24, 4), 28, 4);
                else if (r == SYSREG_ID(3, 0, 0, 6, 2))         /* ID_AA64ISAR2_EL1: GPA3, APA3 */
                        v = clear_field(clear_field(v, 8, 4), 12, 4);
        }
        if (w->mte_off) {
                if (r == SYSREG_ID(3, 0, 0, 4, 1))              /* ID_AA64PFR1_EL1.MTE */
                        v = clear_field(v, 8, 4);
                else if (r == REG_ID_CLIDR_EL1 && w->kernel >= KV(6, 3))
                        v = clear_field(v, 33, 14);             /* reset_clidr: Ttype<n> only with MTE */
        }
        return v;
}

void vcpu_config_derived_done(VcpuConfig *c) {
        if (!c)
                return;
        free(c->cpregs);
        free(c->values);
        free(c->features);
        *c = (VcpuConfig) {};
}

int vcpu_config_without(const VcpuConfig *s, unsigned kernel, uint32_t off, bool mte_off, VcpuConfig *ret_config) {
        const Without w = { .kernel = kernel, .off = off & FEATURES_OPTIONAL, .mte_off = mte_off };
        static const struct {
                uint32_t bits;
                const char *name;
        } names[] = {
                { VCPU_FEATURE_PMU_V3, "pmu_v3" },
                { VCPU_FEATURE_SVE, "sve" },
                { VCPU_FEATURE_PTRAUTH_ADDRESS, "ptrauth_address" },
                { VCPU_FEATURE_PTRAUTH_GENERIC, "ptrauth_generic" },
                { VCPU_FEATURE_EL1_32BIT, "el1_32bit" },
        };
        VcpuConfig c = {
                .name = s->name,
                .init_features0 = s->init_features0 & ~w.off,
                .skipped = NULL,
                .has_masks = s->has_masks,
                .masks = s->masks,
                .n_masks = s->n_masks,
                .is_record = s->is_record,
        };

        c.cpregs = malloc((s->n_cpregs ? s->n_cpregs : 1) * sizeof(uint64_t));
        c.values = malloc((s->n_values ? s->n_values : 1) * sizeof(RegValue));
        c.features = calloc(s->n_features ? s->n_features : 1, sizeof(char *));
        if (!c.cpregs || !c.values || !c.features) {
                vcpu_config_derived_done(&c);
                return -ENOMEM;
        }
        for (size_t i = 0; i < s->n_cpregs; i++)
                if (!hidden(&w, s->cpregs[i]))
                        c.cpregs[c.n_cpregs++] = s->cpregs[i];
        for (size_t i = 0; i < s->n_values; i++)
                if (!hidden(&w, s->values[i].id))
                        c.values[c.n_values++] = (RegValue) {
                                .id = s->values[i].id,
                                .value = value_without(&w, s->values[i].id, s->values[i].value),
                        };
        /* The feature names point into s (static for the caller's lifetime). */
        for (size_t i = 0; i < s->n_features; i++) {
                bool drop = mte_off && strcmp(s->features[i], "mte_vm_cap") == 0;

                for (size_t j = 0; j < ELEMENTSOF(names); j++)
                        if ((w.off & names[j].bits) && strcmp(s->features[i], names[j].name) == 0)
                                drop = true;
                if (!drop)
                        c.features[c.n_features++] = s->features[i];
        }
        if (!(w.off & VCPU_FEATURE_SVE)) {
                memcpy(c.sve_vls, s->sve_vls, sizeof(c.sve_vls));
                c.has_sve_vls = s->has_sve_vls;
        }
        *ret_config = c;
        return 0;
}

static bool vq_in(const uint64_t vls[8], unsigned vq) {
        return vq >= 1 && vq <= 512 && (vls[(vq - 1) / 64] >> ((vq - 1) % 64) & 1);
}

bool sve_lengths_creatable(const VcpuConfig *s, const VcpuConfig *d, unsigned *ret_max_bits) {
        unsigned best = 0, longest = 0;

        if (!s->has_sve_vls || !d->has_sve_vls)
                return true;
        for (unsigned vq = 1; vq <= 512; vq++)
                if (vq_in(s->sve_vls, vq))
                        longest = vq;
        /* The guest's set must be the destination's supported lengths up to its longest one;
         * best: the longest guest length up to which both agree. */
        for (unsigned vq = 1; vq <= longest; vq++) {
                if (vq_in(s->sve_vls, vq) != vq_in(d->sve_vls, vq))
                        break;
                if (vq_in(s->sve_vls, vq))
                        best = vq;
        }
        if (best == longest)
                return true;
        if (ret_max_bits)
                *ret_max_bits = best * 128;
        return false;
}

static uint32_t offered_features(const Profile *p, bool *ret_mte) {
        uint32_t f = 0;

        *ret_mte = false;
        for (size_t i = 0; i < p->n_configs; i++)
                if (!p->configs[i].skipped) {
                        f |= p->configs[i].init_features0;
                        if (vcpu_config_has_feature(&p->configs[i], "mte_vm_cap"))
                                *ret_mte = true;
                }
        return f;
}

static unsigned popcount32(uint32_t v) {
        unsigned n = 0;

        for (; v; v &= v - 1)
                n++;
        return n;
}

/* The destination configuration with the most of the features want (and none beyond them):
 * QEMU's -cpu host with the others off. Ties: the profile's order. */
static const VcpuConfig *nearest_below(const Profile *dst, uint32_t want, bool mte) {
        const VcpuConfig *best = NULL;
        unsigned best_n = 0;

        for (size_t i = 0; i < dst->n_configs; i++) {
                const VcpuConfig *c = &dst->configs[i];
                unsigned n;

                if (c->skipped || (c->init_features0 & ~want) || (!mte && vcpu_config_has_feature(c, "mte_vm_cap")))
                        continue;
                if ((c->init_features0 & VCPU_FEATURE_PSCI_0_2) != (want & VCPU_FEATURE_PSCI_0_2))
                        continue;
                n = popcount32(c->init_features0) * 2 + (vcpu_config_has_feature(c, "mte_vm_cap") == mte);
                if (!best || n > best_n)
                        best = c, best_n = n;
        }
        return best;
}

void nearest_config_done(NearestConfig *n) {
        if (n)
                vcpu_config_derived_done(&n->source);
}

int nearest_config(const Profile *src, const VcpuConfig *s, const Profile *dst, NearestConfig *ret) {
        bool mte = vcpu_config_has_feature(s, "mte_vm_cap"), dst_mte;
        uint32_t offered = offered_features(dst, &dst_mte), want, off;
        const VcpuConfig *d;
        unsigned max_bits = 0;
        int k;

        if (!src || !s || !dst || !ret)
                return -EINVAL;
        want = s->init_features0 & (offered | ~(uint32_t) FEATURES_OPTIONAL);
        /* Pointer authentication is one QEMU property (pauth): both keys' features or neither. */
        if ((want & FEATURES_PTRAUTH) != FEATURES_PTRAUTH)
                want &= ~(uint32_t) FEATURES_PTRAUTH;
        d = profile_find_config_by_features(dst, want, mte && dst_mte);
        if (d && (want & VCPU_FEATURE_SVE) && !sve_lengths_creatable(s, d, &max_bits) && max_bits == 0) {
                /* No SVE vector length set both can create: SVE off. */
                want &= ~(uint32_t) VCPU_FEATURE_SVE;
                d = NULL;
        }
        if (!d)
                d = nearest_below(dst, want, mte && dst_mte);
        if (!d)
                return -ENOENT;
        off = s->init_features0 & ~d->init_features0;
        if (off & ~(uint32_t) FEATURES_OPTIONAL)
                return -ENOENT;         /* the destination lacks PSCI 0.2: nothing QEMU would build */
        *ret = (NearestConfig) {
                .dest = d,
                .features_off = off,
                .mte_off = mte && !vcpu_config_has_feature(d, "mte_vm_cap"),
                .sve_max_bits = (off & VCPU_FEATURE_SVE) ? 0 : max_bits,
        };
        k = vcpu_config_without(s, profile_kernel_version(src), ret->features_off, ret->mte_off, &ret->source);
        if (k < 0)
                return k;
        return 0;
}
