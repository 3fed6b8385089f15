/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

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

struct Bus {
        sd_bus *bus;
        sd_bus_slot *filter_slot, *vtable_slot, *name_slot, *refresh_slot;
        SharedProfile *shared;
        BusCallbacks callbacks;
        void *userdata;
        bool name_owned;

        /* What clients see, cached so that a call never re-serialises the profile. The
         * properties are read straight from these fields (offsets in the vtable). */
        char *profile_json;       /* NULL while there is no profile */
        char *digest;             /* "" while there is no profile */
        char *kernel_release;
        char **configs;           /* NULL-terminated */
        char *state;

        sd_bus_message *refresh_call;   /* Refresh() waiting for the bus to name its caller */

        uint32_t sent[SENT_RING];       /* ring, newest at sent_next - 1 */
        size_t sent_next, sent_count;
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
                return 0;
        ours = n < bus->sent_count ? n : bus->sent_count;
        for (uint64_t i = 0; i < ours; i++)
                total += bus->sent[(bus->sent_next + SENT_RING - 1 - i) % SENT_RING];
        return total + (n - ours) * OTHER_MESSAGE_SIZE;
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

static int reply_strings(Bus *bus, sd_bus_message *call, sd_bus_error *error, const char *a, const char *b) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        note_queued(bus, strlen(a) + (b ? strlen(b) : 0));
        r = sd_bus_message_new_method_return(call, &reply);
        if (r >= 0)
                r = append_checked_string(reply, a);
        if (r >= 0 && b)
                r = append_checked_string(reply, b);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r < 0 ? reply_errno(bus, error, r) : 1;
}

/* sd-bus refuses strings that are not UTF-8: documents made from caller input are checked. */
static int reply_document(Bus *bus, sd_bus_message *call, sd_bus_error *error, const char *verdict, const char *json) {
        if (!utf8_valid(json))
                return reply_error(bus, error, KVMREGS_ERROR_FAILED, "The answer would not be valid UTF-8");
        return reply_strings(bus, call, error, verdict ? verdict : json, verdict ? json : NULL);
}

static int reply_not_ready(Bus *bus, sd_bus_error *error) {
        return reply_error(bus, error, KVMREGS_ERROR_NOT_READY, "No profile: %s", bus->state);
}

/* ---- methods ---- */

static int method_get_profile(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        Bus *bus = userdata;

        if (!bus->profile_json)
                return reply_not_ready(bus, error);
        return reply_strings(bus, call, error, bus->profile_json, NULL);
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

/* The source profile or record of Compare/CompareDomain, size-limited and parsed; on
 * failure the error to return (error set). */
static int parse_source(Bus *bus, sd_bus_error *error, const char *document, Profile **ret) {
        ProfileError e = {};
        size_t size = strnlen(document, BUS_MAX_SOURCE_PROFILE + 1);
        int r;

        if (size > BUS_MAX_SOURCE_PROFILE)
                return reply_error(bus, error, KVMREGS_ERROR_TOO_LARGE, "Source profiles are at most %u bytes",
                                   BUS_MAX_SOURCE_PROFILE);
        r = profile_parse(document, size, ret, &e);
        if (r == -E2BIG)
                return reply_error(bus, error, KVMREGS_ERROR_TOO_LARGE, "Source profile over a limit: %s%s%s",
                                   e.path, e.path[0] ? ": " : "", e.message);
        if (r == -ENOMEM)
                return reply_errno(bus, error, r);
        if (r < 0)
                return reply_error(bus, error, KVMREGS_ERROR_INVALID_PROFILE, "Invalid source profile: %s%s%s",
                                   e.path, e.path[0] ? ": " : "", e.message);
        return 0;
}

/* The (verdict, report) answer of Compare and CompareDomain. */
static int reply_report(Bus *bus, sd_bus_message *call, sd_bus_error *error, const Report *report) {
        _cleanup_free_ char *json = report_to_json(report, false);

        if (!json)
                return reply_errno(bus, error, -ENOMEM);
        return reply_document(bus, call, error, verdict_name(report->verdict), json);
}

static int method_compare(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        _cleanup_(profile_freep) Profile *src = NULL;
        _cleanup_(report_freep) Report *report = NULL;
        Bus *bus = userdata;
        const Profile *host = bus->shared->profile;
        const char *document, *name;
        const VcpuConfig *s;
        int r;

        r = sd_bus_message_read(call, "ss", &document, &name);
        if (r < 0)
                return r;
        if (!config_name_fits(name))
                return reply_error(bus, error, KVMREGS_ERROR_TOO_LARGE,
                                   "Configuration names are at most %u bytes", BUS_MAX_CONFIG_NAME);
        if (!host)
                return reply_not_ready(bus, error);

        r = parse_source(bus, error, document, &src);
        if (r < 0)
                return r;

        s = source_config(src, name);
        if (!s && name[0])
                return reply_error(bus, error, KVMREGS_ERROR_UNKNOWN_CONFIG,
                                   "The source profile has no vCPU configuration \"%s\"", name);
        if (!s)
                return reply_error(bus, error, KVMREGS_ERROR_UNKNOWN_CONFIG,
                                   "The source profile has %zu vCPU configurations: name one", src->n_configs);
        r = profile_compare(src, s->name, host, destination_config(host, s), &report);
        if (r == -ENOENT)
                return reply_error(bus, error, KVMREGS_ERROR_UNKNOWN_CONFIG,
                                   "The source profile has no vCPU configuration \"%s\"", s->name);
        if (r < 0)
                return reply_errno(bus, error, r);
        return reply_report(bus, call, error, report);
}

/* CompareDomain: the guest's record against the configuration this host's QEMU builds for
 * the domain (lib/domain.h), not the record's own configuration name. */
static int method_compare_domain(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        _cleanup_(profile_freep) Profile *src = NULL;
        _cleanup_(domxml_freep) DomainXml *domain = NULL;
        _cleanup_(report_freep) Report *report = NULL;
        _cleanup_free_ char *why = NULL;
        Bus *bus = userdata;
        const Profile *host = bus->shared->profile;
        const char *document, *xml;
        DomainCpu cpu;
        size_t xml_size;
        int r;

        r = sd_bus_message_read(call, "ss", &document, &xml);
        if (r < 0)
                return r;
        xml_size = strnlen(xml, DOMXML_MAX_SIZE + 1);
        if (xml_size > DOMXML_MAX_SIZE)
                return reply_error(bus, error, KVMREGS_ERROR_TOO_LARGE, "Domain XML is at most %u bytes", DOMXML_MAX_SIZE);
        if (!host)
                return reply_not_ready(bus, error);

        r = parse_source(bus, error, document, &src);
        if (r < 0)
                return r;
        if (domain_record_check(src, &why) < 0)
                return reply_error(bus, error, KVMREGS_ERROR_INVALID_PROFILE, "%s", why ? why : strerror(ENOMEM));

        r = domxml_parse(xml, xml_size, &domain, &why);
        if (r == -ENOMEM)
                return reply_errno(bus, error, r);
        if (r == -E2BIG)
                return reply_error(bus, error, KVMREGS_ERROR_TOO_LARGE, "Domain XML over a limit: %s",
                                   why ? why : strerror(-r));
        if (r < 0)
                return reply_error(bus, error, KVMREGS_ERROR_INVALID_DOMAIN, "Invalid domain XML: %s",
                                   why ? why : strerror(-r));
        domxml_cpu(domain, &cpu);
        if (domain_cpu_check(&cpu, &why) < 0)
                return reply_error(bus, error, KVMREGS_ERROR_INVALID_DOMAIN, "%s", why ? why : strerror(ENOMEM));

        r = profile_compare_domain(src, host, &cpu, &report);
        if (r < 0)
                return reply_errno(bus, error, r);
        return reply_report(bus, call, error, report);
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
        r = sd_bus_call_method_async(bus->bus, &bus->refresh_slot, DBUS_NAME_DBUS, DBUS_PATH_DBUS, DBUS_NAME_DBUS,
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

        /* Answers the bus has not taken yet are ours to hold: bounded like everything else. */
        if (queued_bytes(bus) > BUS_MAX_OUTGOING)
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
        if (!bus->digest || !bus->kernel_release || !bus->configs || !bus->state)
                return -ENOMEM;

        if (address) {
                r = sd_bus_new(&bus->bus);
                if (r >= 0)
                        r = sd_bus_set_address(bus->bus, address);
                if (r >= 0)
                        r = sd_bus_set_bus_client(bus->bus, true);
                if (r >= 0)
                        r = sd_bus_start(bus->bus);
        } else
                r = session ? sd_bus_open_user(&bus->bus) : sd_bus_open_system(&bus->bus);
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
                r = sd_bus_attach_event(bus->bus, event, SD_EVENT_PRIORITY_NORMAL);
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
        sd_bus_slot_unref(bus->refresh_slot);
        sd_bus_message_unref(bus->refresh_call);
        sd_bus_slot_unref(bus->name_slot);
        if (bus->bus) {
                (void) sd_bus_detach_event(bus->bus);
                /* A bus still authenticating would make sd_bus_flush() wait for it. */
                if (sd_bus_is_ready(bus->bus) > 0) {
                        if (bus->name_owned)
                                (void) sd_bus_release_name_async(bus->bus, NULL, KVMREGS_BUS_NAME, NULL, NULL);
                        (void) sd_bus_flush(bus->bus);
                }
                sd_bus_slot_unref(bus->vtable_slot);
                sd_bus_slot_unref(bus->filter_slot);
                sd_bus_close(bus->bus);
                sd_bus_unref(bus->bus);
        }
        free(bus->profile_json);
        free(bus->digest);
        free(bus->kernel_release);
        strv_free(bus->configs);
        free(bus->state);
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

int bus_request_name(Bus *bus) {
        /* Without SD_BUS_NAME_QUEUE: fails at once when another process has the name. */
        return sd_bus_request_name_async(bus->bus, &bus->name_slot, KVMREGS_BUS_NAME, 0, on_name_reply, bus);
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

int bus_profile_changed(Bus *bus) {
        const Profile *p = bus->shared->profile;
        _cleanup_free_ char *json = NULL;
        char **configs, *changed[4] = {};
        size_t n = 0;
        int r = 0;

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
