/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvmregsctl collect HOST... -o DIR: every host's profile from its kvmregsd over ssh, into a fleet
 * store (lib/fleet-store.h). Up to --parallel hosts at once, each on a thread of its own with its
 * own bus connection (the work is waiting on ssh, not computing). Each host's file is written
 * whole or not at all (temp + fsync + rename), then DIR/index.json lists what was recorded and,
 * under "failed", every host that was not and why.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "busclient.h"
#include "ctl.h"
#include "fleet-store.h"
#include "util.h"

#define COLLECT_DEFAULT_PARALLEL 32u
#define COLLECT_MAX_HOSTS 100000u

typedef struct Job {
        const char *host;
        bool duplicate;               /* named before: not asked again */
        bool ok;
        FleetIndexEntry entry;
        char *reason;                 /* why not, when !ok */
} Job;

typedef struct Collect {
        Ctl *ctl;
        const char *dir;
        Job *jobs;
        size_t n_jobs;
        atomic_size_t next, done;
        pthread_mutex_t lock;         /* stderr and the progress line */
        bool progress;
        bool store_error_said;        /* under lock: a full disk (or the like) said once */
} Collect;

static char *reason_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *reason_printf(const char *fmt, ...) {
        va_list ap;
        char *s;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        /* one line */
        for (char *p = s; p && *p; p++)
                if (*p == '\n' || *p == '\r')
                        *p = ' ';
        if (s && strlen(s) > FLEET_REASON_MAX - 1)
                s[FLEET_REASON_MAX - 1] = '\0';
        return s;
}

static const char *bus_failure_kind(int r) {
        switch (r) {
        case -ETIMEDOUT:
                return "timeout";
        case -EBADMSG:
                return "garbage answer";
        case -ENOENT:
                return "kvmregsd not running";
        case -EAGAIN:
                return "kvmregsd not ready";
        default:
                return "unreachable";
        }
}

/* One host: connect, GetProfile, check, write. Sets job->ok or job->reason. */
static void collect_one(Collect *c, Job *job) {
        _cleanup_(busclient_freep) BusClient *bus = NULL;
        _cleanup_(profile_freep) Profile *p = NULL;
        _cleanup_free_ char *address = NULL, *json = NULL, *message = NULL;
        ProfileError perr = {};
        int connect_ms, r;

        address = busclient_ssh_address(job->host, c->ctl->bridge, c->ctl->ssh_options);
        if (!address) {
                job->reason = reason_printf("unreachable: cannot build the ssh address");
                return;
        }
        connect_ms = c->ctl->connect_timeout_ms > 0 ? c->ctl->connect_timeout_ms
                                                    : busclient_default_connect_timeout(address, c->ctl->timeout_ms);
        r = busclient_new_with_timeouts(address, connect_ms, c->ctl->timeout_ms, &bus, &message);
        if (r < 0) {
                job->reason = reason_printf("%s: %s", r == -ETIMEDOUT ? "timeout" : "unreachable",
                                            message ? message : strerror(-r));
                return;
        }
        r = busclient_get_profile(bus, &json, &message);
        if (r < 0) {
                job->reason = reason_printf("%s: %s", bus_failure_kind(r), message ? message : strerror(-r));
                return;
        }
        r = profile_parse(json, strlen(json), &p, &perr);
        if (r < 0) {
                job->reason = reason_printf("not a profile: %s: %s", perr.path, perr.message);
                return;
        }
        /* A profile that names another host is that host's, whatever answered here. */
        if (p->hostname && *p->hostname) {
                const char *at = strrchr(job->host, '@');
                const char *asked = at ? at + 1 : job->host;
                size_t n = strlen(p->hostname);

                /* "web1" answers for web1 and web1.example.org */
                if (!(strncmp(asked, p->hostname, n) == 0 && (asked[n] == '\0' || asked[n] == '.')) &&
                    !(strncmp(p->hostname, asked, strlen(asked)) == 0 && p->hostname[strlen(asked)] == '.')) {
                        job->reason = reason_printf("a profile of another host: it names '%s'", p->hostname);
                        return;
                }
        }
        r = fleet_store_write_profile(c->dir, job->host, json, strlen(json), p, &job->entry);
        if (r < 0) {
                job->reason = reason_printf("cannot write %s/%s.json: %s", c->dir, job->host, strerror(-r));
                /* the store's filesystem, not the host: said at once (every other host will
                 * fail the same way), once; each host is listed with the others at the end */
                if (r == -ENOSPC || r == -EDQUOT || r == -EROFS || r == -EIO) {
                        pthread_mutex_lock(&c->lock);
                        if (!c->store_error_said)
                                ctl_error("collect: the store cannot be written: %s", job->reason);
                        c->store_error_said = true;
                        pthread_mutex_unlock(&c->lock);
                }
                return;
        }
        job->ok = true;
}

static void *worker(void *userdata) {
        Collect *c = userdata;

        for (;;) {
                size_t i = atomic_fetch_add(&c->next, 1), d;
                Job *job;

                if (i >= c->n_jobs)
                        return NULL;
                job = &c->jobs[i];
                if (!job->duplicate)
                        collect_one(c, job);
                d = atomic_fetch_add(&c->done, 1) + 1;
                if (c->progress) {
                        pthread_mutex_lock(&c->lock);
                        fprintf(stderr, "\rkvmregsctl: collect: %zu/%zu hosts", d, c->n_jobs);
                        fflush(stderr);
                        pthread_mutex_unlock(&c->lock);
                }
        }
}

/* The hosts of the command line and of --hosts-file (one per line, '#' comments, blanks skipped). */
static int read_hosts(Ctl *ctl, char ***ret, size_t *ret_n, char **ret_buf) {
        _cleanup_free_ char *data = NULL;
        char **hosts = NULL;
        size_t n = 0, size = 0;
        int r;

        if (ctl->hosts_file) {
                r = ctl_read_file(ctl->hosts_file, KVMREGS_MAX_DOCUMENT, &data, &size);
                if (r < 0) {
                        ctl_error("--hosts-file %s: %s", ctl->hosts_file, strerror(-r));
                        return CTL_EXIT_USAGE;
                }
        }
        hosts = calloc(ctl->n_args + (data ? size / 2 + 1 : 0) + 1, sizeof(*hosts));
        if (!hosts) {
                ctl_error("out of memory");
                return CTL_EXIT_USAGE;
        }
        for (size_t i = 0; i < ctl->n_args; i++)
                hosts[n++] = ctl->args[i];
        for (char *line = data, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                else
                        next = line + strlen(line);
                line += strspn(line, " \t\r");
                line[strcspn(line, " \t\r#")] = '\0';
                if (*line)
                        hosts[n++] = line;
        }
        *ret = hosts;
        *ret_n = n;
        *ret_buf = TAKE_PTR(data);
        return CTL_EXIT_OK;
}

int ctl_collect(Ctl *ctl) {
        _cleanup_free_ char **hosts = NULL, *buf = NULL;
        _cleanup_free_ pthread_t *threads = NULL;
        _cleanup_free_ FleetIndexEntry *entries = NULL;
        _cleanup_free_ FleetFailure *failed = NULL;
        Collect c = { .ctl = ctl, .dir = ctl->output };
        size_t n_hosts = 0, n_threads, n_ok = 0, n_failed = 0;
        struct stat st;
        int r;

        if (!ctl->output) {
                ctl_error("collect needs -o DIR; see kvmregsctl --help");
                return CTL_EXIT_USAGE;
        }
        r = read_hosts(ctl, &hosts, &n_hosts, &buf);
        if (r != CTL_EXIT_OK)
                return r;
        if (n_hosts == 0) {
                ctl_error("collect: no hosts given (HOST... or --hosts-file FILE)");
                return CTL_EXIT_USAGE;
        }
        if (n_hosts > COLLECT_MAX_HOSTS) {
                ctl_error("collect: at most %u hosts", COLLECT_MAX_HOSTS);
                return CTL_EXIT_USAGE;
        }
        for (size_t i = 0; i < n_hosts; i++)
                if (!fleet_host_name_valid(hosts[i])) {
                        ctl_error("collect: '%s' cannot be a host in the store (1-%u bytes of [A-Za-z0-9._:-], "
                                  "not starting with '.' or '-', not 'index')", hosts[i], FLEET_HOST_NAME_MAX);
                        return CTL_EXIT_USAGE;
                }
        if (mkdir(ctl->output, 0755) < 0 && errno != EEXIST) {
                ctl_error("collect: cannot create %s: %s", ctl->output, strerror(errno));
                return CTL_EXIT_USAGE;
        }
        if (stat(ctl->output, &st) < 0 || !S_ISDIR(st.st_mode)) {
                ctl_error("collect: %s is not a directory", ctl->output);
                return CTL_EXIT_USAGE;
        }

        c.jobs = calloc(n_hosts, sizeof(*c.jobs));
        entries = calloc(n_hosts, sizeof(*entries));
        failed = calloc(n_hosts, sizeof(*failed));
        if (!c.jobs || !entries || !failed) {
                free(c.jobs);
                ctl_error("out of memory");
                return CTL_EXIT_USAGE;
        }
        c.n_jobs = n_hosts;
        for (size_t i = 0; i < n_hosts; i++) {
                c.jobs[i].host = hosts[i];
                for (size_t j = 0; j < i && !c.jobs[i].duplicate; j++)
                        c.jobs[i].duplicate = strcmp(hosts[i], hosts[j]) == 0;
        }
        c.progress = isatty(STDERR_FILENO) == 1;
        pthread_mutex_init(&c.lock, NULL);
        n_threads = ctl->parallel ? ctl->parallel : COLLECT_DEFAULT_PARALLEL;
        if (n_threads > n_hosts)
                n_threads = n_hosts;
        threads = calloc(n_threads, sizeof(*threads));
        if (!threads) {
                free(c.jobs);
                ctl_error("out of memory");
                return CTL_EXIT_USAGE;
        }
        {
                pthread_attr_t attr;
                size_t started = 0;

                pthread_attr_init(&attr);
                pthread_attr_setstacksize(&attr, 256u * 1024u);
                for (size_t t = 0; t < n_threads; t++) {
                        if (pthread_create(&threads[t], &attr, worker, &c) != 0)
                                break;
                        started++;
                }
                pthread_attr_destroy(&attr);
                if (started == 0)
                        worker(&c);
                for (size_t t = 0; t < started; t++)
                        pthread_join(threads[t], NULL);
        }
        if (c.progress)
                fputc('\n', stderr);

        for (size_t i = 0; i < n_hosts; i++) {
                Job *job = &c.jobs[i];

                if (job->duplicate) {
                        failed[n_failed++] = (FleetFailure) { .host = job->host, .reason = "duplicate: named twice" };
                        ctl_error("%s: duplicate: named twice (collected once)", job->host);
                } else if (job->ok)
                        entries[n_ok++] = job->entry;
                else {
                        failed[n_failed++] = (FleetFailure) { .host = job->host,
                                                              .reason = job->reason ? job->reason : "out of memory" };
                        ctl_error("%s: %s", job->host, job->reason ? job->reason : "out of memory");
                }
        }
        /* A host both recorded and named again is in "hosts" once and under "failed" as the duplicate. */
        r = fleet_index_write(ctl->output, entries, n_ok, failed, n_failed);
        for (size_t i = 0; i < n_hosts; i++)
                free(c.jobs[i].reason);
        free(c.jobs);
        pthread_mutex_destroy(&c.lock);
        if (r < 0) {
                ctl_error("collect: cannot write %s/%s: %s", ctl->output, FLEET_INDEX_FILE, strerror(-r));
                return CTL_EXIT_UNREACHABLE;
        }
        if (n_ok == 0)
                return CTL_EXIT_UNREACHABLE;
        return n_failed ? CTL_EXIT_INCOMPATIBLE : CTL_EXIT_OK;
}
