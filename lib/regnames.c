/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Names of KVM arm64 ONE_REG ids and their inverse. Encodings are those of the Linux uapi
 * (arch/arm64/include/uapi/asm/kvm.h) and the Arm ARM; docs/registers.md explains them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "regnames.h"
#include "util.h"

/* Bits 51:28 are never set in a KVM arm64 id. */
#define REG_UNUSED_MASK 0x000ffffff0000000ULL
#define REG_INDEX_MASK  0x000000000000ffffULL

/* Size field values (log2 of the byte size). */
enum {
        SIZE_U32 = 2,
        SIZE_U64 = 3,
        SIZE_U128 = 4,
        SIZE_U256 = 5,
        SIZE_U512 = 6,
        SIZE_U2048 = 8,
};

/* struct kvm_regs offsets, in 32-bit words. */
enum {
        CORE_X0 = 0x00,
        CORE_SP = 0x3e,
        CORE_PC = 0x40,
        CORE_PSTATE = 0x42,
        CORE_SP_EL1 = 0x44,
        CORE_ELR_EL1 = 0x46,
        CORE_SPSR = 0x48,       /* KVM_NR_SPSR (5) u64s */
        CORE_V0 = 0x54,         /* 32 __uint128_t, 16-byte aligned */
        CORE_FPSR = 0xd4,
        CORE_FPCR = 0xd5,
};

static const char *const spsr_names[5] = { "SPSR_EL1", "SPSR_ABT", "SPSR_UND", "SPSR_IRQ", "SPSR_FIQ" };

/* CCSIDR demux: bits 15:8 select the demux register, 7:0 the CSSELR value. */
#define DEMUX_ID_CCSIDR 0x00
#define CSSELR_MAX      14      /* levels 1-7, data/unified or instruction; TnD not accepted by KVM */

/* SVE: Z0-Z31 and P0-P15 in up to 32 slices, FFR after P15, and the VLS pseudo-register. */
#define SVE_ZREG_BASE   0x0000
#define SVE_PREG_BASE   0x0400
#define SVE_FFR_BASE    0x0600
#define SVE_VLS_INDEX   0xffff
#define SVE_MAX_SLICES  32

static const char *const fw_names[] = {
        "PSCI_VERSION", "SMCCC_ARCH_WORKAROUND_1", "SMCCC_ARCH_WORKAROUND_2", "SMCCC_ARCH_WORKAROUND_3",
};
static const char *const fw_bmap_names[] = {
        "KVM_REG_ARM_STD_BMAP", "KVM_REG_ARM_STD_HYP_BMAP", "KVM_REG_ARM_VENDOR_HYP_BMAP",
        "KVM_REG_ARM_VENDOR_HYP_BMAP_2",
};

/* Debug breakpoint/watchpoint families: (2,0,0,<n>,4..7). */
static const char *const debug_families[4] = { "DBGBVR", "DBGBCR", "DBGWVR", "DBGWCR" };

#define ENC(op0, op1, crn, crm, op2) \
        ((uint16_t) (((op0) << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2)))

typedef struct SysregName {
        uint16_t enc;
        const char *name;
} SysregName;

/*
 * Architectural names of the system registers KVM lists (and their near neighbours), by the
 * encoding KVM uses. Numbered families (DBGBVR<n>, PMEVCNTR<n>, PMEVTYPER<n>) are generated.
 * SP_EL1, ELR_EL1 and SPSR_EL1 are left out: those names belong to the core registers KVM
 * migrates them as.
 */
static const SysregName sysreg_names[] = {
        /* debug */
        { ENC(2, 0, 0, 0, 2), "OSDTRRX_EL1" },
        { ENC(2, 0, 0, 2, 0), "MDCCINT_EL1" },
        { ENC(2, 0, 0, 2, 2), "MDSCR_EL1" },
        { ENC(2, 0, 0, 3, 2), "OSDTRTX_EL1" },
        { ENC(2, 0, 0, 6, 2), "OSECCR_EL1" },
        { ENC(2, 0, 1, 0, 0), "MDRAR_EL1" },
        { ENC(2, 0, 1, 0, 4), "OSLAR_EL1" },
        { ENC(2, 0, 1, 1, 4), "OSLSR_EL1" },
        { ENC(2, 0, 1, 3, 4), "OSDLR_EL1" },
        { ENC(2, 0, 1, 4, 4), "DBGPRCR_EL1" },
        { ENC(2, 0, 7, 8, 6), "DBGCLAIMSET_EL1" },
        { ENC(2, 0, 7, 9, 6), "DBGCLAIMCLR_EL1" },
        { ENC(2, 0, 7, 14, 6), "DBGAUTHSTATUS_EL1" },
        { ENC(2, 3, 0, 1, 0), "MDCCSR_EL0" },
        { ENC(2, 3, 0, 4, 0), "DBGDTR_EL0" },
        { ENC(2, 3, 0, 5, 0), "DBGDTRRX_EL0" },
        { ENC(2, 4, 0, 7, 0), "DBGVCR32_EL2" },
        /* identification */
        { ENC(3, 0, 0, 0, 0), "MIDR_EL1" },
        { ENC(3, 0, 0, 0, 5), "MPIDR_EL1" },
        { ENC(3, 0, 0, 0, 6), "REVIDR_EL1" },
        { ENC(3, 0, 0, 1, 0), "ID_PFR0_EL1" },
        { ENC(3, 0, 0, 1, 1), "ID_PFR1_EL1" },
        { ENC(3, 0, 0, 1, 2), "ID_DFR0_EL1" },
        { ENC(3, 0, 0, 1, 3), "ID_AFR0_EL1" },
        { ENC(3, 0, 0, 1, 4), "ID_MMFR0_EL1" },
        { ENC(3, 0, 0, 1, 5), "ID_MMFR1_EL1" },
        { ENC(3, 0, 0, 1, 6), "ID_MMFR2_EL1" },
        { ENC(3, 0, 0, 1, 7), "ID_MMFR3_EL1" },
        { ENC(3, 0, 0, 2, 0), "ID_ISAR0_EL1" },
        { ENC(3, 0, 0, 2, 1), "ID_ISAR1_EL1" },
        { ENC(3, 0, 0, 2, 2), "ID_ISAR2_EL1" },
        { ENC(3, 0, 0, 2, 3), "ID_ISAR3_EL1" },
        { ENC(3, 0, 0, 2, 4), "ID_ISAR4_EL1" },
        { ENC(3, 0, 0, 2, 5), "ID_ISAR5_EL1" },
        { ENC(3, 0, 0, 2, 6), "ID_MMFR4_EL1" },
        { ENC(3, 0, 0, 2, 7), "ID_ISAR6_EL1" },
        { ENC(3, 0, 0, 3, 0), "MVFR0_EL1" },
        { ENC(3, 0, 0, 3, 1), "MVFR1_EL1" },
        { ENC(3, 0, 0, 3, 2), "MVFR2_EL1" },
        { ENC(3, 0, 0, 3, 4), "ID_PFR2_EL1" },
        { ENC(3, 0, 0, 3, 5), "ID_DFR1_EL1" },
        { ENC(3, 0, 0, 3, 6), "ID_MMFR5_EL1" },
        { ENC(3, 0, 0, 4, 0), "ID_AA64PFR0_EL1" },
        { ENC(3, 0, 0, 4, 1), "ID_AA64PFR1_EL1" },
        { ENC(3, 0, 0, 4, 2), "ID_AA64PFR2_EL1" },
        { ENC(3, 0, 0, 4, 4), "ID_AA64ZFR0_EL1" },
        { ENC(3, 0, 0, 4, 5), "ID_AA64SMFR0_EL1" },
        { ENC(3, 0, 0, 4, 7), "ID_AA64FPFR0_EL1" },
        { ENC(3, 0, 0, 5, 0), "ID_AA64DFR0_EL1" },
        { ENC(3, 0, 0, 5, 1), "ID_AA64DFR1_EL1" },
        { ENC(3, 0, 0, 5, 2), "ID_AA64DFR2_EL1" },
        { ENC(3, 0, 0, 5, 4), "ID_AA64AFR0_EL1" },
        { ENC(3, 0, 0, 5, 5), "ID_AA64AFR1_EL1" },
        { ENC(3, 0, 0, 6, 0), "ID_AA64ISAR0_EL1" },
        { ENC(3, 0, 0, 6, 1), "ID_AA64ISAR1_EL1" },
        { ENC(3, 0, 0, 6, 2), "ID_AA64ISAR2_EL1" },
        { ENC(3, 0, 0, 6, 3), "ID_AA64ISAR3_EL1" },
        { ENC(3, 0, 0, 7, 0), "ID_AA64MMFR0_EL1" },
        { ENC(3, 0, 0, 7, 1), "ID_AA64MMFR1_EL1" },
        { ENC(3, 0, 0, 7, 2), "ID_AA64MMFR2_EL1" },
        { ENC(3, 0, 0, 7, 3), "ID_AA64MMFR3_EL1" },
        { ENC(3, 0, 0, 7, 4), "ID_AA64MMFR4_EL1" },
        /* EL1 system control */
        { ENC(3, 0, 1, 0, 0), "SCTLR_EL1" },
        { ENC(3, 0, 1, 0, 1), "ACTLR_EL1" },
        { ENC(3, 0, 1, 0, 2), "CPACR_EL1" },
        { ENC(3, 0, 1, 0, 3), "SCTLR2_EL1" },
        { ENC(3, 0, 1, 0, 5), "RGSR_EL1" },
        { ENC(3, 0, 1, 0, 6), "GCR_EL1" },
        { ENC(3, 0, 1, 2, 0), "ZCR_EL1" },
        { ENC(3, 0, 1, 2, 1), "TRFCR_EL1" },
        { ENC(3, 0, 1, 2, 4), "SMPRI_EL1" },
        { ENC(3, 0, 1, 2, 6), "SMCR_EL1" },
        { ENC(3, 0, 2, 0, 0), "TTBR0_EL1" },
        { ENC(3, 0, 2, 0, 1), "TTBR1_EL1" },
        { ENC(3, 0, 2, 0, 2), "TCR_EL1" },
        { ENC(3, 0, 2, 0, 3), "TCR2_EL1" },
        { ENC(3, 0, 2, 1, 0), "APIAKEYLO_EL1" },
        { ENC(3, 0, 2, 1, 1), "APIAKEYHI_EL1" },
        { ENC(3, 0, 2, 1, 2), "APIBKEYLO_EL1" },
        { ENC(3, 0, 2, 1, 3), "APIBKEYHI_EL1" },
        { ENC(3, 0, 2, 2, 0), "APDAKEYLO_EL1" },
        { ENC(3, 0, 2, 2, 1), "APDAKEYHI_EL1" },
        { ENC(3, 0, 2, 2, 2), "APDBKEYLO_EL1" },
        { ENC(3, 0, 2, 2, 3), "APDBKEYHI_EL1" },
        { ENC(3, 0, 2, 3, 0), "APGAKEYLO_EL1" },
        { ENC(3, 0, 2, 3, 1), "APGAKEYHI_EL1" },
        { ENC(3, 0, 2, 5, 0), "GCSCR_EL1" },
        { ENC(3, 0, 2, 5, 1), "GCSPR_EL1" },
        { ENC(3, 0, 2, 5, 2), "GCSCRE0_EL1" },
        { ENC(3, 0, 4, 1, 0), "SP_EL0" },
        { ENC(3, 0, 4, 6, 0), "ICC_PMR_EL1" },
        { ENC(3, 0, 5, 1, 0), "AFSR0_EL1" },
        { ENC(3, 0, 5, 1, 1), "AFSR1_EL1" },
        { ENC(3, 0, 5, 2, 0), "ESR_EL1" },
        { ENC(3, 0, 5, 3, 0), "ERRIDR_EL1" },
        { ENC(3, 0, 5, 3, 1), "ERRSELR_EL1" },
        { ENC(3, 0, 5, 4, 0), "ERXFR_EL1" },
        { ENC(3, 0, 5, 4, 1), "ERXCTLR_EL1" },
        { ENC(3, 0, 5, 4, 2), "ERXSTATUS_EL1" },
        { ENC(3, 0, 5, 4, 3), "ERXADDR_EL1" },
        { ENC(3, 0, 5, 5, 0), "ERXMISC0_EL1" },
        { ENC(3, 0, 5, 5, 1), "ERXMISC1_EL1" },
        { ENC(3, 0, 5, 6, 0), "TFSR_EL1" },
        { ENC(3, 0, 5, 6, 1), "TFSRE0_EL1" },
        { ENC(3, 0, 6, 0, 0), "FAR_EL1" },
        { ENC(3, 0, 6, 0, 5), "PFAR_EL1" },
        { ENC(3, 0, 7, 4, 0), "PAR_EL1" },
        { ENC(3, 0, 9, 9, 0), "PMSCR_EL1" },
        { ENC(3, 0, 9, 14, 1), "PMINTENSET_EL1" },
        { ENC(3, 0, 9, 14, 2), "PMINTENCLR_EL1" },
        { ENC(3, 0, 9, 14, 4), "PMUACR_EL1" },
        { ENC(3, 0, 9, 14, 6), "PMMIR_EL1" },
        { ENC(3, 0, 10, 2, 0), "MAIR_EL1" },
        { ENC(3, 0, 10, 2, 1), "MAIR2_EL1" },
        { ENC(3, 0, 10, 2, 2), "PIRE0_EL1" },
        { ENC(3, 0, 10, 2, 3), "PIR_EL1" },
        { ENC(3, 0, 10, 2, 4), "POR_EL1" },
        { ENC(3, 0, 10, 2, 5), "S2POR_EL1" },
        { ENC(3, 0, 10, 3, 0), "AMAIR_EL1" },
        { ENC(3, 0, 10, 3, 1), "AMAIR2_EL1" },
        { ENC(3, 0, 10, 4, 0), "LORSA_EL1" },
        { ENC(3, 0, 10, 4, 1), "LOREA_EL1" },
        { ENC(3, 0, 10, 4, 2), "LORN_EL1" },
        { ENC(3, 0, 10, 4, 3), "LORC_EL1" },
        { ENC(3, 0, 10, 4, 4), "MPAMIDR_EL1" },
        { ENC(3, 0, 10, 4, 7), "LORID_EL1" },
        { ENC(3, 0, 10, 5, 0), "MPAM1_EL1" },
        { ENC(3, 0, 10, 5, 1), "MPAM0_EL1" },
        { ENC(3, 0, 10, 5, 3), "MPAMSM_EL1" },
        { ENC(3, 0, 12, 0, 0), "VBAR_EL1" },
        { ENC(3, 0, 12, 1, 0), "ISR_EL1" },
        { ENC(3, 0, 12, 1, 1), "DISR_EL1" },
        { ENC(3, 0, 12, 8, 0), "ICC_IAR0_EL1" },
        { ENC(3, 0, 12, 8, 1), "ICC_EOIR0_EL1" },
        { ENC(3, 0, 12, 8, 2), "ICC_HPPIR0_EL1" },
        { ENC(3, 0, 12, 8, 3), "ICC_BPR0_EL1" },
        { ENC(3, 0, 12, 8, 4), "ICC_AP0R0_EL1" },
        { ENC(3, 0, 12, 8, 5), "ICC_AP0R1_EL1" },
        { ENC(3, 0, 12, 8, 6), "ICC_AP0R2_EL1" },
        { ENC(3, 0, 12, 8, 7), "ICC_AP0R3_EL1" },
        { ENC(3, 0, 12, 9, 0), "ICC_AP1R0_EL1" },
        { ENC(3, 0, 12, 9, 1), "ICC_AP1R1_EL1" },
        { ENC(3, 0, 12, 9, 2), "ICC_AP1R2_EL1" },
        { ENC(3, 0, 12, 9, 3), "ICC_AP1R3_EL1" },
        { ENC(3, 0, 12, 11, 1), "ICC_DIR_EL1" },
        { ENC(3, 0, 12, 11, 3), "ICC_RPR_EL1" },
        { ENC(3, 0, 12, 11, 5), "ICC_SGI1R_EL1" },
        { ENC(3, 0, 12, 11, 6), "ICC_ASGI1R_EL1" },
        { ENC(3, 0, 12, 11, 7), "ICC_SGI0R_EL1" },
        { ENC(3, 0, 12, 12, 0), "ICC_IAR1_EL1" },
        { ENC(3, 0, 12, 12, 1), "ICC_EOIR1_EL1" },
        { ENC(3, 0, 12, 12, 2), "ICC_HPPIR1_EL1" },
        { ENC(3, 0, 12, 12, 3), "ICC_BPR1_EL1" },
        { ENC(3, 0, 12, 12, 4), "ICC_CTLR_EL1" },
        { ENC(3, 0, 12, 12, 5), "ICC_SRE_EL1" },
        { ENC(3, 0, 12, 12, 6), "ICC_IGRPEN0_EL1" },
        { ENC(3, 0, 12, 12, 7), "ICC_IGRPEN1_EL1" },
        { ENC(3, 0, 13, 0, 1), "CONTEXTIDR_EL1" },
        { ENC(3, 0, 13, 0, 3), "RCWSMASK_EL1" },
        { ENC(3, 0, 13, 0, 4), "TPIDR_EL1" },
        { ENC(3, 0, 13, 0, 5), "ACCDATA_EL1" },
        { ENC(3, 0, 13, 0, 6), "RCWMASK_EL1" },
        { ENC(3, 0, 13, 0, 7), "SCXTNUM_EL1" },
        { ENC(3, 0, 14, 1, 0), "CNTKCTL_EL1" },
        /* op1 = 1, 2: cache identification and selection */
        { ENC(3, 1, 0, 0, 0), "CCSIDR_EL1" },
        { ENC(3, 1, 0, 0, 1), "CLIDR_EL1" },
        { ENC(3, 1, 0, 0, 2), "CCSIDR2_EL1" },
        { ENC(3, 1, 0, 0, 4), "GMID_EL1" },
        { ENC(3, 1, 0, 0, 6), "SMIDR_EL1" },
        { ENC(3, 1, 0, 0, 7), "AIDR_EL1" },
        { ENC(3, 2, 0, 0, 0), "CSSELR_EL1" },
        /* EL0 */
        { ENC(3, 3, 0, 0, 1), "CTR_EL0" },
        { ENC(3, 3, 0, 0, 7), "DCZID_EL0" },
        { ENC(3, 3, 2, 5, 1), "GCSPR_EL0" },
        { ENC(3, 3, 4, 2, 0), "NZCV" },
        { ENC(3, 3, 4, 2, 1), "DAIF" },
        { ENC(3, 3, 4, 2, 2), "SVCR" },
        { ENC(3, 3, 4, 4, 2), "FPMR" },
        { ENC(3, 3, 9, 12, 0), "PMCR_EL0" },
        { ENC(3, 3, 9, 12, 1), "PMCNTENSET_EL0" },
        { ENC(3, 3, 9, 12, 2), "PMCNTENCLR_EL0" },
        { ENC(3, 3, 9, 12, 3), "PMOVSCLR_EL0" },
        { ENC(3, 3, 9, 12, 4), "PMSWINC_EL0" },
        { ENC(3, 3, 9, 12, 5), "PMSELR_EL0" },
        { ENC(3, 3, 9, 12, 6), "PMCEID0_EL0" },
        { ENC(3, 3, 9, 12, 7), "PMCEID1_EL0" },
        { ENC(3, 3, 9, 13, 0), "PMCCNTR_EL0" },
        { ENC(3, 3, 9, 13, 1), "PMXEVTYPER_EL0" },
        { ENC(3, 3, 9, 13, 2), "PMXEVCNTR_EL0" },
        { ENC(3, 3, 9, 14, 0), "PMUSERENR_EL0" },
        { ENC(3, 3, 9, 14, 3), "PMOVSSET_EL0" },
        { ENC(3, 3, 9, 4, 0), "PMICNTR_EL0" },
        { ENC(3, 3, 9, 6, 0), "PMICFILTR_EL0" },
        { ENC(3, 3, 10, 2, 4), "POR_EL0" },
        { ENC(3, 3, 13, 0, 2), "TPIDR_EL0" },
        { ENC(3, 3, 13, 0, 3), "TPIDRRO_EL0" },
        { ENC(3, 3, 13, 0, 5), "TPIDR2_EL0" },
        { ENC(3, 3, 13, 0, 7), "SCXTNUM_EL0" },
        /*
         * Generic timer. KVM's uapi swapped two encodings and keeps them for ABI:
         * KVM_REG_ARM_TIMER_CNT is (3,3,14,3,2), architecturally CNTV_CVAL_EL0, and
         * KVM_REG_ARM_TIMER_CVAL is (3,3,14,0,2), architecturally CNTVCT_EL0. KVM's meaning wins.
         */
        { ENC(3, 3, 14, 0, 0), "CNTFRQ_EL0" },
        { ENC(3, 3, 14, 0, 1), "CNTPCT_EL0" },
        { ENC(3, 3, 14, 0, 2), "CNTV_CVAL_EL0" },
        { ENC(3, 3, 14, 0, 5), "CNTPCTSS_EL0" },
        { ENC(3, 3, 14, 0, 6), "CNTVCTSS_EL0" },
        { ENC(3, 3, 14, 2, 0), "CNTP_TVAL_EL0" },
        { ENC(3, 3, 14, 2, 1), "CNTP_CTL_EL0" },
        { ENC(3, 3, 14, 2, 2), "CNTP_CVAL_EL0" },
        { ENC(3, 3, 14, 3, 0), "CNTV_TVAL_EL0" },
        { ENC(3, 3, 14, 3, 1), "CNTV_CTL_EL0" },
        { ENC(3, 3, 14, 3, 2), "CNTVCT_EL0" },
        { ENC(3, 3, 14, 15, 7), "PMCCFILTR_EL0" },
        /* EL2 (nested virtualisation lists these) */
        { ENC(3, 4, 0, 0, 0), "VPIDR_EL2" },
        { ENC(3, 4, 0, 0, 5), "VMPIDR_EL2" },
        { ENC(3, 4, 1, 0, 0), "SCTLR_EL2" },
        { ENC(3, 4, 1, 0, 1), "ACTLR_EL2" },
        { ENC(3, 4, 1, 0, 3), "SCTLR2_EL2" },
        { ENC(3, 4, 1, 1, 0), "HCR_EL2" },
        { ENC(3, 4, 1, 1, 1), "MDCR_EL2" },
        { ENC(3, 4, 1, 1, 2), "CPTR_EL2" },
        { ENC(3, 4, 1, 1, 3), "HSTR_EL2" },
        { ENC(3, 4, 1, 1, 4), "HFGRTR_EL2" },
        { ENC(3, 4, 1, 1, 5), "HFGWTR_EL2" },
        { ENC(3, 4, 1, 1, 6), "HFGITR_EL2" },
        { ENC(3, 4, 1, 1, 7), "HACR_EL2" },
        { ENC(3, 4, 1, 2, 0), "ZCR_EL2" },
        { ENC(3, 4, 1, 2, 1), "TRFCR_EL2" },
        { ENC(3, 4, 1, 2, 2), "HCRX_EL2" },
        { ENC(3, 4, 1, 2, 5), "SMPRIMAP_EL2" },
        { ENC(3, 4, 1, 2, 6), "SMCR_EL2" },
        { ENC(3, 4, 2, 0, 0), "TTBR0_EL2" },
        { ENC(3, 4, 2, 0, 1), "TTBR1_EL2" },
        { ENC(3, 4, 2, 0, 2), "TCR_EL2" },
        { ENC(3, 4, 2, 0, 3), "TCR2_EL2" },
        { ENC(3, 4, 2, 1, 0), "VTTBR_EL2" },
        { ENC(3, 4, 2, 1, 2), "VTCR_EL2" },
        { ENC(3, 4, 2, 2, 0), "VNCR_EL2" },
        { ENC(3, 4, 2, 5, 0), "GCSCR_EL2" },
        { ENC(3, 4, 2, 5, 1), "GCSPR_EL2" },
        { ENC(3, 4, 3, 0, 0), "DACR32_EL2" },
        { ENC(3, 4, 3, 1, 0), "HDFGRTR2_EL2" },
        { ENC(3, 4, 3, 1, 1), "HDFGWTR2_EL2" },
        { ENC(3, 4, 3, 1, 2), "HFGRTR2_EL2" },
        { ENC(3, 4, 3, 1, 3), "HFGWTR2_EL2" },
        { ENC(3, 4, 3, 1, 4), "HDFGRTR_EL2" },
        { ENC(3, 4, 3, 1, 5), "HDFGWTR_EL2" },
        { ENC(3, 4, 3, 1, 6), "HAFGRTR_EL2" },
        { ENC(3, 4, 3, 1, 7), "HFGITR2_EL2" },
        { ENC(3, 4, 4, 0, 0), "SPSR_EL2" },
        { ENC(3, 4, 4, 0, 1), "ELR_EL2" },
        { ENC(3, 4, 5, 0, 1), "IFSR32_EL2" },
        { ENC(3, 4, 5, 1, 0), "AFSR0_EL2" },
        { ENC(3, 4, 5, 1, 1), "AFSR1_EL2" },
        { ENC(3, 4, 5, 2, 0), "ESR_EL2" },
        { ENC(3, 4, 5, 2, 3), "VSESR_EL2" },
        { ENC(3, 4, 5, 3, 0), "FPEXC32_EL2" },
        { ENC(3, 4, 5, 6, 0), "TFSR_EL2" },
        { ENC(3, 4, 6, 0, 0), "FAR_EL2" },
        { ENC(3, 4, 6, 0, 4), "HPFAR_EL2" },
        { ENC(3, 4, 9, 9, 0), "PMSCR_EL2" },
        { ENC(3, 4, 10, 2, 0), "MAIR_EL2" },
        { ENC(3, 4, 10, 2, 2), "PIRE0_EL2" },
        { ENC(3, 4, 10, 2, 3), "PIR_EL2" },
        { ENC(3, 4, 10, 2, 4), "POR_EL2" },
        { ENC(3, 4, 10, 3, 0), "AMAIR_EL2" },
        { ENC(3, 4, 10, 4, 0), "MPAMHCR_EL2" },
        { ENC(3, 4, 10, 4, 1), "MPAMVPMV_EL2" },
        { ENC(3, 4, 10, 5, 0), "MPAM2_EL2" },
        { ENC(3, 4, 12, 0, 0), "VBAR_EL2" },
        { ENC(3, 4, 12, 0, 1), "RVBAR_EL2" },
        { ENC(3, 4, 12, 0, 2), "RMR_EL2" },
        { ENC(3, 4, 12, 1, 1), "VDISR_EL2" },
        { ENC(3, 4, 12, 9, 5), "ICC_SRE_EL2" },
        { ENC(3, 4, 12, 11, 0), "ICH_HCR_EL2" },
        { ENC(3, 4, 12, 11, 1), "ICH_VTR_EL2" },
        { ENC(3, 4, 12, 11, 2), "ICH_MISR_EL2" },
        { ENC(3, 4, 12, 11, 3), "ICH_EISR_EL2" },
        { ENC(3, 4, 12, 11, 5), "ICH_ELRSR_EL2" },
        { ENC(3, 4, 12, 11, 7), "ICH_VMCR_EL2" },
        { ENC(3, 4, 13, 0, 1), "CONTEXTIDR_EL2" },
        { ENC(3, 4, 13, 0, 2), "TPIDR_EL2" },
        { ENC(3, 4, 14, 0, 3), "CNTVOFF_EL2" },
        { ENC(3, 4, 14, 0, 6), "CNTPOFF_EL2" },
        { ENC(3, 4, 14, 1, 0), "CNTHCTL_EL2" },
        { ENC(3, 4, 14, 2, 0), "CNTHP_TVAL_EL2" },
        { ENC(3, 4, 14, 2, 1), "CNTHP_CTL_EL2" },
        { ENC(3, 4, 14, 2, 2), "CNTHP_CVAL_EL2" },
        { ENC(3, 4, 14, 3, 0), "CNTHV_TVAL_EL2" },
        { ENC(3, 4, 14, 3, 1), "CNTHV_CTL_EL2" },
        { ENC(3, 4, 14, 3, 2), "CNTHV_CVAL_EL2" },
};

/* Aliases reg_name_to_id() accepts besides the names reg_id_name() writes. */
static const struct {
        const char *name;
        uint64_t id;
} name_aliases[] = {
        { "KVM_REG_ARM_TIMER_CTL", SYSREG_ID(3, 3, 14, 3, 1) },
        { "KVM_REG_ARM_TIMER_CNT", SYSREG_ID(3, 3, 14, 3, 2) },
        { "KVM_REG_ARM_TIMER_CVAL", SYSREG_ID(3, 3, 14, 0, 2) },
        { "KVM_REG_ARM_PTIMER_CTL", SYSREG_ID(3, 3, 14, 2, 1) },
        { "KVM_REG_ARM_PTIMER_CNT", SYSREG_ID(3, 3, 14, 0, 1) },
        { "KVM_REG_ARM_PTIMER_CVAL", SYSREG_ID(3, 3, 14, 2, 2) },
        { "KVM_REG_ARM_TIMER_OFFSET", SYSREG_ID(3, 4, 14, 0, 3) },
        { "KVM_REG_ARM_PSCI_VERSION", REG_ID_PSCI_VERSION },
        { "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1", REG_ID_SMCCC_ARCH_WORKAROUND_1 },
        { "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2", REG_ID_SMCCC_ARCH_WORKAROUND_2 },
        { "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3", REG_ID_SMCCC_ARCH_WORKAROUND_3 },
};

static unsigned size_field(uint64_t id) {
        return (unsigned) ((id & REG_SIZE_MASK) >> REG_SIZE_SHIFT);
}

static unsigned coproc(uint64_t id) {
        return (unsigned) ((id & REG_COPROC_MASK) >> REG_COPROC_SHIFT);
}

static uint64_t class_base(unsigned copro, unsigned size) {
        return REG_ARCH_ARM64 | ((uint64_t) size << REG_SIZE_SHIFT) | ((uint64_t) copro << REG_COPROC_SHIFT);
}

RegClass reg_id_class(uint64_t id) {
        if ((id & REG_ARCH_MASK) != REG_ARCH_ARM64)
                return REG_CLASS_UNKNOWN;
        switch (coproc(id)) {
        case REG_COPROC_CORE:
                return REG_CLASS_CORE;
        case REG_COPROC_DEMUX:
                return REG_CLASS_DEMUX;
        case REG_COPROC_SYSREG:
                return REG_CLASS_SYSREG;
        case REG_COPROC_FW:
                return REG_CLASS_FW;
        case REG_COPROC_SVE:
                return REG_CLASS_SVE;
        case REG_COPROC_FW_FEAT_BMAP:
                return REG_CLASS_FW_FEAT_BMAP;
        default:
                return REG_CLASS_UNKNOWN;
        }
}

const char *reg_class_name(RegClass c) {
        switch (c) {
        case REG_CLASS_CORE:
                return "core";
        case REG_CLASS_DEMUX:
                return "demux";
        case REG_CLASS_SYSREG:
                return "sysreg";
        case REG_CLASS_FW:
                return "fw";
        case REG_CLASS_SVE:
                return "sve";
        case REG_CLASS_FW_FEAT_BMAP:
                return "fw-bmap";
        default:
                return "unknown";
        }
}

unsigned reg_id_size(uint64_t id) {
        unsigned s = size_field(id);

        if ((id & REG_ARCH_MASK) != REG_ARCH_ARM64 || s > SIZE_U2048)
                return 0;
        return 1u << s;
}

/* The size field a core register at this offset has, or -1 if no register starts there. */
static int core_size(unsigned off) {
        if (off < CORE_V0)
                return off % 2 == 0 && off <= CORE_SPSR + 2 * 4 ? SIZE_U64 : -1;
        if (off < CORE_FPSR)
                return (off - CORE_V0) % 4 == 0 ? SIZE_U128 : -1;
        if (off == CORE_FPSR || off == CORE_FPCR)
                return SIZE_U32;
        return -1;
}

static int sve_size(unsigned index) {
        if (index == SVE_VLS_INDEX)
                return SIZE_U512;
        if (index < SVE_PREG_BASE)
                return SIZE_U2048;
        if (index < SVE_FFR_BASE + SVE_MAX_SLICES)
                return SIZE_U256;
        return -1;
}

bool reg_id_is_valid(uint64_t id) {
        unsigned index = (unsigned) (id & REG_INDEX_MASK);
        int want;

        if ((id & REG_ARCH_MASK) != REG_ARCH_ARM64 || (id & REG_UNUSED_MASK))
                return false;
        switch (reg_id_class(id)) {
        case REG_CLASS_CORE:
                want = core_size(index);
                break;
        case REG_CLASS_DEMUX:
                want = (index >> 8) == DEMUX_ID_CCSIDR && (index & 0xff) < CSSELR_MAX ? SIZE_U32 : -1;
                break;
        case REG_CLASS_SYSREG:
        case REG_CLASS_FW:
        case REG_CLASS_FW_FEAT_BMAP:
                want = SIZE_U64;
                break;
        case REG_CLASS_SVE:
                want = sve_size(index);
                break;
        default:
                return false;
        }
        return want >= 0 && size_field(id) == (unsigned) want;
}

bool reg_id_in_cpreg_list(uint64_t id) {
        RegClass c = reg_id_class(id);

        return (id & REG_ARCH_MASK) == REG_ARCH_ARM64 && c != REG_CLASS_CORE && c != REG_CLASS_SVE;
}

bool reg_id_sysreg(uint64_t id, unsigned *ret_op0, unsigned *ret_op1, unsigned *ret_crn,
                   unsigned *ret_crm, unsigned *ret_op2) {
        if (reg_id_class(id) != REG_CLASS_SYSREG)
                return false;
        if (ret_op0)
                *ret_op0 = (unsigned) (id >> 14) & 3;
        if (ret_op1)
                *ret_op1 = (unsigned) (id >> 11) & 7;
        if (ret_crn)
                *ret_crn = (unsigned) (id >> 7) & 15;
        if (ret_crm)
                *ret_crm = (unsigned) (id >> 3) & 15;
        if (ret_op2)
                *ret_op2 = (unsigned) id & 7;
        return true;
}

bool reg_id_is_feature_id(uint64_t id) {
        unsigned op0, op1, crn, crm;

        return reg_id_is_valid(id) && reg_id_sysreg(id, &op0, &op1, &crn, &crm, NULL) &&
               op0 == 3 && op1 == 0 && crn == 0 && crm <= 7;
}

bool reg_id_ccsidr_cache(uint64_t id, unsigned *ret_level, bool *ret_instruction) {
        unsigned csselr = (unsigned) (id & 0xff);

        if (reg_id_class(id) != REG_CLASS_DEMUX || !reg_id_is_valid(id))
                return false;
        if (ret_level)
                *ret_level = (csselr >> 1) + 1;
        if (ret_instruction)
                *ret_instruction = csselr & 1;
        return true;
}

static const char *sysreg_table_name(uint16_t enc) {
        for (size_t i = 0; i < ELEMENTSOF(sysreg_names); i++)
                if (sysreg_names[i].enc == enc)
                        return sysreg_names[i].name;
        return NULL;
}

static void sysreg_name(uint64_t id, char *buf, size_t size) {
        unsigned op0, op1, crn, crm, op2;
        const char *name;

        (void) reg_id_sysreg(id, &op0, &op1, &crn, &crm, &op2);
        name = sysreg_table_name((uint16_t) (id & REG_INDEX_MASK));
        if (name)
                snprintf(buf, size, "%s", name);
        else if (op0 == 2 && op1 == 0 && crn == 0 && op2 >= 4)
                snprintf(buf, size, "%s%u_EL1", debug_families[op2 - 4], crm);
        else if (op0 == 3 && op1 == 3 && crn == 14 && crm >= 8 && ((crm & 3) << 3 | op2) <= 30)
                snprintf(buf, size, "%s%u_EL0", crm < 12 ? "PMEVCNTR" : "PMEVTYPER", (crm & 3) << 3 | op2);
        else
                snprintf(buf, size, "S%u_%u_C%u_C%u_%u", op0, op1, crn, crm, op2);
}

static void core_name(unsigned off, char *buf, size_t size) {
        if (off < CORE_SP)
                snprintf(buf, size, "X%u", off / 2);
        else if (off == CORE_SP)
                snprintf(buf, size, "SP");
        else if (off == CORE_PC)
                snprintf(buf, size, "PC");
        else if (off == CORE_PSTATE)
                snprintf(buf, size, "PSTATE");
        else if (off == CORE_SP_EL1)
                snprintf(buf, size, "SP_EL1");
        else if (off == CORE_ELR_EL1)
                snprintf(buf, size, "ELR_EL1");
        else if (off < CORE_V0)
                snprintf(buf, size, "%s", spsr_names[(off - CORE_SPSR) / 2]);
        else if (off < CORE_FPSR)
                snprintf(buf, size, "V%u", (off - CORE_V0) / 4);
        else
                snprintf(buf, size, "%s", off == CORE_FPSR ? "FPSR" : "FPCR");
}

static void sve_name(unsigned index, char *buf, size_t size) {
        unsigned slice = index % SVE_MAX_SLICES;

        if (index == SVE_VLS_INDEX)
                snprintf(buf, size, "KVM_REG_ARM64_SVE_VLS");
        else if (index < SVE_PREG_BASE)
                snprintf(buf, size, "Z%u[%u]", index >> 5, slice);
        else if (index < SVE_FFR_BASE)
                snprintf(buf, size, "P%u[%u]", (index - SVE_PREG_BASE) >> 5, slice);
        else
                snprintf(buf, size, "FFR[%u]", slice);
}

const char *reg_id_name(uint64_t id, char *buf, size_t size) {
        unsigned index = (unsigned) (id & REG_INDEX_MASK);

        if (!buf || size == 0)
                return buf;
        if (!reg_id_is_valid(id)) {
                snprintf(buf, size, "0x%016" PRIx64, id);
                return buf;
        }
        switch (reg_id_class(id)) {
        case REG_CLASS_CORE:
                core_name(index, buf, size);
                break;
        case REG_CLASS_DEMUX:
                snprintf(buf, size, "CCSIDR_EL1[csselr=0x%x]", index & 0xff);
                break;
        case REG_CLASS_SYSREG:
                sysreg_name(id, buf, size);
                break;
        case REG_CLASS_FW:
                if (index < ELEMENTSOF(fw_names))
                        snprintf(buf, size, "%s", fw_names[index]);
                else
                        snprintf(buf, size, "0x%016" PRIx64, id);
                break;
        case REG_CLASS_FW_FEAT_BMAP:
                if (index < ELEMENTSOF(fw_bmap_names))
                        snprintf(buf, size, "%s", fw_bmap_names[index]);
                else
                        snprintf(buf, size, "0x%016" PRIx64, id);
                break;
        case REG_CLASS_SVE:
                sve_name(index, buf, size);
                break;
        default:
                snprintf(buf, size, "0x%016" PRIx64, id);
                break;
        }
        return buf;
}

/*
 * Parses an unsigned decimal number of at most 4 digits at *p, no sign, no leading zeros
 * (so every name has exactly one spelling), advancing *p. False if there is none.
 */
static bool parse_small(const char **p, unsigned max, unsigned *ret) {
        const char *s = *p;
        unsigned v = 0;
        size_t n = 0;

        while (s[n] >= '0' && s[n] <= '9') {
                if (n >= 4)
                        return false;
                v = v * 10 + (unsigned) (s[n] - '0');
                n++;
        }
        if (n == 0 || (n > 1 && s[0] == '0') || v > max)
                return false;
        *p = s + n;
        *ret = v;
        return true;
}

/* Matches prefix (case-insensitively), then a number up to max, then suffix exactly at the end. */
static bool match_numbered(const char *name, const char *prefix, unsigned max, const char *suffix,
                           unsigned *ret) {
        size_t l = strlen(prefix);
        const char *p = name + l;
        unsigned v;

        if (strncasecmp(name, prefix, l) != 0 || !parse_small(&p, max, &v) || strcasecmp(p, suffix) != 0)
                return false;
        *ret = v;
        return true;
}

/* "Name[slice]" for SVE registers. */
static bool match_sliced(const char *name, const char *prefix, unsigned max, unsigned *ret_n,
                         unsigned *ret_slice) {
        size_t l = strlen(prefix);
        const char *p = name + l;
        unsigned n = 0, slice;

        if (strncasecmp(name, prefix, l) != 0)
                return false;
        if (max > 0 && !parse_small(&p, max, &n))
                return false;
        if (*p++ != '[' || !parse_small(&p, SVE_MAX_SLICES - 1, &slice) || strcmp(p, "]") != 0)
                return false;
        *ret_n = n;
        *ret_slice = slice;
        return true;
}

static bool parse_hex_id(const char *name, uint64_t *ret) {
        uint64_t v = 0;
        size_t n;

        if (name[0] != '0' || (name[1] != 'x' && name[1] != 'X'))
                return false;
        for (n = 2; name[n]; n++) {
                char c = name[n];
                unsigned d;

                if (c >= '0' && c <= '9')
                        d = (unsigned) (c - '0');
                else if (c >= 'a' && c <= 'f')
                        d = (unsigned) (c - 'a' + 10);
                else if (c >= 'A' && c <= 'F')
                        d = (unsigned) (c - 'A' + 10);
                else
                        return false;
                if (n - 2 >= 16)
                        return false;
                v = v << 4 | d;
        }
        if (n == 2)
                return false;
        *ret = v;
        return true;
}

static bool parse_generic_sysreg(const char *name, uint64_t *ret) {
        const char *p = name;
        unsigned op0, op1, crn, crm, op2;

        if (*p != 'S' && *p != 's')
                return false;
        p++;
        if (!parse_small(&p, 3, &op0) || *p++ != '_' || !parse_small(&p, 7, &op1) || *p++ != '_')
                return false;
        if ((*p != 'C' && *p != 'c') || (p++, !parse_small(&p, 15, &crn)) || *p++ != '_')
                return false;
        if ((*p != 'C' && *p != 'c') || (p++, !parse_small(&p, 15, &crm)) || *p++ != '_')
                return false;
        if (!parse_small(&p, 7, &op2) || *p != '\0')
                return false;
        *ret = SYSREG_ID(op0, op1, crn, crm, op2);
        return true;
}

static bool parse_core(const char *name, uint64_t *ret) {
        unsigned n;
        unsigned off;
        unsigned size = SIZE_U64;

        if (match_numbered(name, "X", 30, "", &n))
                off = CORE_X0 + 2 * n;
        else if (strcasecmp(name, "SP") == 0)
                off = CORE_SP;
        else if (strcasecmp(name, "PC") == 0)
                off = CORE_PC;
        else if (strcasecmp(name, "PSTATE") == 0)
                off = CORE_PSTATE;
        else if (strcasecmp(name, "SP_EL1") == 0)
                off = CORE_SP_EL1;
        else if (strcasecmp(name, "ELR_EL1") == 0)
                off = CORE_ELR_EL1;
        else if (match_numbered(name, "V", 31, "", &n)) {
                off = CORE_V0 + 4 * n;
                size = SIZE_U128;
        } else if (strcasecmp(name, "FPSR") == 0 || strcasecmp(name, "FPCR") == 0) {
                off = strcasecmp(name, "FPSR") == 0 ? CORE_FPSR : CORE_FPCR;
                size = SIZE_U32;
        } else {
                size_t i;

                for (i = 0; i < ELEMENTSOF(spsr_names); i++)
                        if (strcasecmp(name, spsr_names[i]) == 0)
                                break;
                if (i == ELEMENTSOF(spsr_names))
                        return false;
                off = CORE_SPSR + 2 * (unsigned) i;
        }
        *ret = class_base(REG_COPROC_CORE, size) | off;
        return true;
}

static bool parse_sve(const char *name, uint64_t *ret) {
        unsigned n, slice;

        if (strcasecmp(name, "KVM_REG_ARM64_SVE_VLS") == 0)
                *ret = class_base(REG_COPROC_SVE, SIZE_U512) | SVE_VLS_INDEX;
        else if (match_sliced(name, "Z", 31, &n, &slice))
                *ret = class_base(REG_COPROC_SVE, SIZE_U2048) | SVE_ZREG_BASE | n << 5 | slice;
        else if (match_sliced(name, "P", 15, &n, &slice))
                *ret = class_base(REG_COPROC_SVE, SIZE_U256) | SVE_PREG_BASE | n << 5 | slice;
        else if (match_sliced(name, "FFR", 0, &n, &slice))
                *ret = class_base(REG_COPROC_SVE, SIZE_U256) | SVE_FFR_BASE | slice;
        else
                return false;
        return true;
}

static bool parse_ccsidr(const char *name, uint64_t *ret) {
        static const char prefix[] = "CCSIDR_EL1[csselr=0x";
        const char *p = name + strlen(prefix);
        unsigned v = 0;
        size_t n;

        if (strncasecmp(name, prefix, strlen(prefix)) != 0)
                return false;
        for (n = 0; p[n] && p[n] != ']'; n++) {
                char c = p[n];

                if (n >= 2)
                        return false;
                if (c >= '0' && c <= '9')
                        v = v * 16 + (unsigned) (c - '0');
                else if (c >= 'a' && c <= 'f')
                        v = v * 16 + (unsigned) (c - 'a' + 10);
                else if (c >= 'A' && c <= 'F')
                        v = v * 16 + (unsigned) (c - 'A' + 10);
                else
                        return false;
        }
        if (n == 0 || strcmp(p + n, "]") != 0 || v >= CSSELR_MAX)
                return false;
        *ret = class_base(REG_COPROC_DEMUX, SIZE_U32) | (uint64_t) DEMUX_ID_CCSIDR << 8 | v;
        return true;
}

static bool parse_sysreg(const char *name, uint64_t *ret) {
        unsigned n;

        for (size_t i = 0; i < ELEMENTSOF(sysreg_names); i++)
                if (strcasecmp(name, sysreg_names[i].name) == 0) {
                        *ret = REG_ARCH_ARM64 | REG_SIZE_U64 | (uint64_t) REG_COPROC_SYSREG << 16 |
                               sysreg_names[i].enc;
                        return true;
                }
        for (unsigned i = 0; i < ELEMENTSOF(debug_families); i++)
                if (match_numbered(name, debug_families[i], 15, "_EL1", &n)) {
                        *ret = SYSREG_ID(2, 0, 0, n, 4 + i);
                        return true;
                }
        if (match_numbered(name, "PMEVCNTR", 30, "_EL0", &n)) {
                *ret = SYSREG_ID(3, 3, 14, 8 + (n >> 3), n & 7);
                return true;
        }
        if (match_numbered(name, "PMEVTYPER", 30, "_EL0", &n)) {
                *ret = SYSREG_ID(3, 3, 14, 12 + (n >> 3), n & 7);
                return true;
        }
        return parse_generic_sysreg(name, ret);
}

int reg_name_to_id(const char *name, uint64_t *ret_id) {
        uint64_t id;

        if (!name || !ret_id || strnlen(name, REG_NAME_MAX) >= REG_NAME_MAX)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(fw_names); i++)
                if (strcasecmp(name, fw_names[i]) == 0) {
                        *ret_id = class_base(REG_COPROC_FW, SIZE_U64) | i;
                        return 0;
                }
        for (size_t i = 0; i < ELEMENTSOF(fw_bmap_names); i++)
                if (strcasecmp(name, fw_bmap_names[i]) == 0) {
                        *ret_id = class_base(REG_COPROC_FW_FEAT_BMAP, SIZE_U64) | i;
                        return 0;
                }
        for (size_t i = 0; i < ELEMENTSOF(name_aliases); i++)
                if (strcasecmp(name, name_aliases[i].name) == 0) {
                        *ret_id = name_aliases[i].id;
                        return 0;
                }
        if (parse_hex_id(name, &id) || parse_ccsidr(name, &id) || parse_core(name, &id) ||
            parse_sve(name, &id) || parse_sysreg(name, &id)) {
                *ret_id = id;
                return 0;
        }
        return -EINVAL;
}
