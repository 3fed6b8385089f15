/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * A host's KVM register profile: who the host is, what KVM offers, and for every
 * vCPU configuration the register list and values a guest of that configuration
 * carries in a migration. The JSON format is documented in docs/profile-format.md;
 * it is the recording format of ../shared/profiles (probe_version 1) plus an
 * optional "host" object.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "qemu.h"

#define PROFILE_FORMAT_VERSION 1
#define PROFILE_DIGEST_HEX 64   /* SHA-256, lower-case hex, without the NUL */

typedef struct RegValue {
        uint64_t id;
        uint64_t value;
} RegValue;

typedef struct NamedInt {
        char *name;
        int64_t value;
} NamedInt;

/* vCPU feature bits of kvm_vcpu_init.features[0] (uapi). */
enum {
        VCPU_FEATURE_EL1_32BIT        = 1u << 1,
        VCPU_FEATURE_PSCI_0_2         = 1u << 2,
        VCPU_FEATURE_PMU_V3           = 1u << 3,
        VCPU_FEATURE_SVE              = 1u << 4,
        VCPU_FEATURE_PTRAUTH_ADDRESS  = 1u << 5,
        VCPU_FEATURE_PTRAUTH_GENERIC  = 1u << 6,
};

typedef struct VcpuConfig {
        char *name;               /* base, pmu, sve, ptrauth, el1_32bit, mte, all, all_vgic3, or a guest's */
        char **features;          /* "psci_0_2", "pmu_v3", "sve", "ptrauth_address", "ptrauth_generic",
                                   * "el1_32bit", "mte_vm_cap", "vgic_v3_device" */
        size_t n_features;
        uint32_t init_features0;
        char *skipped;            /* non-NULL: the host cannot run this configuration, and why */

        uint64_t *reg_list;       /* KVM_GET_REG_LIST as the kernel returned it */
        size_t n_reg_list;
        uint64_t *cpregs;         /* QEMU's cpreg list: sorted ascending, no core/SVE, U32/U64 */
        size_t n_cpregs;

        RegValue *values;         /* all recorded values, sorted by id (all_values ∪ id_regs ∪ fw_regs) */
        size_t n_values;
        RegValue *id_regs;        /* ID space + MIDR/MPIDR/REVIDR/AIDR/CTR/CLIDR, sorted */
        size_t n_id_regs;
        RegValue *fw_regs;        /* firmware pseudo-registers, sorted */
        size_t n_fw_regs;
        RegValue *masks;          /* writable masks, sorted; NULL when the kernel offers none */
        size_t n_masks;
        bool has_masks;
        uint64_t sve_vls[8];
        bool has_sve_vls;
        bool is_record;           /* a guest record's configuration: reg_list is the sorted cpreg list,
                                   * values are id_regs ∪ fw_regs (no "all_values" in the document) */
} VcpuConfig;

/* The host's QEMU: "host"."qemu" (docs/profile-format.md). Not in the digest. */
typedef struct ProfileQemu {
        char *emulator;           /* "/usr/bin/qemu-system-aarch64"; NULL if not recorded */
        char *version;            /* "11.1.3", "1:11.1.3+ds-1"; NULL if not recorded */
        char *package;            /* "Debian 1:11.1.3+ds-1" (what --version prints in parentheses) */
        bool has_load;            /* load_behaviour was recorded */
        QemuLoad load;
        QemuDetected detected;    /* how load was found */
        QemuOrigin origin;        /* not in the document: PROFILE or RECORD when parsed, OPTION when
                                   * kvmregsctl's --src-qemu/--dst-qemu replaced it */
} ProfileQemu;


typedef struct Profile {
        int format_version;
        char *label;
        /* host identity: not part of the digest */
        char *hostname;
        char *machine_id;
        char *kernel;             /* uname -r */
        char *kernel_version;     /* uname -v */
        char *machine;            /* uname -m */
        uint64_t midr;            /* host MIDR_EL1 (from the base configuration when not recorded) */
        bool has_midr;
        char *kvm_mode;           /* "nvhe", "vhe", "protected" or NULL if unknown */
        /* The host CPU's ID_AA64MMFR2_EL1.NV as KVM compares a written NV with it (6.13+ hide NV
         * from vCPUs and drop a write of exactly this value); probed, never inferred. */
        uint8_t host_nv;
        bool has_host_nv;

        int api_version;
        NamedInt *caps;           /* KVM_CHECK_EXTENSION on /dev/kvm, sorted by name */
        size_t n_caps;
        NamedInt *vm_caps;
        size_t n_vm_caps;
        uint32_t preferred_target;
        uint32_t preferred_features0;

        VcpuConfig *configs;
        size_t n_configs;
        /* 7.2+: the recording with KVM_CAP_ARM_WRITABLE_IMP_ID_REGS enabled: its masks, or NULL */
        RegValue *imp_id_masks;
        size_t n_imp_id_masks;

        /* The host's QEMU ("host"."qemu"), optional; not in the digest. */
        ProfileQemu qemu;

        char digest[PROFILE_DIGEST_HEX + 1];
} Profile;

/* Where a document is wrong: a JSON-pointer-like path and a message. */
/* Limits of the format beyond those of util.h (documented in docs/profile-format.md). */
#define PROFILE_MAX_CAPS       256u   /* entries in "caps" or "vm_caps" */
#define PROFILE_MAX_FEATURES   16u    /* names in one configuration's "features" */
#define PROFILE_MAX_DEPTH      16     /* JSON nesting */

typedef struct ProfileError {
        char path[256];           /* "/configs/3/reg_list/17" */
        char message[256];
} ProfileError;

Profile *profile_free(Profile *p);      /* NULL-safe, returns NULL */
static inline void profile_freep(Profile **p) { if (*p) profile_free(*p); }

/*
 * Parses and validates a profile document. -EINVAL (or -E2BIG when over a limit,
 * -EPROTONOSUPPORT for an unknown format version) with ret_error filled in; on
 * success the digest is computed.
 */
int profile_parse(const char *data, size_t size, Profile **ret, ProfileError *ret_error);
/* Reads a regular file (at most KVMREGS_MAX_DOCUMENT bytes) and parses it; -errno of open/read
 * too; anything else than a regular file (a FIFO, a device) is -EINVAL, a directory -EISDIR. */
int profile_load(const char *path, Profile **ret, ProfileError *ret_error);
/* Serialises to the documented format (pretty or compact). Returns a malloc'd string or NULL on ENOMEM. */
char *profile_to_json(const Profile *p, bool pretty);

const VcpuConfig *profile_get_config(const Profile *p, const char *name);
/* Whether p says which QEMU it runs (a version or a load behaviour). */
bool profile_has_qemu(const Profile *p);
/* The load behaviour p's QEMU has: load_behaviour when recorded, else from its version. False
 * when p names none (comparisons then assume legacy 7.2). */
bool profile_qemu_load(const Profile *p, QemuLoad *ret);
/* Frees what q holds and zeroes it (NULL-safe). */
void profile_qemu_done(ProfileQemu *q);
/* A deep copy of q into *ret (set only on success). -EINVAL, -ENOMEM. */
int profile_qemu_copy(const ProfileQemu *q, ProfileQemu *ret);
/* Replaces p's QEMU with a copy of q (NULL: none) and updates the digest. -ENOMEM. */
int profile_set_qemu(Profile *p, const ProfileQemu *q);
/* The value recorded for a register in a configuration; false if none. */
bool vcpu_config_get_value(const VcpuConfig *c, uint64_t id, uint64_t *ret_value);
bool vcpu_config_get_mask(const VcpuConfig *c, uint64_t id, uint64_t *ret_mask);
bool vcpu_config_has_cpreg(const VcpuConfig *c, uint64_t id);
bool vcpu_config_has_feature(const VcpuConfig *c, const char *feature);
/* The first non-skipped configuration with exactly these kvm_vcpu_init features
 * (and the MTE VM cap or not), or NULL. */
const VcpuConfig *profile_find_config_by_features(const Profile *p, uint32_t init_features0, bool mte);
int64_t profile_get_cap(const Profile *p, const char *name, int64_t fallback);
/* Kernel release as major*1000+minor ("6.12.117+deb12-arm64" → 6012), 0 if unknown. */
unsigned profile_kernel_version(const Profile *p);

/* Recomputes p->digest over the migration-relevant content (not host names, labels, kernel build). */
void profile_update_digest(Profile *p);

/* A guest record of one configuration (lib/record.c; the rest of the record's functions are in
 * record.h). -ENOENT, -EINVAL if skipped, -ENOMEM. */
int profile_extract_config(const Profile *p, const char *config, Profile **ret);
