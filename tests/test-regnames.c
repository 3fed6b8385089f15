/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Register names, their inverse, and the ID register field tables, held against the ids and
 * values real kernels recorded (the profiles in tests/data) and against the whole id space.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <string.h>

#include "regnames.h"
#include "testutil.h"

#define ARM64_U32  (REG_ARCH_ARM64 | REG_SIZE_U32)
#define ARM64_U64  (REG_ARCH_ARM64 | REG_SIZE_U64)
#define CORE(size, off) (REG_ARCH_ARM64 | ((uint64_t) (size) << REG_SIZE_SHIFT) | (0x10ULL << 16) | (off))

static const char *name_of(uint64_t id) {
        static char buf[4][REG_NAME_MAX];
        static int n;
        char *b = buf[n++ % 4];

        return reg_id_name(id, b, REG_NAME_MAX);
}

static uint64_t id_of(const char *name) {
        uint64_t id = 0;

        CHECK_INT(reg_name_to_id(name, &id), 0);
        return id;
}

static bool is_generic_sysreg_name(const char *name) {
        return name[0] == 'S' && name[1] >= '0' && name[1] <= '9';
}

static void check_name(uint64_t id, const char *name) {
        CHECK_STR(name_of(id), name);
        CHECK_INT(id_of(name) == id, 1);
}

static void test_known_names(void) {
        /* feature ID space */
        check_name(0x603000000013c020ULL, "ID_AA64PFR0_EL1");
        check_name(REG_ID_ID_AA64DFR0_EL1, "ID_AA64DFR0_EL1");
        check_name(REG_ID_ID_AA64MMFR1_EL1, "ID_AA64MMFR1_EL1");
        check_name(SYSREG_ID(3, 0, 0, 4, 7), "ID_AA64FPFR0_EL1");
        check_name(SYSREG_ID(3, 0, 0, 5, 2), "ID_AA64DFR2_EL1");
        check_name(SYSREG_ID(3, 0, 0, 3, 6), "ID_MMFR5_EL1");
        check_name(REG_ID_MIDR_EL1, "MIDR_EL1");
        check_name(REG_ID_CTR_EL0, "CTR_EL0");
        check_name(REG_ID_CLIDR_EL1, "CLIDR_EL1");
        check_name(REG_ID_AIDR_EL1, "AIDR_EL1");
        /* unallocated slots keep the generic form */
        check_name(0x603000000013c023ULL, "S3_0_C0_C4_3");
        check_name(SYSREG_ID(3, 0, 0, 7, 7), "S3_0_C0_C7_7");
        check_name(SYSREG_ID(3, 7, 15, 15, 7), "S3_7_C15_C15_7");
        /* the timers, by what KVM means (uapi swaps CNT and CVAL encodings) */
        check_name(0x603000000013df1aULL, "CNTVCT_EL0");      /* KVM_REG_ARM_TIMER_CNT (3,3,14,3,2) */
        check_name(0x603000000013df02ULL, "CNTV_CVAL_EL0");   /* KVM_REG_ARM_TIMER_CVAL (3,3,14,0,2) */
        check_name(0x603000000013df19ULL, "CNTV_CTL_EL0");
        check_name(0x603000000013df01ULL, "CNTPCT_EL0");      /* KVM_REG_ARM_PTIMER_CNT */
        check_name(0x603000000013df11ULL, "CNTP_CTL_EL0");
        check_name(0x603000000013df12ULL, "CNTP_CVAL_EL0");
        CHECK_INT(id_of("KVM_REG_ARM_TIMER_CNT") == SYSREG_ID(3, 3, 14, 3, 2), 1);
        CHECK_INT(id_of("KVM_REG_ARM_TIMER_CVAL") == SYSREG_ID(3, 3, 14, 0, 2), 1);
        CHECK_INT(id_of("KVM_REG_ARM_TIMER_CTL") == SYSREG_ID(3, 3, 14, 3, 1), 1);
        CHECK_INT(id_of("KVM_REG_ARM_PTIMER_CNT") == SYSREG_ID(3, 3, 14, 0, 1), 1);
        CHECK_INT(id_of("KVM_REG_ARM_PTIMER_CVAL") == SYSREG_ID(3, 3, 14, 2, 2), 1);
        CHECK_INT(id_of("KVM_REG_ARM_PTIMER_CTL") == SYSREG_ID(3, 3, 14, 2, 1), 1);
        /* firmware registers and bitmaps */
        check_name(0x6030000000140000ULL, "PSCI_VERSION");
        check_name(REG_ID_SMCCC_ARCH_WORKAROUND_1, "SMCCC_ARCH_WORKAROUND_1");
        check_name(REG_ID_SMCCC_ARCH_WORKAROUND_2, "SMCCC_ARCH_WORKAROUND_2");
        check_name(0x6030000000140003ULL, "SMCCC_ARCH_WORKAROUND_3");
        CHECK_INT(id_of("KVM_REG_ARM_PSCI_VERSION") == REG_ID_PSCI_VERSION, 1);
        check_name(0x6030000000160000ULL, "KVM_REG_ARM_STD_BMAP");
        check_name(REG_ID_STD_HYP_BMAP, "KVM_REG_ARM_STD_HYP_BMAP");
        check_name(REG_ID_VENDOR_HYP_BMAP, "KVM_REG_ARM_VENDOR_HYP_BMAP");
        check_name(0x6030000000160003ULL, "KVM_REG_ARM_VENDOR_HYP_BMAP_2");
        /* a firmware index no kernel defines yet is valid but nameless */
        CHECK_STR(name_of(0x6030000000140004ULL), "0x6030000000140004");
        CHECK_INT(reg_id_is_valid(0x6030000000140004ULL), 1);
        /* CCSIDR demux */
        check_name(0x6020000000110000ULL, "CCSIDR_EL1[csselr=0x0]");
        check_name(0x6020000000110001ULL, "CCSIDR_EL1[csselr=0x1]");
        check_name(0x602000000011000dULL, "CCSIDR_EL1[csselr=0xd]");
        CHECK_STR(name_of(0x602000000011000eULL), "0x602000000011000e");
        {
                unsigned level = 0;
                bool instr = false;

                CHECK(reg_id_ccsidr_cache(0x6020000000110001ULL, &level, &instr));
                CHECK_INT(level, 1);
                CHECK_INT(instr, 1);
                CHECK(reg_id_ccsidr_cache(0x6020000000110004ULL, &level, &instr));
                CHECK_INT(level, 3);
                CHECK_INT(instr, 0);
                CHECK(!reg_id_ccsidr_cache(0x602000000011000eULL, &level, &instr));
                CHECK(!reg_id_ccsidr_cache(REG_ID_CCSIDR_EL1, NULL, NULL));
        }
        /* core registers: offsets into struct kvm_regs in 32-bit words */
        check_name(CORE(3, 0x00), "X0");
        check_name(CORE(3, 0x02), "X1");
        check_name(CORE(3, 0x3c), "X30");
        check_name(CORE(3, 0x3e), "SP");
        check_name(CORE(3, 0x40), "PC");
        check_name(CORE(3, 0x42), "PSTATE");
        check_name(CORE(3, 0x44), "SP_EL1");
        check_name(CORE(3, 0x46), "ELR_EL1");
        check_name(CORE(3, 0x48), "SPSR_EL1");
        check_name(CORE(3, 0x4a), "SPSR_ABT");
        check_name(CORE(3, 0x50), "SPSR_FIQ");
        check_name(CORE(4, 0x54), "V0");
        check_name(CORE(4, 0xd0), "V31");
        check_name(CORE(2, 0xd4), "FPSR");
        check_name(CORE(2, 0xd5), "FPCR");
        CHECK_STR(name_of(CORE(3, 0x01)), "0x6030000000100001");      /* middle of X0 */
        CHECK_STR(name_of(CORE(3, 0x54)), "0x6030000000100054");      /* V0 is 128 bits */
        CHECK_STR(name_of(CORE(3, 0x52)), "0x6030000000100052");      /* padding */
        CHECK_STR(name_of(CORE(2, 0xd6)), "0x60200000001000d6");      /* past FPCR */
        /* SVE */
        check_name(0x6080000000150000ULL, "Z0[0]");
        check_name(0x608000000015001fULL, "Z0[31]");
        check_name(0x60800000001503e0ULL, "Z31[0]");
        check_name(0x6050000000150400ULL, "P0[0]");
        check_name(0x60500000001505e0ULL, "P15[0]");
        check_name(0x6050000000150600ULL, "FFR[0]");
        check_name(0x606000000015ffffULL, "KVM_REG_ARM64_SVE_VLS");
        CHECK_STR(name_of(0x6050000000150620ULL), "0x6050000000150620");    /* past FFR's slices */
        CHECK_STR(name_of(0x6030000000150000ULL), "0x6030000000150000");    /* Z0 must be 2048 bits */
        /* debug, PMU and the rest of the system registers KVM lists */
        check_name(0x6030000000138004ULL, "DBGBVR0_EL1");
        check_name(0x6030000000138005ULL, "DBGBCR0_EL1");
        check_name(0x603000000013807eULL, "DBGWVR15_EL1");
        check_name(0x603000000013807fULL, "DBGWCR15_EL1");
        check_name(0x6030000000138010ULL, "MDCCINT_EL1");
        check_name(0x6030000000138012ULL, "MDSCR_EL1");
        check_name(0x603000000013808cULL, "OSLSR_EL1");
        check_name(0x603000000013a038ULL, "DBGVCR32_EL2");
        check_name(0x603000000013df40ULL, "PMEVCNTR0_EL0");
        check_name(0x603000000013df5eULL, "PMEVCNTR30_EL0");
        check_name(0x603000000013df60ULL, "PMEVTYPER0_EL0");
        check_name(0x603000000013df7eULL, "PMEVTYPER30_EL0");
        check_name(0x603000000013df7fULL, "PMCCFILTR_EL0");
        check_name(0x603000000013dce0ULL, "PMCR_EL0");
        check_name(0x603000000013dcf3ULL, "PMOVSSET_EL0");
        check_name(0x603000000013c4f1ULL, "PMINTENSET_EL1");
        check_name(0x603000000013c103ULL, "TCR2_EL1");
        check_name(0x603000000013c512ULL, "PIRE0_EL1");
        check_name(0x603000000013c513ULL, "PIR_EL1");
        check_name(SYSREG_ID(3, 0, 10, 2, 4), "POR_EL1");
        check_name(SYSREG_ID(3, 3, 10, 2, 4), "POR_EL0");
        check_name(0x603000000013c090ULL, "ZCR_EL1");
        check_name(0x603000000013c108ULL, "APIAKEYLO_EL1");
        check_name(0x603000000013c119ULL, "APGAKEYHI_EL1");
        check_name(SYSREG_ID(3, 0, 5, 6, 0), "TFSR_EL1");
        check_name(SYSREG_ID(3, 0, 5, 6, 1), "TFSRE0_EL1");
        check_name(SYSREG_ID(3, 0, 1, 0, 6), "GCR_EL1");
        check_name(SYSREG_ID(3, 0, 1, 0, 5), "RGSR_EL1");
        check_name(SYSREG_ID(3, 0, 12, 12, 5), "ICC_SRE_EL1");
        check_name(0x603000000013e180ULL, "DACR32_EL2");
        check_name(0x603000000013e281ULL, "IFSR32_EL2");
        check_name(0x603000000013e298ULL, "FPEXC32_EL2");
        check_name(0x603000000013c801ULL, "CLIDR_EL1");
        check_name(0x603000000013d000ULL, "CSSELR_EL1");
        /* names are case-insensitive on input */
        CHECK_INT(id_of("id_aa64pfr0_el1") == 0x603000000013c020ULL, 1);
        CHECK_INT(id_of("s3_0_c0_c4_0") == 0x603000000013c020ULL, 1);
        CHECK_INT(id_of("0x603000000013C020") == 0x603000000013c020ULL, 1);
}

static void test_classes(void) {
        CHECK_INT(reg_id_class(REG_ID_MIDR_EL1), REG_CLASS_SYSREG);
        CHECK_INT(reg_id_class(CORE(3, 0)), REG_CLASS_CORE);
        CHECK_INT(reg_id_class(0x6020000000110000ULL), REG_CLASS_DEMUX);
        CHECK_INT(reg_id_class(REG_ID_PSCI_VERSION), REG_CLASS_FW);
        CHECK_INT(reg_id_class(0x6080000000150000ULL), REG_CLASS_SVE);
        CHECK_INT(reg_id_class(REG_ID_STD_BMAP), REG_CLASS_FW_FEAT_BMAP);
        CHECK_INT(reg_id_class(0x6030000000120000ULL), REG_CLASS_UNKNOWN);
        CHECK_INT(reg_id_class(0x4030000000130000ULL), REG_CLASS_UNKNOWN);    /* arm, not arm64 */
        CHECK_STR(reg_class_name(REG_CLASS_CORE), "core");
        CHECK_STR(reg_class_name(REG_CLASS_DEMUX), "demux");
        CHECK_STR(reg_class_name(REG_CLASS_SYSREG), "sysreg");
        CHECK_STR(reg_class_name(REG_CLASS_FW), "fw");
        CHECK_STR(reg_class_name(REG_CLASS_SVE), "sve");
        CHECK_STR(reg_class_name(REG_CLASS_FW_FEAT_BMAP), "fw-bmap");
        CHECK_STR(reg_class_name(REG_CLASS_UNKNOWN), "unknown");
        CHECK_STR(reg_class_name((RegClass) 99), "unknown");

        CHECK_INT(reg_id_size(CORE(2, 0xd4)), 4);
        CHECK_INT(reg_id_size(REG_ID_MIDR_EL1), 8);
        CHECK_INT(reg_id_size(CORE(4, 0x54)), 16);
        CHECK_INT(reg_id_size(0x6050000000150400ULL), 32);
        CHECK_INT(reg_id_size(0x606000000015ffffULL), 64);
        CHECK_INT(reg_id_size(0x6080000000150000ULL), 256);
        CHECK_INT(reg_id_size(0x6090000000150000ULL), 0);     /* size field 9 does not exist */
        CHECK_INT(reg_id_size(0x4030000000130000ULL), 0);

        CHECK(reg_id_in_cpreg_list(REG_ID_MIDR_EL1));
        CHECK(reg_id_in_cpreg_list(0x6020000000110000ULL));
        CHECK(reg_id_in_cpreg_list(REG_ID_PSCI_VERSION));
        CHECK(reg_id_in_cpreg_list(REG_ID_VENDOR_HYP_BMAP_2));
        CHECK(!reg_id_in_cpreg_list(CORE(3, 0)));
        CHECK(!reg_id_in_cpreg_list(0x606000000015ffffULL));
        CHECK(!reg_id_in_cpreg_list(0x4030000000130000ULL));

        {
                unsigned op0 = 9, op1 = 9, crn = 99, crm = 99, op2 = 9;

                CHECK(reg_id_sysreg(0x603000000013df1aULL, &op0, &op1, &crn, &crm, &op2));
                CHECK_INT(op0, 3);
                CHECK_INT(op1, 3);
                CHECK_INT(crn, 14);
                CHECK_INT(crm, 3);
                CHECK_INT(op2, 2);
                CHECK(reg_id_sysreg(0x603000000013df1aULL, NULL, NULL, NULL, NULL, NULL));
                op0 = 9;
                CHECK(!reg_id_sysreg(CORE(3, 0), &op0, NULL, NULL, NULL, NULL));
                CHECK_INT(op0, 9);      /* outputs untouched on failure */
        }

        CHECK(reg_id_is_feature_id(REG_ID_MIDR_EL1));
        CHECK(reg_id_is_feature_id(SYSREG_ID(3, 0, 0, 7, 7)));
        CHECK(!reg_id_is_feature_id(SYSREG_ID(3, 0, 1, 0, 0)));
        CHECK(!reg_id_is_feature_id(REG_ID_CTR_EL0));
        CHECK(!reg_id_is_feature_id(REG_ID_CLIDR_EL1));
        CHECK(!reg_id_is_feature_id(SYSREG_ID(3, 0, 0, 8, 0)));
        CHECK(!reg_id_is_feature_id(0x6030000000140000ULL));
}

static void test_invalid(void) {
        static const uint64_t bad[] = {
                0, UINT64_MAX, 0x4030000000130000ULL,   /* not arm64 */
                0x6030000000120000ULL,                  /* unknown coprocessor */
                0x6030000010130000ULL,                  /* stray bit 28 */
                0x6038000000130000ULL,                  /* stray bit 51 */
                0x6020000000130000ULL,                  /* sysreg, 32 bits */
                0x6030000000110000ULL,                  /* CCSIDR demux, 64 bits */
                0x6020000000110100ULL,                  /* demux register 1 */
                0x6020000000140000ULL,                  /* fw, 32 bits */
                0x6040000000160000ULL,                  /* bitmap, 128 bits */
        };
        uint64_t id = 42;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                char want[REG_NAME_MAX];

                snprintf(want, sizeof(want), "0x%016" PRIx64, bad[i]);
                CHECK(!reg_id_is_valid(bad[i]));
                CHECK_STR(name_of(bad[i]), want);
                CHECK_INT(id_of(want) == bad[i], 1);
        }

        static const char *const bad_names[] = {
                "", "FOO", "X31", "X01", "V32", "Z32[0]", "Z0[32]", "Z0", "P16[0]", "FFR[32]", "FFR",
                "S4_0_C0_C0_0", "S3_8_C0_C0_0", "S3_0_C16_C0_0", "S3_0_C0_C16_0", "S3_0_C0_C4_8",
                "S3_0_C0_C4", "S3_0_C0_C4_7_", "S3_0_C0_C4_07", "S-3_0_C0_C4_7", "0x", "0x1g",
                "0x12345678901234567", "ID_AA64PFR0_EL1 ", " ID_AA64PFR0_EL1", "PMEVCNTR31_EL0",
                "PMEVTYPER31_EL0", "DBGBVR16_EL1", "CCSIDR_EL1[csselr=0xe]", "CCSIDR_EL1[csselr=0x]",
                "CCSIDR_EL1[csselr=0x1", "CCSIDR_EL1[csselr=0x001]", "SMCCC_ARCH_WORKAROUND_4",
                "KVM_REG_ARM_VENDOR_HYP_BMAP_3",
                "A_NAME_LONGER_THAN_ANY_REGISTER_NAME_CAN_EVER_BE_WRITTEN_BY_REG_ID_NAME_0123456789",
        };
        for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
                id = 42;
                if (reg_name_to_id(bad_names[i], &id) != -EINVAL)
                        fprintf(stderr, "accepted: \"%s\"\n", bad_names[i]);
                CHECK_INT(reg_name_to_id(bad_names[i], &id), -EINVAL);
                CHECK_INT(id, 42);      /* untouched on failure */
        }
        CHECK_INT(reg_name_to_id(NULL, &id), -EINVAL);
        CHECK_INT(reg_name_to_id("X0", NULL), -EINVAL);

        /* a buffer too small truncates, never overruns */
        {
                char small[8];

                memset(small, 'x', sizeof(small));
                CHECK(reg_id_name(0x603000000013c020ULL, small, sizeof(small)) == small);
                CHECK_STR(small, "ID_AA64");
        }
}

/*
 * Every name over whole id spaces parses back to its id: all 65536 system register encodings,
 * every core offset at every size, every SVE index, every demux value and firmware index.
 */
static void test_round_trip_space(void) {
        unsigned failures = 0, named = 0;
        uint64_t bases[] = {
                ARM64_U64 | (0x13ULL << 16), ARM64_U32 | (0x13ULL << 16),
                REG_ARCH_ARM64 | (0x10ULL << 16), REG_ARCH_ARM64 | (0x15ULL << 16),
                ARM64_U32 | (0x11ULL << 16), ARM64_U64 | (0x14ULL << 16), ARM64_U64 | (0x16ULL << 16),
        };

        for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++)
                for (unsigned size = 0; size <= 9; size++)
                        for (uint64_t index = 0; index <= 0xffff; index++) {
                                uint64_t id = (bases[b] & ~REG_SIZE_MASK) | (uint64_t) size << REG_SIZE_SHIFT | index;
                                const char *name;
                                uint64_t back = 0;

                                if ((bases[b] & REG_SIZE_MASK) && size != ((bases[b] & REG_SIZE_MASK) >> REG_SIZE_SHIFT))
                                        continue;
                                name = name_of(id);
                                if (reg_name_to_id(name, &back) != 0 || back != id) {
                                        if (failures++ < 10)
                                                fprintf(stderr, "round trip: %016" PRIx64 " -> %s -> %016" PRIx64 "\n",
                                                        id, name, back);
                                }
                                if (name[0] != '0')
                                        named++;
                                /* a name is given exactly to the valid ids */
                                if ((name[0] != '0') != reg_id_is_valid(id) && reg_id_class(id) != REG_CLASS_FW &&
                                    reg_id_class(id) != REG_CLASS_FW_FEAT_BMAP)
                                        if (failures++ < 10)
                                                fprintf(stderr, "valid/name mismatch: %016" PRIx64 " %s\n", id, name);
                        }
        CHECK_INT(failures, 0);
        /* 65536 sysregs + 31 X + SP, PC, PSTATE, SP_EL1, ELR_EL1 + 5 SPSR + 32 V + FPSR/FPCR
         * + 32*32 Z + 16*32 P + 32 FFR + VLS + 14 CCSIDR + 4 fw + 4 bitmaps */
        CHECK_INT(named, 65536 + 31 + 5 + 5 + 32 + 2 + 1024 + 512 + 32 + 1 + 14 + 4 + 4);
}

/* The unallocated feature-ID slots KVM lists (RAZ): the only ids of the recordings with no name. */
static const uint64_t expected_generic[] = {
        SYSREG_ID(3, 0, 0, 3, 3), SYSREG_ID(3, 0, 0, 3, 7), SYSREG_ID(3, 0, 0, 4, 3),
        SYSREG_ID(3, 0, 0, 4, 6), SYSREG_ID(3, 0, 0, 5, 3), SYSREG_ID(3, 0, 0, 5, 6),
        SYSREG_ID(3, 0, 0, 5, 7), SYSREG_ID(3, 0, 0, 6, 4), SYSREG_ID(3, 0, 0, 6, 5),
        SYSREG_ID(3, 0, 0, 6, 6), SYSREG_ID(3, 0, 0, 6, 7), SYSREG_ID(3, 0, 0, 7, 5),
        SYSREG_ID(3, 0, 0, 7, 6), SYSREG_ID(3, 0, 0, 7, 7),
};

typedef struct Seen {
        uint64_t ids[1024];
        size_t n;
} Seen;

static void seen_add(Seen *s, uint64_t id) {
        for (size_t i = 0; i < s->n; i++)
                if (s->ids[i] == id)
                        return;
        if (s->n < sizeof(s->ids) / sizeof(s->ids[0]))
                s->ids[s->n++] = id;
}

static bool parse_hex(const char *s, uint64_t *ret) {
        char *end = NULL;

        if (!s || strncmp(s, "0x", 2) != 0)
                return false;
        errno = 0;
        *ret = strtoull(s, &end, 16);
        return errno == 0 && end && *end == '\0';
}

/* AArch32 feature registers: op0=3, op1=0, CRn=0, CRm 1-3. */
static bool is_aarch32_id(uint64_t id) {
        unsigned op0, op1, crn, crm;

        return reg_id_sysreg(id, &op0, &op1, &crn, &crm, NULL) && op0 == 3 && op1 == 0 && crn == 0 &&
               crm >= 1 && crm <= 3;
}

typedef struct Totals {
        uint64_t fpfr0_extra;
        size_t ids, files, configs, id_values, masks;
        Seen all, generic, fallback, feature_unnamed;
} Totals;

/* Bits of value outside every field of desc. */
static uint64_t uncovered(const IdRegDesc *desc, uint64_t value) {
        uint64_t covered = 0;

        for (size_t i = 0; i < desc->n_fields; i++)
                covered |= id_field_mask(&desc->fields[i]);
        return value & ~covered;
}

static void check_config(json_object *config, Totals *t, const char *file) {
        json_object *list, *values, *masks;

        if (json_object_object_get_ex(config, "reg_list", &list)) {
                t->configs++;
                for (size_t i = 0; i < json_object_array_length(list); i++) {
                        uint64_t id = 0, back = 0;
                        const char *name;

                        CHECK(parse_hex(json_object_get_string(json_object_array_get_idx(list, i)), &id));
                        name = name_of(id);
                        t->ids++;
                        seen_add(&t->all, id);
                        CHECK(reg_id_is_valid(id));
                        CHECK_INT(reg_name_to_id(name, &back), 0);
                        if (back != id)
                                fprintf(stderr, "%s: %016" PRIx64 " -> %s -> %016" PRIx64 "\n", file, id, name, back);
                        CHECK_INT(back == id, 1);
                        if (name[0] == '0')
                                seen_add(&t->fallback, id);
                        else if (is_generic_sysreg_name(name))
                                seen_add(&t->generic, id);
                        if (reg_id_is_feature_id(id) && !is_generic_sysreg_name(name) && !id_reg_lookup(id))
                                seen_add(&t->feature_unnamed, id);
                }
        }
        /* Real ID register values: no bit set outside the fields the tables know. */
        if (json_object_object_get_ex(config, "id_regs", &values)) {
                json_object_object_foreach(values, key, val) {
                        uint64_t id = 0, value = 0;
                        const IdRegDesc *desc;

                        CHECK(parse_hex(key, &id));
                        CHECK(parse_hex(json_object_get_string(val), &value));
                        desc = id_reg_lookup(id);
                        if (!desc)
                                continue;
                        t->id_values++;
                        if (uncovered(desc, value))
                                fprintf(stderr, "%s: %s = 0x%016" PRIx64 " has bits 0x%016" PRIx64 " outside its fields\n",
                                        file, desc->name, value, uncovered(desc, value));
                        CHECK_INT(uncovered(desc, value), 0);
                }
        }
        /* What KVM says is writable lies within fields, and covers each field whole or not at all. */
        if (json_object_object_get_ex(config, "writable_masks", &masks)) {
                json_object_object_foreach(masks, key, val) {
                        uint64_t id = 0, mask = 0;
                        const IdRegDesc *desc;

                        CHECK(parse_hex(key, &id));
                        CHECK(parse_hex(json_object_get_string(val), &mask));
                        desc = id_reg_lookup(id);
                        if (!desc)
                                continue;
                        t->masks++;
                        if (is_aarch32_id(id))
                                ;       /* KVM makes all 32 bits writable, RES0 included */
                        else if (id == SYSREG_ID(3, 0, 0, 4, 7))
                                t->fpfr0_extra |= uncovered(desc, mask);
                        else {
                                if (uncovered(desc, mask))
                                        fprintf(stderr, "%s: writable %s 0x%016" PRIx64 " outside fields: 0x%016" PRIx64 "\n",
                                                file, desc->name, mask, uncovered(desc, mask));
                                CHECK_INT(uncovered(desc, mask), 0);
                        }
                        for (size_t i = 0; i < desc->n_fields; i++) {
                                uint64_t fm = id_field_mask(&desc->fields[i]);

                                if ((mask & fm) != 0 && (mask & fm) != fm)
                                        fprintf(stderr, "%s: %s.%s partly writable\n", file, desc->name,
                                                desc->fields[i].name);
                                CHECK((mask & fm) == 0 || (mask & fm) == fm);
                        }
                }
        }
}

static void check_configs(json_object *parent, Totals *t, const char *file) {
        json_object *configs;

        if (!json_object_object_get_ex(parent, "configs", &configs))
                return;
        for (size_t i = 0; i < json_object_array_length(configs); i++)
                check_config(json_object_array_get_idx(configs, i), t, file);
}

static bool contains_id(const uint64_t *ids, size_t n, uint64_t id) {
        for (size_t i = 0; i < n; i++)
                if (ids[i] == id)
                        return true;
        return false;
}

static bool contains(const Seen *s, uint64_t id) {
        for (size_t i = 0; i < s->n; i++)
                if (s->ids[i] == id)
                        return true;
        return false;
}

static void test_profiles(void) {
        Totals t = { 0 };
        DIR *dir = opendir(test_data(""));

        CHECK(dir != NULL);
        if (!dir)
                return;
        for (struct dirent *de; (de = readdir(dir));) {
                size_t l = strlen(de->d_name);
                json_object *root, *imp;

                if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
                        continue;
                root = json_object_from_file(test_data(de->d_name));
                CHECK(root != NULL);
                if (!root)
                        continue;
                t.files++;
                check_configs(root, &t, de->d_name);
                if (json_object_object_get_ex(root, "writable_imp_id_regs", &imp)) {
                        json_object_object_foreach(imp, k, v) {
                                (void) k;
                                check_configs(v, &t, de->d_name);
                        }
                }
                json_object_put(root);
        }
        closedir(dir);

        printf("profiles: %zu files, %zu configurations, %zu ids (%zu distinct), %zu ID values, %zu masks\n",
               t.files, t.configs, t.ids, t.all.n, t.id_values, t.masks);
        CHECK(t.files >= 11);
        CHECK(t.all.n >= 395);
        CHECK(t.id_values > 0);
        CHECK(t.masks > 0);
        /* no recorded id falls back to a number */
        CHECK_INT(t.fallback.n, 0);
        for (size_t i = 0; i < t.fallback.n; i++)
                fprintf(stderr, "no name: %016" PRIx64 "\n", t.fallback.ids[i]);
        /* generic S3_ names: exactly the unallocated feature-ID slots */
        CHECK_INT(t.generic.n, sizeof(expected_generic) / sizeof(expected_generic[0]));
        for (size_t i = 0; i < sizeof(expected_generic) / sizeof(expected_generic[0]); i++)
                CHECK(contains(&t.generic, expected_generic[i]));
        for (size_t i = 0; i < t.generic.n; i++)
                if (!contains_id(expected_generic, sizeof(expected_generic) / sizeof(expected_generic[0]),
                                 t.generic.ids[i]))
                        fprintf(stderr, "unexpected generic name: %s\n", name_of(t.generic.ids[i]));
        /*
         * Linux 7.2 lets a VMM write bits 15 and 7:2 of ID_AA64FPFR0_EL1, which the 6.18-era layout
         * keeps RES0 (fields of a newer architecture revision this table does not name yet).
         */
        CHECK_INT(t.fpfr0_extra == 0x80fcULL, 1);
        /* every named register of the feature ID space has a field table */
        CHECK_INT(t.feature_unnamed.n, 0);
        for (size_t i = 0; i < t.feature_unnamed.n; i++)
                fprintf(stderr, "no field table: %s\n", name_of(t.feature_unnamed.ids[i]));
}

static const IdField *find(const IdRegDesc *d, const char *name) {
        for (size_t i = 0; d && i < d->n_fields; i++)
                if (strcmp(d->fields[i].name, name) == 0)
                        return &d->fields[i];
        return NULL;
}

static void test_fields(void) {
        const IdRegDesc *pfr0 = id_reg_lookup(REG_ID_ID_AA64PFR0_EL1);
        const IdRegDesc *dfr0 = id_reg_lookup(REG_ID_ID_AA64DFR0_EL1);
        const IdRegDesc *ctr = id_reg_lookup(REG_ID_CTR_EL0);
        const IdRegDesc *mmfr1 = id_reg_lookup(REG_ID_ID_AA64MMFR1_EL1);
        const IdRegDesc *midr = id_reg_lookup(REG_ID_MIDR_EL1);
        const IdRegDesc *clidr = id_reg_lookup(REG_ID_CLIDR_EL1);

        CHECK(pfr0 && dfr0 && ctr && mmfr1 && midr && clidr);
        if (!(pfr0 && dfr0 && ctr && mmfr1 && midr && clidr))
                return;
        CHECK_STR(pfr0->name, "ID_AA64PFR0_EL1");
        CHECK(id_reg_lookup(SYSREG_ID(3, 0, 0, 4, 3)) == NULL);       /* unallocated */
        CHECK(id_reg_lookup(SYSREG_ID(3, 0, 1, 0, 0)) == NULL);       /* SCTLR_EL1 */
        CHECK(id_reg_lookup(0x6020000000110003ULL) == id_reg_lookup(REG_ID_CCSIDR_EL1));
        CHECK(id_reg_lookup(0x602000000011000eULL) == NULL);

        /* FP and AdvSIMD are signed: 0xf means "not implemented", below 0 */
        const IdField *fp = find(pfr0, "FP"), *asimd = find(pfr0, "AdvSIMD"), *sve = find(pfr0, "SVE");
        CHECK(fp && asimd && sve);
        if (fp && asimd && sve) {
                CHECK_INT(fp->shift, 16);
                CHECK_INT(fp->width, 4);
                CHECK(fp->is_signed);
                CHECK_INT(fp->rule, FIELD_RULE_LOWER_SAFE);
                CHECK_INT(id_field_mask(fp) == 0xf0000ULL, 1);
                CHECK_INT(id_field_get(fp, 0x00000000000f0000ULL), -1);
                CHECK_INT(id_field_get(fp, 0x0000000000010000ULL), 1);
                CHECK_INT(id_field_get(fp, 0x0000000000080000ULL), -8);
                CHECK_INT(id_field_get(fp, 0x0000000000070000ULL), 7);
                CHECK_INT(id_field_get(asimd, 0x0000000000f00000ULL), -1);
                CHECK(!sve->is_signed);
                CHECK_INT(sve->shift, 32);
                CHECK_INT(id_field_get(sve, 0x0000000f00000000ULL), 15);
                CHECK_INT(id_field_mask(sve) == 0xf00000000ULL, 1);
        }
        /* DebugVer: exact, safe value 6; PMUVer: signed, exact with safe value 0 */
        const IdField *debugver = find(dfr0, "DebugVer"), *pmuver = find(dfr0, "PMUVer");
        CHECK(debugver && pmuver);
        if (debugver && pmuver) {
                CHECK_INT(debugver->shift, 0);
                CHECK_INT(debugver->rule, FIELD_RULE_EXACT);
                CHECK_INT(debugver->safe_val, 6);
                CHECK(!debugver->is_signed);
                CHECK_INT(pmuver->shift, 8);
                CHECK(pmuver->is_signed);
                CHECK_INT(pmuver->rule, FIELD_RULE_EXACT);
                CHECK_INT(pmuver->safe_val, 0);
                CHECK_INT(id_field_get(pmuver, 0xf00ULL), -1);  /* IMP_DEF reads as -1 to the kernel */
        }
        /* CTR_EL0: CWG/ERG higher-or-zero, L1Ip exact (VIPT), RES1 bit 31 exact 1, DminLine lower */
        const IdField *cwg = find(ctr, "CWG"), *l1ip = find(ctr, "L1Ip"), *res1 = find(ctr, "RES1");
        const IdField *dminline = find(ctr, "DminLine");
        CHECK(cwg && l1ip && res1 && dminline);
        if (cwg && l1ip && res1 && dminline) {
                CHECK_INT(cwg->shift, 24);
                CHECK_INT(cwg->rule, FIELD_RULE_HIGHER_OR_ZERO_SAFE);
                CHECK_INT(l1ip->shift, 14);
                CHECK_INT(l1ip->width, 2);
                CHECK_INT(l1ip->rule, FIELD_RULE_EXACT);
                CHECK_INT(l1ip->safe_val, 2);
                CHECK_INT(res1->shift, 31);
                CHECK_INT(res1->safe_val, 1);
                CHECK_INT(dminline->rule, FIELD_RULE_LOWER_SAFE);
                /* CTR_EL0 as recorded on cortex-a72 (6.12-cortex-a72.json): L1Ip PIPT, 16-word lines */
                CHECK_INT(id_field_get(l1ip, 0x8444c004ULL), 3);
                CHECK_INT(id_field_get(dminline, 0x8444c004ULL), 4);
                CHECK_INT(id_field_get(cwg, 0x8444c004ULL), 4);
                CHECK_INT(id_field_get(res1, 0x8444c004ULL), 1);
                CHECK_INT(id_field_get(find(ctr, "IminLine"), 0x8444c004ULL), 4);
                CHECK_INT(id_field_get(find(ctr, "IDC"), 0x8444c004ULL), 0);
                CHECK_INT(id_field_get(find(ctr, "IDC"), 0x9444c004ULL), 1);     /* -cpu max on 7.2 */
                CHECK_INT(id_field_get(find(ctr, "DIC"), 0x9444c004ULL), 0);
        }
        const IdField *specsei = find(mmfr1, "SpecSEI"), *vh = find(mmfr1, "VH");
        CHECK(specsei && vh);
        if (specsei && vh) {
                CHECK_INT(specsei->rule, FIELD_RULE_HIGHER_SAFE);
                CHECK_INT(vh->shift, 8);
                CHECK_INT(vh->rule, FIELD_RULE_LOWER_SAFE);
        }
        /* MIDR_EL1 is not in the kernel's tables: every field must be equal */
        const IdField *partnum = find(midr, "PartNum"), *impl = find(midr, "Implementer");
        CHECK(partnum && impl);
        if (partnum && impl) {
                CHECK_INT(partnum->shift, 4);
                CHECK_INT(partnum->width, 12);
                CHECK_INT(partnum->rule, FIELD_RULE_NONE);
                CHECK_INT(id_field_get(partnum, 0x410fd083ULL), 0xd08);
                CHECK_INT(id_field_get(impl, 0x410fd083ULL), 0x41);
        }
        const IdField *louis = find(clidr, "LoUIS"), *icb = find(clidr, "ICB"), *ctype7 = find(clidr, "Ctype7");
        CHECK(louis && icb && ctype7);
        if (louis && icb && ctype7) {
                CHECK_INT(louis->shift, 21);
                CHECK_INT(louis->width, 3);
                CHECK_INT(icb->shift, 30);
                CHECK_INT(ctype7->shift, 18);
                /* CLIDR_EL1 as recorded on cortex-a72: separate L1 I/D, LoUIS = LoC = LoUU = 1 */
                CHECK_INT(id_field_get(find(clidr, "Ctype1"), 0x09200003ULL), 3);
                CHECK_INT(id_field_get(find(clidr, "Ctype2"), 0x09200003ULL), 0);
                CHECK_INT(id_field_get(louis, 0x09200003ULL), 1);
                CHECK_INT(id_field_get(find(clidr, "LoC"), 0x09200003ULL), 1);
                CHECK_INT(id_field_get(find(clidr, "LoUU"), 0x09200003ULL), 1);
        }

        /* edge cases of the helpers */
        IdField wide = { .name = "ALL", .shift = 0, .width = 64, .is_signed = true };
        IdField top = { .name = "TOP", .shift = 60, .width = 4, .is_signed = true };
        CHECK_INT(id_field_mask(&wide) == UINT64_MAX, 1);
        CHECK_INT(id_field_get(&wide, UINT64_MAX), -1);
        CHECK_INT(id_field_mask(&top) == 0xf000000000000000ULL, 1);
        CHECK_INT(id_field_get(&top, 0x8000000000000000ULL), -8);
        CHECK_INT(id_field_mask(NULL) == 0, 1);
        CHECK_INT(id_field_get(NULL, 1), 0);

        CHECK_STR(field_rule_name(FIELD_RULE_NONE), "equal");
        CHECK_STR(field_rule_name(FIELD_RULE_LOWER_SAFE), "lower-safe");
        CHECK_STR(field_rule_name(FIELD_RULE_HIGHER_SAFE), "higher-safe");
        CHECK_STR(field_rule_name(FIELD_RULE_EXACT), "exact");
        CHECK_STR(field_rule_name(FIELD_RULE_HIGHER_OR_ZERO_SAFE), "higher-or-zero");
}

/* Fields ascending, non-overlapping, inside 64 bits, names unique; tables agree with the names. */
static void test_tables_consistent(void) {
        size_t n = 0, fields = 0;
        const IdRegDesc *table = id_reg_table(&n);

        CHECK(table != NULL);
        CHECK(n >= 50);
        for (size_t r = 0; r < n; r++) {
                const IdRegDesc *d = &table[r];
                unsigned next_free = 0;

                CHECK(d->name != NULL);
                CHECK_STR(name_of(d->id), d->name);
                CHECK(id_reg_lookup(d->id) == d);
                CHECK(d->n_fields == 0 || d->fields != NULL);
                for (size_t q = 0; q < r; q++)
                        CHECK(table[q].id != d->id);
                for (size_t i = 0; i < d->n_fields; i++) {
                        const IdField *f = &d->fields[i];

                        fields++;
                        if (f->shift < next_free)
                                fprintf(stderr, "%s.%s overlaps or is out of order\n", d->name, f->name);
                        CHECK(f->name && f->name[0]);
                        CHECK(f->width > 0);
                        CHECK(f->shift < next_free ? false : true);
                        CHECK((unsigned) f->shift + f->width <= 64);
                        next_free = (unsigned) f->shift + f->width;
                        CHECK(f->rule >= FIELD_RULE_NONE && f->rule <= FIELD_RULE_HIGHER_OR_ZERO_SAFE);
                        if (f->rule == FIELD_RULE_EXACT) {
                                /* the safe value fits the field */
                                uint64_t raw = (uint64_t) f->safe_val << f->shift;

                                CHECK(f->safe_val >= 0);
                                CHECK_INT(id_field_get(f, raw & id_field_mask(f)), f->safe_val);
                        } else
                                CHECK_INT(f->safe_val, 0);
                        for (size_t j = 0; j < i; j++)
                                CHECK(strcmp(d->fields[j].name, f->name) != 0);
                }
        }
        printf("field tables: %zu registers, %zu fields\n", n, fields);
}

int main(void) {
        test_known_names();
        test_classes();
        test_invalid();
        test_round_trip_space();
        test_profiles();
        test_fields();
        test_tables_consistent();
        return test_summary("test-regnames");
}
