/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host probe: what this kernel's KVM offers an arm64 vCPU, in the recording
 * format of tests/data (probe_version 1). Every configuration gets its own VM and
 * vCPU, since features, the MTE VM cap and the in-kernel GIC are fixed at creation.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "probe.h"
#include "util.h"

static int reason_set(char **ret_reason, int r, const char *format, ...) __attribute__((format(printf, 3, 4)));

/* Returns r; *ret_reason (if wanted) gets "no arm64 KVM here: " + the formatted why. */
static int reason_set(char **ret_reason, int r, const char *format, ...) {
        char buf[512];
        va_list ap;
        int n;

        if (!ret_reason)
                return r;
        n = snprintf(buf, sizeof(buf), "no arm64 KVM here: ");
        va_start(ap, format);
        vsnprintf(buf + n, sizeof(buf) - (size_t) n, format, ap);
        va_end(ap);
        *ret_reason = strdup(buf);
        return r;
}

#define KVM_API_EXPECTED 12

/*
 * Opens dev_path and checks that it is a KVM device of the expected API: the steps every
 * architecture shares, so that a missing, forbidden or foreign device reads the same
 * everywhere (and can be tested on any host). On success *ret_fd and *ret_api.
 */
static int kvm_device_open(const char *dev_path, int *ret_fd, int *ret_api, char **ret_reason) {
        _cleanup_close_ int fd = -1;
        int api, r;

        fd = open(dev_path, O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                if (errno == ENOENT || errno == ENODEV || errno == ENXIO)
                        return reason_set(ret_reason, -ENODEV, "%s does not exist (KVM not built or not enabled)", dev_path);
                if (errno == EACCES || errno == EPERM)
                        return reason_set(ret_reason, -EACCES, "no permission to open %s", dev_path);
                r = -errno;
                return reason_set(ret_reason, r, "cannot open %s: %s", dev_path, strerror(-r));
        }
        api = ioctl(fd, KVM_GET_API_VERSION, 0);
        if (api < 0) {
                r = -errno;
                return reason_set(ret_reason, -EOPNOTSUPP, "%s is not a KVM device: KVM_GET_API_VERSION failed: %s",
                                  dev_path, strerror(-r));
        }
        if (api != KVM_API_EXPECTED)
                return reason_set(ret_reason, -EOPNOTSUPP, "%s speaks KVM API %d, not %d", dev_path, api, KVM_API_EXPECTED);
        *ret_fd = TAKE_FD(fd);
        *ret_api = api;
        return 0;
}

#ifndef __aarch64__

/* The device is checked as on arm64 (what it says about /dev/kvm is true here too); a good
 * one is still this architecture's KVM. */
int probe_host(const char *dev_path, Profile **ret, char **ret_reason) {
        _cleanup_close_ int kvm_fd = -1;
        struct utsname u;
        int api, r;

        if (!dev_path || !ret)
                return reason_set(ret_reason, -EINVAL, "no device or no place for the profile given");
        r = kvm_device_open(dev_path, &kvm_fd, &api, ret_reason);
        if (r < 0)
                return r;
        if (uname(&u) < 0)
                return reason_set(ret_reason, -EOPNOTSUPP, "this host is not arm64");
        return reason_set(ret_reason, -EOPNOTSUPP, "this host is %s, not arm64", u.machine);
}

#else /* __aarch64__ */

/* Newer uapi than the 6.1 headers a cross toolchain may carry (include/uapi/linux/kvm.h,
 * arch/arm64/include/uapi/asm/kvm.h). */
#ifndef KVM_CAP_COUNTER_OFFSET
#define KVM_CAP_COUNTER_OFFSET 227
#endif
#ifndef KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE
#define KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE 228
#endif
#ifndef KVM_CAP_ARM_SUPPORTED_BLOCK_SIZES
#define KVM_CAP_ARM_SUPPORTED_BLOCK_SIZES 229
#endif
#ifndef KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES
#define KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES 230
#endif
#ifndef KVM_CAP_ARM_WRITABLE_IMP_ID_REGS
#define KVM_CAP_ARM_WRITABLE_IMP_ID_REGS 239
#endif
#ifndef KVM_ARM_GET_REG_WRITABLE_MASKS
#define KVM_ARM_FEATURE_ID_RANGE 0
#define KVM_ARM_FEATURE_ID_RANGE_SIZE (3 * 8 * 8)
struct reg_mask_range {
        __u64 addr;
        __u32 range;
        __u32 reserved[13];
};
#define KVM_ARM_GET_REG_WRITABLE_MASKS _IOR(KVMIO, 0xb6, struct reg_mask_range)
#endif

typedef struct CapName {
        const char *name;
        long cap;
} CapName;

/* The caps the recordings list (tests/data), sorted by name as Profile.caps is. */
static const CapName cap_names[] = {
        { "KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE", KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE },
        { "KVM_CAP_ARM_EL1_32BIT", KVM_CAP_ARM_EL1_32BIT },
        { "KVM_CAP_ARM_INJECT_EXT_DABT", KVM_CAP_ARM_INJECT_EXT_DABT },
        { "KVM_CAP_ARM_INJECT_SERROR_ESR", KVM_CAP_ARM_INJECT_SERROR_ESR },
        { "KVM_CAP_ARM_IRQ_LINE_LAYOUT_2", KVM_CAP_ARM_IRQ_LINE_LAYOUT_2 },
        { "KVM_CAP_ARM_MTE", KVM_CAP_ARM_MTE },
        { "KVM_CAP_ARM_NISV_TO_USER", KVM_CAP_ARM_NISV_TO_USER },
        { "KVM_CAP_ARM_PMU_V3", KVM_CAP_ARM_PMU_V3 },
        { "KVM_CAP_ARM_PSCI", KVM_CAP_ARM_PSCI },
        { "KVM_CAP_ARM_PSCI_0_2", KVM_CAP_ARM_PSCI_0_2 },
        { "KVM_CAP_ARM_PTRAUTH_ADDRESS", KVM_CAP_ARM_PTRAUTH_ADDRESS },
        { "KVM_CAP_ARM_PTRAUTH_GENERIC", KVM_CAP_ARM_PTRAUTH_GENERIC },
        { "KVM_CAP_ARM_SET_DEVICE_ADDR", KVM_CAP_ARM_SET_DEVICE_ADDR },
        { "KVM_CAP_ARM_SUPPORTED_BLOCK_SIZES", KVM_CAP_ARM_SUPPORTED_BLOCK_SIZES },
        { "KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES", KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES },
        { "KVM_CAP_ARM_SVE", KVM_CAP_ARM_SVE },
        { "KVM_CAP_ARM_SYSTEM_SUSPEND", KVM_CAP_ARM_SYSTEM_SUSPEND },
        { "KVM_CAP_ARM_USER_IRQ", KVM_CAP_ARM_USER_IRQ },
        { "KVM_CAP_ARM_VM_IPA_SIZE", KVM_CAP_ARM_VM_IPA_SIZE },
        { "KVM_CAP_ARM_WRITABLE_IMP_ID_REGS", KVM_CAP_ARM_WRITABLE_IMP_ID_REGS },
        { "KVM_CAP_COUNTER_OFFSET", KVM_CAP_COUNTER_OFFSET },
        { "KVM_CAP_DEVICE_CTRL", KVM_CAP_DEVICE_CTRL },
        { "KVM_CAP_GUEST_DEBUG_HW_BPS", KVM_CAP_GUEST_DEBUG_HW_BPS },
        { "KVM_CAP_GUEST_DEBUG_HW_WPS", KVM_CAP_GUEST_DEBUG_HW_WPS },
        { "KVM_CAP_IRQCHIP", KVM_CAP_IRQCHIP },
        { "KVM_CAP_MAX_VCPUS", KVM_CAP_MAX_VCPUS },
        { "KVM_CAP_MAX_VCPU_ID", KVM_CAP_MAX_VCPU_ID },
        { "KVM_CAP_NR_VCPUS", KVM_CAP_NR_VCPUS },
        { "KVM_CAP_ONE_REG", KVM_CAP_ONE_REG },
        { "KVM_CAP_PTP_KVM", KVM_CAP_PTP_KVM },
        { "KVM_CAP_READONLY_MEM", KVM_CAP_READONLY_MEM },
        { "KVM_CAP_SET_GUEST_DEBUG", KVM_CAP_SET_GUEST_DEBUG },
        { "KVM_CAP_STEAL_TIME", KVM_CAP_STEAL_TIME },
        { "KVM_CAP_VCPU_ATTRIBUTES", KVM_CAP_VCPU_ATTRIBUTES },
};

/* What a configuration asks for beyond kvm_vcpu_init features. */
enum {
        EXTRA_MTE_VM_CAP = 1u << 0,
        EXTRA_VGIC_V3 = 1u << 1,
};

typedef struct ConfigSpec {
        const char *name;
        uint32_t features0;
        unsigned extras;
        bool all;               /* every feature of those the host offers */
} ConfigSpec;

#define F(bit) (1u << (bit))
static const ConfigSpec config_specs[] = {
        { "base", F(KVM_ARM_VCPU_PSCI_0_2), 0, false },
        { "pmu", F(KVM_ARM_VCPU_PSCI_0_2) | F(KVM_ARM_VCPU_PMU_V3), 0, false },
        { "sve", F(KVM_ARM_VCPU_PSCI_0_2) | F(KVM_ARM_VCPU_SVE), 0, false },
        { "ptrauth", F(KVM_ARM_VCPU_PSCI_0_2) | F(KVM_ARM_VCPU_PTRAUTH_ADDRESS) | F(KVM_ARM_VCPU_PTRAUTH_GENERIC), 0, false },
        { "el1_32bit", F(KVM_ARM_VCPU_PSCI_0_2) | F(KVM_ARM_VCPU_EL1_32BIT), 0, false },
        { "mte", F(KVM_ARM_VCPU_PSCI_0_2), EXTRA_MTE_VM_CAP, false },
        { "all", 0, 0, true },
        { "all_vgic3", 0, EXTRA_VGIC_V3, true },
        /* After the recordings' eight: the other mixes a guest can have when its VMM
         * turns single features off (-cpu host,pauth=off and the like), so that such a
         * guest finds its like-for-like configuration here too. */
        { "pmu_sve", F(KVM_ARM_VCPU_PSCI_0_2) | F(KVM_ARM_VCPU_PMU_V3) | F(KVM_ARM_VCPU_SVE), 0, false },
        { "pmu_ptrauth", F(KVM_ARM_VCPU_PSCI_0_2) | F(KVM_ARM_VCPU_PMU_V3) | F(KVM_ARM_VCPU_PTRAUTH_ADDRESS) |
                                 F(KVM_ARM_VCPU_PTRAUTH_GENERIC), 0, false },
        { "sve_ptrauth", F(KVM_ARM_VCPU_PSCI_0_2) | F(KVM_ARM_VCPU_SVE) | F(KVM_ARM_VCPU_PTRAUTH_ADDRESS) |
                                 F(KVM_ARM_VCPU_PTRAUTH_GENERIC), 0, false },
        { "pmu_el1_32bit", F(KVM_ARM_VCPU_PSCI_0_2) | F(KVM_ARM_VCPU_PMU_V3) | F(KVM_ARM_VCPU_EL1_32BIT), 0, false },
};

/* kvm_vcpu_init feature bit → the recordings' feature name and the cap that offers it. */
static const struct {
        unsigned bit;
        const char *name;
        long cap;
} feature_names[] = {
        { KVM_ARM_VCPU_PSCI_0_2, "psci_0_2", KVM_CAP_ARM_PSCI_0_2 },
        { KVM_ARM_VCPU_PMU_V3, "pmu_v3", KVM_CAP_ARM_PMU_V3 },
        { KVM_ARM_VCPU_SVE, "sve", KVM_CAP_ARM_SVE },
        { KVM_ARM_VCPU_PTRAUTH_ADDRESS, "ptrauth_address", KVM_CAP_ARM_PTRAUTH_ADDRESS },
        { KVM_ARM_VCPU_PTRAUTH_GENERIC, "ptrauth_generic", KVM_CAP_ARM_PTRAUTH_GENERIC },
        { KVM_ARM_VCPU_EL1_32BIT, "el1_32bit", KVM_CAP_ARM_EL1_32BIT },
};

typedef struct Probe {
        int kvm_fd;
        int ipa_bits;            /* KVM_CAP_ARM_VM_IPA_SIZE, 0 if not offered */
        struct kvm_vcpu_init preferred;
        bool has_masks;
        bool has_imp_id_cap;
} Probe;

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

static int cmp_regvalue(const void *a, const void *b) {
        return cmp_u64(&((const RegValue *) a)->id, &((const RegValue *) b)->id);
}

static int check_extension(int fd, long cap) {
        int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);
        return r < 0 ? 0 : r;
}

static int vm_create(const Probe *p) {
        int fd = ioctl(p->kvm_fd, KVM_CREATE_VM, 0);

        /* The default type asks for a 40-bit IPA space; hosts with less need it explicit. */
        if (fd < 0 && errno == EINVAL && p->ipa_bits > 0 && p->ipa_bits < 40)
                fd = ioctl(p->kvm_fd, KVM_CREATE_VM, KVM_VM_TYPE_ARM_IPA_SIZE(p->ipa_bits));
        return fd < 0 ? -errno : fd;
}

static int caps_get(int fd, NamedInt **ret, size_t *ret_n) {
        NamedInt *caps = calloc(ELEMENTSOF(cap_names), sizeof(NamedInt));

        if (!caps)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(cap_names); i++) {
                caps[i].name = strdup(cap_names[i].name);
                if (!caps[i].name) {
                        for (size_t k = 0; k < i; k++)
                                free(caps[k].name);
                        free(caps);
                        return -ENOMEM;
                }
                caps[i].value = check_extension(fd, cap_names[i].cap);
        }
        *ret = caps;
        *ret_n = ELEMENTSOF(cap_names);
        return 0;
}

static bool reg_is_u32_or_u64(uint64_t id) {
        uint64_t size = id & KVM_REG_SIZE_MASK;
        return size == KVM_REG_SIZE_U32 || size == KVM_REG_SIZE_U64;
}

static bool reg_is_cpreg(uint64_t id) {
        uint64_t coproc = id & KVM_REG_ARM_COPROC_MASK;
        return coproc != KVM_REG_ARM_CORE && coproc != KVM_REG_ARM64_SVE;
}

static bool reg_is_fw(uint64_t id) {
        uint64_t coproc = id & KVM_REG_ARM_COPROC_MASK;
        return coproc == KVM_REG_ARM_FW || coproc == KVM_REG_ARM_FW_FEAT_BMAP;
}

static uint64_t sysreg_id(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2) {
        return KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG |
               ((uint64_t) op0 << KVM_REG_ARM64_SYSREG_OP0_SHIFT) | ((uint64_t) op1 << KVM_REG_ARM64_SYSREG_OP1_SHIFT) |
               ((uint64_t) crn << KVM_REG_ARM64_SYSREG_CRN_SHIFT) | ((uint64_t) crm << KVM_REG_ARM64_SYSREG_CRM_SHIFT) |
               ((uint64_t) op2 << KVM_REG_ARM64_SYSREG_OP2_SHIFT);
}

/* The ID space (op0=3, op1=0, CRn=0) plus the identification registers outside it
 * that a migration carries: AIDR, CLIDR, CTR_EL0, and PMCR_EL0 (its N and IMP fields
 * describe the PMU; the kernels' reset values differ). */
static bool reg_is_id(uint64_t id) {
        if ((id & KVM_REG_ARM_COPROC_MASK) != KVM_REG_ARM64_SYSREG || (id & KVM_REG_SIZE_MASK) != KVM_REG_SIZE_U64)
                return false;
        if ((id & ~(uint64_t) (KVM_REG_ARM64_SYSREG_CRM_MASK | KVM_REG_ARM64_SYSREG_OP2_MASK)) == sysreg_id(3, 0, 0, 0, 0))
                return true;
        return id == sysreg_id(3, 1, 0, 0, 7) || id == sysreg_id(3, 1, 0, 0, 1) || id == sysreg_id(3, 3, 0, 0, 1) ||
               id == sysreg_id(3, 3, 9, 12, 0);
}

static int reg_get(int vcpu_fd, uint64_t id, uint64_t *ret) {
        uint64_t v64 = 0;
        uint32_t v32 = 0;
        bool is32 = (id & KVM_REG_SIZE_MASK) == KVM_REG_SIZE_U32;
        struct kvm_one_reg reg = { .id = id, .addr = is32 ? (uintptr_t) &v32 : (uintptr_t) &v64 };

        if (ioctl(vcpu_fd, KVM_GET_ONE_REG, &reg) < 0)
                return -errno;
        *ret = is32 ? v32 : v64;
        return 0;
}

/* KVM_ARM_GET_REG_WRITABLE_MASKS for the feature-ID range: the registers with a
 * non-zero mask, as the recordings keep them. */
static int masks_get(int vm_fd, RegValue **ret, size_t *ret_n) {
        uint64_t masks[KVM_ARM_FEATURE_ID_RANGE_SIZE] = {};
        struct reg_mask_range range = { .addr = (uintptr_t) masks, .range = KVM_ARM_FEATURE_ID_RANGE };
        static const unsigned op1s[] = { 0, 1, 3 };   /* index 0, 1, 2 of the range */
        RegValue *v;
        size_t n = 0;

        if (ioctl(vm_fd, KVM_ARM_GET_REG_WRITABLE_MASKS, &range) < 0)
                return -errno;
        v = calloc(KVM_ARM_FEATURE_ID_RANGE_SIZE, sizeof(RegValue));
        if (!v)
                return -ENOMEM;
        for (unsigned i = 0; i < KVM_ARM_FEATURE_ID_RANGE_SIZE; i++)
                if (masks[i] != 0)
                        v[n++] = (RegValue) { sysreg_id(3, op1s[i >> 6], 0, (i >> 3) & 7, i & 7), masks[i] };
        qsort(v, n, sizeof(*v), cmp_regvalue);
        *ret = v;
        *ret_n = n;
        return 0;
}

static int features_fill(VcpuConfig *c, uint32_t features0, unsigned extras) {
        size_t n = 0;

        c->features = calloc(ELEMENTSOF(feature_names) + 2, sizeof(char *));
        if (!c->features)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(feature_names); i++)
                if (features0 & F(feature_names[i].bit))
                        c->features[n++] = strdup(feature_names[i].name);
        if (extras & EXTRA_MTE_VM_CAP)
                c->features[n++] = strdup("mte_vm_cap");
        if (extras & EXTRA_VGIC_V3)
                c->features[n++] = strdup("vgic_v3_device");
        c->n_features = n;
        for (size_t i = 0; i < n; i++)
                if (!c->features[i])
                        return -ENOMEM;
        return 0;
}

/* A VM with one vCPU of this configuration, initialised (and finalised for SVE). *failed_step names a failing step. */
static int vcpu_create(const Probe *p, uint32_t features0, unsigned extras, bool imp_id_cap,
                       int *ret_vm_fd, int *ret_vcpu_fd, const char **failed_step) {
        _cleanup_close_ int vm_fd = -1, vcpu_fd = -1;
        struct kvm_vcpu_init init = p->preferred;

        vm_fd = vm_create(p);
        if (vm_fd < 0) {
                *failed_step = "KVM_CREATE_VM";
                return vm_fd;
        }
        if (extras & EXTRA_MTE_VM_CAP) {
                struct kvm_enable_cap cap = { .cap = KVM_CAP_ARM_MTE };
                if (ioctl(vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
                        *failed_step = "KVM_ENABLE_CAP(KVM_CAP_ARM_MTE)";
                        return -errno;
                }
        }
        if (imp_id_cap) {
                struct kvm_enable_cap cap = { .cap = KVM_CAP_ARM_WRITABLE_IMP_ID_REGS };
                if (ioctl(vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
                        *failed_step = "KVM_ENABLE_CAP(KVM_CAP_ARM_WRITABLE_IMP_ID_REGS)";
                        return -errno;
                }
        }
        if (extras & EXTRA_VGIC_V3) {
                struct kvm_create_device dev = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
                if (ioctl(vm_fd, KVM_CREATE_DEVICE, &dev) < 0) {
                        *failed_step = "KVM_CREATE_DEVICE(KVM_DEV_TYPE_ARM_VGIC_V3)";
                        return -errno;
                }
                /* The device fd is not needed: the VM holds the GIC until it goes away. */
                close((int) dev.fd);
        }
        vcpu_fd = ioctl(vm_fd, KVM_CREATE_VCPU, 0);
        if (vcpu_fd < 0) {
                *failed_step = "KVM_CREATE_VCPU";
                return -errno;
        }
        memset(init.features, 0, sizeof(init.features));
        init.features[0] = features0;
        if (ioctl(vcpu_fd, KVM_ARM_VCPU_INIT, &init) < 0) {
                *failed_step = "KVM_ARM_VCPU_INIT";
                return -errno;
        }
        if (features0 & F(KVM_ARM_VCPU_SVE)) {
                int what = KVM_ARM_VCPU_SVE;
                if (ioctl(vcpu_fd, KVM_ARM_VCPU_FINALIZE, &what) < 0) {
                        *failed_step = "KVM_ARM_VCPU_FINALIZE(KVM_ARM_VCPU_SVE)";
                        return -errno;
                }
        }
        *ret_vm_fd = TAKE_FD(vm_fd);
        *ret_vcpu_fd = TAKE_FD(vcpu_fd);
        return 0;
}

static int reg_list_get(int vcpu_fd, uint64_t **ret, size_t *ret_n) {
        struct kvm_reg_list head = { .n = 0 };
        _cleanup_free_ struct kvm_reg_list *list = NULL;
        uint64_t *ids;

        /* The first call fails with E2BIG and says how many there are. */
        if (ioctl(vcpu_fd, KVM_GET_REG_LIST, &head) >= 0)
                return -EPROTO;
        if (errno != E2BIG)
                return -errno;
        if (head.n == 0 || head.n > KVMREGS_MAX_REGS)
                return -E2BIG;
        list = calloc(1, sizeof(*list) + head.n * sizeof(uint64_t));
        if (!list)
                return -ENOMEM;
        list->n = head.n;
        if (ioctl(vcpu_fd, KVM_GET_REG_LIST, list) < 0)
                return -errno;
        ids = malloc(list->n * sizeof(uint64_t));
        if (!ids)
                return -ENOMEM;
        memcpy(ids, list->reg, list->n * sizeof(uint64_t));
        *ret = ids;
        *ret_n = list->n;
        return 0;
}

/* Reads everything a configuration's vCPU shows: reg list, values, ID and firmware subsets, SVE VLs. */
static int config_read(int vm_fd, int vcpu_fd, const Probe *p, VcpuConfig *c) {
        _cleanup_free_ uint64_t *sorted = NULL;
        size_t n_id = 0, n_fw = 0;
        int r;

        r = reg_list_get(vcpu_fd, &c->reg_list, &c->n_reg_list);
        if (r < 0)
                return r;
        sorted = malloc(c->n_reg_list * sizeof(uint64_t));
        c->cpregs = malloc(c->n_reg_list * sizeof(uint64_t));
        c->values = malloc(c->n_reg_list * sizeof(RegValue));
        if (!sorted || !c->cpregs || !c->values)
                return -ENOMEM;
        memcpy(sorted, c->reg_list, c->n_reg_list * sizeof(uint64_t));
        qsort(sorted, c->n_reg_list, sizeof(uint64_t), cmp_u64);

        for (size_t i = 0; i < c->n_reg_list; i++) {
                uint64_t id = sorted[i], value = 0;

                if (!reg_is_u32_or_u64(id))
                        continue;
                if (reg_is_cpreg(id))
                        c->cpregs[c->n_cpregs++] = id;
                r = reg_get(vcpu_fd, id, &value);
                if (r < 0)
                        return r;
                c->values[c->n_values++] = (RegValue) { id, value };
                n_id += reg_is_id(id);
                n_fw += reg_is_fw(id);
        }
        c->id_regs = calloc(n_id + 1, sizeof(RegValue));
        c->fw_regs = calloc(n_fw + 1, sizeof(RegValue));
        if (!c->id_regs || !c->fw_regs)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_values; i++) {
                if (reg_is_id(c->values[i].id))
                        c->id_regs[c->n_id_regs++] = c->values[i];
                if (reg_is_fw(c->values[i].id))
                        c->fw_regs[c->n_fw_regs++] = c->values[i];
        }

        if (c->init_features0 & F(KVM_ARM_VCPU_SVE)) {
                uint64_t vls[KVM_ARM64_SVE_VLS_WORDS] = {};
                struct kvm_one_reg reg = { .id = KVM_REG_ARM64_SVE_VLS, .addr = (uintptr_t) vls };

                if (ioctl(vcpu_fd, KVM_GET_ONE_REG, &reg) < 0)
                        return -errno;
                memcpy(c->sve_vls, vls, sizeof(c->sve_vls));
                c->has_sve_vls = true;
        }
        if (p->has_masks) {
                r = masks_get(vm_fd, &c->masks, &c->n_masks);
                if (r < 0)
                        return r;
                c->has_masks = true;
        }
        return 0;
}

/* The features "all" means on this host: PMU, SVE and pointer auth where offered.
 * 32-bit EL1 excludes SVE and pointer auth, so it is not part of it; nor is the MTE
 * VM cap (a VM property with its own configuration), so that a guest without MTE
 * finds its like-for-like configuration on an MTE host too. */
static uint32_t all_features(const Probe *p) {
        uint32_t f = F(KVM_ARM_VCPU_PSCI_0_2);

        if (check_extension(p->kvm_fd, KVM_CAP_ARM_PMU_V3))
                f |= F(KVM_ARM_VCPU_PMU_V3);
        if (check_extension(p->kvm_fd, KVM_CAP_ARM_SVE))
                f |= F(KVM_ARM_VCPU_SVE);
        if (check_extension(p->kvm_fd, KVM_CAP_ARM_PTRAUTH_ADDRESS) &&
            check_extension(p->kvm_fd, KVM_CAP_ARM_PTRAUTH_GENERIC))
                f |= F(KVM_ARM_VCPU_PTRAUTH_ADDRESS) | F(KVM_ARM_VCPU_PTRAUTH_GENERIC);
        return f;
}

static int config_probe(const Probe *p, const ConfigSpec *spec, VcpuConfig *c) {
        _cleanup_close_ int vm_fd = -1, vcpu_fd = -1;
        uint32_t features0 = spec->features0;
        unsigned extras = spec->extras;
        const char *step = NULL;
        char buf[256];
        int r;

        if (spec->all)
                features0 = all_features(p);
        c->name = strdup(spec->name);
        if (!c->name)
                return -ENOMEM;
        r = features_fill(c, features0, extras);
        if (r < 0)
                return r;

        /* A configuration the host's caps do not offer is skipped, not attempted. */
        for (size_t i = 0; i < ELEMENTSOF(feature_names); i++)
                if ((features0 & F(feature_names[i].bit)) && !check_extension(p->kvm_fd, feature_names[i].cap))
                        goto lacking;
        if ((extras & EXTRA_MTE_VM_CAP) && !check_extension(p->kvm_fd, KVM_CAP_ARM_MTE))
                goto lacking;

        c->init_features0 = features0;
        r = vcpu_create(p, features0, extras, false, &vm_fd, &vcpu_fd, &step);
        if (r < 0) {
                snprintf(buf, sizeof(buf), "%s failed: %s", step, strerror(-r));
                c->skipped = strdup(buf);
                return c->skipped ? 0 : -ENOMEM;
        }
        return config_read(vm_fd, vcpu_fd, p, c);

lacking:
        c->init_features0 = 0;
        c->skipped = strdup("capability not reported");
        return c->skipped ? 0 : -ENOMEM;
}

/* 7.2+: the writable masks once a VMM has asked for writable MIDR/REVIDR/AIDR. */
static int imp_id_masks_probe(const Probe *p, Profile *profile) {
        _cleanup_close_ int vm_fd = -1, vcpu_fd = -1;
        const char *step = NULL;
        int r;

        r = vcpu_create(p, F(KVM_ARM_VCPU_PSCI_0_2), 0, true, &vm_fd, &vcpu_fd, &step);
        if (r < 0)
                return r;
        return masks_get(vm_fd, &profile->imp_id_masks, &profile->n_imp_id_masks);
}

/*
 * The host CPU's ID_AA64MMFR2_EL1.NV, which decides whether a migrating guest's NV loads: 6.13+
 * hide NV from vCPUs (the vCPU shows 0) and drop a written NV only when it equals the host's,
 * refusing any other. The trial writes go to a scratch vCPU that never runs. Where the vCPU
 * shows NV (older kernels), that is the host's. Where ID registers are not writable (before
 * 6.7) and NV reads 0, nothing can be learnt: not recorded.
 */
static int host_nv_probe(const Probe *p, Profile *profile) {
        _cleanup_close_ int vm_fd = -1, vcpu_fd = -1;
        const uint64_t mmfr2 = sysreg_id(3, 0, 0, 7, 2);
        const char *step = NULL;
        uint64_t v;
        int r;

        r = vcpu_create(p, F(KVM_ARM_VCPU_PSCI_0_2), 0, false, &vm_fd, &vcpu_fd, &step);
        if (r < 0)
                return r;
        r = reg_get(vcpu_fd, mmfr2, &v);
        if (r < 0)
                return r;
        if ((v >> 24) & 0xf) {
                profile->host_nv = (v >> 24) & 0xf;
                profile->has_host_nv = true;
                return 0;
        }
        if (!p->has_masks)
                return 0;
        for (uint64_t nv = 1; nv <= 0xf; nv++) {
                uint64_t trial = (v & ~(UINT64_C(0xf) << 24)) | (nv << 24);
                struct kvm_one_reg reg = { .id = mmfr2, .addr = (uintptr_t) &trial };

                if (ioctl(vcpu_fd, KVM_SET_ONE_REG, &reg) == 0) {
                        profile->host_nv = (uint8_t) nv;
                        profile->has_host_nv = true;
                        return 0;
                }
                /* refused: EINVAL (E2BIG from some 6.x kernels for an unsafe field) */
                if (errno != EINVAL && errno != E2BIG && errno != EPERM)
                        return -errno;
        }
        profile->host_nv = 0;
        profile->has_host_nv = true;
        return 0;
}

static char *file_first_line(const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char buf[256];

        if (!f || !fgets(buf, sizeof(buf), f))
                return NULL;
        buf[strcspn(buf, "\n")] = '\0';
        return buf[0] ? strdup(buf) : NULL;
}

/* pKVM as the kernel was asked for it (kvm-arm.mode=protected); NULL otherwise. */
static char *kvm_mode_from_cmdline(void) {
        _cleanup_fclose_ FILE *f = fopen("/proc/cmdline", "re");
        char buf[4096];
        const char *m;

        if (!f || !fgets(buf, sizeof(buf), f))
                return NULL;
        m = strstr(buf, "kvm-arm.mode=");
        if (!m)
                return NULL;
        m += strlen("kvm-arm.mode=");
        if (strncmp(m, "protected", 9) == 0)
                return strdup("protected");
        return NULL;
}

static int host_identity(Profile *profile) {
        struct utsname u;
        char host[256] = "";

        if (uname(&u) < 0)
                return -errno;
        profile->kernel = strdup(u.release);
        profile->kernel_version = strdup(u.version);
        profile->machine = strdup(u.machine);
        if (gethostname(host, sizeof(host) - 1) == 0 && host[0])
                profile->hostname = strdup(host);
        profile->machine_id = file_first_line("/etc/machine-id");
        profile->kvm_mode = kvm_mode_from_cmdline();
        profile->label = strdup(profile->hostname ? profile->hostname : u.nodename);
        if (!profile->kernel || !profile->kernel_version || !profile->machine || !profile->label)
                return -ENOMEM;
        return 0;
}

int probe_host(const char *dev_path, Profile **ret, char **ret_reason) {
        _cleanup_(profile_freep) Profile *profile = NULL;
        _cleanup_close_ int kvm_fd = -1, vm_fd = -1;
        Probe p = {};
        int api, r;

        if (!dev_path || !ret)
                return reason_set(ret_reason, -EINVAL, "no device or no place for the profile given");
        r = kvm_device_open(dev_path, &kvm_fd, &api, ret_reason);
        if (r < 0)
                return r;
        if (check_extension(kvm_fd, KVM_CAP_ONE_REG) <= 0)
                return reason_set(ret_reason, -EOPNOTSUPP, "%s lacks KVM_CAP_ONE_REG", dev_path);

        p.kvm_fd = kvm_fd;
        p.ipa_bits = check_extension(kvm_fd, KVM_CAP_ARM_VM_IPA_SIZE);
        p.has_masks = check_extension(kvm_fd, KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES) & 1;

        profile = calloc(1, sizeof(*profile));
        if (!profile)
                return reason_set(ret_reason, -ENOMEM, "out of memory");
        profile->format_version = PROFILE_FORMAT_VERSION;
        profile->api_version = api;
        r = host_identity(profile);
        if (r < 0)
                return reason_set(ret_reason, r, "cannot tell who this host is: %s", strerror(-r));
        r = caps_get(kvm_fd, &profile->caps, &profile->n_caps);
        if (r < 0)
                return reason_set(ret_reason, r, "out of memory");

        vm_fd = vm_create(&p);
        if (vm_fd < 0)
                return reason_set(ret_reason, vm_fd, "KVM_CREATE_VM failed: %s", strerror(-vm_fd));
        r = caps_get(vm_fd, &profile->vm_caps, &profile->n_vm_caps);
        if (r < 0)
                return reason_set(ret_reason, r, "out of memory");
        if (ioctl(vm_fd, KVM_ARM_PREFERRED_TARGET, &p.preferred) < 0) {
                r = -errno;
                return reason_set(ret_reason, -EOPNOTSUPP, "KVM_ARM_PREFERRED_TARGET failed: %s (not arm64 KVM?)",
                                  strerror(-r));
        }
        profile->preferred_target = p.preferred.target;
        profile->preferred_features0 = p.preferred.features[0];
        p.has_imp_id_cap = check_extension(vm_fd, KVM_CAP_ARM_WRITABLE_IMP_ID_REGS) > 0;
        close(TAKE_FD(vm_fd));

        profile->configs = calloc(ELEMENTSOF(config_specs), sizeof(VcpuConfig));
        if (!profile->configs)
                return reason_set(ret_reason, -ENOMEM, "out of memory");
        for (size_t i = 0; i < ELEMENTSOF(config_specs); i++) {
                profile->n_configs++;
                r = config_probe(&p, &config_specs[i], &profile->configs[i]);
                if (r < 0)
                        return reason_set(ret_reason, r, "probing the %s vCPU configuration failed: %s",
                                          config_specs[i].name, strerror(-r));
        }
        if (p.has_masks && p.has_imp_id_cap) {
                r = imp_id_masks_probe(&p, profile);
                if (r < 0)
                        return reason_set(ret_reason, r, "probing KVM_CAP_ARM_WRITABLE_IMP_ID_REGS failed: %s",
                                          strerror(-r));
        }

        r = host_nv_probe(&p, profile);
        if (r < 0)
                return reason_set(ret_reason, r, "probing the host's ID_AA64MMFR2_EL1.NV failed: %s", strerror(-r));

        /* The host's MIDR as KVM shows it to a base vCPU; and VHE or not, which KVM passes
         * on in ID_AA64MMFR1_EL1.VH (bits 11:8): a guest sees the host's mode. */
        const VcpuConfig *base = &profile->configs[0];
        for (size_t i = 0; i < base->n_id_regs; i++) {
                if (base->id_regs[i].id == sysreg_id(3, 0, 0, 0, 0)) {
                        profile->midr = base->id_regs[i].value;
                        profile->has_midr = true;
                }
                if (base->id_regs[i].id == sysreg_id(3, 0, 0, 7, 1) && !profile->kvm_mode) {
                        profile->kvm_mode = strdup((base->id_regs[i].value >> 8) & 0xf ? "vhe" : "nvhe");
                        if (!profile->kvm_mode)
                                return reason_set(ret_reason, -ENOMEM, "out of memory");
                }
        }

        profile_update_digest(profile);
        *ret = TAKE_PTR(profile);
        return 0;
}

#endif /* __aarch64__ */
