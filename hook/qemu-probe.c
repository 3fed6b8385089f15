/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The destination QEMU's CPU properties: asked of the emulator, cached per binary and CPU type. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qemu-probe.h"
#include "qemu-run.h"
#include "sha256.h"
#include "util.h"

static char *cache_path(const char *cache_dir, const char *emulator, const struct stat *st,
                        const char *cpu_type) {
        _cleanup_free_ char *key = NULL;
        uint8_t digest[32];
        char hex[65];
        Sha256 s;

        key = strdup_printf("%s\n%llu\n%llu\n%lld.%09ld\n%lld\n%s", emulator, (unsigned long long) st->st_dev,
                            (unsigned long long) st->st_ino, (long long) st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
                            (long long) st->st_size, cpu_type);
        if (!key)
                return NULL;
        sha256_init(&s);
        sha256_update(&s, key, strlen(key));
        sha256_final(&s, digest);
        sha256_hex(digest, hex);
        return strdup_printf("%s/qemu-props-%s", cache_dir, hex);
}

static char *read_small_file(const char *path) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
        char *text = NULL;

        if (fd < 0 || read_fd_bounded(fd, QEMU_PROBE_MAX_OUTPUT, &text, NULL) < 0)
                return NULL;
        return text;
}

static void write_cache(const char *path, const char *text) {
        _cleanup_free_ char *tmp = strdup_printf("%s.%d", path, (int) getpid());
        _cleanup_free_ char *dir = strdup(path);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        int fd;

        if (!tmp || !slash)
                return;
        *slash = '\0';
        (void) mkdir(dir, 0755);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0644);
        if (fd < 0)
                return;
        if (write(fd, text, strlen(text)) != (ssize_t) strlen(text) || close(fd) < 0 || rename(tmp, path) < 0)
                (void) unlink(tmp);
}

/* The property names of QEMU type cpu_type, one per line, from `EMULATOR -machine none
 * -device TYPE,help` (an empty list when the type does not exist there). */
static int run_qemu_help(const char *emulator, const char *cpu_type, int timeout_ms, char **ret,
                         char **ret_error) {
        _cleanup_free_ char *arg = strdup_printf("%s,help", cpu_type), *out = NULL, *names = NULL;
        const char *const args[] = { "-machine", "none", "-nodefaults", "-device", arg, NULL };
        int status = 0, r;

        if (!arg)
                return -ENOMEM;
        r = qemu_run(emulator, args, timeout_ms, &out, &status, ret_error);
        if (r < 0)
                return r;
        /* "  name=<type>  - description": keep the names */
        size_t names_size = 0;
        FILE *f = open_memstream(&names, &names_size);
        if (!f)
                return -ENOMEM;
        if (status == 0)
                for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
                        size_t lead = strspn(line, " "), len;
                        if (lead == 0)
                                continue;
                        len = strcspn(line + lead, "=");
                        if (line[lead + len] == '=' && len > 0 && len < 128)
                                fprintf(f, "%.*s\n", (int) len, line + lead);
                }
        fclose(f);
        *ret = TAKE_PTR(names);
        return 0;
}

int qemu_probe_supports(const char *emulator, const char *cpu_type, char *const *adjustments, size_t n,
                        const char *cache_dir, int timeout_ms, char **ret_error) {
        _cleanup_free_ char *cache = NULL, *names = NULL;
        struct stat st;
        int r;

        if (!emulator || !qemu_emulator_is_trustworthy(emulator) || stat(emulator, &st) < 0) {
                *ret_error = strdup_printf("the domain's emulator %s is not a root-owned executable: its QEMU "
                                           "properties cannot be checked", emulator ? emulator : "(none)");
                return -EPERM;
        }
        cache = cache_path(cache_dir, emulator, &st, cpu_type);
        if (!cache)
                return -ENOMEM;
        names = read_small_file(cache);
        if (!names) {
                r = run_qemu_help(emulator, cpu_type, timeout_ms, &names, ret_error);
                if (r < 0)
                        return r;
                /* an empty answer (no such type, or QEMU failed) is asked again next time */
                if (*names)
                        write_cache(cache, names);
        }

        for (size_t i = 0; i < n; i++) {
                size_t len = strcspn(adjustments[i], "=");
                bool found = false;

                for (const char *l = names; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] ? 1 : 0))
                        if (strncmp(l, adjustments[i], len) == 0 && l[len] == '\n') {
                                found = true;
                                break;
                        }
                if (!found) {
                        *ret_error = strdup_printf("the fix needs QEMU property %s.%.*s, which %s does not have",
                                                   cpu_type, (int) len, adjustments[i], emulator);
                        return -EOPNOTSUPP;
                }
        }
        return 0;
}
