/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs inside a real arm64 kernel (tests/vm/run-vm-tests.sh boots it): for every
 * recorded source profile and like-for-like vCPU configuration, does to a fresh
 * vCPU of this kernel what QEMU's migration load does (target/arm/machine.c
 * cpu_post_load, then target/arm/kvm.c write_list_to_kvmstate) and prints what
 * happened as JSON: the count rule, the index walk, every KVM_SET_ONE_REG the
 * kernel refused (with its errno) and every accepted value it did not keep.
 *
 * Usage: kvmregs-replay DEST_LABEL PROFILE.json...
 * Exit status: 0 printed, 1 usage or /dev/kvm unusable, 2 a profile unreadable.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vm-util.h"
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <json-c/json.h>
#include <linux/kvm.h>

#define MAX_REGS 4096u

#ifndef KVM_CAP_ARM_WRITABLE_IMP_ID_REGS
#define KVM_CAP_ARM_WRITABLE_IMP_ID_REGS 239   /* Linux 6.15+ uapi */
#endif
#define MAX_DOCUMENT (16u * 1024u * 1024u)

/* The configurations replayed like-for-like: the source's exact vCPU features. */
static const char *const replayed_configs[] = {
        "base", "pmu", "sve", "ptrauth", "el1_32bit", "mte", "all",
        "pmu_sve", "pmu_ptrauth", "sve_ptrauth", "pmu_el1_32bit",   /* in profiles probed by these tests */
};

typedef struct Source {
        const char *label;
        json_object *doc;
} Source;

static bool reg_is_cpreg(uint64_t id) {
        uint64_t coproc = id & KVM_REG_ARM_COPROC_MASK;
        uint64_t size = id & KVM_REG_SIZE_MASK;

        /* QEMU migrates core and SVE state elsewhere, and only 32/64-bit cpregs. */
        if (coproc == KVM_REG_ARM_CORE || coproc == KVM_REG_ARM64_SVE)
                return false;
        return size == KVM_REG_SIZE_U32 || size == KVM_REG_SIZE_U64;
}

static json_object *hex_string(uint64_t v) {
        char buf[24];

        snprintf(buf, sizeof(buf), "0x%016" PRIx64, v);
        return json_object_new_string(buf);
}

static json_object *load_json(const char *path) {
        FILE *f = fopen(path, "re");
        char *buf;
        size_t n;
        json_object *o;

        if (!f)
                return NULL;
        buf = malloc(MAX_DOCUMENT + 1);
        if (!buf) {
                fclose(f);
                return NULL;
        }
        n = fread(buf, 1, MAX_DOCUMENT + 1, f);
        fclose(f);
        if (n > MAX_DOCUMENT) {
                free(buf);
                return NULL;
        }
        buf[n] = '\0';
        o = json_tokener_parse(buf);
        free(buf);
        return o;
}

static json_object *find_config(json_object *doc, const char *name) {
        json_object *configs;

        if (!json_object_object_get_ex(doc, "configs", &configs) || !json_object_is_type(configs, json_type_array))
                return NULL;
        for (size_t i = 0; i < json_object_array_length(configs); i++) {
                json_object *c = json_object_array_get_idx(configs, i), *n;
                if (json_object_object_get_ex(c, "name", &n) && strcmp(json_object_get_string(n), name) == 0)
                        return c;
        }
        return NULL;
}

/* The source's cpreg list: its recorded KVM_GET_REG_LIST, filtered and sorted as QEMU does. */
static int source_cpregs(json_object *config, uint64_t *ids, size_t *n) {
        json_object *list;

        *n = 0;
        if (!json_object_object_get_ex(config, "reg_list", &list) || !json_object_is_type(list, json_type_array))
                return -EINVAL;
        for (size_t i = 0; i < json_object_array_length(list); i++) {
                uint64_t id;
                if (!parse_hex(json_object_get_string(json_object_array_get_idx(list, i)), &id))
                        return -EINVAL;
                if (!reg_is_cpreg(id))
                        continue;
                if (*n >= MAX_REGS)
                        return -E2BIG;
                ids[(*n)++] = id;
        }
        qsort(ids, *n, sizeof(*ids), cmp_u64);
        return 0;
}

static bool source_value(json_object *config, uint64_t id, uint64_t *ret) {
        static const char *const sets[] = { "all_values", "id_regs", "fw_regs" };
        char key[24];

        snprintf(key, sizeof(key), "0x%016" PRIx64, id);
        for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
                json_object *set, *v;
                if (json_object_object_get_ex(config, sets[i], &set) && json_object_object_get_ex(set, key, &v))
                        return parse_hex(json_object_get_string(v), ret);
        }
        return false;
}

typedef struct Vcpu {
        int vm_fd, vcpu_fd;
} Vcpu;

static void vcpu_close(Vcpu *v) {
        if (v->vcpu_fd >= 0)
                close(v->vcpu_fd);
        if (v->vm_fd >= 0)
                close(v->vm_fd);
        v->vcpu_fd = v->vm_fd = -1;
}

static bool config_has_feature(json_object *config, const char *name) {
        json_object *features;

        if (!json_object_object_get_ex(config, "features", &features) || !json_object_is_type(features, json_type_array))
                return false;
        for (size_t i = 0; i < json_object_array_length(features); i++)
                if (strcmp(json_object_get_string(json_object_array_get_idx(features, i)), name) == 0)
                        return true;
        return false;
}

/* A fresh VM with one vCPU initialised with these features (and the MTE VM cap, as
 * QEMU enables it before creating vCPUs); a failing step is named in *ret_step. */
static int vcpu_open(int kvm_fd, uint32_t features0, bool mte, bool imp_id, Vcpu *ret, const char **ret_step) {
        struct kvm_vcpu_init init = {};
        Vcpu v = { -1, -1 };
        int r;

        v.vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
        if (v.vm_fd < 0) {
                /* Hosts whose IPA limit is below the default 40 bits need an explicit size. */
                int ipa = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE);
                if (ipa > 0)
                        v.vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, KVM_VM_TYPE_ARM_IPA_SIZE(ipa));
                if (v.vm_fd < 0) {
                        *ret_step = "KVM_CREATE_VM";
                        return -errno;
                }
        }
        if (mte) {
                struct kvm_enable_cap cap = { .cap = KVM_CAP_ARM_MTE };
                if (ioctl(v.vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
                        *ret_step = "KVM_ENABLE_CAP(KVM_CAP_ARM_MTE)";
                        r = -errno;
                        goto fail;
                }
        }
        if (imp_id) {
                /* What a VMM does that wants MIDR/REVIDR/AIDR writable (Linux 6.15+). */
                struct kvm_enable_cap cap = { .cap = KVM_CAP_ARM_WRITABLE_IMP_ID_REGS };
                if (ioctl(v.vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
                        *ret_step = "KVM_ENABLE_CAP(KVM_CAP_ARM_WRITABLE_IMP_ID_REGS)";
                        r = -errno;
                        goto fail;
                }
        }
        if (ioctl(v.vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0) {
                *ret_step = "KVM_ARM_PREFERRED_TARGET";
                r = -errno;
                goto fail;
        }
        v.vcpu_fd = ioctl(v.vm_fd, KVM_CREATE_VCPU, 0);
        if (v.vcpu_fd < 0) {
                *ret_step = "KVM_CREATE_VCPU";
                r = -errno;
                goto fail;
        }
        memset(init.features, 0, sizeof(init.features));
        init.features[0] = features0;
        if (ioctl(v.vcpu_fd, KVM_ARM_VCPU_INIT, &init) < 0) {
                *ret_step = "KVM_ARM_VCPU_INIT";
                r = -errno;
                goto fail;
        }
        if (features0 & (1u << KVM_ARM_VCPU_SVE)) {
                int what = KVM_ARM_VCPU_SVE;
                if (ioctl(v.vcpu_fd, KVM_ARM_VCPU_FINALIZE, &what) < 0) {
                        *ret_step = "KVM_ARM_VCPU_FINALIZE";
                        r = -errno;
                        goto fail;
                }
        }
        *ret = v;
        return 0;
fail:
        vcpu_close(&v);
        return r;
}

static int vcpu_cpregs(const Vcpu *v, uint64_t *ids, size_t *n) {
        struct kvm_reg_list probe = { .n = 0 }, *list;

        *n = 0;
        if (ioctl(v->vcpu_fd, KVM_GET_REG_LIST, &probe) >= 0 || errno != E2BIG)
                return -EIO;
        if (probe.n > MAX_REGS)
                return -E2BIG;
        list = calloc(1, sizeof(*list) + probe.n * sizeof(uint64_t));
        if (!list)
                return -ENOMEM;
        list->n = probe.n;
        if (ioctl(v->vcpu_fd, KVM_GET_REG_LIST, list) < 0) {
                int r = -errno;
                free(list);
                return r;
        }
        for (uint64_t i = 0; i < list->n; i++)
                if (reg_is_cpreg(list->reg[i]))
                        ids[(*n)++] = list->reg[i];
        free(list);
        qsort(ids, *n, sizeof(*ids), cmp_u64);
        return 0;
}

static int reg_get(const Vcpu *v, uint64_t id, uint64_t *ret) {
        uint64_t val = 0;
        uint32_t val32 = 0;
        struct kvm_one_reg r = { .id = id };

        r.addr = (id & KVM_REG_SIZE_MASK) == KVM_REG_SIZE_U32 ? (uintptr_t) &val32 : (uintptr_t) &val;
        if (ioctl(v->vcpu_fd, KVM_GET_ONE_REG, &r) < 0)
                return -errno;
        *ret = (id & KVM_REG_SIZE_MASK) == KVM_REG_SIZE_U32 ? val32 : val;
        return 0;
}

static int reg_set(const Vcpu *v, uint64_t id, uint64_t value) {
        uint64_t val = value;
        uint32_t val32 = (uint32_t) value;
        struct kvm_one_reg r = { .id = id };

        r.addr = (id & KVM_REG_SIZE_MASK) == KVM_REG_SIZE_U32 ? (uintptr_t) &val32 : (uintptr_t) &val;
        return ioctl(v->vcpu_fd, KVM_SET_ONE_REG, &r) < 0 ? -errno : 0;
}

/* KVM's timer registers (uapi KVM_REG_ARM_TIMER_* / KVM_REG_ARM_PTIMER_*): the counters
 * tick between write and read, and CTL's ISTATUS bit is computed from counter and
 * CVAL; neither says anything about whether the kernel kept a migrated value. */
#define TIMER_CNT  0x603000000013df1aULL   /* op0=3 op1=3 CRn=14 CRm=3 op2=2 */
#define TIMER_CTL  0x603000000013df19ULL
#define PTIMER_CNT 0x603000000013df01ULL
#define PTIMER_CTL 0x603000000013df11ULL
#define TIMER_CTL_ISTATUS (1ULL << 2)

static bool reg_is_counter(uint64_t id) {
        return id == TIMER_CNT || id == PTIMER_CNT;
}

static uint64_t reg_volatile_bits(uint64_t id) {
        return id == TIMER_CTL || id == PTIMER_CTL ? TIMER_CTL_ISTATUS : 0;
}

static bool contains(const uint64_t *ids, size_t n, uint64_t id) {
        return bsearch(&id, ids, n, sizeof(*ids), cmp_u64) != NULL;
}

static json_object *id_array(const uint64_t *ids, size_t n) {
        json_object *a = json_object_new_array();

        for (size_t i = 0; i < n; i++)
                json_object_array_add(a, hex_string(ids[i]));
        return a;
}

/* One (source configuration → this kernel) load, as QEMU would do it. */
static json_object *replay_one(int kvm_fd, const Source *src, const char *config_name, json_object *sc, bool imp_id) {
        static uint64_t src_ids[MAX_REGS], dst_ids[MAX_REGS], missing[MAX_REGS], dropped[MAX_REGS],
                dest_only[MAX_REGS], written[MAX_REGS], initial[MAX_REGS];
        static bool compare[MAX_REGS], have_initial[MAX_REGS];
        size_t n_src, n_dst, n_missing = 0, n_dropped = 0, n_dest_only = 0;
        json_object *out = json_object_new_object(), *f0, *refused, *not_kept;
        uint64_t features0 = 0;
        const char *step = NULL;
        Vcpu v = { -1, -1 };
        size_t i0;
        int r;

        json_object_object_add(out, "source", json_object_new_string(src->label));
        json_object_object_add(out, "config", json_object_new_string(config_name));
        if (!json_object_object_get_ex(sc, "init_features0", &f0) || !parse_hex(json_object_get_string(f0), &features0) ||
            source_cpregs(sc, src_ids, &n_src) < 0) {
                json_object_object_add(out, "error", json_object_new_string("source configuration unreadable"));
                return out;
        }
        json_object_object_add(out, "init_features0", hex_string(features0));
        bool mte = config_has_feature(sc, "mte_vm_cap");
        json_object_object_add(out, "mte", json_object_new_boolean(mte));

        if (imp_id)
                json_object_object_add(out, "imp_id_cap", json_object_new_boolean(true));
        r = vcpu_open(kvm_fd, (uint32_t) features0, mte, imp_id, &v, &step);
        if (r < 0) {
                char msg[128];
                snprintf(msg, sizeof(msg), "%s: %s", step, strerror(-r));
                json_object_object_add(out, "dest_unsupported", json_object_new_string(msg));
                return out;
        }
        r = vcpu_cpregs(&v, dst_ids, &n_dst);
        if (r < 0) {
                json_object_object_add(out, "error", json_object_new_string("KVM_GET_REG_LIST failed"));
                vcpu_close(&v);
                return out;
        }

        /* QEMU reads every register once the vCPU is reset (write_kvmstate_to_list), before the
         * stream arrives: a register only the destination has is written back with that value,
         * even when the source's ID values, written first, have hidden it meanwhile. */
        for (i0 = 0; i0 < n_dst; i0++)
                have_initial[i0] = reg_get(&v, dst_ids[i0], &initial[i0]) == 0;

        /* QEMU's vmstate: cpreg_vmstate_array_len must not exceed the destination's count. */
        json_object_object_add(out, "src_count", json_object_new_int64((int64_t) n_src));
        json_object_object_add(out, "dst_count", json_object_new_int64((int64_t) n_dst));
        json_object_object_add(out, "count_ok", json_object_new_boolean(n_src <= n_dst));

        /* cpu_post_load: both lists sorted; a source register the destination lacks fails
         * the load, the walk ends with the destination's list, so source registers above
         * its highest id are never looked at. All of them are recorded here, not only the first. */
        size_t i = 0, s = 0;
        for (; i < n_dst && s < n_src; ) {
                if (src_ids[s] > dst_ids[i]) {
                        dest_only[n_dest_only++] = dst_ids[i++];
                } else if (src_ids[s] < dst_ids[i]) {
                        missing[n_missing++] = src_ids[s++];
                } else {
                        i++;
                        s++;
                }
        }
        for (; i < n_dst; i++)
                dest_only[n_dest_only++] = dst_ids[i];
        for (; s < n_src; s++)
                dropped[n_dropped++] = src_ids[s];
        json_object_object_add(out, "index_ok", json_object_new_boolean(n_missing == 0));
        json_object_object_add(out, "missing", id_array(missing, n_missing));
        json_object_object_add(out, "dropped", id_array(dropped, n_dropped));
        json_object_object_add(out, "dest_only", id_array(dest_only, n_dest_only));

        /* write_list_to_kvmstate: every destination cpreg in ascending order, the
         * source's value where it sent one, else the destination's own reset value. */
        refused = json_object_new_object();
        not_kept = json_object_new_object();
        size_t n_refused = 0, n_not_kept = 0, n_from_source = 0;
        for (i = 0; i < n_dst; i++) {
                uint64_t value;
                char key[24];

                if (!(contains(src_ids, n_src, dst_ids[i]) && source_value(sc, dst_ids[i], &value))) {
                        compare[i] = false;
                        if (!have_initial[i])
                                continue;
                        value = initial[i];
                } else
                        n_from_source++;
                written[i] = value;
                compare[i] = true;
                r = reg_set(&v, dst_ids[i], value);
                if (r < 0) {
                        json_object *e = json_object_new_object();
                        snprintf(key, sizeof(key), "0x%016" PRIx64, dst_ids[i]);
                        json_object_object_add(e, "value", hex_string(value));
                        json_object_object_add(e, "errno", json_object_new_int(-r));
                        json_object_object_add(e, "error", json_object_new_string(strerror(-r)));
                        json_object_object_add(refused, key, e);
                        n_refused++;
                        compare[i] = false;
                }
        }
        /* Read back once all writes are done: that is the state the guest resumes with. */
        for (i = 0; i < n_dst; i++) {
                uint64_t value, want;
                char key[24];

                if (!compare[i] || reg_is_counter(dst_ids[i]))
                        continue;
                snprintf(key, sizeof(key), "0x%016" PRIx64, dst_ids[i]);
                want = written[i];
                if (reg_get(&v, dst_ids[i], &value) < 0 ||
                    (value & ~reg_volatile_bits(dst_ids[i])) == (want & ~reg_volatile_bits(dst_ids[i])))
                        continue;
                json_object *e = json_object_new_object();
                json_object_object_add(e, "written", hex_string(want));
                json_object_object_add(e, "read", hex_string(value));
                json_object_object_add(e, "from_source", json_object_new_boolean(contains(src_ids, n_src, dst_ids[i])));
                json_object_object_add(not_kept, key, e);
                n_not_kept++;
        }
        json_object_object_add(out, "writes", json_object_new_int64((int64_t) n_dst));
        json_object_object_add(out, "writes_from_source", json_object_new_int64((int64_t) n_from_source));
        json_object_object_add(out, "refused", refused);
        json_object_object_add(out, "not_kept", not_kept);
        json_object_object_add(out, "loads", json_object_new_boolean(n_src <= n_dst && n_missing == 0 && n_refused == 0));
        (void) n_not_kept;
        vcpu_close(&v);
        return out;
}

int main(int argc, char **argv) {
        json_object *top, *pairs, *imp_id_pairs = NULL;
        struct utsname u;
        int kvm_fd;

        if (argc < 3) {
                fprintf(stderr, "usage: %s DEST_LABEL PROFILE.json...\n", argv[0]);
                return 1;
        }
        kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
        if (kvm_fd < 0) {
                fprintf(stderr, "replay: /dev/kvm: %s\n", strerror(errno));
                return 1;
        }

        top = json_object_new_object();
        pairs = json_object_new_array();
        /* Kernels that can make MIDR/REVIDR/AIDR writable: the same loads once more with that on. */
        if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_WRITABLE_IMP_ID_REGS) > 0)
                imp_id_pairs = json_object_new_array();
        uname(&u);
        json_object_object_add(top, "dest", json_object_new_string(argv[1]));
        json_object_object_add(top, "dest_kernel", json_object_new_string(u.release));
        json_object_object_add(top, "dest_kernel_version", json_object_new_string(u.version));

        for (int a = 2; a < argc; a++) {
                Source src = { .doc = load_json(argv[a]) };
                json_object *label;

                if (!src.doc || !json_object_object_get_ex(src.doc, "label", &label)) {
                        fprintf(stderr, "replay: %s: not a profile\n", argv[a]);
                        return 2;
                }
                src.label = json_object_get_string(label);
                for (size_t c = 0; c < sizeof(replayed_configs) / sizeof(replayed_configs[0]); c++) {
                        json_object *sc = find_config(src.doc, replayed_configs[c]);
                        if (!sc || json_object_object_get_ex(sc, "skipped", NULL))
                                continue;
                        json_object_array_add(pairs, replay_one(kvm_fd, &src, replayed_configs[c], sc, false));
                        if (imp_id_pairs)
                                json_object_array_add(imp_id_pairs, replay_one(kvm_fd, &src, replayed_configs[c], sc, true));
                }
                json_object_put(src.doc);
        }
        json_object_object_add(top, "pairs", pairs);
        if (imp_id_pairs)
                json_object_object_add(top, "pairs_writable_imp_id_regs", imp_id_pairs);
        puts(json_object_to_json_string_ext(top, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(top);
        close(kvm_fd);
        return 0;
}
