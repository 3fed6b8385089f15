/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helper for the daemon tests (not a test itself). Two jobs foreign clients cannot do:
 *
 *   test-daemon-call ADDRESS [--no-reply] METHOD [ARG]...
 *       Calls org.kvmregs.Profile1.METHOD with string arguments that may be larger than a
 *       command line allows: "@FILE" is the file's content, "%N" is N bytes of 'x'.
 *       Prints each string of the answer on its own line; on a D-Bus error prints
 *       "ERROR <name>: <message>" and exits 1. --no-reply sends the call and
 *       disconnects at once (a caller that goes away mid-call).
 *   test-daemon-call ADDRESS --pipeline N METHOD [ARG]...
 *       Sends N such calls before reading any answer, then prints one line per answer in
 *       order: "ok" or "ERROR <name>: <message>".
 *   test-daemon-call --local-profile FILE            the lib's digest, then its compact JSON
 *   test-daemon-call --local-record FILE CONFIG      the lib's record of CONFIG, compact JSON
 *   test-daemon-call --local-compare SRC DST CONFIG [DST_CONFIG]
 *                                                    the lib's verdict, then its report JSON
 *   test-daemon-call --cpreg-diff SRC DST CONFIG     names of SRC's cpregs DST does not list
 *
 * The --local modes give what the daemon must answer, computed by the library directly.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dbus/dbus.h>

#include "profile.h"
#include "regnames.h"
#include "rules.h"
#include "util.h"

static char *read_file(const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char *data;
        long size;

        if (!f || fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0)
                return NULL;
        data = malloc((size_t) size + 1);
        if (!data)
                return NULL;
        if (fread(data, 1, (size_t) size, f) != (size_t) size) {
                free(data);
                return NULL;
        }
        data[size] = '\0';
        return data;
}

static char *argument(const char *spec) {
        char *s;

        if (spec[0] == '@')
                return read_file(spec + 1);
        if (spec[0] == '%') {
                size_t n = strtoul(spec + 1, NULL, 10);
                s = malloc(n + 1);
                if (s) {
                        memset(s, 'x', n);
                        s[n] = '\0';
                }
                return s;
        }
        return strdup(spec);
}

static int call(const char *address, bool no_reply, int pipeline, const char *method, char **specs, int n_specs) {
        DBusConnection *c;
        DBusMessage *m, *reply;
        DBusMessageIter iter;
        DBusError error;
        int status = 0;

        dbus_error_init(&error);
        c = dbus_connection_open_private(address, &error);
        if (!c || !dbus_bus_register(c, &error)) {
                fprintf(stderr, "cannot connect: %s\n", error.message);
                return 2;
        }
        dbus_connection_set_max_message_size(c, 64 * 1024 * 1024);
        m = dbus_message_new_method_call("org.kvmregs.Profile1", "/org/kvmregs/Profile1", "org.kvmregs.Profile1",
                                         method);
        dbus_message_iter_init_append(m, &iter);
        for (int i = 0; i < n_specs; i++) {
                _cleanup_free_ char *arg = argument(specs[i]);
                const char *a = arg;

                if (!arg || !dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &a)) {
                        fprintf(stderr, "bad argument %s\n", specs[i]);
                        return 2;
                }
        }
        if (no_reply) {
                dbus_connection_send(c, m, NULL);
                dbus_connection_flush(c);
        } else if (pipeline > 0) {
                DBusPendingCall *pending[64];

                for (int i = 0; i < pipeline && i < 64; i++) {
                        DBusMessage *copy = dbus_message_copy(m);   /* each call needs its own serial */

                        dbus_connection_send_with_reply(c, copy, &pending[i], 60000);
                        dbus_message_unref(copy);
                }
                dbus_connection_flush(c);
                for (int i = 0; i < pipeline && i < 64; i++) {
                        dbus_pending_call_block(pending[i]);
                        reply = dbus_pending_call_steal_reply(pending[i]);
                        if (dbus_set_error_from_message(&error, reply)) {
                                printf("ERROR %s: %s\n", error.name, error.message);
                                dbus_error_free(&error);
                        } else
                                printf("ok\n");
                        dbus_message_unref(reply);
                        dbus_pending_call_unref(pending[i]);
                }
        } else {
                reply = dbus_connection_send_with_reply_and_block(c, m, 60000, &error);
                if (!reply) {
                        printf("ERROR %s: %s\n", error.name, error.message);
                        dbus_error_free(&error);
                        status = 1;
                } else {
                        if (dbus_message_iter_init(reply, &iter))
                                do {
                                        const char *s;
                                        if (dbus_message_iter_get_arg_type(&iter) != DBUS_TYPE_STRING)
                                                continue;
                                        dbus_message_iter_get_basic(&iter, &s);
                                        printf("%s\n", s);
                                } while (dbus_message_iter_next(&iter));
                        dbus_message_unref(reply);
                }
        }
        dbus_message_unref(m);
        dbus_connection_close(c);
        dbus_connection_unref(c);
        return status;
}

static Profile *load(const char *path) {
        ProfileError error = {};
        Profile *p = NULL;
        int r = profile_load(path, &p, &error);

        if (r < 0) {
                fprintf(stderr, "%s: %s: %s (%s)\n", path, error.path, error.message, strerror(-r));
                exit(2);
        }
        return p;
}

int main(int argc, char **argv) {
        if (argc >= 3 && strcmp(argv[1], "--local-profile") == 0) {
                _cleanup_(profile_freep) Profile *p = load(argv[2]);
                _cleanup_free_ char *json = profile_to_json(p, false);

                printf("%s\n%s\n", p->digest, json);
                return 0;
        }
        if (argc >= 4 && strcmp(argv[1], "--local-record") == 0) {
                _cleanup_(profile_freep) Profile *p = load(argv[2]), *record = NULL;
                _cleanup_free_ char *json = NULL;

                if (profile_extract_config(p, argv[3], &record) < 0)
                        return 2;
                json = profile_to_json(record, false);
                printf("%s\n", json);
                return 0;
        }
        if (argc >= 5 && strcmp(argv[1], "--local-compare") == 0) {
                _cleanup_(profile_freep) Profile *src = load(argv[2]), *dst = load(argv[3]);
                _cleanup_(report_freep) Report *report = NULL;
                _cleanup_free_ char *json = NULL;

                if (profile_compare(src, argv[4], dst, argc >= 6 ? argv[5] : NULL, &report) < 0)
                        return 2;
                json = report_to_json(report, false);
                printf("%s\n%s\n", verdict_name(report->verdict), json);
                return 0;
        }
        if (argc >= 5 && strcmp(argv[1], "--cpreg-diff") == 0) {
                _cleanup_(profile_freep) Profile *src = load(argv[2]), *dst = load(argv[3]);
                const VcpuConfig *s = profile_get_config(src, argv[4]), *d = profile_get_config(dst, argv[4]);
                char name[REG_NAME_MAX];

                if (!s || !d)
                        return 2;
                for (size_t i = 0; i < s->n_cpregs; i++)
                        if (!vcpu_config_has_cpreg(d, s->cpregs[i]))
                                printf("%s\n", reg_id_name(s->cpregs[i], name, sizeof(name)));
                return 0;
        }
        if (argc >= 3) {
                bool no_reply = strcmp(argv[2], "--no-reply") == 0;
                int pipeline = argc >= 4 && strcmp(argv[2], "--pipeline") == 0 ? atoi(argv[3]) : 0;
                int first = no_reply ? 3 : pipeline > 0 ? 4 : 2;

                if (argc > first)
                        return call(argv[1], no_reply, pipeline, argv[first], argv + first + 1, argc - first - 1);
        }
        fprintf(stderr, "usage: see the comment at the top of tests/test-daemon-call.c\n");
        return 2;
}
