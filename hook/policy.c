/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hook's policy file: parsing and validation. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"
#include "util.h"

static char *strip(char *s) {
        char *e;

        s += strspn(s, " \t");
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
                *--e = '\0';
        return s;
}

static int parse_allow_refuse(const char *v, bool *ret_refuse) {
        if (strcmp(v, "allow") == 0)
                *ret_refuse = false;
        else if (strcmp(v, "refuse") == 0)
                *ret_refuse = true;
        else
                return -EINVAL;
        return 0;
}

static int set_path(char **dst, const char *v) {
        char *p;

        if (*v == '\0') {
                free(*dst);
                *dst = NULL;
                return 0;
        }
        if (strlen(v) > PATH_MAX)
                return -EINVAL;
        p = strdup(v);
        if (!p)
                return -ENOMEM;
        free(*dst);
        *dst = p;
        return 0;
}

static int policy_set(Policy *p, const char *key, const char *value) {
        if (strcmp(key, "mode") == 0) {
                if (strcmp(value, "enforce") == 0)
                        p->mode = MODE_ENFORCE;
                else if (strcmp(value, "warn") == 0)
                        p->mode = MODE_WARN;
                else if (strcmp(value, "off") == 0)
                        p->mode = MODE_OFF;
                else
                        return -EINVAL;
                return 0;
        }
        if (strcmp(key, "on_daemon_error") == 0)
                return parse_allow_refuse(value, &p->refuse_on_daemon_error);
        if (strcmp(key, "on_missing_record") == 0)
                return parse_allow_refuse(value, &p->refuse_on_missing_record);
        if (strcmp(key, "timeout_ms") == 0) {
                char *end;
                long ms;

                errno = 0;
                ms = strtol(value, &end, 10);
                if (errno || end == value || *end || ms < 1 || ms > POLICY_MAX_TIMEOUT_MS)
                        return -EINVAL;
                p->timeout_ms = (int) ms;
                return 0;
        }
        if (strcmp(key, "bus_address") == 0)
                return set_path(&p->bus_address, value);
        if (strcmp(key, "cache_dir") == 0)
                return set_path(&p->cache_dir, value);
        if (strcmp(key, "log_file") == 0)
                return set_path(&p->log_file, value);
        return -ENOENT;
}

int policy_load(Policy *p, const char *path, char **ret_error) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        unsigned lineno = 0;
        char *line, *save = NULL;
        int r;

        r = read_file_bounded(path, POLICY_MAX_SIZE, &data, &size);
        if (r == -ENOENT)
                return 0;
        if (r == -E2BIG) {
                *ret_error = strdup_printf("%s is larger than %u bytes", path, POLICY_MAX_SIZE);
                return r;
        }
        if (r < 0) {
                *ret_error = strdup_printf("cannot read %s: %s", path, strerror(-r));
                return r;
        }

        /* The lines would end at a NUL: what follows it (on_daemon_error = refuse, say) would be
         * silently ignored. */
        const char *nul = memchr(data, '\0', size);
        if (nul) {
                unsigned n = 1;
                for (const char *c = data; c < nul; c++)
                        n += *c == '\n';
                *ret_error = strdup_printf("%s:%u: a NUL byte (not a text file)", path, n);
                return -EINVAL;
        }

        /* strtok_r would merge empty lines and miscount: split by hand */
        for (line = data; line; line = save) {
                char *eq, *key, *value;

                save = strchr(line, '\n');
                if (save)
                        *save++ = '\0';
                lineno++;
                line = strip(line);
                if (*line == '\0' || *line == '#')
                        continue;
                eq = strchr(line, '=');
                if (!eq) {
                        *ret_error = strdup_printf("%s:%u: expected key = value", path, lineno);
                        return -EINVAL;
                }
                *eq = '\0';
                key = strip(line);
                value = strip(eq + 1);
                r = policy_set(p, key, value);
                if (r == -ENOENT) {
                        *ret_error = strdup_printf("%s:%u: unknown key \"%.64s\"", path, lineno, key);
                        return -EINVAL;
                }
                if (r < 0) {
                        *ret_error = strdup_printf("%s:%u: invalid value for %s: \"%.128s\"", path, lineno, key,
                                                   value);
                        return r;
                }
        }
        return 0;
}

void policy_done(Policy *p) {
        free(p->bus_address);
        free(p->cache_dir);
        free(p->log_file);
        p->bus_address = p->cache_dir = p->log_file = NULL;
}
