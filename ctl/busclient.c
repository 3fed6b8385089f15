/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An sd-bus connection of our own to one kvmregsd. Our own (sd_bus_new, never the default
 * system bus object) because a CLI and a hook must not share a connection with anything, and
 * because only a connection we start ourselves lets us bound every step (authentication and
 * Hello included) by the caller's connect timeout: sd_bus_start only begins the connection, and
 * we drive it with sd_bus_process/sd_bus_wait against our own deadline. Calls then have a
 * timeout of their own: a slow ssh login must not eat the budget of a call, nor the other way.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <systemd/sd-bus.h>

#include "busclient.h"
#include "util.h"

#define DEFAULT_SYSTEM_BUS_ADDRESS "unix:path=/var/run/dbus/system_bus_socket"
#define MAX_VERDICT 64u
#define MAX_PROPERTY_ITEMS KVMREGS_MAX_CONFIGS
#define MAX_SSH_ARGS 64u
/* Messages that may wait in the read queue (late answers to timed-out calls, signals) that
 * one call drops before it starts: bounded, so that a peer flooding us cannot keep us busy. */
#define MAX_DRAIN 64

/* Standard D-Bus error names sd-bus-protocol.h does not define. */
#define BUS_ERROR_TIMED_OUT          "org.freedesktop.DBus.Error.TimedOut"
#define BUS_ERROR_SPAWN_EXEC_FAILED  "org.freedesktop.DBus.Error.Spawn.ExecFailed"
#define BUS_ERROR_SPAWN_CHILD_EXITED "org.freedesktop.DBus.Error.Spawn.ChildExited"
#define BUS_INTERFACE_PROPERTIES     "org.freedesktop.DBus.Properties"

struct BusClient {
        sd_bus *bus;
        int timeout_ms;                  /* each call */
        uint64_t timeout_usec;
        int connect_timeout_ms;          /* connecting, authentication and Hello */
        BusClientError last_error;
        const char *destination;         /* KVMREGS_BUS_NAME, or the privileged name */
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
                { SD_BUS_ERROR_NO_REPLY,            ETIMEDOUT },
                { SD_BUS_ERROR_TIMEOUT,             ETIMEDOUT },
                { BUS_ERROR_TIMED_OUT,              ETIMEDOUT },
                { SD_BUS_ERROR_SERVICE_UNKNOWN,     ENOENT },
                { SD_BUS_ERROR_NAME_HAS_NO_OWNER,   ENOENT },
                { SD_BUS_ERROR_NO_SERVER,           ECONNREFUSED },
                { SD_BUS_ERROR_FILE_NOT_FOUND,      ENOENT },
                { SD_BUS_ERROR_NO_NETWORK,          ECONNREFUSED },
                { SD_BUS_ERROR_DISCONNECTED,        ECONNRESET },
                { BUS_ERROR_SPAWN_EXEC_FAILED,      ECONNREFUSED },
                { BUS_ERROR_SPAWN_CHILD_EXITED,     ECONNREFUSED },
                { SD_BUS_ERROR_AUTH_FAILED,         EACCES },
                { SD_BUS_ERROR_ACCESS_DENIED,       EACCES },
                { SD_BUS_ERROR_NO_MEMORY,           ENOMEM },
                { SD_BUS_ERROR_LIMITS_EXCEEDED,     E2BIG },
                { SD_BUS_ERROR_BAD_ADDRESS,         EINVAL },
                /* kvmregsd's own (docs/org.kvmregs.Profile1.md) */
                { KVMREGS_ERROR_UNKNOWN_CONFIG,  ENOENT },
                { KVMREGS_ERROR_INVALID_PROFILE, EINVAL },
                { KVMREGS_ERROR_INVALID_DOMAIN,  EINVAL },
                { KVMREGS_ERROR_TOO_LARGE,       E2BIG },
                { KVMREGS_ERROR_ACCESS_DENIED,   EACCES },
                { KVMREGS_ERROR_NOT_READY,       EAGAIN },
                { KVMREGS_ERROR_BUSY,            EBUSY },
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

static bool is_disconnect(int error) {
        return error == ECONNRESET || error == ENOTCONN || error == EPIPE || error == ESHUTDOWN ||
               error == ECONNABORTED || error == ENETRESET;
}

/* Whether s is UTF-8 that sd-bus puts in a message: no overlong forms, no surrogates, nothing
 * over U+10FFFF, and none of the noncharacters sd-bus refuses (U+FDD0..U+FDEF, U+xxFFFE/F). */
static bool utf8_is_valid(const char *s) {
        const unsigned char *p = (const unsigned char *) s;

        while (*p) {
                uint32_t cp;
                size_t len;

                if (*p < 0x80) {
                        p++;
                        continue;
                }
                if ((*p & 0xe0) == 0xc0) {
                        len = 2;
                        cp = *p & 0x1f;
                } else if ((*p & 0xf0) == 0xe0) {
                        len = 3;
                        cp = *p & 0x0f;
                } else if ((*p & 0xf8) == 0xf0) {
                        len = 4;
                        cp = *p & 0x07;
                } else
                        return false;
                for (size_t i = 1; i < len; i++) {
                        if ((p[i] & 0xc0) != 0x80)   /* the terminating NUL too */
                                return false;
                        cp = (cp << 6) | (p[i] & 0x3f);
                }
                if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
                    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0xfdd0 && cp <= 0xfdef) ||
                    (cp & 0xfffe) == 0xfffe)
                        return false;
                p += len;
        }
        return true;
}

static bool is_hex(char ch) {
        return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* sd-bus takes any string as an address and, for what it cannot parse, goes on to the next one
 * and in the end says ECONNREFUSED. A wrong address is the caller's mistake (-EINVAL, as
 * busclient.h says): check its syntax here. */
static int check_address(const char *address, char **ret_error) {
        static const char *const transports[] = { "unix:", "unixexec:", "tcp:", "x-machine-unix:" };
        const char *why = NULL;
        bool known = false;

        for (const char *p = address; *p && !why;) {
                size_t n = strcspn(p, ";");
                const char *end = p + n, *colon = memchr(p, ':', n);

                if (n > 0 && (!colon || colon == p))
                        why = "no transport before ':'";
                for (size_t i = 0; n > 0 && !why && i < ELEMENTSOF(transports); i++)
                        if (strncmp(p, transports[i], strlen(transports[i])) == 0)
                                known = true;
                for (const char *q = colon ? colon + 1 : end; q < end && !why;) {
                        size_t m = strcspn(q, ",;");
                        const char *eq = memchr(q, '=', m);

                        if (!eq || eq == q)
                                why = "not key=value";
                        for (const char *v = eq ? eq + 1 : q + m; v < q + m && !why; v++)
                                if (*v == '%' && (v + 2 >= q + m || !is_hex(v[1]) || !is_hex(v[2])))
                                        why = "a '%' not followed by two hex digits";
                        q += m;
                        if (*q == ',')
                                q++;
                }
                p = *end == ';' ? end + 1 : end;
        }
        if (!why && !known)
                why = "no transport sd-bus knows (unix:, unixexec:, tcp:, x-machine-unix:)";
        if (why) {
                set_error(ret_error, "'%s' is not a D-Bus address: %s", address, why);
                return -EINVAL;
        }
        return 0;
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

/* sd_bus_start only began the connection (connect, or fork the unixexec: command, and queue
 * Hello): authentication and Hello happen in sd_bus_process. Drive them until sd-bus says the
 * connection is ready, never past our deadline: sd-bus's own limits are 90 s for
 * authentication and its method call timeout for Hello. */
static int wait_ready(sd_bus *bus, uint64_t deadline, int connect_timeout_ms, char **ret_error) {
        for (;;) {
                uint64_t now;
                int r;

                r = sd_bus_process(bus, NULL);
                if (r < 0) {
                        if (r == -ENOMEM)
                                return r;
                        if (r == -EPERM || r == -EACCES) {
                                set_error(ret_error, "the bus refused us: %s", strerror(-r));
                                return -EACCES;
                        }
                        /* Whatever stops the bus from letting us in (authentication, Hello), the bus is
                         * not reachable. */
                        set_error(ret_error, "no connection to the bus: %s", strerror(-r));
                        return -ECONNREFUSED;
                }
                if (sd_bus_is_ready(bus) > 0)
                        return 0;
                if (sd_bus_is_open(bus) <= 0) {
                        set_error(ret_error, "the bus closed the connection during authentication or Hello");
                        return -ECONNREFUSED;
                }
                if (r > 0)
                        continue;
                now = now_usec();
                if (now >= deadline) {
                        set_error(ret_error, "no connection, authentication with the bus and Hello within %d ms "
                                  "(the connect timeout)", connect_timeout_ms);
                        return -ETIMEDOUT;
                }
                r = sd_bus_wait(bus, deadline - now);
                if (r < 0 && r != -EINTR) {
                        set_error(ret_error, "waiting for the bus: %s", strerror(-r));
                        return r == -ENOMEM ? r : -ECONNREFUSED;
                }
        }
}

/* An address that starts a program (ssh HOST systemd-stdio-bridge): its connection is slow. */
static bool address_is_exec(const char *address) {
        return address && strncmp(address, "unixexec:", strlen("unixexec:")) == 0;
}

int busclient_default_connect_timeout(const char *address, int call_timeout_ms) {
        if (call_timeout_ms <= 0)
                call_timeout_ms = BUSCLIENT_DEFAULT_TIMEOUT_MS;
        if (address_is_exec(address) && call_timeout_ms < BUSCLIENT_EXEC_CONNECT_TIMEOUT_MS)
                return BUSCLIENT_EXEC_CONNECT_TIMEOUT_MS;
        return call_timeout_ms;
}

int busclient_new(const char *address, int timeout_ms, BusClient **ret, char **ret_error) {
        if (timeout_ms <= 0)
                timeout_ms = BUSCLIENT_DEFAULT_TIMEOUT_MS;
        return busclient_new_with_timeouts(address, timeout_ms, timeout_ms, ret, ret_error);
}

int busclient_new_with_timeouts(const char *address, int connect_timeout_ms, int call_timeout_ms,
                                BusClient **ret, char **ret_error) {
        _cleanup_(busclient_freep) BusClient *c = NULL;
        uint64_t deadline;
        int r;

        if (!ret)
                return -EINVAL;
        if (call_timeout_ms <= 0)
                call_timeout_ms = BUSCLIENT_DEFAULT_TIMEOUT_MS;
        if (!address) {
                address = getenv("DBUS_SYSTEM_BUS_ADDRESS");
                if (!address || !*address)
                        address = DEFAULT_SYSTEM_BUS_ADDRESS;
        }
        if (connect_timeout_ms <= 0)
                connect_timeout_ms = busclient_default_connect_timeout(address, call_timeout_ms);
        /* One deadline for connecting (for unixexec:, the program's own connection and login),
         * authenticating and Hello; each call then has call_timeout_ms of its own. */
        deadline = now_usec() + (uint64_t) connect_timeout_ms * 1000u;
        r = check_address(address, ret_error);
        if (r < 0)
                return r;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->timeout_ms = call_timeout_ms;
        c->timeout_usec = (uint64_t) call_timeout_ms * 1000u;
        c->destination = KVMREGS_BUS_NAME;
        c->connect_timeout_ms = connect_timeout_ms;

        r = sd_bus_new(&c->bus);
        if (r < 0)
                return r;
        r = sd_bus_set_address(c->bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(c->bus, true);
        /* Nobody to trust: a peer over ssh, a bus of the caller's choosing. No fds either: we
         * expect strings only. */
        if (r >= 0)
                r = sd_bus_set_trusted(c->bus, false);
        if (r >= 0)
                r = sd_bus_negotiate_fds(c->bus, false);
        /* Hello's own timeout (wait_ready's deadline bounds it too); each call passes its own. */
        if (r >= 0)
                r = sd_bus_set_method_call_timeout(c->bus, (uint64_t) connect_timeout_ms * 1000u);
        if (r >= 0)
                r = sd_bus_set_description(c->bus, "kvmregs-busclient");
        if (r < 0)
                return r;

        r = sd_bus_start(c->bus);
        if (r == -EINVAL || r == -E2BIG) {   /* sd-bus's own address checks, a path too long */
                set_error(ret_error, "'%s' is not a D-Bus address sd-bus can use: %s", address, strerror(-r));
                return -EINVAL;
        }
        if (r < 0) {
                set_error(ret_error, "cannot connect to %s: %s", address, strerror(-r));
                if (r == -EPERM)
                        return -EACCES;
                return r == -ENOENT || r == -ENOMEM || r == -EACCES ? r : -ECONNREFUSED;
        }

        r = wait_ready(c->bus, deadline, connect_timeout_ms, ret_error);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(c);
        return 0;
}

BusClient *busclient_free(BusClient *c) {
        if (!c)
                return NULL;
        /* Not sd_bus_flush_close_unref(): flushing waits for a peer that may never read. Closing
         * also ends (SIGTERM, then waits for) the ssh of a unixexec: address. */
        sd_bus_close_unref(c->bus);
        free(c);
        return NULL;
}

/* sd-bus's escaping (bus_address_escape): [A-Za-z0-9_-/.] bare, any other byte as %xx. The
 * unixexec: parsers of sd-bus and libdbus both take it. */
static void address_escape(FILE *f, const char *s) {
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    strchr("_-/.", *p))
                        fputc(*p, f);
                else
                        fprintf(f, "%%%02x", *p);
}

char *busclient_ssh_address(const char *host, const char *bridge_cmd, char *const *ssh_args) {
        /* ssh -xT [ssh_args] -- HOST BRIDGE: "--" so that a host name cannot be an option. */
        const char *argv[MAX_SSH_ARGS + 6];
        size_t n = 0;
        char *addr;
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
                fprintf(f, ",argv%zu=", i);
                address_escape(f, argv[i]);
        }
        if (fclose(f) != 0) {
                free(addr);
                return NULL;
        }
        return addr;
}

/* Drops what waits in the read queue (late answers to calls that timed out, the bus's
 * NameAcquired): never blocks, and a lost connection shows in the next call. */
static void drain(sd_bus *bus) {
        for (int i = 0; i < MAX_DRAIN; i++)
                if (sd_bus_process(bus, NULL) <= 0)
                        return;
}

/* The failure of sd_bus_call: kvmregsd's (or the bus's) D-Bus error by its name, or ours
 * (timeout, connection lost) by errno. */
static int call_failed(BusClient *c, const char *method, int r, const sd_bus_error *error, uint64_t elapsed_usec,
                       char **ret_error) {
        bool named = error->name && strncmp(error->name, "System.Error.", 13) != 0;
        int e = named ? errno_from_dbus_error(error->name) : -r;

        if (is_disconnect(e))
                e = ECONNRESET;
        else if (e != ETIMEDOUT && e != ENOENT && e != EINVAL && e != E2BIG && e != EAGAIN && e != EACCES &&
                 e != EBUSY && e != ECONNREFUSED && e != ENOMEM)
                e = EIO;
        /* A lost connection is a transport failure (BUSCLIENT_ERROR_NONE, busclient.h); a
         * timeout is a D-Bus error that is not kvmregsd's, as with the bus's NoReply. */
        c->last_error = e == ECONNRESET ? BUSCLIENT_ERROR_NONE : kind_from_dbus_error(error->name);
        /* The bus's NoReply before our timeout: kvmregsd left the bus (killed, crashed) with
         * the call unanswered, or the bus gave up sooner; its message says which. */
        if (e == ETIMEDOUT && elapsed_usec < c->timeout_usec && sd_bus_error_has_name(error, SD_BUS_ERROR_NO_REPLY))
                set_error(ret_error, "kvmregsd gave no answer to %s: %s", method,
                          error->message ? error->message : "the bus says no reply will come");
        else if (e == ETIMEDOUT)
                set_error(ret_error, "kvmregsd did not answer %s within %d ms", method, c->timeout_ms);
        else if (error->name)
                set_error(ret_error, "%s: %s", error->name, error->message ? error->message : "(no message)");
        else
                set_error(ret_error, "%s: %s", method, strerror(e));
        return -e;
}

void busclient_use_privileged(BusClient *c) {
        if (c)
                c->destination = KVMREGS_PRIVILEGED_BUS_NAME;
}

/* The bus's own answer that the privileged name cannot be called here (a kvmregsd or a policy
 * file from before it, or a caller the policy does not name): the main name is asked instead. */
static bool privileged_unavailable(const sd_bus_error *error) {
        return sd_bus_error_has_names(error, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
                                      SD_BUS_ERROR_ACCESS_DENIED);
}

/* Sends a method call to kvmregsd and waits for the reply within the client's timeout. */
static int call(BusClient *c, const char *interface, const char *method, sd_bus_message **ret_reply,
                char **ret_error, const char *types, ...) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint64_t start;
        va_list ap;
        int r;

        if (!c || !c->bus)
                return -EINVAL;
        c->last_error = BUSCLIENT_ERROR_NONE;
        drain(c->bus);
        if (sd_bus_is_open(c->bus) <= 0) {
                set_error(ret_error, "the connection to the bus was lost");
                return -ECONNRESET;
        }
        for (;;) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;

                r = sd_bus_message_new_method_call(c->bus, &m, c->destination, KVMREGS_OBJECT_PATH, interface, method);
                if (r < 0) {
                        set_error(ret_error, "cannot build the %s call: %s", method, strerror(-r));
                        return is_disconnect(-r) ? -ECONNRESET : r;
                }
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        /* sd-bus refuses strings that are not valid UTF-8. */
                        set_error(ret_error, "cannot build the %s call (arguments not valid UTF-8)", method);
                        return -EINVAL;
                }

                start = now_usec();
                r = sd_bus_call(c->bus, m, c->timeout_usec, &error, ret_reply);
                if (r < 0 && strcmp(c->destination, KVMREGS_BUS_NAME) != 0 && privileged_unavailable(&error)) {
                        c->destination = KVMREGS_BUS_NAME;
                        sd_bus_error_free(&error);
                        continue;
                }
                break;
        }
        if (r < 0)
                r = call_failed(c, method, r, &error, now_usec() - start, ret_error);
        sd_bus_error_free(&error);
        return r < 0 ? r : 0;
}

/* The reply's string arguments, checked against the expected signature ("s" or "ss"). */
static int reply_strings(sd_bus_message *reply, const char *signature, const char *method,
                         const char **ret_a, const char **ret_b, char **ret_error) {
        const char *sig = sd_bus_message_get_signature(reply, true);
        int r;

        if (!sig || strcmp(sig, signature) != 0) {
                set_error(ret_error, "kvmregsd answered %s with signature '%s', expected '%s'",
                          method, sig ? sig : "?", signature);
                return -EBADMSG;
        }
        if (ret_b)
                r = sd_bus_message_read(reply, "ss", ret_a, ret_b);
        else
                r = sd_bus_message_read(reply, "s", ret_a);
        if (r <= 0) {
                set_error(ret_error, "kvmregsd's answer to %s cannot be read: %s", method,
                          r < 0 ? strerror(-r) : "no arguments");
                return r == -ENOMEM ? r : -EBADMSG;
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
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *json;
        char *copy;
        int r;

        if (!ret_json)
                return -EINVAL;
        if (config)
                r = call(c, KVMREGS_INTERFACE, method, &reply, ret_error, "s", config);
        else
                r = call(c, KVMREGS_INTERFACE, method, &reply, ret_error, "");
        if (r < 0)
                return r;
        r = reply_strings(reply, "s", method, &json, NULL, ret_error);
        if (r >= 0)
                r = check_json_object(json, method, ret_error);
        if (r < 0)
                return r;
        copy = strdup(json);
        if (!copy)
                return -ENOMEM;
        *ret_json = copy;
        return 0;
}

int busclient_get_profile(BusClient *c, char **ret_json, char **ret_error) {
        return get_document(c, KVMREGS_METHOD_GET_PROFILE, NULL, ret_json, ret_error);
}

int busclient_get_config(BusClient *c, const char *config, char **ret_json, char **ret_error) {
        if (!c || !config)
                return -EINVAL;
        c->last_error = BUSCLIENT_ERROR_NONE;
        if (strlen(config) > KVMREGS_MAX_STRING || !utf8_is_valid(config)) {
                set_error(ret_error, "a configuration name is at most %u bytes of UTF-8", KVMREGS_MAX_STRING);
                return -EINVAL;
        }
        return get_document(c, KVMREGS_METHOD_GET_CONFIG, config, ret_json, ret_error);
}

static bool verdict_is_known(const char *v) {
        return strcmp(v, "compatible") == 0 || strcmp(v, "compatible-after-adjustment") == 0 ||
               strcmp(v, "incompatible") == 0;
}

/* Compare and CompareDomain: two strings in, a known verdict and a JSON report out. */
static int compare_call(BusClient *c, const char *method, const char *a, const char *b,
                        char **ret_verdict, char **ret_report_json, char **ret_error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *verdict, *report;
        char *v, *rep;
        int r;

        r = call(c, KVMREGS_INTERFACE, method, &reply, ret_error, "ss", a, b);
        if (r < 0)
                return r;
        r = reply_strings(reply, "ss", method, &verdict, &report, ret_error);
        if (r >= 0 && (strlen(verdict) > MAX_VERDICT || !verdict_is_known(verdict))) {
                set_error(ret_error, "kvmregsd answered %s with an unknown verdict", method);
                r = -EBADMSG;
        }
        if (r >= 0)
                r = check_json_object(report, method, ret_error);
        if (r < 0)
                return r;
        v = strdup(verdict);
        rep = strdup(report);
        if (!v || !rep) {
                free(v);
                free(rep);
                return -ENOMEM;
        }
        *ret_verdict = v;
        *ret_report_json = rep;
        return 0;
}

int busclient_compare(BusClient *c, const char *source_profile_json, const char *config,
                      char **ret_verdict, char **ret_report_json, char **ret_error) {
        if (!c || !source_profile_json || !ret_verdict || !ret_report_json)
                return -EINVAL;
        c->last_error = BUSCLIENT_ERROR_NONE;
        if (strlen(source_profile_json) > KVMREGS_MAX_DOCUMENT) {
                set_error(ret_error, "the source profile is larger than %u bytes", KVMREGS_MAX_DOCUMENT);
                return -E2BIG;
        }
        if (!config)
                config = "";
        if (!utf8_is_valid(source_profile_json) || strlen(config) > KVMREGS_MAX_STRING || !utf8_is_valid(config)) {
                set_error(ret_error, "the source profile and the configuration name must be UTF-8");
                return -EINVAL;
        }
        return compare_call(c, KVMREGS_METHOD_COMPARE, source_profile_json, config, ret_verdict, ret_report_json,
                            ret_error);
}

int busclient_compare_domain(BusClient *c, const char *source_record_json, const char *domain_xml,
                             char **ret_verdict, char **ret_report_json, char **ret_error) {
        if (!c || !source_record_json || !domain_xml || !ret_verdict || !ret_report_json)
                return -EINVAL;
        c->last_error = BUSCLIENT_ERROR_NONE;
        /* One bound for both: the call must stay under the bus's message limit. */
        if (strlen(source_record_json) + strlen(domain_xml) > KVMREGS_MAX_DOCUMENT) {
                set_error(ret_error, "the record and the domain XML are at most %u bytes together",
                          KVMREGS_MAX_DOCUMENT);
                return -E2BIG;
        }
        if (!utf8_is_valid(source_record_json) || !utf8_is_valid(domain_xml)) {
                set_error(ret_error, "the record and the domain XML must be UTF-8");
                return -EINVAL;
        }
        return compare_call(c, KVMREGS_METHOD_COMPARE_DOMAIN, source_record_json, domain_xml, ret_verdict,
                            ret_report_json, ret_error);
}

/* The string array of a property, joined by ',' (names with ',' in them are garbage). */
static int read_string_array(sd_bus_message *reply, char **ret) {
        const char *s;
        size_t n = 0, size;
        char *text;
        FILE *f;
        int r;

        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "s");
        if (r <= 0)
                return r == -ENOMEM ? r : -EBADMSG;
        f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        while ((r = sd_bus_message_read_basic(reply, SD_BUS_TYPE_STRING, &s)) > 0) {
                if (++n > MAX_PROPERTY_ITEMS || strlen(s) > KVMREGS_MAX_STRING || strchr(s, ',')) {
                        r = -EBADMSG;
                        break;
                }
                fprintf(f, "%s%s", n > 1 ? "," : "", s);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0) {
                free(text);
                return r == -ENOMEM ? r : -EBADMSG;
        }
        *ret = text;
        return 0;
}

/* A property value as text: strings as they are, numbers in decimal, string arrays joined by ','. */
static int variant_to_string(sd_bus_message *reply, const char *contents, char **ret) {
        union {
                const char *str;
                int b;
                int32_t i32;
                uint32_t u32;
                int64_t i64;
                uint64_t u64;
        } v;
        int r;

        if (strcmp(contents, "as") == 0)
                return read_string_array(reply, ret);
        if (strlen(contents) != 1 || !strchr("sobiuxt", contents[0]))
                return -EBADMSG;
        r = sd_bus_message_read_basic(reply, contents[0], &v);
        if (r <= 0)
                return r == -ENOMEM ? r : -EBADMSG;
        switch (contents[0]) {
        case SD_BUS_TYPE_STRING:
        case SD_BUS_TYPE_OBJECT_PATH:
                if (strlen(v.str) > KVMREGS_MAX_STRING)
                        return -EBADMSG;
                *ret = strdup(v.str);
                break;
        case SD_BUS_TYPE_BOOLEAN:
                *ret = strdup(v.b ? "true" : "false");
                break;
        case SD_BUS_TYPE_INT32:
                *ret = strdup_printf("%" PRId32, v.i32);
                break;
        case SD_BUS_TYPE_UINT32:
                *ret = strdup_printf("%" PRIu32, v.u32);
                break;
        case SD_BUS_TYPE_INT64:
                *ret = strdup_printf("%" PRId64, v.i64);
                break;
        default: /* SD_BUS_TYPE_UINT64 */
                *ret = strdup_printf("%" PRIu64, v.u64);
                break;
        }
        return *ret ? 0 : -ENOMEM;
}

int busclient_get_property(BusClient *c, const char *name, char **ret_value, char **ret_error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *sig, *contents = NULL;
        char *value = NULL;
        char type;
        int r;

        if (!name || !ret_value)
                return -EINVAL;
        r = call(c, BUS_INTERFACE_PROPERTIES, "Get", &reply, ret_error, "ss", KVMREGS_INTERFACE, name);
        if (r < 0)
                return r;
        sig = sd_bus_message_get_signature(reply, true);
        if (!sig || strcmp(sig, "v") != 0 || sd_bus_message_peek_type(reply, &type, &contents) <= 0 ||
            type != SD_BUS_TYPE_VARIANT || !contents) {
                set_error(ret_error, "kvmregsd answered Get(%s) with signature '%s', expected 'v'",
                          name, sig ? sig : "?");
                return -EBADMSG;
        }
        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_VARIANT, contents);
        if (r > 0)
                r = variant_to_string(reply, contents, &value);
        else if (r == 0)
                r = -EBADMSG;
        if (r == -EBADMSG)
                set_error(ret_error, "kvmregsd's property %s has an unexpected type or size", name);
        if (r < 0)
                return r;
        *ret_value = value;
        return 0;
}
