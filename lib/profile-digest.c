/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The migration-relevant digest of a profile (docs/profile-format.md, "Digest"). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile-internal.h"
#include "profile.h"
#include "regnames.h"
#include "sha256.h"
#include "util.h"

/* Caps that change what a guest can be given or how its registers load. */
static const char *const digest_caps[] = {
        "KVM_CAP_ARM_EL1_32BIT",
        "KVM_CAP_ARM_MTE",
        "KVM_CAP_ARM_PMU_V3",
        "KVM_CAP_ARM_PSCI_0_2",
        "KVM_CAP_ARM_PTRAUTH_ADDRESS",
        "KVM_CAP_ARM_PTRAUTH_GENERIC",
        "KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES",
        "KVM_CAP_ARM_SVE",
        "KVM_CAP_ARM_VM_IPA_SIZE",
        "KVM_CAP_ARM_WRITABLE_IMP_ID_REGS",
};

static void digest_line(Sha256 *s, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void digest_line(Sha256 *s, const char *format, ...) {
        char line[KVMREGS_MAX_STRING + 64];
        va_list ap;
        int n;

        va_start(ap, format);
        n = vsnprintf(line, sizeof(line), format, ap);
        va_end(ap);
        if (n < 0)
                return;
        sha256_update(s, line, (size_t) n < sizeof(line) ? (size_t) n : sizeof(line) - 1);
        sha256_update(s, "\n", 1);
}

/* "0x%016" PRIx64 at p, without printf: the register lines are most of what is hashed, and a
 * CompareDomain parses (and so digests) the caller's record on every call. Returns the end. */
static char *hex16(char *p, uint64_t x) {
        static const char digits[] = "0123456789abcdef";

        *p++ = '0';
        *p++ = 'x';
        for (unsigned i = 0; i < 16; i++)
                p[i] = digits[(x >> (4 * (15 - i))) & 0xf];
        return p + 16;
}

/* The line "TAG 0x%016" PRIx64 " 0x%016" PRIx64 per register, as digest_line() would write it. */
static void digest_regvalues(Sha256 *s, const char *tag, const RegValue *v, size_t n) {
        char line[32 + 1 + 18 + 1 + 18 + 1];  /* tag, " 0x<16> 0x<16>\n" */
        size_t t = strlen(tag);

        if (t > 32) {
                for (size_t i = 0; i < n; i++)
                        digest_line(s, "%s 0x%016" PRIx64 " 0x%016" PRIx64, tag, v[i].id, v[i].value);
                return;
        }
        memcpy(line, tag, t);
        line[t] = ' ';
        for (size_t i = 0; i < n; i++) {
                char *p = hex16(line + t + 1, v[i].id);

                *p++ = ' ';
                p = hex16(p, v[i].value);
                *p++ = '\n';
                sha256_update(s, line, (size_t) (p - line));
        }
}

static int cmp_str_ptr(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int cmp_config_ptr(const void *a, const void *b) {
        return strcmp((*(const VcpuConfig *const *) a)->name, (*(const VcpuConfig *const *) b)->name);
}

static void digest_config(Sha256 *s, const VcpuConfig *c) {
        const char *features[PROFILE_MAX_FEATURES];
        size_t n_features = 0;

        digest_line(s, "config %s", c->name);
        for (size_t i = 0; i < c->n_features && n_features < ELEMENTSOF(features); i++)
                features[n_features++] = c->features[i];
        qsort(features, n_features, sizeof(features[0]), cmp_str_ptr);
        for (size_t i = 0; i < n_features; i++)
                digest_line(s, "feature %s", features[i]);
        digest_line(s, "init_features0 0x%08" PRIx32, c->init_features0);
        for (size_t i = 0; i < c->n_cpregs; i++) {
                char line[sizeof("cpreg ") - 1 + 18 + 1] = "cpreg ", *p = hex16(line + sizeof("cpreg ") - 1, c->cpregs[i]);

                *p++ = '\n';
                sha256_update(s, line, (size_t) (p - line));
        }
        digest_regvalues(s, "id", c->id_regs, c->n_id_regs);
        digest_regvalues(s, "fw", c->fw_regs, c->n_fw_regs);
        if (c->has_masks) {
                digest_line(s, "masks");
                digest_regvalues(s, "mask", c->masks, c->n_masks);
        }
        if (c->has_sve_vls)
                for (size_t i = 0; i < ELEMENTSOF(c->sve_vls); i++)
                        digest_line(s, "sve_vls %zu 0x%016" PRIx64, i, c->sve_vls[i]);
        digest_line(s, "end");
}

void profile_update_digest(Profile *p) {
        const VcpuConfig *order[KVMREGS_MAX_CONFIGS];
        size_t n_order = 0;
        uint8_t digest[32];
        unsigned kv;
        QemuLoad load;
        Sha256 s;

        if (!p)
                return;
        sha256_init(&s);
        digest_line(&s, "kvmregs-profile-digest 1");
        kv = profile_kernel_version(p);
        digest_line(&s, "kernel %u.%u", kv / 1000, kv % 1000);
        digest_line(&s, "kvm_mode %s", p->kvm_mode ? p->kvm_mode : "unknown");
        /* Decides whether a source's NV loads (6.13+); profiles recorded without it keep their digest. */
        if (p->has_host_nv)
                digest_line(&s, "host_nv %u", (unsigned) p->host_nv);
        for (size_t i = 0; i < ELEMENTSOF(digest_caps); i++) {
                const NamedInt *cap = named_ints_find(p->caps, p->n_caps, digest_caps[i]);
                if (cap)
                        digest_line(&s, "cap %s %" PRId64, cap->name, cap->value);
        }
        digest_regvalues(&s, "imp_id_mask", p->imp_id_masks, p->n_imp_id_masks);
        /* The destination QEMU's load decides too; legacy (7.2's, and what a profile without a
         * QEMU assumes) adds nothing, so that those digests stay as they were. */
        if (profile_qemu_load(p, &load) && load != QEMU_LOAD_7_2)
                digest_line(&s, "qemu_load %s", qemu_load_name(load));

        for (size_t i = 0; i < p->n_configs && n_order < ELEMENTSOF(order); i++)
                if (!p->configs[i].skipped)
                        order[n_order++] = &p->configs[i];
        qsort(order, n_order, sizeof(order[0]), cmp_config_ptr);
        for (size_t i = 0; i < n_order; i++)
                digest_config(&s, order[i]);

        sha256_final(&s, digest);
        sha256_hex(digest, p->digest);
}

