/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Field layout of the ID and invariant registers, with the safe rule the Linux kernel applies
 * to each field. Positions are the Arm architecture's; rules, signedness and safe values are
 * those of the kernel's feature tables (arch/arm64/kernel/cpufeature.c, 6.18-era), which KVM's
 * ID register writes are checked against since Linux 6.7. A field the kernel does not describe
 * gets FIELD_RULE_NONE: KVM wants it equal. See docs/registers.md.
 */
#include "regnames.h"
#include "util.h"

#define LO FIELD_RULE_LOWER_SAFE
#define HI FIELD_RULE_HIGHER_SAFE
#define HZ FIELD_RULE_HIGHER_OR_ZERO_SAFE
#define EQ FIELD_RULE_NONE

/* Unsigned field, signed field, and an FTR_EXACT field with its safe value. */
#define U(n, sh, w, r)    { .name = (n), .shift = (sh), .width = (w), .rule = (r) }
#define S(n, sh, w, r)    { .name = (n), .shift = (sh), .width = (w), .is_signed = true, .rule = (r) }
#define X(n, sh, w, safe) { .name = (n), .shift = (sh), .width = (w), .rule = FIELD_RULE_EXACT, .safe_val = (safe) }
#define XS(n, sh, w, safe) \
        { .name = (n), .shift = (sh), .width = (w), .is_signed = true, .rule = FIELD_RULE_EXACT, .safe_val = (safe) }

/* ---- AArch32 feature registers (32 bits) ---- */

static const IdField id_pfr0[] = {
        U("State0", 0, 4, LO), U("State1", 4, 4, LO), U("State2", 8, 4, LO), U("State3", 12, 4, LO),
        U("CSV2", 16, 4, LO), U("AMU", 20, 4, EQ), U("DIT", 24, 4, LO), U("RAS", 28, 4, EQ),
};
static const IdField id_pfr1[] = {
        U("ProgMod", 0, 4, LO), U("Security", 4, 4, LO), U("MProgMod", 8, 4, LO),
        U("Virtualization", 12, 4, LO), U("GenTimer", 16, 4, LO), U("Sec_frac", 20, 4, LO),
        U("Virt_frac", 24, 4, LO), U("GIC", 28, 4, LO),
};
static const IdField id_dfr0[] = {
        U("CopDbg", 0, 4, LO), U("CopSDbg", 4, 4, LO), U("MMapDbg", 8, 4, LO), U("CopTrc", 12, 4, LO),
        U("MMapTrc", 16, 4, LO), U("MProfDbg", 20, 4, LO), XS("PerfMon", 24, 4, 0), U("TraceFilt", 28, 4, EQ),
};
static const IdField id_afr0[] = {
        U("IMPDEF0", 0, 4, EQ), U("IMPDEF1", 4, 4, EQ), U("IMPDEF2", 8, 4, EQ), U("IMPDEF3", 12, 4, EQ),
};
static const IdField id_mmfr0[] = {
        U("VMSA", 0, 4, LO), U("PMSA", 4, 4, LO), S("OuterShr", 8, 4, LO), U("ShareLvl", 12, 4, LO),
        U("TCM", 16, 4, LO), U("AuxReg", 20, 4, LO), U("FCSE", 24, 4, LO), S("InnerShr", 28, 4, LO),
};
/* ID_MMFR1-3 and ID_ISAR1-3: the kernel treats all eight nibbles as lower-safe. */
static const IdField id_mmfr1[] = {
        U("L1HvdVA", 0, 4, LO), U("L1UniVA", 4, 4, LO), U("L1HvdSW", 8, 4, LO), U("L1UniSW", 12, 4, LO),
        U("L1Hvd", 16, 4, LO), U("L1Uni", 20, 4, LO), U("L1TstCln", 24, 4, LO), U("BPred", 28, 4, LO),
};
static const IdField id_mmfr2[] = {
        U("L1HvdFG", 0, 4, LO), U("L1HvdBG", 4, 4, LO), U("L1HvdRng", 8, 4, LO), U("HvdTLB", 12, 4, LO),
        U("UniTLB", 16, 4, LO), U("MemBarr", 20, 4, LO), U("WFIStall", 24, 4, LO), U("HWAccFlg", 28, 4, LO),
};
static const IdField id_mmfr3[] = {
        U("CMaintVA", 0, 4, LO), U("CMaintSW", 4, 4, LO), U("BPMaint", 8, 4, LO), U("MaintBcst", 12, 4, LO),
        U("PAN", 16, 4, LO), U("CohWalk", 20, 4, LO), U("CMemSz", 24, 4, LO), U("Supersec", 28, 4, LO),
};
static const IdField id_isar0[] = {
        U("Swap", 0, 4, LO), U("BitCount", 4, 4, LO), U("BitField", 8, 4, LO), U("CmpBranch", 12, 4, LO),
        U("Coproc", 16, 4, LO), U("Debug", 20, 4, LO), U("Divide", 24, 4, LO),
};
static const IdField id_isar1[] = {
        U("Endian", 0, 4, LO), U("Except", 4, 4, LO), U("Except_AR", 8, 4, LO), U("Extend", 12, 4, LO),
        U("IfThen", 16, 4, LO), U("Immediate", 20, 4, LO), U("Interwork", 24, 4, LO), U("Jazelle", 28, 4, LO),
};
static const IdField id_isar2[] = {
        U("LoadStore", 0, 4, LO), U("MemHint", 4, 4, LO), U("MultiAccessInt", 8, 4, LO), U("Mult", 12, 4, LO),
        U("MultS", 16, 4, LO), U("MultU", 20, 4, LO), U("PSR_AR", 24, 4, LO), U("Reversal", 28, 4, LO),
};
static const IdField id_isar3[] = {
        U("Saturate", 0, 4, LO), U("SIMD", 4, 4, LO), U("SVC", 8, 4, LO), U("SynchPrim", 12, 4, LO),
        U("TabBranch", 16, 4, LO), U("T32Copy", 20, 4, LO), U("TrueNOP", 24, 4, LO), U("T32EE", 28, 4, LO),
};
static const IdField id_isar4[] = {
        U("Unpriv", 0, 4, LO), U("WithShifts", 4, 4, LO), U("Writeback", 8, 4, LO), U("SMC", 12, 4, LO),
        U("Barrier", 16, 4, LO), U("SynchPrim_frac", 20, 4, LO), U("PSR_M", 24, 4, LO), U("SWP_frac", 28, 4, LO),
};
static const IdField id_isar5[] = {
        U("SEVL", 0, 4, LO), U("AES", 4, 4, LO), U("SHA1", 8, 4, LO), U("SHA2", 12, 4, LO),
        U("CRC32", 16, 4, LO), U("RDM", 24, 4, LO), U("VCMA", 28, 4, EQ),
};
static const IdField id_mmfr4[] = {
        U("SpecSEI", 0, 4, HI), U("AC2", 4, 4, LO), U("XNX", 8, 4, LO), U("CnP", 12, 4, LO),
        U("HPDS", 16, 4, LO), U("LSM", 20, 4, LO), U("CCIDX", 24, 4, LO), U("EVT", 28, 4, LO),
};
static const IdField id_isar6[] = {
        U("JSCVT", 0, 4, LO), U("DP", 4, 4, LO), U("FHM", 8, 4, LO), U("SB", 12, 4, LO),
        U("SPECRES", 16, 4, LO), U("BF16", 20, 4, LO), U("I8MM", 24, 4, LO),
};
static const IdField mvfr0[] = {
        U("SIMDReg", 0, 4, LO), U("FPSP", 4, 4, LO), U("FPDP", 8, 4, LO), U("FPTrap", 12, 4, LO),
        U("FPDivide", 16, 4, LO), U("FPSqrt", 20, 4, LO), U("FPShVec", 24, 4, LO), U("FPRound", 28, 4, LO),
};
static const IdField mvfr1[] = {
        U("FPFtZ", 0, 4, LO), U("FPDNaN", 4, 4, LO), U("SIMDLS", 8, 4, LO), U("SIMDInt", 12, 4, LO),
        U("SIMDSP", 16, 4, LO), U("SIMDHP", 20, 4, LO), U("FPHP", 24, 4, LO), U("SIMDFMAC", 28, 4, LO),
};
static const IdField mvfr2[] = {
        U("SIMDMisc", 0, 4, LO), U("FPMisc", 4, 4, LO),
};
static const IdField id_pfr2[] = {
        U("CSV3", 0, 4, LO), U("SSBS", 4, 4, LO), U("RAS_frac", 8, 4, EQ),
};
static const IdField id_dfr1[] = {
        S("MTPMU", 0, 4, LO), U("HPMN0", 4, 4, EQ),
};
static const IdField id_mmfr5[] = {
        U("ETS", 0, 4, LO), U("nTLBPA", 4, 4, EQ),
};

/* ---- AArch64 feature registers ---- */

static const IdField id_aa64pfr0[] = {
        U("EL0", 0, 4, LO), U("EL1", 4, 4, LO), U("EL2", 8, 4, LO), U("EL3", 12, 4, LO),
        S("FP", 16, 4, LO), S("AdvSIMD", 20, 4, LO), U("GIC", 24, 4, LO), U("RAS", 28, 4, LO),
        U("SVE", 32, 4, LO), U("SEL2", 36, 4, LO), U("MPAM", 40, 4, LO), U("AMU", 44, 4, LO),
        U("DIT", 48, 4, LO), U("RME", 52, 4, EQ), U("CSV2", 56, 4, LO), U("CSV3", 60, 4, LO),
};
static const IdField id_aa64pfr1[] = {
        U("BT", 0, 4, LO), U("SSBS", 4, 4, LO), U("MTE", 8, 4, LO), U("RAS_frac", 12, 4, LO),
        U("MPAM_frac", 16, 4, LO), U("SME", 24, 4, LO), U("RNDR_trap", 28, 4, EQ), U("CSV2_frac", 32, 4, EQ),
        U("NMI", 36, 4, EQ), S("MTE_frac", 40, 4, LO), U("GCS", 44, 4, LO), U("THE", 48, 4, EQ),
        U("MTEX", 52, 4, EQ), U("DF2", 56, 4, LO), U("PFAR", 60, 4, EQ),
};
static const IdField id_aa64pfr2[] = {
        U("MTEPERM", 0, 4, EQ), U("MTESTOREONLY", 4, 4, LO), U("MTEFAR", 8, 4, LO), U("GCIE", 12, 4, EQ),
        U("UINJ", 16, 4, EQ), U("FPMR", 32, 4, LO),
};
static const IdField id_aa64zfr0[] = {
        U("SVEver", 0, 4, LO), U("AES", 4, 4, LO), U("EltPerm", 12, 4, LO), U("BitPerm", 16, 4, LO),
        U("BF16", 20, 4, LO), U("B16B16", 24, 4, LO), U("SHA3", 32, 4, LO), U("SM4", 40, 4, LO),
        U("I8MM", 44, 4, LO), U("F16MM", 48, 4, LO), U("F32MM", 52, 4, LO), U("F64MM", 56, 4, LO),
};
static const IdField id_aa64smfr0[] = {
        X("SMOP4", 0, 1, 0), X("STMOP", 16, 1, 0), X("SFEXPA", 23, 1, 0), X("AES", 24, 1, 0),
        X("SBitPerm", 25, 1, 0), X("SF8DP2", 28, 1, 0), X("SF8DP4", 29, 1, 0), X("SF8FMA", 30, 1, 0),
        X("F32F32", 32, 1, 0), X("BI32I32", 33, 1, 0), X("B16F32", 34, 1, 0), X("F16F32", 35, 1, 0),
        X("I8I32", 36, 4, 0), X("F8F32", 40, 1, 0), X("F8F16", 41, 1, 0), X("F16F16", 42, 1, 0),
        X("B16B16", 43, 1, 0), X("I16I32", 44, 4, 0), X("F64F64", 48, 1, 0), X("I16I64", 52, 4, 0),
        X("SMEver", 56, 4, 0), X("LUTv2", 60, 1, 0), X("FA64", 63, 1, 0),
};
static const IdField id_aa64fpfr0[] = {
        X("F8E5M2", 0, 1, 0), X("F8E4M3", 1, 1, 0), X("F8MM4", 26, 1, 0), X("F8MM8", 27, 1, 0),
        X("F8DP2", 28, 1, 0), X("F8DP4", 29, 1, 0), X("F8FMA", 30, 1, 0), X("F8CVT", 31, 1, 0),
};
static const IdField id_aa64dfr0[] = {
        X("DebugVer", 0, 4, 6), U("TraceVer", 4, 4, EQ), XS("PMUVer", 8, 4, 0), U("BRPs", 12, 4, LO),
        U("PMSS", 16, 4, EQ), U("WRPs", 20, 4, LO), U("SEBEP", 24, 4, EQ), U("CTX_CMPs", 28, 4, LO),
        U("PMSVer", 32, 4, LO), S("DoubleLock", 36, 4, LO), U("TraceFilt", 40, 4, EQ),
        U("TraceBuffer", 44, 4, EQ), S("MTPMU", 48, 4, EQ), U("BRBE", 52, 4, EQ), U("ExtTrcBuff", 56, 4, EQ),
        U("HPMN0", 60, 4, EQ),
};
/* The kernel describes no field of ID_AA64DFR1_EL1 (ftr_raz). */
static const IdField id_aa64dfr1[] = {
        U("SYSPMUID", 0, 8, EQ), U("BRPs", 8, 8, EQ), U("WRPs", 16, 8, EQ), U("CTX_CMPs", 24, 8, EQ),
        U("SPMU", 32, 4, EQ), U("PMICNTR", 36, 4, EQ), U("ABLE", 40, 4, EQ), U("ITE", 44, 4, EQ),
        U("EBEP", 48, 4, EQ), U("DPFZS", 52, 4, EQ), U("ABL_CMPs", 56, 8, EQ),
};
static const IdField id_aa64dfr2[] = {
        U("STEP", 0, 4, EQ), U("BWE", 4, 4, EQ), U("SPE_EXC", 16, 4, EQ), U("SPE_nVM", 20, 4, EQ),
        U("TRBE_EXC", 24, 4, EQ),
};
static const IdField id_aa64afr0[] = {
        U("IMPDEF0", 0, 4, EQ), U("IMPDEF1", 4, 4, EQ), U("IMPDEF2", 8, 4, EQ), U("IMPDEF3", 12, 4, EQ),
        U("IMPDEF4", 16, 4, EQ), U("IMPDEF5", 20, 4, EQ), U("IMPDEF6", 24, 4, EQ), U("IMPDEF7", 28, 4, EQ),
};
static const IdField id_aa64isar0[] = {
        U("AES", 4, 4, LO), U("SHA1", 8, 4, LO), U("SHA2", 12, 4, LO), U("CRC32", 16, 4, LO),
        U("ATOMIC", 20, 4, LO), U("TME", 24, 4, EQ), U("RDM", 28, 4, LO), U("SHA3", 32, 4, LO),
        U("SM3", 36, 4, LO), U("SM4", 40, 4, LO), U("DP", 44, 4, LO), U("FHM", 48, 4, LO),
        U("TS", 52, 4, LO), U("TLB", 56, 4, LO), U("RNDR", 60, 4, LO),
};
static const IdField id_aa64isar1[] = {
        U("DPB", 0, 4, LO), X("APA", 4, 4, 0), X("API", 8, 4, 0), U("JSCVT", 12, 4, LO),
        U("FCMA", 16, 4, LO), U("LRCPC", 20, 4, LO), U("GPA", 24, 4, LO), U("GPI", 28, 4, LO),
        U("FRINTTS", 32, 4, LO), U("SB", 36, 4, LO), U("SPECRES", 40, 4, LO), U("BF16", 44, 4, LO),
        U("DGH", 48, 4, LO), U("I8MM", 52, 4, LO), U("XS", 56, 4, LO), U("LS64", 60, 4, EQ),
};
static const IdField id_aa64isar2[] = {
        U("WFxT", 0, 4, LO), U("RPRES", 4, 4, LO), U("GPA3", 8, 4, LO), X("APA3", 12, 4, 0),
        U("MOPS", 16, 4, LO), U("BC", 20, 4, LO), U("PAC_frac", 24, 4, EQ), U("CLRBHB", 28, 4, LO),
        U("SYSREG_128", 32, 4, EQ), U("SYSINSTR_128", 36, 4, EQ), U("PRFMSLC", 40, 4, EQ),
        U("PCDPHINT", 44, 4, EQ), U("RPRFM", 48, 4, LO), U("CSSC", 52, 4, LO), U("LUT", 56, 4, LO),
        U("ATS1A", 60, 4, LO),     /* described from 7.2 (lowered there); 6.12 shows it as 0 */
};
static const IdField id_aa64isar3[] = {
        U("CPA", 0, 4, EQ), U("FAMINMAX", 4, 4, LO), U("TLBIW", 8, 4, EQ), U("PACM", 12, 4, EQ),
        U("LSFE", 16, 4, LO), U("OCCMO", 20, 4, EQ), U("LSUI", 24, 4, EQ), U("FPRCVT", 28, 4, LO),
};
static const IdField id_aa64mmfr0[] = {
        U("PARANGE", 0, 4, LO), U("ASIDBITS", 4, 4, LO), U("BIGEND", 8, 4, LO), U("SNSMEM", 12, 4, LO),
        U("BIGENDEL0", 16, 4, LO), U("TGRAN16", 20, 4, LO), S("TGRAN64", 24, 4, LO), S("TGRAN4", 28, 4, LO),
        X("TGRAN16_2", 32, 4, 1), X("TGRAN64_2", 36, 4, 1), X("TGRAN4_2", 40, 4, 1), U("EXS", 44, 4, LO),
        U("FGT", 56, 4, LO), U("ECV", 60, 4, LO),
};
static const IdField id_aa64mmfr1[] = {
        U("HAFDBS", 0, 4, LO), U("VMIDBits", 4, 4, LO), U("VH", 8, 4, LO), U("HPDS", 12, 4, LO),
        U("LO", 16, 4, LO), U("PAN", 20, 4, LO), U("SpecSEI", 24, 4, HI), U("XNX", 28, 4, LO),
        U("TWED", 32, 4, LO), U("ETS", 36, 4, LO), U("HCX", 40, 4, LO), U("AFP", 44, 4, LO),
        U("nTLBPA", 48, 4, EQ), U("TIDCP1", 52, 4, LO), U("CMOW", 56, 4, EQ), U("ECBHB", 60, 4, LO),
};
static const IdField id_aa64mmfr2[] = {
        U("CnP", 0, 4, LO), U("UAO", 4, 4, LO), U("LSM", 8, 4, LO), U("IESB", 12, 4, LO),
        U("VARange", 16, 4, LO), U("CCIDX", 20, 4, LO), U("NV", 24, 4, LO), U("ST", 28, 4, LO),
        U("AT", 32, 4, LO), U("IDS", 36, 4, LO), U("FWB", 40, 4, LO), U("TTL", 48, 4, LO),
        U("BBM", 52, 4, LO), U("EVT", 56, 4, LO), U("E0PD", 60, 4, LO),
};
static const IdField id_aa64mmfr3[] = {
        U("TCRX", 0, 4, LO), U("SCTLRX", 4, 4, LO), U("S1PIE", 8, 4, LO), U("S2PIE", 12, 4, EQ),
        U("S1POE", 16, 4, LO), U("S2POE", 20, 4, EQ), U("AIE", 24, 4, EQ), U("MEC", 28, 4, EQ),
        U("D128", 32, 4, EQ), U("D128_2", 36, 4, EQ), U("SNERR", 40, 4, EQ), U("ANERR", 44, 4, EQ),
        U("SDERR", 52, 4, EQ), U("ADERR", 56, 4, EQ), U("Spec_FPACC", 60, 4, EQ),
};
static const IdField id_aa64mmfr4[] = {
        S("EIESB", 4, 4, EQ), U("ASID2", 8, 4, EQ), U("HACDBS", 12, 4, EQ), U("FGWTE3", 16, 4, EQ),
        U("NV_frac", 20, 4, LO), S("E2H0", 24, 4, LO), U("E3DSE", 36, 4, EQ),
};

/* ---- Identification and cache registers outside the feature ID space ---- */

/* Not in the kernel's feature tables: KVM lets a guest see these only as they are. */
static const IdField midr[] = {
        U("Revision", 0, 4, EQ), U("PartNum", 4, 12, EQ), U("Architecture", 16, 4, EQ),
        U("Variant", 20, 4, EQ), U("Implementer", 24, 8, EQ),
};
static const IdField mpidr[] = {
        U("Aff0", 0, 8, EQ), U("Aff1", 8, 8, EQ), U("Aff2", 16, 8, EQ), U("MT", 24, 1, EQ),
        U("U", 30, 1, EQ), U("RES1", 31, 1, EQ), U("Aff3", 32, 8, EQ),
};
/* IMPLEMENTATION DEFINED as a whole; KVM 7.2 reports all 64 bits writable with WRITABLE_IMP_ID_REGS. */
static const IdField revidr[] = {
        U("IMPDEF", 0, 64, EQ),
};
static const IdField aidr[] = {
        U("IMPDEF", 0, 64, EQ),
};
static const IdField ccsidr[] = {
        U("LineSize", 0, 3, EQ), U("Associativity", 3, 10, EQ), U("NumSets", 13, 15, EQ),
};
static const IdField clidr[] = {
        U("Ctype1", 0, 3, EQ), U("Ctype2", 3, 3, EQ), U("Ctype3", 6, 3, EQ), U("Ctype4", 9, 3, EQ),
        U("Ctype5", 12, 3, EQ), U("Ctype6", 15, 3, EQ), U("Ctype7", 18, 3, EQ), U("LoUIS", 21, 3, EQ),
        U("LoC", 24, 3, EQ), U("LoUU", 27, 3, EQ), U("ICB", 30, 3, EQ), U("Ttypen", 33, 14, EQ),
};
static const IdField ctr[] = {
        U("IminLine", 0, 4, LO), X("L1Ip", 14, 2, 2 /* VIPT */), U("DminLine", 16, 4, LO),
        U("ERG", 20, 4, HZ), U("CWG", 24, 4, HZ), U("IDC", 28, 1, LO), U("DIC", 29, 1, LO),
        X("RES1", 31, 1, 1), U("TminLine", 32, 6, EQ),
};
static const IdField dczid[] = {
        U("BS", 0, 4, LO), X("DZP", 4, 1, 1),
};

#define REG(id_, name_, fields_) { .id = (id_), .name = (name_), .fields = (fields_), .n_fields = ELEMENTSOF(fields_) }
#define FID(crm, op2) SYSREG_ID(3, 0, 0, crm, op2)

static const IdRegDesc id_regs[] = {
        REG(REG_ID_MIDR_EL1, "MIDR_EL1", midr),
        REG(REG_ID_MPIDR_EL1, "MPIDR_EL1", mpidr),
        REG(REG_ID_REVIDR_EL1, "REVIDR_EL1", revidr),
        REG(FID(1, 0), "ID_PFR0_EL1", id_pfr0),
        REG(FID(1, 1), "ID_PFR1_EL1", id_pfr1),
        REG(FID(1, 2), "ID_DFR0_EL1", id_dfr0),
        REG(FID(1, 3), "ID_AFR0_EL1", id_afr0),
        REG(FID(1, 4), "ID_MMFR0_EL1", id_mmfr0),
        REG(FID(1, 5), "ID_MMFR1_EL1", id_mmfr1),
        REG(FID(1, 6), "ID_MMFR2_EL1", id_mmfr2),
        REG(FID(1, 7), "ID_MMFR3_EL1", id_mmfr3),
        REG(FID(2, 0), "ID_ISAR0_EL1", id_isar0),
        REG(FID(2, 1), "ID_ISAR1_EL1", id_isar1),
        REG(FID(2, 2), "ID_ISAR2_EL1", id_isar2),
        REG(FID(2, 3), "ID_ISAR3_EL1", id_isar3),
        REG(FID(2, 4), "ID_ISAR4_EL1", id_isar4),
        REG(FID(2, 5), "ID_ISAR5_EL1", id_isar5),
        REG(FID(2, 6), "ID_MMFR4_EL1", id_mmfr4),
        REG(FID(2, 7), "ID_ISAR6_EL1", id_isar6),
        REG(FID(3, 0), "MVFR0_EL1", mvfr0),
        REG(FID(3, 1), "MVFR1_EL1", mvfr1),
        REG(FID(3, 2), "MVFR2_EL1", mvfr2),
        REG(FID(3, 4), "ID_PFR2_EL1", id_pfr2),
        REG(FID(3, 5), "ID_DFR1_EL1", id_dfr1),
        REG(FID(3, 6), "ID_MMFR5_EL1", id_mmfr5),
        REG(FID(4, 0), "ID_AA64PFR0_EL1", id_aa64pfr0),
        REG(FID(4, 1), "ID_AA64PFR1_EL1", id_aa64pfr1),
        REG(FID(4, 2), "ID_AA64PFR2_EL1", id_aa64pfr2),
        REG(FID(4, 4), "ID_AA64ZFR0_EL1", id_aa64zfr0),
        REG(FID(4, 5), "ID_AA64SMFR0_EL1", id_aa64smfr0),
        REG(FID(4, 7), "ID_AA64FPFR0_EL1", id_aa64fpfr0),
        REG(FID(5, 0), "ID_AA64DFR0_EL1", id_aa64dfr0),
        REG(FID(5, 1), "ID_AA64DFR1_EL1", id_aa64dfr1),
        REG(FID(5, 2), "ID_AA64DFR2_EL1", id_aa64dfr2),
        REG(FID(5, 4), "ID_AA64AFR0_EL1", id_aa64afr0),
        { .id = FID(5, 5), .name = "ID_AA64AFR1_EL1", .fields = NULL, .n_fields = 0 }, /* all RES0 */
        REG(FID(6, 0), "ID_AA64ISAR0_EL1", id_aa64isar0),
        REG(FID(6, 1), "ID_AA64ISAR1_EL1", id_aa64isar1),
        REG(FID(6, 2), "ID_AA64ISAR2_EL1", id_aa64isar2),
        REG(FID(6, 3), "ID_AA64ISAR3_EL1", id_aa64isar3),
        REG(FID(7, 0), "ID_AA64MMFR0_EL1", id_aa64mmfr0),
        REG(FID(7, 1), "ID_AA64MMFR1_EL1", id_aa64mmfr1),
        REG(FID(7, 2), "ID_AA64MMFR2_EL1", id_aa64mmfr2),
        REG(FID(7, 3), "ID_AA64MMFR3_EL1", id_aa64mmfr3),
        REG(FID(7, 4), "ID_AA64MMFR4_EL1", id_aa64mmfr4),
        REG(REG_ID_CCSIDR_EL1, "CCSIDR_EL1", ccsidr),
        REG(REG_ID_CLIDR_EL1, "CLIDR_EL1", clidr),
        REG(REG_ID_AIDR_EL1, "AIDR_EL1", aidr),
        REG(REG_ID_CTR_EL0, "CTR_EL0", ctr),
        REG(SYSREG_ID(3, 3, 0, 0, 7), "DCZID_EL0", dczid),
};

const IdRegDesc *id_reg_lookup(uint64_t id) {
        /* Every CCSIDR demux entry has CCSIDR_EL1's layout. */
        if (reg_id_ccsidr_cache(id, NULL, NULL))
                id = REG_ID_CCSIDR_EL1;
        for (size_t i = 0; i < ELEMENTSOF(id_regs); i++)
                if (id_regs[i].id == id)
                        return &id_regs[i];
        return NULL;
}

/* For the test's consistency walk over every table. */
const IdRegDesc *id_reg_table(size_t *ret_n) {
        if (ret_n)
                *ret_n = ELEMENTSOF(id_regs);
        return id_regs;
}

static uint64_t width_mask(unsigned width) {
        return width >= 64 ? UINT64_MAX : (UINT64_C(1) << width) - 1;
}

uint64_t id_field_mask(const IdField *f) {
        if (!f || f->width == 0 || f->shift >= 64)
                return 0;
        return width_mask(f->width) << f->shift;
}

int64_t id_field_get(const IdField *f, uint64_t value) {
        uint64_t raw, sign;

        if (!f || f->width == 0 || f->shift >= 64)
                return 0;
        raw = (value >> f->shift) & width_mask(f->width);
        if (!f->is_signed || f->width >= 64)
                return (int64_t) raw;
        sign = UINT64_C(1) << (f->width - 1);
        /* Sign extension without implementation-defined conversions. */
        return raw & sign ? -(int64_t) (sign - (raw & (sign - 1))) : (int64_t) raw;
}

const char *field_rule_name(FieldRule r) {
        switch (r) {
        case FIELD_RULE_LOWER_SAFE:
                return "lower-safe";
        case FIELD_RULE_HIGHER_SAFE:
                return "higher-safe";
        case FIELD_RULE_EXACT:
                return "exact";
        case FIELD_RULE_HIGHER_OR_ZERO_SAFE:
                return "higher-or-zero";
        case FIELD_RULE_NONE:
        default:
                return "equal";
        }
}
