/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvmregs-hook: libvirt's qemu hook (installed as qemu.d/50-kvmregs). On the destination
 * of an incoming migration ("NAME migrate begin -", domain XML on stdin) it asks the local
 * kvmregsd whether the guest's recorded registers load here, and then allows the migration,
 * allows it with QEMU arguments that pin the vCPU to the source's features (adjusted XML on
 * stdout), or refuses it with one message naming every offending register. Every other
 * operation: exit 0 at once. docs/kvmregs-hook.md describes it all.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>

#include <json-c/json.h>

#include "busclient.h"
#include "domxml.h"
#include "sha256.h"
#include "util.h"

#define DEFAULT_CONF_PATH SYSCONFDIR "/kvmregs/kvmregs.conf"
#define DEFAULT_CACHE_DIR "/run/kvmregs"
#define CONF_MAX_SIZE (64u * 1024u)
#define CONF_MAX_TIMEOUT_MS 2000   /* libvirt waits on the hook: a migration check never holds it longer */
#define QEMU_HELP_MAX_SIZE (1024u * 1024u)
#define MESSAGE_MAX_SIZE (64u * 1024u)  /* what virsh shows; findings beyond are counted */
#define EXIT_ALLOW 0
#define EXIT_REFUSE 1
#define EXIT_USAGE 2

extern char **environ;

typedef enum Mode { MODE_ENFORCE, MODE_WARN, MODE_OFF } Mode;

typedef struct HookConf {
        Mode mode;
        bool refuse_on_daemon_error;
        bool refuse_on_missing_record;
        int timeout_ms;
        char *bus_address;       /* NULL: the system bus */
        char *cache_dir;
        char *log_file;          /* NULL: syslog only */
} HookConf;

/* What one run decided, for the log line and the exit status. */
typedef struct Decision {
        const char *domain;
        const char *source_host;
        char destination_host[HOST_NAME_MAX + 1];
        char *src_digest;
        char *dst_digest;
        const char *verdict;     /* the daemon's verdict, or what stopped us */
        bool refuse;
        char *message;           /* refusal or warning text (one line) */
        struct timespec start;
} Decision;

static HookConf conf = {
        .mode = MODE_ENFORCE,
        .timeout_ms = 2000,
};
static Decision decision;
static volatile sig_atomic_t watchdog_refuses;

static long elapsed_ms(void) {
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return (now.tv_sec - decision.start.tv_sec) * 1000L + (now.tv_nsec - decision.start.tv_nsec) / 1000000L;
}

/* ---- policy file ---- */

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

static int conf_set(const char *key, const char *value) {
        if (strcmp(key, "mode") == 0) {
                if (strcmp(value, "enforce") == 0)
                        conf.mode = MODE_ENFORCE;
                else if (strcmp(value, "warn") == 0)
                        conf.mode = MODE_WARN;
                else if (strcmp(value, "off") == 0)
                        conf.mode = MODE_OFF;
                else
                        return -EINVAL;
                return 0;
        }
        if (strcmp(key, "on_daemon_error") == 0)
                return parse_allow_refuse(value, &conf.refuse_on_daemon_error);
        if (strcmp(key, "on_missing_record") == 0)
                return parse_allow_refuse(value, &conf.refuse_on_missing_record);
        if (strcmp(key, "timeout_ms") == 0) {
                char *end;
                long ms;

                errno = 0;
                ms = strtol(value, &end, 10);
                if (errno || end == value || *end || ms < 1 || ms > CONF_MAX_TIMEOUT_MS)
                        return -EINVAL;
                conf.timeout_ms = (int) ms;
                return 0;
        }
        if (strcmp(key, "bus_address") == 0)
                return set_path(&conf.bus_address, value);
        if (strcmp(key, "cache_dir") == 0)
                return set_path(&conf.cache_dir, value);
        if (strcmp(key, "log_file") == 0)
                return set_path(&conf.log_file, value);
        return -ENOENT;
}

/* key = value lines, '#' comments. A missing file means the defaults; a wrong one is an error
 * (a typo must not silently turn "refuse" into "allow"). */
static int conf_load(const char *path, char **ret_error) {
        _cleanup_free_ char *data = NULL;
        _cleanup_close_ int fd = -1;
        size_t size = 0;
        unsigned lineno = 0;
        char *line, *save = NULL;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                if (errno == ENOENT)
                        return 0;
                *ret_error = strdup_printf("cannot open %s: %s", path, strerror(errno));
                return -errno;
        }
        data = malloc(CONF_MAX_SIZE + 1);
        if (!data)
                return -ENOMEM;
        for (;;) {
                ssize_t n = read(fd, data + size, CONF_MAX_SIZE + 1 - size);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        *ret_error = strdup_printf("cannot read %s: %s", path, strerror(errno));
                        return -errno;
                }
                if (n == 0)
                        break;
                size += (size_t) n;
                if (size > CONF_MAX_SIZE) {
                        *ret_error = strdup_printf("%s is larger than %u bytes", path, CONF_MAX_SIZE);
                        return -E2BIG;
                }
        }
        data[size] = '\0';

        /* strtok_r would merge empty lines and miscount: split by hand */
        for (line = data; line; line = save) {
                char *eq, *key, *value;
                int r;

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
                r = conf_set(key, value);
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

/* ---- logging: one line per decision ---- */

static void log_decision(void) {
        _cleanup_free_ char *line = NULL;

        line = strdup_printf("domain=%s source=%s destination=%s src_digest=%s dst_digest=%s verdict=%s "
                             "decision=%s elapsed_ms=%ld%s%s",
                             decision.domain ? decision.domain : "-",
                             decision.source_host ? decision.source_host : "-",
                             decision.destination_host[0] ? decision.destination_host : "-",
                             decision.src_digest ? decision.src_digest : "-",
                             decision.dst_digest ? decision.dst_digest : "-",
                             decision.verdict ? decision.verdict : "-",
                             decision.refuse ? "refuse" : "allow", elapsed_ms(),
                             decision.message ? " message=" : "", decision.message ? decision.message : "");
        if (!line)
                return;
        /* one line, whatever the message */
        for (char *p = line; *p; p++)
                if (*p == '\n')
                        *p = ' ';
        syslog(decision.refuse ? LOG_ERR : LOG_INFO, "%s", line);
        if (conf.log_file) {
                _cleanup_close_ int fd = open(conf.log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
                if (fd >= 0)
                        (void) dprintf(fd, "%s\n", line);
        }
}

/* Ends the run: logs, prints the refusal (enforce mode) and the adjusted XML, exits. */
static int finish(bool refuse, const char *verdict, char *message, const char *xml_out) {
        const struct itimerval off = {};

        setitimer(ITIMER_REAL, &off, NULL);
        decision.verdict = verdict;
        decision.message = message;
        /* warn: log what would have happened, let it through, change nothing */
        decision.refuse = refuse && conf.mode != MODE_WARN;
        if (conf.mode == MODE_WARN)
                xml_out = NULL;
        log_decision();
        if (decision.refuse) {
                fprintf(stderr, "kvmregs: %s\n", message ? message : "migration refused");
                fflush(stderr);
                return EXIT_REFUSE;
        }
        if (xml_out) {
                size_t n = strlen(xml_out);
                if (fwrite(xml_out, 1, n, stdout) != n || fflush(stdout) != 0)
                        return EXIT_REFUSE;  /* a half-written definition must not be used */
        }
        return EXIT_ALLOW;
}

/* Last resort against a hang anywhere: only the policy's answer, never partial output. */
static void on_watchdog(int sig) {
        static const char msg[] = "kvmregs: the migration check did not finish in time\n";

        if (watchdog_refuses) {
                (void) !write(STDERR_FILENO, msg, sizeof(msg) - 1);
                _exit(EXIT_REFUSE);
        }
        _exit(EXIT_ALLOW);
}

static void arm_watchdog(long ms) {
        struct itimerval t = { .it_value = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 } };
        struct sigaction sa = { .sa_handler = on_watchdog };

        watchdog_refuses = conf.mode == MODE_ENFORCE && conf.refuse_on_daemon_error;
        sigaction(SIGALRM, &sa, NULL);
        setitimer(ITIMER_REAL, &t, NULL);
}

/* ---- input ---- */

static int read_stdin(char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, alloc = 0;

        for (;;) {
                struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
                long left = conf.timeout_ms - elapsed_ms();
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

                        if (want > DOMXML_MAX_SIZE + 1)
                                want = DOMXML_MAX_SIZE + 1;
                        if (want == alloc)
                                return -E2BIG;
                        nb = realloc(buf, want + 1);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        alloc = want;
                }
                n = read(STDIN_FILENO, buf + size, alloc - size);
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                size += (size_t) n;
                if (size > DOMXML_MAX_SIZE)
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

/* The record's configuration name and source host name (json-c, depth-limited). */
static int record_identity(const char *record_json, char **ret_config, char **ret_host) {
        json_tokener *tok = json_tokener_new_ex(32);
        json_object *root, *configs, *first, *name, *host = NULL, *hostname = NULL;
        int r = -EINVAL;

        if (!tok)
                return -ENOMEM;
        root = json_tokener_parse_ex(tok, record_json, (int) strlen(record_json));
        if (!root || json_tokener_get_error(tok) != json_tokener_success)
                goto out;
        if (!json_object_is_type(root, json_type_object) ||
            !json_object_object_get_ex(root, "configs", &configs) || !json_object_is_type(configs, json_type_array) ||
            json_object_array_length(configs) != 1 || !(first = json_object_array_get_idx(configs, 0)) ||
            !json_object_object_get_ex(first, "name", &name) || !json_object_is_type(name, json_type_string) ||
            json_object_get_string_len(name) == 0 || json_object_get_string_len(name) > 64)
                goto out;
        /* the source host's name: in "host" or at the top level */
        if ((json_object_object_get_ex(root, "host", &host) && json_object_is_type(host, json_type_object) &&
             json_object_object_get_ex(host, "hostname", &hostname)) ||
            json_object_object_get_ex(root, "hostname", &hostname)) {
                if (!json_object_is_type(hostname, json_type_string) || json_object_get_string_len(hostname) > 255)
                        hostname = NULL;
        }
        *ret_config = strdup(json_object_get_string(name));
        *ret_host = hostname ? strdup(json_object_get_string(hostname)) : NULL;
        r = *ret_config ? 0 : -ENOMEM;
out:
        json_object_put(root);
        json_tokener_free(tok);
        return r;
}

/* ---- the report ---- */

static const char *json_str(json_object *o, const char *key) {
        json_object *v;

        if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

/* A value that may be a number or a "0x..." string, as text. */
static const char *json_text(json_object *o, const char *key, char *buf, size_t size) {
        json_object *v;

        if (!o || !json_object_object_get_ex(o, key, &v))
                return NULL;
        if (json_object_is_type(v, json_type_string))
                return json_object_get_string(v);
        if (json_object_is_type(v, json_type_int)) {
                snprintf(buf, size, "%" PRId64, json_object_get_int64(v));
                return buf;
        }
        return NULL;
}

/* Everything that makes the migration fail, one finding a line: the register (name and
 * encoding), both values, field and rule (kvmregsd's message says most of it; what it leaves
 * out is added), then each distinct remedy once. */
static char *refusal_text(json_object *report) {
        json_object *findings;
        char *text = NULL, *remedies = NULL;
        size_t size = 0, remedies_size = 0, fatal = 0, shown = 0;
        FILE *f = open_memstream(&text, &size);
        FILE *todo = open_memstream(&remedies, &remedies_size);

        if (!f || !todo) {
                if (f)
                        fclose(f);
                if (todo)
                        fclose(todo);
                free(text);
                free(remedies);
                return NULL;
        }
        if (json_object_object_get_ex(report, "findings", &findings) &&
            json_object_is_type(findings, json_type_array)) {
                size_t n = json_object_array_length(findings);

                for (size_t i = 0; i < n; i++) {
                        json_object *x = json_object_array_get_idx(findings, i);
                        const char *sev = json_str(x, "severity"), *reg, *id, *field, *rule, *msg, *remedy;
                        const char *sv, *dv;
                        char b1[32], b2[32], b3[32];

                        if (!sev || strcmp(sev, "fatal") != 0)
                                continue;
                        fatal++;
                        if (ftell(f) > (long) MESSAGE_MAX_SIZE)
                                continue;
                        shown++;
                        reg = json_str(x, "register");
                        id = json_text(x, "id", b1, sizeof(b1));
                        sv = json_text(x, "src_value", b2, sizeof(b2));
                        dv = json_text(x, "dst_value", b3, sizeof(b3));
                        field = json_str(x, "field");
                        rule = json_str(x, "rule");
                        msg = json_str(x, "message");
                        remedy = json_str(x, "remedy");
                        if (msg && !*msg)
                                msg = NULL;

                        fputs("\n  - ", f);
                        if ((reg && (!msg || !strstr(msg, reg))) || (id && (!msg || !strstr(msg, id))))
                                fprintf(f, "%s%s%s%s: ", reg ? reg : "", reg && id ? " (" : "", id ? id : "",
                                        reg && id ? ")" : "");
                        if (msg)
                                fputs(msg, f);
                        else if (sv || dv)
                                fprintf(f, "source %s, destination %s", sv ? sv : "-", dv ? dv : "-");
                        else
                                fputs(json_str(x, "kind") ? json_str(x, "kind") : "fatal", f);
                        if (field)
                                fprintf(f, " [field %s, rule %s]", field, rule ? rule : "equal");
                        if (remedy && *remedy) {
                                fflush(todo);
                                if (!remedies || !strstr(remedies, remedy))
                                        fprintf(todo, "\n  - %s", remedy);
                        }
                }
        }
        if (fatal > shown)
                fprintf(f, "\n  - and %zu more", fatal - shown);
        fclose(todo);
        if (remedies && *remedies)
                fprintf(f, "\nWhat to do:%s", remedies);
        free(remedies);
        fclose(f);
        if (fatal == 0) {
                free(text);
                return strdup(" kvmregsd found the guest incompatible (its report names no fatal problem)");
        }
        return text;
}

/* ---- the destination QEMU's properties ---- */

static bool emulator_is_trustworthy(const char *path, const struct stat *st) {
        /* We run it as root: only what root installed, like libvirt's own binaries. */
        return path[0] == '/' && S_ISREG(st->st_mode) && (st->st_mode & 0111) &&
               !(st->st_mode & (S_IWGRP | S_IWOTH)) && (st->st_uid == 0 || st->st_uid == geteuid());
}

static char *cache_path(const char *emulator, const struct stat *st, const char *cpu_type) {
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
        return strdup_printf("%s/qemu-props-%s", conf.cache_dir ? conf.cache_dir : DEFAULT_CACHE_DIR, hex);
}

static char *read_small_file(const char *path) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        ssize_t n;

        if (fd < 0)
                return NULL;
        buf = malloc(QEMU_HELP_MAX_SIZE + 1);
        if (!buf)
                return NULL;
        while ((n = read(fd, buf + size, QEMU_HELP_MAX_SIZE - size)) > 0)
                size += (size_t) n;
        if (n < 0)
                return NULL;
        buf[size] = '\0';
        return TAKE_PTR(buf);
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
static int run_qemu_help(const char *emulator, const char *cpu_type, char **ret, char **ret_error) {
        _cleanup_free_ char *arg = strdup_printf("%s,help", cpu_type), *out = NULL, *names = NULL;
        char *const argv[] = { (char *) emulator, (char *) "-machine", (char *) "none", (char *) "-nodefaults",
                               (char *) "-device", arg, NULL };
        char *const envp[] = { (char *) "LC_ALL=C", (char *) "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
        posix_spawn_file_actions_t actions;
        int pipefd[2], status = 0, r;
        size_t size = 0;
        long deadline = elapsed_ms() + conf.timeout_ms;
        pid_t pid;

        if (!arg)
                return -ENOMEM;
        out = malloc(QEMU_HELP_MAX_SIZE + 1);
        if (!out)
                return -ENOMEM;
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDERR_FILENO);
        r = posix_spawn(&pid, emulator, &actions, NULL, argv, envp);
        posix_spawn_file_actions_destroy(&actions);
        close(pipefd[1]);
        if (r != 0) {
                close(pipefd[0]);
                *ret_error = strdup_printf("cannot run %s: %s", emulator, strerror(r));
                return -r;
        }

        for (;;) {
                struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
                long left = deadline - elapsed_ms();
                ssize_t n;

                if (left <= 0 || (r = poll(&p, 1, (int) left)) == 0) {
                        r = -ETIMEDOUT;
                        break;
                }
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0) {
                        r = -errno;
                        break;
                }
                n = read(pipefd[0], out + size, QEMU_HELP_MAX_SIZE - size);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0 || (size += (size_t) n) >= QEMU_HELP_MAX_SIZE) {
                        r = n < 0 ? -errno : 0;
                        break;
                }
        }
        close(pipefd[0]);
        if (r < 0)
                kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (r == -ETIMEDOUT) {
                *ret_error = strdup_printf("%s did not list the properties of %s within %d ms", emulator, cpu_type,
                                           conf.timeout_ms);
                return r;
        }
        if (r < 0) {
                *ret_error = strdup_printf("cannot read from %s: %s", emulator, strerror(-r));
                return r;
        }
        out[size] = '\0';

        /* "  name=<type>  - description": keep the names */
        size_t names_size = 0;
        FILE *f = open_memstream(&names, &names_size);
        if (!f)
                return -ENOMEM;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
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

/* Does the domain's emulator have every property the adjustments set on cpu_type? Detected,
 * never assumed; cached per emulator binary (path, inode, mtime, size) and CPU type. */
static int emulator_supports(const char *emulator, const char *cpu_type, char **adjustments, size_t n,
                             char **ret_error) {
        _cleanup_free_ char *cache = NULL, *names = NULL;
        struct stat st;
        int r;

        if (!emulator || stat(emulator, &st) < 0 || !emulator_is_trustworthy(emulator, &st)) {
                *ret_error = strdup_printf("the domain's emulator %s is not a root-owned executable: its QEMU "
                                           "properties cannot be checked", emulator ? emulator : "(none)");
                return -EPERM;
        }
        cache = cache_path(emulator, &st, cpu_type);
        if (!cache)
                return -ENOMEM;
        names = read_small_file(cache);
        if (!names) {
                r = run_qemu_help(emulator, cpu_type, &names, ret_error);
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

/* ---- the decision ---- */

static int on_policy(bool refuse, const char *verdict, char *why) {
        return finish(refuse, verdict, why, NULL);
}

static int adjust(const DomainXml *d, const char *xml, size_t size, json_object *report) {
        _cleanup_free_ char *cpu_type = NULL, *out = NULL, *error = NULL;
        _cleanup_free_ char **adjustments = NULL;
        json_object *list;
        size_t n = 0;
        int r;

        if (!json_object_object_get_ex(report, "adjustments", &list) || !json_object_is_type(list, json_type_array) ||
            (n = json_object_array_length(list)) == 0 || n > 64)
                return on_policy(conf.refuse_on_daemon_error, "garbage",
                                 strdup_printf("%s migration of %s: kvmregsd said compatible-after-adjustment "
                                               "without a usable list of adjustments",
                                               conf.refuse_on_daemon_error ? "refusing" : "allowing unadjusted",
                                               d->name));
        adjustments = calloc(n, sizeof(char *));
        if (!adjustments)
                return on_policy(true, "error", strdup("out of memory"));
        for (size_t i = 0; i < n; i++) {
                json_object *a = json_object_array_get_idx(list, i);
                if (!json_object_is_type(a, json_type_string) || !domxml_adjustment_is_valid(json_object_get_string(a)))
                        return on_policy(conf.refuse_on_daemon_error, "garbage",
                                         strdup_printf("%s migration of %s: kvmregsd sent an adjustment that is not "
                                                       "prop=value", conf.refuse_on_daemon_error ? "refusing" :
                                                       "allowing unadjusted", d->name));
                adjustments[i] = (char *) json_object_get_string(a);
        }

        cpu_type = domxml_qemu_cpu_type(d);
        if (!cpu_type)
                return finish(true, "incompatible",
                              strdup_printf("refusing migration of %s: it needs %s%s, but the domain's CPU (mode %s) "
                                            "has no QEMU CPU type to set it on", d->name, adjustments[0],
                                            n > 1 ? " and more" : "", d->cpu_mode ? d->cpu_mode : "unset"),
                              NULL);
        r = emulator_supports(d->emulator, cpu_type, adjustments, n, &error);
        if (r < 0)
                return finish(true, "incompatible",
                              strdup_printf("refusing migration of %s from %s: it loads here only with "
                                            "-global %s.%s%s, but %s", d->name,
                                            decision.source_host ? decision.source_host : "the source", cpu_type,
                                            adjustments[0], n > 1 ? " (and more)" : "",
                                            error ? error : strerror(-r)),
                              NULL);
        r = domxml_apply_adjustments(xml, size, cpu_type, adjustments, n, &out, &error);
        if (r < 0)
                /* when in doubt print nothing: refuse rather than hand libvirt a guess */
                return finish(true, "incompatible",
                              strdup_printf("refusing migration of %s: cannot add the QEMU arguments it needs: %s",
                                            d->name, error ? error : strerror(-r)),
                              NULL);
        return finish(false, "compatible-after-adjustment", NULL, out);
}

static int check_migration(void) {
        _cleanup_free_ char *xml = NULL, *error = NULL, *config = NULL, *source_host = NULL;
        _cleanup_free_ char *verdict = NULL, *report_json = NULL;
        _cleanup_(domxml_freep) DomainXml *d = NULL;
        _cleanup_(busclient_freep) BusClient *bus = NULL;
        json_object *report = NULL;
        size_t size = 0;
        int r, ret;

        r = read_stdin(&xml, &size);
        if (r < 0)
                return on_policy(true, "bad-input",
                                 r == -E2BIG ? strdup_printf("refusing migration: the domain XML is larger than %u bytes",
                                                             DOMXML_MAX_SIZE)
                                             : strdup_printf("refusing migration: cannot read the domain XML: %s",
                                                             strerror(-r)));
        r = domxml_parse(xml, size, &d, &error);
        if (r < 0)
                return on_policy(true, "bad-input",
                                 strdup_printf("refusing migration of %s: %s", decision.domain,
                                               error ? error : strerror(-r)));
        if (!d->arch || strcmp(d->arch, "aarch64") != 0)
                return finish(false, "not-aarch64", NULL, NULL);
        if (!d->record_json)
                return on_policy(conf.refuse_on_missing_record, "no-record",
                                 strdup_printf("%s migration of %s: the domain XML holds no kvmregs record (was "
                                               "kvmregsd running on the source?)",
                                               conf.refuse_on_missing_record ? "refusing" : "allowing", d->name));
        if (!d->uuid || !d->record_domain_uuid || strcmp(d->uuid, d->record_domain_uuid) != 0)
                /* a copied or forged record says nothing about this guest: as if there were none */
                return on_policy(conf.refuse_on_missing_record, "foreign-record",
                                 strdup_printf("%s migration of %s: its kvmregs record belongs to domain %s, not %s",
                                               conf.refuse_on_missing_record ? "refusing" : "allowing", d->name,
                                               d->record_domain_uuid ? d->record_domain_uuid : "(none)",
                                               d->uuid ? d->uuid : "(none)"));
        r = record_identity(d->record_json, &config, &source_host);
        if (r < 0)
                return on_policy(true, "bad-record",
                                 strdup_printf("refusing migration of %s: its kvmregs record is not a guest record "
                                               "(expected JSON with exactly one vCPU configuration)", d->name));
        decision.source_host = source_host;

        /* The domain XML says what QEMU builds here (-cpu host takes this host's PMU, SVE and
         * pointer auth unless it turns them off): kvmregsd compares the record with that. */
        r = busclient_new(conf.bus_address, conf.timeout_ms, &bus, &error);
        if (r >= 0)
                r = busclient_compare_domain(bus, d->record_json, xml, &verdict, &report_json, &error);
        if (r < 0 && error && strstr(error, ".Error.InvalidDomain"))
                /* our parser took it, kvmregsd's (the same code) did not: refuse, never guess */
                return on_policy(true, "bad-input",
                                 strdup_printf("refusing migration of %s: kvmregsd rejects its domain XML: %s",
                                               d->name, error));
        if (r < 0 && error &&
            (strstr(error, ".Error.InvalidProfile") || strstr(error, ".Error.UnknownConfig") ||
             strstr(error, ".Error.TooLarge")))
                /* kvmregsd answered, and what it refused is the record itself */
                return on_policy(true, "bad-record",
                                 strdup_printf("refusing migration of %s: kvmregsd rejects its kvmregs record: %s",
                                               d->name, error));
        if (r < 0)
                return on_policy(conf.refuse_on_daemon_error, "daemon-error",
                                 strdup_printf("%s migration of %s: no verdict from kvmregsd (%s): %s",
                                               conf.refuse_on_daemon_error ? "refusing" : "allowing unchecked",
                                               d->name, strerror(-r), error ? error : "no detail"));

        report = json_tokener_parse(report_json);
        if (!report || !json_object_is_type(report, json_type_object)) {
                json_object_put(report);
                return on_policy(conf.refuse_on_daemon_error, "garbage",
                                 strdup_printf("%s migration of %s: kvmregsd's report is not a JSON object",
                                               conf.refuse_on_daemon_error ? "refusing" : "allowing unchecked",
                                               d->name));
        }
        decision.src_digest = json_str(report, "src_digest") ? strdup(json_str(report, "src_digest")) : NULL;
        decision.dst_digest = json_str(report, "dst_digest") ? strdup(json_str(report, "dst_digest")) : NULL;

        if (strcmp(verdict, "compatible") == 0)
                ret = finish(false, "compatible", NULL, NULL);
        else if (strcmp(verdict, "compatible-after-adjustment") == 0)
                ret = adjust(d, xml, size, report);
        else if (strcmp(verdict, "incompatible") == 0) {
                _cleanup_free_ char *why = refusal_text(report);
                ret = finish(true, "incompatible",
                             strdup_printf("refusing migration of %s from %s to %s: its vCPU registers do not load "
                                           "here:%s", d->name, source_host ? source_host : "the source",
                                           decision.destination_host, why ? why : " (no memory for details)"),
                             NULL);
        } else
                ret = on_policy(conf.refuse_on_daemon_error, "garbage",
                                strdup_printf("%s migration of %s: kvmregsd answered an unknown verdict",
                                              conf.refuse_on_daemon_error ? "refusing" : "allowing unchecked",
                                              d->name));
        json_object_put(report);
        return ret;
}

int main(int argc, char *argv[]) {
        _cleanup_free_ char *conf_error = NULL;
        const char *conf_path;
        int ret;

        clock_gettime(CLOCK_MONOTONIC, &decision.start);
        if (argc < 3) {
                fprintf(stderr, "usage: %s DOMAIN OPERATION SUB-OPERATION [EXTRA]\n"
                                "libvirt's qemu hook: checks incoming migrations (DOMAIN migrate begin -).\n",
                        argv[0]);
                return EXIT_USAGE;
        }
        /* every other operation: at once, without reading stdin */
        if (argc < 4 || strcmp(argv[2], "migrate") != 0 || strcmp(argv[3], "begin") != 0)
                return EXIT_ALLOW;

        decision.domain = argv[1];
        openlog("kvmregs-hook", LOG_PID, LOG_DAEMON);
        if (gethostname(decision.destination_host, sizeof(decision.destination_host) - 1) < 0)
                decision.destination_host[0] = '\0';

        conf_path = getenv("KVMREGS_CONF");
        if (!conf_path || !*conf_path)
                conf_path = DEFAULT_CONF_PATH;
        if (conf_load(conf_path, &conf_error) < 0) {
                /* the policy is unknown: refuse visibly rather than guess */
                conf.mode = MODE_ENFORCE;
                ret = finish(true, "bad-config",
                             strdup_printf("refusing migration of %s: %s", argv[1],
                                           conf_error ? conf_error : "cannot read the policy file"),
                             NULL);
                goto out;
        }
        if (conf.mode == MODE_OFF) {
                ret = EXIT_ALLOW;
                goto out;
        }

        /* stdin, the bus (Hello, Compare) and QEMU each get timeout_ms at most; a second more for
         * the rest. Only reached if one of them ignores its own timeout. */
        arm_watchdog(4L * conf.timeout_ms + 1000);
        ret = check_migration();
out:
        free(decision.message);
        free(decision.src_digest);
        free(decision.dst_digest);
        free(conf.bus_address);
        free(conf.cache_dir);
        free(conf.log_file);
        closelog();
        return ret;
}
