/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fleet store (fleet-store.h): each host's profile file and index.json, written atomically; the index read back. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "fleet-store.h"
#include "json-doc.h"
#include "util.h"

bool fleet_host_name_valid(const char *host) {
        size_t n;

        if (!host || !*host || host[0] == '.' || host[0] == '-')
                return false;
        n = strlen(host);
        if (n > FLEET_HOST_NAME_MAX || strcmp(host, "index") == 0)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = host[i];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '_' || c == ':' || c == '-'))
                        return false;
        }
        return true;
}

/* A profile file's base name: a valid host name + ".json". */
static bool file_name_valid(const char *file) {
        size_t n = file ? strlen(file) : 0;
        char host[FLEET_HOST_NAME_MAX + 1];

        if (n <= 5 || n - 5 > FLEET_HOST_NAME_MAX || strcmp(file + n - 5, ".json") != 0)
                return false;
        memcpy(host, file, n - 5);
        host[n - 5] = '\0';
        return fleet_host_name_valid(host);
}

static bool digest_valid(const char *d) {
        size_t i;

        for (i = 0; d[i]; i++)
                if (!((d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' && d[i] <= 'f')))
                        return false;
        return i == PROFILE_DIGEST_HEX;
}

static int64_t stat_mtime_ns(const struct stat *st) {
        return (int64_t) st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

int fleet_store_write_profile(const char *dir, const char *host, const char *json, size_t size,
                              const Profile *p, FleetIndexEntry *ret) {
        _cleanup_free_ char *name = NULL;
        struct stat st;
        int r;

        if (!dir || !json || !p || !ret || !fleet_host_name_valid(host))
                return -EINVAL;
        name = strdup_printf("%s.json", host);
        if (!name)
                return -ENOMEM;
        r = write_file_atomic(dir, name, json, size, &st);
        if (r < 0)
                return r;
        *ret = (FleetIndexEntry) { .host = host, .size = (uint64_t) st.st_size, .mtime_ns = stat_mtime_ns(&st) };
        memcpy(ret->digest, p->digest, sizeof(ret->digest));
        return 0;
}

static int entry_cmp(const void *a, const void *b) {
        return strcmp(((const FleetIndexEntry *) a)->host, ((const FleetIndexEntry *) b)->host);
}

static int failure_cmp(const void *a, const void *b) {
        return strcmp(((const FleetFailure *) a)->host, ((const FleetFailure *) b)->host);
}

static json_object *index_new(const FleetIndexEntry *e, size_t n, const FleetFailure *f, size_t n_failed) {
        json_object *o = json_object_new_object(), *hosts, *failed;
        bool ok = o != NULL;

        ok = ok && doc_add(o, "format", json_object_new_string(FLEET_INDEX_FORMAT));
        ok = ok && doc_add(o, "version", json_object_new_int(FLEET_INDEX_VERSION));
        hosts = json_object_new_array();
        ok = ok && doc_add(o, "hosts", hosts);
        for (size_t i = 0; ok && i < n; i++) {
                json_object *h = json_object_new_object();
                _cleanup_free_ char *file = e[i].file ? NULL : strdup_printf("%s.json", e[i].host);

                ok = doc_append(hosts, h) && (e[i].file || file);
                ok = ok && doc_add(h, "host", json_object_new_string(e[i].host));
                ok = ok && doc_add(h, "file", json_object_new_string(e[i].file ? e[i].file : file));
                ok = ok && doc_add(h, "digest", json_object_new_string(e[i].digest));
                ok = ok && doc_add(h, "size", json_object_new_int64((int64_t) e[i].size));
                ok = ok && doc_add(h, "mtime_ns", json_object_new_int64(e[i].mtime_ns));
        }
        failed = json_object_new_array();
        ok = ok && doc_add(o, "failed", failed);
        for (size_t i = 0; ok && i < n_failed; i++) {
                json_object *h = json_object_new_object();

                ok = doc_append(failed, h);
                ok = ok && doc_add(h, "host", json_object_new_string(f[i].host));
                ok = ok && doc_add(h, "reason", json_object_new_string(f[i].reason));
        }
        if (!ok) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

int fleet_index_write(const char *dir, const FleetIndexEntry *entries, size_t n,
                      const FleetFailure *failed, size_t n_failed) {
        _cleanup_free_ FleetIndexEntry *e = NULL;
        _cleanup_free_ FleetFailure *f = NULL;
        _cleanup_free_ char *text = NULL;
        json_object *o;
        const char *s;

        if (!dir || (n && !entries) || (n_failed && !failed))
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (!fleet_host_name_valid(entries[i].host) || (entries[i].file && !file_name_valid(entries[i].file)) ||
                    !digest_valid(entries[i].digest) || entries[i].size > INT64_MAX)
                        return -EINVAL;
        for (size_t i = 0; i < n_failed; i++)
                if (!failed[i].host || !*failed[i].host || strlen(failed[i].host) > FLEET_HOST_NAME_MAX ||
                    !failed[i].reason || !*failed[i].reason || strlen(failed[i].reason) > FLEET_REASON_MAX)
                        return -EINVAL;
        e = malloc((n ? n : 1) * sizeof(*e));
        f = malloc((n_failed ? n_failed : 1) * sizeof(*f));
        if (!e || !f)
                return -ENOMEM;
        if (n)
                memcpy(e, entries, n * sizeof(*e));
        if (n_failed)
                memcpy(f, failed, n_failed * sizeof(*f));
        qsort(e, n, sizeof(*e), entry_cmp);
        qsort(f, n_failed, sizeof(*f), failure_cmp);
        for (size_t i = 1; i < n; i++)
                if (strcmp(e[i - 1].host, e[i].host) == 0)
                        return -EINVAL;

        o = index_new(e, n, f, n_failed);
        if (!o)
                return -ENOMEM;
        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!s) {
                json_object_put(o);
                return -ENOMEM;
        }
        text = strdup_printf("%s\n", s);
        json_object_put(o);
        if (!text)
                return -ENOMEM;
        return write_file_atomic(dir, FLEET_INDEX_FILE, text, strlen(text), NULL);
}

/* ---- reading ---- */

FleetIndex *fleet_index_free(FleetIndex *idx) {
        if (!idx)
                return NULL;
        for (size_t i = 0; i < idx->n_entries; i++) {
                free((char *) idx->entries[i].host);
                free((char *) idx->entries[i].file);
        }
        free(idx->entries);
        for (size_t i = 0; i < idx->n_failed; i++) {
                free((char *) idx->failed[i].host);
                free((char *) idx->failed[i].reason);
        }
        free(idx->failed);
        for (size_t i = 0; i < idx->n_rejected; i++) {
                free((char *) idx->rejected[i].host);
                free((char *) idx->rejected[i].reason);
        }
        free(idx->rejected);
        free(idx);
        return NULL;
}

static int reject(FleetIndex *idx, const char *host, size_t i, const char *why) {
        FleetFailure *f = &idx->rejected[idx->n_rejected];

        f->host = host ? strdup(host) : strdup_printf("hosts[%zu]", i);
        f->reason = strdup(why);
        if (!f->host || !f->reason) {
                free((char *) f->host);
                free((char *) f->reason);
                return -ENOMEM;
        }
        idx->n_rejected++;
        return 0;
}

static const char *member_string(json_object *o, const char *key) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

/* A non-negative integer member, or -1. */
static int64_t member_uint(json_object *o, const char *key) {
        json_object *v;
        int64_t x;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
                return -1;
        errno = 0;
        x = json_object_get_int64(v);
        if (errno != 0 || x < 0 || x == INT64_MAX)
                return -1;
        return x;
}

static bool host_seen(const FleetIndex *idx, const char *host) {
        /* Linear, but the index is sorted: look at the last one first, which is the usual hit. */
        for (size_t i = idx->n_entries; i > 0; i--)
                if (strcmp(idx->entries[i - 1].host, host) == 0)
                        return true;
        return false;
}

static int parse_entry(FleetIndex *idx, json_object *h, size_t i, bool sorted) {
        const char *host, *file, *digest;
        FleetIndexEntry *e;
        int64_t size, mtime;

        if (!json_object_is_type(h, json_type_object))
                return reject(idx, NULL, i, "not an object");
        host = member_string(h, "host");
        if (!host || !fleet_host_name_valid(host))
                return reject(idx, host && *host && strlen(host) <= FLEET_HOST_NAME_MAX ? host : NULL, i,
                              "\"host\" is not a valid host name");
        file = member_string(h, "file");
        if (!file || !file_name_valid(file))
                return reject(idx, host, i, "\"file\" is not NAME.json in the directory");
        digest = member_string(h, "digest");
        if (!digest || !digest_valid(digest))
                return reject(idx, host, i, "\"digest\" is not 64 lower-case hex digits");
        size = member_uint(h, "size");
        mtime = member_uint(h, "mtime_ns");
        if (size < 0 || mtime < 0)
                return reject(idx, host, i, "\"size\" or \"mtime_ns\" is not a non-negative integer");
        /* a sorted index has its duplicates next to each other; otherwise look at all */
        if (sorted ? (idx->n_entries > 0 && strcmp(idx->entries[idx->n_entries - 1].host, host) == 0)
                   : host_seen(idx, host))
                return reject(idx, host, i, "the host is listed twice; the later entry is left out");

        e = &idx->entries[idx->n_entries];
        *e = (FleetIndexEntry) { .size = (uint64_t) size, .mtime_ns = mtime };
        e->host = strdup(host);
        e->file = strdup(file);
        if (!e->host || !e->file) {
                free((char *) e->host);
                free((char *) e->file);
                return -ENOMEM;
        }
        memcpy(e->digest, digest, sizeof(e->digest));
        idx->n_entries++;
        return 0;
}

static int fail(char **ret_why, int r, const char *why) {
        if (ret_why)
                *ret_why = strdup(why);
        return r;
}

int fleet_index_parse(const char *json, size_t size, FleetIndex **ret, char **ret_why) {
        _cleanup_(fleet_index_freep) FleetIndex *idx = NULL;
        json_object *doc = NULL, *hosts, *failed = NULL, *v;
        ProfileError e = {};
        const char *format;
        bool sorted = true;
        size_t n;
        int r;

        if (ret_why)
                *ret_why = NULL;
        r = doc_parse(json, size, 8, &doc, &e);
        if (r < 0) {
                _cleanup_free_ char *why = strdup_printf("not a JSON document: %s", e.message);
                return fail(ret_why, r == -ENOMEM ? r : -EINVAL, why ? why : "not a JSON document");
        }
        r = -EINVAL;
        format = json_object_is_type(doc, json_type_object) ? member_string(doc, "format") : NULL;
        if (!format || strcmp(format, FLEET_INDEX_FORMAT) != 0) {
                fail(ret_why, r, "\"format\" is not \"" FLEET_INDEX_FORMAT "\"");
                goto out;
        }
        if (!json_object_object_get_ex(doc, "version", &v) || !json_object_is_type(v, json_type_int)) {
                fail(ret_why, r, "\"version\" is missing or not an integer");
                goto out;
        }
        if (json_object_get_int64(v) != FLEET_INDEX_VERSION) {
                r = -EPROTONOSUPPORT;
                fail(ret_why, r, "unknown \"version\" (this kvmregs reads version 1)");
                goto out;
        }
        if (!json_object_object_get_ex(doc, "hosts", &hosts) || !json_object_is_type(hosts, json_type_array)) {
                fail(ret_why, r, "\"hosts\" is missing or not an array");
                goto out;
        }
        if (json_object_object_get_ex(doc, "failed", &failed) && !json_object_is_type(failed, json_type_array)) {
                fail(ret_why, r, "\"failed\" is not an array");
                goto out;
        }

        r = -ENOMEM;
        idx = calloc(1, sizeof(*idx));
        if (!idx)
                goto out;
        n = json_object_array_length(hosts);
        idx->entries = calloc(n ? n : 1, sizeof(*idx->entries));
        idx->rejected = calloc(n + (failed ? json_object_array_length(failed) : 0) + 1, sizeof(*idx->rejected));
        if (!idx->entries || !idx->rejected)
                goto out;
        for (size_t i = 1; i < n && sorted; i++) {
                const char *a = member_string(json_object_array_get_idx(hosts, i - 1), "host");
                const char *b = member_string(json_object_array_get_idx(hosts, i), "host");
                sorted = a && b && strcmp(a, b) <= 0;
        }
        for (size_t i = 0; i < n; i++) {
                json_object *h = json_object_array_get_idx(hosts, i);

                if (json_object_is_type(h, json_type_object) && !member_string(h, "host"))
                        sorted = false;
                if (parse_entry(idx, h, i, sorted) < 0)
                        goto out;
        }
        n = failed ? json_object_array_length(failed) : 0;
        idx->failed = calloc(n ? n : 1, sizeof(*idx->failed));
        if (!idx->failed)
                goto out;
        for (size_t i = 0; i < n; i++) {
                json_object *h = json_object_array_get_idx(failed, i);
                const char *host = json_object_is_type(h, json_type_object) ? member_string(h, "host") : NULL;
                const char *reason = host ? member_string(h, "reason") : NULL;
                FleetFailure *f = &idx->failed[idx->n_failed];

                if (!host || !*host || strlen(host) > FLEET_HOST_NAME_MAX) {
                        _cleanup_free_ char *what = strdup_printf("failed[%zu]", i);
                        if (!what || reject(idx, what, i, "a \"failed\" entry without a host name") < 0)
                                goto out;
                        continue;
                }
                f->host = strdup(host);
                f->reason = strdup(reason && *reason ? reason : "(no reason given)");
                if (!f->host || !f->reason) {
                        free((char *) f->host);
                        free((char *) f->reason);
                        goto out;
                }
                idx->n_failed++;
        }
        r = 0;
        *ret = TAKE_PTR(idx);
out:
        json_object_put(doc);
        if (r == -ENOMEM && ret_why && !*ret_why)
                fail(ret_why, r, "out of memory");
        return r;
}
