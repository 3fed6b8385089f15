/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <malloc.h>
#include <time.h>
#include <string.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libxml/parser.h>
#include <systemd/sd-bus.h>
#if defined(__SANITIZE_ADDRESS__)
/* ASan's allocator (sanitizer/allocator_interface.h, not installed with every compiler) */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

#include "bus.h"
#include "domxml.h"
#include "json-doc.h"
#include "rules.h"
#include "util.h"

#define DBUS_NAME_DBUS            "org.freedesktop.DBus"
#define DBUS_PATH_DBUS            "/org/freedesktop/DBus"
#define DBUS_INTERFACE_PROPERTIES "org.freedesktop.DBus.Properties"

/* Sizes of the last messages this file queued, to bound what waits for the bus (below). */
#define SENT_RING 4096u
/* What a message sd-bus answers by itself (introspection, properties, Ping, errors) is
 * counted as: more than any of them holds. */
#define OTHER_MESSAGE_SIZE 8192u

typedef struct Caller Caller;
typedef struct Job Job;

struct Bus {
        sd_bus *bus;
        sd_bus_slot *filter_slot, *vtable_slot, *name_slot, *refresh_slot;
        /* The same object on a connection of its own, named KVMREGS_PRIVILEGED_BUS_NAME, that
         * only root may call (the bus policy): see "who waits for what". NULL if it could not
         * be had (an older policy file): then everybody shares bus. */
        sd_bus *priv;
        sd_bus_slot *priv_filter_slot, *priv_vtable_slot, *priv_name_slot;
        bool priv_name_owned;
        SharedProfile *shared;
        BusCallbacks callbacks;
        void *userdata;
        bool name_owned;

        /* What clients see, cached so that a call never re-serialises the profile. The
         * properties are read straight from these fields (offsets in the vtable). */
        char *profile_json;       /* NULL while there is no profile */
        /* GetConfig's answers, by the index of the profile's configuration (NULL: skipped);
         * the whole array NULL when not made (GetConfig then makes its answer itself). */
        char **config_records;
        size_t n_config_records;
        char *digest;             /* "" while there is no profile */
        char *kernel_release;
        char **configs;           /* NULL-terminated */
        char *state;

        sd_bus_message *refresh_call;   /* Refresh() waiting for the bus to name its caller */

        uint32_t sent[SENT_RING];       /* ring, newest at sent_next - 1 */
        size_t sent_next, sent_count;

        /* Compare and CompareDomain (below, "who waits for what"); on the loop only: */
        sd_bus_slot *owner_slot;        /* NameOwnerChanged: forget callers that left */
        struct Caller *callers;         /* the connections that called, with their uid */
        size_t n_callers;
        unsigned n_jobs;                /* unprivileged calls queued or running */
        unsigned n_unidentified;        /* calls waiting for their caller's uid */
        uint64_t n_busy;
        int done_fd;                    /* eventfd: a worker finished a job */
        sd_event_source *done_source;
        pthread_t workers[BUS_WORKERS];
        unsigned n_workers;
        /* shared with the workers, under lock: */
        pthread_mutex_t lock;
        pthread_cond_t work_cond;
        bool stopping;
        struct Caller *ring_tail;       /* the last served of the callers with queued jobs */
        struct Job *done, *done_tail;   /* finished, for the loop to answer */

        struct Outgoing *outbox, *outbox_tail;   /* big answers waiting for sd-bus's queue to empty */
        uint64_t outbox_bytes;
        sd_event_source *post_source;
        uint64_t trimmed_usec;          /* the last malloc_trim() */
};

static bool streq(const char *a, const char *b) {
        return strcmp(a, b) == 0;
}

static bool utf8_valid(const char *s) {
        size_t n = strlen(s);

        return doc_utf8_invalid_offset(s, n) == n;
}

static void strv_free(char **l) {
        if (!l)
                return;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
}

static bool strv_equal(char **a, char **b) {
        size_t i;

        for (i = 0; a[i] && b[i]; i++)
                if (strcmp(a[i], b[i]) != 0)
                        return false;
        return !a[i] && !b[i];
}

static void config_records_free(Bus *bus) {
        for (size_t i = 0; bus->config_records && i < bus->n_config_records; i++)
                free(bus->config_records[i]);
        free(bus->config_records);
        bus->config_records = NULL;
        bus->n_config_records = 0;
}

/* ---- what waits for the bus ----
 * sd-bus queues what the socket does not take at once and says how many messages wait
 * (sd_bus_get_n_queued_write), not how many bytes. The queue is in order, so the waiting
 * messages are the newest ones: counted as this file's newest (their sizes noted when
 * queued) plus OTHER_MESSAGE_SIZE for each beyond those. An upper bound: a message of
 * sd-bus's own among the newest makes an older one of ours count in its place. */
static void note_queued(Bus *bus, size_t size) {
        bus->sent[bus->sent_next] = size > UINT32_MAX - 512 ? UINT32_MAX : (uint32_t) size + 512;   /* + header */
        bus->sent_next = (bus->sent_next + 1) % SENT_RING;
        if (bus->sent_count < SENT_RING)
                bus->sent_count++;
}

static uint64_t queued_bytes(Bus *bus) {
        uint64_t n = 0, total = 0, ours;

        if (sd_bus_get_n_queued_write(bus->bus, &n) < 0 || n == 0)
                return bus->outbox_bytes;
        ours = n < bus->sent_count ? n : bus->sent_count;
        for (uint64_t i = 0; i < ours; i++)
                total += bus->sent[(bus->sent_next + SENT_RING - 1 - i) % SENT_RING];
        return total + (n - ours) * OTHER_MESSAGE_SIZE + bus->outbox_bytes;
}

/* ---- answers ---- */

static int reply_error(Bus *bus, sd_bus_error *error, const char *name, const char *format, ...)
        __attribute__((format(printf, 4, 5)));

/* Sets *error (sd-bus sends it when the handler returns the negative value returned here).
 * D-Bus strings must be UTF-8; a message quoting a document's content may not be. */
static int reply_error(Bus *bus, sd_bus_error *error, const char *name, const char *format, ...) {
        _cleanup_free_ char *text = NULL;
        va_list ap;
        int n;

        va_start(ap, format);
        n = vasprintf(&text, format, ap);
        va_end(ap);
        if (n < 0)
                return sd_bus_error_set(error, KVMREGS_ERROR_FAILED, strerror(ENOMEM));
        note_queued(bus, (size_t) n);
        return sd_bus_error_set(error, name, utf8_valid(text) ? text : "(message not valid UTF-8)");
}

static int reply_errno(Bus *bus, sd_bus_error *error, int r) {
        return reply_error(bus, error, KVMREGS_ERROR_FAILED, "%s", strerror(-r));
}

/* For answers sent outside a vtable handler (the filter, Refresh's second half). */
static int send_error_reply(Bus *bus, sd_bus_message *call, sd_bus_error *error, int r) {
        if (!sd_bus_error_is_set(error))
                (void) reply_errno(bus, error, r < 0 ? r : -EIO);
        (void) sd_bus_reply_method_error(call, error);
        sd_bus_error_free(error);
        return 1;
}

#define SEND_ERROR(bus, call, ...)                                                         \
        ({                                                                                 \
                sd_bus_error _e = SD_BUS_ERROR_NULL;                                       \
                send_error_reply(bus, call, &_e, reply_error(bus, &_e, __VA_ARGS__));       \
        })

/* One or two strings, already checked to be UTF-8 (sd-bus would check each again as it
 * appends it: a third of a GetProfile call). */
static int append_checked_string(sd_bus_message *m, const char *s) {
        size_t n = strlen(s);
        char *space;
        int r;

        r = sd_bus_message_append_string_space(m, n, &space);
        if (r >= 0)
                memcpy(space, s, n + 1);
        return r;
}

/* ---- what goes out first ----
 * dbus-daemon reads each connection in turn, a few kilobytes at a time: what kvmregsd has
 * written waits in its socket behind everything written before it, and sd-bus gives that
 * socket an 8 MiB buffer. So that root's answer (and the questions this file asks the bus)
 * are not queued behind megabytes of answers to anybody else, the socket's buffer is made
 * small (BUS_SOCKET_BUFFER) and the big answers anybody may ask for (GetProfile, GetConfig,
 * others' Compare and CompareDomain) wait in the outbox until sd-bus has nothing else left
 * to write; root's answers and everything small go straight to sd-bus. */
typedef struct Outgoing {
        struct Outgoing *next;
        sd_bus_message *m;
        size_t size;
} Outgoing;

static int outbox_push(Bus *bus, sd_bus_message *m, size_t size) {
        Outgoing *o = malloc(sizeof(*o));

        if (!o)
                return -ENOMEM;
        *o = (Outgoing) { .m = sd_bus_message_ref(m), .size = size };
        if (bus->outbox_tail)
                bus->outbox_tail->next = o;
        else
                bus->outbox = o;
        bus->outbox_tail = o;
        bus->outbox_bytes += size;
        return 0;
}

static bool sd_bus_write_queue_empty(Bus *bus) {
        uint64_t n = 0;

        return sd_bus_get_n_queued_write(bus->bus, &n) < 0 || n == 0;
}

/* After every dispatch of the loop: the outbox, one message at a time. */
static int on_post(sd_event_source *s, void *userdata) {
        Bus *bus = userdata;

        while (bus->outbox && sd_bus_write_queue_empty(bus)) {
                Outgoing *o = bus->outbox;

                bus->outbox = o->next;
                if (!bus->outbox)
                        bus->outbox_tail = NULL;
                bus->outbox_bytes -= o->size;
                note_queued(bus, o->size);
                (void) sd_bus_send(NULL, o->m, NULL);
                sd_bus_message_unref(o->m);
                free(o);
        }
        return 0;
}

static void outbox_free(Bus *bus) {
        while (bus->outbox) {
                Outgoing *o = bus->outbox;

                bus->outbox = o->next;
                sd_bus_message_unref(o->m);
                free(o);
        }
        bus->outbox_tail = NULL;
        bus->outbox_bytes = 0;
}

/* urgent: root's answer, straight to sd-bus; otherwise after what sd-bus has queued. */
static int reply_strings(Bus *bus, sd_bus_message *call, sd_bus_error *error, const char *a, const char *b,
                         bool urgent) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        size_t size = strlen(a) + (b ? strlen(b) : 0);
        int r;

        r = sd_bus_message_new_method_return(call, &reply);
        if (r >= 0)
                r = append_checked_string(reply, a);
        if (r >= 0 && b)
                r = append_checked_string(reply, b);
        if (sd_bus_message_get_bus(call) != bus->bus)
                urgent = true;   /* the privileged connection's queue is root's alone */
        if (r >= 0 && !urgent && (bus->outbox || !sd_bus_write_queue_empty(bus)))
                r = outbox_push(bus, reply, size);
        else if (r >= 0) {
                note_queued(bus, size);
                r = sd_bus_send(NULL, reply, NULL);
        }
        return r < 0 ? reply_errno(bus, error, r) : 1;
}

/* sd-bus refuses strings that are not UTF-8: documents made from caller input are checked. */
static int reply_document(Bus *bus, sd_bus_message *call, sd_bus_error *error, const char *verdict, const char *json) {
        if (!utf8_valid(json))
                return reply_error(bus, error, KVMREGS_ERROR_FAILED, "The answer would not be valid UTF-8");
        return reply_strings(bus, call, error, verdict ? verdict : json, verdict ? json : NULL, false);
}

static int reply_not_ready(Bus *bus, sd_bus_error *error) {
        return reply_error(bus, error, KVMREGS_ERROR_NOT_READY, "No profile: %s", bus->state);
}

/* ---- methods ---- */

static int method_get_profile(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        Bus *bus = userdata;

        if (!bus->profile_json)
                return reply_not_ready(bus, error);
        return reply_strings(bus, call, error, bus->profile_json, NULL, false);
}

static bool config_name_fits(const char *name) {
        return strnlen(name, BUS_MAX_CONFIG_NAME + 1) <= BUS_MAX_CONFIG_NAME;
}

static int method_get_config(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        _cleanup_(profile_freep) Profile *record = NULL;
        _cleanup_free_ char *json = NULL;
        Bus *bus = userdata;
        const VcpuConfig *config;
        const Profile *host = bus->shared->profile;
        const char *name;
        int r;

        r = sd_bus_message_read(call, "s", &name);
        if (r < 0)
                return r;
        if (!config_name_fits(name))
                return reply_error(bus, error, KVMREGS_ERROR_TOO_LARGE,
                                   "Configuration names are at most %u bytes", BUS_MAX_CONFIG_NAME);
        if (!host)
                return reply_not_ready(bus, error);
        config = profile_get_config(host, name);
        if (!config)
                return reply_error(bus, error, KVMREGS_ERROR_UNKNOWN_CONFIG, "No vCPU configuration \"%s\" on this host", name);
        if (config->skipped)
                return reply_error(bus, error, KVMREGS_ERROR_UNKNOWN_CONFIG, "This host cannot run configuration \"%s\": %s",
                                   name, config->skipped);

        if (bus->config_records && (size_t) (config - host->configs) < bus->n_config_records &&
            bus->config_records[config - host->configs])
                return reply_strings(bus, call, error, bus->config_records[config - host->configs], NULL, false);

        r = profile_extract_config(host, name, &record);
        if (r == -ENOENT)
                return reply_error(bus, error, KVMREGS_ERROR_UNKNOWN_CONFIG, "No vCPU configuration \"%s\" on this host", name);
        if (r < 0)
                return reply_errno(bus, error, r);
        json = profile_to_json(record, false);
        if (!json)
                return reply_errno(bus, error, -ENOMEM);
        return reply_document(bus, call, error, NULL, json);
}

/* The source configuration Compare looks at: the named one, or a record's only one. */
static const VcpuConfig *source_config(const Profile *src, const char *name) {
        if (name[0] == '\0')
                return src->n_configs == 1 ? &src->configs[0] : NULL;
        return profile_get_config(src, name);
}

/* The configuration this host's QEMU would build for a guest of s: the same name, or
 * (a guest record's own name) the one with the same vCPU features; NULL: same name. */
static const char *destination_config(const Profile *host, const VcpuConfig *s) {
        const VcpuConfig *d;

        if (profile_get_config(host, s->name))
                return NULL;
        d = profile_find_config_by_features(host, s->init_features0, vcpu_config_has_feature(s, "mte_vm_cap"));
        return d ? d->name : NULL;
}

/* ---- Compare and CompareDomain: who waits for what ----
 *
 * Parsing, comparing and serialising a source profile of up to BUS_MAX_SOURCE_PROFILE bytes
 * costs milliseconds to tens of milliseconds. Done on the loop, a local user looping on
 * Compare would decide how long the migration hook (root, with a timeout after which its
 * policy may allow the migration unchecked) waits. So (docs/kvmregsd.md, "Load"):
 *   - the loop only reads the bus, answers what is cheap and hands work out;
 *   - the caller's uid is asked of the bus asynchronously (GetConnectionUnixUser) once per
 *     connection and cached until NameOwnerChanged says the connection is gone;
 *   - root's calls are computed at once on the loop (the loop is the profile's only writer:
 *     no lock), never behind anybody's queue;
 *   - everybody else's go to BUS_WORKERS worker threads, taken round-robin by connection
 *     (one connection's calls cannot delay another's more than by one call each);
 *   - what waits is bounded by bytes, not by a count that well-behaved clients could reach:
 *     at most BUS_MAX_CALLER_JOBS calls in progress per connection, and no new one while the
 *     heap holds more than BUS_MAX_HEAP or the answers waiting for the bus more than
 *     BUS_MAX_OUTGOING (Busy); GetProfile, GetConfig and the properties are answered from
 *     strings serialised once per profile, on the loop, without a worker;
 *   - sd-bus is not thread-safe: a worker touches only its own job's call message, which
 *     the loop holds (a reference) but does not touch until the worker has handed the job
 *     back: it reads the arguments there (sd-bus's UTF-8 check of a 4 MiB string is
 *     milliseconds: not on the loop). It reads the host profile under shared->lock, which
 *     the loop takes to replace it (the old one is freed after that, so never under a
 *     worker); lib/ reads a Profile through const pointers only and keeps no state of its
 *     own. The worker leaves its result in the job and the loop, woken by an eventfd,
 *     sends the answer.
 */

typedef enum JobKind { JOB_COMPARE, JOB_COMPARE_DOMAIN } JobKind;

struct Job {
        Job *next;
        Caller *caller;
        sd_bus_message *call;           /* a reference; read by the worker while it has the job */
        JobKind kind;
        const char *document, *arg;     /* in call: source + config name, or record + domain XML */
        size_t document_size, arg_size;
        bool not_ready;

        /* what the computation found, taken by the loop */
        Profile *src;
        const VcpuConfig *s;
        DomainCpu cpu;
        DomainXml *domain;
        Report *report;
        const char *error_name;         /* NULL: verdict + json */
        char *error_message;
        const char *verdict;
        char *json;
};

struct Caller {
        Caller *next;                   /* bus->callers */
        char *name;                     /* the unique bus name */
        uint32_t uid;
        bool identified, gone;
        sd_bus_slot *lookup;            /* GetConnectionUnixUser under way */
        Job *unidentified, *unidentified_tail;   /* calls waiting for the uid */
        unsigned n_unidentified;
        unsigned in_flight;             /* queued or running on a worker */
        /* under bus->lock: */
        Job *queued, *queued_tail;
        Caller *ring_next;              /* the round-robin ring of callers with queued jobs */
        bool in_ring;
        bool dispatching;               /* on_caller_uid() is handing out its calls: keep it */
        Bus *bus_for_lookup;
};

static void job_free(Job *j) {
        if (!j)
                return;
        sd_bus_message_unref(j->call);
        profile_free(j->src);
        domxml_free(j->domain);
        report_free(j->report);
        free(j->error_message);
        free(j->json);
        free(j);
}

static void job_fail(Job *j, const char *name, const char *format, ...) __attribute__((format(printf, 3, 4)));
static void job_fail(Job *j, const char *name, const char *format, ...) {
        va_list ap;

        if (j->error_name)
                return;
        va_start(ap, format);
        if (vasprintf(&j->error_message, format, ap) < 0)
                j->error_message = NULL;
        va_end(ap);
        j->error_name = name;
}

static void job_fail_errno(Job *j, int r) {
        job_fail(j, KVMREGS_ERROR_FAILED, "%s", strerror(-r));
}

/* The source profile or record, size-limited (checked on the loop) and parsed. */
static int job_parse_source(Job *j) {
        ProfileError e = {};
        int r;

        r = profile_parse(j->document, j->document_size, &j->src, &e);
        if (r == -E2BIG)
                job_fail(j, KVMREGS_ERROR_TOO_LARGE, "Source profile over a limit: %s%s%s",
                         e.path, e.path[0] ? ": " : "", e.message);
        else if (r == -ENOMEM)
                job_fail_errno(j, r);
        else if (r < 0)
                job_fail(j, KVMREGS_ERROR_INVALID_PROFILE, "Invalid source profile: %s%s%s",
                         e.path, e.path[0] ? ": " : "", e.message);
        return r < 0 ? r : 0;
}

/* Phase 0: the arguments and their sizes, then whether there is a profile at all (a profile,
 * once there, stays: a refresh replaces it with another or keeps it). On whichever thread
 * computes the call: the loop does not touch the message meanwhile. */
static int job_read_args(Job *j, bool have_host) {
        int r;

        r = sd_bus_message_read(j->call, "ss", &j->document, &j->arg);
        if (r < 0) {
                job_fail_errno(j, r);
                return r;
        }
        if (j->kind == JOB_COMPARE) {
                if (!config_name_fits(j->arg)) {
                        job_fail(j, KVMREGS_ERROR_TOO_LARGE, "Configuration names are at most %u bytes",
                                 BUS_MAX_CONFIG_NAME);
                        return -E2BIG;
                }
                j->arg_size = strlen(j->arg);
        } else {
                j->arg_size = strnlen(j->arg, DOMXML_MAX_SIZE + 1);
                if (j->arg_size > DOMXML_MAX_SIZE) {
                        job_fail(j, KVMREGS_ERROR_TOO_LARGE, "Domain XML is at most %u bytes", DOMXML_MAX_SIZE);
                        return -E2BIG;
                }
        }
        if (!have_host) {
                j->not_ready = true;   /* the loop words it: "No profile: <State>" */
                j->error_name = KVMREGS_ERROR_NOT_READY;
                return -ENOENT;
        }
        j->document_size = strnlen(j->document, BUS_MAX_SOURCE_PROFILE + 1);
        if (j->document_size > BUS_MAX_SOURCE_PROFILE) {
                job_fail(j, KVMREGS_ERROR_TOO_LARGE, "Source profiles are at most %u bytes", BUS_MAX_SOURCE_PROFILE);
                return -E2BIG;
        }
        return 0;
}

/* Phase 1, without the host profile: parse and check what the caller sent. */
static int job_prepare(Job *j) {
        _cleanup_free_ char *why = NULL;
        int r;

        r = job_parse_source(j);
        if (r < 0)
                return r;
        if (j->kind == JOB_COMPARE) {
                j->s = source_config(j->src, j->arg);
                if (!j->s && j->arg[0])
                        job_fail(j, KVMREGS_ERROR_UNKNOWN_CONFIG,
                                 "The source profile has no vCPU configuration \"%s\"", j->arg);
                else if (!j->s)
                        job_fail(j, KVMREGS_ERROR_UNKNOWN_CONFIG,
                                 "The source profile has %zu vCPU configurations: name one", j->src->n_configs);
                return j->s ? 0 : -ENOENT;
        }

        if (domain_record_check(j->src, &why) < 0) {
                job_fail(j, KVMREGS_ERROR_INVALID_PROFILE, "%s", why ? why : strerror(ENOMEM));
                return -EINVAL;
        }
        r = domxml_parse(j->arg, j->arg_size, &j->domain, &why);
        if (r == -ENOMEM)
                job_fail_errno(j, r);
        else if (r == -E2BIG)
                job_fail(j, KVMREGS_ERROR_TOO_LARGE, "Domain XML over a limit: %s", why ? why : strerror(-r));
        else if (r < 0)
                job_fail(j, KVMREGS_ERROR_INVALID_DOMAIN, "Invalid domain XML: %s", why ? why : strerror(-r));
        if (r < 0)
                return r;
        domxml_cpu(j->domain, &j->cpu);
        free(why);
        why = NULL;
        if (domain_cpu_check(&j->cpu, &why) < 0) {
                job_fail(j, KVMREGS_ERROR_INVALID_DOMAIN, "%s", why ? why : strerror(ENOMEM));
                return -EINVAL;
        }
        return 0;
}

/* Phase 2: against the host profile (the caller makes sure it stays). The incoming domain's
 * own emulator decides the destination QEMU when it is not the profile's (lib/qemu-run.h):
 * detected — a binary run as root — only for root's calls (may_run, on the loop); the others
 * get what an earlier detection found, or the profile's QEMU and why. */
static int job_compare(Job *j, const Profile *host, QemuCache *cache, bool may_run) {
        _cleanup_(domain_qemu_done) DomainQemu dq = {};
        int r;

        if (j->kind == JOB_COMPARE) {
                r = profile_compare(j->src, j->s->name, host, destination_config(host, j->s), &j->report);
                if (r == -ENOENT)
                        job_fail(j, KVMREGS_ERROR_UNKNOWN_CONFIG,
                                 "The source profile has no vCPU configuration \"%s\"", j->s->name);
                else if (r < 0)
                        job_fail_errno(j, r);
                return r;
        }
        r = qemu_domain_qemu(cache, host, j->domain->emulator, may_run, QEMU_RUN_DEFAULT_TIMEOUT_MS, &dq);
        if (r >= 0)
                r = profile_compare_domain_with(j->src, host, &j->cpu, &dq, &j->report);
        if (r < 0)
                job_fail_errno(j, r);
        return r;
}

/* Phase 3: the (verdict, report) answer; sd-bus refuses strings that are not UTF-8. */
static void job_serialise(Job *j) {
        j->json = report_to_json(j->report, false);
        if (!j->json) {
                job_fail_errno(j, -ENOMEM);
                return;
        }
        if (!utf8_valid(j->json)) {
                job_fail(j, KVMREGS_ERROR_FAILED, "The answer would not be valid UTF-8");
                return;
        }
        j->verdict = verdict_name(j->report->verdict);
}

/* The whole computation, on the loop (root's): the loop is the only writer of the profile. */
static void job_run_on_loop(Bus *bus, Job *j) {
        bool root = j->caller && j->caller->identified && j->caller->uid == 0;

        if (job_read_args(j, bus->shared->profile) >= 0 && job_prepare(j) >= 0 &&
            job_compare(j, bus->shared->profile, bus->shared->qemu_cache, root) >= 0)
                job_serialise(j);
}

/* The same on a worker: the profile is read under its lock (phase 2 only: the loop may
 * replace it meanwhile, and frees the old one once it holds the lock). */
static void job_run_on_worker(Bus *bus, Job *j) {
        bool have_host;
        int r;

        pthread_mutex_lock(&bus->shared->lock);
        have_host = bus->shared->profile;
        pthread_mutex_unlock(&bus->shared->lock);
        if (job_read_args(j, have_host) < 0 || job_prepare(j) < 0)
                return;
        pthread_mutex_lock(&bus->shared->lock);
        r = job_compare(j, bus->shared->profile, bus->shared->qemu_cache, false);
        pthread_mutex_unlock(&bus->shared->lock);
        if (r >= 0)
                job_serialise(j);
}

/* On the loop: the answer of a finished job. */
static void job_reply(Bus *bus, Job *j) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (j->not_ready) {
                (void) reply_not_ready(bus, &error);
                (void) send_error_reply(bus, j->call, &error, -EIO);
                return;
        }
        if (j->error_name) {
                if (!j->error_message)
                        (void) reply_errno(bus, &error, -ENOMEM);
                else {
                        note_queued(bus, strlen(j->error_message));
                        (void) sd_bus_error_set(&error, j->error_name,
                                                utf8_valid(j->error_message) ? j->error_message
                                                                             : "(message not valid UTF-8)");
                }
                (void) send_error_reply(bus, j->call, &error, -EIO);
                return;
        }
        r = reply_strings(bus, j->call, &error, j->verdict, j->json, j->caller && j->caller->identified && j->caller->uid == 0);
        if (r < 0 || sd_bus_error_is_set(&error))
                (void) send_error_reply(bus, j->call, &error, r);
}

/* ---- callers ---- */

/* The bytes kvmregsd's heap holds: queued documents, parsed profiles, answers, sd-bus's
 * buffers. D-Bus gives no message's size without reading (and UTF-8-checking) its strings,
 * which is the work the loop hands out: the heap is measured instead. */
static uint64_t heap_in_use(void) {
#if defined(__SANITIZE_ADDRESS__)
        return __sanitizer_get_current_allocated_bytes();
#else
        struct mallinfo2 m = mallinfo2();

        return (uint64_t) m.uordblks + m.hblkhd;
#endif
}

static Caller *caller_find(Bus *bus, const char *name) {
        for (Caller *c = bus->callers; c; c = c->next)
                if (streq(c->name, name))
                        return c;
        return NULL;
}

static bool caller_idle(const Caller *c) {
        return c->in_flight == 0 && c->n_unidentified == 0 && !c->lookup && !c->dispatching;
}

static void caller_free(Bus *bus, Caller *c) {
        for (Caller **p = &bus->callers; *p; p = &(*p)->next)
                if (*p == c) {
                        *p = c->next;
                        break;
                }
        bus->n_callers--;
        sd_bus_slot_unref(c->lookup);
        for (Job *j = c->unidentified, *next; j; j = next) {
                next = j->next;
                bus->n_unidentified--;
                job_free(j);
        }
        free(c->name);
        free(c);
}

static void caller_maybe_free(Bus *bus, Caller *c) {
        if (c->gone && caller_idle(c))
                caller_free(bus, c);
}

static void bus_wake_workers(Bus *bus) {
        pthread_cond_signal(&bus->work_cond);
}

/* On the loop: an unprivileged call (admitted by job_submit) for the workers. Takes j. */
static void job_enqueue(Bus *bus, Job *j) {
        Caller *c = j->caller;

        c->in_flight++;
        bus->n_jobs++;
        pthread_mutex_lock(&bus->lock);
        if (c->queued_tail)
                c->queued_tail->next = j;
        else
                c->queued = j;
        c->queued_tail = j;
        if (!c->in_ring) {
                c->in_ring = true;
                if (bus->ring_tail) {
                        c->ring_next = bus->ring_tail->ring_next;
                        bus->ring_tail->ring_next = c;
                } else
                        c->ring_next = c;
                bus->ring_tail = c;
        }
        bus_wake_workers(bus);
        pthread_mutex_unlock(&bus->lock);
}

/* Why an unprivileged call is refused now, or NULL. */
static const char *bus_too_busy(Bus *bus, const Caller *c) {
        if (c->in_flight >= BUS_MAX_CALLER_JOBS)
                return "Too many calls of this connection in progress, try again";
        if (heap_in_use() > BUS_MAX_HEAP)
                return "Too much memory held for other callers' calls, try again";
        if (queued_bytes(bus) > BUS_MAX_OUTGOING)
                return "Too many answers waiting for the bus, try again";
        return NULL;
}

/* On the loop: a call whose caller is identified (or cannot be: not root). Root's is
 * computed at once, never refused for others' load; the others queued or refused Busy.
 * Takes j. */
static void job_dispatch(Bus *bus, Job *j) {
        Caller *c = j->caller;
        const char *busy;

        if (c->identified && c->uid == 0) {
                job_run_on_loop(bus, j);
                job_reply(bus, j);
                job_free(j);
                caller_maybe_free(bus, c);
                return;
        }
        busy = bus_too_busy(bus, c);
        if (busy) {
                sd_bus_error error = SD_BUS_ERROR_NULL;

                bus->n_busy++;
                (void) reply_error(bus, &error, KVMREGS_ERROR_BUSY, "%s", busy);
                (void) send_error_reply(bus, j->call, &error, -EBUSY);
                job_free(j);
                caller_maybe_free(bus, c);
                return;
        }
        job_enqueue(bus, j);
}

static int on_caller_uid(sd_bus_message *answer, void *userdata, sd_bus_error *unused) {
        Caller *c = userdata;
        Bus *bus = c->bus_for_lookup;
        uint32_t uid;

        c->lookup = sd_bus_slot_unref(c->lookup);
        if (!sd_bus_message_get_error(answer) && sd_bus_message_read(answer, "u", &uid) >= 0) {
                c->identified = true;
                c->uid = uid;
        } else
                /* Gone, or the bus cannot say: not root, then. */
                c->gone = true;
        c->dispatching = true;   /* a call refused Busy must not free c under this loop */
        while (c->unidentified) {
                Job *j = c->unidentified;

                c->unidentified = j->next;
                if (!c->unidentified)
                        c->unidentified_tail = NULL;
                c->n_unidentified--;
                bus->n_unidentified--;
                j->next = NULL;
                job_dispatch(bus, j);
        }
        c->dispatching = false;
        caller_maybe_free(bus, c);
        return 1;
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *unused) {
        Bus *bus = userdata;
        const char *name, *old_owner, *new_owner;
        Caller *c;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 || name[0] != ':' || new_owner[0])
                return 0;
        c = caller_find(bus, name);
        if (c) {
                c->gone = true;
                caller_maybe_free(bus, c);
        }
        return 0;
}

/* On the loop, from the method handlers: the call, to be computed for its caller. */
static int job_submit(Bus *bus, sd_bus_message *call, sd_bus_error *error, JobKind kind) {
        const char *sender = sd_bus_message_get_sender(call), *busy;
        Caller *c;
        Job *j;
        int r;

        j = calloc(1, sizeof(*j));
        if (!j)
                return reply_errno(bus, error, -ENOMEM);
        j->kind = kind;
        j->call = sd_bus_message_ref(call);
        if (!sender) {
                /* A direct connection (no bus): nobody to tell apart, computed at once. */
                job_run_on_loop(bus, j);
                job_reply(bus, j);
                job_free(j);
                return 1;
        }
        c = caller_find(bus, sender);
        if (!c) {
                if (bus->n_callers >= BUS_MAX_CALLERS) {
                        job_free(j);
                        bus->n_busy++;
                        return reply_error(bus, error, KVMREGS_ERROR_BUSY, "Too many connections calling, try again");
                }
                c = calloc(1, sizeof(*c));
                if (!c || !(c->name = strdup(sender))) {
                        free(c);
                        job_free(j);
                        return reply_errno(bus, error, -ENOMEM);
                }
                c->bus_for_lookup = bus;
                c->next = bus->callers;
                bus->callers = c;
                bus->n_callers++;
                /* Asked on the connection the call came by: on the privileged one, the answer
                 * does not queue behind anybody's calls. */
                r = sd_bus_call_method_async(sd_bus_message_get_bus(call), &c->lookup, DBUS_NAME_DBUS, DBUS_PATH_DBUS, DBUS_NAME_DBUS,
                                             "GetConnectionUnixUser", on_caller_uid, c, "s", sender);
                if (r < 0)
                        c->gone = true;   /* not identified: not root */
        }
        j->caller = c;
        if (c->identified || !c->lookup) {
                job_dispatch(bus, j);
                return 1;
        }
        /* Waiting for the bus to name the caller: one round trip, once per connection (the
         * hook's is a new one each time: it is not refused for others' load until it is
         * known not to be root). At most BUS_MAX_CALLER_JOBS per connection; and while the
         * heap is over its budget, at most BUS_MAX_UNIDENTIFIED in all on the main connection
         * (under a flood the bus's answers naming its callers queue behind the flood there,
         * so they may all be waiting: the privileged connection's callers, whom the bus
         * policy names, must not be refused for them). */
        busy = c->n_unidentified >= BUS_MAX_CALLER_JOBS ? "Too many calls of this connection in progress, try again"
                : sd_bus_message_get_bus(call) == bus->bus && bus->n_unidentified >= BUS_MAX_UNIDENTIFIED &&
                  heap_in_use() > BUS_MAX_HEAP
                ? "Too many calls waiting for the bus to name their caller, try again"
                : NULL;
        if (busy) {
                j->caller = NULL;
                job_free(j);
                bus->n_busy++;
                return reply_error(bus, error, KVMREGS_ERROR_BUSY, "%s", busy);
        }
        if (c->unidentified_tail)
                c->unidentified_tail->next = j;
        else
                c->unidentified = j;
        c->unidentified_tail = j;
        c->n_unidentified++;
        bus->n_unidentified++;
        return 1;
}

/* ---- the workers ---- */

static void *worker_main(void *userdata) {
        Bus *bus = userdata;

        /* Unprivileged work yields to the loop (root's calls, and reading the bus): nice 10,
         * a tenth of the loop's weight. Not SCHED_IDLE: on a busy host that would starve
         * everybody's comparisons. Best effort: the limits bound the work either way. */
        (void) setpriority(PRIO_PROCESS, (id_t) gettid(), 10);

        pthread_mutex_lock(&bus->lock);
        for (;;) {
                Caller *c;
                Job *j;

                while (!bus->stopping && !bus->ring_tail)
                        pthread_cond_wait(&bus->work_cond, &bus->lock);
                if (bus->stopping)
                        break;
                /* Round-robin: the caller after the last served, one job each. */
                c = bus->ring_tail->ring_next;
                j = c->queued;
                c->queued = j->next;
                j->next = NULL;
                if (!c->queued) {
                        c->queued_tail = NULL;
                        c->in_ring = false;
                        if (c == bus->ring_tail)
                                bus->ring_tail = NULL;
                        else
                                bus->ring_tail->ring_next = c->ring_next;
                        c->ring_next = NULL;
                } else
                        bus->ring_tail = c;
                pthread_mutex_unlock(&bus->lock);

                job_run_on_worker(bus, j);

                pthread_mutex_lock(&bus->lock);
                if (bus->done_tail)
                        bus->done_tail->next = j;
                else
                        bus->done = j;
                bus->done_tail = j;
                (void) eventfd_write(bus->done_fd, 1);
        }
        pthread_mutex_unlock(&bus->lock);
        return NULL;
}

/* On the loop: the answers of finished jobs. */
static int on_jobs_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Bus *bus = userdata;
        eventfd_t n;
        Job *done;

        (void) eventfd_read(fd, &n);
        pthread_mutex_lock(&bus->lock);
        done = bus->done;
        bus->done = bus->done_tail = NULL;
        pthread_mutex_unlock(&bus->lock);
        while (done) {
                Job *j = done;
                Caller *c = j->caller;

                done = j->next;
                job_reply(bus, j);
                job_free(j);
                c->in_flight--;
                bus->n_jobs--;
                caller_maybe_free(bus, c);
        }
        /* The load is gone: give back what the workers' parses left in malloc's arenas (at
         * most once a second; it walks the heap). */
        if (bus->n_jobs == 0) {
                uint64_t now = 0;

                (void) sd_event_now(sd_event_source_get_event(s), CLOCK_MONOTONIC, &now);
                if (now >= bus->trimmed_usec + 1000000u) {
                        bus->trimmed_usec = now;
                        (void) malloc_trim(0);
                }
        }
        return 0;
}

/* Compare and CompareDomain: their arguments are read (sd-bus checks that a string of up to
 * 4 MiB is UTF-8: milliseconds) where the call is computed, not on the loop (job_read_args). */
static int method_compare(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        return job_submit(userdata, call, error, JOB_COMPARE);
}

/* CompareDomain: the guest's record against the configuration this host's QEMU builds for
 * the domain (lib/domain.h), not the record's own configuration name. */
static int method_compare_domain(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        return job_submit(userdata, call, error, JOB_COMPARE_DOMAIN);
}

/*
 * Refresh is root's. On the bus a message carries no credentials, so they are the bus's to
 * tell: sd_bus_query_sender_creds() would ask it with a blocking call; asked here
 * asynchronously (GetConnectionUnixUser), the loop serves other callers meanwhile, and a
 * second Refresh gets Busy.
 */
static int on_refresh_uid(sd_bus_message *answer, void *userdata, sd_bus_error *unused) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        _cleanup_free_ char *message = NULL;
        Bus *bus = userdata;
        const sd_bus_error *e;
        uint32_t uid;
        int r;

        call = TAKE_PTR(bus->refresh_call);
        bus->refresh_slot = sd_bus_slot_unref(bus->refresh_slot);

        e = sd_bus_message_get_error(answer);
        if (e || sd_bus_message_read(answer, "u", &uid) < 0)
                /* The caller left, or the bus cannot say who it is: refuse. */
                return SEND_ERROR(bus, call, KVMREGS_ERROR_ACCESS_DENIED, "Cannot identify the caller: %s",
                                  e && e->message ? e->message : "no answer");
        if (uid != 0)
                return SEND_ERROR(bus, call, KVMREGS_ERROR_ACCESS_DENIED, "Refresh is for root only (caller uid %u)",
                                  (unsigned) uid);
        r = bus->callbacks.refresh(bus->userdata, &message);
        if (r < 0)
                return SEND_ERROR(bus, call, KVMREGS_ERROR_REFRESH_FAILED, "%s", message ? message : strerror(-r));
        note_queued(bus, 0);
        (void) sd_bus_reply_method_return(call, NULL);
        return 1;
}

static int method_refresh(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        Bus *bus = userdata;
        const char *sender = sd_bus_message_get_sender(call);
        int r;

        if (bus->refresh_call)
                return reply_error(bus, error, KVMREGS_ERROR_BUSY, "A refresh is already running");
        if (!sender)
                return reply_error(bus, error, KVMREGS_ERROR_ACCESS_DENIED, "Refresh needs a bus that names its callers");
        r = sd_bus_call_method_async(sd_bus_message_get_bus(call), &bus->refresh_slot, DBUS_NAME_DBUS, DBUS_PATH_DBUS, DBUS_NAME_DBUS,
                                     "GetConnectionUnixUser", on_refresh_uid, bus, "s", sender);
        if (r < 0)
                return reply_error(bus, error, KVMREGS_ERROR_FAILED, "Cannot ask the bus for the caller's uid");
        bus->refresh_call = sd_bus_message_ref(call);
        return 1;
}

/* ---- the object ---- */

/* Properties are read from Bus fields: sd-bus passes the field's address (the offset). */
static int property_get_string(sd_bus *b, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append_basic(reply, 's', *(char **) userdata);
}

static int property_get_strv(sd_bus *b, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append_strv(reply, *(char ***) userdata);
}

/* Argument names as in dbus/org.kvmregs.Profile1.xml (tests/test-daemon-bus.sh compares). */
static const sd_bus_vtable profile_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_NAMES(KVMREGS_METHOD_GET_PROFILE, "", "", "s", SD_BUS_PARAM(profile),
                                 method_get_profile, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(KVMREGS_METHOD_GET_CONFIG, "s", SD_BUS_PARAM(name), "s", SD_BUS_PARAM(record),
                                 method_get_config, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(KVMREGS_METHOD_COMPARE, "ss", SD_BUS_PARAM(source_profile) SD_BUS_PARAM(config),
                                 "ss", SD_BUS_PARAM(verdict) SD_BUS_PARAM(report),
                                 method_compare, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(KVMREGS_METHOD_COMPARE_DOMAIN, "ss", SD_BUS_PARAM(source_record) SD_BUS_PARAM(domain_xml),
                                 "ss", SD_BUS_PARAM(verdict) SD_BUS_PARAM(report),
                                 method_compare_domain, SD_BUS_VTABLE_UNPRIVILEGED),
        /* Unprivileged for sd-bus (which would want CAP_SYS_ADMIN): the uid check is ours. */
        SD_BUS_METHOD_WITH_NAMES(KVMREGS_METHOD_REFRESH, "", "", "", "", method_refresh, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_NAMES(KVMREGS_SIGNAL_PROFILE_CHANGED, "s", SD_BUS_PARAM(digest), 0),
        SD_BUS_PROPERTY(KVMREGS_PROPERTY_DIGEST, "s", property_get_string, offsetof(Bus, digest),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(KVMREGS_PROPERTY_KERNEL_RELEASE, "s", property_get_string, offsetof(Bus, kernel_release),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(KVMREGS_PROPERTY_CONFIGS, "as", property_get_strv, offsetof(Bus, configs),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(KVMREGS_PROPERTY_STATE, "s", property_get_string, offsetof(Bus, state),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END
};

static const sd_bus_vtable *vtable_find(int type, const char *member) {
        for (const sd_bus_vtable *v = profile_vtable; v->type != _SD_BUS_VTABLE_END; v++) {
                if (v->type != type)
                        continue;
                if (type == _SD_BUS_VTABLE_METHOD && streq(v->x.method.member, member))
                        return v;
                if (type == _SD_BUS_VTABLE_PROPERTY && streq(v->x.property.member, member))
                        return v;
        }
        return NULL;
}

/* A call of one of our methods that names no interface (the D-Bus specification allows it;
 * sd-bus dispatches only calls that name one). */
static int run_method(Bus *bus, sd_bus_message *call, const sd_bus_vtable *v) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = v->x.method.handler(call, bus, &error);

        if (r < 0 || sd_bus_error_is_set(&error))
                return send_error_reply(bus, call, &error, r);
        return 1;
}

/* Properties.Get with the interface left empty ("any interface"): sd-bus answers only a
 * named interface. */
static int get_property(Bus *bus, sd_bus_message *call, const sd_bus_vtable *v) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_message_new_method_return(call, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'v', v->x.property.signature);
        if (r >= 0)
                r = v->x.property.get(bus->bus, KVMREGS_OBJECT_PATH, KVMREGS_INTERFACE, v->x.property.member, reply,
                                      (uint8_t *) bus + v->x.property.offset, &error);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        if (r < 0)
                return send_error_reply(bus, call, &error, r);
        note_queued(bus, OTHER_MESSAGE_SIZE);
        return 1;
}

/* The error answers of org.freedesktop.DBus.Properties that sd-bus words otherwise. */
static int properties_call(Bus *bus, sd_bus_message *call, const char *member, const char *signature) {
        const char *interface = NULL, *property = NULL;
        const sd_bus_vtable *v;
        bool get = streq(member, "Get");
        int r;

        if (streq(member, "Set")) {
                if (!streq(signature, "ssv"))
                        return SEND_ERROR(bus, call, SD_BUS_ERROR_INVALID_ARGS, "Expected arguments of type \"ssv\"");
                return SEND_ERROR(bus, call, SD_BUS_ERROR_PROPERTY_READ_ONLY, "All properties are read-only");
        }
        if (!get && !streq(member, "GetAll"))
                return SEND_ERROR(bus, call, SD_BUS_ERROR_UNKNOWN_METHOD, "No method %s in %s", member,
                                  DBUS_INTERFACE_PROPERTIES);
        if (!streq(signature, get ? "ss" : "s"))
                return SEND_ERROR(bus, call, SD_BUS_ERROR_INVALID_ARGS, "Expected arguments of type \"%s\", got \"%s\"",
                                  get ? "ss" : "s", signature);
        r = get ? sd_bus_message_read(call, "ss", &interface, &property) : sd_bus_message_read(call, "s", &interface);
        (void) sd_bus_message_rewind(call, true);   /* sd-bus reads it again */
        if (r < 0)
                return 0;
        /* An empty interface name means "any interface" (D-Bus specification). */
        if (interface[0] && !streq(interface, KVMREGS_INTERFACE))
                return SEND_ERROR(bus, call, SD_BUS_ERROR_UNKNOWN_INTERFACE, "No interface %s here", interface);
        if (!get)
                return 0;
        v = vtable_find(_SD_BUS_VTABLE_PROPERTY, property);
        if (!v)
                return SEND_ERROR(bus, call, SD_BUS_ERROR_UNKNOWN_PROPERTY, "No property %s", property);
        return interface[0] ? 0 : get_property(bus, call, v);
}

/*
 * Runs before sd-bus dispatches a message: the bus going away; Busy while too much waits for
 * the bus; and the error answers the daemon gave before sd-bus (the same names and messages:
 * the vtable gives the signatures). Everything else is the vtable's.
 */
static int on_message(sd_bus_message *m, void *userdata, sd_bus_error *unused) {
        Bus *bus = userdata;
        const char *interface, *member, *signature, *path;
        const sd_bus_vtable *v;

        if (sd_bus_message_is_signal(m, "org.freedesktop.DBus.Local", "Disconnected")) {
                if (sd_bus_message_get_bus(m) != bus->bus) {
                        /* The privileged connection alone (the bus's going is the main one's
                         * to tell): root's calls come by the main one now. */
                        bus->priv_name_owned = false;
                        return 0;
                }
                bus->name_owned = false;
                if (bus->callbacks.disconnected)
                        bus->callbacks.disconnected(bus->userdata);
                return 0;
        }
        path = sd_bus_message_get_path(m);
        if (!sd_bus_message_is_method_call(m, NULL, NULL) || !path || !streq(path, KVMREGS_OBJECT_PATH))
                return 0;
        interface = sd_bus_message_get_interface(m);
        member = sd_bus_message_get_member(m);
        signature = sd_bus_message_get_signature(m, true);
        if (!member || !signature)
                return 0;

        /* Answers the bus has not taken yet are ours to hold: bounded like everything else.
         * Compare and CompareDomain are bounded when their caller is known (job_dispatch):
         * root's are not refused for others' answers; nor is anything on the privileged
         * connection (root's, by the bus policy). */
        if (sd_bus_message_get_bus(m) != bus->bus)
                ;
        else if ((!interface || streq(interface, KVMREGS_INTERFACE)) &&
            (streq(member, KVMREGS_METHOD_COMPARE) || streq(member, KVMREGS_METHOD_COMPARE_DOMAIN)))
                ;
        else if (queued_bytes(bus) > BUS_MAX_OUTGOING)
                return SEND_ERROR(bus, m, KVMREGS_ERROR_BUSY, "Too many answers waiting for the bus, try again");

        if (!interface || streq(interface, KVMREGS_INTERFACE)) {
                v = vtable_find(_SD_BUS_VTABLE_METHOD, member);
                if (!v)
                        return SEND_ERROR(bus, m, SD_BUS_ERROR_UNKNOWN_METHOD, "No method %s.%s",
                                          interface ? interface : "", member);
                if (!v->x.method.signature[0] && signature[0])
                        return SEND_ERROR(bus, m, SD_BUS_ERROR_INVALID_ARGS, "Expected no arguments, got \"%s\"", signature);
                if (!streq(signature, v->x.method.signature))
                        return SEND_ERROR(bus, m, SD_BUS_ERROR_INVALID_ARGS, "Expected arguments of type \"%s\", got \"%s\"",
                                          v->x.method.signature, signature);
                return interface ? 0 : run_method(bus, m, v);
        }
        if (streq(interface, DBUS_INTERFACE_PROPERTIES))
                return properties_call(bus, m, member, signature);
        if (streq(interface, "org.freedesktop.DBus.Introspectable") || streq(interface, "org.freedesktop.DBus.Peer"))
                return 0;
        return SEND_ERROR(bus, m, SD_BUS_ERROR_UNKNOWN_METHOD, "No method %s.%s", interface, member);
}

static sd_bus *priv_free(Bus *bus) {
        if (!bus->priv)
                return NULL;
        bus->priv_name_slot = sd_bus_slot_unref(bus->priv_name_slot);
        (void) sd_bus_detach_event(bus->priv);
        if (sd_bus_is_ready(bus->priv) > 0) {
                if (bus->priv_name_owned)
                        (void) sd_bus_release_name_async(bus->priv, NULL, KVMREGS_PRIVILEGED_BUS_NAME, NULL, NULL);
                (void) sd_bus_flush(bus->priv);
        }
        bus->priv_vtable_slot = sd_bus_slot_unref(bus->priv_vtable_slot);
        bus->priv_filter_slot = sd_bus_slot_unref(bus->priv_filter_slot);
        sd_bus_close(bus->priv);
        bus->priv_name_owned = false;
        return bus->priv = sd_bus_unref(bus->priv);
}

/* A connection to ADDRESS, or to the user's or the system bus. */
static int bus_open(const char *address, bool session, sd_bus **ret) {
        _cleanup_(sd_bus_unrefp) sd_bus *b = NULL;
        int r;

        if (!address)
                return session ? sd_bus_open_user(ret) : sd_bus_open_system(ret);
        r = sd_bus_new(&b);
        if (r >= 0)
                r = sd_bus_set_address(b, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(b, true);
        if (r >= 0)
                r = sd_bus_start(b);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(b);
        return 0;
}

/* The privileged connection: the same filter and object, dispatched before the main one
 * (SD_EVENT_PRIORITY_IMPORTANT). Best effort: without it, everybody shares the main one. */
static void priv_new(Bus *bus, sd_event *event, const char *address, bool session) {
        int r;

        r = bus_open(address, session, &bus->priv);
        if (r >= 0)
                r = sd_bus_set_close_on_exit(bus->priv, false);
        if (r >= 0)
                r = sd_bus_add_filter(bus->priv, &bus->priv_filter_slot, on_message, bus);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus->priv, &bus->priv_vtable_slot, KVMREGS_OBJECT_PATH, KVMREGS_INTERFACE,
                                             profile_vtable, bus);
        if (r >= 0)
                r = sd_bus_attach_event(bus->priv, event, SD_EVENT_PRIORITY_IMPORTANT);
        if (r < 0)
                priv_free(bus);
}

int bus_new(sd_event *event, const char *address, bool session, SharedProfile *shared,
            const BusCallbacks *callbacks, void *userdata, Bus **ret, char **ret_error) {
        _cleanup_(bus_freep) Bus *bus = NULL;
        int r;

        bus = calloc(1, sizeof(*bus));
        if (!bus)
                return -ENOMEM;
        bus->shared = shared;
        bus->callbacks = *callbacks;
        bus->userdata = userdata;
        bus->digest = strdup("");
        bus->kernel_release = strdup("");
        bus->configs = calloc(1, sizeof(char *));
        bus->state = strdup("probing");
        bus->done_fd = -EBADF;
        pthread_mutex_init(&bus->lock, NULL);
        pthread_cond_init(&bus->work_cond, NULL);
        if (!bus->digest || !bus->kernel_release || !bus->configs || !bus->state)
                return -ENOMEM;

        r = bus_open(address, session, &bus->bus);
        if (r < 0) {
                if (ret_error)
                        *ret_error = strdup(strerror(-r));
                return r;
        }
        /* Stopping is ours (bus_free, bounded by the daemon): sd-bus would flush when the loop
         * exits, waiting without end for a bus that never finished authenticating. */
        r = sd_bus_set_close_on_exit(bus->bus, false);
        if (r >= 0)
                r = sd_bus_add_filter(bus->bus, &bus->filter_slot, on_message, bus);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus->bus, &bus->vtable_slot, KVMREGS_OBJECT_PATH, KVMREGS_INTERFACE,
                                             profile_vtable, bus);
        if (r >= 0)
                r = sd_bus_match_signal_async(bus->bus, &bus->owner_slot, DBUS_NAME_DBUS, DBUS_PATH_DBUS, DBUS_NAME_DBUS,
                                              "NameOwnerChanged", on_name_owner_changed, NULL, bus);
        if (r >= 0)
                r = sd_bus_attach_event(bus->bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0) {
                bus->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
                r = bus->done_fd < 0 ? -errno : 0;
        }
        if (r >= 0)
                r = sd_event_add_io(event, &bus->done_source, bus->done_fd, EPOLLIN, on_jobs_done, bus);
        if (r >= 0)
                r = sd_event_add_post(event, &bus->post_source, on_post, bus);
        if (r >= 0) {
                /* sd-bus asked for 8 MiB; what waits in the socket waits for everybody's turn
                 * at dbus-daemon ("what goes out first"). Best effort. */
                int fd = sd_bus_get_fd(bus->bus), size = BUS_SOCKET_BUFFER;

                if (fd >= 0)
                        (void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
        }
        if (r >= 0)
                priv_new(bus, event, address, session);
        /* libxml2 sets up its globals on first use; the workers parse domain XML at once. */
        xmlInitParser();
        for (; r >= 0 && bus->n_workers < BUS_WORKERS; bus->n_workers++)
                r = -pthread_create(&bus->workers[bus->n_workers], NULL, worker_main, bus);
        if (r < 0) {
                if (ret_error)
                        *ret_error = strdup(strerror(-r));
                return r;
        }
        *ret = TAKE_PTR(bus);
        return 0;
}

Bus *bus_free(Bus *bus) {
        if (!bus)
                return NULL;
        /* The workers finish what they compute (tens of milliseconds at most) and stop. */
        pthread_mutex_lock(&bus->lock);
        bus->stopping = true;
        pthread_cond_broadcast(&bus->work_cond);
        pthread_mutex_unlock(&bus->lock);
        for (unsigned i = 0; i < bus->n_workers; i++)
                (void) pthread_join(bus->workers[i], NULL);
        /* Unanswered: queued on callers, finished but not sent. */
        for (Caller *c = bus->callers; c; c = c->next)
                for (Job *j = c->queued, *next; j; j = next) {
                        next = j->next;
                        job_free(j);
                }
        for (Job *j = bus->done, *next; j; j = next) {
                next = j->next;
                job_free(j);
        }
        while (bus->callers)
                caller_free(bus, bus->callers);
        sd_event_source_disable_unref(bus->done_source);
        sd_event_source_disable_unref(bus->post_source);
        if (bus->done_fd >= 0)
                close(bus->done_fd);
        sd_bus_slot_unref(bus->owner_slot);
        priv_free(bus);
        sd_bus_slot_unref(bus->refresh_slot);
        sd_bus_message_unref(bus->refresh_call);
        sd_bus_slot_unref(bus->name_slot);
        if (bus->bus) {
                (void) sd_bus_detach_event(bus->bus);
                /* A bus still authenticating would make sd_bus_flush() wait for it. */
                if (sd_bus_is_ready(bus->bus) > 0) {
                        if (bus->name_owned)
                                (void) sd_bus_release_name_async(bus->bus, NULL, KVMREGS_BUS_NAME, NULL, NULL);
                        /* The answers still in the outbox, like those sd-bus has queued. */
                        for (Outgoing *o = bus->outbox; o; o = o->next)
                                (void) sd_bus_send(NULL, o->m, NULL);
                        (void) sd_bus_flush(bus->bus);
                }
                sd_bus_slot_unref(bus->vtable_slot);
                sd_bus_slot_unref(bus->filter_slot);
                sd_bus_close(bus->bus);
                sd_bus_unref(bus->bus);
        }
        outbox_free(bus);
        free(bus->profile_json);
        config_records_free(bus);
        free(bus->digest);
        free(bus->kernel_release);
        strv_free(bus->configs);
        free(bus->state);
        pthread_cond_destroy(&bus->work_cond);
        pthread_mutex_destroy(&bus->lock);
        free(bus);
        return NULL;
}

static int on_name_reply(sd_bus_message *answer, void *userdata, sd_bus_error *unused) {
        Bus *bus = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(answer);
        uint32_t result = 0;
        int r;

        bus->name_slot = sd_bus_slot_unref(bus->name_slot);
        if (e) {
                r = sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED) ? -EACCES : -EIO;
                bus->callbacks.name_requested(bus->userdata, r, e->message ? e->message : e->name);
                return 0;
        }
        r = sd_bus_message_read(answer, "u", &result);
        if (r < 0) {
                bus->callbacks.name_requested(bus->userdata, r, "Unreadable answer to RequestName");
                return 0;
        }
        /* 1: primary owner, 4: already the owner; 2 (queued), 3 (exists): someone else's. */
        if (result != 1 && result != 4) {
                bus->callbacks.name_requested(bus->userdata, -EEXIST, KVMREGS_BUS_NAME " is owned by another process");
                return 0;
        }
        bus->name_owned = true;
        bus->callbacks.name_requested(bus->userdata, 0, NULL);
        return 0;
}

/* The privileged name: a failure (an older policy file, another owner) is not the daemon's
 * end: root's calls then come by the main connection, among everybody's. Said once on
 * stderr, as kvmregsd says things (a "<4>" prefix for journald). */
static int on_priv_name_reply(sd_bus_message *answer, void *userdata, sd_bus_error *unused) {
        Bus *bus = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(answer);
        uint32_t result = 0;

        bus->priv_name_slot = sd_bus_slot_unref(bus->priv_name_slot);
        if (!e && sd_bus_message_read(answer, "u", &result) >= 0 && (result == 1 || result == 4)) {
                bus->priv_name_owned = true;
                return 0;
        }
        fprintf(stderr, "%sCannot own " KVMREGS_PRIVILEGED_BUS_NAME " (%s): root's calls share the queue of "
                KVMREGS_BUS_NAME " with everybody's\n", getenv("JOURNAL_STREAM") ? "<4>" : "kvmregsd: ",
                e ? (e->message ? e->message : e->name) : "owned by another process");
        return 0;
}

int bus_request_name(Bus *bus) {
        int r;

        /* Without SD_BUS_NAME_QUEUE: fails at once when another process has the name. */
        r = sd_bus_request_name_async(bus->bus, &bus->name_slot, KVMREGS_BUS_NAME, 0, on_name_reply, bus);
        if (r >= 0 && bus->priv &&
            sd_bus_request_name_async(bus->priv, &bus->priv_name_slot, KVMREGS_PRIVILEGED_BUS_NAME, 0,
                                      on_priv_name_reply, bus) < 0)
                priv_free(bus);
        return r;
}

static int emit_properties_changed(Bus *bus, char **names) {
        if (!names[0])
                return 0;
        note_queued(bus, OTHER_MESSAGE_SIZE);
        return sd_bus_emit_properties_changed_strv(bus->bus, KVMREGS_OBJECT_PATH, KVMREGS_INTERFACE, names);
}

static char **profile_config_names(const Profile *p) {
        char **names = calloc((p ? p->n_configs : 0) + 1, sizeof(char *));
        size_t n = 0;

        if (!names)
                return NULL;
        for (size_t i = 0; p && i < p->n_configs; i++) {
                if (p->configs[i].skipped || !utf8_valid(p->configs[i].name))
                        continue;
                names[n] = strdup(p->configs[i].name);
                if (!names[n]) {
                        strv_free(names);
                        return NULL;
                }
                n++;
        }
        return names;
}

/* Stores a property value; false if unchanged. One that is not UTF-8 (sd-bus would refuse
 * to send it) is stored as a placeholder. */
static bool replace_string(char **field, const char *value, int *r) {
        char *copy;

        if (!utf8_valid(value))
                value = "(not valid UTF-8)";
        if (strcmp(*field, value) == 0)
                return false;
        copy = strdup(value);
        if (!copy) {
                *r = -ENOMEM;
                return false;
        }
        free(*field);
        *field = copy;
        return true;
}

/* GetConfig's answers, made once per profile (each as method_get_config would make it). */
static int config_records_make(Bus *bus, const Profile *p) {
        bus->config_records = calloc(p->n_configs, sizeof(char *));
        if (!bus->config_records)
                return -ENOMEM;
        bus->n_config_records = p->n_configs;
        for (size_t i = 0; i < p->n_configs; i++) {
                _cleanup_(profile_freep) Profile *record = NULL;
                int r;

                if (p->configs[i].skipped)
                        continue;
                r = profile_extract_config(p, p->configs[i].name, &record);
                if (r < 0)
                        return r;
                bus->config_records[i] = profile_to_json(record, false);
                if (!bus->config_records[i])
                        return -ENOMEM;
                if (!utf8_valid(bus->config_records[i])) {
                        free(bus->config_records[i]);
                        bus->config_records[i] = NULL;   /* GetConfig words the error */
                }
        }
        return 0;
}

int bus_profile_changed(Bus *bus) {
        const Profile *p = bus->shared->profile;
        _cleanup_free_ char *json = NULL;
        char **configs, *changed[4] = {};
        size_t n = 0;
        int r = 0;

        /* The old answers are the old profile's; on a failure below, GetConfig makes its own. */
        config_records_free(bus);
        if (p && p->n_configs > 0 && config_records_make(bus, p) < 0)
                config_records_free(bus);
        if (p) {
                json = profile_to_json(p, false);
                if (!json)
                        return -ENOMEM;
                /* Checked once here, so that GetProfile can send it as is. */
                if (!utf8_valid(json))
                        return -EILSEQ;
        }
        configs = profile_config_names(p);
        if (!configs)
                return -ENOMEM;

        free(bus->profile_json);
        bus->profile_json = TAKE_PTR(json);
        if (replace_string(&bus->digest, p ? p->digest : "", &r))
                changed[n++] = (char *) KVMREGS_PROPERTY_DIGEST;
        if (replace_string(&bus->kernel_release, p && p->kernel ? p->kernel : "", &r))
                changed[n++] = (char *) KVMREGS_PROPERTY_KERNEL_RELEASE;
        if (r < 0) {
                strv_free(configs);
                return r;
        }
        if (!strv_equal(bus->configs, configs)) {
                strv_free(bus->configs);
                bus->configs = configs;
                changed[n++] = (char *) KVMREGS_PROPERTY_CONFIGS;
        } else
                strv_free(configs);

        /* Before the name is ours nobody can be listening for this object. */
        if (!bus->name_owned || n == 0)
                return 0;
        r = emit_properties_changed(bus, changed);
        if (r < 0 || !streq(changed[0], KVMREGS_PROPERTY_DIGEST) || !p)
                return r;
        note_queued(bus, strlen(bus->digest));
        return sd_bus_emit_signal(bus->bus, KVMREGS_OBJECT_PATH, KVMREGS_INTERFACE, KVMREGS_SIGNAL_PROFILE_CHANGED,
                                  "s", bus->digest);
}

int bus_set_state(Bus *bus, const char *state) {
        char *state_only[] = { (char *) KVMREGS_PROPERTY_STATE, NULL };
        int r = 0;

        if (!replace_string(&bus->state, state, &r) || !bus->name_owned)
                return r;
        return emit_properties_changed(bus, state_only);
}
