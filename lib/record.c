/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The guest record: made from a profile configuration, merged with what a guest carries, and
 * its identity (record.h). */
#include <errno.h>
#include <string.h>

#include "json-doc.h"
#include "profile-internal.h"
#include "record.h"
#include "rules.h"
#include "util.h"

static int strdup_or_null(const char *s, char **ret) {
        if (!s) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static int named_ints_copy(const NamedInt *v, size_t n, NamedInt **ret, size_t *ret_n) {
        NamedInt *copy;

        if (!v) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        copy = calloc(n + 1, sizeof(*copy));
        if (!copy)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                copy[i].value = v[i].value;
                copy[i].name = strdup(v[i].name);
                if (!copy[i].name) {
                        named_ints_free(copy, i);
                        return -ENOMEM;
                }
        }
        *ret = copy;
        *ret_n = n;
        return 0;
}

static void *memdup_n(const void *p, size_t n, size_t size) {
        void *copy = calloc(n + 1, size);

        if (copy && p && n)
                memcpy(copy, p, n * size);
        return copy;
}

/* Appends c's CCSIDR (demux) values to the sorted array *values, keeping it sorted. */
static int record_add_demux_values(const VcpuConfig *c, RegValue **values, size_t *n_values) {
        ProfileError ignored;
        _cleanup_free_ RegValue *demux = NULL;
        size_t n = 0;

        demux = calloc(c->n_values + 1, sizeof(RegValue));
        if (!demux)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_values; i++)
                if (reg_id_class(c->values[i].id) == REG_CLASS_DEMUX)
                        demux[n++] = c->values[i];
        if (n == 0)
                return 0;
        return regvalues_merge(values, n_values, demux, n, "", &ignored);
}

/* The record's configuration: the cpreg list, ID and firmware values, masks, SVE lengths. */
static int config_record_copy(const VcpuConfig *c, VcpuConfig *ret) {
        ProfileError ignored;
        int r;

        ret->is_record = true;
        ret->init_features0 = c->init_features0;
        r = strdup_or_null(c->name, &ret->name);
        if (r < 0)
                return r;
        ret->features = calloc(c->n_features + 1, sizeof(char *));
        if (!ret->features)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_features; i++) {
                ret->features[i] = strdup(c->features[i]);
                if (!ret->features[i])
                        return -ENOMEM;
                ret->n_features = i + 1;
        }
        ret->reg_list = memdup_n(c->cpregs, c->n_cpregs, sizeof(uint64_t));
        ret->cpregs = memdup_n(c->cpregs, c->n_cpregs, sizeof(uint64_t));
        ret->id_regs = memdup_n(c->id_regs, c->n_id_regs, sizeof(RegValue));
        ret->fw_regs = memdup_n(c->fw_regs, c->n_fw_regs, sizeof(RegValue));
        if (!ret->reg_list || !ret->cpregs || !ret->id_regs || !ret->fw_regs)
                return -ENOMEM;
        ret->n_reg_list = ret->n_cpregs = c->n_cpregs;
        ret->n_id_regs = c->n_id_regs;
        /* CCSIDR values are invariant before Linux 6.3: the record keeps them with the ID values. */
        r = record_add_demux_values(c, &ret->id_regs, &ret->n_id_regs);
        if (r < 0)
                return r;
        ret->n_fw_regs = c->n_fw_regs;
        if (c->has_masks) {
                ret->masks = memdup_n(c->masks, c->n_masks, sizeof(RegValue));
                if (!ret->masks)
                        return -ENOMEM;
                ret->n_masks = c->n_masks;
                ret->has_masks = true;
        }
        memcpy(ret->sve_vls, c->sve_vls, sizeof(ret->sve_vls));
        ret->has_sve_vls = c->has_sve_vls;

        /* id_regs and fw_regs agree with each other already; the merge only forms the union. */
        r = regvalues_merge(&ret->values, &ret->n_values, ret->id_regs, ret->n_id_regs, "", &ignored);
        if (r < 0)
                return r;
        return regvalues_merge(&ret->values, &ret->n_values, ret->fw_regs, ret->n_fw_regs, "", &ignored);
}

int profile_extract_config(const Profile *p, const char *config, Profile **ret) {
        _cleanup_(profile_freep) Profile *record = NULL;
        const VcpuConfig *c;
        int r;

        c = profile_get_config(p, config);
        if (!c)
                return -ENOENT;
        if (c->skipped)
                return -EINVAL;

        record = calloc(1, sizeof(*record));
        if (!record)
                return -ENOMEM;
        record->format_version = PROFILE_FORMAT_VERSION;
        record->api_version = p->api_version;
        record->preferred_target = p->preferred_target;
        record->preferred_features0 = p->preferred_features0;
        record->midr = p->midr;
        record->has_midr = p->has_midr;
        record->host_nv = p->host_nv;
        record->has_host_nv = p->has_host_nv;
        if (strdup_or_null(p->label, &record->label) < 0 ||
            strdup_or_null(p->hostname, &record->hostname) < 0 ||
            strdup_or_null(p->machine_id, &record->machine_id) < 0 ||
            strdup_or_null(p->kernel, &record->kernel) < 0 ||
            strdup_or_null(p->kernel_version, &record->kernel_version) < 0 ||
            strdup_or_null(p->machine, &record->machine) < 0 ||
            strdup_or_null(p->kvm_mode, &record->kvm_mode) < 0 ||
            profile_set_qemu(record, profile_has_qemu(p) ? &p->qemu : NULL) < 0)
                return -ENOMEM;
        /* The record carries the QEMU the guest runs on: its source QEMU when it migrates. */
        if (profile_has_qemu(record))
                record->qemu.origin = QEMU_ORIGIN_RECORD;
        r = named_ints_copy(p->caps, p->n_caps, &record->caps, &record->n_caps);
        if (r < 0)
                return r;
        r = named_ints_copy(p->vm_caps, p->n_vm_caps, &record->vm_caps, &record->n_vm_caps);
        if (r < 0)
                return r;
        if (p->imp_id_masks) {
                record->imp_id_masks = memdup_n(p->imp_id_masks, p->n_imp_id_masks, sizeof(RegValue));
                if (!record->imp_id_masks)
                        return -ENOMEM;
                record->n_imp_id_masks = p->n_imp_id_masks;
        }

        record->configs = calloc(1, sizeof(VcpuConfig));
        if (!record->configs)
                return -ENOMEM;
        record->n_configs = 1;
        r = config_record_copy(c, &record->configs[0]);
        if (r < 0)
                return r;

        profile_update_digest(record);
        *ret = TAKE_PTR(record);
        return 0;
}

int record_parse(const char *json, size_t size, Profile **ret, ProfileError *ret_error) {
        _cleanup_(profile_freep) Profile *p = NULL;
        ProfileError scratch;
        ProfileError *e = ret_error ? ret_error : &scratch;
        int r;

        r = profile_parse(json, size, &p, e);
        if (r < 0)
                return r;
        if (p->n_configs != 1)
                return doc_error(e, -EINVAL, "/configs", "not exactly one configuration");
        *ret = TAKE_PTR(p);
        return 0;
}

const VcpuConfig *record_host_config(const Profile *host, const Profile *carried) {
        const VcpuConfig *c;

        if (!host || !carried || carried->n_configs != 1)
                return NULL;
        c = &carried->configs[0];
        return profile_find_config_by_features(host, c->init_features0, vcpu_config_has_feature(c, "mte_vm_cap"));
}

static int cmp_regvalue_id(const void *key, const void *v) {
        uint64_t a = *(const uint64_t *) key, b = ((const RegValue *) v)->id;
        return a < b ? -1 : a > b;
}

/* Sets the value of id in the sorted array v, if it is there. */
static void regvalues_set(RegValue *v, size_t n, uint64_t id, uint64_t value) {
        RegValue *x = v ? bsearch(&id, v, n, sizeof(*v), cmp_regvalue_id) : NULL;

        if (x)
                x->value = value;
}

size_t record_keep_values(Profile *record, const Profile *host, const VcpuConfig *host_config,
                          const VcpuConfig *carried) {
        VcpuConfig *c;
        size_t kept = 0;

        if (!record || record->n_configs != 1 || !carried)
                return 0;
        c = &record->configs[0];
        RegValue *sets[2] = { c->id_regs, c->fw_regs };
        size_t counts[2] = { c->n_id_regs, c->n_fw_regs };

        for (size_t s = 0; s < ELEMENTSOF(sets); s++)
                for (size_t i = 0; i < counts[s]; i++) {
                        uint64_t value;

                        if (!vcpu_config_get_value(carried, sets[s][i].id, &value) ||
                            value == sets[s][i].value ||
                            !rules_kernel_accepts(host, host_config, sets[s][i].id, value, NULL))
                                continue;
                        sets[s][i].value = value;
                        regvalues_set(c->values, c->n_values, sets[s][i].id, value);
                        kept++;
                }
        profile_update_digest(record);
        return kept;
}

/* The host name a record names: "host"."hostname" if there is one, else the top-level "hostname". */
static json_object *record_hostname(json_object *root) {
        json_object *host, *hostname = NULL;

        if ((json_object_object_get_ex(root, "host", &host) && json_object_is_type(host, json_type_object) &&
             json_object_object_get_ex(host, "hostname", &hostname)) ||
            json_object_object_get_ex(root, "hostname", &hostname)) {
                if (!json_object_is_type(hostname, json_type_string) ||
                    json_object_get_string_len(hostname) > (int) RECORD_HOST_NAME_MAX ||
                    strlen(json_object_get_string(hostname)) != (size_t) json_object_get_string_len(hostname))
                        return NULL;
                return hostname;
        }
        return NULL;
}

int record_identity(const char *json, size_t size, char **ret_config, char **ret_host) {
        _cleanup_free_ char *config = NULL, *host = NULL;
        json_object *root = NULL, *configs, *first, *name, *hostname;
        ProfileError e;
        int r;

        if (!json || !ret_config || !ret_host)
                return -EINVAL;
        r = doc_parse(json, size, PROFILE_MAX_DEPTH, &root, &e);
        if (r < 0)
                return r == -ENOMEM ? r : -EINVAL;
        r = -EINVAL;
        if (!json_object_is_type(root, json_type_object) ||
            !json_object_object_get_ex(root, "configs", &configs) || !json_object_is_type(configs, json_type_array) ||
            json_object_array_length(configs) != 1 || !(first = json_object_array_get_idx(configs, 0)) ||
            !json_object_object_get_ex(first, "name", &name) || !json_object_is_type(name, json_type_string) ||
            json_object_get_string_len(name) == 0 || json_object_get_string_len(name) > (int) RECORD_CONFIG_NAME_MAX ||
            strlen(json_object_get_string(name)) != (size_t) json_object_get_string_len(name))
                goto out;
        hostname = record_hostname(root);
        r = -ENOMEM;
        config = strdup(json_object_get_string(name));
        if (!config || (hostname && !(host = strdup(json_object_get_string(hostname)))))
                goto out;
        *ret_config = TAKE_PTR(config);
        *ret_host = TAKE_PTR(host);
        r = 0;
out:
        json_object_put(root);
        return r;
}
