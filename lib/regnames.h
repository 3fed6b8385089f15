/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * KVM arm64 ONE_REG register ids: classes, names, and the field layout of the
 * ID registers. Layout facts from the Linux uapi (arch/arm64/include/uapi/asm/kvm.h)
 * and the Arm ARM; tables written for kvmregs.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REG_ARCH_ARM64        0x6000000000000000ULL
#define REG_ARCH_MASK         0xff00000000000000ULL
#define REG_SIZE_MASK         0x00f0000000000000ULL
#define REG_SIZE_SHIFT        52
#define REG_SIZE_U32          0x0020000000000000ULL
#define REG_SIZE_U64          0x0030000000000000ULL
#define REG_COPROC_MASK       0x000000000fff0000ULL
#define REG_COPROC_SHIFT      16

enum {
        REG_COPROC_CORE         = 0x10,
        REG_COPROC_DEMUX        = 0x11,
        REG_COPROC_SYSREG       = 0x13,
        REG_COPROC_FW           = 0x14,
        REG_COPROC_SVE          = 0x15,
        REG_COPROC_FW_FEAT_BMAP = 0x16,
};

typedef enum RegClass {
        REG_CLASS_UNKNOWN = 0,
        REG_CLASS_CORE,
        REG_CLASS_DEMUX,        /* CCSIDR_EL1 per CSSELR value */
        REG_CLASS_SYSREG,
        REG_CLASS_FW,           /* PSCI_VERSION, SMCCC_ARCH_WORKAROUND_* */
        REG_CLASS_SVE,
        REG_CLASS_FW_FEAT_BMAP, /* STD, STD_HYP, VENDOR_HYP(_2) bitmaps */
} RegClass;

#define SYSREG_ID(op0, op1, crn, crm, op2)                                          \
        (REG_ARCH_ARM64 | REG_SIZE_U64 | ((uint64_t) REG_COPROC_SYSREG << 16) |     \
         ((uint64_t) (op0) << 14) | ((uint64_t) (op1) << 11) | ((uint64_t) (crn) << 7) | \
         ((uint64_t) (crm) << 3) | (uint64_t) (op2))

#define REG_ID_MIDR_EL1         SYSREG_ID(3, 0, 0, 0, 0)
#define REG_ID_MPIDR_EL1        SYSREG_ID(3, 0, 0, 0, 5)
#define REG_ID_REVIDR_EL1       SYSREG_ID(3, 0, 0, 0, 6)
#define REG_ID_AIDR_EL1         SYSREG_ID(3, 1, 0, 0, 7)
#define REG_ID_CLIDR_EL1        SYSREG_ID(3, 1, 0, 0, 1)
#define REG_ID_CCSIDR_EL1       SYSREG_ID(3, 1, 0, 0, 0)
#define REG_ID_CTR_EL0          SYSREG_ID(3, 3, 0, 0, 1)
#define REG_ID_ID_AA64PFR0_EL1  SYSREG_ID(3, 0, 0, 4, 0)
#define REG_ID_ID_AA64ZFR0_EL1  SYSREG_ID(3, 0, 0, 4, 4)
#define REG_ID_ID_AA64DFR0_EL1  SYSREG_ID(3, 0, 0, 5, 0)
#define REG_ID_ID_AA64MMFR1_EL1 SYSREG_ID(3, 0, 0, 7, 1)
#define REG_ID_ID_AA64MMFR2_EL1 SYSREG_ID(3, 0, 0, 7, 2)

/* KVM_REG_ARM_FW (U64) */
#define REG_ID_PSCI_VERSION             (REG_ARCH_ARM64 | REG_SIZE_U64 | (0x14ULL << 16) | 0)
#define REG_ID_SMCCC_ARCH_WORKAROUND_1  (REG_ARCH_ARM64 | REG_SIZE_U64 | (0x14ULL << 16) | 1)
#define REG_ID_SMCCC_ARCH_WORKAROUND_2  (REG_ARCH_ARM64 | REG_SIZE_U64 | (0x14ULL << 16) | 2)
#define REG_ID_SMCCC_ARCH_WORKAROUND_3  (REG_ARCH_ARM64 | REG_SIZE_U64 | (0x14ULL << 16) | 3)
/* KVM_REG_ARM_FW_FEAT_BMAP (U64) */
#define REG_ID_STD_BMAP                 (REG_ARCH_ARM64 | REG_SIZE_U64 | (0x16ULL << 16) | 0)
#define REG_ID_STD_HYP_BMAP             (REG_ARCH_ARM64 | REG_SIZE_U64 | (0x16ULL << 16) | 1)
#define REG_ID_VENDOR_HYP_BMAP          (REG_ARCH_ARM64 | REG_SIZE_U64 | (0x16ULL << 16) | 2)
#define REG_ID_VENDOR_HYP_BMAP_2        (REG_ARCH_ARM64 | REG_SIZE_U64 | (0x16ULL << 16) | 3)

/* Longest name reg_id_name() writes, with the NUL. */
#define REG_NAME_MAX 64

RegClass reg_id_class(uint64_t id);
const char *reg_class_name(RegClass c);          /* "core", "demux", "sysreg", "fw", "sve", "fw-bmap", "unknown" */
/* Register size in bytes from the id's size field (1..256), 0 if not arm64. */
unsigned reg_id_size(uint64_t id);
/* arm64, a known class, and the size the class allows. */
bool reg_id_is_valid(uint64_t id);
/* QEMU syncs this register through its cpreg list: not core, not SVE (target/arm/kvm64.c). */
bool reg_id_in_cpreg_list(uint64_t id);
/* Decodes a sysreg id; false if the id is not a sysreg. Outputs may be NULL. */
bool reg_id_sysreg(uint64_t id, unsigned *ret_op0, unsigned *ret_op1, unsigned *ret_crn,
                   unsigned *ret_crm, unsigned *ret_op2);
/* Feature ID space KVM exposes and masks: op0=3, op1=0, CRn=0, CRm 0-7 (any op2). */
bool reg_id_is_feature_id(uint64_t id);
/* The cache a CCSIDR demux id describes (its CSSELR value): level 1-7, instruction or data/unified. */
bool reg_id_ccsidr_cache(uint64_t id, unsigned *ret_level, bool *ret_instruction);

/*
 * The register's name into buf (at least REG_NAME_MAX bytes): the architectural name
 * ("ID_AA64PFR0_EL1", "CNTV_CVAL_EL0"), the generic sysreg form ("S3_0_C0_C4_7"),
 * "CCSIDR_EL1[csselr=0x2]", "PSCI_VERSION", "KVM_REG_ARM_STD_BMAP", "X0".."PC", "Z0[0]",
 * or "0x<hex id>" for anything unknown. Always returns buf.
 */
const char *reg_id_name(uint64_t id, char *buf, size_t size);
/* Inverse of reg_id_name() for every name it produces (and "0x..." ids). -EINVAL if unknown. */
int reg_name_to_id(const char *name, uint64_t *ret_id);

/* ---- ID register fields ---- */

/* The kernel's safe rule for a field (arch/arm64 cpufeature FTR_* types). */
typedef enum FieldRule {
        FIELD_RULE_NONE = 0,          /* the kernel does not describe this field: must be equal */
        FIELD_RULE_LOWER_SAFE,
        FIELD_RULE_HIGHER_SAFE,
        FIELD_RULE_EXACT,             /* equal, or the field's safe value */
        FIELD_RULE_HIGHER_OR_ZERO_SAFE,
} FieldRule;

typedef struct IdField {
        const char *name;    /* "SVE", "DebugVer" */
        uint8_t shift;
        uint8_t width;
        bool is_signed;
        FieldRule rule;      /* as the kernel's feature tables describe it (recent kernels) */
        int64_t safe_val;    /* for FIELD_RULE_EXACT */
} IdField;

typedef struct IdRegDesc {
        uint64_t id;
        const char *name;
        const IdField *fields;   /* ascending shift */
        size_t n_fields;
} IdRegDesc;

/* Field table of an ID/invariant register (feature ID space, CTR_EL0, CLIDR_EL1, MIDR_EL1...), or NULL. */
const IdRegDesc *id_reg_lookup(uint64_t id);
/* Every register id_reg_lookup() knows, in the order of its table. */
const IdRegDesc *id_reg_table(size_t *ret_n);
/* Field value, sign-extended for signed fields. */
int64_t id_field_get(const IdField *f, uint64_t value);
uint64_t id_field_mask(const IdField *f);
const char *field_rule_name(FieldRule r);  /* "lower-safe", "higher-safe", "exact", "higher-or-zero", "equal" */
