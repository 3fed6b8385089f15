/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libvirt watcher: its own thread runs libvirt's default event loop, follows
 * domain lifecycle events and keeps every running domain's kvmregs record current
 * (docs/libvirt-integration.md).
 *
 * Everything below except watch_new(), watch_free() and watch_profile_changed() runs
 * on the watcher thread. The other threads only set flags under w->lock and wake the
 * loop through the timer, which libvirt's event loop allows from any thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <systemd/sd-daemon.h>

#include "domain.h"
#include "domxml.h"
#include "qemu-run.h"
#include "virt-dl.h"
#include "record.h"
#include "rules.h"
#include "util.h"
#include "watch.h"

/* How long watch_free() waits for the thread; the daemon's own stop limit is longer. */
#define WATCH_STOP_TIMEOUT_MS 500

#define RECONNECT_MIN_MS    500u
#define RECONNECT_MAX_MS    30000u      /* libvirtd gone for long: try twice a minute */
#define RETRY_MS            250u        /* a domain still busy with its incoming migration */
#define RETRY_MAX           240u        /* ... for at most a minute */
#define PENDING_MAX         4096u       /* domains waiting to be stamped */
#define KEEPALIVE_INTERVAL  5           /* s; a hung libvirtd closes the connection after 15 s */
#define KEEPALIVE_COUNT     3

typedef enum StampKind {
        /* QEMU built a new vCPU from the domain XML: this host's values */
        STAMP_FRESH,
        /* the vCPU's state came with the domain (incoming migration, restore) or it is
         * already running: keep the values it carries where this host's kernel takes them */
        STAMP_KEEP,
} StampKind;

typedef struct Pending {
        char uuid[VIR_UUID_STRING_BUFLEN];
        StampKind kind;
        unsigned attempts;
        uint64_t due_ms;
} Pending;

struct Watch {
        char *uri;
        SharedProfile *shared;

        pthread_mutex_t lock;           /* guards the three flags below */
        bool quit;
        bool profile_changed;
        bool thread_started;
        pthread_t thread;
        int timer;                      /* libvirt timeout: runs watch_process() */

        /* watcher thread only */
        virConnectPtr conn;
        int lifecycle_id;
        bool conn_lost;                 /* set by the close callback */
        unsigned reconnect_delay_ms;
        uint64_t reconnect_at_ms;
        bool reconnect_logged;
        Pending *pending;
        size_t n_pending;
};

static pthread_once_t event_impl_once = PTHREAD_ONCE_INIT;
static int event_impl_result;

static void event_impl_register(void) {
        event_impl_result = sym_virEventRegisterDefaultImpl();
}

/* ---- the record ---- */

static int read_machine_id(char **ret) {
        _cleanup_fclose_ FILE *f = NULL;
        char line[64];

        f = fopen("/etc/machine-id", "re");
        if (!f || !fgets(line, sizeof(line), f))
                return -ENOENT;
        line[strcspn(line, "\n")] = '\0';
        if (!*line)
                return -ENOENT;
        *ret = strdup(line);
        return *ret ? 0 : -ENOMEM;
}

/* The record says which host it describes; a profile read from a file may not. */
static int record_set_identity(Profile *record) {
        if (!record->hostname) {
                char name[HOST_NAME_MAX + 1] = "";

                if (gethostname(name, sizeof(name) - 1) < 0)
                        return -errno;
                record->hostname = strdup(name);
                if (!record->hostname)
                        return -ENOMEM;
        }
        if (!record->machine_id) {
                int r = read_machine_id(&record->machine_id);
                if (r == -ENOMEM)
                        return r;
        }
        return 0;
}

typedef struct Stamp {
        char *json;
        char config[64];
        char digest[PROFILE_DIGEST_HEX + 1];            /* the record's own */
        char profile_digest[PROFILE_DIGEST_HEX + 1];    /* this host's profile's */
        char host[HOST_NAME_MAX + 1];
        char carried_from[64];          /* the host the kept values came from, or "" */
        size_t kept;
} Stamp;

/*
 * The record for a domain on this host. kind STAMP_KEEP with a record in the XML: the
 * configuration with the record's vCPU features (QEMU here was started to match them,
 * or the migration would not have loaded) and its values where accepted. Otherwise the
 * configuration QEMU builds here from the XML, with this host's values. -ENOENT: the host
 * has no configuration for the domain (*ret_why says why).
 */
static int record_build(const Profile *host, QemuCache *cache, const DomainXml *dx, const char *dom_uuid,
                        StampKind kind, Stamp *ret, const char **ret_why) {
        _cleanup_(profile_freep) Profile *carried = NULL;
        _cleanup_(profile_freep) Profile *record = NULL;
        const VcpuConfig *config = NULL;
        Stamp stamp = {};
        int r;

        if (kind == STAMP_KEEP && dx->record_json && dx->record_domain_uuid &&
            strcmp(dx->record_domain_uuid, dom_uuid) == 0) {
                ProfileError e;

                r = record_parse(dx->record_json, strlen(dx->record_json), &carried, &e);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        fprintf(stderr, SD_WARNING "kvmregsd: %s: ignoring its kvmregs record: %s%s%s\n",
                                dx->name, e.path, e.path[0] ? ": " : "", e.message);
        }
        if (carried) {
                const VcpuConfig *c = &carried->configs[0];
                config = record_host_config(host, carried);
                if (!config)
                        fprintf(stderr, SD_WARNING "kvmregsd: %s: this host has no configuration with the "
                                "features of its record's (%s, 0x%" PRIx32 "); using the domain XML's\n",
                                dx->name, c->name, c->init_features0);
        }
        if (!config) {
                DomainCpu cpu;

                domxml_cpu(dx, &cpu);
                config = domain_cpu_config(&cpu, host);
        }
        if (!config) {
                *ret_why = "this host offers no vCPU configuration for the domain's CPU";
                return -ENOENT;
        }

        r = profile_extract_config(host, config->name, &record);
        if (r == -EINVAL || r == -ENOENT) {
                *ret_why = "this host cannot run the domain's vCPU configuration";
                return -ENOENT;
        }
        if (r < 0)
                return r;
        r = record_set_identity(record);
        if (r < 0)
                return r;
        /* The record carries the QEMU this guest runs on: the domain's own <emulator> when it is
         * not the one the profile describes (the profile's otherwise, or none known). A local
         * domain's emulator is what libvirt runs here: detected (lib/qemu-run.h decides). */
        {
                _cleanup_(domain_qemu_done) DomainQemu dq = {};

                r = qemu_domain_qemu(cache, host, dx->emulator, true, QEMU_RUN_DEFAULT_TIMEOUT_MS, &dq);
                if (r < 0)
                        return r;
                if (dq.emulator) {
                        if (dq.qemu.has_load)
                                dq.qemu.origin = QEMU_ORIGIN_RECORD;
                        else
                                fprintf(stderr, SD_WARNING "kvmregsd: %s: its record names no QEMU: %s: %s\n", dx->name,
                                        dq.emulator, dq.not_used ? dq.not_used : "not detected");
                        r = profile_set_qemu(record, dq.qemu.has_load ? &dq.qemu : NULL);
                        if (r < 0)
                                return r;
                }
        }
        if (carried) {
                stamp.kept = record_keep_values(record, host, config, &carried->configs[0]);
                snprintf(stamp.carried_from, sizeof(stamp.carried_from), "%s",
                         carried->hostname ? carried->hostname : "unknown host");
        }

        stamp.json = profile_to_json(record, false);
        if (!stamp.json)
                return -ENOMEM;
        snprintf(stamp.config, sizeof(stamp.config), "%s", config->name);
        memcpy(stamp.digest, record->digest, sizeof(stamp.digest));
        memcpy(stamp.profile_digest, host->digest, sizeof(stamp.profile_digest));
        snprintf(stamp.host, sizeof(stamp.host), "%s", record->hostname);
        *ret = stamp;
        return 0;
}

/* Whether the domain's record element already names this profile digest. */
static bool metadata_has_profile_digest(virDomainPtr dom, const char *digest) {
        _cleanup_free_ char *element = NULL, *stamped = NULL;

        element = sym_virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, KVMREGS_METADATA_NS,
                                       VIR_DOMAIN_AFFECT_LIVE);
        stamped = domxml_metadata_profile_digest(element);
        return stamped && strcmp(stamped, digest) == 0;
}

/* ---- pending stamps ---- */

static void pending_add(Watch *w, const char *uuid, StampKind kind, uint64_t due_ms) {
        for (size_t i = 0; i < w->n_pending; i++)
                if (strcmp(w->pending[i].uuid, uuid) == 0) {
                        /* the latest event says what happened to the vCPU */
                        w->pending[i] = (Pending) { .kind = kind, .due_ms = due_ms };
                        memcpy(w->pending[i].uuid, uuid, sizeof(w->pending[i].uuid));
                        return;
                }
        if (w->n_pending >= PENDING_MAX) {
                fprintf(stderr, SD_WARNING "kvmregsd: more than %u domains waiting for a record; %s left out\n",
                        PENDING_MAX, uuid);
                return;
        }
        if (w->n_pending % 16 == 0) {
                Pending *p = realloc(w->pending, (w->n_pending + 16) * sizeof(*p));
                if (!p) {
                        fprintf(stderr, SD_ERR "kvmregsd: out of memory; %s not stamped\n", uuid);
                        return;
                }
                w->pending = p;
        }
        Pending *p = &w->pending[w->n_pending++];
        *p = (Pending) { .kind = kind, .due_ms = due_ms };
        snprintf(p->uuid, sizeof(p->uuid), "%s", uuid);
}

static void pending_remove(Watch *w, size_t i) {
        memmove(&w->pending[i], &w->pending[i + 1], (w->n_pending - i - 1) * sizeof(*w->pending));
        w->n_pending--;
}

static void wake(Watch *w, uint64_t delay_ms) {
        sym_virEventUpdateTimeout(w->timer, (int) (delay_ms > INT_MAX ? INT_MAX : delay_ms));
}

typedef enum StampResult {
        STAMP_DONE,
        STAMP_RETRY,
} StampResult;

/* Not while libvirt still has a job on the domain (an incoming migration): our metadata
 * call would wait for it and hold up the watcher. */
static bool domain_is_settled(virDomainPtr dom) {
        virDomainJobInfo job;

        if (sym_virDomainGetJobInfo(dom, &job) < 0)
                return true;    /* let the stamp itself say what is wrong */
        return job.type == VIR_DOMAIN_JOB_NONE;
}

static StampResult stamp_domain(Watch *w, const Pending *p) {
        _cleanup_(domxml_freep) DomainXml *dx = NULL;
        _cleanup_free_ char *xml = NULL, *element = NULL, *why = NULL, *json = NULL;
        _cleanup_(sym_virDomainFreep) virDomainPtr dom = NULL;
        Stamp stamp = {};
        const char *no_config = NULL;
        unsigned flags = VIR_DOMAIN_AFFECT_LIVE;
        int r, state, reason;

        dom = sym_virDomainLookupByUUIDString(w->conn, p->uuid);
        if (!dom)
                return STAMP_DONE;      /* gone: a failed incoming migration, destroyed */
        if (sym_virDomainGetState(dom, &state, &reason, 0) < 0 || state == VIR_DOMAIN_SHUTOFF ||
            state == VIR_DOMAIN_CRASHED)
                return STAMP_DONE;
        if (!domain_is_settled(dom))
                return STAMP_RETRY;

        xml = sym_virDomainGetXMLDesc(dom, 0);
        if (!xml) {
                fprintf(stderr, SD_WARNING "kvmregsd: %s: cannot read the domain XML: %s\n", p->uuid, sym_virt_last_error());
                return STAMP_RETRY;
        }
        r = domxml_parse(xml, strlen(xml), &dx, &why);
        if (r < 0) {
                fprintf(stderr, SD_WARNING "kvmregsd: %s: domain XML not understood: %s\n", p->uuid,
                        why ? why : strerror(-r));
                return STAMP_DONE;
        }
        if (!dx->arch || strcmp(dx->arch, "aarch64") != 0)
                return STAMP_DONE;      /* not an arm64 guest: nothing kvmregs can say */

        pthread_mutex_lock(&w->shared->lock);
        if (w->shared->profile)
                r = record_build(w->shared->profile, w->shared->qemu_cache, dx, p->uuid, p->kind, &stamp, &no_config);
        else
                r = -EAGAIN;
        pthread_mutex_unlock(&w->shared->lock);
        if (r == -EAGAIN)
                return STAMP_RETRY;     /* no profile yet: the daemon is still probing or loading */
        if (r < 0) {
                fprintf(stderr, SD_WARNING "kvmregsd: %s: no record: %s\n", dx->name,
                        r == -ENOENT ? no_config : strerror(-r));
                return r == -ENOMEM ? STAMP_RETRY : STAMP_DONE;
        }

        json = stamp.json;
        if (dx->record_json && dx->record_domain_uuid && strcmp(dx->record_domain_uuid, p->uuid) == 0 &&
            strcmp(dx->record_json, json) == 0 && metadata_has_profile_digest(dom, stamp.profile_digest))
                return STAMP_DONE;      /* already current */

        element = domxml_metadata_element(p->uuid, stamp.host, stamp.profile_digest, stamp.json, false);
        if (!element)
                return STAMP_RETRY;
        if (sym_virDomainIsPersistent(dom) == 1)
                flags |= VIR_DOMAIN_AFFECT_CONFIG;
        if (sym_virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, element, KVMREGS_METADATA_PREFIX,
                                 KVMREGS_METADATA_NS, flags) < 0) {
                virErrorPtr e = sym_virGetLastError();
                bool transient = e && (e->code == VIR_ERR_OPERATION_TIMEOUT || e->code == VIR_ERR_OPERATION_INVALID ||
                                       e->code == VIR_ERR_SYSTEM_ERROR || e->code == VIR_ERR_RPC);

                if (!transient || p->attempts + 1 >= RETRY_MAX)
                        fprintf(stderr, SD_WARNING "kvmregsd: %s: cannot stamp its record: %s\n", dx->name,
                                sym_virt_last_error());
                return transient ? STAMP_RETRY : STAMP_DONE;
        }

        if (stamp.carried_from[0])
                fprintf(stderr, SD_INFO "kvmregsd: stamped %s: config %s, digest %s (profile %s), "
                        "%zu value%s kept from %s\n", dx->name, stamp.config, stamp.digest, stamp.profile_digest,
                        stamp.kept, stamp.kept == 1 ? "" : "s", stamp.carried_from);
        else
                fprintf(stderr, SD_INFO "kvmregsd: stamped %s: config %s, digest %s (profile %s)\n", dx->name,
                        stamp.config, stamp.digest, stamp.profile_digest);
        return STAMP_DONE;
}

/* Every running domain: after (re)connecting, and when the profile changed. */
static void queue_running(Watch *w) {
        virDomainPtr *domains = NULL;
        int n;

        n = sym_virConnectListAllDomains(w->conn, &domains, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
        if (n < 0) {
                fprintf(stderr, SD_WARNING "kvmregsd: cannot list domains: %s\n", sym_virt_last_error());
                return;
        }
        for (int i = 0; i < n; i++) {
                char uuid[VIR_UUID_STRING_BUFLEN];

                if (sym_virDomainGetUUIDString(domains[i], uuid) == 0)
                        pending_add(w, uuid, STAMP_KEEP, 0);
                sym_virDomainFree(domains[i]);
        }
        free(domains);
}

/* ---- the connection ---- */

static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque) {
        Watch *w = opaque;
        char uuid[VIR_UUID_STRING_BUFLEN];
        StampKind kind;

        (void) conn;
        if (event == VIR_DOMAIN_EVENT_STARTED && detail == VIR_DOMAIN_EVENT_STARTED_BOOTED)
                kind = STAMP_FRESH;
        else if ((event == VIR_DOMAIN_EVENT_STARTED &&
                  (detail == VIR_DOMAIN_EVENT_STARTED_MIGRATED || detail == VIR_DOMAIN_EVENT_STARTED_RESTORED ||
                   detail == VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT)) ||
                 (event == VIR_DOMAIN_EVENT_RESUMED && detail == VIR_DOMAIN_EVENT_RESUMED_MIGRATED))
                kind = STAMP_KEEP;
        else
                return 0;
        if (sym_virDomainGetUUIDString(dom, uuid) < 0)
                return 0;
        pending_add(w, uuid, kind, 0);
        wake(w, 0);
        return 0;
}

static void on_close(virConnectPtr conn, int reason, void *opaque) {
        Watch *w = opaque;

        (void) conn;
        fprintf(stderr, SD_WARNING "kvmregsd: lost the connection to libvirt (%s); reconnecting\n",
                reason == VIR_CONNECT_CLOSE_REASON_EOF ? "libvirtd went away" :
                reason == VIR_CONNECT_CLOSE_REASON_KEEPALIVE ? "libvirtd stopped answering" : "error");
        /* closing the connection from its own close callback is not allowed: watch_process does it */
        w->conn_lost = true;
        wake(w, 0);
}

static void disconnect(Watch *w) {
        if (!w->conn)
                return;
        if (w->lifecycle_id >= 0)
                sym_virConnectDomainEventDeregisterAny(w->conn, w->lifecycle_id);
        sym_virConnectUnregisterCloseCallback(w->conn, on_close);
        sym_virConnectClose(w->conn);
        w->conn = NULL;
        w->lifecycle_id = -1;
}

static void connect_libvirt(Watch *w) {
        virConnectPtr conn;

        conn = sym_virConnectOpen(w->uri);
        if (!conn) {
                if (!w->reconnect_logged || w->reconnect_delay_ms >= RECONNECT_MAX_MS)
                        fprintf(stderr, SD_WARNING "kvmregsd: cannot connect to %s: %s; retrying in %u s\n",
                                w->uri ? w->uri : "qemu:///system", sym_virt_last_error(),
                                (w->reconnect_delay_ms + 999) / 1000);
                w->reconnect_logged = true;
                w->reconnect_at_ms = (uint64_t) monotonic_ms() + w->reconnect_delay_ms;
                w->reconnect_delay_ms = w->reconnect_delay_ms * 2 > RECONNECT_MAX_MS ? RECONNECT_MAX_MS :
                                                                                      w->reconnect_delay_ms * 2;
                return;
        }
        w->conn = conn;
        w->conn_lost = false;
        (void) sym_virConnectSetKeepAlive(conn, KEEPALIVE_INTERVAL, KEEPALIVE_COUNT);
        if (sym_virConnectRegisterCloseCallback(conn, on_close, w, NULL) < 0 ||
            (w->lifecycle_id = sym_virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                                VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle),
                                                                w, NULL)) < 0) {
                fprintf(stderr, SD_WARNING "kvmregsd: cannot follow %s's domain events: %s\n",
                        w->uri ? w->uri : "qemu:///system", sym_virt_last_error());
                disconnect(w);
                w->reconnect_at_ms = (uint64_t) monotonic_ms() + w->reconnect_delay_ms;
                return;
        }
        fprintf(stderr, SD_INFO "kvmregsd: following libvirt at %s\n", w->uri ? w->uri : "qemu:///system");
        w->reconnect_delay_ms = RECONNECT_MIN_MS;
        w->reconnect_logged = false;
        /* domains that started or arrived while we were not connected */
        queue_running(w);
}

/* The timer callback: connection upkeep, profile changes, due stamps; then re-arms. */
static void watch_process(int timer, void *opaque) {
        Watch *w = opaque;
        uint64_t now, next = UINT64_MAX;
        bool changed, quit;

        (void) timer;
        pthread_mutex_lock(&w->lock);
        quit = w->quit;
        changed = w->profile_changed;
        w->profile_changed = false;
        pthread_mutex_unlock(&w->lock);
        if (quit)
                return;

        if (w->conn && w->conn_lost)
                disconnect(w);
        if (!w->conn && (uint64_t) monotonic_ms() >= w->reconnect_at_ms) {
                w->n_pending = 0;       /* the scan after connecting finds them again */
                connect_libvirt(w);
        } else if (w->conn && changed) {
                queue_running(w);
        }

        now = (uint64_t) monotonic_ms();
        for (size_t i = 0; w->conn && !w->conn_lost && i < w->n_pending;) {
                Pending *p = &w->pending[i];

                if (p->due_ms > now) {
                        next = p->due_ms < next ? p->due_ms : next;
                        i++;
                        continue;
                }
                if (stamp_domain(w, p) == STAMP_RETRY && ++p->attempts < RETRY_MAX) {
                        p->due_ms = now + RETRY_MS;
                        next = p->due_ms < next ? p->due_ms : next;
                        i++;
                        continue;
                }
                pending_remove(w, i);
        }
        if (!w->conn || w->conn_lost)
                next = w->reconnect_at_ms;

        now = (uint64_t) monotonic_ms();
        if (next == UINT64_MAX)
                sym_virEventUpdateTimeout(w->timer, -1);    /* until an event or a wake() */
        else
                wake(w, next > now ? next - now : 0);
}

static void *watch_thread(void *userdata) {
        Watch *w = userdata;

        for (;;) {
                bool quit;

                pthread_mutex_lock(&w->lock);
                quit = w->quit;
                pthread_mutex_unlock(&w->lock);
                if (quit)
                        break;
                if (sym_virEventRunDefaultImpl() < 0) {
                        fprintf(stderr, SD_ERR "kvmregsd: libvirt event loop failed: %s\n", sym_virt_last_error());
                        break;
                }
        }
        disconnect(w);
        return NULL;
}

static void on_profile_changed(void *userdata) {
        watch_profile_changed(userdata);
}

void watch_profile_changed(Watch *w) {
        if (!w)
                return;
        pthread_mutex_lock(&w->lock);
        w->profile_changed = true;
        pthread_mutex_unlock(&w->lock);
        wake(w, 0);
}

static void error_ignore(void *userdata, virErrorPtr error) {
        (void) userdata;
        (void) error;
}

int watch_new(const char *uri, SharedProfile *shared, Watch **ret) {
        _cleanup_(watch_freep) Watch *w = NULL;
        _cleanup_free_ char *error = NULL;
        int r;

        if (!shared || !ret)
                return -EINVAL;

        /* kvmregsd loaded it at start-up (or this is the first call): the result, reported here */
        r = virt_dl_load(&error);
        if (r < 0) {
                fprintf(stderr, SD_ERR "kvmregsd: not following libvirt: %s (install libvirt's client "
                        "library, or run kvmregsd with --no-libvirt)\n", error ? error : strerror(-r));
                return r;
        }
        pthread_once(&event_impl_once, event_impl_register);
        if (event_impl_result < 0)
                return -EIO;
        /* libvirt prints every error itself unless told not to; kvmregsd says each once, with context */
        sym_virSetErrorFunc(NULL, error_ignore);

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        pthread_mutex_init(&w->lock, NULL);
        w->shared = shared;
        w->lifecycle_id = -1;
        w->timer = -1;
        w->reconnect_delay_ms = RECONNECT_MIN_MS;
        if (uri) {
                w->uri = strdup(uri);
                if (!w->uri)
                        return -ENOMEM;
        }

        /* fires at once: the first connection attempt */
        w->timer = sym_virEventAddTimeout(0, watch_process, w, NULL);
        if (w->timer < 0)
                return -EIO;

        pthread_mutex_lock(&shared->lock);
        shared->changed = on_profile_changed;
        shared->changed_userdata = w;
        pthread_mutex_unlock(&shared->lock);

        r = -pthread_create(&w->thread, NULL, watch_thread, w);
        if (r < 0)
                return r;
        w->thread_started = true;

        *ret = TAKE_PTR(w);
        return 0;
}

Watch *watch_free(Watch *w) {
        if (!w)
                return NULL;

        if (w->shared) {
                pthread_mutex_lock(&w->shared->lock);
                if (w->shared->changed_userdata == w) {
                        w->shared->changed = NULL;
                        w->shared->changed_userdata = NULL;
                }
                pthread_mutex_unlock(&w->shared->lock);
        }
        pthread_mutex_lock(&w->lock);
        w->quit = true;
        pthread_mutex_unlock(&w->lock);
        if (w->thread_started) {
                struct timespec deadline;

                wake(w, 0);     /* interrupts the loop's poll */
                /* sym_virConnectOpen() has no timeout: a hung libvirtd can hold the thread. Leave it
                 * (and w, which it still uses) rather than hang the daemon's exit. */
                clock_gettime(CLOCK_REALTIME, &deadline);
                deadline.tv_nsec += WATCH_STOP_TIMEOUT_MS * 1000000L;
                deadline.tv_sec += deadline.tv_nsec / 1000000000L;
                deadline.tv_nsec %= 1000000000L;
                if (pthread_timedjoin_np(w->thread, NULL, &deadline) != 0) {
                        fprintf(stderr, SD_WARNING "kvmregsd: the libvirt watcher did not stop within %d ms (libvirtd hung?); leaving it\n",
                                WATCH_STOP_TIMEOUT_MS);
                        pthread_detach(w->thread);
                        return NULL;
                }
        } else {
                disconnect(w);
        }
        if (w->timer >= 0)
                sym_virEventRemoveTimeout(w->timer);
        pthread_mutex_destroy(&w->lock);
        free(w->pending);
        free(w->uri);
        free(w);
        return NULL;
}
