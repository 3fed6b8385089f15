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
 *
 * Usage: make-seeds OUT PROFILE.json... [-- DOMAIN.xml...]
 */
#include <errno.h>
#include <fcntl.h>
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

typedef struct Host {
        char *name;     /* file name without .json */
        char *records[MAX_RECORDS];       /* each configuration's record, NULL if skipped */
        char *record_names[MAX_RECORDS];
        size_t n_records;
        char *compact;  /* compact host document */
        char *record;   /* a record to carry in domain XML ("all", or the first runnable) */
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
static int domain_seed(const char *dir, const char *xml_path, const Host *h) {
        _cleanup_free_ char *xml = read_text(xml_path), *name = base_name(xml_path);
        _cleanup_free_ char *element = NULL, *out = NULL, *file = NULL;
        const char *at;

        if (!xml || !name)
                return -ENOMEM;
        element = domxml_record_element("3f1c2a90-5b7e-4d21-9a0c-0000000000a1", h->record);
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
        if (asprintf(&file, "%s-%s.xml", name, h->name) < 0)
                return -ENOMEM;
        return write_file(dir, file, out, strlen(out), NULL, 0);
}

int main(int argc, char *argv[]) {
        Host hosts[MAX_PROFILES] = {};
        size_t n_hosts = 0;
        int i, r = 0;
        char dir[4][4096];

        if (argc < 3) {
                fprintf(stderr, "usage: %s OUT PROFILE.json... [-- DOMAIN.xml...]\n", argv[0]);
                return 2;
        }
        snprintf(dir[0], sizeof(dir[0]), "%s/profile", argv[1]);
        snprintf(dir[1], sizeof(dir[1]), "%s/compare", argv[1]);
        snprintf(dir[2], sizeof(dir[2]), "%s/domxml", argv[1]);
        snprintf(dir[3], sizeof(dir[3]), "%s/report", argv[1]);
        mkdir(argv[1], 0755);
        for (size_t k = 0; k < 4; k++)
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
                        if (domain_seed(dir[2], argv[i], &hosts[a]) < 0) {
                                fprintf(stderr, "%s: cannot make a seed\n", argv[i]);
                                return 1;
                        }
        for (size_t a = 0; a < n_hosts; a++) {
                free(hosts[a].name);
                free(hosts[a].compact);
                free(hosts[a].record);
                for (size_t k = 0; k < hosts[a].n_records; k++) {
                        free(hosts[a].records[k]);
                        free(hosts[a].record_names[k]);
                }
        }
        return 0;
}
