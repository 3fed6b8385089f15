/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Asking a QEMU binary about itself, and what its answers mean for its migration load. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "domain.h"
#include "qemu-run.h"
#include "qemu.h"
#include "util.h"

/* Who may own what kvmregsd runs: root, or the user it runs as (it runs it as that user). */
static bool uid_trusted(uid_t uid) {
        return uid == 0 || uid == geteuid();
}

/* Absolute, every component a name (not empty, ".", ".."), no trailing "/". */
static bool path_normalised(const char *path) {
        if (!path || path[0] != '/' || strnlen(path, PATH_MAX) >= PATH_MAX)
                return false;
        for (const char *p = path; *p;) {
                const char *c = p + 1, *e = strchrnul(c, '/');
                size_t n = (size_t) (e - c);

                if (n == 0 || n > NAME_MAX || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
                        return false;
                p = e;
        }
        return true;
}

static int check_fail(char **ret_why, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int check_fail(char **ret_why, int r, const char *fmt, ...) {
        va_list ap;

        if (ret_why) {
                va_start(ap, fmt);
                if (vasprintf(ret_why, fmt, ap) < 0)
                        *ret_why = NULL;
                va_end(ap);
        }
        return r;
}

int qemu_emulator_check(const char *path, struct stat *ret_st, char **ret_why) {
        _cleanup_close_ int dir = -1;
        struct stat st;
        bool shared = false;   /* the directory so far: others may write, sticky */

        if (!path_normalised(path))
                return check_fail(ret_why, -EINVAL, "it is not an absolute, normalised path");
        dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0 || fstat(dir, &st) < 0)
                return check_fail(ret_why, -errno, "/ cannot be opened: %s", strerror(errno));
        for (const char *c = path + 1;;) {
                const char *e = strchrnul(c, '/');
                int len = (int) (e - path);
                char name[NAME_MAX + 1];
                int fd;

                /* The directory holding c: only root (or we) may change what c is. */
                if (!S_ISDIR(st.st_mode))
                        return check_fail(ret_why, -ENOTDIR, "%.*s is not a directory", (int) (c - 1 - path), path);
                if (!uid_trusted(st.st_uid))
                        return check_fail(ret_why, -EPERM, "its directory %.*s is not owned by root",
                                          c - 1 == path ? 1 : (int) (c - 1 - path), path);
                shared = st.st_mode & (S_IWGRP | S_IWOTH);
                if (shared && !(st.st_mode & S_ISVTX))
                        return check_fail(ret_why, -EPERM, "its directory %.*s can be changed by users other than root",
                                          c - 1 == path ? 1 : (int) (c - 1 - path), path);

                memcpy(name, c, (size_t) (e - c));
                name[e - c] = '\0';
                fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return errno == ENOENT ? check_fail(ret_why, -ENOENT, "%.*s does not exist", len, path)
                                               : check_fail(ret_why, -errno, "%.*s cannot be opened: %s", len, path,
                                                            strerror(errno));
                closep(&dir);
                dir = fd;
                if (fstat(dir, &st) < 0)
                        return check_fail(ret_why, -errno, "%.*s cannot be examined: %s", len, path, strerror(errno));
                if (S_ISLNK(st.st_mode))
                        return check_fail(ret_why, -EPERM, "%.*s is a symbolic link (name the file itself)", len, path);
                /* In a sticky directory others write to, only its owner may replace c. */
                if (shared && !uid_trusted(st.st_uid))
                        return check_fail(ret_why, -EPERM, "%.*s, in a directory others write to, is not root's", len, path);
                if (*e == '\0')
                        break;
                c = e + 1;
        }
        if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
                return check_fail(ret_why, -EPERM, "it is not a regular executable file");
        if (!uid_trusted(st.st_uid))
                return check_fail(ret_why, -EPERM, "it is not owned by root");
        if (st.st_mode & (S_IWGRP | S_IWOTH))
                return check_fail(ret_why, -EPERM, "it is writable by its group or others");
        if (ret_st)
                *ret_st = st;
        return 0;
}

bool qemu_emulator_is_trustworthy(const char *path) {
        return qemu_emulator_check(path, NULL, NULL) >= 0;
}

int qemu_run(const char *emulator, const char *const *args, int timeout_ms, char **ret_output, int *ret_exit,
             char **ret_error) {
        char *const envp[] = { (char *) "LC_ALL=C", (char *) "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
        _cleanup_free_ char *out = NULL;
        const char *argv[16];
        posix_spawn_file_actions_t actions;
        int pipefd[2], status = 0, r;
        int64_t deadline = monotonic_ms() + timeout_ms;
        size_t n = 0;
        pid_t pid;

        if (!emulator || !args || !ret_output || !ret_exit || timeout_ms <= 0)
                return -EINVAL;
        argv[n++] = emulator;
        for (size_t i = 0; args[i]; i++) {
                if (n + 1 >= ELEMENTSOF(argv))
                        return -E2BIG;
                argv[n++] = args[i];
        }
        argv[n] = NULL;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDERR_FILENO);
        r = posix_spawn(&pid, emulator, &actions, NULL, (char *const *) argv, envp);
        posix_spawn_file_actions_destroy(&actions);
        close(pipefd[1]);
        if (r != 0) {
                close(pipefd[0]);
                if (ret_error)
                        *ret_error = strdup_printf("cannot run %s: %s", emulator, strerror(r));
                return -r;
        }

        r = read_fd_bounded_until(pipefd[0], QEMU_RUN_MAX_OUTPUT, deadline, &out, NULL);
        close(pipefd[0]);
        if (r < 0)
                kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (r < 0) {
                if (ret_error)
                        *ret_error = r == -ETIMEDOUT ? strdup_printf("%s %s did not finish within %d ms", emulator,
                                                                     args[0] ? args[0] : "", timeout_ms)
                                     : r == -E2BIG ? strdup_printf("%s %s printed more than %u bytes", emulator,
                                                                   args[0] ? args[0] : "", QEMU_RUN_MAX_OUTPUT)
                                                   : strdup_printf("cannot read from %s: %s", emulator, strerror(-r));
                return r;
        }
        *ret_exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        *ret_output = TAKE_PTR(out);
        return 0;
}

int qemu_detect_host(const char *emulator, int timeout_ms, ProfileQemu *ret, char **ret_error) {
        static const char *const version_args[] = { "--version", NULL };
        static const char *const trace_args[] = { "-trace", "help", NULL };
        _cleanup_free_ char *version_out = NULL, *trace_out = NULL, *version = NULL, *package = NULL, *path = NULL,
                            *why = NULL;
        QemuLoad load;
        QemuDetected detected;
        int r, status;

        if (!emulator || !ret)
                return -EINVAL;
        r = qemu_emulator_check(emulator, NULL, &why);
        if (r < 0) {
                if (ret_error)
                        *ret_error = strdup_printf("%s is not a root-owned executable that only root can change (%s): "
                                                   "not run", emulator, why ? why : strerror(-r));
                return -EPERM;
        }
        r = qemu_run(emulator, version_args, timeout_ms, &version_out, &status, ret_error);
        if (r < 0)
                return r;
        if (status != 0 || qemu_version_from_output(version_out, &version, &package) < 0) {
                version = NULL;
                package = NULL;
        }
        r = qemu_run(emulator, trace_args, timeout_ms, &trace_out, &status, ret_error);
        if (r < 0)
                return r;
        r = qemu_detect_load(version, status == 0 ? trace_out : NULL, &load, &detected);
        if (r < 0) {
                if (ret_error)
                        *ret_error = strdup_printf("%s names neither a QEMU version (--version) nor the trace events of "
                                                   "an arm64 KVM QEMU (-trace help)", emulator);
                return r;
        }
        path = strdup(emulator);
        if (!path)
                return -ENOMEM;
        *ret = (ProfileQemu) {
                .emulator = TAKE_PTR(path),
                .version = TAKE_PTR(version),
                .package = TAKE_PTR(package),
                .has_load = true,
                .load = load,
                .detected = detected,
                .origin = QEMU_ORIGIN_PROFILE,
        };
        return 0;
}

/* ---- what was detected, per binary ---- */

typedef struct QemuCacheEntry {
        char *path;
        dev_t dev;
        ino_t ino;
        struct timespec mtime;
        off_t size;
        ProfileQemu qemu;
        uint64_t used;            /* c->clock when last found */
} QemuCacheEntry;

struct QemuCache {
        pthread_mutex_t lock;
        QemuCacheEntry entries[QEMU_CACHE_MAX_ENTRIES];
        size_t n;
        uint64_t clock;
        unsigned runs;
};

QemuCache *qemu_cache_new(void) {
        QemuCache *c = calloc(1, sizeof(*c));

        if (c && pthread_mutex_init(&c->lock, NULL) != 0) {
                free(c);
                return NULL;
        }
        return c;
}

QemuCache *qemu_cache_free(QemuCache *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n; i++) {
                free(c->entries[i].path);
                profile_qemu_done(&c->entries[i].qemu);
        }
        pthread_mutex_destroy(&c->lock);
        free(c);
        return NULL;
}

size_t qemu_cache_size(QemuCache *c) {
        size_t n;

        if (!c)
                return 0;
        pthread_mutex_lock(&c->lock);
        n = c->n;
        pthread_mutex_unlock(&c->lock);
        return n;
}

unsigned qemu_cache_runs(QemuCache *c) {
        unsigned n;

        if (!c)
                return 0;
        pthread_mutex_lock(&c->lock);
        n = c->runs;
        pthread_mutex_unlock(&c->lock);
        return n;
}

static bool entry_matches(const QemuCacheEntry *e, const char *path, const struct stat *st) {
        return strcmp(e->path, path) == 0 && e->dev == st->st_dev && e->ino == st->st_ino &&
               e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec && e->size == st->st_size;
}

/* Under c->lock: a copy of the entry for this file, if any. 1 found, 0 not, -ENOMEM. */
static int cache_find(QemuCache *c, const char *path, const struct stat *st, ProfileQemu *ret) {
        for (size_t i = 0; i < c->n; i++)
                if (entry_matches(&c->entries[i], path, st)) {
                        c->entries[i].used = ++c->clock;
                        return profile_qemu_copy(&c->entries[i].qemu, ret) < 0 ? -ENOMEM : 1;
                }
        return 0;
}

/* Under c->lock: remembers q for this file, replacing the path's older entry or the least recently used. */
static void cache_add(QemuCache *c, const char *path, const struct stat *st, const ProfileQemu *q) {
        QemuCacheEntry e = { .dev = st->st_dev, .ino = st->st_ino, .mtime = st->st_mtim, .size = st->st_size };
        size_t slot = c->n;

        if (!(e.path = strdup(path)) || profile_qemu_copy(q, &e.qemu) < 0) {
                free(e.path);
                return;   /* not remembered: detected again next time */
        }
        for (size_t i = 0; i < c->n; i++)
                if (strcmp(c->entries[i].path, path) == 0) {
                        slot = i;
                        break;
                }
        if (slot == c->n && c->n == QEMU_CACHE_MAX_ENTRIES) {
                slot = 0;
                for (size_t i = 1; i < c->n; i++)
                        if (c->entries[i].used < c->entries[slot].used)
                                slot = i;
        }
        if (slot < c->n) {
                free(c->entries[slot].path);
                profile_qemu_done(&c->entries[slot].qemu);
        } else
                c->n++;
        e.used = ++c->clock;
        c->entries[slot] = e;
}

int qemu_cache_detect(QemuCache *c, const char *emulator, bool may_run, int timeout_ms, ProfileQemu *ret,
                      char **ret_why) {
        static const char not_run[] = "kvmregsd runs an emulator only for root's calls, and none of its earlier "
                                      "detections is of this file";
        _cleanup_free_ char *why = NULL;
        ProfileQemu q = {};
        struct stat st;
        int r;

        if (!emulator || !ret)
                return -EINVAL;
        r = qemu_emulator_check(emulator, &st, &why);
        if (r < 0) {
                if (!may_run)
                        return check_fail(ret_why, -EACCES, "%s", not_run);
                if (ret_why)
                        *ret_why = TAKE_PTR(why);
                return r;
        }
        if (c) {
                pthread_mutex_lock(&c->lock);
                r = cache_find(c, emulator, &st, &q);
                pthread_mutex_unlock(&c->lock);
                if (r < 0)
                        return r;
                if (r > 0) {
                        *ret = q;
                        return 0;
                }
        }
        if (!may_run)
                return check_fail(ret_why, -EACCES, "%s", not_run);
        /* Not under the lock: the runs take up to twice timeout_ms, and lookups must not wait. */
        r = qemu_detect_host(emulator, timeout_ms, &q, ret_why);
        if (r < 0)
                return r;
        if (c) {
                pthread_mutex_lock(&c->lock);
                c->runs++;
                cache_add(c, emulator, &st, &q);
                pthread_mutex_unlock(&c->lock);
        }
        *ret = q;
        return 0;
}

int qemu_domain_qemu(QemuCache *c, const Profile *host, const char *emulator, bool may_run, int timeout_ms,
                     DomainQemu *ret) {
        _cleanup_free_ char *why = NULL;
        DomainQemu d = {};
        int r;

        if (!host || !ret)
                return -EINVAL;
        /* Only where the profile says which QEMU runs here (kvmregsd --qemu): without one, the
         * rules assume 7.2 and say so; and the profile's own emulator is the profile's QEMU. */
        if (!emulator || !profile_has_qemu(host) || (host->qemu.emulator && strcmp(emulator, host->qemu.emulator) == 0)) {
                *ret = d;
                return 0;
        }
        d.emulator = strndup(emulator, PATH_MAX);
        if (!d.emulator)
                return -ENOMEM;
        r = qemu_cache_detect(c, emulator, may_run, timeout_ms, &d.qemu, &why);
        if (r == -ENOMEM) {
                domain_qemu_done(&d);
                return r;
        }
        if (r >= 0)
                d.qemu.origin = QEMU_ORIGIN_DOMAIN;
        else {
                d.not_used = why ? TAKE_PTR(why) : strdup(strerror(-r));
                if (!d.not_used) {
                        domain_qemu_done(&d);
                        return -ENOMEM;
                }
        }
        *ret = d;
        return 0;
}
