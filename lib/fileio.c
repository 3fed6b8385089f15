/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading a whole file or descriptor, bounded (util.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int64_t monotonic_ms(void) {
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return (int64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Waits for fd to be readable until deadline_ms (negative: does not wait). 0, -ETIMEDOUT, -errno. */
static int wait_readable(int fd, int64_t deadline_ms) {
        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                int64_t left;
                int r;

                if (deadline_ms < 0)
                        return 0;
                left = deadline_ms - monotonic_ms();
                if (left <= 0)
                        return -ETIMEDOUT;
                r = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int) left);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                if (r == 0)
                        return -ETIMEDOUT;
                return 0;
        }
}

int read_fd_bounded(int fd, size_t max, char **ret, size_t *ret_size) {
        return read_fd_bounded_until(fd, max, -1, ret, ret_size);
}

int read_fd_bounded_until(int fd, size_t max, int64_t deadline_ms, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, allocated = 0;
        struct stat st;

        if (fd < 0 || !ret || max >= SIZE_MAX - 2)
                return -EINVAL;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (S_ISREG(st.st_mode) && (uint64_t) st.st_size > max)
                return -E2BIG;

        for (;;) {
                ssize_t n;
                int r;

                /* room for one byte over the limit, which tells a too-large pipe or growing file
                 * apart, and the NUL */
                if (size + 1 >= allocated) {
                        size_t want = allocated ? allocated * 2 : 64 * 1024;
                        char *p;

                        if (want > max + 2)
                                want = max + 2;
                        p = realloc(buf, want);
                        if (!p)
                                return -ENOMEM;
                        buf = p;
                        allocated = want;
                }
                r = wait_readable(fd, deadline_ms);
                if (r < 0)
                        return r;
                n = read(fd, buf + size, allocated - size - 1);
                if (n < 0) {
                        /* EAGAIN: a non-blocking fd, waited for by poll when there is a deadline */
                        if (errno == EINTR || (errno == EAGAIN && deadline_ms >= 0))
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                size += (size_t) n;
                if (size > max)
                        return -E2BIG;
        }
        buf[size] = '\0';
        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = size;
        return 0;
}

int read_file_bounded(const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -1;

        if (!path)
                return -EINVAL;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        return read_fd_bounded(fd, max, ret, ret_size);
}

static int write_all(int fd, const char *data, size_t size) {
        while (size > 0) {
                ssize_t k = write(fd, data, size);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                data += k;
                size -= (size_t) k;
        }
        return 0;
}

int write_file_atomic(const char *dir, const char *name, const char *data, size_t size, struct stat *ret_st) {
        _cleanup_free_ char *tmp = NULL, *path = NULL;
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r;

        if (!dir || !name || !data)
                return -EINVAL;
        tmp = strdup_printf("%s/.%s.XXXXXX", dir, name);
        path = strdup_printf("%s/%s", dir, name);
        if (!tmp || !path)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = write_all(fd, data, size);
        if (r == 0 && fchmod(fd, 0644) < 0)
                r = -errno;
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (r == 0 && fstat(fd, &st) < 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                unlink(tmp);
                return r;
        }
        if (ret_st)
                *ret_st = st;
        return 0;
}
