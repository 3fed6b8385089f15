/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* Which properties the destination's QEMU has for a CPU type: asked of the emulator, cached. */
#include <stddef.h>

#define QEMU_PROBE_MAX_OUTPUT (1024u * 1024u)

/*
 * Does emulator (a root-owned executable) have every property the adjustments ("prop=value")
 * set on cpu_type? Detected with `EMULATOR -machine none -nodefaults -device TYPE,help`, never
 * assumed; the names are cached in cache_dir per emulator binary (path, inode, mtime, size) and
 * CPU type. The emulator gets timeout_ms. 0 yes; -EOPNOTSUPP (a property is missing), -EPERM
 * (not a trustworthy emulator), -ETIMEDOUT, -errno, each with *ret_error.
 */
int qemu_probe_supports(const char *emulator, const char *cpu_type, char *const *adjustments, size_t n,
                        const char *cache_dir, int timeout_ms, char **ret_error);
