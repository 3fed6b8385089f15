/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Building a fleet (fleet.h): hosts, classes by digest, and loading it from files and stores. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet-internal.h"
#include "fleet.h"
#include "util.h"

/* ---- a string → index map (open addressing; keys owned elsewhere, stable) ---- */

typedef struct Map {
        const char **keys;
        size_t *values;
        size_t cap, n;
} Map;

static uint64_t hash_str(const char *s) {
        uint64_t h = 1469598103934665603ull;

        for (; *s; s++)
                h = (h ^ (unsigned char) *s) * 1099511628211ull;
        return h;
}

static void map_done(Map *m) {
        free(m->keys);
        free(m->values);
        *m = (Map) {};
}

static bool map_get(const Map *m, const char *key, size_t *ret) {
        if (m->cap == 0)
                return false;
        for (size_t i = hash_str(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
                if (!m->keys[i])
                        return false;
                if (strcmp(m->keys[i], key) == 0) {
                        if (ret)
                                *ret = m->values[i];
                        return true;
                }
        }
}

static int map_put(Map *m, const char *key, size_t value) {
        size_t i;

        if ((m->n + 1) * 2 > m->cap) {
                Map bigger = { .cap = m->cap ? m->cap * 2 : 64 };

                bigger.keys = calloc(bigger.cap, sizeof(char *));
                bigger.values = calloc(bigger.cap, sizeof(size_t));
                if (!bigger.keys || !bigger.values) {
                        map_done(&bigger);
                        return -ENOMEM;
                }
                for (size_t k = 0; k < m->cap; k++)
                        if (m->keys[k])
                                map_put(&bigger, m->keys[k], m->values[k]);
                map_done(m);
                *m = bigger;
        }
        for (i = hash_str(key) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
                if (strcmp(m->keys[i], key) == 0) {
                        m->values[i] = value;
                        return 0;
                }
        m->keys[i] = key;
        m->values[i] = value;
        m->n++;
        return 0;
}

struct FleetTables {
        Map labels;    /* label → host */
        Map digests;   /* digest → class */
};

/* ---- the fleet ---- */

Fleet *fleet_new(void) {
        Fleet *f = calloc(1, sizeof(*f));

        if (!f)
                return NULL;
        f->tables = calloc(1, sizeof(*f->tables));
        if (!f->tables) {
                free(f);
                return NULL;
        }
        return f;
}

Fleet *fleet_free(Fleet *f) {
        if (!f)
                return NULL;
        for (size_t i = 0; i < f->n_hosts; i++) {
                free(f->hosts[i].label);
                free(f->hosts[i].hostname);
                free(f->hosts[i].source);
        }
        free(f->hosts);
        for (size_t i = 0; i < f->n_classes; i++) {
                profile_free(f->classes[i].profile);
                free(f->classes[i].hosts);
        }
        free(f->classes);
        for (size_t i = 0; i < f->n_problems; i++) {
                free(f->problems[i].what);
                free(f->problems[i].reason);
        }
        free(f->problems);
        if (f->tables) {
                map_done(&f->tables->labels);
                map_done(&f->tables->digests);
                free(f->tables);
        }
        free(f);
        return NULL;
}

/* Grows *array (of *n elements of size) so that one more fits; capacity doubles (n is a power
 * of 2 or 0 when it is full). */
static int grow(void *array, size_t n, size_t size) {
        void **a = array;
        void *bigger;

        if (n != 0 && (n & (n - 1)) != 0)
                return 0;
        if (n > SIZE_MAX / 2 / size)
                return -ENOMEM;
        bigger = realloc(*a, (n ? n * 2 : 4) * size);
        if (!bigger)
                return -ENOMEM;
        *a = bigger;
        return 0;
}

static int fleet_problem(Fleet *f, const char *what, const char *reason, bool left_out) {
        FleetProblem *p;

        if (grow(&f->problems, f->n_problems, sizeof(FleetProblem)) < 0)
                return -ENOMEM;
        p = &f->problems[f->n_problems];
        p->what = strdup(what);
        p->reason = strdup(reason);
        p->left_out = left_out;
        if (!p->what || !p->reason) {
                free(p->what);
                free(p->reason);
                return -ENOMEM;
        }
        f->n_problems++;
        return 0;
}

/*
 * Adds a host of profile p's digest: p is taken when it starts a class (*p set to NULL then) and
 * left to the caller otherwise. A label already taken is a problem, not an error.
 */
static int fleet_add_host(Fleet *f, const char *label, const char *hostname, const char *source, Profile **p) {
        FleetHost *h;
        FleetClass *c;
        size_t class_id;

        if (map_get(&f->tables->labels, label, NULL)) {
                _cleanup_free_ char *why = strdup_printf("the host is named twice (again in %s); this one is left out",
                                                          source);
                return why ? fleet_problem(f, label, why, true) : -ENOMEM;
        }
        if (!map_get(&f->tables->digests, (*p)->digest, &class_id)) {
                if (grow(&f->classes, f->n_classes, sizeof(FleetClass)) < 0)
                        return -ENOMEM;
                class_id = f->n_classes;
                f->classes[class_id] = (FleetClass) { .profile = *p };
                if (map_put(&f->tables->digests, (*p)->digest, class_id) < 0)
                        return -ENOMEM;
                f->n_classes++;
                *p = NULL;
        }
        c = &f->classes[class_id];
        if (grow(&c->hosts, c->n_hosts, sizeof(size_t)) < 0 || grow(&f->hosts, f->n_hosts, sizeof(FleetHost)) < 0)
                return -ENOMEM;
        h = &f->hosts[f->n_hosts];
        *h = (FleetHost) { .class_id = class_id };
        h->label = strdup(label);
        h->hostname = hostname ? strdup(hostname) : NULL;
        h->source = strdup(source ? source : "?");
        if (!h->label || (hostname && !h->hostname) || !h->source ||
            map_put(&f->tables->labels, h->label, f->n_hosts) < 0) {
                free(h->label);
                free(h->hostname);
                free(h->source);
                return -ENOMEM;
        }
        c->hosts[c->n_hosts++] = f->n_hosts++;
        return 0;
}

/* The label of a host: its profile's host name, label, or the file's base name without ".json". */
static char *profile_label(const Profile *p, const char *source) {
        const char *base;
        size_t n;

        if (p->hostname && *p->hostname)
                return strdup(p->hostname);
        if (p->label && *p->label)
                return strdup(p->label);
        base = strrchr(source, '/');
        base = base ? base + 1 : source;
        n = strlen(base);
        if (n > 5 && strcmp(base + n - 5, ".json") == 0)
                n -= 5;
        return strndup(base, n);
}

int fleet_add_profile(Fleet *f, Profile *p, const char *label, const char *source) {
        _cleanup_(profile_freep) Profile *owned = p;
        _cleanup_free_ char *l = NULL;

        if (!p)
                return -EINVAL;
        if (!label) {
                l = profile_label(p, source ? source : "?");
                if (!l)
                        return -ENOMEM;
        }
        return fleet_add_host(f, label ? label : l, p->hostname, source, &owned);
}

const FleetHost *fleet_find_host(const Fleet *f, const char *name) {
        size_t i;

        if (map_get(&f->tables->labels, name, &i))
                return &f->hosts[i];
        for (i = 0; i < f->n_hosts; i++)
                if (f->hosts[i].hostname && strcmp(f->hosts[i].hostname, name) == 0)
                        return &f->hosts[i];
        return NULL;
}

/* ---- loading ---- */

typedef struct Job {
        char *path;                   /* the file; "-": standard input */
        char *hint;                   /* the host's name in index.json, or NULL */
        char index_digest[PROFILE_DIGEST_HEX + 1];
        bool trusted;                 /* index digest trusted: size and mtime match */
        bool parse;                   /* to be parsed */
        bool parsed;                  /* parsed, valid */
        char digest[PROFILE_DIGEST_HEX + 1];
        Profile *profile;             /* the first (lowest job) parsed of its digest holds it */
        char *label, *hostname;       /* of the parsed profile */
        char *error;                  /* why it cannot be read */
} Job;

typedef struct Loader {
        Fleet *f;
        Job *jobs;
        size_t n_jobs;
        Map parsed;                   /* digest → the job holding its profile */
        pthread_mutex_t lock;
} Loader;

static void loader_done(Loader *l) {
        for (size_t i = 0; i < l->n_jobs; i++) {
                free(l->jobs[i].path);
                free(l->jobs[i].hint);
                profile_free(l->jobs[i].profile);
                free(l->jobs[i].label);
                free(l->jobs[i].hostname);
                free(l->jobs[i].error);
        }
        free(l->jobs);
        map_done(&l->parsed);
}

static int add_job(Loader *l, char *path, const char *hint) {
        Job *j;

        if (!path)
                return -ENOMEM;
        if (grow(&l->jobs, l->n_jobs, sizeof(Job)) < 0) {
                free(path);
                return -ENOMEM;
        }
        j = &l->jobs[l->n_jobs];
        *j = (Job) { .path = path, .parse = true };
        if (hint && !(j->hint = strdup(hint)))
                return -ENOMEM;
        l->n_jobs++;
        return 0;
}

static char *parse_error(int r, const ProfileError *e) {
        if (r == -E2BIG && !e->message[0])
                return strdup_printf("larger than %u bytes, the limit for a profile", KVMREGS_MAX_DOCUMENT);
        if (r == -ENOMEM)
                return NULL;
        if (e->message[0] && e->path[0])
                return strdup_printf("invalid profile at %s: %s", e->path, e->message);
        if (e->message[0])
                return strdup_printf("invalid profile: %s", e->message);
        return strdup_printf("invalid profile: %s", strerror(-r));
}

static int read_profile(const char *path, Profile **ret, char **ret_error) {
        _cleanup_free_ char *data = NULL;
        ProfileError e = {};
        size_t size;
        int r;

        if (strcmp(path, "-") == 0) {
                _cleanup_close_ int fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
                r = fd < 0 ? -errno : read_fd_bounded(fd, KVMREGS_MAX_DOCUMENT, &data, &size);
        } else
                r = read_file_bounded(path, KVMREGS_MAX_DOCUMENT, &data, &size);
        if (r == -ENOMEM)
                return r;
        if (r == -E2BIG)
                *ret_error = strdup_printf("larger than %u bytes, the limit for a profile", KVMREGS_MAX_DOCUMENT);
        else if (r < 0)
                *ret_error = strdup_printf("cannot read it: %s", strerror(-r));
        if (r < 0)
                return *ret_error ? 0 : -ENOMEM;
        r = profile_parse(data, size, ret, &e);
        if (r < 0) {
                *ret_error = parse_error(r, &e);
                return *ret_error ? 0 : -ENOMEM;
        }
        return 0;
}

static int parse_job(void *data, size_t i) {
        Loader *l = data;
        Job *j = &l->jobs[i];
        Profile *p = NULL;
        size_t holder;
        int r;

        if (!j->parse)
                return 0;
        j->parse = false;
        r = read_profile(j->path, &p, &j->error);
        if (r < 0 || j->error)
                return r;
        j->label = profile_label(p, j->path);
        j->hostname = p->hostname ? strdup(p->hostname) : NULL;
        if (!j->label || (p->hostname && !j->hostname)) {
                profile_free(p);
                return -ENOMEM;
        }
        memcpy(j->digest, p->digest, sizeof(j->digest));
        j->parsed = true;

        /* Keep one profile per digest: the lowest job's, so that the result does not depend on
         * which thread came first. */
        pthread_mutex_lock(&l->lock);
        if (!map_get(&l->parsed, j->digest, &holder)) {
                r = map_put(&l->parsed, j->digest, i);
                if (r == 0)
                        j->profile = TAKE_PTR(p);
        } else if (holder > i) {
                j->profile = TAKE_PTR(p);
                l->jobs[holder].profile = profile_free(l->jobs[holder].profile);
                r = map_put(&l->parsed, j->digest, i);
        }
        pthread_mutex_unlock(&l->lock);
        profile_free(p);
        return r;
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* DIR without an index: every *.json but index.json, in name order. */
static int add_dir_files(Loader *l, const char *dir) {
        DIR *d = opendir(dir);
        char **names = NULL;
        size_t n = 0;
        int r = 0;

        if (!d) {
                _cleanup_free_ char *why = strdup_printf("cannot read the directory: %s", strerror(errno));
                return why ? fleet_problem(l->f, dir, why, true) : -ENOMEM;
        }
        for (struct dirent *e; (e = readdir(d));) {
                size_t len = strlen(e->d_name);

                if (e->d_name[0] == '.' || len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0 ||
                    strcmp(e->d_name, FLEET_INDEX_FILE) == 0)
                        continue;
                if (grow(&names, n, sizeof(char *)) < 0 || !(names[n] = strdup(e->d_name))) {
                        r = -ENOMEM;
                        break;
                }
                n++;
        }
        closedir(d);
        if (r == 0 && n > 0)
                qsort(names, n, sizeof(char *), name_cmp);
        for (size_t i = 0; i < n; i++) {
                if (r == 0)
                        r = add_job(l, strdup_printf("%s/%s", dir, names[i]), NULL);
                free(names[i]);
        }
        free(names);
        return r;
}

static int add_dir(Loader *l, const char *dir) {
        _cleanup_(fleet_index_freep) FleetIndex *idx = NULL;
        _cleanup_free_ char *index_path = NULL, *data = NULL, *why = NULL;
        size_t size;
        int r;

        index_path = strdup_printf("%s/%s", dir, FLEET_INDEX_FILE);
        if (!index_path)
                return -ENOMEM;
        r = read_file_bounded(index_path, KVMREGS_MAX_DOCUMENT, &data, &size);
        if (r == -ENOENT)
                return add_dir_files(l, dir);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                why = strdup_printf("cannot read it (%s); every *.json file is read instead", strerror(-r));
        else {
                _cleanup_free_ char *parse_why = NULL;

                r = fleet_index_parse(data, size, &idx, &parse_why);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        why = strdup_printf("%s; every *.json file is read instead", parse_why ? parse_why : "invalid");
        }
        if (r < 0) {
                if (!why)
                        return -ENOMEM;
                r = fleet_problem(l->f, index_path, why, false);
                return r < 0 ? r : add_dir_files(l, dir);
        }

        for (size_t i = 0; i < idx->n_rejected; i++) {
                _cleanup_free_ char *w = strdup_printf("%s in %s", idx->rejected[i].reason, index_path);
                if (!w || fleet_problem(l->f, idx->rejected[i].host, w, true) < 0)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < idx->n_failed; i++) {
                _cleanup_free_ char *w = strdup_printf("not collected: %s", idx->failed[i].reason);
                if (!w || fleet_problem(l->f, idx->failed[i].host, w, true) < 0)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < idx->n_entries; i++) {
                const FleetIndexEntry *e = &idx->entries[i];
                char *path = strdup_printf("%s/%s", dir, e->file);
                struct stat st;
                Job *j;

                r = add_job(l, path, e->host);
                if (r < 0)
                        return r;
                j = &l->jobs[l->n_jobs - 1];
                if (stat(j->path, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t) st.st_size == e->size &&
                    (int64_t) st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec == e->mtime_ns) {
                        j->trusted = true;
                        memcpy(j->index_digest, e->digest, sizeof(j->index_digest));
                }
        }
        return 0;
}

/*
 * Trusted jobs: the lowest of each index digest is parsed (round 1); the others take its class
 * when it parsed to that digest, else they are parsed (round 2).
 */
static int plan_trusted(Loader *l, bool round2) {
        Map first = {};
        int r = 0;

        for (size_t i = 0; i < l->n_jobs && r == 0; i++) {
                Job *j = &l->jobs[i];
                size_t k;

                if (!j->trusted)
                        continue;
                if (!map_get(&first, j->index_digest, &k)) {
                        r = map_put(&first, j->index_digest, i);
                        if (!round2)
                                j->parse = true;
                        continue;
                }
                if (!round2) {
                        j->parse = false;
                        continue;
                }
                /* round 2: the first of this digest has been parsed, or failed */
                if (!l->jobs[k].parsed || strcmp(l->jobs[k].digest, j->index_digest) != 0) {
                        j->trusted = false;
                        j->parse = true;
                }
        }
        map_done(&first);
        return r;
}

int fleet_load(const char *const *paths, size_t n_paths, unsigned threads, Fleet **ret) {
        _cleanup_(fleet_freep) Fleet *f = fleet_new();
        Loader l = { .f = f, .lock = PTHREAD_MUTEX_INITIALIZER };
        bool stdin_seen = false;
        int r = 0;

        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < n_paths && r == 0; i++) {
                struct stat st;

                if (strcmp(paths[i], "-") == 0) {
                        if (stdin_seen)
                                r = fleet_problem(f, "-", "standard input is given twice; it is read once", true);
                        else
                                r = add_job(&l, strdup("-"), NULL);
                        stdin_seen = true;
                } else if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
                        r = add_dir(&l, paths[i]);
                else
                        r = add_job(&l, strdup(paths[i]), NULL);
        }
        /* Untrusted jobs (parse set by add_job) and the first trusted job of each digest. */
        if (r == 0)
                r = plan_trusted(&l, false);
        if (r == 0)
                r = fleet_run_parallel(l.n_jobs, threads, parse_job, &l);
        if (r == 0)
                r = plan_trusted(&l, true);
        if (r == 0)
                r = fleet_run_parallel(l.n_jobs, threads, parse_job, &l);

        for (size_t i = 0; i < l.n_jobs && r == 0; i++) {
                Job *j = &l.jobs[i];
                const char *what = j->hint ? j->hint : j->path;
                Profile *holder = NULL;
                size_t k;

                if (j->error) {
                        _cleanup_free_ char *why = j->hint ? strdup_printf("%s: %s", j->path, j->error) : NULL;
                        r = fleet_problem(f, what, why ? why : j->error, true);
                        continue;
                }
                if (j->parsed) {
                        f->n_parsed++;
                        if (j->trusted && strcmp(j->digest, j->index_digest) != 0) {
                                _cleanup_free_ char *why = strdup_printf(
                                        "%s: index.json gives digest %.12s..., the file's is %.12s...; the file is used",
                                        j->path, j->index_digest, j->digest);
                                r = why ? fleet_problem(f, what, why, false) : -ENOMEM;
                                if (r < 0)
                                        break;
                        }
                        map_get(&l.parsed, j->digest, &k);
                } else if (j->trusted) {
                        if (!map_get(&l.parsed, j->index_digest, &k)) {
                                /* cannot happen: round 2 parsed it */
                                r = fleet_problem(f, what, "no profile of its digest could be read", true);
                                continue;
                        }
                } else
                        continue;
                /* The holder's profile starts the class (taken) or is already in it. */
                holder = l.jobs[k].profile;
                if (!holder) {
                        size_t c;
                        /* taken by an earlier host: the class exists */
                        if (!map_get(&f->tables->digests, j->parsed ? j->digest : j->index_digest, &c)) {
                                r = -EINVAL;
                                break;
                        }
                        holder = f->classes[c].profile;
                        r = fleet_add_host(f, j->hint ? j->hint : j->label, j->hostname, j->path, &holder);
                } else {
                        r = fleet_add_host(f, j->hint ? j->hint : j->label, j->hostname, j->path, &l.jobs[k].profile);
                }
        }
        loader_done(&l);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(f);
        return (*ret)->n_hosts == 0 ? -ENODATA : 0;
}
