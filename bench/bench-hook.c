/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What kvmregs-hook adds to a migration: the hook run as libvirt runs it (fork, exec, the
 * domain XML on stdin, wait) against the real kvmregsd on a private dbus-daemon serving a
 * recorded profile, N times; beside it, on the same bus, the bare D-Bus CompareDomain call
 * the hook makes, from this process (sd-bus through busclient) and as a `busctl call`
 * process, as a `dbus-send` process, the older Compare call in process (what parsing the domain
 * XML adds), the hook for an operation it ignores (exits at once: its process start and its
 * shared libraries) and the cost of starting any process (/bin/true). Prints p50/p90/p99/max
 * in milliseconds, then "= " summary lines for `make bench` (bench/bench.sh).
 *
 *   bench-hook [-n N] [--source PROFILE.json] [--dest PROFILE.json] [--config NAME] [--domain XML]
 *
 * Defaults: 1000 runs, a 6.12 cortex-a72 guest (configuration "pmu") onto a 6.12 cortex-a72
 * host, domain tests/data/domains/a57-custom.xml (compatible: the full path, CompareDomain
 * included). Targets: p50 <= 5 ms, p99 <= 20 ms.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "busclient.h"
#include "domxml.h"
#include "profile.h"
#include "util.h"

extern char **environ;

static char tmpdir[] = "/tmp/kvmregs-bench.XXXXXX";
static pid_t bus_pid = -1, daemon_pid = -1;

static double now_ms(void) {
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double) t.tv_sec * 1e3 + (double) t.tv_nsec / 1e6;
}

static void cleanup(void) {
        char cmd[128];

        if (daemon_pid > 0)
                kill(daemon_pid, SIGTERM);
        if (bus_pid > 0)
                kill(bus_pid, SIGTERM);
        if (daemon_pid > 0)
                waitpid(daemon_pid, NULL, 0);
        if (bus_pid > 0)
                waitpid(bus_pid, NULL, 0);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
                fprintf(stderr, "bench-hook: could not remove %s\n", tmpdir);
}

static pid_t spawn(char *const argv[], char *const envp[], int stdin_fd, int stdout_fd) {
        posix_spawn_file_actions_t a;
        pid_t pid;
        int r;

        posix_spawn_file_actions_init(&a);
        if (stdin_fd >= 0)
                posix_spawn_file_actions_adddup2(&a, stdin_fd, STDIN_FILENO);
        if (stdout_fd >= 0)
                posix_spawn_file_actions_adddup2(&a, stdout_fd, STDOUT_FILENO);
        r = posix_spawn(&pid, argv[0], &a, NULL, argv, envp ? envp : environ);
        posix_spawn_file_actions_destroy(&a);
        if (r != 0) {
                fprintf(stderr, "bench-hook: cannot run %s: %s\n", argv[0], strerror(r));
                return -1;
        }
        return pid;
}

static int write_file(const char *path, const char *text) {
        _cleanup_fclose_ FILE *f = fopen(path, "we");

        return f && fputs(text, f) >= 0 ? 0 : -EIO;
}

static char *read_file(const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t size = 0;
        FILE *out;
        int c;

        if (!f || !(out = open_memstream(&buf, &size)))
                return NULL;
        while ((c = fgetc(f)) != EOF)
                fputc(c, out);
        fclose(out);
        return buf;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

static void print_stats(const char *what, double *t, size_t n) {
        qsort(t, n, sizeof(double), cmp_double);
        printf("%-44s p50 %7.3f  p90 %7.3f  p99 %7.3f  max %7.3f ms  (n=%zu)\n", what, t[n / 2],
               t[(n * 90) / 100], t[(n * 99) / 100], t[n - 1], n);
}

/* The domain XML the source sends: the fixture with the guest's record in <metadata>. */
static char *domain_with_record(const char *source, const char *config, const char *fixture, char **ret_config) {
        _cleanup_(profile_freep) Profile *p = NULL, *rec = NULL;
        _cleanup_(domxml_freep) DomainXml *d = NULL;
        _cleanup_free_ char *xml = NULL, *json = NULL, *element = NULL;
        ProfileError e;
        char *out = NULL, *at;

        if (profile_load(source, &p, &e) < 0 || profile_extract_config(p, config, &rec) < 0) {
                fprintf(stderr, "bench-hook: %s: no configuration %s\n", source, config);
                return NULL;
        }
        json = profile_to_json(rec, false);
        xml = read_file(fixture);
        if (!json || !xml || domxml_parse(xml, strlen(xml), &d, NULL) < 0)
                return NULL;
        element = domxml_record_element(d->uuid, json);
        at = element ? strstr(xml, "</uuid>") : NULL;
        if (!at)
                return NULL;
        at += strlen("</uuid>");
        if (asprintf(&out, "%.*s<metadata>%s</metadata>%s", (int) (at - xml), xml, element, at) < 0)
                return NULL;
        *ret_config = strdup(rec->configs[0].name);
        return out;
}

/* One hook run as libvirt does it; returns its exit status, or -1. */
static int run_hook(const char *hook, const char *domain_file, const char *conf_env) {
        char *const argv[] = { (char *) hook, (char *) "lvguest", (char *) "migrate", (char *) "begin",
                               (char *) "-", NULL };
        char *const envp[] = { (char *) "LC_ALL=C", (char *) "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                               (char *) "HOME=/root", (char *) conf_env, NULL };
        _cleanup_close_ int in = open(domain_file, O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int out = open("/dev/null", O_WRONLY | O_CLOEXEC);
        int status;
        pid_t pid;

        if (in < 0 || out < 0)
                return -1;
        pid = spawn(argv, envp, in, out);
        if (pid < 0 || waitpid(pid, &status, 0) < 0)
                return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int run_quiet(char *const argv[]) {
        _cleanup_close_ int out = open("/dev/null", O_WRONLY | O_CLOEXEC);
        int status;
        pid_t pid = spawn(argv, NULL, -1, out);

        if (pid < 0 || waitpid(pid, &status, 0) < 0)
                return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "source", required_argument, NULL, 's' },
                { "dest", required_argument, NULL, 'd' },
                { "config", required_argument, NULL, 'c' },
                { "domain", required_argument, NULL, 'x' },
                {}
        };
        _cleanup_free_ char *source = NULL, *dest = NULL, *xml = NULL, *config = NULL, *bus_conf = NULL;
        _cleanup_free_ char *address = NULL, *conf_env = NULL, *domain_file = NULL, *conf_file = NULL;
        _cleanup_free_ char *fixture = NULL, *hook = NULL, *kvmregsd = NULL, *record = NULL, *text = NULL;
        _cleanup_free_ double *t_hook = NULL, *t_call = NULL, *t_busctl = NULL, *t_true = NULL, *t_compare = NULL;
        _cleanup_free_ double *t_dbus_send = NULL, *t_ignored = NULL;
        const char *config_arg = "pmu";
        size_t n = 1000;
        int c, expected = 0, r;

        while ((c = getopt_long(argc, argv, "n:", options, NULL)) >= 0)
                switch (c) {
                case 'n':
                        n = strtoul(optarg, NULL, 10);
                        break;
                case 's':
                        free(source);
                        source = strdup(optarg);
                        break;
                case 'd':
                        free(dest);
                        dest = strdup(optarg);
                        break;
                case 'c':
                        config_arg = optarg;
                        break;
                case 'x':
                        free(fixture);
                        fixture = strdup(optarg);
                        break;
                default:
                        return 2;
                }
        if (n < 1 || n > 1000000)
                return 2;
        if (!source && asprintf(&source, "%s/tests/data/6.12-cortex-a72.json", ABS_TOP_SRCDIR) < 0)
                return 1;
        if (!dest && asprintf(&dest, "%s/tests/data/6.12-cortex-a72.json", ABS_TOP_SRCDIR) < 0)
                return 1;
        if ((!fixture && asprintf(&fixture, "%s/tests/data/domains/a57-custom.xml", ABS_TOP_SRCDIR) < 0) ||
            asprintf(&hook, "%s/kvmregs-hook", ABS_TOP_BUILDDIR) < 0 ||
            asprintf(&kvmregsd, "%s/kvmregsd", ABS_TOP_BUILDDIR) < 0)
                return 1;

        if (!mkdtemp(tmpdir))
                return 1;
        atexit(cleanup);

        /* a private bus and the real kvmregsd on it */
        if (asprintf(&bus_conf, "%s/bus.conf", tmpdir) < 0 || asprintf(&address, "unix:path=%s/bus", tmpdir) < 0 ||
            asprintf(&text, "<busconfig><type>system</type><listen>%s</listen><auth>EXTERNAL</auth>"
                            "<policy context=\"default\"><allow user=\"*\"/><allow own=\"*\"/>"
                            "<allow send_destination=\"*\"/><allow receive_sender=\"*\"/></policy></busconfig>",
                     address) < 0 ||
            write_file(bus_conf, text) < 0)
                return 1;
        {
                char *const a[] = { (char *) "/usr/bin/dbus-daemon", (char *) "--nofork", (char *) "--config-file",
                                    bus_conf, NULL };
                bus_pid = spawn(a, NULL, -1, -1);
        }
        if (bus_pid < 0)
                return 1;
        {
                char *const a[] = { kvmregsd, (char *) "--bus-address", address, (char *) "--profile-file", dest,
                                    (char *) "--no-libvirt", NULL };
                for (int i = 0; i < 100; i++) {
                        struct stat st;
                        if (stat(address + strlen("unix:path="), &st) == 0)
                                break;
                        usleep(20000);
                }
                daemon_pid = spawn(a, NULL, -1, -1);
        }
        if (daemon_pid < 0)
                return 1;

        xml = domain_with_record(source, config_arg, fixture, &config);
        if (!xml)
                return 1;
        if (asprintf(&domain_file, "%s/domain.xml", tmpdir) < 0 || write_file(domain_file, xml) < 0 ||
            asprintf(&conf_file, "%s/kvmregs.conf", tmpdir) < 0 || asprintf(&conf_env, "KVMREGS_CONF=%s", conf_file) < 0)
                return 1;
        free(text);
        if (asprintf(&text, "mode = enforce\non_daemon_error = refuse\non_missing_record = refuse\n"
                            "bus_address = %s\ncache_dir = %s/cache\n", address, tmpdir) < 0 ||
            write_file(conf_file, text) < 0)
                return 1;

        /* the record as text, for the bare calls */
        {
                _cleanup_(domxml_freep) DomainXml *d = NULL;
                if (domxml_parse(xml, strlen(xml), &d, NULL) < 0 || !d->record_json)
                        return 1;
                record = TAKE_PTR(d->record_json);
        }
        /* wait until kvmregsd answers, and learn the verdict the hook must act on */
        for (int i = 0;; i++) {
                _cleanup_(busclient_freep) BusClient *b = NULL;
                _cleanup_free_ char *verdict = NULL, *report = NULL, *error = NULL;

                r = busclient_new(address, 2000, &b, &error);
                if (r >= 0)
                        r = busclient_compare_domain(b, record, xml, &verdict, &report, &error);
                if (r >= 0) {
                        printf("bench-hook: %s guest (%s) onto %s, domain %s: kvmregsd says %s\n", source, config,
                               dest, fixture, verdict);
                        expected = strcmp(verdict, "incompatible") == 0 ? 1 : 0;
                        break;
                }
                int status;
                if (waitpid(daemon_pid, &status, WNOHANG) == daemon_pid) {
                        fprintf(stderr, "bench-hook: kvmregsd exited (status 0x%x)\n", (unsigned) status);
                        daemon_pid = -1;
                        return 1;
                }
                if (i > 200) {
                        fprintf(stderr, "bench-hook: kvmregsd does not answer: %s\n", error ? error : strerror(-r));
                        return 1;
                }
                usleep(20000);
        }

        t_hook = calloc(n, sizeof(double));
        t_call = calloc(n, sizeof(double));
        t_busctl = calloc(n, sizeof(double));
        t_true = calloc(n, sizeof(double));
        t_compare = calloc(n, sizeof(double));
        t_dbus_send = calloc(n, sizeof(double));
        t_ignored = calloc(n, sizeof(double));
        if (!t_hook || !t_call || !t_busctl || !t_true || !t_compare || !t_dbus_send || !t_ignored)
                return 1;

        /* warm-up: page cache, the daemon's first parse */
        for (int i = 0; i < 20; i++)
                if (run_hook(hook, domain_file, conf_env) != expected) {
                        fprintf(stderr, "bench-hook: the hook's exit status is not %d\n", expected);
                        return 1;
                }

        /* Interleaved: each round times one of each, so that a change in the machine's load
         * weighs on every figure alike and their ratios hold. */
        _cleanup_free_ char *addr_arg = NULL, *bus_arg = NULL, *record_arg = NULL, *xml_arg = NULL;
        if (asprintf(&addr_arg, "--address=%s", address) < 0 || asprintf(&bus_arg, "--bus=%s", address) < 0 ||
            asprintf(&record_arg, "string:%s", record) < 0 || asprintf(&xml_arg, "string:%s", xml) < 0)
                return 1;
        char *const busctl[] = { (char *) "/usr/bin/busctl", addr_arg, (char *) "call", (char *) KVMREGS_BUS_NAME,
                                 (char *) KVMREGS_OBJECT_PATH, (char *) KVMREGS_INTERFACE, (char *) "CompareDomain",
                                 (char *) "ss", record, xml, NULL };
        char *const dbus_send[] = { (char *) "/usr/bin/dbus-send", bus_arg, (char *) "--print-reply",
                                    (char *) "--dest=" KVMREGS_BUS_NAME, (char *) KVMREGS_OBJECT_PATH,
                                    (char *) KVMREGS_INTERFACE ".CompareDomain", record_arg, xml_arg, NULL };
        char *const ignored[] = { hook, (char *) "lvguest", (char *) "prepare", (char *) "begin", (char *) "-", NULL };
        char *const bin_true[] = { (char *) "/bin/true", NULL };

        for (size_t i = 0; i < n; i++) {
                double t0 = now_ms();
                r = run_hook(hook, domain_file, conf_env);
                t_hook[i] = now_ms() - t0;
                if (r != expected) {
                        fprintf(stderr, "bench-hook: run %zu: exit status %d, expected %d\n", i, r, expected);
                        return 1;
                }

                {
                        _cleanup_(busclient_freep) BusClient *b = NULL;
                        _cleanup_free_ char *verdict = NULL, *report = NULL;
                        t0 = now_ms();
                        r = busclient_new(address, 2000, &b, NULL);
                        if (r >= 0)
                                r = busclient_compare_domain(b, record, xml, &verdict, &report, NULL);
                        t_call[i] = now_ms() - t0;
                        if (r < 0)
                                return 1;
                }
                {
                        _cleanup_(busclient_freep) BusClient *b = NULL;
                        _cleanup_free_ char *verdict = NULL, *report = NULL;
                        t0 = now_ms();
                        r = busclient_new(address, 2000, &b, NULL);
                        if (r >= 0)
                                r = busclient_compare(b, record, config, &verdict, &report, NULL);
                        t_compare[i] = now_ms() - t0;
                        if (r < 0)
                                return 1;
                }

                t0 = now_ms();
                if (run_quiet(busctl) != 0) {
                        fprintf(stderr, "bench-hook: busctl call failed\n");
                        return 1;
                }
                t_busctl[i] = now_ms() - t0;

                t0 = now_ms();
                if (run_quiet(dbus_send) != 0) {
                        fprintf(stderr, "bench-hook: dbus-send CompareDomain failed\n");
                        return 1;
                }
                t_dbus_send[i] = now_ms() - t0;

                t0 = now_ms();
                if (run_quiet(ignored) != 0) {
                        fprintf(stderr, "bench-hook: the hook refused an operation it ignores\n");
                        return 1;
                }
                t_ignored[i] = now_ms() - t0;

                t0 = now_ms();
                run_quiet(bin_true);
                t_true[i] = now_ms() - t0;
        }

        printf("record %zu bytes, domain XML %zu bytes\n", strlen(record), strlen(xml));
        print_stats("kvmregs-hook migrate begin (whole process)", t_hook, n);
        print_stats("connect + CompareDomain (in process)", t_call, n);
        print_stats("busctl call CompareDomain (whole process)", t_busctl, n);
        print_stats("dbus-send CompareDomain (whole process)", t_dbus_send, n);
        print_stats("connect + Compare (in process)", t_compare, n);
        print_stats("kvmregs-hook prepare begin (ignored: exits)", t_ignored, n);
        print_stats("/bin/true (process start only)", t_true, n);
        printf("targets: hook p50 <= 5 ms, p99 <= 20 ms: %s; hook p50 <= 2x /bin/true p50: %s\n",
               t_hook[n / 2] <= 5.0 && t_hook[(n * 99) / 100] <= 20.0 ? "met" : "NOT met",
               t_hook[n / 2] <= 2 * t_true[n / 2] ? "met" : "NOT met");

        /* the summary: figure | measured | anchor (all sorted by print_stats) */
        {
                double hook50 = t_hook[n / 2], true50 = t_true[n / 2], ign50 = t_ignored[n / 2], call50 = t_call[n / 2];
                printf("= hook decision, migrate begin (whole process) | p50 %.2f ms, p99 %.2f ms (n=%zu) | "
                       "%.1fx /bin/true p50 %.2f ms (target <= 2x: %s)\n", hook50, t_hook[(n * 99) / 100], n,
                       hook50 / true50, true50, hook50 <= 2 * true50 ? "met" : "MISSED");
                printf("= hook, an operation it ignores (start + libraries) | p50 %.2f ms, p99 %.2f ms (n=%zu) | "
                       "%.1fx /bin/true: %.2f ms of the hook's p50 is loading it\n", ign50,
                       t_ignored[(n * 99) / 100], n, ign50 / true50, ign50 - true50);
                printf("= the hook's D-Bus part: connect + CompareDomain in process | p50 %.2f ms, p99 %.2f ms (n=%zu) | "
                       "%.0f%% of the hook's p50; the rest of the decision %.2f ms\n", call50, t_call[(n * 99) / 100], n,
                       100.0 * call50 / hook50, hook50 - ign50 - call50);
                printf("= busctl call CompareDomain (whole process) | p50 %.2f ms, p99 %.2f ms (n=%zu) | hook / it: %.2f\n",
                       t_busctl[n / 2], t_busctl[(n * 99) / 100], n, hook50 / t_busctl[n / 2]);
                printf("= dbus-send CompareDomain (whole process) | p50 %.2f ms, p99 %.2f ms (n=%zu) | hook / it: %.2f\n",
                       t_dbus_send[n / 2], t_dbus_send[(n * 99) / 100], n, hook50 / t_dbus_send[n / 2]);
                printf("= /bin/true (process start) | p50 %.2f ms, p99 %.2f ms (n=%zu) | the anchor\n", true50,
                       t_true[(n * 99) / 100], n);
        }
        return 0;
}
