/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The profile parser against the real recordings in tests/data (facts from
 * ../shared/docs/arm64-kvm-lab.md), the writer's round trip, the digest, guest
 * records, and every bad input in tests/data/bad plus generated ones.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "json-doc.h"
#include "profile.h"
#include "regnames.h"
#include "sha256.h"
#include "profile-equal.h"
#include "testutil.h"
#include "util.h"

static const char *const real_files[] = {
        "5.10-cortex-a72.json",
        "6.1-cortex-a57.json", "6.1-cortex-a72.json", "6.1-max.json", "6.1-neoverse-n1.json",
        "6.12-cortex-a57.json", "6.12-cortex-a72.json", "6.12-max.json", "6.12-neoverse-n1.json",
        "7.2-cortex-a72.json", "7.2-max.json",
};

#define REG_ID_DCZID_EL0     SYSREG_ID(3, 3, 0, 0, 7)
#define REG_ID_ZCR_EL1       SYSREG_ID(3, 0, 1, 2, 0)
#define REG_ID_TCR2_EL1      SYSREG_ID(3, 0, 2, 0, 3)
#define REG_ID_PIRE0_EL1     SYSREG_ID(3, 0, 10, 2, 2)
#define REG_ID_PIR_EL1       SYSREG_ID(3, 0, 10, 2, 3)
#define REG_ID_CNTPCT_EL0    SYSREG_ID(3, 3, 14, 0, 1)
#define REG_ID_CNTP_CTL_EL0  SYSREG_ID(3, 3, 14, 2, 1)
#define REG_ID_CNTP_CVAL_EL0 SYSREG_ID(3, 3, 14, 2, 2)
#define REG_ID_SCTLR_EL1     SYSREG_ID(3, 0, 1, 0, 0)

static Profile *load(const char *name) {
        Profile *p = NULL;
        ProfileError e;
        int r = profile_load(test_data(name), &p, &e);

        if (r < 0)
                fprintf(stderr, "%s: %d at \"%s\": %s\n", name, r, e.path, e.message);
        CHECK_INT(r, 0);
        return p;
}

static char *read_text(const char *path, size_t *ret_size) {
        FILE *f = fopen(path, "re");
        char *buf;
        long n;

        if (!f)
                return NULL;
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        rewind(f);
        buf = malloc((size_t) n + 1);
        if (buf && fread(buf, 1, (size_t) n, f) != (size_t) n) {
                free(buf);
                buf = NULL;
        }
        if (buf)
                buf[n] = '\0';
        fclose(f);
        if (ret_size)
                *ret_size = (size_t) n;
        return buf;
}

static int parse_string(const char *s, Profile **ret, ProfileError *e) {
        return profile_parse(s, strlen(s), ret, e);
}

/* Parses a json-c document as text; the error is returned through e. */
static int parse_object(json_object *o, Profile **ret, ProfileError *e) {
        return parse_string(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), ret, e);
}

/* The register-id set difference a \ b of two sorted-or-not lists, sorted. */
static size_t reg_difference(const uint64_t *a, size_t na, const uint64_t *b, size_t nb, uint64_t *out) {
        size_t n = 0;
        for (size_t i = 0; i < na; i++) {
                bool found = false;
                for (size_t j = 0; j < nb && !found; j++)
                        found = a[i] == b[j];
                if (!found)
                        out[n++] = a[i];
        }
        return n;
}

static bool contains(const uint64_t *v, size_t n, uint64_t id) {
        for (size_t i = 0; i < n; i++)
                if (v[i] == id)
                        return true;
        return false;
}

/* ---- SHA-256 ---- */

static void sha256_string(const void *data, size_t size, char hex[65]) {
        uint8_t d[32];
        Sha256 s;
        sha256_init(&s);
        sha256_update(&s, data, size);
        sha256_final(&s, d);
        sha256_hex(d, hex);
}

static void test_sha256(void) {
        char hex[65];
        uint8_t d[32];
        Sha256 s;
        static char million[1000000];

        /* FIPS 180-2, appendix B, and the empty message. */
        sha256_string("abc", 3, hex);
        CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        sha256_string("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
        CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        memset(million, 'a', sizeof(million));
        sha256_string(million, sizeof(million), hex);
        CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
        sha256_string("", 0, hex);
        CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

        /* Fed in uneven pieces across block boundaries, the million 'a' hash the same. */
        sha256_init(&s);
        for (size_t off = 0, step = 1; off < sizeof(million); off += step, step = step * 7 % 131 + 1)
                sha256_update(&s, million + off, off + step > sizeof(million) ? sizeof(million) - off : step);
        sha256_final(&s, d);
        sha256_hex(d, hex);
        CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

        /* 55, 56 and 64 bytes: the padding edge cases. */
        sha256_string(million, 55, hex);
        CHECK_STR(hex, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
        sha256_string(million, 56, hex);
        CHECK_STR(hex, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
        sha256_string(million, 64, hex);
        CHECK_STR(hex, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

/* ---- the real recordings ---- */

static unsigned file_kernel(const char *name) {
        unsigned major = 0, minor = 0;
        sscanf(name, "%u.%u-", &major, &minor);
        return major * 1000 + minor;
}

static void check_config_invariants(const char *file, const VcpuConfig *c) {
        int failures_before = test_failures;
        size_t dropped = 0;

        for (size_t i = 0; i < c->n_reg_list; i++) {
                RegClass k = reg_id_class(c->reg_list[i]);
                CHECK(k != REG_CLASS_UNKNOWN);
                if (k == REG_CLASS_CORE || k == REG_CLASS_SVE) {
                        dropped++;
                        CHECK(!vcpu_config_has_cpreg(c, c->reg_list[i]));
                } else
                        CHECK(vcpu_config_has_cpreg(c, c->reg_list[i]));
        }
        /* QEMU's list: the kernel's, sorted, core and SVE left out. */
        CHECK_INT(c->n_cpregs, c->n_reg_list - dropped);
        for (size_t i = 0; i < c->n_cpregs; i++) {
                RegClass k = reg_id_class(c->cpregs[i]);
                CHECK(k != REG_CLASS_CORE && k != REG_CLASS_SVE);
                if (i > 0)
                        CHECK(c->cpregs[i - 1] < c->cpregs[i]);
        }
        for (size_t i = 1; i < c->n_values; i++)
                CHECK(c->values[i - 1].id < c->values[i].id);
        for (size_t i = 0; i < c->n_id_regs; i++) {
                uint64_t v;
                CHECK(vcpu_config_get_value(c, c->id_regs[i].id, &v) && v == c->id_regs[i].value);
        }
        for (size_t i = 0; i < c->n_fw_regs; i++) {
                uint64_t v;
                CHECK(vcpu_config_get_value(c, c->fw_regs[i].id, &v) && v == c->fw_regs[i].value);
                CHECK(reg_id_class(c->fw_regs[i].id) == REG_CLASS_FW ||
                      reg_id_class(c->fw_regs[i].id) == REG_CLASS_FW_FEAT_BMAP);
        }
        /* all_values holds every U32/U64 register of the list; the 128-bit V registers have none. */
        for (size_t i = 0; i < c->n_reg_list; i++) {
                unsigned size = reg_id_size(c->reg_list[i]);
                CHECK(vcpu_config_get_value(c, c->reg_list[i], NULL) == (size == 4 || size == 8));
        }
        CHECK(!c->is_record);
        CHECK(vcpu_config_has_cpreg(c, REG_ID_MIDR_EL1));
        CHECK(!vcpu_config_has_cpreg(c, REG_ID_DCZID_EL0));
        if (test_failures != failures_before)
                fprintf(stderr, "  (in %s, configuration %s)\n", file, c->name);
}

static void test_real_files(void) {
        for (size_t f = 0; f < ELEMENTSOF(real_files); f++) {
                _cleanup_(profile_freep) Profile *p = load(real_files[f]);
                unsigned kv = file_kernel(real_files[f]);
                const VcpuConfig *base, *pmu, *el1, *all, *vgic;
                uint64_t v;

                if (!p)
                        continue;
                CHECK_INT(p->format_version, 1);
                CHECK_INT(profile_kernel_version(p), kv);
                CHECK_STR(p->machine, "aarch64");
                CHECK_STR(p->kvm_mode, "nvhe");  /* every recording here is nVHE (README table) */
                CHECK_INT(strlen(p->digest), PROFILE_DIGEST_HEX);
                CHECK_INT(p->n_configs, 8);
                for (size_t i = 1; i < p->n_caps; i++)
                        CHECK(strcmp(p->caps[i - 1].name, p->caps[i].name) < 0);

                base = profile_get_config(p, "base");
                pmu = profile_get_config(p, "pmu");
                el1 = profile_get_config(p, "el1_32bit");
                all = profile_get_config(p, "all");
                vgic = profile_get_config(p, "all_vgic3");
                CHECK(base && pmu && all && vgic);
                if (!base || !pmu || !all || !vgic)
                        continue;
                CHECK(!base->skipped);
                CHECK(p->has_midr);
                CHECK(vcpu_config_get_value(base, REG_ID_MIDR_EL1, &v) && v == p->midr);

                for (size_t i = 0; i < p->n_configs; i++)
                        if (!p->configs[i].skipped)
                                check_config_invariants(real_files[f], &p->configs[i]);

                /* Base list per kernel: 242 on 6.1, 259 on 6.12 (lab doc); 312 on 5.10 and 257 on 7.2 as recorded. */
                CHECK_INT(base->n_reg_list, kv == 6001 ? 242 : kv == 6012 ? 259 : kv == 5010 ? 312 : 257);
                /* PMU adds 74, except on 5.10, which lists them without a PMU too. */
                CHECK_INT(pmu->n_reg_list, base->n_reg_list + (kv == 5010 ? 0 : 74));
                /* 32-bit EL1 and an in-kernel GICv3 add nothing. */
                if (el1 && !el1->skipped) {
                        CHECK_INT(el1->n_reg_list, base->n_reg_list);
                        CHECK(memcmp(el1->reg_list, base->reg_list, base->n_reg_list * sizeof(uint64_t)) == 0);
                }
                CHECK_INT(vgic->n_cpregs, all->n_cpregs);
                CHECK(memcmp(vgic->cpregs, all->cpregs, all->n_cpregs * sizeof(uint64_t)) == 0);

                /* Masks from 6.12 on (KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES); MIDR/MPIDR/REVIDR/AIDR not
                 * writable on 6.12, while 7.2's answer claims MIDR is. */
                CHECK_INT(base->has_masks, kv >= 6012);
                CHECK_INT(profile_get_cap(p, "KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES", -1), kv >= 6012);
                if (kv == 6012) {
                        uint64_t m = 0;
                        CHECK(!vcpu_config_get_mask(base, REG_ID_MIDR_EL1, &m) || m == 0);
                        CHECK(!vcpu_config_get_mask(base, REG_ID_MPIDR_EL1, &m) || m == 0);
                        CHECK(!vcpu_config_get_mask(base, REG_ID_REVIDR_EL1, &m) || m == 0);
                        CHECK(!vcpu_config_get_mask(base, REG_ID_AIDR_EL1, &m) || m == 0);
                        CHECK(vcpu_config_get_mask(base, REG_ID_CTR_EL0, &m) && m != 0);
                        CHECK(vcpu_config_get_mask(base, REG_ID_CLIDR_EL1, &m) && m != 0);
                }
                if (kv == 7002) {
                        uint64_t m = 0;
                        CHECK(vcpu_config_get_mask(base, REG_ID_MIDR_EL1, &m) && m == 0xffffffff);
                        CHECK(p->n_imp_id_masks > 0);
                } else
                        CHECK_INT(p->n_imp_id_masks, 0);

                /* PSCI_VERSION: 5.10 1.0, 6.1/6.12 1.1, 7.2 1.3. */
                CHECK(vcpu_config_get_value(base, REG_ID_PSCI_VERSION, &v));
                CHECK_INT(v, kv == 5010 ? 0x10000 : kv == 7002 ? 0x10003 : 0x10001);
                CHECK_INT(vcpu_config_has_cpreg(base, REG_ID_VENDOR_HYP_BMAP_2), kv >= 7002);

                /* SVE adds 51 registers (ZCR_EL1 and 50 SVE-class ones) and removes the 32 V registers;
                 * pointer auth adds the 10 key registers. Only -cpu max offers both. */
                if (profile_get_cap(p, "KVM_CAP_ARM_SVE", 0)) {
                        const VcpuConfig *sve = profile_get_config(p, "sve");
                        const VcpuConfig *pa = profile_get_config(p, "ptrauth");
                        uint64_t diff[512];
                        size_t n, n_sve = 0;

                        CHECK(strstr(real_files[f], "max") != NULL);
                        CHECK(sve && !sve->skipped && sve->has_sve_vls && pa && !pa->skipped);
                        if (!sve || sve->skipped || !pa || pa->skipped)
                                continue;
                        n = reg_difference(sve->reg_list, sve->n_reg_list, base->reg_list, base->n_reg_list, diff);
                        CHECK_INT(n, 51);
                        for (size_t i = 0; i < n; i++)
                                n_sve += reg_id_class(diff[i]) == REG_CLASS_SVE;
                        CHECK_INT(n_sve, 50);
                        CHECK(contains(diff, n, REG_ID_ZCR_EL1));
                        n = reg_difference(base->reg_list, base->n_reg_list, sve->reg_list, sve->n_reg_list, diff);
                        CHECK_INT(n, 32);
                        for (size_t i = 0; i < n; i++)
                                CHECK(reg_id_class(diff[i]) == REG_CLASS_CORE && reg_id_size(diff[i]) == 16);
                        /* Of those 51 only ZCR_EL1 reaches QEMU's list. */
                        CHECK_INT(sve->n_cpregs, base->n_cpregs + 1);

                        n = reg_difference(pa->reg_list, pa->n_reg_list, base->reg_list, base->n_reg_list, diff);
                        CHECK_INT(n, 10);
                        for (size_t i = 0; i < n; i++)
                                /* AP{IA,IB,DA,DB}KEY{LO,HI}_EL1: CRm 1 and 2; APGAKEY{LO,HI}_EL1: CRm 3, op2 0-1. */
                                CHECK((diff[i] & ~0x7ULL) == SYSREG_ID(3, 0, 2, 1, 0) ||
                                      (diff[i] & ~0x7ULL) == SYSREG_ID(3, 0, 2, 2, 0) ||
                                      (diff[i] & ~0x1ULL) == SYSREG_ID(3, 0, 2, 3, 0));
                        CHECK(profile_find_config_by_features(p, 0x7c, false) == all);
                        CHECK(profile_find_config_by_features(p, 0x14, false) == sve);
                } else {
                        CHECK(profile_get_config(p, "sve")->skipped != NULL);
                        CHECK(profile_find_config_by_features(p, 0x14, false) == NULL);
                }

                /* MTE was never offered: no configuration for it. */
                CHECK(profile_find_config_by_features(p, 0x4, true) == NULL);
                CHECK(profile_find_config_by_features(p, 0x4, false) == base);
                CHECK(profile_find_config_by_features(p, 0xc, false) == pmu);
                CHECK(vcpu_config_has_feature(vgic, "vgic_v3_device"));
                CHECK(!vcpu_config_has_feature(base, "pmu_v3"));
                CHECK(vcpu_config_has_feature(pmu, "pmu_v3"));
        }
}

/* Facts across files: kernels, CPU models. */
static void test_cross_file_facts(void) {
        _cleanup_(profile_freep) Profile *a61 = load("6.1-cortex-a72.json");
        _cleanup_(profile_freep) Profile *a612 = load("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *n612 = load("6.12-neoverse-n1.json");
        _cleanup_(profile_freep) Profile *max61 = load("6.1-max.json");
        _cleanup_(profile_freep) Profile *max612 = load("6.12-max.json");
        const VcpuConfig *b61, *b612;
        uint64_t diff[64], v;
        size_t n, n_demux = 0;

        if (!a61 || !a612 || !n612 || !max61 || !max612)
                return;
        b61 = profile_get_config(a61, "base");
        b612 = profile_get_config(a612, "base");

        /* 6.1 → 6.12 adds 17, removes none: 11 CCSIDR entries, TCR2, PIRE0, PIR and three physical-timer registers. */
        n = reg_difference(b612->reg_list, b612->n_reg_list, b61->reg_list, b61->n_reg_list, diff);
        CHECK_INT(n, 17);
        for (size_t i = 0; i < n; i++)
                n_demux += reg_id_class(diff[i]) == REG_CLASS_DEMUX;
        CHECK_INT(n_demux, 11);
        CHECK(contains(diff, n, REG_ID_TCR2_EL1));
        CHECK(contains(diff, n, REG_ID_PIRE0_EL1));
        CHECK(contains(diff, n, REG_ID_PIR_EL1));
        CHECK(contains(diff, n, REG_ID_CNTPCT_EL0));
        CHECK(contains(diff, n, REG_ID_CNTP_CTL_EL0));
        CHECK(contains(diff, n, REG_ID_CNTP_CVAL_EL0));
        CHECK_INT(reg_difference(b61->reg_list, b61->n_reg_list, b612->reg_list, b612->n_reg_list, diff), 0);
        CHECK_INT(b612->n_cpregs, b61->n_cpregs + 17);

        /* One kernel, one feature set: the same list, in the same order, whatever the CPU model. */
        CHECK_INT(profile_get_config(n612, "base")->n_reg_list, b612->n_reg_list);
        CHECK(memcmp(profile_get_config(n612, "base")->reg_list, b612->reg_list,
                      b612->n_reg_list * sizeof(uint64_t)) == 0);
        /* ...but not the same values: MIDR follows the model. */
        CHECK(a612->midr != n612->midr);

        /* 6.1 caps ID_AA64DFR0_EL1.DebugVer at 6; 6.12 passes -cpu max's 8 or 9. */
        CHECK(vcpu_config_get_value(profile_get_config(max61, "base"), REG_ID_ID_AA64DFR0_EL1, &v));
        CHECK_INT(v & 0xf, 6);
        CHECK(vcpu_config_get_value(profile_get_config(max612, "base"), REG_ID_ID_AA64DFR0_EL1, &v));
        CHECK((v & 0xf) == 8 || (v & 0xf) == 9);

        /* Same kernel and model recorded twice is not on hand, but different models never share a digest. */
        CHECK(strcmp(a612->digest, n612->digest) != 0);
        CHECK(strcmp(a61->digest, a612->digest) != 0);
        CHECK_INT(profile_get_cap(a612, "ARM_VM_IPA_SIZE", -1), profile_get_cap(a612, "KVM_CAP_ARM_VM_IPA_SIZE", -2));
        CHECK_INT(profile_get_cap(a612, "KVM_CAP_NO_SUCH_THING", -7), -7);
        CHECK(profile_get_config(a612, "nonexistent") == NULL);
        CHECK_INT(profile_kernel_version(NULL), 0);
}

/* ---- writer and round trip ---- */


static void test_round_trip(void) {
        for (size_t f = 0; f < ELEMENTSOF(real_files); f++) {
                _cleanup_(profile_freep) Profile *p = load(real_files[f]);

                if (!p)
                        continue;
                for (int pretty = 0; pretty <= 1; pretty++) {
                        _cleanup_(profile_freep) Profile *q = NULL;
                        _cleanup_free_ char *s = profile_to_json(p, pretty);
                        _cleanup_free_ char *again = NULL;
                        ProfileError e;

                        CHECK(s != NULL);
                        if (!s)
                                continue;
                        CHECK_INT(parse_string(s, &q, &e), 0);
                        if (!q)
                                continue;
                        CHECK(test_profiles_equal(p, q));
                        CHECK_STR(q->digest, p->digest);
                        /* Writing what was read back gives the same text. */
                        again = profile_to_json(q, pretty);
                        CHECK_STR(again, s);
                        /* All 64-bit numbers as 0x + 16 digits. */
                        CHECK(strstr(s, "\"0x603000000013c000\"") != NULL);
                        CHECK(strstr(s, pretty ? "\"init_features0\": \"0x0000000000000004\""
                                               : "\"init_features0\":\"0x0000000000000004\"") != NULL);
                }
        }
}

/* ---- digest ---- */

/* Loads a real file as a json-c tree to change it. */
static json_object *load_tree(const char *name) {
        _cleanup_free_ char *text = read_text(test_data(name), NULL);
        json_object *o = text ? json_tokener_parse(text) : NULL;
        CHECK(o != NULL);
        return o;
}

static json_object *tree_config(json_object *root, size_t i) {
        json_object *configs;
        json_object_object_get_ex(root, "configs", &configs);
        return json_object_array_get_idx(configs, i);
}

static void tree_set_value(json_object *config, const char *map, uint64_t id, uint64_t value) {
        json_object *m;
        char key[32], val[32];
        snprintf(key, sizeof(key), "0x%016" PRIx64, id);
        snprintf(val, sizeof(val), "0x%016" PRIx64, value);
        CHECK(json_object_object_get_ex(config, map, &m));
        json_object_object_add(m, key, json_object_new_string(val));
}

static void digest_of_tree(json_object *root, char digest[PROFILE_DIGEST_HEX + 1]) {
        _cleanup_(profile_freep) Profile *p = NULL;
        ProfileError e;

        digest[0] = '\0';
        CHECK_INT(parse_object(root, &p, &e), 0);
        if (p)
                memcpy(digest, p->digest, PROFILE_DIGEST_HEX + 1);
}

static void test_digest(void) {
        json_object *root = load_tree("6.12-cortex-a72.json");
        json_object *host;
        char original[PROFILE_DIGEST_HEX + 1], d[PROFILE_DIGEST_HEX + 1];
        uint64_t sctlr, dfr0;
        _cleanup_(profile_freep) Profile *p = load("6.12-cortex-a72.json");

        if (!root || !p)
                return;
        memcpy(original, p->digest, sizeof(original));
        digest_of_tree(root, d);
        CHECK_STR(d, original);

        /* Another host of the same kind: other name, machine id, label, kernel build and ABI number. */
        host = json_object_new_object();
        json_object_object_add(host, "hostname", json_object_new_string("other-host"));
        json_object_object_add(host, "machine_id", json_object_new_string("0123456789abcdef0123456789abcdef"));
        json_object_object_add(root, "host", host);
        json_object_object_add(root, "label", json_object_new_string("renamed"));
        json_object_object_add(root, "kernel_version", json_object_new_string("#1 SMP Debian 6.12.999-1 (2027-01-01)"));
        json_object_object_add(root, "kernel", json_object_new_string("6.12.999+deb12-arm64"));
        json_object_object_del(root, "qemu");
        json_object_object_add(host, "kvm_mode", json_object_new_string("nvhe"));
        /* A cap that does not matter to migration, and an ordinary register's reset value. */
        json_object_object_add(json_object_object_get(root, "caps"), "KVM_CAP_STEAL_TIME", json_object_new_int(0));
        CHECK(vcpu_config_get_value(profile_get_config(p, "base"), REG_ID_SCTLR_EL1, &sctlr));
        tree_set_value(tree_config(root, 0), "all_values", REG_ID_SCTLR_EL1, sctlr ^ 0x1);
        digest_of_tree(root, d);
        CHECK_STR(d, original);

        /* One ID value changed (in both maps, as a recording has it): another digest. */
        CHECK(vcpu_config_get_value(profile_get_config(p, "base"), REG_ID_ID_AA64DFR0_EL1, &dfr0));
        tree_set_value(tree_config(root, 0), "all_values", REG_ID_ID_AA64DFR0_EL1, dfr0 - 1);
        tree_set_value(tree_config(root, 0), "id_regs", REG_ID_ID_AA64DFR0_EL1, dfr0 - 1);
        digest_of_tree(root, d);
        CHECK(strcmp(d, original) != 0);
        tree_set_value(tree_config(root, 0), "all_values", REG_ID_ID_AA64DFR0_EL1, dfr0);
        tree_set_value(tree_config(root, 0), "id_regs", REG_ID_ID_AA64DFR0_EL1, dfr0);
        digest_of_tree(root, d);
        CHECK_STR(d, original);

        /* A writable mask, the KVM mode, a migration cap, the kernel series: each matters. */
        tree_set_value(tree_config(root, 0), "writable_masks", REG_ID_ID_AA64DFR0_EL1, 0);
        digest_of_tree(root, d);
        CHECK(strcmp(d, original) != 0);
        json_object_put(root);

        root = load_tree("6.12-cortex-a72.json");
        json_object_object_add(root, "host", json_object_new_object());
        json_object_object_add(json_object_object_get(root, "host"), "kvm_mode", json_object_new_string("vhe"));
        digest_of_tree(root, d);
        CHECK(strcmp(d, original) != 0);
        json_object_put(root);

        root = load_tree("6.12-cortex-a72.json");
        json_object_object_add(json_object_object_get(root, "caps"), "KVM_CAP_ARM_SVE", json_object_new_int(1));
        digest_of_tree(root, d);
        CHECK(strcmp(d, original) != 0);
        json_object_put(root);

        root = load_tree("6.12-cortex-a72.json");
        json_object_object_add(root, "kernel", json_object_new_string("6.13.0-1-arm64"));
        digest_of_tree(root, d);
        CHECK(strcmp(d, original) != 0);
        json_object_put(root);

        /* A register more in one configuration's list. */
        root = load_tree("6.12-cortex-a72.json");
        json_object_array_add(json_object_object_get(tree_config(root, 0), "reg_list"),
                              json_object_new_string("0x603000000013c7ff"));
        json_object_object_add(tree_config(root, 0), "reg_count",
                               json_object_new_int((int) json_object_array_length(
                                       json_object_object_get(tree_config(root, 0), "reg_list"))));
        digest_of_tree(root, d);
        CHECK(strcmp(d, original) != 0);
        json_object_put(root);
}

static char *minimal_with(const char *from, const char *to);

/* The digest is the SHA-256 of the canonical text docs/profile-format.md defines. */
static const char minimal_profile[] =
        "{\"probe_version\": 1, \"label\": \"mini\", \"kernel\": \"6.12.117+deb12-arm64\", \"api\": 12,"
        " \"host\": {\"hostname\": \"h1\", \"kvm_mode\": \"vhe\"},"
        " \"caps\": {\"KVM_CAP_ARM_SVE\": 0, \"KVM_CAP_ARM_PMU_V3\": 1, \"KVM_CAP_STEAL_TIME\": 1},"
        " \"configs\": ["
        "  {\"name\": \"pmu\", \"features\": [\"pmu_v3\", \"psci_0_2\"], \"init_features0\": \"0xc\","
        "   \"reg_list\": [\"0x6030000000140000\", \"0x6030000000100000\", \"0x603000000013c000\", \"0x603000000013dce0\"],"
        "   \"id_regs\": {\"0x603000000013c000\": \"0x410fd083\"}, \"fw_regs\": {\"0x6030000000140000\": \"0x10001\"},"
        "   \"writable_masks\": {\"0x603000000013c000\": \"0x0\"},"
        "   \"all_values\": {\"0x6030000000100000\": \"0x5\", \"0x603000000013dce0\": \"0x41002000\"}},"
        "  {\"name\": \"base\", \"features\": [\"psci_0_2\"], \"skipped\": \"for the test\"}"
        " ]}";

static void test_digest_definition(void) {
        _cleanup_(profile_freep) Profile *p = NULL;
        ProfileError e;
        char expected[65];
        static const char canonical[] =
                "kvmregs-profile-digest 1\n"
                "kernel 6.12\n"
                "kvm_mode vhe\n"
                "cap KVM_CAP_ARM_PMU_V3 1\n"
                "cap KVM_CAP_ARM_SVE 0\n"
                "config pmu\n"
                "feature pmu_v3\n"
                "feature psci_0_2\n"
                "init_features0 0x0000000c\n"
                "cpreg 0x603000000013c000\n"
                "cpreg 0x603000000013dce0\n"
                "cpreg 0x6030000000140000\n"
                "id 0x603000000013c000 0x00000000410fd083\n"
                "fw 0x6030000000140000 0x0000000000010001\n"
                "masks\n"
                "mask 0x603000000013c000 0x0000000000000000\n"
                "end\n";

        CHECK_INT(parse_string(minimal_profile, &p, &e), 0);
        if (!p)
                return;
        sha256_string(canonical, strlen(canonical), expected);
        CHECK_STR(p->digest, expected);
        CHECK(p->has_midr && p->midr == 0x410fd083);
        CHECK_STR(p->kvm_mode, "vhe");
        CHECK_STR(p->hostname, "h1");
        CHECK_INT(p->configs[0].n_cpregs, 3);
        CHECK_INT(p->configs[0].n_values, 4);
        CHECK_INT(profile_get_cap(p, "ARM_PMU_V3", -1), 1);
        CHECK_STR(p->caps[0].name, "KVM_CAP_ARM_PMU_V3");
}

/* Where the KVM mode comes from: host.kvm_mode, else the kernel's boot message, else the mode asked for. */
static void test_kvm_mode(void) {
        static const struct {
                const char *host_and_qemu;
                const char *mode;
        } cases[] = {
                { "\"host\": {\"kvm_mode\": \"protected\"}, \"qemu\": {\"kvm_init\": \"VHE mode initialized successfully\"},",
                  "protected" },
                { "\"qemu\": {\"kvm_arm_mode\": \"nvhe\", \"kvm_init\": \"VHE mode initialized successfully\"},", "vhe" },
                { "\"qemu\": {\"kvm_init\": \"Protected nVHE mode initialized successfully\"},", "protected" },
                { "\"qemu\": {\"kvm_arm_mode\": \"nvhe\", \"kvm_init\": \"Hyp mode initialized successfully\"},", "nvhe" },
                { "\"qemu\": {\"kvm_arm_mode\": \"protected\"},", "protected" },
                { "\"qemu\": {\"kvm_arm_mode\": null},", NULL },
                { "", NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *doc = minimal_with("\"host\": {\"hostname\": \"h1\", \"kvm_mode\": \"vhe\"},",
                                                        cases[i].host_and_qemu);
                _cleanup_(profile_freep) Profile *p = NULL;
                ProfileError e;

                CHECK_INT(doc ? parse_string(doc, &p, &e) : -ENOMEM, 0);
                if (!p)
                        continue;
                if (cases[i].mode)
                        CHECK_STR(p->kvm_mode, cases[i].mode);
                else
                        CHECK(p->kvm_mode == NULL);
        }
}

/* host.nv (the host CPU's ID_AA64MMFR2_EL1.NV, probed): 0..15, in the digest only when recorded, written back. */
static void test_host_nv(void) {
        _cleanup_(profile_freep) Profile *none = NULL, *two = NULL, *zero = NULL, *again = NULL;
        _cleanup_free_ char *doc2 = minimal_with("\"kvm_mode\": \"vhe\"}", "\"kvm_mode\": \"vhe\", \"nv\": 2}");
        _cleanup_free_ char *doc0 = minimal_with("\"kvm_mode\": \"vhe\"}", "\"kvm_mode\": \"vhe\", \"nv\": 0}");
        _cleanup_free_ char *doc16 = minimal_with("\"kvm_mode\": \"vhe\"}", "\"kvm_mode\": \"vhe\", \"nv\": 16}");
        _cleanup_free_ char *docstr = minimal_with("\"kvm_mode\": \"vhe\"}", "\"kvm_mode\": \"vhe\", \"nv\": \"2\"}");
        _cleanup_free_ char *written = NULL;
        Profile *bad = NULL;
        ProfileError e;

        CHECK(doc2 && doc0 && doc16 && docstr);
        if (!doc2 || !doc0 || !doc16 || !docstr)
                return;
        CHECK_INT(parse_string(minimal_profile, &none, &e), 0);
        CHECK_INT(parse_string(doc2, &two, &e), 0);
        CHECK_INT(parse_string(doc0, &zero, &e), 0);
        if (!none || !two || !zero)
                return;
        CHECK(!none->has_host_nv);
        CHECK(two->has_host_nv && two->host_nv == 2);
        CHECK(zero->has_host_nv && zero->host_nv == 0);
        /* Recorded, it decides (6.13+) and joins the digest; a profile without it keeps its digest. */
        CHECK(strcmp(none->digest, two->digest) != 0);
        CHECK(strcmp(none->digest, zero->digest) != 0);
        CHECK(strcmp(two->digest, zero->digest) != 0);
        CHECK_INT(parse_string(doc16, &bad, &e), -EINVAL);
        CHECK(strstr(e.path, "/host/nv") != NULL);
        CHECK_INT(parse_string(docstr, &bad, &e), -EINVAL);
        written = profile_to_json(two, false);
        CHECK(written != NULL);
        if (!written)
                return;
        CHECK_INT(parse_string(written, &again, &e), 0);
        CHECK(again && again->has_host_nv && again->host_nv == 2 && strcmp(again->digest, two->digest) == 0);
}

/* What the format allows that the real files do not show. */
static void test_format_allowances(void) {
        _cleanup_free_ char *unlisted_mask = NULL, *unknown_feature = NULL, *upper_hex = NULL;
        _cleanup_(profile_freep) Profile *a = NULL, *b = NULL, *c = NULL;
        ProfileError e;
        uint64_t v;

        /* Masks may name registers outside reg_list: KVM answers for its whole feature-ID range. */
        unlisted_mask = minimal_with("\"writable_masks\": {", "\"writable_masks\": {\"0x603000000013c03f\": \"0xf\", ");
        CHECK_INT(parse_string(unlisted_mask, &a, &e), 0);
        CHECK(a && vcpu_config_get_mask(&a->configs[0], 0x603000000013c03fULL, &v) && v == 0xf);
        CHECK(a && !vcpu_config_has_cpreg(&a->configs[0], 0x603000000013c03fULL));
        /* Feature names the parser does not know are kept, for newer probes. */
        unknown_feature = minimal_with("\"pmu_v3\",", "\"pmu_v3\", \"some_future_feature\",");
        CHECK_INT(parse_string(unknown_feature, &b, &e), 0);
        CHECK(b && vcpu_config_has_feature(&b->configs[0], "some_future_feature"));
        /* Upper-case hex digits and short numbers. */
        upper_hex = minimal_with("\"0x410fd083\"", "\"0x410FD083\"");
        CHECK_INT(parse_string(upper_hex, &c, &e), 0);
        CHECK(c && c->midr == 0x410fd083);
        CHECK(profile_to_json(NULL, true) == NULL);
        CHECK(profile_get_config(NULL, "base") == NULL);
        CHECK(!vcpu_config_get_value(NULL, REG_ID_MIDR_EL1, &v));
}

/* ---- guest records ---- */

static void test_extract_config(void) {
        _cleanup_(profile_freep) Profile *p = load("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *rec = NULL, *back = NULL, *rec2 = NULL;
        _cleanup_free_ char *full = NULL, *text = NULL;
        const VcpuConfig *src, *c;
        ProfileError e;
        uint64_t v;

        if (!p)
                return;
        CHECK_INT(profile_extract_config(p, "nonexistent", &rec), -ENOENT);
        CHECK_INT(profile_extract_config(p, "sve", &rec), -EINVAL);  /* skipped on a cortex-a72 */
        CHECK(rec == NULL);

        CHECK_INT(profile_extract_config(p, "pmu", &rec), 0);
        if (!rec)
                return;
        src = profile_get_config(p, "pmu");
        CHECK_INT(rec->n_configs, 1);
        c = &rec->configs[0];
        CHECK_STR(c->name, "pmu");
        CHECK(c->is_record);
        CHECK_INT(c->init_features0, 0xc);
        CHECK(test_u64s_equal(c->cpregs, c->n_cpregs, src->cpregs, src->n_cpregs));
        CHECK(test_u64s_equal(c->reg_list, c->n_reg_list, src->cpregs, src->n_cpregs));
        /* The ID values, then the CCSIDR (demux) values: invariant before Linux 6.3. */
        {
                size_t n_demux = 0;
                for (size_t i = 0; i < src->n_values; i++)
                        if (reg_id_class(src->values[i].id) == REG_CLASS_DEMUX) {
                                uint64_t dv;
                                n_demux++;
                                CHECK(vcpu_config_get_value(c, src->values[i].id, &dv) &&
                                      dv == src->values[i].value);
                        }
                CHECK(n_demux > 0);
                CHECK_INT(c->n_id_regs, src->n_id_regs + n_demux);
                for (size_t i = 0; i < src->n_id_regs; i++) {
                        uint64_t iv;
                        CHECK(vcpu_config_get_value(c, src->id_regs[i].id, &iv) && iv == src->id_regs[i].value);
                }
                CHECK_INT(c->n_values, src->n_id_regs + n_demux + src->n_fw_regs);
        }
        CHECK(test_regvalues_equal(c->fw_regs, c->n_fw_regs, src->fw_regs, src->n_fw_regs));
        CHECK(test_regvalues_equal(c->masks, c->n_masks, src->masks, src->n_masks));
        /* Only ID, cache geometry and firmware values: an ordinary register's reset value is not carried. */
        CHECK(vcpu_config_get_value(src, REG_ID_SCTLR_EL1, NULL));
        CHECK(!vcpu_config_get_value(c, REG_ID_SCTLR_EL1, NULL));
        CHECK(vcpu_config_get_value(c, REG_ID_MIDR_EL1, &v) && v == p->midr);
        CHECK_STR(rec->kernel, p->kernel);
        CHECK_STR(rec->kvm_mode, "nvhe");
        CHECK(rec->has_midr && rec->midr == p->midr);
        CHECK_INT(profile_get_cap(rec, "KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES", -1), 1);

        /* Compact, and read back as it was written. */
        full = profile_to_json(p, false);
        text = profile_to_json(rec, false);
        CHECK(full && text && strlen(text) * 5 < strlen(full));
        CHECK(text && strstr(text, "all_values") == NULL);
        CHECK(text && strstr(text, "\"midr\":\"0x00000000410fd083\"") != NULL);
        CHECK_INT(parse_string(text, &back, &e), 0);
        CHECK(back && test_profiles_equal(rec, back));

        /* The record's digest is its configuration's: the same from a host with other reset values. */
        CHECK(strcmp(rec->digest, p->digest) != 0);
        {
                json_object *root = load_tree("6.12-cortex-a72.json");
                _cleanup_(profile_freep) Profile *other = NULL;
                uint64_t sctlr = 0;

                vcpu_config_get_value(src, REG_ID_SCTLR_EL1, &sctlr);
                tree_set_value(tree_config(root, 1), "all_values", REG_ID_SCTLR_EL1, sctlr ^ 0x1);
                json_object_object_add(root, "label", json_object_new_string("another host"));
                CHECK_INT(parse_object(root, &other, &e), 0);
                CHECK(other && profile_extract_config(other, "pmu", &rec2) == 0);
                CHECK(rec2 && strcmp(rec2->digest, rec->digest) == 0);
                json_object_put(root);
        }

        /* A record of a record is the same record. */
        {
                _cleanup_(profile_freep) Profile *again = NULL;
                CHECK_INT(profile_extract_config(rec, "pmu", &again), 0);
                CHECK(again && test_profiles_equal(rec, again));
        }
}

/* ---- bad input ---- */

typedef struct BadCase {
        const char *file;
        int error;
        const char *path;
} BadCase;

static const BadCase bad_cases[] = {
        { "truncated.json",                  -EINVAL,          "" },
        { "syntax-error.json",               -EINVAL,          "" },
        { "trailing-data.json",              -EINVAL,          "" },
        { "not-an-object.json",              -EINVAL,          "" },
        { "version-unknown.json",            -EPROTONOSUPPORT, "/probe_version" },
        { "version-not-int.json",            -EINVAL,          "/probe_version" },
        { "configs-missing.json",            -EINVAL,          "/configs" },
        { "configs-empty.json",              -EINVAL,          "/configs" },
        { "kernel-missing.json",             -EINVAL,          "/kernel" },
        { "caps-not-object.json",            -EINVAL,          "/caps" },
        { "cap-not-int.json",                -EINVAL,          "/caps/KVM_CAP_ARM_SVE" },
        { "label-not-string.json",           -EINVAL,          "/label" },
        { "reg-not-hex.json",                -EINVAL,          "/configs/0/reg_list/1" },
        { "reg-decimal-number.json",         -EINVAL,          "/configs/0/reg_list/1" },
        { "reg-out-of-range.json",           -EINVAL,          "/configs/0/reg_list/3" },
        { "reg-unknown-class.json",          -EINVAL,          "/configs/0/reg_list/2" },
        { "reg-not-arm64.json",              -EINVAL,          "/configs/0/reg_list/2" },
        { "reg-duplicate.json",              -EINVAL,          "/configs/0/reg_list/5" },
        { "reg-count-mismatch.json",         -EINVAL,          "/configs/0/reg_count" },
        { "value-not-listed.json",           -EINVAL,          "/configs/0/id_regs/0x603000000013c001" },
        { "value-conflict.json",             -EINVAL,          "/configs/0/id_regs/0x603000000013c028" },
        { "value-too-wide.json",             -EINVAL,          "/configs/0/all_values/0x6020000000110000" },
        { "value-not-string.json",           -EINVAL,          "/configs/0/fw_regs/0x6030000000140000" },
        { "config-name-empty.json",          -EINVAL,          "/configs/0/name" },
        { "config-name-duplicate.json",      -EINVAL,          "/configs/1/name" },
        { "features-not-array.json",         -EINVAL,          "/configs/0/features" },
        { "init-features-out-of-range.json", -EINVAL,          "/configs/0/init_features0" },
        { "sve-vls-short.json",              -EINVAL,          "/configs/0/sve_vls" },
        { "kvm-mode-unknown.json",           -EINVAL,          "/host/kvm_mode" },
        { "qemu-load-unknown.json",          -EINVAL,          "/host/qemu/load_behaviour" },
        { "qemu-version-bad.json",           -EINVAL,          "/host/qemu/version" },
        { "id-regs-missing.json",            -EINVAL,          "/configs/0/id_regs" },
        { "mask-not-hex.json",               -EINVAL,          "/configs/0/writable_masks/0x603000000013c028" },
        { "too-many-configs.json",           -E2BIG,           "/configs" },
        { "record-unsorted.json",            -EINVAL,          "/configs/0/reg_list/1" },
        { "record-core-register.json",       -EINVAL,          "/configs/0/reg_list/0" },
};

static void test_bad_files(void) {
        char dir[1100];
        DIR *d;
        struct dirent *de;
        size_t seen = 0;

        for (size_t i = 0; i < ELEMENTSOF(bad_cases); i++) {
                Profile *p = NULL;
                ProfileError e;
                char name[256];
                int r;

                snprintf(name, sizeof(name), "bad/%s", bad_cases[i].file);
                r = profile_load(test_data(name), &p, &e);
                CHECK_INT(r, bad_cases[i].error);
                CHECK_STR(e.path, bad_cases[i].path);
                CHECK(e.message[0] != '\0');
                CHECK(p == NULL);
                if (r != bad_cases[i].error || strcmp(e.path, bad_cases[i].path) != 0)
                        fprintf(stderr, "  %s: %d \"%s\": %s\n", bad_cases[i].file, r, e.path, e.message);
                profile_free(p);
        }

        /* Every file in bad/ is a case above: none lies there untested. */
        snprintf(dir, sizeof(dir), "%s", test_data("bad"));
        d = opendir(dir);
        CHECK(d != NULL);
        while (d && (de = readdir(d))) {
                bool listed = false;
                if (!strstr(de->d_name, ".json"))
                        continue;
                seen++;
                for (size_t i = 0; i < ELEMENTSOF(bad_cases); i++)
                        listed = listed || strcmp(de->d_name, bad_cases[i].file) == 0;
                if (!listed)
                        fprintf(stderr, "bad/%s has no expected outcome\n", de->d_name);
                CHECK(listed);
        }
        if (d)
                closedir(d);
        CHECK_INT(seen, ELEMENTSOF(bad_cases));

        /* The cases differ from a document that parses only in what each breaks. */
        {
                _cleanup_(profile_freep) Profile *p = NULL;
                ProfileError e;
                CHECK_INT(parse_string(minimal_profile, &p, &e), 0);
        }
}

static void expect_error(const char *what, const char *data, size_t size, int error, const char *path) {
        Profile *p = NULL;
        ProfileError e;
        int r = profile_parse(data, size, &p, &e);

        CHECK_INT(r, error);
        CHECK_STR(e.path, path);
        CHECK(p == NULL);
        if (r != error || strcmp(e.path, path) != 0)
                fprintf(stderr, "  %s: %d \"%s\": %s\n", what, r, e.path, e.message);
        profile_free(p);
}

/* A copy of the minimal document with text replaced. */
static char *minimal_with(const char *from, const char *to) {
        const char *at = strstr(minimal_profile, from);
        size_t n = strlen(minimal_profile) - strlen(from) + strlen(to) + 1;
        char *s = malloc(n);

        CHECK(at != NULL);
        if (!at || !s) {
                free(s);
                return NULL;
        }
        snprintf(s, n, "%.*s%s%s", (int) (at - minimal_profile), minimal_profile, to, at + strlen(from));
        return s;
}

static void test_generated_bad_input(void) {
        _cleanup_free_ char *big = NULL, *deep = NULL, *nul = NULL, *utf8 = NULL, *overlong = NULL;
        _cleanup_free_ char *escaped_nul = NULL, *long_label = NULL, *many_regs = NULL, *label = NULL;
        size_t size = 17u * 1024 * 1024, n;
        char tmp[] = "/tmp/test-profile-XXXXXX";
        Profile *p = NULL;
        ProfileError e;
        int fd;

        /* 17 MiB: over KVMREGS_MAX_DOCUMENT, refused before parsing, from memory and from a file. */
        big = malloc(size);
        CHECK(big != NULL);
        if (big) {
                memset(big, ' ', size);
                memcpy(big, minimal_profile, strlen(minimal_profile));
                expect_error("17 MiB", big, size, -E2BIG, "");
                fd = mkstemp(tmp);
                CHECK(fd >= 0);
                if (fd >= 0) {
                        CHECK(write(fd, big, size) == (ssize_t) size);
                        close(fd);
                        CHECK_INT(profile_load(tmp, &p, &e), -E2BIG);
                        CHECK(p == NULL);
                        unlink(tmp);
                }
        }
        /* Exactly at the limit is allowed (whitespace after the document). */
        if (big) {
                _cleanup_(profile_freep) Profile *q = NULL;
                CHECK_INT(profile_parse(big, KVMREGS_MAX_DOCUMENT, &q, &e), 0);
        }

        /* Nesting deeper than PROFILE_MAX_DEPTH, inside a real key. */
        n = 10000;
        deep = malloc(2 * n + 64);
        if (deep) {
                size_t k = 0;
                k += (size_t) sprintf(deep, "{\"probe_version\": 1, \"x\": ");
                for (size_t i = 0; i < n; i++)
                        deep[k++] = '[';
                for (size_t i = 0; i < n; i++)
                        deep[k++] = ']';
                deep[k++] = '}';
                expect_error("deep nesting", deep, k, -E2BIG, "");
        }

        nul = strdup(minimal_profile);
        if (nul) {
                nul[20] = '\0';
                expect_error("NUL byte", nul, strlen(minimal_profile), -EINVAL, "");
        }
        utf8 = minimal_with("\"mini\"", "\"mi\xff\xfeni\"");
        if (utf8)
                expect_error("invalid UTF-8", utf8, strlen(utf8), -EINVAL, "");
        overlong = minimal_with("\"mini\"", "\"\xc0\xaf\"");
        if (overlong)
                expect_error("overlong UTF-8", overlong, strlen(overlong), -EINVAL, "");
        {
                /* A UTF-16 surrogate, beyond U+10FFFF, a sequence cut short, a stray continuation byte. */
                static const char *const invalid[] = { "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x9c", "\x80" };
                for (size_t i = 0; i < ELEMENTSOF(invalid); i++) {
                        char quoted[16];
                        _cleanup_free_ char *doc = NULL;
                        snprintf(quoted, sizeof(quoted), "\"%s\"", invalid[i]);
                        doc = minimal_with("\"mini\"", quoted);
                        if (doc)
                                expect_error("invalid UTF-8", doc, strlen(doc), -EINVAL, "");
                }
        }
        /* Valid UTF-8 passes, 2, 3 and 4 bytes long. */
        label = minimal_with("\"mini\"", "\"m\xc3\xafni \xe2\x9c\x93 \xf0\x9f\x98\x80\"");
        if (label) {
                _cleanup_(profile_freep) Profile *q = NULL;
                CHECK_INT(parse_string(label, &q, &e), 0);
                CHECK(q && strcmp(q->label, "m\xc3\xafni \xe2\x9c\x93 \xf0\x9f\x98\x80") == 0);
        }
        /* The same through the path for json-c 0.18 (non-ASCII given to json-c as \u escapes):
         * the same label; a non-ASCII byte outside a string or after a backslash still refused. */
        if (label) {
                _cleanup_(profile_freep) Profile *q = NULL;
                _cleanup_free_ char *outside = NULL, *after_backslash = NULL;

                doc_escape_non_ascii_always = true;
                CHECK_INT(parse_string(label, &q, &e), 0);
                CHECK(q && strcmp(q->label, "m\xc3\xafni \xe2\x9c\x93 \xf0\x9f\x98\x80") == 0);
                outside = minimal_with("\"label\": \"mini\"", "\"label\": \xc3\xaf\"mini\"");
                if (outside)
                        expect_error("non-ASCII outside a string", outside, strlen(outside), -EINVAL, "");
                after_backslash = minimal_with("\"mini\"", "\"mi\\\xc3\xafni\"");
                if (after_backslash)
                        expect_error("non-ASCII after a backslash", after_backslash, strlen(after_backslash), -EINVAL, "");
                doc_escape_non_ascii_always = false;
        }
        escaped_nul = minimal_with("\"0x410fd083\"", "\"0x41\\u0000\"");
        if (escaped_nul)
                expect_error("escaped NUL", escaped_nul, strlen(escaped_nul), -EINVAL,
                             "/configs/0/id_regs/0x603000000013c000");

        /* A string over KVMREGS_MAX_STRING. */
        long_label = malloc(KVMREGS_MAX_STRING + 16);
        if (long_label) {
                _cleanup_free_ char *doc = NULL;
                memset(long_label, 'x', KVMREGS_MAX_STRING + 15);
                long_label[0] = '"';
                long_label[KVMREGS_MAX_STRING + 14] = '"';
                long_label[KVMREGS_MAX_STRING + 15] = '\0';
                doc = minimal_with("\"mini\"", long_label);
                if (doc)
                        expect_error("long label", doc, strlen(doc), -E2BIG, "/label");
        }

        /* More than KVMREGS_MAX_REGS registers in one list. */
        many_regs = malloc(32 * (KVMREGS_MAX_REGS + 2) + 64);
        if (many_regs) {
                _cleanup_free_ char *doc = NULL;
                size_t k = (size_t) sprintf(many_regs, "\"reg_list\": [");
                for (unsigned i = 0; i <= KVMREGS_MAX_REGS; i++)
                        k += (size_t) sprintf(many_regs + k, "%s\"0x%016" PRIx64 "\"", i ? "," : "",
                                              (uint64_t) (SYSREG_ID(3, 0, 0, 0, 0) + i));
                strcpy(many_regs + k, "], \"x\": [");
                doc = minimal_with("\"reg_list\": [", many_regs);
                if (doc)
                        expect_error("too many registers", doc, strlen(doc), -E2BIG, "/configs/0/reg_list");
        }

        {
                /* Keys in error paths are escaped as JSON pointers; control characters never come out. */
                _cleanup_free_ char *slash = minimal_with("\"KVM_CAP_STEAL_TIME\": 1", "\"a/b~c\": \"1\"");
                _cleanup_free_ char *esc = minimal_with("\"vhe\"", "\"\\u001b[31mvhe\"");
                if (slash)
                        expect_error("key with a slash", slash, strlen(slash), -EINVAL, "/caps/a~1b~0c");
                if (esc) {
                        expect_error("control character", esc, strlen(esc), -EINVAL, "/host/kvm_mode");
                        CHECK_INT(profile_parse(esc, strlen(esc), &p, &e), -EINVAL);
                        CHECK(strchr(e.message, '\x1b') == NULL && strstr(e.message, "?[31mvhe") != NULL);
                }
        }
        expect_error("empty", "", 0, -EINVAL, "");
        expect_error("only whitespace", "  \n", 3, -EINVAL, "");
        expect_error("number as hex", "{\"probe_version\": 0x1}", 22, -EINVAL, "");

        CHECK_INT(profile_load("/nonexistent/profile.json", &p, &e), -ENOENT);
        CHECK_INT(profile_load(test_data("bad"), &p, &e), -EISDIR);
        CHECK(p == NULL);
        CHECK(profile_free(NULL) == NULL);
}

/* read_file_bounded / read_fd_bounded: up to the limit, not a byte more, NUL-terminated. */
static void test_read_bounded(void) {
        char dir[] = "/tmp/kvmregs-test-read-XXXXXX", path[64];
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int fd, pipefd[2];

        CHECK(mkdtemp(dir) != NULL);
        snprintf(path, sizeof(path), "%s/f", dir);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        CHECK(fd >= 0 && write(fd, "0123456789", 10) == 10);
        close(fd);

        CHECK_INT(read_file_bounded(path, 10, &data, &size), 0);
        CHECK_INT(size, 10);
        CHECK_STR(data, "0123456789");
        free(data);
        data = NULL;
        CHECK_INT(read_file_bounded(path, 9, &data, &size), -E2BIG);
        CHECK(data == NULL);
        CHECK_INT(read_file_bounded(dir, 100, &data, &size), -EISDIR);
        CHECK_INT(read_file_bounded("/nonexistent/kvmregs", 100, &data, NULL), -ENOENT);
        CHECK_INT(read_file_bounded(NULL, 100, &data, NULL), -EINVAL);

        /* a pipe has no size to look at: the byte over the limit tells */
        CHECK(pipe2(pipefd, O_CLOEXEC) == 0);
        CHECK(write(pipefd[1], "abcdef", 6) == 6);
        close(pipefd[1]);
        CHECK_INT(read_fd_bounded(pipefd[0], 5, &data, &size), -E2BIG);
        close(pipefd[0]);
        CHECK(pipe2(pipefd, O_CLOEXEC) == 0);
        CHECK(write(pipefd[1], "abcdef", 6) == 6);
        close(pipefd[1]);
        CHECK_INT(read_fd_bounded(pipefd[0], 6, &data, NULL), 0);
        CHECK_STR(data, "abcdef");
        close(pipefd[0]);
        free(data);
        data = NULL;
        /* empty: an empty string, not NULL */
        fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        CHECK_INT(read_fd_bounded(fd, 5, &data, &size), 0);
        CHECK(data && data[0] == '\0' && size == 0);
        close(fd);

        unlink(path);
        rmdir(dir);
}

int main(void) {
        test_read_bounded();
        test_sha256();
        test_real_files();
        test_cross_file_facts();
        test_round_trip();
        test_digest();
        test_digest_definition();
        test_kvm_mode();
        test_host_nv();
        test_format_allowances();
        test_extract_config();
        test_bad_files();
        test_generated_bad_input();
        return test_summary("test-profile");
}
