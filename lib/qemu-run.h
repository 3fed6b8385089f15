/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * Running a host's QEMU binary to ask it about itself (`--version`, `-trace help`,
 * `-device TYPE,help`), and detecting its migration load behaviour from the answers
 * (docs/profile-format.md, "host.qemu"). Shared by kvmregsd and the hook.
 */
#include <stdbool.h>
#include <stddef.h>

#include "profile.h"

#define QEMU_RUN_MAX_OUTPUT (1024u * 1024u)   /* bytes read from one run */
#define QEMU_RUN_DEFAULT_TIMEOUT_MS 5000

#define QEMU_CACHE_MAX_ENTRIES 32   /* emulators a QemuCache remembers (the least recently used goes) */

struct stat;
typedef struct DomainQemu DomainQemu;

/*
 * Whether path may be run as a QEMU, as root (the one check; docs/rules.md, "Which QEMU a
 * comparison assumes"): an absolute, normalised path (no ".", "..", "//", trailing "/") of at
 * most PATH_MAX bytes and no symbolic link on the way; every directory on it owned by root (or
 * by us) and not writable by group or others unless sticky (/tmp) with the next component
 * root's; the file regular, executable, owned by root (or by us), not writable by group or
 * others. Walked with openat(O_PATH|O_NOFOLLOW) component by component; nothing is run or read.
 * ret_st (may be NULL): the file's stat. -EINVAL (not such a path), -EPERM (someone else could
 * change it), -ENOENT, -ENOTDIR, -errno; *ret_why (may be NULL) a clause saying why ("it is not
 * owned by root"), malloc'd.
 */
int qemu_emulator_check(const char *path, struct stat *ret_st, char **ret_why);
/* qemu_emulator_check() >= 0. */
bool qemu_emulator_is_trustworthy(const char *path);

/*
 * Runs EMULATOR ARGS... (environment LC_ALL=C and a fixed PATH, stdin /dev/null, stdout and
 * stderr captured together, at most QEMU_RUN_MAX_OUTPUT bytes, killed after timeout_ms).
 * ret_output: the output; ret_exit: its exit status (-1 if killed by a signal).
 * -ETIMEDOUT, -E2BIG, -errno of spawning; *ret_error says what (malloc'd, may be NULL).
 */
int qemu_run(const char *emulator, const char *const *args, int timeout_ms, char **ret_output, int *ret_exit,
             char **ret_error);

/*
 * Detects emulator's QEMU: its version (`--version`) and its load behaviour from its own trace
 * events (`-trace help`), else from the version (qemu_detect_load()). Fills *ret (emulator,
 * version, package, load, detected; origin PROFILE). -EPERM (not trustworthy), -ENODATA (neither
 * answer says), or qemu_run()'s errors, each with *ret_error.
 */
int qemu_detect_host(const char *emulator, int timeout_ms, ProfileQemu *ret, char **ret_error);

/*
 * What kvmregsd detected of the emulators it met (qemu_detect_host()), keyed by path, st_dev,
 * st_ino, st_mtime and st_size: a binary replaced or rebuilt is detected again. At most
 * QEMU_CACHE_MAX_ENTRIES. Thread-safe (kvmregsd's loop, workers and libvirt watcher share one).
 */
typedef struct QemuCache QemuCache;
QemuCache *qemu_cache_new(void);
QemuCache *qemu_cache_free(QemuCache *c);   /* NULL-safe, returns NULL */
/* Entries held, and detections run (for tests and the journal). */
size_t qemu_cache_size(QemuCache *c);
unsigned qemu_cache_runs(QemuCache *c);

/*
 * emulator's QEMU: from c when an entry matches the file as it is now (it still passes
 * qemu_emulator_check()), else detected by qemu_detect_host() — only when may_run — and
 * remembered. c NULL: detected every time (may_run still decides). Without may_run a file not
 * in c, or failing the check, is -EACCES with a why that says no more than that (the caller
 * learns nothing of a file it could not stat itself). Otherwise qemu_emulator_check()'s and
 * qemu_detect_host()'s errors, with *ret_why. *ret set only on success (origin PROFILE).
 */
int qemu_cache_detect(QemuCache *c, const char *emulator, bool may_run, int timeout_ms, ProfileQemu *ret,
                      char **ret_why);

/*
 * The QEMU that loads an incoming domain (docs/rules.md): when the domain names an emulator
 * and host says which QEMU it runs but not that one, emulator's (qemu_cache_detect(); origin
 * QEMU_ORIGIN_DOMAIN), or why not. *ret all empty when the profile's QEMU applies as it is.
 * may_run: the caller is root (kvmregsd's CompareDomain), or the domain is local (the watcher).
 * -ENOMEM only: a QEMU that cannot be used is said in ret->not_used.
 */
int qemu_domain_qemu(QemuCache *c, const Profile *host, const char *emulator, bool may_run, int timeout_ms,
                     DomainQemu *ret);
