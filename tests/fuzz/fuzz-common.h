/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * What the fuzz harnesses share: a broken invariant aborts (libFuzzer and the corpus replay
 * both report an abort as a failure, with the input that caused it), and the deep equality
 * of two parsed profiles that the round trip is held to.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

#define FUZZ_ASSERT(cond) do {                                                           \
        if (!(cond)) {                                                                   \
                fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
                abort();                                                                 \
        }                                                                                \
} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs over this are not tried: the parsers' limits are tested by the unit tests, and the
 * fuzzer's time is better spent on many small documents than a few big ones. */
#define FUZZ_MAX_INPUT (1024u * 1024u)

/* Strict UTF-8 (no overlong forms, no surrogates, at most U+10FFFF): errors travel over
 * D-Bus, which refuses anything else. */
static inline bool fuzz_utf8_valid(const char *s) {
        const unsigned char *p = (const unsigned char *) s;

        while (*p) {
                unsigned n;
                uint32_t cp;

                if (*p < 0x80) {
                        p++;
                        continue;
                }
                if (*p >= 0xc2 && *p <= 0xdf)
                        n = 1, cp = *p & 0x1f;
                else if (*p >= 0xe0 && *p <= 0xef)
                        n = 2, cp = *p & 0x0f;
                else if (*p >= 0xf0 && *p <= 0xf4)
                        n = 3, cp = *p & 0x07;
                else
                        return false;
                p++;
                for (unsigned i = 0; i < n; i++, p++) {
                        if ((*p & 0xc0) != 0x80)
                                return false;
                        cp = cp << 6 | (*p & 0x3f);
                }
                if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
                    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
                        return false;
        }
        return true;
}

/* Printable for a terminal and a D-Bus string: no control characters, valid UTF-8. */
static inline bool fuzz_text_clean(const char *s, size_t max) {
        size_t n = strnlen(s, max);

        if (n == max)
                return false;   /* not terminated inside its buffer */
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f)
                        return false;
        return fuzz_utf8_valid(s);
}

static inline bool fuzz_str_equal(const char *a, const char *b) {
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static inline bool fuzz_u64s_equal(const uint64_t *a, size_t na, const uint64_t *b, size_t nb) {
        return na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0);
}

static inline bool fuzz_regvalues_equal(const RegValue *a, size_t na, const RegValue *b, size_t nb) {
        if (na != nb)
                return false;
        for (size_t i = 0; i < na; i++)
                if (a[i].id != b[i].id || a[i].value != b[i].value)
                        return false;
        return true;
}

static inline bool fuzz_named_ints_equal(const NamedInt *a, size_t na, const NamedInt *b, size_t nb) {
        if (na != nb)
                return false;
        for (size_t i = 0; i < na; i++)
                if (strcmp(a[i].name, b[i].name) != 0 || a[i].value != b[i].value)
                        return false;
        return true;
}

static inline bool fuzz_configs_equal(const VcpuConfig *a, const VcpuConfig *b) {
        if (!fuzz_str_equal(a->name, b->name) || !fuzz_str_equal(a->skipped, b->skipped) ||
            a->n_features != b->n_features || a->init_features0 != b->init_features0 ||
            a->has_masks != b->has_masks || a->has_sve_vls != b->has_sve_vls || a->is_record != b->is_record)
                return false;
        for (size_t i = 0; i < a->n_features; i++)
                if (strcmp(a->features[i], b->features[i]) != 0)
                        return false;
        return fuzz_u64s_equal(a->reg_list, a->n_reg_list, b->reg_list, b->n_reg_list) &&
               fuzz_u64s_equal(a->cpregs, a->n_cpregs, b->cpregs, b->n_cpregs) &&
               fuzz_regvalues_equal(a->values, a->n_values, b->values, b->n_values) &&
               fuzz_regvalues_equal(a->id_regs, a->n_id_regs, b->id_regs, b->n_id_regs) &&
               fuzz_regvalues_equal(a->fw_regs, a->n_fw_regs, b->fw_regs, b->n_fw_regs) &&
               fuzz_regvalues_equal(a->masks, a->n_masks, b->masks, b->n_masks) &&
               memcmp(a->sve_vls, b->sve_vls, sizeof(a->sve_vls)) == 0;
}

/* Everything the format carries, the digest included. */
static inline bool fuzz_profiles_equal(const Profile *a, const Profile *b) {
        if (a->format_version != b->format_version || !fuzz_str_equal(a->label, b->label) ||
            !fuzz_str_equal(a->hostname, b->hostname) || !fuzz_str_equal(a->machine_id, b->machine_id) ||
            !fuzz_str_equal(a->kernel, b->kernel) || !fuzz_str_equal(a->kernel_version, b->kernel_version) ||
            !fuzz_str_equal(a->machine, b->machine) || a->has_midr != b->has_midr || a->midr != b->midr ||
            !fuzz_str_equal(a->kvm_mode, b->kvm_mode) || a->api_version != b->api_version ||
            a->preferred_target != b->preferred_target || a->preferred_features0 != b->preferred_features0 ||
            !fuzz_named_ints_equal(a->caps, a->n_caps, b->caps, b->n_caps) ||
            !fuzz_named_ints_equal(a->vm_caps, a->n_vm_caps, b->vm_caps, b->n_vm_caps) ||
            !fuzz_regvalues_equal(a->imp_id_masks, a->n_imp_id_masks, b->imp_id_masks, b->n_imp_id_masks) ||
            a->n_configs != b->n_configs || strcmp(a->digest, b->digest) != 0)
                return false;
        for (size_t i = 0; i < a->n_configs; i++)
                if (!fuzz_configs_equal(&a->configs[i], &b->configs[i]))
                        return false;
        return true;
}
