/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The migration rules. One comparison is a merge walk over the two sorted cpreg
 * lists (QEMU's cpu_post_load), with the destination's reset values ("limits") and
 * writable masks walked alongside, so a register costs a few compares unless its
 * value differs. Findings are collected as data first; their text is written once,
 * at the end, into one block with the findings array (see report_free()).
 *
 * Kernel behaviour modelled here is documented, with its sources, in docs/rules.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "nearest.h"
#include "rules.h"
#include "util.h"

#define KV(major, minor) ((major) * 1000u + (minor))

/* Why a finding was made: selects its message and remedy. */
typedef enum Reason {
        REASON_NONE = 0,
        REASON_CONFIG_SKIPPED,       /* destination recorded the configuration as impossible */
        REASON_CONFIG_MISSING,       /* no destination configuration with the source's features */
        REASON_SOURCE_SKIPPED,
        REASON_SVE_LENGTHS,          /* destination cannot offer the source's SVE vector lengths */
        REASON_FEATURES_DIFFER,
        REASON_COUNT,
        REASON_NOT_ON_DEST,
        REASON_DROPPED,
        REASON_DEST_ONLY,
        REASON_TOLERATED_SRC_ONLY,   /* 11.1: ToleranceNotOnBothEnds, source-only */
        REASON_TOLERATED_TEST_VALUE, /* 11.1: ToleranceOnlySrcTestValue, the source's value matches */
        REASON_TOLERATED_DST_ONLY,   /* 11.1: ToleranceNotOnBothEnds, destination-only */
        REASON_LOST_INCOMING,        /* 11.1: unknown incoming: "fail migration" printed, dropped, loads */
        REASON_BAD_SIZE,
        REASON_IMP_ID,               /* MIDR/REVIDR/AIDR: invariant */
        REASON_ID_EQUAL,             /* no writable mask: the value must be the destination's */
        REASON_ID_NO_TABLE,          /* masked kernel without a feature table for it: must be equal */
        REASON_ID_FIELD_UNSAFE,      /* writable field, but the safe rule picks another value */
        REASON_ID_NOT_WRITABLE,      /* differing bits outside the writable fields */
        REASON_ID_RAZ,               /* register reads as zero for this vCPU: only 0 is accepted */
        REASON_HIDDEN_BY_ID,         /* hidden once the source's lower ID value was written: ENOENT */
        REASON_DEBUGVER,             /* ID_AA64DFR0_EL1.DebugVer / ID_DFR0_EL1.CopDbg below Armv8 */
        REASON_PERFMON,              /* ID_DFR0_EL1.PerfMon neither 0 nor PMUv3+ */
        REASON_PMU_MISMATCH,         /* 6.2-6.6: PMUVer/PerfMon disagrees with the vCPU's PMU */
        REASON_CSV,                  /* ID_AA64PFR0_EL1.CSV2/CSV3 promises more than the host has */
        REASON_CACHE_EQUAL,          /* CLIDR/CCSIDR/CTR invariant on this kernel */
        REASON_CLIDR_INVALID,
        REASON_CCSIDR_LINE,
        REASON_PSCI,
        REASON_WORKAROUND,
        REASON_BMAP,
        REASON_NK_PMU_PAIR,
        REASON_NK_AARCH32,
        REASON_NK_WORKAROUND,
        REASON_NK_PMUVER_IMPDEF,
        REASON_NK_PMCR,              /* only PMCR_EL0's writable bits and N are kept */
        REASON_NK_WRITE_ONLY,        /* PMSWINC_EL0 reads as zero */
        REASON_NK_COUNTER_WIDTH,     /* 32-bit event counters without PMUv3p5 */
        REASON_NK_PMU_MASKED,        /* PMU enable/overflow bits of counters the vCPU lacks */
        REASON_NK_MMFR2_NV,          /* ID_AA64MMFR2_EL1.NV: written, dropped (6.13+) */
} Reason;

typedef struct Pending {
        Finding f;                   /* message and remedy are written at the end */
        Reason reason;
        uint64_t extra;              /* reason-specific: differing bits, the other register of a pair */
} Pending;

typedef struct Collector {
        Pending *items;              /* inline_items until more are needed */
        size_t n, allocated;
        Pending inline_items[32];
} Collector;

#define COLLECTOR_INIT(c) { .items = (c).inline_items, .allocated = ELEMENTSOF((c).inline_items) }

static void collector_done(Collector *c) {
        if (c->items != c->inline_items)
                free(c->items);
}

/* What the destination is, precomputed once per comparison. */
typedef struct Dest {
        const VcpuConfig *config;
        QemuLoad qemu;               /* the destination QEMU's load path */
        unsigned kernel;
        bool has_masks;
        bool has_pmu, has_sve;
        bool aarch64_only;           /* no AArch32 at EL0: the AArch32 ID registers are RAZ/WI */
        bool psci_0_2;
        uint64_t ctr;                /* CTR_EL0 (cache line sizes, IDC) */
        uint64_t pmu_counter_mask;   /* cycle counter | event counters from PMCR_EL0.N */
        uint64_t pmuver, perfmon, csv2, csv3;
        /* The vCPU as the source's accepted writes leave it (dest_apply_source()). */
        uint64_t pmcr_n;             /* PMCR_EL0.N */
        bool pmu_64bit;              /* PMUVer >= PMUv3p5: event counters are 64 bits */
        bool wa2_follows_ssbs;       /* host mitigates SSB with SSBS: WA2 reads 0 with SSBS, 3 without */
        uint64_t wa2_level;          /* WORKAROUND_2 as the vCPU reports it */
        uint64_t pair_state[3];      /* PMU set/clear pairs after QEMU's two writes (pmu_pair()) */
        bool pair_known[3];
        uint64_t mmfr3, pfr2;        /* ID_AA64MMFR3_EL1/PFR2_EL1 after the source's writes */
        bool mmfr3_known, pfr2_known;
        uint8_t host_nv;             /* the host CPU's MMFR2.NV (Profile.host_nv) */
        bool host_nv_known;
} Dest;

enum {
        PMUVER_IMP_DEF = 0xf,
        DEBUGVER_IMP = 6,            /* Armv8 debug: the lowest KVM accepts */
        PERFMON_PMUV3 = 3,
        PMUVER_V3P5 = 6,
        PMCR_N_SHIFT = 11,
        PMCR_LC = 1 << 6,
        PMCR_WRITABLE = 0xff,        /* E, P, C, D, X, DP, LC, LP */
};

#define REG_PMCR_EL0          SYSREG_ID(3, 3, 9, 12, 0)
#define REG_ID_AA64MMFR3_EL1  SYSREG_ID(3, 0, 0, 7, 3)
#define REG_ID_AA64PFR2_EL1   SYSREG_ID(3, 0, 0, 4, 2)
#define REG_SCTLR2_EL1        SYSREG_ID(3, 0, 1, 0, 3)
#define REG_TCR2_EL1          SYSREG_ID(3, 0, 2, 0, 3)
#define REG_PIRE0_EL1         SYSREG_ID(3, 0, 10, 2, 2)
#define REG_PIR_EL1           SYSREG_ID(3, 0, 10, 2, 3)
#define REG_POR_EL1           SYSREG_ID(3, 0, 10, 2, 4)
#define REG_FPMR              SYSREG_ID(3, 3, 4, 4, 2)
#define REG_PMCNTENSET_EL0    SYSREG_ID(3, 3, 9, 12, 1)
#define REG_PMCNTENCLR_EL0    SYSREG_ID(3, 3, 9, 12, 2)
#define REG_PMOVSCLR_EL0      SYSREG_ID(3, 3, 9, 12, 3)
#define REG_PMINTENSET_EL1    SYSREG_ID(3, 0, 9, 14, 1)
#define REG_PMINTENCLR_EL1    SYSREG_ID(3, 0, 9, 14, 2)
#define REG_PMOVSSET_EL0      SYSREG_ID(3, 3, 9, 14, 3)
#define REG_PMSWINC_EL0       SYSREG_ID(3, 3, 9, 12, 4)
#define REG_ID_AA64PFR1_EL1   SYSREG_ID(3, 0, 0, 4, 1)
#define REG_ID_DFR0_EL1       SYSREG_ID(3, 0, 0, 1, 2)
#define REG_ID_AA64SMFR0_EL1  SYSREG_ID(3, 0, 0, 4, 5)

static inline uint64_t bits(unsigned shift, unsigned width) {
        return (width >= 64 ? UINT64_MAX : ((UINT64_C(1) << width) - 1)) << shift;
}

static inline uint64_t ufield(uint64_t v, unsigned shift, unsigned width) {
        return (v & bits(shift, width)) >> shift;
}

/* ---- collecting findings ---- */

static Pending *collector_add(Collector *c, FindingKind kind, Severity severity, uint64_t reg, Reason reason) {
        if (c->n == c->allocated) {
                size_t n = c->allocated * 2;
                Pending *p;

                /* Two lists of at most KVMREGS_MAX_REGS each, plus a few global findings. */
                if (n > KVMREGS_MAX_REGS * 4u)
                        return NULL;
                if (c->items == c->inline_items) {
                        p = malloc(n * sizeof(Pending));
                        if (p)
                                memcpy(p, c->items, c->n * sizeof(Pending));
                } else
                        p = realloc(c->items, n * sizeof(Pending));
                if (!p)
                        return NULL;
                c->items = p;
                c->allocated = n;
        }
        Pending *p = &c->items[c->n++];
        *p = (Pending) {
                .f = { .kind = kind, .severity = severity, .reg = reg },
                .reason = reason,
        };
        return p;
}

static int collector_add_global(Collector *c, FindingKind kind, Severity severity, Reason reason) {
        return collector_add(c, kind, severity, 0, reason) ? 0 : -ENOMEM;
}

static void pending_values(Pending *p, bool has_src, uint64_t src, bool has_dst, uint64_t dst) {
        p->f.has_src_value = has_src;
        p->f.src_value = src;
        p->f.has_dst_value = has_dst;
        p->f.dst_value = dst;
}

static void pending_field(Pending *p, const IdField *field, FieldRule rule, uint64_t src, uint64_t dst) {
        p->f.field = field->name;
        p->f.field_shift = field->shift;
        p->f.field_width = field->width;
        p->f.rule = rule;
        p->f.src_field = id_field_get(field, src);
        p->f.dst_field = id_field_get(field, dst);
}

static const IdField *field_by_name(const IdRegDesc *desc, const char *name) {
        if (!desc)
                return NULL;
        for (size_t i = 0; i < desc->n_fields; i++)
                if (strcmp(desc->fields[i].name, name) == 0)
                        return &desc->fields[i];
        return NULL;
}

/* The lowest described field with a bit in `differing`, or NULL. */
static const IdField *first_differing_field(const IdRegDesc *desc, uint64_t differing) {
        if (!desc)
                return NULL;
        for (size_t i = 0; i < desc->n_fields; i++)
                if (differing & id_field_mask(&desc->fields[i]))
                        return &desc->fields[i];
        return NULL;
}

/* ---- the destination kernel's KVM_SET_ONE_REG ---- */

typedef enum Outcome {
        OUTCOME_ACCEPTED,
        OUTCOME_NOT_KEPT,
        OUTCOME_REFUSED,
} Outcome;

typedef struct Check {
        Outcome outcome;
        Reason reason;
        const IdField *field;        /* for ID rules */
        FieldRule rule;
        uint64_t extra;              /* refused: differing bits; not kept: the value read back */
} Check;

static Check refused(Reason reason, const IdField *field, FieldRule rule, uint64_t extra) {
        return (Check) { OUTCOME_REFUSED, reason, field, rule, extra };
}

static Check not_kept(Reason reason, uint64_t readback) {
        return (Check) { OUTCOME_NOT_KEPT, reason, NULL, FIELD_RULE_NONE, readback };
}

static const Check ACCEPTED = { OUTCOME_ACCEPTED, REASON_NONE, NULL, FIELD_RULE_NONE, 0 };

static bool is_aarch32_id_reg(uint64_t reg) {
        unsigned op0, op1, crn, crm, op2;

        if (!reg_id_sysreg(reg, &op0, &op1, &crn, &crm, &op2))
                return false;
        return op0 == 3 && op1 == 0 && crn == 0 && crm >= 1 && crm <= 3;
}

/* The feature registers (CRm 1-7); CRm 0 holds MIDR/REVIDR (invariant) and MPIDR (guest state). */
static bool is_feature_id_reg(uint64_t reg) {
        unsigned crm;

        return reg_id_is_feature_id(reg) && reg_id_sysreg(reg, NULL, NULL, NULL, &crm, NULL) && crm >= 1;
}

static bool is_imp_id_reg(uint64_t reg) {
        return reg == REG_ID_MIDR_EL1 || reg == REG_ID_REVIDR_EL1 || reg == REG_ID_AIDR_EL1;
}

/* KVM's kvm_arm64_ftr_safe_value(): a few fields are lower-safe for guests, not exact as for the host. */
static FieldRule kvm_field_rule(uint64_t reg, const IdField *f) {
        if (reg == REG_ID_ID_AA64DFR0_EL1 && (f->shift == 8 || f->shift == 0))     /* PMUVer, DebugVer */
                return FIELD_RULE_LOWER_SAFE;
        if (reg == REG_ID_DFR0_EL1 && f->shift == 24)                             /* PerfMon */
                return FIELD_RULE_LOWER_SAFE;
        return f->rule;
}

/* The kernel's arm64_ftr_safe_value() for one field. */
static int64_t safe_value(const IdField *f, FieldRule rule, int64_t value, int64_t limit) {
        switch (rule) {
        case FIELD_RULE_EXACT:
                return f->safe_val;
        case FIELD_RULE_LOWER_SAFE:
                return value < limit ? value : limit;
        case FIELD_RULE_HIGHER_OR_ZERO_SAFE:
                if (value == 0 || limit == 0)
                        return 0;
                __attribute__((fallthrough));
        case FIELD_RULE_HIGHER_SAFE:
                return value > limit ? value : limit;
        case FIELD_RULE_NONE:
        default:
                return limit;
        }
}

/*
 * arm64_check_features() of kernels with writable masks: every described field that
 * lies wholly inside the writable mask may differ as its safe rule allows; every other
 * bit must be the limit's.
 */
static Check check_id_masked(uint64_t reg, uint64_t value, uint64_t limit, uint64_t writable) {
        const IdRegDesc *desc = id_reg_lookup(reg);
        uint64_t described = 0;

        if (value == limit)
                return ACCEPTED;
        if (!desc)
                return refused(REASON_ID_NO_TABLE, NULL, FIELD_RULE_NONE, value ^ limit);

        for (size_t i = 0; i < desc->n_fields; i++) {
                const IdField *f = &desc->fields[i];
                uint64_t m = id_field_mask(f);
                FieldRule rule;
                int64_t fv, fl;

                if (f->rule == FIELD_RULE_NONE || (m & writable) != m)
                        continue;
                described |= m;
                fv = id_field_get(f, value);
                fl = id_field_get(f, limit);
                if (fv == fl)
                        continue;
                rule = kvm_field_rule(reg, f);
                if (safe_value(f, rule, fv, fl) != fv)
                        return refused(REASON_ID_FIELD_UNSAFE, f, rule, 0);
        }
        if ((value & ~described) != (limit & ~described)) {
                uint64_t differing = (value ^ limit) & ~described;
                return refused(REASON_ID_NOT_WRITABLE, first_differing_field(desc, differing),
                               FIELD_RULE_NONE, differing);
        }
        return ACCEPTED;
}

static Check check_equal(Reason reason, uint64_t reg, uint64_t value, uint64_t limit) {
        if (value == limit)
                return ACCEPTED;
        return refused(reason, first_differing_field(id_reg_lookup(reg), value ^ limit), FIELD_RULE_NONE,
                       value ^ limit);
}

/* Kernels before writable masks: ID registers are invariant, with a few userspace-lowerable fields. */
static Check check_id_unmasked(const Dest *d, uint64_t reg, uint64_t value, uint64_t limit) {
        const IdRegDesc *desc = id_reg_lookup(reg);
        uint64_t free_bits = 0;

        if (reg == REG_ID_ID_AA64PFR0_EL1 && d->kernel >= KV(5, 13)) {
                /* set_id_aa64pfr0_el1(): CSV2/CSV3 may be 0, or 1 where the host is unaffected. */
                uint64_t csv2 = ufield(value, 56, 4), csv3 = ufield(value, 60, 4);
                if (csv2 > 1 || (csv2 && d->csv2 != 1))
                        return refused(REASON_CSV, field_by_name(desc, "CSV2"), FIELD_RULE_NONE, csv2);
                if (csv3 > 1 || (csv3 && d->csv3 != 1))
                        return refused(REASON_CSV, field_by_name(desc, "CSV3"), FIELD_RULE_NONE, csv3);
                free_bits = bits(56, 4) | bits(60, 4);
        } else if (reg == REG_ID_ID_AA64DFR0_EL1 && d->kernel >= KV(6, 2)) {
                /* 6.2-6.6 set_id_aa64dfr0_el1(): PMUVer up to the host's, matching the vCPU's PMU. */
                uint64_t pmuver = ufield(value, 8, 4);
                bool valid_pmu = pmuver != 0 && pmuver != PMUVER_IMP_DEF;
                if (pmuver != PMUVER_IMP_DEF && d->has_pmu && pmuver > d->pmuver)
                        return refused(REASON_ID_FIELD_UNSAFE, field_by_name(desc, "PMUVer"),
                                       FIELD_RULE_LOWER_SAFE, 0);
                if (valid_pmu != d->has_pmu)
                        return refused(REASON_PMU_MISMATCH, field_by_name(desc, "PMUVer"), FIELD_RULE_NONE, 0);
                free_bits = bits(8, 4);
        } else if (reg == REG_ID_DFR0_EL1 && d->kernel >= KV(6, 2)) {
                uint64_t perfmon = ufield(value, 24, 4);
                bool valid_pmu = perfmon != 0 && perfmon != PMUVER_IMP_DEF;
                if (perfmon != PMUVER_IMP_DEF && d->has_pmu && perfmon > d->perfmon)
                        return refused(REASON_ID_FIELD_UNSAFE, field_by_name(desc, "PerfMon"),
                                       FIELD_RULE_LOWER_SAFE, 0);
                if (perfmon != 0 && perfmon != PMUVER_IMP_DEF && perfmon < PERFMON_PMUV3)
                        return refused(REASON_PERFMON, field_by_name(desc, "PerfMon"), FIELD_RULE_NONE, 0);
                if (valid_pmu != d->has_pmu)
                        return refused(REASON_PMU_MISMATCH, field_by_name(desc, "PerfMon"), FIELD_RULE_NONE, 0);
                free_bits = bits(24, 4);
        }
        return check_equal(REASON_ID_EQUAL, reg, value & ~free_bits, limit & ~free_bits);
}

static Check check_feature_id(const Dest *d, uint64_t reg, uint64_t value, uint64_t limit,
                              bool has_mask, uint64_t mask) {
        const IdRegDesc *desc;
        bool rewritten = false;

        /* The AArch32 ID registers of a 64-bit-only host are RAZ/WI: writes are ignored. */
        if (d->aarch64_only && is_aarch32_id_reg(reg))
                return value == limit ? ACCEPTED : not_kept(REASON_NK_AARCH32, limit);

        if (!d->has_masks)
                return check_id_unmasked(d, reg, value, limit);

        /* Hidden for this vCPU: the kernel accepts only zero (sysreg_visible_as_raz). */
        if ((reg == REG_ID_ID_AA64ZFR0_EL1 && !d->has_sve) || (reg == REG_ID_AA64SMFR0_EL1 && limit == 0))
                return value == 0 ? ACCEPTED : refused(REASON_ID_RAZ, NULL, FIELD_RULE_NONE, value);

        desc = id_reg_lookup(reg);
        if (reg == REG_ID_ID_AA64DFR0_EL1) {
                /* set_id_aa64dfr0_el1(): IMP_DEF PMUVer becomes 0; DebugVer below Armv8 is refused. */
                if (ufield(value, 8, 4) == PMUVER_IMP_DEF) {
                        value &= ~bits(8, 4);
                        rewritten = true;
                }
                if (ufield(value, 0, 4) < DEBUGVER_IMP)
                        return refused(REASON_DEBUGVER, field_by_name(desc, "DebugVer"), FIELD_RULE_NONE, 0);
        } else if (reg == REG_ID_DFR0_EL1) {
                uint64_t perfmon = ufield(value, 24, 4);
                if (perfmon == PMUVER_IMP_DEF) {
                        value &= ~bits(24, 4);
                        perfmon = 0;
                        rewritten = true;
                }
                if (perfmon != 0 && perfmon < PERFMON_PMUV3)
                        return refused(REASON_PERFMON, field_by_name(desc, "PerfMon"), FIELD_RULE_NONE, 0);
                if (ufield(value, 0, 4) < DEBUGVER_IMP)
                        return refused(REASON_DEBUGVER, field_by_name(desc, "CopDbg"), FIELD_RULE_NONE, 0);
        } else if (reg == REG_ID_ID_AA64MMFR2_EL1 && d->kernel >= KV(6, 13) && ufield(limit, 24, 4) == 0 &&
                   ufield(value, 24, 4) != 0) {
                /* set_id_aa64mmfr2_el1(): the deprecated NV field, once exposed, is hidden; a written NV
                 * equal to the host CPU's is dropped, any other is checked (and refused: it is not
                 * writable). A profile recorded without the host's NV: taken to be the one the source
                 * shows (a host of the same CPU model). */
                if (d->host_nv_known && ufield(value, 24, 4) != d->host_nv)
                        return check_id_masked(reg, value, limit, has_mask ? mask : 0);
                value &= ~bits(24, 4);
                Check v = check_id_masked(reg, value, limit, has_mask ? mask : 0);
                return v.outcome == OUTCOME_ACCEPTED ? not_kept(REASON_NK_MMFR2_NV, value) : v;
        }

        Check v = check_id_masked(reg, value, limit, has_mask ? mask : 0);
        if (v.outcome == OUTCOME_ACCEPTED && rewritten)
                return not_kept(REASON_NK_PMUVER_IMPDEF, value);
        return v;
}

static Check check_clidr(const Dest *d, uint64_t value, uint64_t limit) {
        uint64_t loc, louis, louu;
        bool needs_idc;

        if (d->kernel < KV(6, 3))
                return check_equal(REASON_CACHE_EQUAL, REG_ID_CLIDR_EL1, value, limit);
        /* set_clidr(): no RES0 bits, and a hierarchy claiming no cleaning needs CTR_EL0.IDC. */
        louis = ufield(value, 21, 3);
        loc = ufield(value, 24, 3);
        louu = ufield(value, 27, 3);
        needs_idc = loc == 0 || (louis == 0 && louu == 0);
        if ((value & bits(47, 17)) || (needs_idc && !(d->ctr & (UINT64_C(1) << 28))))
                return refused(REASON_CLIDR_INVALID, NULL, FIELD_RULE_NONE, value & bits(47, 17));
        return ACCEPTED;
}

static Check check_ccsidr(const Dest *d, uint64_t reg, uint64_t value, uint64_t limit) {
        unsigned csselr = (unsigned) (reg & 0xff);
        unsigned line, min_line;

        if (d->kernel < KV(6, 3))
                return check_equal(REASON_CACHE_EQUAL, reg, value, limit);
        /* set_ccsidr(): the line may not be shorter than the host's minimum (CTR_EL0, log2 words). */
        line = (unsigned) ufield(value, 0, 3) + 4;
        min_line = (unsigned) ufield(d->ctr, (csselr & 1) ? 0 : 16, 4) + 2;
        if (line < min_line || (value >> 32))
                return refused(REASON_CCSIDR_LINE, NULL, FIELD_RULE_NONE, min_line);
        return ACCEPTED;
}

static bool psci_version_known(uint64_t v) {
        return v == 0x2 || v == 0x10000 || v == 0x10001 || v == 0x10002 || v == 0x10003;
}

static Check check_fw(const Dest *d, uint64_t reg, uint64_t value, uint64_t limit) {
        if (reg == REG_ID_PSCI_VERSION) {
                /* kvm_arm_set_fw_reg(): a version this kernel implements; 0.1 only without PSCI 0.2. */
                bool ok = value == 0 ? !d->psci_0_2
                                     : d->psci_0_2 && psci_version_known(value) && value <= limit;
                return ok ? ACCEPTED : refused(REASON_PSCI, NULL, FIELD_RULE_NONE, 0);
        }
        if (reg == REG_ID_SMCCC_ARCH_WORKAROUND_1 || reg == REG_ID_SMCCC_ARCH_WORKAROUND_3) {
                /* Levels 0 not available, 1 available, 2 not required: no better than the host's. */
                if ((value & ~UINT64_C(0xf)) || value > limit)
                        return refused(REASON_WORKAROUND, NULL, FIELD_RULE_NONE, 0);
                return not_kept(REASON_NK_WORKAROUND, limit);
        }
        if (reg == REG_ID_SMCCC_ARCH_WORKAROUND_2) {
                uint64_t level = value & 0xf, wanted;

                /* Bit 4 (enabled) only with level 1 (available); levels fold to 0 or 3 (not required). */
                if ((value & ~UINT64_C(0x1f)) || ((value & 0x10) && level != 1))
                        return refused(REASON_WORKAROUND, NULL, FIELD_RULE_NONE, 0);
                if (level == 0 || level == 2)
                        wanted = 0;
                else if (level == 1 || level == 3)
                        wanted = 3;
                else
                        return refused(REASON_WORKAROUND, NULL, FIELD_RULE_NONE, 0);
                if ((limit & 0xf) < wanted)
                        return refused(REASON_WORKAROUND, NULL, FIELD_RULE_NONE, 0);
                return not_kept(REASON_NK_WORKAROUND, limit);
        }
        /* Unknown firmware registers: no rule known; treated as accepted (docs/rules.md). */
        return ACCEPTED;
}

/*
 * One register, one value: what the destination kernel does with QEMU's
 * KVM_SET_ONE_REG. `limit` is the destination's own (reset) value.
 */
static Check check_register(const Dest *d, uint64_t reg, uint64_t value, uint64_t limit,
                            bool has_mask, uint64_t mask) {
        if (value == limit)
                return ACCEPTED;
        switch (reg_id_class(reg)) {
        case REG_CLASS_FW:
                return check_fw(d, reg, value, limit);
        case REG_CLASS_FW_FEAT_BMAP:
                /* kvm_arm_set_fw_reg_bmap(): no service bit the destination does not offer. */
                return (value & ~limit) ? refused(REASON_BMAP, NULL, FIELD_RULE_NONE, value & ~limit) : ACCEPTED;
        case REG_CLASS_DEMUX:
                return check_ccsidr(d, reg, value, limit);
        case REG_CLASS_SYSREG:
                break;
        default:
                return ACCEPTED;
        }
        if (is_imp_id_reg(reg))
                /* Invariant unless the VMM enables KVM_CAP_ARM_WRITABLE_IMP_ID_REGS, which QEMU does not. */
                return check_equal(REASON_IMP_ID, reg, value, limit);
        if (reg == REG_ID_CLIDR_EL1)
                return check_clidr(d, value, limit);
        if (reg == REG_ID_CTR_EL0) {
                if (d->has_masks && d->kernel >= KV(6, 10))
                        return check_id_masked(reg, value, limit, has_mask ? mask : 0);
                return check_equal(REASON_CACHE_EQUAL, reg, value, limit);
        }
        if (is_feature_id_reg(reg))
                return check_feature_id(d, reg, value, limit, has_mask, mask);
        /* Ordinary registers are guest state: accepted. */
        return ACCEPTED;
}

static void dest_init(Dest *d, const Profile *p, const VcpuConfig *c) {
        uint64_t v;

        *d = (Dest) {
                .config = c,
                .kernel = profile_kernel_version(p),
                .has_masks = c->has_masks,
                .has_pmu = (c->init_features0 & VCPU_FEATURE_PMU_V3) != 0,
                .has_sve = (c->init_features0 & VCPU_FEATURE_SVE) != 0,
                .psci_0_2 = (c->init_features0 & VCPU_FEATURE_PSCI_0_2) != 0,
                .host_nv = p->host_nv,
                .host_nv_known = p->has_host_nv,
        };
        if (vcpu_config_get_value(c, REG_ID_ID_AA64PFR0_EL1, &v)) {
                d->aarch64_only = ufield(v, 0, 4) == 1;
                d->csv2 = ufield(v, 56, 4);
                d->csv3 = ufield(v, 60, 4);
        }
        if (vcpu_config_get_value(c, REG_ID_ID_AA64DFR0_EL1, &v))
                d->pmuver = ufield(v, 8, 4);
        if (vcpu_config_get_value(c, REG_ID_DFR0_EL1, &v))
                d->perfmon = ufield(v, 24, 4);
        if (vcpu_config_get_value(c, REG_ID_CTR_EL0, &v))
                d->ctr = v;
        if (vcpu_config_get_value(c, REG_PMCR_EL0, &v))
                d->pmcr_n = ufield(v, PMCR_N_SHIFT, 5);
        d->pmu_counter_mask = (UINT64_C(1) << 31) | bits(0, (unsigned) d->pmcr_n);
        d->pmu_64bit = d->pmuver >= PMUVER_V3P5 && d->pmuver != PMUVER_IMP_DEF;
        if (vcpu_config_get_value(c, REG_ID_SMCCC_ARCH_WORKAROUND_2, &v))
                d->wa2_level = v;
        /* With SSBS the host's SSB state is "mitigated"; KVM then reports WA2 by the vCPU's SSBS. */
        if (d->kernel >= KV(6, 7) && d->wa2_level == 0 && vcpu_config_get_value(c, REG_ID_AA64PFR1_EL1, &v) &&
            ufield(v, 4, 4) != 0)
                d->wa2_follows_ssbs = true;
}

/* The PMU set/clear pairs: SET and CLR name one state. */
static const uint64_t PMU_PAIRS[3][2] = {
        { REG_PMCNTENSET_EL0, REG_PMCNTENCLR_EL0 },
        { REG_PMINTENSET_EL1, REG_PMINTENCLR_EL1 },
        { REG_PMOVSSET_EL0, REG_PMOVSCLR_EL0 },
};

static int pmu_pair_index(uint64_t reg) {
        for (int i = 0; i < 3; i++)
                if (PMU_PAIRS[i][0] == reg || PMU_PAIRS[i][1] == reg)
                        return i;
        return -1;
}

/*
 * What each pair holds after QEMU writes both registers, in ascending id order, each with
 * the source's value (6.7+: masked by the vCPU's counters). From 6.7 until the fix a SET
 * write ORs in and a CLR write clears; fixed kernels (7.2) store the value.
 */
static void dest_apply_pmu_pairs(Dest *d, const VcpuConfig *s) {
        uint64_t m = d->pmu_counter_mask;

        if (d->kernel < KV(6, 7) || !d->has_pmu)
                return;
        for (int i = 0; i < 3; i++) {
                uint64_t set = PMU_PAIRS[i][0], clr = PMU_PAIRS[i][1];
                uint64_t first = set < clr ? set : clr, second = set < clr ? clr : set;
                uint64_t v1 = 0, v2 = 0, state = 0;

                (void) vcpu_config_get_value(d->config, set, &state);
                if (!vcpu_config_get_value(s, first, &v1) || !vcpu_config_get_value(s, second, &v2))
                        v1 = v2 = 0;    /* a guest record: the rules only warn about the bug then */
                if (d->kernel < KV(6, 15)) {
                        state = first == set ? state | (v1 & m) : state & ~(v1 & m);
                        state = second == set ? state | (v2 & m) : state & ~(v2 & m);
                } else
                        state = v2;
                d->pair_state[i] = state & m;
                d->pair_known[i] = true;
        }
}

/* Would the destination take the source's value of reg? false also when either lacks it. */
static bool dest_takes_source_value(const Dest *d, const VcpuConfig *s, uint64_t reg, uint64_t *ret_value) {
        uint64_t sv, dv, mask = 0;
        bool has_mask;

        if (!vcpu_config_get_value(s, reg, &sv) || !vcpu_config_get_value(d->config, reg, &dv))
                return false;
        has_mask = vcpu_config_get_mask(d->config, reg, &mask);
        if (check_register(d, reg, sv, dv, has_mask, mask).outcome == OUTCOME_REFUSED)
                return false;
        *ret_value = sv;
        return true;
}

/* What the vCPU becomes through the source's writes that other registers' behaviour follows. */
static void dest_apply_source(Dest *d, const VcpuConfig *s) {
        uint64_t v;

        if (dest_takes_source_value(d, s, REG_ID_ID_AA64DFR0_EL1, &v))
                d->pmu_64bit = ufield(v, 8, 4) >= PMUVER_V3P5 && ufield(v, 8, 4) != PMUVER_IMP_DEF;
        if (d->wa2_follows_ssbs && dest_takes_source_value(d, s, REG_ID_AA64PFR1_EL1, &v))
                d->wa2_level = ufield(v, 4, 4) != 0 ? 0 : 3;
        /* set_pmcr() (6.7+): a lower N is taken, a higher one ignored. */
        if (d->kernel >= KV(6, 7) && vcpu_config_get_value(s, REG_PMCR_EL0, &v) && ufield(v, PMCR_N_SHIFT, 5) < d->pmcr_n) {
                d->pmcr_n = ufield(v, PMCR_N_SHIFT, 5);
                d->pmu_counter_mask = (UINT64_C(1) << 31) | bits(0, (unsigned) d->pmcr_n);
        }
        dest_apply_pmu_pairs(d, s);
        /* QEMU writes in ascending id order: the ID registers before the registers they gate. */
        d->mmfr3_known = dest_takes_source_value(d, s, REG_ID_AA64MMFR3_EL1, &d->mmfr3) ||
                         vcpu_config_get_value(d->config, REG_ID_AA64MMFR3_EL1, &d->mmfr3);
        d->pfr2_known = dest_takes_source_value(d, s, REG_ID_AA64PFR2_EL1, &d->pfr2) ||
                        vcpu_config_get_value(d->config, REG_ID_AA64PFR2_EL1, &d->pfr2);
}

/*
 * Registers whose visibility follows the VM's ID registers as written so far
 * (sys_regs.c: tcr2_visibility(), s1pie_visibility(), s1poe_visibility(),
 * sctlr2_visibility(), fp8_visibility(): kvm_has_feat() on the VM's ID values). The
 * source's lower ID value, written first, hides the register and its write fails with
 * ENOENT. TCR2_EL1, PIRE0_EL1 and PIR_EL1 were listed unconditionally before 6.13 (the
 * reason for QEMU 11.1's tolerance of them); the others came with their visibility.
 */
static bool hidden_by_written_id(const Dest *d, uint64_t reg) {
        switch (reg) {
        case REG_TCR2_EL1:
                return d->kernel >= KV(6, 13) && d->mmfr3_known && ufield(d->mmfr3, 0, 4) == 0;
        case REG_PIRE0_EL1:
        case REG_PIR_EL1:
                return d->kernel >= KV(6, 13) && d->mmfr3_known && ufield(d->mmfr3, 8, 4) == 0;
        case REG_SCTLR2_EL1:
                return d->mmfr3_known && ufield(d->mmfr3, 4, 4) == 0;
        case REG_POR_EL1:
                return d->mmfr3_known && ufield(d->mmfr3, 16, 4) == 0;
        case REG_FPMR:
                return d->pfr2_known && ufield(d->pfr2, 32, 4) == 0;
        default:
                return false;
        }
}

bool rules_kernel_accepts(const Profile *dst, const VcpuConfig *d, uint64_t reg, uint64_t value,
                          Finding *ret_finding) {
        Dest dest;
        uint64_t limit = 0, mask = 0;
        bool has_mask;
        Check v;

        if (!dst || !d || !vcpu_config_has_cpreg(d, reg)) {
                if (ret_finding)
                        *ret_finding = (Finding) { .kind = FINDING_NOT_ON_DEST, .severity = SEVERITY_FATAL, .reg = reg,
                                                   .has_src_value = true, .src_value = value };
                return false;
        }
        if (!vcpu_config_get_value(d, reg, &limit))
                return true;    /* guest state the profile does not record: an ordinary register */
        dest_init(&dest, dst, d);
        has_mask = vcpu_config_get_mask(d, reg, &mask);

        v = check_register(&dest, reg, value, limit, has_mask, mask);
        if (v.outcome != OUTCOME_REFUSED)
                return true;
        if (ret_finding) {
                Pending p = { .f = { .kind = FINDING_VALUE_REFUSED, .severity = SEVERITY_FATAL, .reg = reg } };
                pending_values(&p, true, value, true, limit);
                if (v.field)
                        pending_field(&p, v.field, v.rule, value, limit);
                *ret_finding = p.f;
        }
        return false;
}

/* ---- one like-for-like load ---- */

/* PMEVCNTR<n>_EL0: (3,3,14,8-11,op2) except (3,3,14,11,7); the caller checked class and op0. */
static inline bool is_pmevcntr(uint64_t reg) {
        uint64_t op1 = (reg >> 11) & 7, crn = (reg >> 7) & 0xf, crm = (reg >> 3) & 0xf, op2 = reg & 7;

        return op1 == 3 && crn == 14 && crm >= 8 && crm <= 11 && !(crm == 11 && op2 == 7);
}

/*
 * PMU registers whose value reads back otherwise than written (all accepted). Returns
 * false for other registers; else *ret_readback, and *ret_reason for a difference.
 * A pair's two registers share one state: both read back what the two writes leave.
 */
static bool pmu_readback(const Dest *d, uint64_t reg, uint64_t value,
                         uint64_t *ret_readback, Reason *ret_reason) {
        int pair = pmu_pair_index(reg);

        if (pair >= 0) {
                if (!d->pair_known[pair])
                        return false;   /* plain stores before 6.7 */
                *ret_readback = d->pair_state[pair];
                *ret_reason = d->kernel < KV(6, 15) ? REASON_NK_PMU_PAIR : REASON_NK_PMU_MASKED;
                return true;
        }
        if (reg == REG_PMCR_EL0 && d->kernel >= KV(6, 7)) {
                /* set_pmcr(): E/P/C/D/X/DP/LC/LP kept, N the VM's, LC RES1 without AArch32 EL0. */
                *ret_readback = (value & PMCR_WRITABLE) | (d->pmcr_n << PMCR_N_SHIFT) | (d->aarch64_only ? PMCR_LC : 0);
                *ret_reason = REASON_NK_PMCR;
                return true;
        }
        if (reg == REG_PMSWINC_EL0 && d->kernel >= KV(6, 1)) {
                *ret_readback = 0;
                *ret_reason = REASON_NK_WRITE_ONLY;
                return true;
        }
        if (is_pmevcntr(reg) && d->kernel >= KV(6, 1)) {
                *ret_readback = d->pmu_64bit ? value : value & UINT32_MAX;
                *ret_reason = REASON_NK_COUNTER_WIDTH;
                return true;
        }
        return false;
}

static bool is_pmu_enable_reg(uint64_t reg) {
        return reg == REG_PMCNTENSET_EL0 || reg == REG_PMCNTENCLR_EL0 || reg == REG_PMINTENSET_EL1 ||
               reg == REG_PMINTENCLR_EL1;
}

/* PMU registers in the cpreg list: the PMU (3,x,9,12-14) and event counter (3,3,14,8-15) ranges. Hot: bit tests. */
static inline bool maybe_pmu_reg(uint64_t reg) {
        uint64_t crn = (reg >> 7) & 0xf;

        return ((reg >> REG_COPROC_SHIFT) & 0xfff) == REG_COPROC_SYSREG && ((reg >> 14) & 3) == 3 &&
               (crn == 9 || crn == 14);
}

/* Advances a sorted RegValue cursor to id; returns the entry for id or NULL. */
static inline const RegValue *cursor_seek(const RegValue **cur, const RegValue *end, uint64_t id) {
        while (*cur < end && (*cur)->id < id)
                (*cur)++;
        return *cur < end && (*cur)->id == id ? *cur : NULL;
}

/* One register both sides list. The mask cursor is only advanced when the values differ. */
static int compare_values(Collector *c, const Dest *d, uint64_t reg, const RegValue *sv, const RegValue *dv,
                          const RegValue **mask_cursor, const RegValue *mask_end) {
        const RegValue *dm;
        uint64_t limit;
        Check v;
        Pending *p;

        if (maybe_pmu_reg(reg)) {
                uint64_t readback;
                Reason reason;

                if (!pmu_readback(d, reg, sv ? sv->value : 0, &readback, &reason))
                        return 0;
                /* Without a recorded value (a guest record) only the set/clear bug is certain to bite:
                 * the enables, written SET then CLR, are cleared whatever they were. */
                if (sv ? readback == sv->value : reason != REASON_NK_PMU_PAIR || !is_pmu_enable_reg(reg))
                        return 0;
                p = collector_add(c, FINDING_VALUE_NOT_KEPT, SEVERITY_WARNING, reg, reason);
                if (!p)
                        return -ENOMEM;
                pending_values(p, sv != NULL, sv ? sv->value : 0, sv != NULL, readback);
                return 0;
        }
        if (hidden_by_written_id(d, reg)) {
                p = collector_add(c, FINDING_VALUE_REFUSED, SEVERITY_FATAL, reg, REASON_HIDDEN_BY_ID);
                if (!p)
                        return -ENOMEM;
                pending_values(p, sv != NULL, sv ? sv->value : 0, dv != NULL, dv ? dv->value : 0);
                return 0;
        }
        if (!sv || !dv)
                return 0;       /* guest state the profiles do not record: accepted */
        limit = reg == REG_ID_SMCCC_ARCH_WORKAROUND_2 ? d->wa2_level : dv->value;
        if (sv->value == limit)
                return 0;

        dm = *mask_cursor ? cursor_seek(mask_cursor, mask_end, reg) : NULL;
        v = check_register(d, reg, sv->value, limit, dm != NULL, dm ? dm->value : 0);
        if (v.outcome == OUTCOME_ACCEPTED)
                return 0;
        if (v.outcome == OUTCOME_REFUSED)
                p = collector_add(c, FINDING_VALUE_REFUSED, SEVERITY_FATAL, reg, v.reason);
        else
                p = collector_add(c, FINDING_VALUE_NOT_KEPT, SEVERITY_WARNING, reg, v.reason);
        if (!p)
                return -ENOMEM;
        pending_values(p, true, sv->value, true, v.outcome == OUTCOME_NOT_KEPT ? v.extra : limit);
        if (v.outcome == OUTCOME_REFUSED)
                p->extra = v.extra;
        if (v.field)
                pending_field(p, v.field, v.rule, sv->value, dv->value);
        return 0;
}

/* QEMU's kvm_arm_init_cpreg_list() refuses to run a vCPU with another size in its cpreg list. */
static int check_size(Collector *c, uint64_t reg, bool source) {
        uint64_t size = reg & REG_SIZE_MASK;
        Pending *p;

        if (size == REG_SIZE_U32 || size == REG_SIZE_U64)
                return 0;
        p = collector_add(c, FINDING_BAD_REGISTER, SEVERITY_FATAL, reg, REASON_BAD_SIZE);
        if (!p)
                return -ENOMEM;
        p->extra = source;
        return 0;
}

/*
 * QEMU's cpu_post_load (docs/rules.md), a merge walk over both sorted lists. 7.2 checks the count
 * first, and drops a source-only register above the destination's highest silently (its walk
 * stops there); any other source-only register fails the load. 11.1 has no count check and
 * tolerates the registers of its table; every other source-only register is unknown incoming,
 * wherever it sits: QEMU 11.1.3 prints "fail migration" for it, yet drops it and loads (measured in
 * every real migration that had one, docs/migration-lab.md).
 */
static int compare_walk(Collector *c, const VcpuConfig *s, const Dest *d) {
        const VcpuConfig *dc = d->config;
        const uint64_t *sp = s->cpregs, *se = sp ? sp + s->n_cpregs : NULL;
        const uint64_t *dp = dc->cpregs, *de = dp ? dp + dc->n_cpregs : NULL;
        /* No arithmetic on NULL arrays (a configuration without values or masks). */
        const RegValue *sv = s->values, *sve = sv ? sv + s->n_values : NULL;
        const RegValue *dv = dc->values, *dve = dv ? dv + dc->n_values : NULL;
        const RegValue *dm = dc->masks, *dme = dm ? dm + dc->n_masks : NULL;
        uint64_t dst_max = dc->n_cpregs ? de[-1] : 0;
        bool legacy = d->qemu != QEMU_LOAD_11_1;
        Pending *p;
        int r;

        if (legacy && s->n_cpregs > dc->n_cpregs) {
                /* cpreg_vmstate_array_len is VMSTATE_INT32_POSITIVE_LE: at most the destination's count */
                p = collector_add(c, FINDING_COUNT, SEVERITY_FATAL, 0, REASON_COUNT);
                if (!p)
                        return -ENOMEM;
                pending_values(p, true, s->n_cpregs, true, dc->n_cpregs);
        }

        while (sp < se || dp < de) {
                if (dp == de || (sp < se && *sp < *dp)) {
                        const RegValue *v = cursor_seek(&sv, sve, *sp);
                        const QemuToleranceRule *t = qemu_tolerance(d->qemu, *sp);

                        r = check_size(c, *sp, true);
                        if (r < 0)
                                return r;
                        if (qemu_tolerates_source_only(t, v != NULL, v ? v->value : 0))
                                p = collector_add(c, FINDING_TOLERATED, SEVERITY_INFO, *sp,
                                                  t->kind == QEMU_TOLERANCE_NOT_ON_BOTH_ENDS
                                                          ? REASON_TOLERATED_SRC_ONLY : REASON_TOLERATED_TEST_VALUE);
                        else if (legacy && (dc->n_cpregs == 0 || *sp > dst_max))
                                p = collector_add(c, FINDING_DROPPED, SEVERITY_WARNING, *sp, REASON_DROPPED);
                        else if (legacy)
                                p = collector_add(c, FINDING_NOT_ON_DEST, SEVERITY_FATAL, *sp, REASON_NOT_ON_DEST);
                        else
                                p = collector_add(c, FINDING_DROPPED, SEVERITY_WARNING, *sp, REASON_LOST_INCOMING);
                        if (!p)
                                return -ENOMEM;
                        pending_values(p, v != NULL, v ? v->value : 0, false, 0);
                        sp++;
                } else if (sp == se || *dp < *sp) {
                        /* Only the destination has it: QEMU writes back its own reset value. */
                        const RegValue *v = cursor_seek(&dv, dve, *dp);
                        const QemuToleranceRule *t = qemu_tolerance(d->qemu, *dp);
                        bool tolerated = t && t->kind == QEMU_TOLERANCE_NOT_ON_BOTH_ENDS;

                        r = check_size(c, *dp, false);
                        if (r < 0)
                                return r;
                        /* QEMU writes back the value it read at reset, before the stream came; if the
                         * source's ID values have hidden the register since, KVM says ENOENT and the load
                         * fails, tolerance or not (real migrations 6.1/6.12 -> 7.2 on max-qemu11 hosts:
                         * "Could not set register ... unknown to KVM", both QEMUs). */
                        if (hidden_by_written_id(d, *dp)) {
                                p = collector_add(c, FINDING_VALUE_REFUSED, SEVERITY_FATAL, *dp, REASON_HIDDEN_BY_ID);
                                if (!p)
                                        return -ENOMEM;
                                pending_values(p, false, 0, v != NULL, v ? v->value : 0);
                        }
                        p = collector_add(c, tolerated ? FINDING_TOLERATED : FINDING_DEST_ONLY, SEVERITY_INFO, *dp,
                                          tolerated ? REASON_TOLERATED_DST_ONLY : REASON_DEST_ONLY);
                        if (!p)
                                return -ENOMEM;
                        pending_values(p, false, 0, v != NULL, v ? v->value : 0);
                        dp++;
                } else {
                        uint64_t reg = *sp;

                        r = check_size(c, reg, true);
                        if (r < 0)
                                return r;
                        r = compare_values(c, d, reg, cursor_seek(&sv, sve, reg), cursor_seek(&dv, dve, reg), &dm, dme);
                        if (r < 0)
                                return r;
                        sp++, dp++;
                }
        }
        return 0;
}

/* ---- text ---- */

typedef struct Text {
        char *p, *end;
} Text;

static void text_putn(Text *t, const char *s, size_t n) {
        size_t room = (size_t) (t->end - t->p) - 1;

        if (n > room)
                n = room;
        memcpy(t->p, s, n);
        t->p += n;
}

static void text_put(Text *t, const char *s) {
        text_putn(t, s, strlen(s));
}

/* A string literal: its length is known at compile time. */
#define text_lit(t, literal) text_putn((t), "" literal, sizeof(literal) - 1)

/* Text from a document (configuration names, skip reasons): printable ASCII only, one line. */
static void text_put_clean(Text *t, const char *s) {
        for (; *s && t->p < t->end - 1; s++)
                *t->p++ = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
}

static void text_hex(Text *t, uint64_t v) {
        char buf[19], *q = buf + sizeof(buf);

        *--q = 0;
        do {
                *--q = "0123456789abcdef"[v & 0xf];
                v >>= 4;
        } while (v);
        *--q = 'x';
        *--q = '0';
        text_put(t, q);
}

static void text_dec(Text *t, int64_t v) {
        char buf[24], *q = buf + sizeof(buf);
        uint64_t u = v < 0 ? -(uint64_t) v : (uint64_t) v;

        *--q = 0;
        do {
                *--q = (char) ('0' + u % 10);
                u /= 10;
        } while (u);
        if (v < 0)
                *--q = '-';
        text_put(t, q);
}

static void text_kernel(Text *t, unsigned k) {
        text_dec(t, k / 1000);
        text_lit(t, ".");
        text_dec(t, k % 1000);
}

static void text_end(Text *t) {
        *t->p = 0;
}

typedef struct TextContext {
        unsigned src_kernel, dst_kernel;
        const VcpuConfig *s, *d;
        const NearestConfig *nearest;    /* what the after-fix findings compare with, or NULL */
} TextContext;

/* " Once fixed, compared with the destination's configuration 'base' (sve off): the findings
 * marked as after the configuration fix", or " Nothing the destination can create ..." */
static void text_nearest(Text *t, const TextContext *x) {
        static const struct {
                uint32_t bits;
                const char *name;
        } props[] = {
                { VCPU_FEATURE_PMU_V3, "pmu=off" },
                { VCPU_FEATURE_SVE, "sve=off" },
                { VCPU_FEATURE_PTRAUTH_ADDRESS | VCPU_FEATURE_PTRAUTH_GENERIC, "pauth=off" },
                { VCPU_FEATURE_EL1_32BIT, "aarch64=on" },
        };
        const NearestConfig *n = x->nearest;
        bool first = true;

        if (!n) {
                text_lit(t, "; the destination can create no configuration near it to compare registers with");
                return;
        }
        text_lit(t, "; once the configuration is fixed (");
        for (size_t i = 0; i < ELEMENTSOF(props); i++)
                if (n->features_off & props[i].bits) {
                        text_put(t, first ? "the guest with " : ", ");
                        text_put(t, props[i].name);
                        first = false;
                }
        if (n->mte_off) {
                text_put(t, first ? "the guest without MTE" : ", without MTE");
                first = false;
        }
        if (n->sve_max_bits) {
                text_put(t, first ? "the guest's SVE vector lengths up to sve" : ", SVE vector lengths up to sve");
                text_dec(t, n->sve_max_bits);
                first = false;
        }
        if (first)
                text_lit(t, "as the destination builds it");
        text_lit(t, ", the destination's configuration '");
        text_put_clean(t, n->dest->name);
        if (n->n_fatal == 0)
                text_lit(t, "') nothing else would fail");
        else {
                text_lit(t, "') ");
                text_dec(t, (int64_t) n->n_fatal);
                text_put(t, n->n_fatal == 1 ? " more problem would remain, marked as after the configuration fix"
                                            : " more problems would remain, marked as after the configuration fix");
        }
}

static void text_values(Text *t, const Finding *f) {
        if (f->has_src_value) {
                text_lit(t, "source ");
                text_hex(t, f->src_value);
        }
        if (f->has_dst_value) {
                text_put(t, f->has_src_value ? ", destination " : "destination ");
                text_hex(t, f->dst_value);
        }
}

static void text_field(Text *t, const Finding *f) {
        text_put(t, f->field);
        text_lit(t, " ");
        text_dec(t, f->src_field);
        text_lit(t, " (destination ");
        text_dec(t, f->dst_field);
        text_lit(t, ")");
}

static bool is_vh_field(const Finding *f) {
        return f->field && f->reg == REG_ID_ID_AA64MMFR1_EL1 && strcmp(f->field, "VH") == 0;
}

static const char *const REMEDY_KVM_MODE =
        "the hosts run KVM in different modes (VHE and nVHE): boot both with the same kvm-arm.mode";

/*
 * The text of each Reason: message and remedy templates. In a template, "%" introduces what
 * the finding fills in:
 *   %v  the values ("source 0x..", ", destination 0x.." as known)
 *   %h  the source value, %g the destination value (hex)
 *   %H  " " and the destination value, when it is known
 *   %s  the source value, %d the destination value (decimal: entry counts)
 *   %x  the reason's extra bits (hex)
 *   %F  the field: "NAME src (destination dst)"; %R its rule's name
 *   %S  the source configuration's name, %D the destination's (printable ASCII only)
 *   %W  why the destination recorded its configuration as impossible
 *   %E  "source" when extra is set, "destination" otherwise
 *   %K  the source kernel's version
 *   %N  the nearest configuration the after-fix findings compare with (text_nearest())
 */
typedef enum TextAlt {
        ALT_NEVER = 0,
        ALT_NO_FIELD,                /* the finding names no field */
        ALT_NO_SOURCE_VALUE,         /* the finding has no source value */
} TextAlt;

typedef struct ReasonText {
        const char *message;
        const char *message_alt;     /* instead of message when `alt` holds */
        TextAlt alt;
        const char *remedy;
        const char *remedy_older;    /* instead of remedy when the destination kernel is the older one */
        bool vh_remedy;              /* ID_AA64MMFR1_EL1.VH: REMEDY_KVM_MODE instead */
} ReasonText;

#define REMEDY_SAME_CPU_MODEL "migrate between hosts of the same CPU model"
#define MESSAGE_OWN_VALUE_FIELD "the destination kernel takes only its own value (%v; %F): KVM_SET_ONE_REG refused"
#define MESSAGE_OWN_VALUE "the destination kernel takes only its own value (%v): KVM_SET_ONE_REG refused"
#define MESSAGE_BITS_NOT_WRITABLE "the destination refuses differing bits %x outside its writable fields (%v)"
#define REMEDY_UNRUNNABLE \
        "migrate to a host whose CPU and kernel offer the guest's vCPU features, or start the guest with those features off"

/* Rows two reasons share. */
#define ROW_ID_EQUAL {                                                                                          \
        .message = MESSAGE_OWN_VALUE_FIELD, .message_alt = MESSAGE_OWN_VALUE, .alt = ALT_NO_FIELD,               \
        .remedy = "migrate only between hosts of the same CPU model and kernel series, "                        \
                  "or pin the guest's CPU features",                                                            \
        .remedy_older = "migrate to a host with the same kernel series and CPU model (newer kernels "           \
                        "accept lower ID values), or pin the guest's CPU features",                             \
        .vh_remedy = true,                                                                                      \
}
#define ROW_PMU {                                                                                               \
        .message = "the PMU version does not match the destination vCPU's PMU (%v)",                            \
        .remedy = "give the source and the destination vCPU the same PMU setting (pmu=on/off)",                 \
}

static const ReasonText reason_texts[] = {
        [REASON_NONE] = { .message = "%v", .remedy = "none" },
        [REASON_CONFIG_SKIPPED] = {
                .message = "the destination cannot run the source's vCPU configuration '%S' (the destination "
                           "recorded it as impossible: %W)%N",
                .remedy = REMEDY_UNRUNNABLE,
        },
        [REASON_CONFIG_MISSING] = {
                .message = "the destination cannot run the source's vCPU configuration '%S' (no destination "
                           "configuration has its features)%N",
                .remedy = REMEDY_UNRUNNABLE,
        },
        [REASON_SOURCE_SKIPPED] = {
                .message = "the source itself cannot run this vCPU configuration",
                .remedy = "compare a configuration the source host can run",
        },
        [REASON_SVE_LENGTHS] = {
                .message = "the destination cannot create the guest's SVE vector lengths (QEMU under KVM "
                           "enables every length the host supports up to the longest one)%N",
                .remedy = "migrate to a host with the same SVE vector lengths (same CPU model), "
                          "or start the guest with fewer vector lengths",
        },
        [REASON_FEATURES_DIFFER] = {
                .message = "QEMU's -cpu host on the destination would build other vCPU features or SVE vector "
                           "lengths (%D) than the source's (%S)",
                .remedy = "pin the destination's vCPU features to the source's with the -cpu properties listed "
                          "under adjustments (the kvmregs hook applies them)",
        },
        [REASON_COUNT] = {
                .message = "the source sends %s cpreg entries, the destination has %d: QEMU fails with "
                           "'Failed to load cpu:cpreg_vmstate_array_len'",
                .remedy = "migrate to a host with the same kernel series (or a newer one) and the same vCPU features",
        },
        [REASON_NOT_ON_DEST] = {
                .message = "the destination kernel does not list this register: QEMU's cpu_post_load fails",
                .remedy = "migrate to a host with the same kernel series and vCPU features",
                .remedy_older = "upgrade the destination kernel to at least %K so that the register exists, "
                                "or migrate to a host with the same kernel series",
        },
        [REASON_DROPPED] = {
                .message = "above the destination's highest register: QEMU drops it silently and the guest loses "
                           "its value",
                .remedy = "migrate to a host with the same kernel series if the guest depends on this register",
        },
        [REASON_DEST_ONLY] = {
                .message = "only the destination has it: it keeps the destination's reset value%H",
                .remedy = "none needed",
        },
        [REASON_TOLERATED_SRC_ONLY] = {
                .message = "tolerated by QEMU >= 11.1 (ToleranceNotOnBothEnds): absent on the destination, "
                           "QEMU skips it and loads",
                .remedy = "none needed with QEMU 11.1 or later on the destination",
        },
        [REASON_TOLERATED_TEST_VALUE] = {
                .message = "tolerated by QEMU >= 11.1 (ToleranceOnlySrcTestValue): absent on the destination, "
                           "and the source's value %h is the reset value QEMU accepts",
                .remedy = "none needed with QEMU 11.1 or later on the destination",
        },
        [REASON_TOLERATED_DST_ONLY] = {
                .message = "tolerated by QEMU >= 11.1 (ToleranceNotOnBothEnds): only the destination has it, "
                           "it keeps the destination's reset value%H",
                .remedy = "none needed",
        },
        [REASON_LOST_INCOMING] = {
                .message = "the guest's value is lost: the destination kernel does not list it; QEMU 11.1 prints "
                           "'in the incoming stream but unknown on the destination: fail migration' but drops it "
                           "and loads",
                .remedy = "migrate to a host with the same kernel series if the guest depends on this register",
                .remedy_older = "upgrade the destination kernel to at least %K so that the register is carried, "
                                "or migrate to a host with the same kernel series",
        },
        [REASON_BAD_SIZE] = {
                .message = "QEMU cannot carry a register of this size (only U32/U64) and refuses to run the vCPU "
                           "on the %E",
                .remedy = "use a QEMU and kernel pair that support this vCPU configuration",
        },
        [REASON_IMP_ID] = {
                .message = "invariant on the destination (%v): KVM_SET_ONE_REG refused",
                .remedy = "the CPUs differ (MIDR): migrate only between hosts of the same CPU model",
        },
        [REASON_ID_EQUAL] = ROW_ID_EQUAL,
        [REASON_ID_NO_TABLE] = ROW_ID_EQUAL,
        [REASON_CACHE_EQUAL] = {
                .message = MESSAGE_OWN_VALUE_FIELD,
                .message_alt = MESSAGE_OWN_VALUE,
                .alt = ALT_NO_FIELD,
                .remedy = "the cache description differs: migrate between hosts of the same CPU model and kernel "
                          "series (kernels from 6.3 accept other cache geometries)",
                .vh_remedy = true,
        },
        [REASON_ID_FIELD_UNSAFE] = {
                .message = "the destination refuses %F: the field is %R (%v)",
                .message_alt = MESSAGE_BITS_NOT_WRITABLE,
                .alt = ALT_NO_FIELD,
                .remedy = "the guest saw a feature the destination CPU lacks: migrate to a host of the same "
                          "or a newer CPU model, or pin the guest's CPU features",
                .vh_remedy = true,
        },
        [REASON_ID_NOT_WRITABLE] = {
                .message = "the destination refuses %F: not writable there (%v)",
                .message_alt = MESSAGE_BITS_NOT_WRITABLE,
                .alt = ALT_NO_FIELD,
                .remedy = "the destination kernel cannot change this field: migrate between hosts of the same "
                          "CPU model, or upgrade the destination kernel to one that makes the field writable",
                .vh_remedy = true,
        },
        [REASON_ID_RAZ] = {
                .message = "hidden (reads as zero) for the destination vCPU, which accepts only 0 (%v)",
                .remedy = "give the destination vCPU the same features (e.g. SVE) or migrate to a host that has them",
        },
        [REASON_HIDDEN_BY_ID] = {
                .message = "hidden on the destination once the source's ID register value, written before it, "
                           "turned its feature off (KVM_SET_ONE_REG: ENOENT), whether the source sent it or QEMU "
                           "writes back the destination's own value (%v)",
                .remedy = "migrate from a source kernel that shows the feature (the same CPU model on a kernel that "
                          "knows it), or to a destination kernel that does not list the register (before 6.13 for "
                          "TCR2_EL1, PIR_EL1, PIRE0_EL1: they are always listed and never hidden)",
        },
        [REASON_DEBUGVER] = {
                .message = "a debug architecture below Armv8 is refused (%v)",
                .remedy = "the source state is not valid for KVM: re-create the guest on a supported host",
        },
        [REASON_PERFMON] = ROW_PMU,
        [REASON_PMU_MISMATCH] = ROW_PMU,
        [REASON_CSV] = {
                .message = "promises a Spectre/Meltdown immunity (CSV2/CSV3) the destination host lacks (%v)",
                .remedy = "migrate to a host of the same CPU model",
        },
        [REASON_CLIDR_INVALID] = {
                .message = "a cache hierarchy the destination refuses (RES0 bits, or no IDC on the host) (%v)",
                .remedy = REMEDY_SAME_CPU_MODEL,
        },
        [REASON_CCSIDR_LINE] = {
                .message = "a cache line shorter than the destination's minimum (%v)",
                .remedy = REMEDY_SAME_CPU_MODEL,
        },
        [REASON_PSCI] = {
                .message = "the destination kernel does not implement this PSCI version (%v)",
                .remedy = "upgrade the destination kernel to a series at least as new as the source's, "
                          "or migrate to a host with the same kernel series",
        },
        [REASON_WORKAROUND] = {
                .message = "the guest was promised a better Spectre mitigation state than the destination host "
                           "has (%v)",
                .remedy = "migrate to a host of the same CPU model (the mitigation state follows the CPU)",
        },
        [REASON_BMAP] = {
                .message = "hypercall services the destination kernel does not offer: bits %x (%v)",
                .remedy = "upgrade the destination kernel, or clear those bits on the source before the guest starts",
        },
        [REASON_NK_PMU_PAIR] = {
                .message = "accepted, but this kernel applies the PMU SET/CLR pair like guest writes: "
                           "written %h, restored %g",
                .message_alt = "accepted, but this kernel applies the PMU SET/CLR pair like guest writes: "
                               "the guest's counter enables/overflow flags do not survive",
                .alt = ALT_NO_SOURCE_VALUE,
                .remedy = "upgrade the destination kernel to one with the PMU set/clear fix (as 7.2 has); "
                          "a guest not using the PMU is unaffected",
        },
        [REASON_NK_MMFR2_NV] = {
                .message = "the destination drops the deprecated NV field the source kernel exposed (%v)",
                .remedy = "none: the guest never sees the field on newer kernels",
        },
        [REASON_NK_PMU_MASKED] = {
                .message = "accepted, but only the bits of counters the vCPU has are kept (%v)",
                .remedy = "none needed: the guest has no such counters",
        },
        [REASON_NK_PMCR] = {
                .message = "accepted, but the kernel keeps only the control bits and its own counter count N (%v)",
                .remedy = "none needed unless the guest relies on PMCR_EL0's identification bits or more counters: "
                          "then migrate to a host with the same kernel series and CPU",
        },
        [REASON_NK_WRITE_ONLY] = {
                .message = "accepted; a write-only register that reads as zero (%v)",
                .remedy = "none needed",
        },
        [REASON_NK_COUNTER_WIDTH] = {
                .message = "accepted, but the destination vCPU's event counters are 32 bits wide (no PMUv3p5): the "
                           "upper half is lost (%v)",
                .remedy = "none needed for 32-bit counting; else migrate to a host whose PMU has 64-bit counters",
        },
        [REASON_NK_AARCH32] = {
                .message = "accepted but ignored: the destination CPU has no AArch32 and its AArch32 ID registers "
                           "read as zero (%v)",
                .remedy = "none for 64-bit guests; a guest using AArch32 needs a host with AArch32",
        },
        [REASON_NK_WORKAROUND] = {
                .message = "accepted, but reads back the destination's own mitigation state (%v)",
                .remedy = "none needed: the guest sees the destination host's state",
        },
        [REASON_NK_PMUVER_IMPDEF] = {
                .message = "accepted, with the IMPLEMENTATION DEFINED PMU version rewritten to 0 (%v)",
                .remedy = "none needed",
        },
};

/* Writes template into t, filling in the finding (see reason_texts). */
static void text_expand(Text *t, const char *template, const Pending *pd, const TextContext *x) {
        const Finding *f = &pd->f;

        for (const char *p = template; *p;) {
                const char *pct = strchr(p, '%');

                if (!pct) {
                        text_put(t, p);
                        return;
                }
                text_putn(t, p, (size_t) (pct - p));
                switch (pct[1]) {
                case 'v':
                        text_values(t, f);
                        break;
                case 'h':
                        text_hex(t, f->src_value);
                        break;
                case 'g':
                        text_hex(t, f->dst_value);
                        break;
                case 'H':
                        if (f->has_dst_value) {
                                text_lit(t, " ");
                                text_hex(t, f->dst_value);
                        }
                        break;
                case 's':
                        text_dec(t, (int64_t) f->src_value);
                        break;
                case 'd':
                        text_dec(t, (int64_t) f->dst_value);
                        break;
                case 'x':
                        text_hex(t, pd->extra);
                        break;
                case 'F':
                        text_field(t, f);
                        break;
                case 'R':
                        text_put(t, field_rule_name(f->rule));
                        break;
                case 'S':
                        text_put_clean(t, x->s ? x->s->name : "?");
                        break;
                case 'D':
                        text_put_clean(t, x->d ? x->d->name : "?");
                        break;
                case 'W':
                        if (x->d && x->d->skipped)
                                text_put_clean(t, x->d->skipped);
                        break;
                case 'E':
                        text_put(t, pd->extra ? "source" : "destination");
                        break;
                case 'K':
                        text_kernel(t, x->src_kernel);
                        break;
                case 'N':
                        text_nearest(t, x);
                        break;
                default:        /* not in any template */
                        text_putn(t, pct, pct[1] ? 2 : 1);
                        break;
                }
                p = pct + (pct[1] ? 2 : 1);
        }
}

static void describe(const Pending *pd, const TextContext *x, Text *m, Text *rem) {
        const Finding *f = &pd->f;
        const ReasonText *rt = (size_t) pd->reason < ELEMENTSOF(reason_texts) && reason_texts[pd->reason].message
                                       ? &reason_texts[pd->reason]
                                       : &reason_texts[REASON_NONE];
        bool dst_older = x->dst_kernel && x->src_kernel && x->dst_kernel < x->src_kernel;
        bool alt = (rt->alt == ALT_NO_FIELD && !f->field) || (rt->alt == ALT_NO_SOURCE_VALUE && !f->has_src_value);

        /* The register is not repeated in the text: every form of the report names it beside. */
        text_expand(m, alt ? rt->message_alt : rt->message, pd, x);
        if (rt->vh_remedy && is_vh_field(f))
                text_put(rem, REMEDY_KVM_MODE);
        else
                text_expand(rem, dst_older && rt->remedy_older ? rt->remedy_older : rt->remedy, pd, x);
        text_end(m);
        text_end(rem);
}

/* ---- building the report ---- */

#define MESSAGE_MAX 384
#define REMEDY_MAX 256

static int pending_cmp(const void *a, const void *b) {
        const Pending *x = a, *y = b;

        if (x->f.severity != y->f.severity)
                return x->f.severity > y->f.severity ? -1 : 1;
        if (x->f.reg != y->f.reg)
                return x->f.reg < y->f.reg ? -1 : 1;
        return (int) x->f.kind - (int) y->f.kind;
}

/* Moves the findings into r: one allocation holds the array and every message and remedy. */
static int report_take_findings(Report *r, Collector *c, const TextContext *x) {
        Finding *block;
        char *text;

        if (c->n > 1)
                qsort(c->items, c->n, sizeof(Pending), pending_cmp);
        block = malloc(c->n * (sizeof(Finding) + MESSAGE_MAX + REMEDY_MAX) + 1);
        if (!block)
                return -ENOMEM;
        text = (char *) (block + c->n);
        for (size_t i = 0; i < c->n; i++) {
                Text m = { text, text + MESSAGE_MAX }, rem = { text + MESSAGE_MAX, text + MESSAGE_MAX + REMEDY_MAX };

                block[i] = c->items[i].f;
                describe(&c->items[i], x, &m, &rem);
                block[i].message = text;
                block[i].remedy = text + MESSAGE_MAX;
                text += MESSAGE_MAX + REMEDY_MAX;
        }
        free(r->findings);
        r->findings = block;
        r->n_findings = c->n;
        return 0;
}

static Verdict verdict_of(const Collector *c) {
        Verdict v = VERDICT_COMPATIBLE;

        for (size_t i = 0; i < c->n; i++) {
                if (c->items[i].f.severity == SEVERITY_FATAL)
                        return VERDICT_INCOMPATIBLE;
                if (c->items[i].f.severity == SEVERITY_ADJUST)
                        v = VERDICT_ADJUSTED;
        }
        return v;
}

static Report *report_new(const Profile *src, const VcpuConfig *s, const Profile *dst, const VcpuConfig *d) {
        Report *r = calloc(1, sizeof(Report));

        if (!r)
                return NULL;
        r->config = strdup(s->name);
        r->dst_config = strdup(d ? d->name : s->name);
        if (!r->config || !r->dst_config)
                return report_free(r);
        r->src_count = s->n_cpregs;
        r->dst_count = d ? d->n_cpregs : 0;
        memcpy(r->src_digest, src->digest, sizeof(r->src_digest));
        memcpy(r->dst_digest, dst->digest, sizeof(r->dst_digest));
        r->src_digest[PROFILE_DIGEST_HEX] = r->dst_digest[PROFILE_DIGEST_HEX] = 0;
        return r;
}

static int collect_like_for_like(Collector *c, const VcpuConfig *s, const Profile *dst, const VcpuConfig *d,
                                 QemuLoad qemu) {
        Dest dest;

        dest_init(&dest, dst, d);
        dest.qemu = qemu;
        dest_apply_source(&dest, s);
        return compare_walk(c, s, &dest);
}

static int report_finish(Report *r, Collector *c, const Profile *src, const VcpuConfig *s, const Profile *dst,
                         const VcpuConfig *d, const NearestConfig *nearest) {
        TextContext x = {
                .src_kernel = profile_kernel_version(src),
                .dst_kernel = profile_kernel_version(dst),
                .s = s,
                .d = d,
                .nearest = nearest,
        };

        r->verdict = verdict_of(c);
        return report_take_findings(r, c, &x);
}

int vcpu_config_compare(const Profile *src, const VcpuConfig *s, const Profile *dst, const VcpuConfig *d,
                        Report **ret) {
        return vcpu_config_compare_qemu(src, s, dst, d, QEMU_LOAD_7_2, ret);
}

int vcpu_config_compare_qemu(const Profile *src, const VcpuConfig *s, const Profile *dst, const VcpuConfig *d,
                             QemuLoad load, Report **ret) {
        _cleanup_(report_freep) Report *r = NULL;
        _cleanup_(collector_done) Collector c = COLLECTOR_INIT(c);
        int k;

        if (!src || !s || !dst || !d || !ret)
                return -EINVAL;
        if ((unsigned) load >= _QEMU_LOAD_MAX)
                return -EINVAL;
        r = report_new(src, s, dst, d);
        if (!r)
                return -ENOMEM;
        r->dst_qemu_load = load;
        k = collect_like_for_like(&c, s, dst, d, load);
        if (k >= 0)
                k = report_finish(r, &c, src, s, dst, d, NULL);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(r);
        return 0;
}

/* ---- features and adjustments ---- */

static bool config_has_mte(const VcpuConfig *c) {
        return vcpu_config_has_feature(c, "mte_vm_cap");
}

static bool same_features(const VcpuConfig *a, const VcpuConfig *b) {
        return a->init_features0 == b->init_features0 && config_has_mte(a) == config_has_mte(b);
}

static bool same_sve_lengths(const VcpuConfig *a, const VcpuConfig *b) {
        return !a->has_sve_vls || !b->has_sve_vls || memcmp(a->sve_vls, b->sve_vls, sizeof(a->sve_vls)) == 0;
}

static int adjustments_add(Report *r, const char *s) {
        char **a;

        a = realloc(r->adjustments, (r->n_adjustments + 1) * sizeof(char *));
        if (!a)
                return -ENOMEM;
        r->adjustments = a;
        a[r->n_adjustments] = strdup(s);
        if (!a[r->n_adjustments])
                return -ENOMEM;
        r->n_adjustments++;
        return 0;
}

/* QEMU -cpu properties that give the destination the source's features. */
static int adjustments_for_features(Report *r, uint32_t src, uint32_t dst) {
        static const struct {
                uint32_t bits;
                const char *on, *off;
        } props[] = {
                { VCPU_FEATURE_PMU_V3, "pmu=on", "pmu=off" },
                { VCPU_FEATURE_SVE, "sve=on", "sve=off" },
                { VCPU_FEATURE_PTRAUTH_ADDRESS | VCPU_FEATURE_PTRAUTH_GENERIC, "pauth=on", "pauth=off" },
                { VCPU_FEATURE_EL1_32BIT, "aarch64=off", "aarch64=on" },
        };
        int k;

        for (size_t i = 0; i < ELEMENTSOF(props); i++) {
                bool in_src = (src & props[i].bits) != 0, in_dst = (dst & props[i].bits) != 0;

                if (in_src == in_dst)
                        continue;
                k = adjustments_add(r, in_src ? props[i].on : props[i].off);
                if (k < 0)
                        return k;
        }
        return 0;
}

/* 0, adjustments added or not; -EOPNOTSUPP: the destination lacks one of the source's lengths. */
static int adjust_sve_lengths(Report *r, const VcpuConfig *s, const VcpuConfig *d) {
        if (same_sve_lengths(s, d))
                return 0;
        /* QEMU under KVM enables every supported length up to the longest: the guest's set must be the
         * destination's up to the guest's longest (lib/nearest.c). */
        if (!sve_lengths_creatable(s, d, NULL))
                return -EOPNOTSUPP;
        /* One QEMU property per length the destination offers: VQ n (bit n-1) is sve<n*128>, up to 2048 bits. */
        for (unsigned vq = 1; vq <= 16; vq++) {
                char buf[16];
                Text t = { buf, buf + sizeof(buf) };
                int k;

                if (!(d->sve_vls[0] >> (vq - 1) & 1))
                        continue;
                text_lit(&t, "sve");
                text_dec(&t, vq * 128);
                text_put(&t, (s->sve_vls[0] >> (vq - 1) & 1) ? "=on" : "=off");
                text_end(&t);
                k = adjustments_add(r, buf);
                if (k < 0)
                        return k;
        }
        return 0;
}

/*
 * Behind a configuration problem: the comparison with the nearest configuration the destination
 * can create (lib/nearest.h), every finding marked as remaining after the configuration fix.
 * Nothing near: no findings (the configuration finding says so).
 */
static int collect_after_fix(Collector *c, const Profile *src, const VcpuConfig *s, const Profile *dst, QemuLoad qemu,
                             NearestConfig *ret_nearest, bool *ret_has) {
        NearestConfig n;
        size_t first = c->n;
        int k;

        k = nearest_config(src, s, dst, &n);
        if (k == -ENOENT)
                return 0;
        if (k < 0)
                return k;
        k = collect_like_for_like(c, &n.source, dst, n.dest, qemu);
        if (k < 0) {
                nearest_config_done(&n);
                return k;
        }
        for (size_t i = first; i < c->n; i++) {
                c->items[i].f.after_config_fix = true;
                n.n_fatal += c->items[i].f.severity == SEVERITY_FATAL;
        }
        *ret_nearest = n;
        *ret_has = true;
        return 0;
}

int profile_compare(const Profile *src, const char *src_config, const Profile *dst, const char *dst_config,
                    Report **ret) {
        return profile_compare_with(src, src_config, dst, dst_config, NULL, ret);
}

/* The destination's load path and the versions: the options, else the profiles, else legacy (assumed). */
static int report_set_qemu(Report *r, const Profile *src, const Profile *dst, const CompareOptions *o) {
        const char *dv = o && o->dst_qemu_version ? o->dst_qemu_version : dst->qemu.version;
        const char *sv = o && o->src_qemu_version ? o->src_qemu_version : src->qemu.version;
        int k;

        r->dst_qemu_assumed = false;
        r->dst_qemu_origin = o && (o->dst_qemu_version || o->dst_load_set) ? QEMU_ORIGIN_OPTION : dst->qemu.origin;
        r->src_qemu_origin = o && o->src_qemu_version ? QEMU_ORIGIN_OPTION : sv ? src->qemu.origin : QEMU_ORIGIN_DEFAULT;
        if (o && o->dst_qemu_version) {
                k = qemu_load_from_version(o->dst_qemu_version, &r->dst_qemu_load);
                if (k < 0)
                        return k;
        } else if (o && o->dst_load_set)
                r->dst_qemu_load = o->dst_load;
        else if (dst->qemu.has_load)
                r->dst_qemu_load = dst->qemu.load;
        else if (dst->qemu.version && qemu_load_from_version(dst->qemu.version, &r->dst_qemu_load) >= 0)
                ;
        else {
                r->dst_qemu_load = QEMU_LOAD_7_2;
                r->dst_qemu_assumed = true;
                r->dst_qemu_origin = QEMU_ORIGIN_DEFAULT;
        }
        if ((unsigned) r->dst_qemu_load >= _QEMU_LOAD_MAX)
                return -EINVAL;
        if (o && o->src_qemu_version && qemu_parse_version(o->src_qemu_version, NULL, NULL, NULL) < 0)
                return -EINVAL;
        if (dv && !(r->dst_qemu_version = strdup(dv)))
                return -ENOMEM;
        if (sv && !(r->src_qemu_version = strdup(sv)))
                return -ENOMEM;
        return 0;
}

int profile_compare_with(const Profile *src, const char *src_config, const Profile *dst, const char *dst_config,
                         const CompareOptions *options, Report **ret) {
        _cleanup_(report_freep) Report *r = NULL;
        const VcpuConfig *s, *d, *like;
        _cleanup_(collector_done) Collector c = COLLECTOR_INIT(c);
        _cleanup_(nearest_config_done) NearestConfig nearest = {};
        bool has_nearest = false;
        int k;

        if (!src || !src_config || !dst || !ret)
                return -EINVAL;
        s = profile_get_config(src, src_config);
        if (!s)
                return -ENOENT;
        d = profile_get_config(dst, dst_config ? dst_config : src_config);
        if (d && d->skipped)
                d = NULL;

        /* Like for like when the destination's QEMU builds the source's features; else look for them. */
        like = d && same_features(s, d) ? d : profile_find_config_by_features(dst, s->init_features0, config_has_mte(s));
        r = report_new(src, s, dst, like ? like : d);
        if (!r)
                return -ENOMEM;
        k = report_set_qemu(r, src, dst, options);
        if (k < 0)
                return k;

        if (s->skipped)
                k = collector_add_global(&c, FINDING_CONFIG_UNSUPPORTED, SEVERITY_FATAL, REASON_SOURCE_SKIPPED);
        else if (!like) {
                const VcpuConfig *named = profile_get_config(dst, dst_config ? dst_config : src_config);

                /* "recorded as impossible" only when it was; a configuration of that name with other
                 * features is simply not the source's */
                k = collector_add_global(&c, FINDING_CONFIG_UNSUPPORTED, SEVERITY_FATAL,
                                         named && named->skipped ? REASON_CONFIG_SKIPPED : REASON_CONFIG_MISSING);
                if (k >= 0)
                        k = collect_after_fix(&c, src, s, dst, r->dst_qemu_load, &nearest, &has_nearest);
        } else {
                k = d && d != like ? adjustments_for_features(r, s->init_features0, d->init_features0) : 0;
                if (k >= 0)
                        k = adjust_sve_lengths(r, s, like);
                if (k == -EOPNOTSUPP) {
                        k = collector_add_global(&c, FINDING_CONFIG_UNSUPPORTED, SEVERITY_FATAL, REASON_SVE_LENGTHS);
                        if (k >= 0)
                                k = collect_after_fix(&c, src, s, dst, r->dst_qemu_load, &nearest, &has_nearest);
                } else if (k >= 0) {
                        if (r->n_adjustments > 0) {
                                Pending *p = collector_add(&c, FINDING_FEATURES_DIFFER, SEVERITY_ADJUST, 0,
                                                           REASON_FEATURES_DIFFER);
                                if (!p)
                                        return -ENOMEM;
                                pending_values(p, true, s->init_features0, true, (d ? d : like)->init_features0);
                        }
                        k = collect_like_for_like(&c, s, dst, like, r->dst_qemu_load);
                }
        }
        if (k >= 0) {
                const VcpuConfig *shown = d ? d : profile_get_config(dst, dst_config ? dst_config : src_config);
                k = report_finish(r, &c, src, s, dst, shown ? shown : like, has_nearest ? &nearest : NULL);
        }
        if (k < 0)
                return k;
        *ret = TAKE_PTR(r);
        return 0;
}
