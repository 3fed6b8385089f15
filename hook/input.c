/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hook's standard input: bounded in size and in time. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "input.h"
#include "util.h"

long input_now_ms(void) {
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return now.tv_sec * 1000L + now.tv_nsec / 1000000L;
}

int input_read(int fd, size_t max, long deadline_ms, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, alloc = 0;

        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                long left = deadline_ms - input_now_ms();
                ssize_t n;
                int r;

                if (left <= 0)
                        return -ETIMEDOUT;
                r = poll(&p, 1, (int) left);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                if (r == 0)
                        return -ETIMEDOUT;
                if (size == alloc) {
                        size_t want = alloc ? alloc * 2 : 64u * 1024u;
                        char *nb;

                        if (want > max + 1)
                                want = max + 1;
                        if (want == alloc)
                                return -E2BIG;
                        nb = realloc(buf, want + 1);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        alloc = want;
                }
                n = read(fd, buf + size, alloc - size);
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                size += (size_t) n;
                if (size > max)
                        return -E2BIG;
        }
        if (!buf)
                buf = calloc(1, 1);
        if (!buf)
                return -ENOMEM;
        buf[size] = '\0';
        *ret = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}
