/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Writing a profile in the documented format (compact or pretty). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json-doc.h"
#include "profile-internal.h"
#include "profile.h"
#include "util.h"

static bool add_string(json_object *obj, const char *key, const char *s) {
        return !s || doc_add(obj, key, json_object_new_string(s));
}

static json_object *regmap_new(const RegValue *v, size_t n) {
        json_object *o = json_object_new_object();
        char key[32];

        for (size_t i = 0; o && i < n; i++) {
                snprintf(key, sizeof(key), "0x%016" PRIx64, v[i].id);
                if (!doc_add(o, key, doc_hex_new(v[i].value))) {
                        json_object_put(o);
                        return NULL;
                }
        }
        return o;
}

static json_object *named_ints_new(const NamedInt *v, size_t n) {
        json_object *o = json_object_new_object();

        for (size_t i = 0; o && i < n; i++)
                if (!doc_add(o, v[i].name, json_object_new_int64(v[i].value))) {
                        json_object_put(o);
                        return NULL;
                }
        return o;
}

static json_object *config_new(const VcpuConfig *c) {
        json_object *o = json_object_new_object(), *a;
        RegValue *all_values;
        bool ok = true;

        if (!o)
                return NULL;
        ok = ok && add_string(o, "name", c->name);
        a = json_object_new_array();
        ok = ok && doc_add(o, "features", a);
        for (size_t i = 0; ok && i < c->n_features; i++)
                ok = doc_append(a, json_object_new_string(c->features[i]));
        if (c->skipped) {
                ok = ok && add_string(o, "skipped", c->skipped);
                goto finish;
        }
        ok = ok && doc_add(o, "init_features0", doc_hex_new(c->init_features0));
        ok = ok && doc_add(o, "reg_count", json_object_new_int64((int64_t) c->n_reg_list));
        a = json_object_new_array();
        ok = ok && doc_add(o, "reg_list", a);
        for (size_t i = 0; ok && i < c->n_reg_list; i++)
                ok = doc_append(a, doc_hex_new(c->reg_list[i]));
        ok = ok && doc_add(o, "id_regs", regmap_new(c->id_regs, c->n_id_regs));
        ok = ok && doc_add(o, "fw_regs", regmap_new(c->fw_regs, c->n_fw_regs));
        if (ok && c->has_sve_vls) {
                a = json_object_new_array();
                ok = doc_add(o, "sve_vls", a);
                for (size_t i = 0; ok && i < ELEMENTSOF(c->sve_vls); i++)
                        ok = doc_append(a, doc_hex_new(c->sve_vls[i]));
        }
        if (c->has_masks)
                ok = ok && doc_add(o, "writable_masks", regmap_new(c->masks, c->n_masks));
        if (!c->is_record) {
                all_values = c->values;
                ok = ok && doc_add(o, "all_values", regmap_new(all_values, c->n_values));
        }
finish:
        if (!ok) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static json_object *profile_to_object(const Profile *p) {
        json_object *o = json_object_new_object(), *host, *configs;
        bool ok = true;

        if (!o)
                return NULL;
        ok = ok && doc_add(o, "probe_version", json_object_new_int(PROFILE_FORMAT_VERSION));
        ok = ok && add_string(o, "label", p->label);
        ok = ok && add_string(o, "kernel", p->kernel);
        ok = ok && add_string(o, "kernel_version", p->kernel_version);
        ok = ok && add_string(o, "machine", p->machine);
        ok = ok && doc_add(o, "api", json_object_new_int(p->api_version));
        if (ok && (p->hostname || p->machine_id || p->has_midr || p->kvm_mode || p->has_host_nv ||
                   profile_has_qemu(p))) {
                host = json_object_new_object();
                ok = doc_add(o, "host", host);
                ok = ok && add_string(host, "hostname", p->hostname);
                ok = ok && add_string(host, "machine_id", p->machine_id);
                if (p->has_midr)
                        ok = ok && doc_add(host, "midr", doc_hex_new(p->midr));
                ok = ok && add_string(host, "kvm_mode", p->kvm_mode);
                if (p->has_host_nv)
                        ok = ok && doc_add(host, "nv", json_object_new_int(p->host_nv));
                if (ok && profile_has_qemu(p)) {
                        json_object *q = json_object_new_object();

                        ok = doc_add(host, "qemu", q);
                        ok = ok && add_string(q, "emulator", p->qemu.emulator);
                        ok = ok && add_string(q, "version", p->qemu.version);
                        ok = ok && add_string(q, "package", p->qemu.package);
                        if (p->qemu.has_load)
                                ok = ok && add_string(q, "load_behaviour", qemu_load_name(p->qemu.load));
                        ok = ok && add_string(q, "detected_from", qemu_detected_name(p->qemu.detected));
                }
        }
        ok = ok && doc_add(o, "caps", named_ints_new(p->caps, p->n_caps));
        if (p->vm_caps)
                ok = ok && doc_add(o, "vm_caps", named_ints_new(p->vm_caps, p->n_vm_caps));
        ok = ok && doc_add(o, "preferred_target", json_object_new_int64(p->preferred_target));
        ok = ok && doc_add(o, "preferred_features0", doc_hex_new(p->preferred_features0));
        configs = json_object_new_array();
        ok = ok && doc_add(o, "configs", configs);
        for (size_t i = 0; ok && i < p->n_configs; i++)
                ok = doc_append(configs, config_new(&p->configs[i]));
        if (ok && p->imp_id_masks) {
                json_object *imp = json_object_new_object(), *with_cap = json_object_new_object();
                ok = doc_add(o, "writable_imp_id_regs", imp);
                ok = doc_add(imp ? imp : o, "with_cap", with_cap) && ok;
                ok = ok && doc_add(with_cap, "writable_masks", regmap_new(p->imp_id_masks, p->n_imp_id_masks));
        }
        if (!ok) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

char *profile_to_json(const Profile *p, bool pretty) {
        json_object *o;
        char *s;

        if (!p)
                return NULL;
        o = profile_to_object(p);
        if (!o)
                return NULL;
        s = strdup(json_object_to_json_string_ext(
                o, JSON_C_TO_STRING_NOSLASHESCAPE |
                           (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN)));
        json_object_put(o);
        return s;
}
