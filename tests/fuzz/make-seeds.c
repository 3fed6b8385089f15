/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Seed inputs for the fuzz harnesses, made from real recorded profiles so that the fuzzer
 * starts from documents the parsers accept and the rules have something to say about:
 *
 *   OUT/profile/NAME-CONFIG.json   the guest record of each configuration the host runs
 *   OUT/profile/NAME-host.json     every configuration of the host, in record form (no reset
 *                                  values of ordinary registers): a compact destination
 *   OUT/compare/A--B.bin           A's compact host, a NUL byte, B's, for every pair
 *   OUT/compare/A--B-CONFIG.bin    A's and B's records of one configuration, for B the next
 *                                  profile after A and A itself: small inputs, fast to mutate
 *   OUT/domxml/DOMAIN-NAME.xml     each domain XML given, carrying A's "all" record
 *   OUT/report/A--B-CONFIG.json    the report of A's record of CONFIG against B's compact host,
 *                                  for B the next profile after A and A itself
 *   ...-tV.json, ...-tV.bin        the same from records trimmed to a few registers (TRIM_VARIANTS
 *                                  ways: which ID registers are kept depends on V, the same ones on
 *                                  every host): each still parses, the rules still find the
 *                                  differences between hosts in them, and at a tenth of the size the
 *                                  fuzzers run ten times as many of them
 *   OUT/regid/ID-NAME.bin          for fuzz-regid: each register id the records list, little-endian,
 *                                  two of its recorded values, its name
 *
 * Usage: make-seeds OUT PROFILE.json... [-- DOMAIN.xml...]
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>

#include "domxml.h"
#include "profile.h"
#include "rules.h"
#include "util.h"

#define MAX_PROFILES 64

#define MAX_RECORDS KVMREGS_MAX_CONFIGS
#define TRIM_VARIANTS 3

typedef struct Host {
        char *name;     /* file name without .json */
        char *records[MAX_RECORDS];       /* each configuration's record, NULL if skipped */
        char *record_names[MAX_RECORDS];
        size_t n_records;
        char *compact;  /* compact host document */
        char *record;   /* a record to carry in domain XML ("all", or the first runnable) */
        char *trimmed[MAX_RECORDS][TRIM_VARIANTS];   /* each record trimmed, NULL if not made */
        char *trimmed_name;     /* NAME-t: the domain XML seeds carrying the first trimmed record */
} Host;

static int write_file(const char *dir, const char *name, const char *a, size_t na, const char *b, size_t nb) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -1;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        if (write(fd, a, na) != (ssize_t) na)
                return -EIO;
        if (b && (write(fd, "", 1) != 1 || write(fd, b, nb) != (ssize_t) nb))
                return -EIO;
        return 0;
}

static char *read_text(const char *path) {
        char *text = NULL;

        return read_file_bounded(path, KVMREGS_MAX_DOCUMENT, &text, NULL) < 0 ? NULL : text;
}

static char *base_name(const char *path) {
        _cleanup_free_ char *copy = strdup(path);
        char *b, *dot;

        if (!copy)
                return NULL;
        b = strdup(basename(copy));
        if (b && (dot = strrchr(b, '.')))
                *dot = '\0';
        return b;
}

/* Every configuration in record form, in one document, skipped ones as recorded. */
static int host_compact(const Profile *p, const char *dir, const char *name, Host *ret) {
        _cleanup_free_ char *full = profile_to_json(p, false);
        json_object *doc = NULL, *configs = json_object_new_array();
        json_object *recorded = full ? json_tokener_parse(full) : NULL, *recorded_configs = NULL;
        int r = 0;

        if (!configs || !recorded || !json_object_object_get_ex(recorded, "configs", &recorded_configs)) {
                json_object_put(configs);
                json_object_put(recorded);
                return -ENOMEM;
        }
        for (size_t i = 0; i < p->n_configs && r >= 0; i++) {
                _cleanup_(profile_freep) Profile *rec = NULL;
                _cleanup_free_ char *text = NULL, *file = NULL;
                json_object *parsed, *c;

                if (p->configs[i].skipped) {
                        /* as the full document writes it: name, features and why */
                        json_object_array_add(configs,
                                              json_object_get(json_object_array_get_idx(recorded_configs, i)));
                        continue;
                }
                r = profile_extract_config(p, p->configs[i].name, &rec);
                if (r < 0)
                        break;
                text = profile_to_json(rec, false);
                if (!text || asprintf(&file, "%s-%s.json", name, p->configs[i].name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                r = write_file(dir, file, text, strlen(text), NULL, 0);
                if (r >= 0 && ret->n_records < MAX_RECORDS) {
                        ret->records[ret->n_records] = strdup(text);
                        ret->record_names[ret->n_records++] = strdup(p->configs[i].name);
                }
                if (!ret->record || strcmp(p->configs[i].name, "all") == 0) {
                        free(ret->record);
                        ret->record = strdup(text);
                }
                parsed = json_tokener_parse(text);
                if (!parsed || !json_object_object_get_ex(parsed, "configs", &c)) {
                        json_object_put(parsed);
                        r = -EINVAL;
                        break;
                }
                json_object_array_add(configs, json_object_get(json_object_array_get_idx(c, 0)));
                if (!doc)
                        doc = parsed;
                else
                        json_object_put(parsed);
        }
        if (r >= 0 && doc) {
                json_object_object_add(doc, "configs", configs);
                configs = NULL;
                ret->compact = strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
                r = ret->compact ? 0 : -ENOMEM;
        } else if (r >= 0)
                r = -ENOENT;
        json_object_put(configs);
        json_object_put(doc);
        json_object_put(recorded);
        return r;
}


/* Which ID registers trimmed variant v keeps: depends on the id only, so that two hosts' trimmed
 * records of one variant hold the same registers and a comparison of them has differences to find. */
static bool trim_keeps(uint64_t id, unsigned v) {
        return ((id ^ (id >> 3)) * 0x9e3779b97f4a7c15ULL >> 60) % (3 * TRIM_VARIANTS) == v;
}

static uint64_t hex_of(json_object *o) {
        const char *t = json_object_get_string(o);
        return t ? strtoull(t, NULL, 16) : 0;
}

/* The register map o (hex id: value) without the ids keep does not hold. */
static void trim_map(json_object *o, json_object *keep) {
        json_object *gone = json_object_new_array();
        json_object_object_foreach(o, key, val) {
                (void) val;
                if (!json_object_object_get_ex(keep, key, NULL))
                        json_object_array_add(gone, json_object_new_string(key));
        }
        for (size_t i = 0; i < json_object_array_length(gone); i++)
                json_object_object_del(o, json_object_get_string(json_object_array_get_idx(gone, i)));
        json_object_put(gone);
}

/* record trimmed to variant v: the firmware registers, two CCSIDR entries, the ID registers v keeps
 * and every 24th other register; the capabilities the rules read; no vm_caps. NULL if what is
 * left does not parse (then there is no such seed). */
static char *trim_record(const char *record, unsigned v) {
        static const char *const caps[] = { "KVM_CAP_ARM_EL1_32BIT", "KVM_CAP_ARM_MTE", "KVM_CAP_ARM_PMU_V3",
                "KVM_CAP_ARM_PSCI_0_2", "KVM_CAP_ARM_PTRAUTH_ADDRESS", "KVM_CAP_ARM_PTRAUTH_GENERIC",
                "KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES", "KVM_CAP_ARM_SVE", "KVM_CAP_ARM_VM_IPA_SIZE",
                "KVM_CAP_ARM_WRITABLE_IMP_ID_REGS" };
        json_object *doc = json_tokener_parse(record), *configs, *c, *list, *ids, *o;
        json_object *kept_list = NULL, *keep = NULL, *kept_caps = NULL;
        _cleanup_(profile_freep) Profile *check = NULL;
        char *text = NULL;
        unsigned demux = 0, other = 0;

        if (!doc || !json_object_object_get_ex(doc, "configs", &configs) ||
            !(c = json_object_array_get_idx(configs, 0)) || !json_object_object_get_ex(c, "reg_list", &list) ||
            !json_object_object_get_ex(c, "id_regs", &ids))
                goto out;
        kept_list = json_object_new_array();
        keep = json_object_new_object();
        kept_caps = json_object_new_object();
        for (size_t i = 0; i < json_object_array_length(list); i++) {
                json_object *e = json_object_array_get_idx(list, i);
                const char *key = json_object_get_string(e);
                uint64_t id = hex_of(e);
                bool k;

                switch (reg_id_class(id)) {
                case REG_CLASS_DEMUX: k = demux++ < 2; break;
                case REG_CLASS_FW: case REG_CLASS_FW_FEAT_BMAP: k = true; break;
                default:
                        k = json_object_object_get_ex(ids, key, NULL) ? trim_keeps(id, v) : other++ % 24 == v;
                }
                if (!k)
                        continue;
                json_object_array_add(kept_list, json_object_get(e));
                json_object_object_add(keep, key, NULL);
        }
        json_object_object_add(c, "reg_list", kept_list);
        kept_list = NULL;
        json_object_object_get_ex(c, "reg_list", &list);
        json_object_object_add(c, "reg_count", json_object_new_int((int) json_object_array_length(list)));
        trim_map(ids, keep);
        if (json_object_object_get_ex(c, "fw_regs", &o))
                trim_map(o, keep);
        if (json_object_object_get_ex(c, "writable_masks", &o))
                trim_map(o, keep);
        if (json_object_object_get_ex(doc, "caps", &o))
                for (size_t i = 0; i < ELEMENTSOF(caps); i++) {
                        json_object *val;
                        if (json_object_object_get_ex(o, caps[i], &val))
                                json_object_object_add(kept_caps, caps[i], json_object_get(val));
                }
        json_object_object_add(doc, "caps", kept_caps);
        kept_caps = NULL;
        json_object_object_del(doc, "vm_caps");
        text = strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
        if (text && profile_parse(text, strlen(text), &check, NULL) < 0) {
                free(text);
                text = NULL;
        }
out:
        json_object_put(kept_list);
        json_object_put(keep);
        json_object_put(kept_caps);
        json_object_put(doc);
        return text;
}

/* For fuzz-regid: each id the record lists, with two of the values recorded for it (the value of the
 * next id in the map as the second) and its name. */
static int regid_seeds(const char *dir, const char *record) {
        json_object *doc = json_tokener_parse(record), *configs, *c, *ids;
        uint64_t prev = 0;
        int r = 0;

        if (!doc || !json_object_object_get_ex(doc, "configs", &configs) ||
            !(c = json_object_array_get_idx(configs, 0)) || !json_object_object_get_ex(c, "id_regs", &ids)) {
                json_object_put(doc);
                return -EINVAL;
        }
        json_object_object_foreach(ids, key, val) {
                _cleanup_free_ char *file = NULL;
                char name[REG_NAME_MAX];
                uint8_t buf[24];
                uint64_t id = strtoull(key, NULL, 16), value = hex_of(val);

                reg_id_name(id, name, sizeof(name));
                for (unsigned b = 0; b < 8; b++) {
                        buf[b] = (uint8_t) (id >> (8 * b));
                        buf[8 + b] = (uint8_t) (value >> (8 * b));
                        buf[16 + b] = (uint8_t) (prev >> (8 * b));
                }
                prev = value;
                if (asprintf(&file, "%016" PRIx64 "-%016" PRIx64 ".bin", id, value) < 0) {
                        r = -ENOMEM;
                        break;
                }
                r = write_file(dir, file, (const char *) buf, sizeof(buf), NULL, 0);
                if (r < 0)
                        break;
                /* the name after the binary part, without write_file's NUL */
                _cleanup_free_ char *path = NULL;
                FILE *f;
                if (asprintf(&path, "%s/%s", dir, file) < 0 || !(f = fopen(path, "ae"))) {
                        r = -ENOMEM;
                        break;
                }
                fputs(name, f);
                fclose(f);
        }
        json_object_put(doc);
        return r;
}

/* The report of record against host, in report_to_json()'s compact form. */
static int report_seed(const char *dir, const char *name, const char *record, const char *config,
                       const char *host) {
        _cleanup_(profile_freep) Profile *src = NULL, *dst = NULL;
        _cleanup_(report_freep) Report *r = NULL;
        _cleanup_free_ char *text = NULL;
        ProfileError e;

        if (profile_parse(record, strlen(record), &src, &e) < 0 || profile_parse(host, strlen(host), &dst, &e) < 0 ||
            profile_compare(src, config, dst, NULL, &r) < 0)
                return -EINVAL;
        text = report_to_json(r, false);
        if (!text)
                return -ENOMEM;
        return write_file(dir, name, text, strlen(text), NULL, 0);
}

/* The domain with the record as its <metadata> (one added if it has none). */
static int domain_seed(const char *dir, const char *xml_path, const char *host_name, const char *record) {
        _cleanup_free_ char *xml = read_text(xml_path), *name = base_name(xml_path);
        _cleanup_free_ char *element = NULL, *out = NULL, *file = NULL;
        const char *at;

        if (!xml || !name)
                return -ENOMEM;
        element = domxml_record_element("3f1c2a90-5b7e-4d21-9a0c-0000000000a1", record);
        if (!element)
                return -ENOMEM;
        if ((at = strstr(xml, "<metadata>"))) {
                at += strlen("<metadata>");
                if (asprintf(&out, "%.*s%s%s", (int) (at - xml), xml, element, at) < 0)
                        return -ENOMEM;
        } else if ((at = strstr(xml, "</name>"))) {
                at += strlen("</name>");
                if (asprintf(&out, "%.*s<metadata>%s</metadata>%s", (int) (at - xml), xml, element, at) < 0)
                        return -ENOMEM;
        } else
                return 0;   /* not a domain the record can go in: the plain file is a seed already */
        if (asprintf(&file, "%s-%s.xml", name, host_name) < 0)
                return -ENOMEM;
        return write_file(dir, file, out, strlen(out), NULL, 0);
}

int main(int argc, char *argv[]) {
        Host hosts[MAX_PROFILES] = {};
        size_t n_hosts = 0;
        int i, r = 0;
        char dir[5][4096];

        if (argc < 3) {
                fprintf(stderr, "usage: %s OUT PROFILE.json... [-- DOMAIN.xml...]\n", argv[0]);
                return 2;
        }
        snprintf(dir[0], sizeof(dir[0]), "%s/profile", argv[1]);
        snprintf(dir[1], sizeof(dir[1]), "%s/compare", argv[1]);
        snprintf(dir[2], sizeof(dir[2]), "%s/domxml", argv[1]);
        snprintf(dir[3], sizeof(dir[3]), "%s/report", argv[1]);
        snprintf(dir[4], sizeof(dir[4]), "%s/regid", argv[1]);
        mkdir(argv[1], 0755);
        for (size_t k = 0; k < ELEMENTSOF(dir); k++)
                if (mkdir(dir[k], 0755) < 0 && errno != EEXIST) {
                        fprintf(stderr, "%s: %m\n", dir[k]);
                        return 1;
                }

        for (i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
                _cleanup_(profile_freep) Profile *p = NULL;
                ProfileError e;

                if (n_hosts == MAX_PROFILES) {
                        fprintf(stderr, "more than %d profiles\n", MAX_PROFILES);
                        return 1;
                }
                r = profile_load(argv[i], &p, &e);
                if (r < 0) {
                        fprintf(stderr, "%s: %s: %s\n", argv[i], e.path, e.message);
                        return 1;
                }
                hosts[n_hosts].name = base_name(argv[i]);
                if (!hosts[n_hosts].name)
                        return 1;
                r = host_compact(p, dir[0], hosts[n_hosts].name, &hosts[n_hosts]);
                if (r < 0) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(-r));
                        return 1;
                }
                n_hosts++;
        }
        for (size_t a = 0; a < n_hosts; a++) {
                Host *x = &hosts[a];

                if (asprintf(&x->trimmed_name, "%s-t", x->name) < 0)
                        return 1;
                if (x->record && regid_seeds(dir[4], x->record) < 0) {
                        fprintf(stderr, "%s: cannot make register id seeds\n", x->name);
                        return 1;
                }
                for (size_t k = 0; k < x->n_records; k++)
                        for (unsigned v = 0; v < TRIM_VARIANTS; v++) {
                                _cleanup_free_ char *file = NULL;

                                if (!x->records[k] || !x->record_names[k])
                                        continue;
                                x->trimmed[k][v] = trim_record(x->records[k], v);
                                if (!x->trimmed[k][v])
                                        continue;
                                if (asprintf(&file, "%s-%s-t%u.json", x->name, x->record_names[k], v) < 0 ||
                                    write_file(dir[0], file, x->trimmed[k][v], strlen(x->trimmed[k][v]),
                                               NULL, 0) < 0)
                                        return 1;
                        }
        }
        for (size_t a = 0; a < n_hosts; a++) {
                _cleanup_free_ char *file = NULL;

                if (asprintf(&file, "%s-host.json", hosts[a].name) < 0)
                        return 1;
                if (write_file(dir[0], file, hosts[a].compact, strlen(hosts[a].compact), NULL, 0) < 0)
                        return 1;
                for (size_t b = 0; b < n_hosts; b++) {
                        _cleanup_free_ char *pair = NULL;

                        if (asprintf(&pair, "%s--%s.bin", hosts[a].name, hosts[b].name) < 0 ||
                            write_file(dir[1], pair, hosts[a].compact, strlen(hosts[a].compact),
                                       hosts[b].compact, strlen(hosts[b].compact)) < 0)
                                return 1;
                }
        }
        for (size_t a = 0; a < n_hosts; a++) {
                const Host *x = &hosts[a], *y = &hosts[(a + 1) % n_hosts];

                for (size_t k = 0; k < x->n_records; k++)
                        for (size_t l = 0; l < y->n_records; l++) {
                                _cleanup_free_ char *pair = NULL, *self = NULL;

                                if (!x->records[k] || !y->records[l] || !x->record_names[k] ||
                                    !y->record_names[l] || strcmp(x->record_names[k], y->record_names[l]) != 0)
                                        continue;
                                if (asprintf(&pair, "%s--%s-%s.bin", x->name, y->name, x->record_names[k]) < 0 ||
                                    asprintf(&self, "%s--%s-%s.bin", x->name, x->name, x->record_names[k]) < 0 ||
                                    write_file(dir[1], pair, x->records[k], strlen(x->records[k]), y->records[l],
                                               strlen(y->records[l])) < 0 ||
                                    write_file(dir[1], self, x->records[k], strlen(x->records[k]), x->records[k],
                                               strlen(x->records[k])) < 0)
                                        return 1;
                                for (unsigned v = 0; v < TRIM_VARIANTS; v++) {
                                        const char *tx = x->trimmed[k][v], *ty = y->trimmed[l][v];
                                        _cleanup_free_ char *tpair = NULL, *tself = NULL, *tpr = NULL, *tsr = NULL;

                                        if (!tx || !ty)
                                                continue;
                                        if (asprintf(&tpair, "%s--%s-%s-t%u.bin", x->name, y->name,
                                                     x->record_names[k], v) < 0 ||
                                            asprintf(&tself, "%s--%s-%s-t%u.bin", x->name, x->name,
                                                     x->record_names[k], v) < 0 ||
                                            asprintf(&tpr, "%s--%s-%s-t%u.json", x->name, y->name,
                                                     x->record_names[k], v) < 0 ||
                                            asprintf(&tsr, "%s--%s-%s-t%u.json", x->name, x->name,
                                                     x->record_names[k], v) < 0 ||
                                            write_file(dir[1], tpair, tx, strlen(tx), ty, strlen(ty)) < 0 ||
                                            write_file(dir[1], tself, tx, strlen(tx), tx, strlen(tx)) < 0 ||
                                            report_seed(dir[3], tpr, tx, x->record_names[k], ty) < 0 ||
                                            report_seed(dir[3], tsr, tx, x->record_names[k], tx) < 0)
                                                return 1;
                                }
                        }
        }
        for (size_t a = 0; a < n_hosts; a++) {
                const Host *x = &hosts[a];

                for (size_t k = 0; k < x->n_records; k++)
                        for (size_t b = 0; b < 2; b++) {
                                const Host *y = &hosts[b ? a : (a + 1) % n_hosts];
                                _cleanup_free_ char *file = NULL;

                                if (!x->records[k] || !x->record_names[k])
                                        continue;
                                if (asprintf(&file, "%s--%s-%s.json", x->name, y->name, x->record_names[k]) < 0 ||
                                    report_seed(dir[3], file, x->records[k], x->record_names[k], y->compact) < 0) {
                                        fprintf(stderr, "%s: cannot make a report seed\n", x->name);
                                        return 1;
                                }
                        }
        }
        for (i++; i < argc; i++)
                for (size_t a = 0; a < n_hosts; a++)
                        if (domain_seed(dir[2], argv[i], hosts[a].name, hosts[a].record) < 0 ||
                            (hosts[a].trimmed[0][0] &&
                             domain_seed(dir[2], argv[i], hosts[a].trimmed_name, hosts[a].trimmed[0][0]) < 0)) {
                                fprintf(stderr, "%s: cannot make a seed\n", argv[i]);
                                return 1;
                        }
        for (size_t a = 0; a < n_hosts; a++) {
                free(hosts[a].name);
                free(hosts[a].compact);
                free(hosts[a].record);
                free(hosts[a].trimmed_name);
                for (size_t k = 0; k < hosts[a].n_records; k++) {
                        for (unsigned v = 0; v < TRIM_VARIANTS; v++)
                                free(hosts[a].trimmed[k][v]);
                        free(hosts[a].records[k]);
                        free(hosts[a].record_names[k]);
                }
        }
        return 0;
}
