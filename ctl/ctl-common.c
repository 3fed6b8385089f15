/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What kvmregsctl's verbs share: reading input, saying what is wrong, exit statuses. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "busclient.h"
#include "ctl.h"
#include "util.h"

void ctl_error(const char *fmt, ...) {
        va_list ap;

        fflush(stdout);
        fputs("kvmregsctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

int ctl_read_file(const char *path, size_t max, char **ret_data, size_t *ret_size) {
        _cleanup_close_ int fd = -1;

        if (strcmp(path, "-") != 0)
                return read_file_bounded(path, max, ret_data, ret_size);
        fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return -errno;
        return read_fd_bounded(fd, max, ret_data, ret_size);
}

static void say_profile_error(const char *what, int r, const ProfileError *e) {
        if (r == -E2BIG && !e->message[0])
                ctl_error("%s: larger than %u bytes, the limit for a profile", what, KVMREGS_MAX_DOCUMENT);
        else if (r == -ENOMEM)
                ctl_error("%s: out of memory", what);
        else if (e->message[0] && e->path[0])
                ctl_error("%s: invalid profile at %s: %s", what, e->path, e->message);
        else if (e->message[0])
                ctl_error("%s: invalid profile: %s", what, e->message);
        else
                ctl_error("%s: invalid profile: %s", what, strerror(-r));
}

int ctl_parse_profile(const char *what, const char *data, size_t size, Profile **ret) {
        ProfileError e = {};
        int r;

        r = profile_parse(data, size, ret, &e);
        if (r < 0) {
                say_profile_error(what, r, &e);
                return CTL_EXIT_USAGE;
        }
        return CTL_EXIT_OK;
}

int ctl_load_profile(const char *path, Profile **ret, char **ret_data) {
        _cleanup_free_ char *data = NULL;
        size_t size;
        int r;

        r = ctl_read_file(path, KVMREGS_MAX_DOCUMENT, &data, &size);
        if (r == -E2BIG) {
                ctl_error("%s: larger than %u bytes, the limit for a profile", path, KVMREGS_MAX_DOCUMENT);
                return CTL_EXIT_USAGE;
        }
        if (r < 0) {
                ctl_error("cannot read profile %s: %s", path, strerror(-r));
                return CTL_EXIT_USAGE;
        }
        r = ctl_parse_profile(path, data, size, ret);
        if (r == CTL_EXIT_OK && ret_data)
                *ret_data = TAKE_PTR(data);
        return r;
}

const VcpuConfig *ctl_get_config(const Profile *p, const char *what, const char *name) {
        const VcpuConfig *c = profile_get_config(p, name);
        char list[1024] = "";
        size_t len = 0;

        if (c)
                return c;
        for (size_t i = 0; i < p->n_configs && len < sizeof(list) - 1; i++) {
                int n = snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "", p->configs[i].name);
                if (n < 0)
                        break;
                len += (size_t) n;
        }
        ctl_error("%s has no vCPU configuration '%s'; it has: %s", what, name, p->n_configs ? list : "none");
        return NULL;
}

const char *ctl_profile_label(const Profile *p, const char *path) {
        const char *slash;

        if (p && p->label && *p->label)
                return p->label;
        if (p && p->hostname && *p->hostname)
                return p->hostname;
        if (!path)
                return "?";
        slash = strrchr(path, '/');
        return slash ? slash + 1 : path;
}

int ctl_exit_for_verdict(Verdict v) {
        return v == VERDICT_INCOMPATIBLE ? CTL_EXIT_INCOMPATIBLE : CTL_EXIT_OK;
}

int ctl_exit_for_bus_error(int r) {
        switch (r) {
        case -EINVAL:
        case -E2BIG:
        case -ENOENT:
                return CTL_EXIT_USAGE;
        default:
                return CTL_EXIT_UNREACHABLE;
        }
}

void ctl_bus_error(const char *where, const char *what, int r, const char *message) {
        if (r == -ETIMEDOUT)
                ctl_error("%s: %s: timed out (%s); try a longer --timeout, or check that kvmregsd is healthy",
                          where, what, message ? message : "no answer");
        else if (r == -EBADMSG)
                ctl_error("%s: %s: the answer is not what kvmregsd sends (%s); is it a kvmregsd of another version?",
                          where, what, message ? message : "malformed");
        else
                ctl_error("%s: %s: %s", where, what, message ? message : strerror(-r));
}

int ctl_bus_connect(Ctl *ctl, const char *address, const char *where, BusClient **ret) {
        _cleanup_free_ char *message = NULL;
        int connect_ms = ctl->connect_timeout_ms > 0 ? ctl->connect_timeout_ms
                                                     : busclient_default_connect_timeout(address, ctl->timeout_ms);
        int r;

        r = busclient_new_with_timeouts(address, connect_ms, ctl->timeout_ms, ret, &message);
        if (r < 0) {
                if (r == -EINVAL) {
                        ctl_error("%s: not a usable D-Bus address (%s)", where, message ? message : strerror(-r));
                        return CTL_EXIT_USAGE;
                }
                if (r == -ETIMEDOUT)
                        ctl_error("%s: no answer within %d ms while connecting; try a longer --connect-timeout",
                                  where, connect_ms);
                else
                        ctl_error("%s: cannot connect (%s); is the bus running, and the address right?",
                                  where, message ? message : strerror(-r));
                return CTL_EXIT_UNREACHABLE;
        }
        return CTL_EXIT_OK;
}

int ctl_print_json(json_object *o) {
        const char *s = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)
                          : NULL;

        if (!s) {
                ctl_error("out of memory");
                return -ENOMEM;
        }
        puts(s);
        return 0;
}
