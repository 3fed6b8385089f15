/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvmregsd: serves this host's arm64 KVM register profile on D-Bus
 * (org.kvmregs.Profile1) and keeps running libvirt domains stamped with it.
 * Options, signals and exit statuses: docs/kvmregsd.md.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "bus.h"
#include "host-export.h"
#include "probe.h"
#include "profile.h"
#include "qemu-detect.h"
#include "qemu-run.h"
#include "shared-profile.h"
#include "util.h"
#include "virt-dl.h"
#include "watch.h"

/*
 * How long stopping may take. Stopping waits for parts that can block without end: the
 * libvirt watcher's thread stays in virConnectOpen() for as long as a hung libvirtd does
 * not answer (libvirt has no timeout), and watch_free() joins that thread. systemd would
 * wait TimeoutStopSec= and then kill; a restart after losing the bus would wait as long.
 */
#define SHUTDOWN_LIMIT_MSEC 750u

enum {
        EXIT_STOPPED = 0,        /* SIGTERM/SIGINT */
        EXIT_STARTUP = 1,        /* no bus, name taken, unreadable profile file, ... */
        EXIT_USAGE = 2,          /* bad command line */
        EXIT_BUS_LOST = 3,       /* the bus went away (systemd restarts the service) */
};

typedef struct Options {
        const char *bus_address;
        bool session;
        const char *profile_file;
        const char *kvm_device;
        const char *libvirt_uri;
        bool libvirt;
        const char *export_dir;          /* this host's scheduler file goes here; NULL: none */
        const char *qemu;                /* "auto", "none" or the emulator's path (--qemu) */
        FleetExportFormat export_format;
} Options;

typedef struct Daemon {
        const Options *options;
        sd_event *event;
        SharedProfile shared;
        Bus *bus;
        Watch *watch;
        bool started;           /* READY=1 sent: the name is ours */
        char *no_profile;       /* why the first reading failed, for STATUS= */
} Daemon;

static void log_message(int level, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* journald reads the "<level>" prefix; a terminal gets plain lines. Threads log too (stopping,
 * the watcher): a line is written whole. */
static void log_message(int level, const char *format, ...) {
        va_list ap;

        flockfile(stderr);
        if (getenv("JOURNAL_STREAM"))
                fprintf(stderr, "<%d>", level);
        else
                fputs("kvmregsd: ", stderr);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputc('\n', stderr);
        funlockfile(stderr);
}

#define log_error(...) log_message(3, __VA_ARGS__)
#define log_warning(...) log_message(4, __VA_ARGS__)

static void notify_status(const char *extra, const char *state) {
        (void) sd_notifyf(false, "%sSTATUS=%s", extra, state);
}

/*
 * The host's QEMU into the profile (--qemu): detected from the binary libvirt would run
 * (or the one given). A QEMU that cannot be detected leaves the profile without one: the
 * comparisons then say they assume 7.2's load path rather than guess.
 */
static void daemon_detect_qemu(Daemon *d, Profile *p) {
        _cleanup_free_ char *path = NULL, *error = NULL;
        const char *how = "--qemu", *mode = d->options->qemu;
        ProfileQemu q = {};
        int r;

        if (!mode)
                mode = d->options->profile_file ? "none" : "auto";
        if (strcmp(mode, "none") == 0)
                return;
        if (strcmp(mode, "auto") == 0) {
                r = qemu_detect_find_emulator(d->options->libvirt_uri, d->options->libvirt, QEMU_RUN_DEFAULT_TIMEOUT_MS,
                                              &path, &how);
                if (r < 0) {
                        log_warning("No aarch64 QEMU found (libvirt capabilities, PATH): the profile names no QEMU");
                        (void) profile_set_qemu(p, NULL);
                        return;
                }
                mode = path;
        }
        r = qemu_detect_host(mode, QEMU_RUN_DEFAULT_TIMEOUT_MS, &q, &error);
        if (r < 0) {
                log_warning("Cannot tell the migration load of QEMU %s: %s; the profile names no QEMU", mode,
                            error ? error : strerror(-r));
                (void) profile_set_qemu(p, NULL);
                return;
        }
        if (profile_set_qemu(p, &q) < 0)
                log_warning("Out of memory recording QEMU %s", mode);
        else
                log_message(6, "QEMU %s (from %s): version %s, load behaviour %s (from its %s)",
                        q.emulator, how, q.version ? q.version : "unknown", qemu_load_name(q.load),
                        q.detected == QEMU_DETECTED_TRACE_EVENTS ? "trace events" : "version");
        profile_qemu_done(&q);
}

/* Reads the profile file or probes the device. On failure *ret_message says why. */
static int daemon_read_profile(Daemon *d, Profile **ret, char **ret_message) {
        ProfileError error = {};
        int r;

        if (!d->options->profile_file)
                r = probe_host(d->options->kvm_device, ret, ret_message);
        else {
                r = profile_load(d->options->profile_file, ret, &error);
                if (r < 0 && asprintf(ret_message, "%s: %s%s%s", d->options->profile_file,
                                      error.message[0] ? error.path : strerror(-r),
                                      error.message[0] && error.path[0] ? ": " : "", error.message) < 0)
                        *ret_message = NULL;
        }
        if (r >= 0)
                daemon_detect_qemu(d, *ret);
        return r;
}

static char *state_ready(const Profile *p) {
        char *status;

        if (asprintf(&status, "ready: %s, kernel %s, digest %.12s", p->label ? p->label : "unlabelled profile",
                     p->kernel ? p->kernel : "unknown", p->digest) < 0)
                return NULL;
        return status;
}

/* The host's scheduler file follows its profile; failing to write it stops nothing else. */
static void daemon_export(Daemon *d) {
        _cleanup_free_ char *error = NULL;
        int r;

        r = host_export_write(d->shared.profile, d->options->export_dir, d->options->export_format, &error);
        if (r < 0)
                fprintf(stderr, SD_WARNING "kvmregsd: cannot write this host's %s file: %s\n",
                        fleet_export_format_name(d->options->export_format), error ? error : strerror(-r));
}

/*
 * Replaces the served profile with a fresh reading. A failed reading keeps the last good
 * profile; with none yet, State tells why and the methods answer NotReady.
 */
static int daemon_refresh(Daemon *d, char **ret_message) {
        _cleanup_(profile_freep) Profile *fresh = NULL;
        _cleanup_free_ char *message = NULL, *status = NULL;
        Profile *old;
        bool digest_changed;
        int r;

        r = daemon_read_profile(d, &fresh, &message);
        if (r < 0) {
                if (!d->shared.profile && d->bus)
                        (void) bus_set_state(d->bus, message ? message : strerror(-r));
                if (ret_message)
                        *ret_message = TAKE_PTR(message);
                return r;
        }

        pthread_mutex_lock(&d->shared.lock);
        old = d->shared.profile;
        d->shared.profile = TAKE_PTR(fresh);
        pthread_mutex_unlock(&d->shared.lock);
        digest_changed = !old || strcmp(old->digest, d->shared.profile->digest) != 0;
        profile_free(old);

        status = state_ready(d->shared.profile);
        if (!status)
                return -ENOMEM;
        if (d->bus) {
                r = bus_profile_changed(d->bus);
                if (r >= 0)
                        r = bus_set_state(d->bus, "ready");
                if (r < 0)
                        return r;
        }
        if (digest_changed && d->watch)
                watch_profile_changed(d->watch);
        if (digest_changed && d->options->export_dir)
                daemon_export(d);
        notify_status("", status);
        return 0;
}

static uint64_t now_monotonic_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

/* SIGHUP and Refresh(): systemd sees a reload from RELOADING=1 to READY=1. */
static int daemon_reload(Daemon *d, char **ret_message) {
        _cleanup_free_ char *message = NULL, *status = NULL;
        int r;

        (void) sd_notifyf(false, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64 "\nSTATUS=Refreshing the profile",
                          now_monotonic_usec());
        r = daemon_refresh(d, &message);
        if (r >= 0) {
                (void) sd_notify(false, "READY=1");
                return 0;
        }
        if (asprintf(&status, "refresh failed: %s%s", message ? message : strerror(-r),
                     d->shared.profile ? "; serving the last profile" : "") < 0)
                status = NULL;
        notify_status("READY=1\n", status ? status : "refresh failed");
        *ret_message = TAKE_PTR(message);
        return r;
}

static int on_bus_refresh(void *userdata, char **ret_message) {
        /* The caller gets the error; STATUS= shows it too. */
        return daemon_reload(userdata, ret_message);
}

static void on_bus_disconnected(void *userdata) {
        Daemon *d = userdata;

        /* Before the name was ours (authentication refused, the bus gone meanwhile), start-up failed. */
        if (!d->started) {
                log_error("Lost the connection to the bus while starting");
                (void) sd_notify(false, "STATUS=Failed to start: lost the bus");
                (void) sd_event_exit(d->event, EXIT_STARTUP);
                return;
        }
        log_error("Lost the connection to the bus, exiting");
        (void) sd_notify(false, "STOPPING=1\nSTATUS=Lost the bus");
        (void) sd_event_exit(d->event, EXIT_BUS_LOST);
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        _cleanup_free_ char *message = NULL;
        int r;

        r = daemon_reload(userdata, &message);
        if (r < 0)
                log_error("Refresh failed, keeping the last profile: %s", message ? message : strerror(-r));
        return 0;
}

static int on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Daemon *d = userdata;

        /* Start-up waits on the loop for the bus (authentication, the name): a bus that
         * accepts and never answers cannot hold a stop. */
        if (!d->started) {
                log_error("Stopped by signal %u while starting", si->ssi_signo);
                (void) sd_notify(false, "STOPPING=1\nSTATUS=Stopped while starting");
        } else
                (void) sd_notify(false, "STOPPING=1\nSTATUS=Stopping");
        (void) sd_event_exit(d->event, EXIT_STOPPED);
        return 0;
}

/*
 * Ends the process with the status it was going to exit with once stopping has taken
 * longer than its limit, leaving the rest of the cleanup undone; says which step hung.
 */
typedef struct ShutdownGuard {
        pthread_mutex_t lock;
        pthread_cond_t finished_cond;   /* CLOCK_MONOTONIC */
        bool finished;
        const char *step;               /* a static string */
        int status;
        unsigned limit_msec;
        struct timespec deadline;
        pthread_t thread;
} ShutdownGuard;

static void *shutdown_guard_thread(void *userdata) {
        ShutdownGuard *g = userdata;
        const char *step;
        int r = 0;

        pthread_mutex_lock(&g->lock);
        while (!g->finished && r != ETIMEDOUT)
                r = pthread_cond_timedwait(&g->finished_cond, &g->lock, &g->deadline);
        if (g->finished) {
                pthread_mutex_unlock(&g->lock);
                return NULL;
        }
        step = g->step;
        pthread_mutex_unlock(&g->lock);
        log_error("Stopping did not finish within %u ms (hung while %s), exiting without the rest of the cleanup",
                  g->limit_msec, step);
        _exit(g->status);
}

static int shutdown_guard_new(int status, unsigned limit_msec, ShutdownGuard **ret) {
        ShutdownGuard *g;
        pthread_condattr_t attr;
        uint64_t nsec;
        int r;

        g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        g->status = status;
        g->limit_msec = limit_msec;
        g->step = "starting to stop";
        clock_gettime(CLOCK_MONOTONIC, &g->deadline);
        nsec = (uint64_t) g->deadline.tv_nsec + (uint64_t) limit_msec * 1000000u;
        g->deadline.tv_sec += (time_t) (nsec / 1000000000u);
        g->deadline.tv_nsec = (long) (nsec % 1000000000u);

        pthread_mutex_init(&g->lock, NULL);
        r = -pthread_condattr_init(&attr);
        if (r < 0) {
                pthread_mutex_destroy(&g->lock);
                free(g);
                return r;
        }
        r = -pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        if (r >= 0)
                r = -pthread_cond_init(&g->finished_cond, &attr);
        pthread_condattr_destroy(&attr);
        if (r < 0) {
                pthread_mutex_destroy(&g->lock);
                free(g);
                return r;
        }
        r = -pthread_create(&g->thread, NULL, shutdown_guard_thread, g);
        if (r < 0) {
                pthread_cond_destroy(&g->finished_cond);
                pthread_mutex_destroy(&g->lock);
                free(g);
                return r;
        }
        *ret = g;
        return 0;
}

static void shutdown_guard_step(ShutdownGuard *g, const char *step) {
        if (!g)
                return;
        pthread_mutex_lock(&g->lock);
        g->step = step;
        pthread_mutex_unlock(&g->lock);
}

/* Stopping finished in time: the guard stands down. */
static ShutdownGuard *shutdown_guard_free(ShutdownGuard *g) {
        if (!g)
                return NULL;
        pthread_mutex_lock(&g->lock);
        g->finished = true;
        pthread_cond_signal(&g->finished_cond);
        pthread_mutex_unlock(&g->lock);
        pthread_join(g->thread, NULL);
        pthread_cond_destroy(&g->finished_cond);
        pthread_mutex_destroy(&g->lock);
        free(g);
        return NULL;
}

static void daemon_done(Daemon *d, ShutdownGuard *guard) {
        shutdown_guard_step(guard, "stopping the libvirt watcher");
        watch_free(d->watch);
        shutdown_guard_step(guard, "closing the bus connection");
        bus_free(d->bus);
        shutdown_guard_step(guard, "freeing the profile");
        profile_free(d->shared.profile);
        qemu_cache_free(d->shared.qemu_cache);
        free(d->no_profile);
        pthread_mutex_destroy(&d->shared.lock);
        sd_event_unref(d->event);
}

/* Frees everything, bounded by SHUTDOWN_LIMIT_MSEC; returns status. */
static int daemon_stop(Daemon *d, int status) {
        ShutdownGuard *guard = NULL;
        int r;

        r = shutdown_guard_new(status, SHUTDOWN_LIMIT_MSEC, &guard);
        if (r < 0)
                log_warning("Stopping without a time limit: %s", strerror(-r));
        daemon_done(d, guard);
        shutdown_guard_free(guard);
        return status;
}

/* The bus's answer to the name request: the rest of start-up, or its failure. */
static void on_name_requested(void *userdata, int r, const char *message) {
        _cleanup_free_ char *status = NULL;
        Daemon *d = userdata;

        if (r < 0) {
                log_error("Cannot own " KVMREGS_BUS_NAME ": %s", message ? message : strerror(-r));
                (void) sd_notifyf(false, "STATUS=Failed to start: %s", strerror(-r));
                (void) sd_event_exit(d->event, EXIT_STARTUP);
                return;
        }
        /* SIGHUP, blocked since start-up, is taken from now on (one sent meanwhile waits). */
        r = sd_event_add_signal(d->event, NULL, SIGHUP, on_sighup, d);
        if (r < 0) {
                log_error("Cannot watch signal %d: %s", SIGHUP, strerror(-r));
                (void) sd_notifyf(false, "STATUS=Failed to start: %s", strerror(-r));
                (void) sd_event_exit(d->event, EXIT_STARTUP);
                return;
        }
        if (d->options->libvirt) {
                r = watch_new(d->options->libvirt_uri, &d->shared, &d->watch);
                if (r < 0)
                        log_warning("Not following libvirt: %s", strerror(-r));
        }
        d->started = true;
        status = d->shared.profile ? state_ready(d->shared.profile)
                                   : strdup(d->no_profile ? d->no_profile : "no profile");
        notify_status("READY=1\n", status ? status : "ready");
}

/* Up to the name request; the loop does the rest (on_name_requested). */
static int daemon_start(Daemon *d) {
        _cleanup_free_ char *message = NULL;
        static const BusCallbacks callbacks = {
                .refresh = on_bus_refresh,
                .name_requested = on_name_requested,
                .disconnected = on_bus_disconnected,
        };
        static const int signals[] = { SIGTERM, SIGINT, SIGHUP };
        sigset_t mask;
        int r;

        /* Signals arrive through the event loop, not as interruptions. */
        sigemptyset(&mask);
        for (size_t i = 0; i < ELEMENTSOF(signals); i++)
                sigaddset(&mask, signals[i]);
        r = -pthread_sigmask(SIG_BLOCK, &mask, NULL);
        if (r < 0) {
                log_error("Cannot block signals: %s", strerror(-r));
                return r;
        }

        r = sd_event_default(&d->event);
        if (r < 0) {
                log_error("Cannot create the event loop: %s", strerror(-r));
                return r;
        }
        d->shared.qemu_cache = qemu_cache_new();
        if (!d->shared.qemu_cache) {
                log_error("Out of memory");
                return -ENOMEM;
        }
        for (size_t i = 0; i < ELEMENTSOF(signals); i++) {
                if (signals[i] == SIGHUP)
                        continue;       /* once started: on_name_requested() */
                r = sd_event_add_signal(d->event, NULL, signals[i], on_sigterm, d);
                if (r < 0) {
                        log_error("Cannot watch signal %d: %s", signals[i], strerror(-r));
                        return r;
                }
        }
        /* Pings WATCHDOG=1 when the service has WatchdogSec=. */
        r = sd_event_set_watchdog(d->event, true);
        if (r < 0) {
                log_error("Cannot set up the watchdog: %s", strerror(-r));
                return r;
        }

        /* libvirt's client library, loaded first as when it was linked, but only for the watcher
         * (not with --no-libvirt); watch_new() reports a failure. */
        if (d->options->libvirt)
                (void) virt_dl_load(NULL);

        r = bus_new(d->event, d->options->bus_address, d->options->session, &d->shared, &callbacks, d, &d->bus,
                    &message);
        if (r < 0) {
                log_error("Cannot connect to the bus: %s", message ? message : strerror(-r));
                return r;
        }

        notify_status("", d->options->profile_file ? "reading the profile" : "probing");
        r = daemon_refresh(d, &d->no_profile);
        if (r < 0 && d->options->profile_file) {
                log_error("Cannot read the profile: %s", d->no_profile ? d->no_profile : strerror(-r));
                return r;
        }
        if (r < 0)
                log_warning("No profile: %s", d->no_profile ? d->no_profile : strerror(-r));

        /* Only now, so that no caller meets a half-started daemon. */
        r = bus_request_name(d->bus);
        if (r < 0) {
                log_error("Cannot own " KVMREGS_BUS_NAME ": %s", strerror(-r));
                return r;
        }
        return 0;
}

static void help(void) {
        printf("Usage: kvmregsd [OPTION]...\n"
               "Serves this host's arm64 KVM register profile on D-Bus as " KVMREGS_BUS_NAME ".\n\n"
               "  --bus-address ADDR    connect to this D-Bus address instead of the system bus\n"
               "  --session             use the session bus\n"
               "  --profile-file FILE   serve a recorded profile instead of probing\n"
               "  --kvm-device PATH     the device to probe (default /dev/kvm)\n"
               "  --libvirt-uri URI     libvirt to follow (default qemu:///system)\n"
               "  --no-libvirt          do not follow libvirt\n"
               "  --export-dir DIR      write this host's scheduler file into DIR whenever the profile\n"
               "                        changes (with --export-format)\n"
               "  --export-format FMT   kubevirt (node label patch) or nova (provider config)\n"
               "  --qemu auto|none|PATH the QEMU whose migration load the profile records: auto finds\n"
               "                        libvirt's aarch64 emulator, else qemu-system-aarch64 on PATH\n"
               "                        (default auto; none with --profile-file, whose own QEMU serves)\n"
               "  --help, --version\n\n"
               "Exit status: 0 stopped by a signal, 1 start-up failure, 2 usage, 3 the bus went away.\n");
}

static int parse_options(int argc, char **argv, Options *o) {
        enum { OPT_BUS_ADDRESS = 256, OPT_SESSION, OPT_PROFILE_FILE, OPT_KVM_DEVICE, OPT_LIBVIRT_URI,
               OPT_NO_LIBVIRT, OPT_EXPORT_DIR, OPT_EXPORT_FORMAT, OPT_QEMU, OPT_HELP, OPT_VERSION };
        static const struct option options[] = {
                { "bus-address", required_argument, NULL, OPT_BUS_ADDRESS },
                { "session", no_argument, NULL, OPT_SESSION },
                { "profile-file", required_argument, NULL, OPT_PROFILE_FILE },
                { "kvm-device", required_argument, NULL, OPT_KVM_DEVICE },
                { "libvirt-uri", required_argument, NULL, OPT_LIBVIRT_URI },
                { "no-libvirt", no_argument, NULL, OPT_NO_LIBVIRT },
                { "export-dir", required_argument, NULL, OPT_EXPORT_DIR },
                { "export-format", required_argument, NULL, OPT_EXPORT_FORMAT },
                { "qemu", required_argument, NULL, OPT_QEMU },
                { "help", no_argument, NULL, OPT_HELP },
                { "version", no_argument, NULL, OPT_VERSION },
                {}
        };
        const char *export_format = NULL;
        int c;

        *o = (Options) { .kvm_device = "/dev/kvm", .libvirt = true };
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case OPT_BUS_ADDRESS: o->bus_address = optarg; break;
                case OPT_SESSION: o->session = true; break;
                case OPT_PROFILE_FILE: o->profile_file = optarg; break;
                case OPT_KVM_DEVICE: o->kvm_device = optarg; break;
                case OPT_LIBVIRT_URI: o->libvirt_uri = optarg; break;
                case OPT_NO_LIBVIRT: o->libvirt = false; break;
                case OPT_EXPORT_DIR: o->export_dir = optarg; break;
                case OPT_EXPORT_FORMAT: export_format = optarg; break;
                case OPT_QEMU: o->qemu = optarg; break;
                case OPT_HELP: help(); return 0;
                case OPT_VERSION: puts(PACKAGE_STRING); return 0;
                default: return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "kvmregsd: unexpected argument \"%s\"\n", argv[optind]);
                return -EINVAL;
        }
        if (o->bus_address && o->session) {
                fputs("kvmregsd: --bus-address and --session exclude each other\n", stderr);
                return -EINVAL;
        }
        if (o->qemu && strcmp(o->qemu, "auto") != 0 && strcmp(o->qemu, "none") != 0 && o->qemu[0] != '/') {
                fprintf(stderr, "kvmregsd: --qemu is auto, none or an absolute path, not \"%s\"\n", o->qemu);
                return -EINVAL;
        }
        if (!o->export_dir != !export_format) {
                fputs("kvmregsd: --export-dir and --export-format go together\n", stderr);
                return -EINVAL;
        }
        if (export_format && fleet_export_format_from_name(export_format, &o->export_format) < 0) {
                fprintf(stderr, "kvmregsd: --export-format is kubevirt or nova, not \"%s\"\n", export_format);
                return -EINVAL;
        }
        return 1;
}

int main(int argc, char **argv) {
        Options options;
        Daemon d = { .options = &options, .shared.lock = PTHREAD_MUTEX_INITIALIZER };
        int r;

        r = parse_options(argc, argv, &options);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
        /* A write to a pipe or socket whose reader is gone (stderr's, a libvirtd's that went
         * away: libvirt writes with write()) must fail, not kill the daemon. */
        (void) sigaction(SIGPIPE, &(struct sigaction) { .sa_handler = SIG_IGN }, NULL);

        r = daemon_start(&d);
        if (r < 0) {
                (void) sd_notifyf(false, "STATUS=Failed to start: %s", strerror(-r));
                return daemon_stop(&d, EXIT_STARTUP);
        }
        r = sd_event_loop(d.event);
        if (r < 0) {
                log_error("Event loop failed: %s", strerror(-r));
                return daemon_stop(&d, EXIT_STARTUP);
        }
        return daemon_stop(&d, r);
}
