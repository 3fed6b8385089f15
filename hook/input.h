/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* The domain XML libvirt writes to the hook's standard input. */
#include <stddef.h>

/*
 * Reads fd to its end, at most max bytes, until deadline_ms (CLOCK_MONOTONIC milliseconds,
 * see input_now_ms()): a writer that never closes is not waited for. NUL-terminated.
 * -ETIMEDOUT, -E2BIG (over max), -ENOMEM, -errno.
 */
int input_read(int fd, size_t max, long deadline_ms, char **ret, size_t *ret_size);
/* CLOCK_MONOTONIC in milliseconds. */
long input_now_ms(void);
