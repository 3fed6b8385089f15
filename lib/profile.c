/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A host's register profile (docs/profile-format.md): its lifetime and the queries on it.
 * Parsing is profile-parse.c, the digest profile-digest.c, the writer profile-write.c, guest
 * records record.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "profile-internal.h"
#include "profile.h"
#include "util.h"

static char **strv_free(char **v, size_t n) {
        if (v)
                for (size_t i = 0; i < n; i++)
                        free(v[i]);
        free(v);
        return NULL;
}

static void vcpu_config_done(VcpuConfig *c) {
        free(c->name);
        strv_free(c->features, c->n_features);
        free(c->skipped);
        free(c->reg_list);
        free(c->cpregs);
        free(c->values);
        free(c->id_regs);
        free(c->fw_regs);
        free(c->masks);
        memset(c, 0, sizeof(*c));
}

void named_ints_free(NamedInt *v, size_t n) {
        if (v)
                for (size_t i = 0; i < n; i++)
                        free(v[i].name);
        free(v);
}

Profile *profile_free(Profile *p) {
        if (!p)
                return NULL;
        free(p->label);
        profile_qemu_done(&p->qemu);
        free(p->hostname);
        free(p->machine_id);
        free(p->kernel);
        free(p->kernel_version);
        free(p->machine);
        free(p->kvm_mode);
        named_ints_free(p->caps, p->n_caps);
        named_ints_free(p->vm_caps, p->n_vm_caps);
        if (p->configs)
                for (size_t i = 0; i < p->n_configs; i++)
                        vcpu_config_done(&p->configs[i]);
        free(p->configs);
        free(p->imp_id_masks);
        free(p);
        return NULL;
}

int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

int cmp_regvalue(const void *a, const void *b) {
        return cmp_u64(&((const RegValue *) a)->id, &((const RegValue *) b)->id);
}

int cmp_named_int(const void *a, const void *b) {
        return strcmp(((const NamedInt *) a)->name, ((const NamedInt *) b)->name);
}

const RegValue *regvalues_find(const RegValue *v, size_t n, uint64_t id) {
        RegValue key = { .id = id };
        return v ? bsearch(&key, v, n, sizeof(*v), cmp_regvalue) : NULL;
}

bool u64_sorted_contains(const uint64_t *v, size_t n, uint64_t id) {
        return v && bsearch(&id, v, n, sizeof(*v), cmp_u64);
}

const VcpuConfig *profile_get_config(const Profile *p, const char *name) {
        if (!p || !name)
                return NULL;
        for (size_t i = 0; i < p->n_configs; i++)
                if (p->configs[i].name && strcmp(p->configs[i].name, name) == 0)
                        return &p->configs[i];
        return NULL;
}

bool vcpu_config_get_value(const VcpuConfig *c, uint64_t id, uint64_t *ret_value) {
        const RegValue *v = c ? regvalues_find(c->values, c->n_values, id) : NULL;

        if (!v)
                return false;
        if (ret_value)
                *ret_value = v->value;
        return true;
}

bool vcpu_config_get_mask(const VcpuConfig *c, uint64_t id, uint64_t *ret_mask) {
        const RegValue *v = c ? regvalues_find(c->masks, c->n_masks, id) : NULL;

        if (!v)
                return false;
        if (ret_mask)
                *ret_mask = v->value;
        return true;
}

bool vcpu_config_has_cpreg(const VcpuConfig *c, uint64_t id) {
        return c && u64_sorted_contains(c->cpregs, c->n_cpregs, id);
}

bool vcpu_config_has_feature(const VcpuConfig *c, const char *feature) {
        if (!c || !feature)
                return false;
        for (size_t i = 0; i < c->n_features; i++)
                if (strcmp(c->features[i], feature) == 0)
                        return true;
        return false;
}

const VcpuConfig *profile_find_config_by_features(const Profile *p, uint32_t init_features0, bool mte) {
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n_configs; i++) {
                const VcpuConfig *c = &p->configs[i];
                if (!c->skipped && c->init_features0 == init_features0 &&
                    vcpu_config_has_feature(c, "mte_vm_cap") == mte)
                        return c;
        }
        return NULL;
}

const NamedInt *named_ints_find(const NamedInt *v, size_t n, const char *name) {
        NamedInt key = { .name = (char *) name };
        return v ? bsearch(&key, v, n, sizeof(*v), cmp_named_int) : NULL;
}

int64_t profile_get_cap(const Profile *p, const char *name, int64_t fallback) {
        const NamedInt *cap;
        char full[128];

        if (!p || !name)
                return fallback;
        cap = named_ints_find(p->caps, p->n_caps, name);
        if (!cap && strncmp(name, "KVM_CAP_", 8) != 0) {
                /* "ARM_SVE" and "KVM_CAP_ARM_SVE" name the same cap. */
                snprintf(full, sizeof(full), "KVM_CAP_%s", name);
                cap = named_ints_find(p->caps, p->n_caps, full);
        }
        return cap ? cap->value : fallback;
}

unsigned profile_kernel_version(const Profile *p) {
        unsigned long major, minor;
        char *end;

        if (!p || !p->kernel || p->kernel[0] < '0' || p->kernel[0] > '9')
                return 0;
        major = strtoul(p->kernel, &end, 10);
        if (*end != '.' || end[1] < '0' || end[1] > '9')
                return 0;
        minor = strtoul(end + 1, NULL, 10);
        if (major > 999 || minor > 999)
                return 0;
        return (unsigned) (major * 1000 + minor);
}


bool profile_has_qemu(const Profile *p) {
        return p && (p->qemu.version || p->qemu.has_load);
}

bool profile_qemu_load(const Profile *p, QemuLoad *ret) {
        QemuLoad load;

        if (!p || !ret)
                return false;
        if (p->qemu.has_load)
                load = p->qemu.load;
        else if (!p->qemu.version || qemu_load_from_version(p->qemu.version, &load) < 0)
                return false;
        *ret = load;
        return true;
}

void profile_qemu_done(ProfileQemu *q) {
        if (!q)
                return;
        free(q->emulator);
        free(q->version);
        free(q->package);
        *q = (ProfileQemu) {};
}

int profile_qemu_copy(const ProfileQemu *q, ProfileQemu *ret) {
        ProfileQemu copy;

        if (!q || !ret)
                return -EINVAL;
        copy = *q;
        copy.emulator = copy.version = copy.package = NULL;
        if ((q->emulator && !(copy.emulator = strdup(q->emulator))) || (q->version && !(copy.version = strdup(q->version))) ||
            (q->package && !(copy.package = strdup(q->package)))) {
                profile_qemu_done(&copy);
                return -ENOMEM;
        }
        *ret = copy;
        return 0;
}

int profile_set_qemu(Profile *p, const ProfileQemu *q) {
        ProfileQemu copy = {};

        if (!p)
                return -EINVAL;
        if (q && profile_qemu_copy(q, &copy) < 0)
                return -ENOMEM;
        profile_qemu_done(&p->qemu);
        p->qemu = copy;
        profile_update_digest(p);
        return 0;
}
