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

/*
 * Whether path may be run as the host's QEMU: absolute, a regular executable file, owned by
 * root (or by us) and not writable by group or others — what libvirt itself would run.
 */
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
