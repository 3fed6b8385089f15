/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A private libdbus connection to one kvmregsd. Private because a CLI and a hook
 * must not share libdbus's global system-bus connection with anything, and because
 * only a private connection lets us bound every step (Hello included) by the
 * caller's timeout.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dbus/dbus.h>
#include <json-c/json.h>

#include "busclient.h"
#include "util.h"

#define DEFAULT_SYSTEM_BUS_ADDRESS "unix:path=/var/run/dbus/system_bus_socket"
/* A profile or record is at most KVMREGS_MAX_DOCUMENT; leave room for the header. */
#define MAX_MESSAGE_SIZE (KVMREGS_MAX_DOCUMENT + 64u * 1024u)
#define MAX_VERDICT 64u
#define MAX_PROPERTY_ITEMS KVMREGS_MAX_CONFIGS
#define MAX_SSH_ARGS 64u

struct BusClient {
        DBusConnection *conn;
        int timeout_ms;
        BusClientError last_error;
};

static void set_error(char **ret_error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(char **ret_error, const char *fmt, ...) {
        va_list ap;
        char *s;

        if (!ret_error)
                return;
        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        free(*ret_error);
        *ret_error = s;
}

/* The errno a D-Bus error stands for; see busclient.h. */
static int errno_from_dbus_error(const char *name) {
        static const struct {
                const char *name;
                int error;
        } map[] = {
                { DBUS_ERROR_NO_REPLY,              ETIMEDOUT },
                { DBUS_ERROR_TIMEOUT,               ETIMEDOUT },
                { DBUS_ERROR_TIMED_OUT,             ETIMEDOUT },
                { DBUS_ERROR_SERVICE_UNKNOWN,       ENOENT },
                { DBUS_ERROR_NAME_HAS_NO_OWNER,     ENOENT },
                { DBUS_ERROR_NO_SERVER,             ECONNREFUSED },
                { DBUS_ERROR_FILE_NOT_FOUND,        ENOENT },
                { DBUS_ERROR_NO_NETWORK,            ECONNREFUSED },
                { DBUS_ERROR_DISCONNECTED,          ECONNRESET },
                { DBUS_ERROR_SPAWN_EXEC_FAILED,     ECONNREFUSED },
                { DBUS_ERROR_SPAWN_CHILD_EXITED,    ECONNREFUSED },
                { DBUS_ERROR_AUTH_FAILED,           EACCES },
                { DBUS_ERROR_ACCESS_DENIED,         EACCES },
                { DBUS_ERROR_NO_MEMORY,             ENOMEM },
                { DBUS_ERROR_LIMITS_EXCEEDED,       E2BIG },
                { DBUS_ERROR_BAD_ADDRESS,           EINVAL },
                /* kvmregsd's own (docs/org.kvmregs.Profile1.md) */
                { KVMREGS_ERROR_UNKNOWN_CONFIG,  ENOENT },
                { KVMREGS_ERROR_INVALID_PROFILE, EINVAL },
                { KVMREGS_ERROR_INVALID_DOMAIN,  EINVAL },
                { KVMREGS_ERROR_TOO_LARGE,       E2BIG },
                { KVMREGS_ERROR_ACCESS_DENIED,   EACCES },
                { KVMREGS_ERROR_NOT_READY,       EAGAIN },
                { KVMREGS_ERROR_BUSY,           EBUSY },
        };

        if (!name)
                return EIO;
        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (strcmp(name, map[i].name) == 0)
                        return map[i].error;
        return EIO;
}

static BusClientError kind_from_dbus_error(const char *name) {
        static const struct {
                const char *name;
                BusClientError kind;
        } map[] = {
                { KVMREGS_ERROR_INVALID_PROFILE, BUSCLIENT_ERROR_INVALID_PROFILE },
                { KVMREGS_ERROR_INVALID_DOMAIN,  BUSCLIENT_ERROR_INVALID_DOMAIN },
                { KVMREGS_ERROR_UNKNOWN_CONFIG,  BUSCLIENT_ERROR_UNKNOWN_CONFIG },
                { KVMREGS_ERROR_TOO_LARGE,       BUSCLIENT_ERROR_TOO_LARGE },
                { KVMREGS_ERROR_ACCESS_DENIED,   BUSCLIENT_ERROR_ACCESS_DENIED },
                { KVMREGS_ERROR_NOT_READY,       BUSCLIENT_ERROR_NOT_READY },
                { KVMREGS_ERROR_BUSY,            BUSCLIENT_ERROR_BUSY },
                { KVMREGS_ERROR_REFRESH_FAILED,  BUSCLIENT_ERROR_REFRESH_FAILED },
                { KVMREGS_ERROR_FAILED,          BUSCLIENT_ERROR_FAILED },
        };

        if (!name)
                return BUSCLIENT_ERROR_OTHER;
        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (strcmp(name, map[i].name) == 0)
                        return map[i].kind;
        return BUSCLIENT_ERROR_OTHER;
}

BusClientError busclient_last_error(const BusClient *c) {
        return c ? c->last_error : BUSCLIENT_ERROR_NONE;
}

static int fail_from_dbus_error(DBusError *err, char **ret_error) {
        int r = errno_from_dbus_error(err->name);

        set_error(ret_error, "%s: %s", err->name ? err->name : "error",
                  err->message ? err->message : "(no message)");
        dbus_error_free(err);
        return -r;
}

static int64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_authenticated(DBusConnection *conn, int timeout_ms, char **ret_error) {
        int64_t deadline = now_ms() + timeout_ms;

        while (!dbus_connection_get_is_authenticated(conn)) {
                int64_t left = deadline - now_ms();

                if (!dbus_connection_get_is_connected(conn)) {
                        set_error(ret_error, "the bus closed the connection during authentication");
                        return -ECONNREFUSED;
                }
                if (left <= 0) {
                        set_error(ret_error, "no authentication with the bus within %d ms", timeout_ms);
                        return -ETIMEDOUT;
                }
                dbus_connection_read_write(conn, (int) (left < 100 ? left : 100));
        }
        return 0;
}

int busclient_new(const char *address, int timeout_ms, BusClient **ret, char **ret_error) {
        _cleanup_(busclient_freep) BusClient *c = NULL;
        DBusMessage *hello, *reply;
        DBusError err;
        int r;

        if (!ret)
                return -EINVAL;
        if (timeout_ms <= 0)
                timeout_ms = 2000;
        if (!address) {
                address = getenv("DBUS_SYSTEM_BUS_ADDRESS");
                if (!address || !*address)
                        address = DEFAULT_SYSTEM_BUS_ADDRESS;
        }

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->timeout_ms = timeout_ms;

        dbus_error_init(&err);
        c->conn = dbus_connection_open_private(address, &err);
        if (!c->conn)
                return fail_from_dbus_error(&err, ret_error);
        /* A lost bus is an error to report, not a reason for libdbus to _exit() us. */
        dbus_connection_set_exit_on_disconnect(c->conn, FALSE);
        dbus_connection_set_max_received_size(c->conn, MAX_MESSAGE_SIZE);
        dbus_connection_set_max_message_size(c->conn, MAX_MESSAGE_SIZE);

        /* libdbus blocks in authentication without any timeout (a peer that never speaks, an
         * ssh asking for a password): drive it ourselves against the deadline. */
        r = wait_authenticated(c->conn, timeout_ms, ret_error);
        if (r < 0)
                return r;

        /* Hello by hand: dbus_bus_register() would wait libdbus's default 25 s. */
        hello = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS, "Hello");
        if (!hello)
                return -ENOMEM;
        reply = dbus_connection_send_with_reply_and_block(c->conn, hello, c->timeout_ms, &err);
        dbus_message_unref(hello);
        if (!reply) {
                r = fail_from_dbus_error(&err, ret_error);
                /* Whatever stops the bus from answering Hello, the bus is not reachable. */
                return r == -ETIMEDOUT || r == -EACCES || r == -ENOMEM ? r : -ECONNREFUSED;
        }
        dbus_message_unref(reply);

        *ret = TAKE_PTR(c);
        return 0;
}

BusClient *busclient_free(BusClient *c) {
        if (!c)
                return NULL;
        if (c->conn) {
                dbus_connection_close(c->conn);
                dbus_connection_unref(c->conn);
        }
        free(c);
        return NULL;
}

char *busclient_ssh_address(const char *host, const char *bridge_cmd, char *const *ssh_args) {
        /* ssh -xT [ssh_args] -- HOST BRIDGE: "--" so that a host name cannot be an option. */
        const char *argv[MAX_SSH_ARGS + 6];
        size_t n = 0;
        char *addr, *p;
        size_t size;
        FILE *f;

        if (!host || !*host)
                return NULL;
        argv[n++] = "ssh";
        argv[n++] = "-xT";
        for (size_t i = 0; ssh_args && ssh_args[i]; i++) {
                if (i >= MAX_SSH_ARGS)
                        return NULL;
                argv[n++] = ssh_args[i];
        }
        argv[n++] = "--";
        argv[n++] = host;
        argv[n++] = bridge_cmd && *bridge_cmd ? bridge_cmd : "systemd-stdio-bridge";

        f = open_memstream(&addr, &size);
        if (!f)
                return NULL;
        fputs("unixexec:path=ssh", f);
        for (size_t i = 0; i < n; i++) {
                /* libdbus refuses '=', '@', ':' (and more) bare in values. */
                p = dbus_address_escape_value(argv[i]);
                if (!p) {
                        fclose(f);
                        free(addr);
                        return NULL;
                }
                fprintf(f, ",argv%zu=%s", i, p);
                dbus_free(p);
        }
        if (fclose(f) != 0) {
                free(addr);
                return NULL;
        }
        return addr;
}

/* Sends a method call to kvmregsd and waits for the reply within the client's timeout. */
static int call(BusClient *c, const char *interface, const char *method, DBusMessage **ret_reply,
                char **ret_error, int first_arg_type, ...) {
        DBusMessage *m, *reply;
        DBusError err;
        va_list ap;
        dbus_bool_t ok;

        if (!c || !c->conn)
                return -EINVAL;
        c->last_error = BUSCLIENT_ERROR_NONE;
        if (!dbus_connection_get_is_connected(c->conn)) {
                set_error(ret_error, "the connection to the bus was lost");
                return -ECONNRESET;
        }
        m = dbus_message_new_method_call(KVMREGS_BUS_NAME, KVMREGS_OBJECT_PATH, interface, method);
        if (!m)
                return -ENOMEM;
        va_start(ap, first_arg_type);
        ok = dbus_message_append_args_valist(m, first_arg_type, ap);
        va_end(ap);
        if (!ok) {
                dbus_message_unref(m);
                /* libdbus refuses strings that are not valid UTF-8 too. */
                set_error(ret_error, "cannot build the %s call (arguments not valid UTF-8 or out of memory)", method);
                return -EINVAL;
        }

        dbus_error_init(&err);
        reply = dbus_connection_send_with_reply_and_block(c->conn, m, c->timeout_ms, &err);
        dbus_message_unref(m);
        c->last_error = reply ? BUSCLIENT_ERROR_NONE : kind_from_dbus_error(err.name);
        if (!reply) {
                int r = fail_from_dbus_error(&err, ret_error);
                if (r == -ETIMEDOUT)
                        set_error(ret_error, "kvmregsd did not answer %s within %d ms", method, c->timeout_ms);
                return r;
        }
        *ret_reply = reply;
        return 0;
}

/* The reply's string arguments, checked against the expected signature and bounded. */
static int reply_strings(DBusMessage *reply, const char *signature, const char *method,
                         const char **ret_a, const char **ret_b, char **ret_error) {
        DBusError err;
        dbus_bool_t ok;

        if (strcmp(dbus_message_get_signature(reply), signature) != 0) {
                set_error(ret_error, "kvmregsd answered %s with signature '%s', expected '%s'",
                          method, dbus_message_get_signature(reply), signature);
                return -EBADMSG;
        }
        dbus_error_init(&err);
        if (ret_b)
                ok = dbus_message_get_args(reply, &err, DBUS_TYPE_STRING, ret_a, DBUS_TYPE_STRING, ret_b,
                                           DBUS_TYPE_INVALID);
        else
                ok = dbus_message_get_args(reply, &err, DBUS_TYPE_STRING, ret_a, DBUS_TYPE_INVALID);
        if (!ok) {
                set_error(ret_error, "kvmregsd's answer to %s cannot be read: %s", method,
                          err.message ? err.message : "?");
                dbus_error_free(&err);
                return -EBADMSG;
        }
        return 0;
}

/* A JSON document the caller will parse: it must at least be one JSON object within our limit. */
static int check_json_object(const char *s, const char *method, char **ret_error) {
        struct json_tokener *tok;
        struct json_object *o;
        size_t len = strlen(s);
        bool ok;

        if (len == 0 || len > KVMREGS_MAX_DOCUMENT) {
                set_error(ret_error, "kvmregsd answered %s with %zu bytes, expected a JSON document of at most %u",
                          method, len, KVMREGS_MAX_DOCUMENT);
                return -EBADMSG;
        }
        tok = json_tokener_new_ex(64);
        if (!tok)
                return -ENOMEM;
        o = json_tokener_parse_ex(tok, s, (int) len);
        ok = o && json_tokener_get_error(tok) == json_tokener_success &&
             tok->char_offset == (int) len && json_object_is_type(o, json_type_object);
        json_object_put(o);
        json_tokener_free(tok);
        if (!ok) {
                set_error(ret_error, "kvmregsd answered %s with something that is not a JSON object", method);
                return -EBADMSG;
        }
        return 0;
}

static int get_document(BusClient *c, const char *method, const char *config, char **ret_json, char **ret_error) {
        DBusMessage *reply = NULL;
        const char *json;
        char *copy;
        int r;

        if (!ret_json)
                return -EINVAL;
        if (config)
                r = call(c, KVMREGS_INTERFACE, method, &reply, ret_error, DBUS_TYPE_STRING, &config, DBUS_TYPE_INVALID);
        else
                r = call(c, KVMREGS_INTERFACE, method, &reply, ret_error, DBUS_TYPE_INVALID);
        if (r < 0)
                return r;
        r = reply_strings(reply, "s", method, &json, NULL, ret_error);
        if (r >= 0)
                r = check_json_object(json, method, ret_error);
        if (r >= 0) {
                copy = strdup(json);
                if (!copy)
                        r = -ENOMEM;
                else
                        *ret_json = copy;
        }
        dbus_message_unref(reply);
        return r;
}

int busclient_get_profile(BusClient *c, char **ret_json, char **ret_error) {
        return get_document(c, "GetProfile", NULL, ret_json, ret_error);
}

int busclient_get_config(BusClient *c, const char *config, char **ret_json, char **ret_error) {
        if (!config)
                return -EINVAL;
        if (strlen(config) > KVMREGS_MAX_STRING || !dbus_validate_utf8(config, NULL)) {
                set_error(ret_error, "a configuration name is at most %u bytes of UTF-8", KVMREGS_MAX_STRING);
                return -EINVAL;
        }
        return get_document(c, "GetConfig", config, ret_json, ret_error);
}

static bool verdict_is_known(const char *v) {
        return strcmp(v, "compatible") == 0 || strcmp(v, "compatible-after-adjustment") == 0 ||
               strcmp(v, "incompatible") == 0;
}

/* Compare and CompareDomain: two strings in, a known verdict and a JSON report out. */
static int compare_call(BusClient *c, const char *method, const char *a, const char *b,
                        char **ret_verdict, char **ret_report_json, char **ret_error) {
        DBusMessage *reply = NULL;
        const char *verdict, *report;
        char *v, *rep;
        int r;

        r = call(c, KVMREGS_INTERFACE, method, &reply, ret_error,
                 DBUS_TYPE_STRING, &a, DBUS_TYPE_STRING, &b, DBUS_TYPE_INVALID);
        if (r < 0)
                return r;
        r = reply_strings(reply, "ss", method, &verdict, &report, ret_error);
        if (r >= 0 && (strlen(verdict) > MAX_VERDICT || !verdict_is_known(verdict))) {
                set_error(ret_error, "kvmregsd answered %s with an unknown verdict", method);
                r = -EBADMSG;
        }
        if (r >= 0)
                r = check_json_object(report, method, ret_error);
        if (r >= 0) {
                v = strdup(verdict);
                rep = strdup(report);
                if (!v || !rep) {
                        free(v);
                        free(rep);
                        r = -ENOMEM;
                } else {
                        *ret_verdict = v;
                        *ret_report_json = rep;
                }
        }
        dbus_message_unref(reply);
        return r;
}

int busclient_compare(BusClient *c, const char *source_profile_json, const char *config,
                      char **ret_verdict, char **ret_report_json, char **ret_error) {
        if (!source_profile_json || !ret_verdict || !ret_report_json)
                return -EINVAL;
        if (strlen(source_profile_json) > KVMREGS_MAX_DOCUMENT) {
                set_error(ret_error, "the source profile is larger than %u bytes", KVMREGS_MAX_DOCUMENT);
                return -E2BIG;
        }
        if (!config)
                config = "";
        /* libdbus would refuse (and complain on stderr); say it plainly. */
        if (!dbus_validate_utf8(source_profile_json, NULL) || strlen(config) > KVMREGS_MAX_STRING ||
            !dbus_validate_utf8(config, NULL)) {
                set_error(ret_error, "the source profile and the configuration name must be UTF-8");
                return -EINVAL;
        }
        return compare_call(c, "Compare", source_profile_json, config, ret_verdict, ret_report_json, ret_error);
}

int busclient_compare_domain(BusClient *c, const char *source_record_json, const char *domain_xml,
                             char **ret_verdict, char **ret_report_json, char **ret_error) {
        if (!source_record_json || !domain_xml || !ret_verdict || !ret_report_json)
                return -EINVAL;
        /* One bound for both: the call must stay under the bus's message limit. */
        if (strlen(source_record_json) + strlen(domain_xml) > KVMREGS_MAX_DOCUMENT) {
                set_error(ret_error, "the record and the domain XML are at most %u bytes together",
                          KVMREGS_MAX_DOCUMENT);
                return -E2BIG;
        }
        if (!dbus_validate_utf8(source_record_json, NULL) || !dbus_validate_utf8(domain_xml, NULL)) {
                set_error(ret_error, "the record and the domain XML must be UTF-8");
                return -EINVAL;
        }
        return compare_call(c, "CompareDomain", source_record_json, domain_xml, ret_verdict, ret_report_json,
                            ret_error);
}

/* A property value as text: strings as they are, numbers in decimal, string arrays joined by ','. */
static int variant_to_string(DBusMessageIter *v, char **ret) {
        int type = dbus_message_iter_get_arg_type(v);
        DBusBasicValue b;

        switch (type) {
        case DBUS_TYPE_STRING:
        case DBUS_TYPE_OBJECT_PATH:
                dbus_message_iter_get_basic(v, &b);
                if (strlen(b.str) > KVMREGS_MAX_STRING)
                        return -EBADMSG;
                *ret = strdup(b.str);
                break;
        case DBUS_TYPE_BOOLEAN:
                dbus_message_iter_get_basic(v, &b);
                *ret = strdup(b.bool_val ? "true" : "false");
                break;
        case DBUS_TYPE_INT32:
                dbus_message_iter_get_basic(v, &b);
                *ret = strdup_printf("%" PRId32, b.i32);
                break;
        case DBUS_TYPE_UINT32:
                dbus_message_iter_get_basic(v, &b);
                *ret = strdup_printf("%" PRIu32, b.u32);
                break;
        case DBUS_TYPE_INT64:
                dbus_message_iter_get_basic(v, &b);
                *ret = strdup_printf("%" PRId64, b.i64);
                break;
        case DBUS_TYPE_UINT64:
                dbus_message_iter_get_basic(v, &b);
                *ret = strdup_printf("%" PRIu64, b.u64);
                break;
        case DBUS_TYPE_ARRAY: {
                DBusMessageIter a;
                size_t n = 0, size;
                char *s;
                FILE *f;

                if (dbus_message_iter_get_element_type(v) != DBUS_TYPE_STRING)
                        return -EBADMSG;
                f = open_memstream(&s, &size);
                if (!f)
                        return -ENOMEM;
                dbus_message_iter_recurse(v, &a);
                while (dbus_message_iter_get_arg_type(&a) == DBUS_TYPE_STRING) {
                        dbus_message_iter_get_basic(&a, &b);
                        if (++n > MAX_PROPERTY_ITEMS || strlen(b.str) > KVMREGS_MAX_STRING || strchr(b.str, ',')) {
                                fclose(f);
                                free(s);
                                return -EBADMSG;
                        }
                        fprintf(f, "%s%s", n > 1 ? "," : "", b.str);
                        dbus_message_iter_next(&a);
                }
                if (fclose(f) != 0) {
                        free(s);
                        return -ENOMEM;
                }
                *ret = s;
                break;
        }
        default:
                return -EBADMSG;
        }
        return *ret ? 0 : -ENOMEM;
}

int busclient_get_property(BusClient *c, const char *name, char **ret_value, char **ret_error) {
        const char *interface = KVMREGS_INTERFACE;
        DBusMessage *reply = NULL;
        DBusMessageIter it, v;
        char *value = NULL;
        int r;

        if (!name || !ret_value)
                return -EINVAL;
        r = call(c, DBUS_INTERFACE_PROPERTIES, "Get", &reply, ret_error,
                 DBUS_TYPE_STRING, &interface, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID);
        if (r < 0)
                return r;
        if (strcmp(dbus_message_get_signature(reply), "v") != 0 || !dbus_message_iter_init(reply, &it)) {
                set_error(ret_error, "kvmregsd answered Get(%s) with signature '%s', expected 'v'",
                          name, dbus_message_get_signature(reply));
                r = -EBADMSG;
        } else {
                dbus_message_iter_recurse(&it, &v);
                r = variant_to_string(&v, &value);
                if (r == -EBADMSG)
                        set_error(ret_error, "kvmregsd's property %s has an unexpected type or size", name);
        }
        dbus_message_unref(reply);
        if (r < 0)
                return r;
        *ret_value = value;
        return 0;
}
