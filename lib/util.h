/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* Small helpers shared by every part of kvmregs. */
#include <stdlib.h>
#include <stdio.h>
#include <stdarg.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

/* Generates x_freep() for use with _cleanup_(x_freep). */
#define DEFINE_FREEP(type, func)                                  \
        static inline void func##p(type **p) {                    \
                if (*p)                                           \
                        func(*p);                                 \
        }

static inline void freep(void *p) {
        free(*(void **) p);
}
static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
static inline void closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_close_ _cleanup_(closep)

/* Takes ownership: returns *p and sets *p to NULL. */
#define TAKE_PTR(p) ({ __typeof__(p) _t = (p); (p) = NULL; _t; })
#define TAKE_FD(fd) ({ int _t = (fd); (fd) = -1; _t; })

/* A malloc'd formatted string, NULL on ENOMEM. */
static inline char *strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline char *strdup_printf(const char *fmt, ...) {
        va_list ap;
        char *s;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        return s;
}

/* Hard limits on what a caller can make us allocate. */
#define KVMREGS_MAX_DOCUMENT   (16u * 1024u * 1024u)  /* one profile or record, bytes */
#define KVMREGS_MAX_CONFIGS    32u                    /* vCPU configurations in a profile */
#define KVMREGS_MAX_REGS       4096u                  /* registers in one configuration */
#define KVMREGS_MAX_STRING     4096u                  /* one string field */

/*
 * The whole content of a file (opened O_CLOEXEC) or of fd, up to its end: at most max bytes
 * (max + 1 are read to tell a pipe or growing file over the limit apart). *ret is malloc'd
 * and NUL-terminated (one byte more than *ret_size; ret_size may be NULL). -E2BIG over max,
 * -EISDIR for a directory, -ENOMEM, -errno of open/fstat/read (lib/fileio.c).
 */
int read_file_bounded(const char *path, size_t max, char **ret, size_t *ret_size);
int read_fd_bounded(int fd, size_t max, char **ret, size_t *ret_size);
/* As read_fd_bounded(), waiting (poll) no later than deadline_ms (CLOCK_MONOTONIC milliseconds,
 * monotonic_ms(); negative: no deadline): a writer that never closes is not waited for.
 * -ETIMEDOUT then. */
int read_fd_bounded_until(int fd, size_t max, int64_t deadline_ms, char **ret, size_t *ret_size);
/* CLOCK_MONOTONIC in milliseconds. */
int64_t monotonic_ms(void);
/*
 * DIR/name replaced atomically by data: written to DIR/.name.XXXXXX (O_CLOEXEC, mode 0644),
 * fsync'd, renamed over DIR/name; a failure leaves DIR/name as it was and no temporary file.
 * ret_st (may be NULL): the written file's stat. -errno (-ENOSPC on a full disk), -ENOMEM.
 */
struct stat;
int write_file_atomic(const char *dir, const char *name, const char *data, size_t size, struct stat *ret_st);
