/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Parsing and validating a profile document (docs/profile-format.md), with QEMU's view of
 * it (the cpreg list).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "json-doc.h"
#include "profile-internal.h"
#include "profile.h"
#include "regnames.h"
#include "util.h"

static const char *const kvm_modes[] = { "nvhe", "vhe", "protected" };

/*
 * An arm64 ONE_REG id of a known class. Any size up to U2048 is kept: QEMU refuses
 * a cpreg that is not U32/U64, and saying so is the rules' job, not the parser's.
 */
static bool reg_id_acceptable(uint64_t id) {
        return reg_id_class(id) != REG_CLASS_UNKNOWN && (id & REG_SIZE_MASK) >> REG_SIZE_SHIFT <= 8;
}

/* Values are 64-bit: a register wider than that cannot have one, a U32 one no more than 32 bits. */
static int reg_value_check(uint64_t id, uint64_t value, const char *path, ProfileError *e) {
        unsigned size = 1u << ((id & REG_SIZE_MASK) >> REG_SIZE_SHIFT);

        if (size > 8)
                return doc_error(e, -EINVAL, path, "register 0x%016" PRIx64 " is %u bytes wide: no 64-bit value",
                                 id, size);
        if (size < 8 && value >> (8 * size) != 0)
                return doc_error(e, -EINVAL, path, "value 0x%016" PRIx64 " wider than the %u-byte register",
                                 value, size);
        return 0;
}

/* An object register id → "0x..." value, sorted by id. Ids must be valid ONE_REG ids. */
static int regmap_parse(json_object *o, const char *path, RegValue **ret, size_t *ret_n, ProfileError *e) {
        _cleanup_free_ RegValue *v = NULL;
        char child[DOC_PATH_SIZE];
        size_t n = 0, count;
        int r;

        r = doc_object_check(o, path, e);
        if (r < 0)
                return r;
        count = (size_t) json_object_object_length(o);
        if (count > KVMREGS_MAX_REGS)
                return doc_error(e, -E2BIG, path, "more than %u registers", KVMREGS_MAX_REGS);
        v = calloc(count ? count : 1, sizeof(*v));
        if (!v)
                return doc_oom(e, path);

        json_object_object_foreach(o, key, val) {
                doc_path_key(child, path, key);
                r = doc_hex_string(key, child, UINT64_MAX, &v[n].id, e);
                if (r < 0)
                        return r;
                if (!reg_id_acceptable(v[n].id))
                        return doc_error(e, -EINVAL, child, "not an arm64 ONE_REG register id of a known class");
                r = doc_hex(val, child, UINT64_MAX, &v[n].value, e);
                if (r < 0)
                        return r;
                r = reg_value_check(v[n].id, v[n].value, child, e);
                if (r < 0)
                        return r;
                n++;
        }
        qsort(v, n, sizeof(*v), cmp_regvalue);
        for (size_t i = 1; i < n; i++)
                if (v[i].id == v[i - 1].id)
                        return doc_error(e, -EINVAL, path, "register 0x%016" PRIx64 " given twice", v[i].id);
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

/* Every register of a value map must be in the register list (sorted copy). */
static int regmap_check_listed(const RegValue *v, size_t n, const uint64_t *sorted_list, size_t n_list,
                               const char *path, ProfileError *e) {
        char child[DOC_PATH_SIZE];

        for (size_t i = 0; i < n; i++)
                if (!u64_sorted_contains(sorted_list, n_list, v[i].id)) {
                        doc_path_reg(child, path, v[i].id);
                        return doc_error(e, -EINVAL, child, "value for a register that is not in reg_list");
                }
        return 0;
}

/* ID and firmware values are of registers QEMU carries (its cpreg list): a guest record, whose
 * reg_list is that list, must be able to hold them. */
static int regmap_check_carried(const RegValue *v, size_t n, const char *path, ProfileError *e) {
        char child[DOC_PATH_SIZE];

        for (size_t i = 0; i < n; i++)
                if (!reg_id_in_cpreg_list(v[i].id)) {
                        doc_path_reg(child, path, v[i].id);
                        return doc_error(e, -EINVAL, child, "an ID or firmware value for a %s register, which QEMU "
                                         "does not carry", reg_class_name(reg_id_class(v[i].id)));
                }
        return 0;
}

int regvalues_merge(RegValue **dst, size_t *n_dst, const RegValue *src, size_t n_src,
                    const char *path, ProfileError *e) {
        RegValue *out;
        size_t i = 0, j = 0, n = 0;

        out = calloc(*n_dst + n_src + 1, sizeof(*out));
        if (!out)
                return doc_oom(e, path);
        while (i < *n_dst || j < n_src) {
                if (j >= n_src || (i < *n_dst && (*dst)[i].id < src[j].id))
                        out[n++] = (*dst)[i++];
                else if (i >= *n_dst || src[j].id < (*dst)[i].id)
                        out[n++] = src[j++];
                else {
                        if ((*dst)[i].value != src[j].value) {
                                char child[DOC_PATH_SIZE];
                                doc_path_reg(child, path, src[j].id);
                                free(out);
                                return doc_error(e, -EINVAL, child,
                                                 "value 0x%016" PRIx64 " differs from all_values' 0x%016" PRIx64,
                                                 src[j].value, (*dst)[i].value);
                        }
                        out[n++] = (*dst)[i++];
                        j++;
                }
        }
        free(*dst);
        *dst = out;
        *n_dst = n;
        return 0;
}

static int named_ints_parse(json_object *o, const char *path, NamedInt **ret, size_t *ret_n, ProfileError *e) {
        NamedInt *v;
        char child[DOC_PATH_SIZE];
        size_t n = 0, count;
        int r;

        r = doc_object_check(o, path, e);
        if (r < 0)
                return r;
        count = (size_t) json_object_object_length(o);
        if (count > PROFILE_MAX_CAPS)
                return doc_error(e, -E2BIG, path, "more than %u capabilities", PROFILE_MAX_CAPS);
        v = calloc(count ? count : 1, sizeof(*v));
        if (!v)
                return doc_oom(e, path);
        json_object_object_foreach(o, key, val) {
                doc_path_key(child, path, key);
                if (key[0] == '\0' || strlen(key) > KVMREGS_MAX_STRING) {
                        named_ints_free(v, n);
                        return doc_error(e, -EINVAL, child, "capability name empty or too long");
                }
                r = doc_int(val, child, INT64_MIN + 1, INT64_MAX - 1, &v[n].value, e);
                if (r < 0) {
                        named_ints_free(v, n);
                        return r;
                }
                v[n].name = strdup(key);
                if (!v[n].name) {
                        named_ints_free(v, n);
                        return doc_oom(e, child);
                }
                n++;
        }
        qsort(v, n, sizeof(*v), cmp_named_int);
        *ret = v;
        *ret_n = n;
        return 0;
}

/* ---- one vCPU configuration ---- */

static int features_parse(json_object *o, const char *path, VcpuConfig *c, ProfileError *e) {
        char child[DOC_PATH_SIZE];
        int r;

        r = doc_strv(o, path, PROFILE_MAX_FEATURES, "features", &c->features, &c->n_features, e);
        if (r < 0)
                return r;
        for (size_t i = 1; i < c->n_features; i++)
                for (size_t j = 0; j < i; j++)
                        if (strcmp(c->features[j], c->features[i]) == 0) {
                                doc_path_index(child, path, i);
                                return doc_error(e, -EINVAL, child, "feature \"%s\" given twice", c->features[i]);
                        }
        return 0;
}

static int reg_list_parse(json_object *o, const char *path, VcpuConfig *c, bool record,
                          uint64_t **ret_sorted, ProfileError *e) {
        _cleanup_free_ uint64_t *sorted = NULL;
        char child[DOC_PATH_SIZE];
        size_t n;
        int r;

        r = doc_array_check(o, path, KVMREGS_MAX_REGS, "registers", e);
        if (r < 0)
                return r;
        n = json_object_array_length(o);
        c->reg_list = calloc(n + 1, sizeof(uint64_t));
        sorted = calloc(n + 1, sizeof(uint64_t));
        if (!c->reg_list || !sorted)
                return doc_oom(e, path);
        for (size_t i = 0; i < n; i++) {
                uint64_t id;

                doc_path_index(child, path, i);
                r = doc_hex(json_object_array_get_idx(o, i), child, UINT64_MAX, &id, e);
                if (r < 0)
                        return r;
                if (!reg_id_acceptable(id))
                        return doc_error(e, -EINVAL, child,
                                         "0x%016" PRIx64 " is not an arm64 ONE_REG register id of a known class", id);
                if (record && !reg_id_in_cpreg_list(id))
                        return doc_error(e, -EINVAL, child, "a guest record's reg_list is QEMU's cpreg list: "
                                         "0x%016" PRIx64 " is a %s register", id, reg_class_name(reg_id_class(id)));
                if (record && i > 0 && id <= c->reg_list[i - 1])
                        return doc_error(e, -EINVAL, child, "a guest record's reg_list must be sorted ascending "
                                         "without repeats: 0x%016" PRIx64 " follows 0x%016" PRIx64,
                                         id, c->reg_list[i - 1]);
                c->reg_list[i] = id;
                c->n_reg_list = i + 1;
        }

        memcpy(sorted, c->reg_list, n * sizeof(uint64_t));
        qsort(sorted, n, sizeof(uint64_t), cmp_u64);
        for (size_t i = 1; i < n; i++)
                if (sorted[i] == sorted[i - 1]) {
                        /* Name the later of the two occurrences. */
                        size_t last = 0;
                        for (size_t k = 0; k < n; k++)
                                if (c->reg_list[k] == sorted[i])
                                        last = k;
                        doc_path_index(child, path, last);
                        return doc_error(e, -EINVAL, child, "register 0x%016" PRIx64 " listed twice", sorted[i]);
                }

        /* QEMU's cpreg list: the kernel's list sorted, without the core and SVE classes. */
        c->cpregs = calloc(n + 1, sizeof(uint64_t));
        if (!c->cpregs)
                return doc_oom(e, path);
        for (size_t i = 0; i < n; i++)
                if (reg_id_in_cpreg_list(sorted[i]))
                        c->cpregs[c->n_cpregs++] = sorted[i];

        *ret_sorted = TAKE_PTR(sorted);
        return 0;
}

static int config_parse(json_object *o, const char *path, VcpuConfig *c, ProfileError *e) {
        _cleanup_free_ uint64_t *sorted = NULL;
        _cleanup_free_ RegValue *all_values = NULL;
        size_t n_all_values = 0;
        json_object *v;
        char child[DOC_PATH_SIZE];
        uint64_t u;
        int64_t i64;
        int r;

        r = doc_object_check(o, path, e);
        if (r < 0)
                return r;

        r = doc_member(o, path, "name", true, &v, child, e);
        if (r < 0)
                return r;
        r = doc_string_dup(v, child, false, &c->name, e);
        if (r < 0)
                return r;

        r = doc_member(o, path, "features", true, &v, child, e);
        if (r < 0)
                return r;
        r = features_parse(v, child, c, e);
        if (r < 0)
                return r;

        r = doc_member(o, path, "skipped", false, &v, child, e);
        if (r < 0)
                return r;
        if (v)
                /* The host cannot run it: the recording holds nothing else. */
                return doc_string_dup(v, child, true, &c->skipped, e);

        r = doc_member(o, path, "init_features0", true, &v, child, e);
        if (r < 0)
                return r;
        r = doc_hex(v, child, UINT32_MAX, &u, e);
        if (r < 0)
                return r;
        c->init_features0 = (uint32_t) u;

        r = doc_member(o, path, "all_values", false, &v, child, e);
        if (r < 0)
                return r;
        c->is_record = !v;
        if (v) {
                r = regmap_parse(v, child, &all_values, &n_all_values, e);
                if (r < 0)
                        return r;
        }

        r = doc_member(o, path, "reg_list", true, &v, child, e);
        if (r < 0)
                return r;
        r = reg_list_parse(v, child, c, c->is_record, &sorted, e);
        if (r < 0)
                return r;

        r = doc_member(o, path, "reg_count", false, &v, child, e);
        if (r < 0)
                return r;
        if (v) {
                r = doc_int(v, child, 0, KVMREGS_MAX_REGS, &i64, e);
                if (r < 0)
                        return r;
                if ((size_t) i64 != c->n_reg_list)
                        return doc_error(e, -EINVAL, child, "reg_count %" PRId64 " but reg_list holds %zu",
                                         i64, c->n_reg_list);
        }

        if (all_values) {
                doc_path_key(child, path, "all_values");
                r = regmap_check_listed(all_values, n_all_values, sorted, c->n_reg_list, child, e);
                if (r < 0)
                        return r;
        }

        r = doc_member(o, path, "id_regs", true, &v, child, e);
        if (r < 0)
                return r;
        r = regmap_parse(v, child, &c->id_regs, &c->n_id_regs, e);
        if (r < 0)
                return r;
        r = regmap_check_listed(c->id_regs, c->n_id_regs, sorted, c->n_reg_list, child, e);
        if (r < 0)
                return r;
        r = regmap_check_carried(c->id_regs, c->n_id_regs, child, e);
        if (r < 0)
                return r;

        r = doc_member(o, path, "fw_regs", true, &v, child, e);
        if (r < 0)
                return r;
        r = regmap_parse(v, child, &c->fw_regs, &c->n_fw_regs, e);
        if (r < 0)
                return r;
        r = regmap_check_listed(c->fw_regs, c->n_fw_regs, sorted, c->n_reg_list, child, e);
        if (r < 0)
                return r;
        r = regmap_check_carried(c->fw_regs, c->n_fw_regs, child, e);
        if (r < 0)
                return r;

        c->values = TAKE_PTR(all_values);
        c->n_values = n_all_values;
        doc_path_key(child, path, "id_regs");
        r = regvalues_merge(&c->values, &c->n_values, c->id_regs, c->n_id_regs, child, e);
        if (r < 0)
                return r;
        doc_path_key(child, path, "fw_regs");
        r = regvalues_merge(&c->values, &c->n_values, c->fw_regs, c->n_fw_regs, child, e);
        if (r < 0)
                return r;

        /* Masks cover KVM's whole feature-ID range, listed or not: only the ids must be valid. */
        r = doc_member(o, path, "writable_masks", false, &v, child, e);
        if (r < 0)
                return r;
        if (v) {
                r = regmap_parse(v, child, &c->masks, &c->n_masks, e);
                if (r < 0)
                        return r;
                c->has_masks = true;
        }

        r = doc_member(o, path, "sve_vls", false, &v, child, e);
        if (r < 0)
                return r;
        if (v) {
                char item[DOC_PATH_SIZE];

                r = doc_array_check(v, child, ELEMENTSOF(c->sve_vls), "words", e);
                if (r < 0)
                        return r;
                if (json_object_array_length(v) != ELEMENTSOF(c->sve_vls))
                        return doc_error(e, -EINVAL, child, "expected %zu words, got %zu",
                                         ELEMENTSOF(c->sve_vls), json_object_array_length(v));
                for (size_t i = 0; i < ELEMENTSOF(c->sve_vls); i++) {
                        doc_path_index(item, child, i);
                        r = doc_hex(json_object_array_get_idx(v, i), item, UINT64_MAX, &c->sve_vls[i], e);
                        if (r < 0)
                                return r;
                }
                c->has_sve_vls = true;
        }
        return 0;
}

/* ---- the document ---- */

static int optional_string(json_object *obj, const char *path, const char *key, char **ret, ProfileError *e) {
        char child[DOC_PATH_SIZE];
        json_object *v;
        int r;

        r = doc_member(obj, path, key, false, &v, child, e);
        if (r < 0 || !v)
                return r;
        return doc_string_dup(v, child, true, ret, e);
}

static bool kvm_mode_known(const char *s) {
        for (size_t i = 0; i < ELEMENTSOF(kvm_modes); i++)
                if (strcmp(s, kvm_modes[i]) == 0)
                        return true;
        return false;
}

/* "host"."qemu": the host's QEMU (docs/profile-format.md). */
static int host_qemu_parse(json_object *o, const char *path, Profile *p, ProfileError *e) {
        char child[DOC_PATH_SIZE];
        json_object *v;
        int r;

        r = doc_object_check(o, path, e);
        if (r < 0)
                return r;
        r = optional_string(o, path, "emulator", &p->qemu.emulator, e);
        if (r < 0)
                return r;
        r = optional_string(o, path, "package", &p->qemu.package, e);
        if (r < 0)
                return r;
        r = doc_member(o, path, "version", false, &v, child, e);
        if (r < 0)
                return r;
        if (v) {
                r = doc_string_dup(v, child, false, &p->qemu.version, e);
                if (r < 0)
                        return r;
                if (qemu_parse_version(p->qemu.version, NULL, NULL, NULL) < 0)
                        return doc_error(e, -EINVAL, child, "not a QEMU version (\"11.1.3\", \"1:11.1.3+ds-1\"): \"%.64s\"",
                                         p->qemu.version);
        }
        r = doc_member(o, path, "load_behaviour", false, &v, child, e);
        if (r < 0)
                return r;
        if (v) {
                if (!json_object_is_type(v, json_type_string) ||
                    qemu_load_from_name(json_object_get_string(v), &p->qemu.load) < 0)
                        return doc_error(e, -EINVAL, child, "load_behaviour is \"legacy\" or \"tolerances-11.1\"");
                p->qemu.has_load = true;
        }
        r = doc_member(o, path, "detected_from", false, &v, child, e);
        if (r < 0)
                return r;
        if (v && (!json_object_is_type(v, json_type_string) ||
                  qemu_detected_from_name(json_object_get_string(v), &p->qemu.detected) < 0))
                return doc_error(e, -EINVAL, child, "detected_from is \"trace-events\", \"version\" or \"option\"");
        return 0;
}

static int host_parse(json_object *o, const char *path, Profile *p, ProfileError *e) {
        char child[DOC_PATH_SIZE];
        json_object *v;
        int r;

        r = doc_object_check(o, path, e);
        if (r < 0)
                return r;
        r = optional_string(o, path, "hostname", &p->hostname, e);
        if (r < 0)
                return r;
        r = optional_string(o, path, "machine_id", &p->machine_id, e);
        if (r < 0)
                return r;
        r = doc_member(o, path, "midr", false, &v, child, e);
        if (r < 0)
                return r;
        if (v) {
                r = doc_hex(v, child, UINT64_MAX, &p->midr, e);
                if (r < 0)
                        return r;
                p->has_midr = true;
        }
        r = doc_member(o, path, "kvm_mode", false, &v, child, e);
        if (r < 0)
                return r;
        if (v) {
                r = doc_string_dup(v, child, false, &p->kvm_mode, e);
                if (r < 0)
                        return r;
                if (!kvm_mode_known(p->kvm_mode))
                        return doc_error(e, -EINVAL, child, "unknown KVM mode \"%.64s\" (nvhe, vhe or protected)",
                                         p->kvm_mode);
        }
        r = doc_member(o, path, "nv", false, &v, child, e);
        if (r < 0)
                return r;
        if (v) {
                int64_t nv;

                r = doc_int(v, child, 0, 15, &nv, e);
                if (r < 0)
                        return r;
                p->host_nv = (uint8_t) nv;
                p->has_host_nv = true;
        }
        r = doc_member(o, path, "qemu", false, &v, child, e);
        if (r < 0)
                return r;
        if (v) {
                r = host_qemu_parse(v, child, p, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

/*
 * The mode KVM came up in, from the recording notes: the kernel's own boot message
 * when recorded (5.10 ignores kvm-arm.mode), else the mode that was asked for.
 */
static int kvm_mode_from_qemu(json_object *qemu, char **ret) {
        json_object *v;
        const char *mode = NULL;

        if (!json_object_is_type(qemu, json_type_object))
                return 0;
        if (json_object_object_get_ex(qemu, "kvm_init", &v) && json_object_is_type(v, json_type_string)) {
                const char *s = json_object_get_string(v);
                if (strstr(s, "Protected"))
                        mode = "protected";
                else if (strstr(s, "nVHE") || strstr(s, "Hyp mode"))
                        mode = "nvhe";
                else if (strstr(s, "VHE"))
                        mode = "vhe";
        }
        if (!mode && json_object_object_get_ex(qemu, "kvm_arm_mode", &v) &&
            json_object_is_type(v, json_type_string) && kvm_mode_known(json_object_get_string(v)))
                mode = json_object_get_string(v);
        if (!mode)
                return 0;
        *ret = strdup(mode);
        return *ret ? 0 : -ENOMEM;
}

static int configs_parse(json_object *o, const char *path, Profile *p, ProfileError *e) {
        char child[DOC_PATH_SIZE];
        size_t n;
        int r;

        r = doc_array_check(o, path, KVMREGS_MAX_CONFIGS, "configurations", e);
        if (r < 0)
                return r;
        n = json_object_array_length(o);
        if (n == 0)
                return doc_error(e, -EINVAL, path, "no configurations");
        p->configs = calloc(n, sizeof(VcpuConfig));
        if (!p->configs)
                return doc_oom(e, path);
        for (size_t i = 0; i < n; i++) {
                doc_path_index(child, path, i);
                p->n_configs = i + 1;
                r = config_parse(json_object_array_get_idx(o, i), child, &p->configs[i], e);
                if (r < 0)
                        return r;
                for (size_t j = 0; j < i; j++)
                        if (strcmp(p->configs[j].name, p->configs[i].name) == 0) {
                                char name_path[DOC_PATH_SIZE];
                                doc_path_key(name_path, child, "name");
                                return doc_error(e, -EINVAL, name_path, "configuration \"%.64s\" given twice",
                                                 p->configs[i].name);
                        }
        }
        return 0;
}

static int document_parse(json_object *root, Profile *p, ProfileError *e) {
        char child[DOC_PATH_SIZE];
        json_object *v, *qemu;
        int64_t i64;
        uint64_t u;
        int r;

        r = doc_object_check(root, "", e);
        if (r < 0)
                return r;

        r = doc_member(root, "", "probe_version", true, &v, child, e);
        if (r < 0)
                return r;
        if (!json_object_is_type(v, json_type_int))
                return doc_error(e, -EINVAL, child, "expected an integer");
        if (json_object_get_int64(v) != PROFILE_FORMAT_VERSION)
                return doc_error(e, -EPROTONOSUPPORT, child, "format version %.20s not supported (only %d)",
                                 json_object_to_json_string(v), PROFILE_FORMAT_VERSION);
        p->format_version = PROFILE_FORMAT_VERSION;

        r = optional_string(root, "", "label", &p->label, e);
        if (r < 0)
                return r;
        r = doc_member(root, "", "kernel", true, &v, child, e);
        if (r < 0)
                return r;
        r = doc_string_dup(v, child, false, &p->kernel, e);
        if (r < 0)
                return r;
        r = optional_string(root, "", "kernel_version", &p->kernel_version, e);
        if (r < 0)
                return r;
        r = optional_string(root, "", "machine", &p->machine, e);
        if (r < 0)
                return r;

        r = doc_member(root, "", "api", false, &v, child, e);
        if (r < 0)
                return r;
        if (v) {
                r = doc_int(v, child, 0, INT32_MAX, &i64, e);
                if (r < 0)
                        return r;
                p->api_version = (int) i64;
        }

        r = doc_member(root, "", "caps", true, &v, child, e);
        if (r < 0)
                return r;
        r = named_ints_parse(v, child, &p->caps, &p->n_caps, e);
        if (r < 0)
                return r;
        r = doc_member(root, "", "vm_caps", false, &v, child, e);
        if (r < 0)
                return r;
        if (v) {
                r = named_ints_parse(v, child, &p->vm_caps, &p->n_vm_caps, e);
                if (r < 0)
                        return r;
        }

        r = doc_member(root, "", "preferred_target", false, &v, child, e);
        if (r < 0)
                return r;
        if (v) {
                r = doc_int(v, child, 0, UINT32_MAX, &i64, e);
                if (r < 0)
                        return r;
                p->preferred_target = (uint32_t) i64;
        }
        r = doc_member(root, "", "preferred_features0", false, &v, child, e);
        if (r < 0)
                return r;
        if (v) {
                r = doc_hex(v, child, UINT32_MAX, &u, e);
                if (r < 0)
                        return r;
                p->preferred_features0 = (uint32_t) u;
        }

        r = doc_member(root, "", "configs", true, &v, child, e);
        if (r < 0)
                return r;
        r = configs_parse(v, child, p, e);
        if (r < 0)
                return r;

        r = doc_member(root, "", "writable_imp_id_regs", false, &v, child, e);
        if (r < 0)
                return r;
        if (v) {
                char with_cap_path[DOC_PATH_SIZE], masks_path[DOC_PATH_SIZE];
                json_object *with_cap, *masks;

                r = doc_object_check(v, child, e);
                if (r < 0)
                        return r;
                r = doc_member(v, child, "with_cap", false, &with_cap, with_cap_path, e);
                if (r < 0)
                        return r;
                if (with_cap) {
                        r = doc_object_check(with_cap, with_cap_path, e);
                        if (r < 0)
                                return r;
                        r = doc_member(with_cap, with_cap_path, "writable_masks", false, &masks, masks_path, e);
                        if (r < 0)
                                return r;
                        if (masks) {
                                r = regmap_parse(masks, masks_path, &p->imp_id_masks, &p->n_imp_id_masks, e);
                                if (r < 0)
                                        return r;
                        }
                }
        }

        r = doc_member(root, "", "host", false, &v, child, e);
        if (r < 0)
                return r;
        if (v) {
                r = host_parse(v, child, p, e);
                if (r < 0)
                        return r;
        }

        if (profile_has_qemu(p)) {
                /* A guest record's QEMU is the source QEMU the guest ran on. */
                bool record = p->n_configs > 0;
                for (size_t i = 0; i < p->n_configs; i++)
                        record = record && p->configs[i].is_record;
                p->qemu.origin = record ? QEMU_ORIGIN_RECORD : QEMU_ORIGIN_PROFILE;
        }

        if (!p->kvm_mode && json_object_object_get_ex(root, "qemu", &qemu)) {
                r = kvm_mode_from_qemu(qemu, &p->kvm_mode);
                if (r < 0)
                        return doc_oom(e, "/qemu");
        }

        if (!p->has_midr) {
                /* KVM shows a guest the host's MIDR_EL1 (not writable here): any configuration tells it. */
                const VcpuConfig *base = profile_get_config(p, "base");
                if (base && !base->skipped && vcpu_config_get_value(base, REG_ID_MIDR_EL1, &p->midr))
                        p->has_midr = true;
                for (size_t i = 0; !p->has_midr && i < p->n_configs; i++)
                        if (!p->configs[i].skipped &&
                            vcpu_config_get_value(&p->configs[i], REG_ID_MIDR_EL1, &p->midr))
                                p->has_midr = true;
        }
        return 0;
}


int profile_parse(const char *data, size_t size, Profile **ret, ProfileError *ret_error) {
        _cleanup_(profile_freep) Profile *p = NULL;
        ProfileError scratch;
        ProfileError *e = ret_error ? ret_error : &scratch;
        json_object *root = NULL;
        int r;

        memset(e, 0, sizeof(*e));
        r = doc_parse(data, size, PROFILE_MAX_DEPTH, &root, e);
        if (r < 0)
                return r;

        p = calloc(1, sizeof(*p));
        if (!p) {
                json_object_put(root);
                return doc_oom(e, "");
        }
        r = document_parse(root, p, e);
        json_object_put(root);
        if (r < 0)
                return r;

        profile_update_digest(p);
        *ret = TAKE_PTR(p);
        return 0;
}

int profile_load(const char *path, Profile **ret, ProfileError *ret_error) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_close_ int fd = -1;
        struct stat st;
        ProfileError scratch;
        ProfileError *e = ret_error ? ret_error : &scratch;
        size_t size = 0;
        int r;

        memset(e, 0, sizeof(*e));
        if (!path)
                return doc_error(e, -EINVAL, "", "no file given");
        /* Only a regular file: a FIFO (or a device) put in its place would block the reader
         * for good, or never end. O_NONBLOCK keeps open() from waiting for a FIFO's writer. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 || fstat(fd, &st) < 0) {
                r = -errno;
                return doc_error(e, r, "", "cannot read %.200s: %s", path, strerror(-r));
        }
        if (S_ISDIR(st.st_mode))
                return doc_error(e, -EISDIR, "", "%.200s is a directory", path);
        if (!S_ISREG(st.st_mode))
                return doc_error(e, -EINVAL, "", "%.200s is not a regular file", path);
        r = read_fd_bounded(fd, KVMREGS_MAX_DOCUMENT, &buf, &size);
        if (r == -E2BIG)
                return doc_error(e, r, "", "document is over the limit of %u bytes", KVMREGS_MAX_DOCUMENT);
        if (r == -EISDIR)
                return doc_error(e, r, "", "%.200s is a directory", path);
        if (r == -ENOMEM)
                return doc_oom(e, "");
        if (r < 0)
                return doc_error(e, r, "", "cannot read %.200s: %s", path, strerror(-r));
        return profile_parse(buf, size, ret, e);
}

