/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dbus/dbus.h>

#include "bus.h"
#include "domxml.h"
#include "main-loop.h"
#include "rules.h"
#include "util.h"

#define STANDARD_INTERFACES_XML                                                         \
        "  <interface name=\"org.freedesktop.DBus.Peer\">\n"                             \
        "    <method name=\"Ping\"/>\n"                                                  \
        "    <method name=\"GetMachineId\">\n"                                           \
        "      <arg name=\"machine_uuid\" type=\"s\" direction=\"out\"/>\n"              \
        "    </method>\n"                                                                \
        "  </interface>\n"                                                               \
        "  <interface name=\"org.freedesktop.DBus.Introspectable\">\n"                   \
        "    <method name=\"Introspect\">\n"                                             \
        "      <arg name=\"xml_data\" type=\"s\" direction=\"out\"/>\n"                  \
        "    </method>\n"                                                                \
        "  </interface>\n"                                                               \
        "  <interface name=\"org.freedesktop.DBus.Properties\">\n"                       \
        "    <method name=\"Get\">\n"                                                    \
        "      <arg name=\"interface_name\" type=\"s\" direction=\"in\"/>\n"             \
        "      <arg name=\"property_name\" type=\"s\" direction=\"in\"/>\n"              \
        "      <arg name=\"value\" type=\"v\" direction=\"out\"/>\n"                     \
        "    </method>\n"                                                                \
        "    <method name=\"GetAll\">\n"                                                 \
        "      <arg name=\"interface_name\" type=\"s\" direction=\"in\"/>\n"             \
        "      <arg name=\"props\" type=\"a{sv}\" direction=\"out\"/>\n"                 \
        "    </method>\n"                                                                \
        "    <method name=\"Set\">\n"                                                    \
        "      <arg name=\"interface_name\" type=\"s\" direction=\"in\"/>\n"             \
        "      <arg name=\"property_name\" type=\"s\" direction=\"in\"/>\n"              \
        "      <arg name=\"value\" type=\"v\" direction=\"in\"/>\n"                      \
        "    </method>\n"                                                                \
        "    <signal name=\"PropertiesChanged\">\n"                                      \
        "      <arg name=\"interface_name\" type=\"s\"/>\n"                              \
        "      <arg name=\"changed_properties\" type=\"a{sv}\"/>\n"                      \
        "      <arg name=\"invalidated_properties\" type=\"as\"/>\n"                     \
        "    </signal>\n"                                                                \
        "  </interface>\n"


struct Bus {
        DBusConnection *connection;
        BusLoop *loop;
        SharedProfile *shared;
        BusCallbacks callbacks;
        void *userdata;
        bool object_registered;
        bool name_owned;

        char *introspect_xml;     /* the interface file plus the standard interfaces */
        /* What clients see, cached so that a call never re-serialises the profile. */
        char *profile_json;       /* NULL while there is no profile */
        char *digest;             /* "" while there is no profile */
        char *kernel_release;
        char **configs;           /* NULL-terminated */
        char *state;

        DBusMessage *refresh_call;      /* Refresh() waiting for the caller's uid */
        DBusPendingCall *refresh_uid;
};

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

static bool send_or_drop(Bus *bus, DBusMessage *m) {
        bool sent = m && dbus_connection_send(bus->connection, m, NULL);

        if (m)
                dbus_message_unref(m);
        return sent;
}

static DBusHandlerResult reply_error(Bus *bus, DBusMessage *call, const char *name, const char *format, ...)
        __attribute__((format(printf, 4, 5)));

static DBusHandlerResult reply_error(Bus *bus, DBusMessage *call, const char *name, const char *format, ...) {
        _cleanup_free_ char *text = NULL;
        va_list ap;
        int n;

        va_start(ap, format);
        n = vasprintf(&text, format, ap);
        va_end(ap);
        if (n < 0)
                return DBUS_HANDLER_RESULT_NEED_MEMORY;
        /* D-Bus strings must be UTF-8; a message quoting a document's content may not be. */
        if (!send_or_drop(bus, dbus_message_new_error(call, name, dbus_validate_utf8(text, NULL) ? text
                                                                 : "(message not valid UTF-8)")))
                return DBUS_HANDLER_RESULT_NEED_MEMORY;
        return DBUS_HANDLER_RESULT_HANDLED;
}

static DBusHandlerResult reply_errno(Bus *bus, DBusMessage *call, int r) {
        return reply_error(bus, call, KVMREGS_ERROR_FAILED, "%s", strerror(-r));
}

static DBusHandlerResult reply_strings(Bus *bus, DBusMessage *call, const char *a, const char *b) {
        DBusMessage *reply = dbus_message_new_method_return(call);

        if (!reply)
                return DBUS_HANDLER_RESULT_NEED_MEMORY;
        if (!dbus_message_append_args(reply, DBUS_TYPE_STRING, &a,
                                      b ? DBUS_TYPE_STRING : DBUS_TYPE_INVALID, &b, DBUS_TYPE_INVALID)) {
                dbus_message_unref(reply);
                return DBUS_HANDLER_RESULT_NEED_MEMORY;
        }
        return send_or_drop(bus, reply) ? DBUS_HANDLER_RESULT_HANDLED : DBUS_HANDLER_RESULT_NEED_MEMORY;
}

/* libdbus aborts on a string that is not UTF-8: documents made from caller input are checked. */
static DBusHandlerResult reply_document(Bus *bus, DBusMessage *call, const char *verdict, const char *json) {
        if (!dbus_validate_utf8(json, NULL))
                return reply_error(bus, call, KVMREGS_ERROR_FAILED, "The answer would not be valid UTF-8");
        return reply_strings(bus, call, verdict ? verdict : json, verdict ? json : NULL);
}

static DBusHandlerResult reply_empty(Bus *bus, DBusMessage *call) {
        return send_or_drop(bus, dbus_message_new_method_return(call)) ? DBUS_HANDLER_RESULT_HANDLED
                                                                       : DBUS_HANDLER_RESULT_NEED_MEMORY;
}

static DBusHandlerResult reply_not_ready(Bus *bus, DBusMessage *call) {
        return reply_error(bus, call, KVMREGS_ERROR_NOT_READY, "No profile: %s", bus->state);
}

/* Reads the call's string arguments after checking the signature; false: an error was sent. */
static bool get_string_args(Bus *bus, DBusMessage *call, const char *signature, const char **ret_a,
                            const char **ret_b, DBusHandlerResult *ret_result) {
        if (!dbus_message_has_signature(call, signature)) {
                *ret_result = reply_error(bus, call, DBUS_ERROR_INVALID_ARGS,
                                          "Expected arguments of type \"%s\", got \"%s\"", signature,
                                          dbus_message_get_signature(call));
                return false;
        }
        /* Signature checked: this only fails on a malformed message, which libdbus rejects earlier. */
        if (!dbus_message_get_args(call, NULL, DBUS_TYPE_STRING, ret_a,
                                   ret_b ? DBUS_TYPE_STRING : DBUS_TYPE_INVALID, ret_b, DBUS_TYPE_INVALID)) {
                *ret_result = reply_error(bus, call, DBUS_ERROR_INVALID_ARGS, "Unreadable arguments");
                return false;
        }
        return true;
}

static bool check_no_args(Bus *bus, DBusMessage *call, DBusHandlerResult *ret_result) {
        if (dbus_message_has_signature(call, ""))
                return true;
        *ret_result = reply_error(bus, call, DBUS_ERROR_INVALID_ARGS, "Expected no arguments, got \"%s\"",
                                  dbus_message_get_signature(call));
        return false;
}

static DBusHandlerResult method_get_profile(Bus *bus, DBusMessage *call) {
        DBusHandlerResult result;

        if (!check_no_args(bus, call, &result))
                return result;
        if (!bus->profile_json)
                return reply_not_ready(bus, call);
        return reply_strings(bus, call, bus->profile_json, NULL);
}

static bool config_name_fits(const char *name) {
        return strnlen(name, BUS_MAX_CONFIG_NAME + 1) <= BUS_MAX_CONFIG_NAME;
}

static DBusHandlerResult method_get_config(Bus *bus, DBusMessage *call) {
        _cleanup_(profile_freep) Profile *record = NULL;
        _cleanup_free_ char *json = NULL;
        const VcpuConfig *config;
        const Profile *host = bus->shared->profile;
        DBusHandlerResult result;
        const char *name;
        int r;

        if (!get_string_args(bus, call, "s", &name, NULL, &result))
                return result;
        if (!config_name_fits(name))
                return reply_error(bus, call, KVMREGS_ERROR_TOO_LARGE,
                                   "Configuration names are at most %u bytes", BUS_MAX_CONFIG_NAME);
        if (!host)
                return reply_not_ready(bus, call);
        config = profile_get_config(host, name);
        if (!config)
                return reply_error(bus, call, KVMREGS_ERROR_UNKNOWN_CONFIG, "No vCPU configuration \"%s\" on this host", name);
        if (config->skipped)
                return reply_error(bus, call, KVMREGS_ERROR_UNKNOWN_CONFIG, "This host cannot run configuration \"%s\": %s",
                                   name, config->skipped);

        r = profile_extract_config(host, name, &record);
        if (r == -ENOENT)
                return reply_error(bus, call, KVMREGS_ERROR_UNKNOWN_CONFIG, "No vCPU configuration \"%s\" on this host", name);
        if (r < 0)
                return reply_errno(bus, call, r);
        json = profile_to_json(record, false);
        if (!json)
                return DBUS_HANDLER_RESULT_NEED_MEMORY;
        return reply_document(bus, call, NULL, json);
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

/* Parses a caller's source profile or record; false: an error was sent (or needs memory). */
/* The source profile or record of Compare/CompareDomain, size-limited and parsed; false with
 * *ret_result set to the error reply. */
static bool parse_source(Bus *bus, DBusMessage *call, const char *document, Profile **ret,
                         DBusHandlerResult *ret_result) {
        ProfileError error = {};
        size_t size = strnlen(document, BUS_MAX_SOURCE_PROFILE + 1);
        int r;

        if (size > BUS_MAX_SOURCE_PROFILE) {
                *ret_result = reply_error(bus, call, KVMREGS_ERROR_TOO_LARGE, "Source profiles are at most %u bytes",
                                          BUS_MAX_SOURCE_PROFILE);
                return false;
        }
        r = profile_parse(document, size, ret, &error);
        if (r == -E2BIG)
                *ret_result = reply_error(bus, call, KVMREGS_ERROR_TOO_LARGE, "Source profile over a limit: %s%s%s",
                                          error.path, error.path[0] ? ": " : "", error.message);
        else if (r == -ENOMEM)
                *ret_result = DBUS_HANDLER_RESULT_NEED_MEMORY;
        else if (r < 0)
                *ret_result = reply_error(bus, call, KVMREGS_ERROR_INVALID_PROFILE, "Invalid source profile: %s%s%s",
                                          error.path, error.path[0] ? ": " : "", error.message);
        return r >= 0;
}

/* The (verdict, report) answer of Compare and CompareDomain. */
static DBusHandlerResult reply_report(Bus *bus, DBusMessage *call, const Report *report) {
        _cleanup_free_ char *json = report_to_json(report, false);

        if (!json)
                return DBUS_HANDLER_RESULT_NEED_MEMORY;
        return reply_document(bus, call, verdict_name(report->verdict), json);
}

static DBusHandlerResult method_compare(Bus *bus, DBusMessage *call) {
        _cleanup_(profile_freep) Profile *src = NULL;
        _cleanup_(report_freep) Report *report = NULL;
        const Profile *host = bus->shared->profile;
        const char *document, *name;
        const VcpuConfig *s;
        DBusHandlerResult result;
        int r;

        if (!get_string_args(bus, call, "ss", &document, &name, &result))
                return result;
        if (!config_name_fits(name))
                return reply_error(bus, call, KVMREGS_ERROR_TOO_LARGE,
                                   "Configuration names are at most %u bytes", BUS_MAX_CONFIG_NAME);
        if (!host)
                return reply_not_ready(bus, call);

        if (!parse_source(bus, call, document, &src, &result))
                return result;

        s = source_config(src, name);
        if (!s && name[0])
                return reply_error(bus, call, KVMREGS_ERROR_UNKNOWN_CONFIG,
                                   "The source profile has no vCPU configuration \"%s\"", name);
        if (!s)
                return reply_error(bus, call, KVMREGS_ERROR_UNKNOWN_CONFIG,
                                   "The source profile has %zu vCPU configurations: name one", src->n_configs);
        r = profile_compare(src, s->name, host, destination_config(host, s), &report);
        if (r == -ENOENT)
                return reply_error(bus, call, KVMREGS_ERROR_UNKNOWN_CONFIG,
                                   "The source profile has no vCPU configuration \"%s\"", s->name);
        if (r < 0)
                return reply_errno(bus, call, r);
        return reply_report(bus, call, report);
}

/* CompareDomain: the guest's record against the configuration this host's QEMU builds for
 * the domain (lib/domain.h), not the record's own configuration name. */
static DBusHandlerResult method_compare_domain(Bus *bus, DBusMessage *call) {
        _cleanup_(profile_freep) Profile *src = NULL;
        _cleanup_(domxml_freep) DomainXml *domain = NULL;
        _cleanup_(report_freep) Report *report = NULL;
        _cleanup_free_ char *why = NULL;
        const Profile *host = bus->shared->profile;
        const char *document, *xml;
        DomainCpu cpu;
        DBusHandlerResult result;
        size_t xml_size;
        int r;

        if (!get_string_args(bus, call, "ss", &document, &xml, &result))
                return result;
        xml_size = strnlen(xml, DOMXML_MAX_SIZE + 1);
        if (xml_size > DOMXML_MAX_SIZE)
                return reply_error(bus, call, KVMREGS_ERROR_TOO_LARGE, "Domain XML is at most %u bytes", DOMXML_MAX_SIZE);
        if (!host)
                return reply_not_ready(bus, call);

        if (!parse_source(bus, call, document, &src, &result))
                return result;
        if (domain_record_check(src, &why) < 0)
                return reply_error(bus, call, KVMREGS_ERROR_INVALID_PROFILE, "%s", why ? why : strerror(ENOMEM));

        r = domxml_parse(xml, xml_size, &domain, &why);
        if (r == -ENOMEM)
                return DBUS_HANDLER_RESULT_NEED_MEMORY;
        if (r == -E2BIG)
                return reply_error(bus, call, KVMREGS_ERROR_TOO_LARGE, "Domain XML over a limit: %s",
                                   why ? why : strerror(-r));
        if (r < 0)
                return reply_error(bus, call, KVMREGS_ERROR_INVALID_DOMAIN, "Invalid domain XML: %s",
                                   why ? why : strerror(-r));
        domxml_cpu(domain, &cpu);
        if (domain_cpu_check(&cpu, &why) < 0)
                return reply_error(bus, call, KVMREGS_ERROR_INVALID_DOMAIN, "%s", why ? why : strerror(ENOMEM));

        r = profile_compare_domain(src, host, &cpu, &report);
        if (r < 0)
                return reply_errno(bus, call, r);
        return reply_report(bus, call, report);
}

static void refresh_finish(Bus *bus, DBusMessage *uid_reply) {
        _cleanup_free_ char *message = NULL;
        DBusMessage *call = TAKE_PTR(bus->refresh_call);
        dbus_uint32_t uid;
        DBusError error;
        int r;

        dbus_error_init(&error);
        if (dbus_set_error_from_message(&error, uid_reply) ||
            !dbus_message_get_args(uid_reply, &error, DBUS_TYPE_UINT32, &uid, DBUS_TYPE_INVALID)) {
                /* The caller left, or the bus cannot say who it is: refuse. */
                (void) reply_error(bus, call, KVMREGS_ERROR_ACCESS_DENIED, "Cannot identify the caller: %s",
                                   error.message ? error.message : "no answer");
                dbus_error_free(&error);
        } else if (uid != 0)
                (void) reply_error(bus, call, KVMREGS_ERROR_ACCESS_DENIED, "Refresh is for root only (caller uid %u)",
                                   (unsigned) uid);
        else {
                r = bus->callbacks.refresh(bus->userdata, &message);
                if (r < 0)
                        (void) reply_error(bus, call, KVMREGS_ERROR_REFRESH_FAILED, "%s",
                                           message ? message : strerror(-r));
                else
                        (void) reply_empty(bus, call);
        }
        dbus_message_unref(call);
}

static void on_refresh_uid(DBusPendingCall *pending, void *userdata) {
        Bus *bus = userdata;
        DBusMessage *reply = dbus_pending_call_steal_reply(pending);

        dbus_pending_call_unref(TAKE_PTR(bus->refresh_uid));
        if (!reply) {
                dbus_message_unref(TAKE_PTR(bus->refresh_call));
                return;
        }
        refresh_finish(bus, reply);
        dbus_message_unref(reply);
}

static DBusHandlerResult method_refresh(Bus *bus, DBusMessage *call) {
        DBusMessage *query;
        DBusHandlerResult result;
        const char *sender = dbus_message_get_sender(call);

        if (!check_no_args(bus, call, &result))
                return result;
        if (bus->refresh_call)
                return reply_error(bus, call, KVMREGS_ERROR_BUSY, "A refresh is already running");
        if (!sender)
                return reply_error(bus, call, KVMREGS_ERROR_ACCESS_DENIED, "Refresh needs a bus that names its callers");

        /* Ask the bus who the caller is; the answer arrives through the main loop. */
        query = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS,
                                             "GetConnectionUnixUser");
        if (!query)
                return DBUS_HANDLER_RESULT_NEED_MEMORY;
        if (!dbus_message_append_args(query, DBUS_TYPE_STRING, &sender, DBUS_TYPE_INVALID) ||
            !dbus_connection_send_with_reply(bus->connection, query, &bus->refresh_uid, DBUS_TIMEOUT_USE_DEFAULT) ||
            !bus->refresh_uid ||
            !dbus_pending_call_set_notify(bus->refresh_uid, on_refresh_uid, bus, NULL)) {
                dbus_message_unref(query);
                if (bus->refresh_uid)
                        dbus_pending_call_unref(TAKE_PTR(bus->refresh_uid));
                return reply_error(bus, call, KVMREGS_ERROR_FAILED, "Cannot ask the bus for the caller's uid");
        }
        dbus_message_unref(query);
        bus->refresh_call = dbus_message_ref(call);
        return DBUS_HANDLER_RESULT_HANDLED;
}

/* ---- properties ---- */

static const char *const property_names[] = { "Digest", "KernelRelease", "Configs", "State" };

static bool append_property_value(Bus *bus, DBusMessageIter *iter, const char *property) {
        DBusMessageIter variant, array;
        const char *value;

        if (strcmp(property, "Configs") == 0) {
                if (!dbus_message_iter_open_container(iter, DBUS_TYPE_VARIANT, "as", &variant))
                        return false;
                if (!dbus_message_iter_open_container(&variant, DBUS_TYPE_ARRAY, "s", &array)) {
                        dbus_message_iter_abandon_container(iter, &variant);
                        return false;
                }
                for (char **c = bus->configs; *c; c++)
                        if (!dbus_message_iter_append_basic(&array, DBUS_TYPE_STRING, c)) {
                                dbus_message_iter_abandon_container(&variant, &array);
                                dbus_message_iter_abandon_container(iter, &variant);
                                return false;
                        }
                return dbus_message_iter_close_container(&variant, &array) &&
                       dbus_message_iter_close_container(iter, &variant);
        }

        value = strcmp(property, "Digest") == 0        ? bus->digest
                : strcmp(property, "KernelRelease") == 0 ? bus->kernel_release
                                                         : bus->state;
        if (!dbus_message_iter_open_container(iter, DBUS_TYPE_VARIANT, "s", &variant))
                return false;
        if (!dbus_message_iter_append_basic(&variant, DBUS_TYPE_STRING, &value)) {
                dbus_message_iter_abandon_container(iter, &variant);
                return false;
        }
        return dbus_message_iter_close_container(iter, &variant);
}

static bool is_property(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(property_names); i++)
                if (strcmp(name, property_names[i]) == 0)
                        return true;
        return false;
}

/* Appends a{sv} of the properties flagged in which (NULL: all). */
static bool append_properties(Bus *bus, DBusMessageIter *iter, const bool *which) {
        DBusMessageIter array, entry;

        if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{sv}", &array))
                return false;
        for (size_t i = 0; i < ELEMENTSOF(property_names); i++) {
                if (which && !which[i])
                        continue;
                if (!dbus_message_iter_open_container(&array, DBUS_TYPE_DICT_ENTRY, NULL, &entry) ||
                    !dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &property_names[i]) ||
                    !append_property_value(bus, &entry, property_names[i]) ||
                    !dbus_message_iter_close_container(&array, &entry)) {
                        dbus_message_iter_abandon_container_if_open(&array, &entry);
                        dbus_message_iter_abandon_container(iter, &array);
                        return false;
                }
        }
        return dbus_message_iter_close_container(iter, &array);
}

static DBusHandlerResult properties_call(Bus *bus, DBusMessage *call, const char *member) {
        DBusMessage *reply;
        DBusMessageIter iter;
        DBusHandlerResult result;
        const char *interface, *property = NULL;
        bool get = strcmp(member, "Get") == 0, get_all = strcmp(member, "GetAll") == 0;

        if (strcmp(member, "Set") == 0) {
                if (!dbus_message_has_signature(call, "ssv"))
                        return reply_error(bus, call, DBUS_ERROR_INVALID_ARGS, "Expected arguments of type \"ssv\"");
                return reply_error(bus, call, DBUS_ERROR_PROPERTY_READ_ONLY, "All properties are read-only");
        }
        if (!get && !get_all)
                return reply_error(bus, call, DBUS_ERROR_UNKNOWN_METHOD, "No method %s in %s", member,
                                   DBUS_INTERFACE_PROPERTIES);
        if (!get_string_args(bus, call, get ? "ss" : "s", &interface, get ? &property : NULL, &result))
                return result;
        /* An empty interface name means "any interface" (D-Bus specification). */
        if (interface[0] && strcmp(interface, KVMREGS_INTERFACE) != 0)
                return reply_error(bus, call, DBUS_ERROR_UNKNOWN_INTERFACE, "No interface %s here", interface);
        if (get && !is_property(property))
                return reply_error(bus, call, DBUS_ERROR_UNKNOWN_PROPERTY, "No property %s", property);

        reply = dbus_message_new_method_return(call);
        if (!reply)
                return DBUS_HANDLER_RESULT_NEED_MEMORY;
        dbus_message_iter_init_append(reply, &iter);
        if (!(get ? append_property_value(bus, &iter, property) : append_properties(bus, &iter, NULL))) {
                dbus_message_unref(reply);
                return DBUS_HANDLER_RESULT_NEED_MEMORY;
        }
        return send_or_drop(bus, reply) ? DBUS_HANDLER_RESULT_HANDLED : DBUS_HANDLER_RESULT_NEED_MEMORY;
}

static int emit_properties_changed(Bus *bus, const bool *which) {
        DBusMessage *signal;
        DBusMessageIter iter, invalidated;
        const char *interface = KVMREGS_INTERFACE;

        signal = dbus_message_new_signal(KVMREGS_OBJECT_PATH, DBUS_INTERFACE_PROPERTIES, "PropertiesChanged");
        if (!signal)
                return -ENOMEM;
        dbus_message_iter_init_append(signal, &iter);
        if (!dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &interface) ||
            !append_properties(bus, &iter, which) ||
            !dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "s", &invalidated) ||
            !dbus_message_iter_close_container(&iter, &invalidated)) {
                dbus_message_unref(signal);
                return -ENOMEM;
        }
        return send_or_drop(bus, signal) ? 0 : -ENOMEM;
}

/* ---- dispatch ---- */

static DBusHandlerResult on_object_message(DBusConnection *connection, DBusMessage *m, void *userdata) {
        Bus *bus = userdata;
        const char *interface = dbus_message_get_interface(m);
        const char *member = dbus_message_get_member(m);

        if (dbus_message_get_type(m) != DBUS_MESSAGE_TYPE_METHOD_CALL || !member)
                return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
        /* Answers the bus has not taken yet are ours to hold: bounded like everything else. */
        if (dbus_connection_get_outgoing_size(connection) > BUS_MAX_OUTGOING)
                return reply_error(bus, m, KVMREGS_ERROR_BUSY, "Too many answers waiting for the bus, try again");

        if (!interface || strcmp(interface, KVMREGS_INTERFACE) == 0) {
                if (strcmp(member, "GetProfile") == 0)
                        return method_get_profile(bus, m);
                if (strcmp(member, "GetConfig") == 0)
                        return method_get_config(bus, m);
                if (strcmp(member, "Compare") == 0)
                        return method_compare(bus, m);
                if (strcmp(member, "CompareDomain") == 0)
                        return method_compare_domain(bus, m);
                if (strcmp(member, "Refresh") == 0)
                        return method_refresh(bus, m);
        }
        if (interface && strcmp(interface, DBUS_INTERFACE_PROPERTIES) == 0)
                return properties_call(bus, m, member);
        if (interface && strcmp(interface, DBUS_INTERFACE_INTROSPECTABLE) == 0 && strcmp(member, "Introspect") == 0)
                return reply_strings(bus, m, bus->introspect_xml, NULL);

        return reply_error(bus, m, DBUS_ERROR_UNKNOWN_METHOD, "No method %s.%s", interface ? interface : "",
                           member);
}

static DBusHandlerResult on_connection_message(DBusConnection *connection, DBusMessage *m, void *userdata) {
        Bus *bus = userdata;

        if (dbus_message_is_signal(m, DBUS_INTERFACE_LOCAL, "Disconnected")) {
                bus->name_owned = false;
                if (bus->callbacks.disconnected)
                        bus->callbacks.disconnected(bus->userdata);
                return DBUS_HANDLER_RESULT_HANDLED;
        }
        return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

static const DBusObjectPathVTable object_vtable = {
        .message_function = on_object_message,
};

/* The interface file's document with the standard interfaces added before its </node>. */
static char *build_introspect_xml(void) {
        const char *end = strstr(kvmregs_interface_xml, "</node>");
        char *xml;

        if (!end)
                return NULL;
        if (asprintf(&xml, "%.*s%s%s", (int) (end - kvmregs_interface_xml), kvmregs_interface_xml,
                     STANDARD_INTERFACES_XML, end) < 0)
                return NULL;
        return xml;
}

static char *error_message(DBusError *error) {
        char *message = strdup(error->message ? error->message : "unknown D-Bus error");

        dbus_error_free(error);
        return message;
}

int bus_new(sd_event *event, const char *address, bool session, SharedProfile *shared,
            const BusCallbacks *callbacks, void *userdata, Bus **ret, char **ret_error) {
        _cleanup_(bus_freep) Bus *bus = NULL;
        DBusError error;
        int r;

        dbus_error_init(&error);
        bus = calloc(1, sizeof(*bus));
        if (!bus)
                return -ENOMEM;
        bus->shared = shared;
        bus->callbacks = *callbacks;
        bus->userdata = userdata;
        bus->introspect_xml = build_introspect_xml();
        bus->digest = strdup("");
        bus->kernel_release = strdup("");
        bus->configs = calloc(1, sizeof(char *));
        bus->state = strdup("probing");
        if (!bus->introspect_xml || !bus->digest || !bus->kernel_release || !bus->configs || !bus->state)
                return -ENOMEM;

        if (address) {
                bus->connection = dbus_connection_open_private(address, &error);
                if (bus->connection && !dbus_bus_register(bus->connection, &error)) {
                        dbus_connection_close(bus->connection);
                        dbus_connection_unref(TAKE_PTR(bus->connection));
                }
        } else
                bus->connection = dbus_bus_get_private(session ? DBUS_BUS_SESSION : DBUS_BUS_SYSTEM, &error);
        if (!bus->connection) {
                if (ret_error)
                        *ret_error = error_message(&error);
                else
                        dbus_error_free(&error);
                return -ECONNREFUSED;
        }
        dbus_connection_set_exit_on_disconnect(bus->connection, FALSE);
        dbus_connection_set_max_message_size(bus->connection, BUS_MAX_MESSAGE);
        dbus_connection_set_max_received_size(bus->connection, 2 * BUS_MAX_MESSAGE);

        if (!dbus_connection_add_filter(bus->connection, on_connection_message, bus, NULL))
                return -ENOMEM;
        if (!dbus_connection_try_register_object_path(bus->connection, KVMREGS_OBJECT_PATH, &object_vtable, bus, &error)) {
                if (ret_error)
                        *ret_error = error_message(&error);
                else
                        dbus_error_free(&error);
                return -ENOMEM;
        }
        bus->object_registered = true;

        r = bus_loop_new(event, bus->connection, &bus->loop);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(bus);
        return 0;
}

Bus *bus_free(Bus *bus) {
        if (!bus)
                return NULL;
        if (bus->refresh_uid) {
                dbus_pending_call_cancel(bus->refresh_uid);
                dbus_pending_call_unref(bus->refresh_uid);
        }
        if (bus->refresh_call)
                dbus_message_unref(bus->refresh_call);
        if (bus->connection) {
                if (bus->name_owned && dbus_connection_get_is_connected(bus->connection))
                        (void) dbus_bus_release_name(bus->connection, KVMREGS_BUS_NAME, NULL);
                bus_loop_free(bus->loop);
                if (bus->object_registered)
                        (void) dbus_connection_unregister_object_path(bus->connection, KVMREGS_OBJECT_PATH);
                dbus_connection_remove_filter(bus->connection, on_connection_message, bus);
                dbus_connection_close(bus->connection);
                dbus_connection_unref(bus->connection);
        }
        free(bus->introspect_xml);
        free(bus->profile_json);
        free(bus->digest);
        free(bus->kernel_release);
        strv_free(bus->configs);
        free(bus->state);
        free(bus);
        return NULL;
}

int bus_request_name(Bus *bus, char **ret_error) {
        DBusError error;
        int r;

        dbus_error_init(&error);
        r = dbus_bus_request_name(bus->connection, KVMREGS_BUS_NAME, DBUS_NAME_FLAG_DO_NOT_QUEUE, &error);
        if (r < 0) {
                r = dbus_error_has_name(&error, DBUS_ERROR_ACCESS_DENIED) ? -EACCES : -EIO;
                if (ret_error)
                        *ret_error = error_message(&error);
                else
                        dbus_error_free(&error);
                return r;
        }
        if (r != DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER && r != DBUS_REQUEST_NAME_REPLY_ALREADY_OWNER) {
                if (ret_error)
                        *ret_error = strdup(KVMREGS_BUS_NAME " is owned by another process");
                return -EEXIST;
        }
        bus->name_owned = true;
        return 0;
}

static int emit_profile_changed(Bus *bus) {
        DBusMessage *signal = dbus_message_new_signal(KVMREGS_OBJECT_PATH, KVMREGS_INTERFACE, "ProfileChanged");
        const char *digest = bus->digest;

        if (!signal)
                return -ENOMEM;
        if (!dbus_message_append_args(signal, DBUS_TYPE_STRING, &digest, DBUS_TYPE_INVALID)) {
                dbus_message_unref(signal);
                return -ENOMEM;
        }
        return send_or_drop(bus, signal) ? 0 : -ENOMEM;
}

static char **profile_config_names(const Profile *p) {
        char **names = calloc((p ? p->n_configs : 0) + 1, sizeof(char *));
        size_t n = 0;

        if (!names)
                return NULL;
        for (size_t i = 0; p && i < p->n_configs; i++) {
                if (p->configs[i].skipped || !dbus_validate_utf8(p->configs[i].name, NULL))
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

/* Stores a property value; false if unchanged. One that is not UTF-8 (libdbus would abort
 * sending it) is stored as a placeholder. */
static bool replace_string(char **field, const char *value, int *r) {
        char *copy;

        if (!dbus_validate_utf8(value, NULL))
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
        char **configs;
        bool changed[ELEMENTSOF(property_names)] = {};
        int r = 0;

        if (p) {
                json = profile_to_json(p, false);
                if (!json)
                        return -ENOMEM;
                /* Checked once here, so that GetProfile can send it as is. */
                if (!dbus_validate_utf8(json, NULL))
                        return -EILSEQ;
        }
        configs = profile_config_names(p);
        if (!configs)
                return -ENOMEM;

        free(bus->profile_json);
        bus->profile_json = TAKE_PTR(json);
        changed[0] = replace_string(&bus->digest, p ? p->digest : "", &r);
        changed[1] = replace_string(&bus->kernel_release, p && p->kernel ? p->kernel : "", &r);
        if (r < 0) {
                strv_free(configs);
                return r;
        }
        if (!strv_equal(bus->configs, configs)) {
                strv_free(bus->configs);
                bus->configs = configs;
                changed[2] = true;
        } else
                strv_free(configs);

        /* Before the name is ours nobody can be listening for this object. */
        if (!bus->name_owned || (!changed[0] && !changed[1] && !changed[2]))
                return 0;
        r = emit_properties_changed(bus, changed);
        if (r < 0 || !changed[0] || !p)
                return r;
        return emit_profile_changed(bus);
}

int bus_set_state(Bus *bus, const char *state) {
        static const bool state_only[ELEMENTSOF(property_names)] = { [3] = true };
        int r = 0;

        if (!replace_string(&bus->state, state, &r) || !bus->name_owned)
                return r;
        return emit_properties_changed(bus, state_only);
}
