/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* Deep equality of parsed profiles, for the tests and the fuzz harnesses. */
#include <stdbool.h>
#include <string.h>

#include "profile.h"

static inline bool test_str_equal(const char *a, const char *b) {
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static inline bool test_u64s_equal(const uint64_t *a, size_t na, const uint64_t *b, size_t nb) {
        return na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0);
}

static inline bool test_regvalues_equal(const RegValue *a, size_t na, const RegValue *b, size_t nb) {
        if (na != nb)
                return false;
        for (size_t i = 0; i < na; i++)
                if (a[i].id != b[i].id || a[i].value != b[i].value)
                        return false;
        return true;
}

static inline bool test_named_ints_equal(const NamedInt *a, size_t na, const NamedInt *b, size_t nb) {
        if (na != nb)
                return false;
        for (size_t i = 0; i < na; i++)
                if (strcmp(a[i].name, b[i].name) != 0 || a[i].value != b[i].value)
                        return false;
        return true;
}

static inline bool test_configs_equal(const VcpuConfig *a, const VcpuConfig *b) {
        if (!test_str_equal(a->name, b->name) || !test_str_equal(a->skipped, b->skipped) ||
            a->n_features != b->n_features || a->init_features0 != b->init_features0 ||
            a->has_masks != b->has_masks || a->has_sve_vls != b->has_sve_vls || a->is_record != b->is_record)
                return false;
        for (size_t i = 0; i < a->n_features; i++)
                if (strcmp(a->features[i], b->features[i]) != 0)
                        return false;
        return test_u64s_equal(a->reg_list, a->n_reg_list, b->reg_list, b->n_reg_list) &&
               test_u64s_equal(a->cpregs, a->n_cpregs, b->cpregs, b->n_cpregs) &&
               test_regvalues_equal(a->values, a->n_values, b->values, b->n_values) &&
               test_regvalues_equal(a->id_regs, a->n_id_regs, b->id_regs, b->n_id_regs) &&
               test_regvalues_equal(a->fw_regs, a->n_fw_regs, b->fw_regs, b->n_fw_regs) &&
               test_regvalues_equal(a->masks, a->n_masks, b->masks, b->n_masks) &&
               memcmp(a->sve_vls, b->sve_vls, sizeof(a->sve_vls)) == 0;
}

/* Everything the format carries, the digest included. */
static inline bool test_profiles_equal(const Profile *a, const Profile *b) {
        if (a->format_version != b->format_version || !test_str_equal(a->label, b->label) ||
            !test_str_equal(a->hostname, b->hostname) || !test_str_equal(a->machine_id, b->machine_id) ||
            !test_str_equal(a->kernel, b->kernel) || !test_str_equal(a->kernel_version, b->kernel_version) ||
            !test_str_equal(a->machine, b->machine) || a->has_midr != b->has_midr || a->midr != b->midr ||
            !test_str_equal(a->kvm_mode, b->kvm_mode) || a->api_version != b->api_version ||
            a->preferred_target != b->preferred_target || a->preferred_features0 != b->preferred_features0 ||
            !test_named_ints_equal(a->caps, a->n_caps, b->caps, b->n_caps) ||
            !test_named_ints_equal(a->vm_caps, a->n_vm_caps, b->vm_caps, b->n_vm_caps) ||
            !test_regvalues_equal(a->imp_id_masks, a->n_imp_id_masks, b->imp_id_masks, b->n_imp_id_masks) ||
            a->n_configs != b->n_configs || strcmp(a->digest, b->digest) != 0)
                return false;
        for (size_t i = 0; i < a->n_configs; i++)
                if (!test_configs_equal(&a->configs[i], &b->configs[i]))
                        return false;
        return true;
}
