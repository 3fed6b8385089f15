/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* The hook's policy: /etc/kvmregs/kvmregs.conf (docs/kvmregs.conf.md). */
#include <stdbool.h>

#define POLICY_DEFAULT_PATH SYSCONFDIR "/kvmregs/kvmregs.conf"
#define POLICY_DEFAULT_CACHE_DIR "/run/kvmregs"
#define POLICY_MAX_SIZE (64u * 1024u)
#define POLICY_MAX_TIMEOUT_MS 2000   /* libvirt waits on the hook: a migration check never holds it longer */

typedef enum PolicyMode { MODE_ENFORCE, MODE_WARN, MODE_OFF } PolicyMode;

typedef struct Policy {
        PolicyMode mode;
        bool refuse_on_daemon_error;
        bool refuse_on_missing_record;
        int timeout_ms;
        char *bus_address;       /* NULL: the system bus */
        char *cache_dir;         /* NULL: POLICY_DEFAULT_CACHE_DIR */
        char *log_file;          /* NULL: syslog only */
} Policy;

#define POLICY_INIT { .mode = MODE_ENFORCE, .timeout_ms = 2000 }

/*
 * key = value lines, '#' comments, into p (which holds the defaults). A missing file means
 * the defaults; a wrong one is an error with *ret_error naming the line (a typo must not
 * silently turn "refuse" into "allow"). -errno, -E2BIG, -EINVAL, -ENOMEM.
 */
int policy_load(Policy *p, const char *path, char **ret_error);
/* Frees what policy_load allocated. */
void policy_done(Policy *p);
