/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fault injection for tests/test-hook.sh: owns org.kvmregs.Profile1 on a bus and answers
 * every Compare and CompareDomain wrongly, the ways a broken or hostile kvmregsd could.
 *
 *   garbage-daemon ADDRESS MODE
 *
 * MODE: signature (an int32 instead of two strings), verdict (an unknown verdict),
 * json (a report that is not JSON), adjustment (compatible-after-adjustment with an
 * adjustment that would inject a QEMU argument). Prints "ready" once it owns the name.
 */
#include <stdio.h>
#include <string.h>

#include <dbus/dbus.h>

#include "busclient.h"

static DBusMessage *answer(DBusMessage *call, const char *mode) {
        DBusMessage *reply = dbus_message_new_method_return(call);
        const char *verdict = "compatible", *report = "{}";
        dbus_int32_t number = 42;

        if (!reply)
                return NULL;
        if (strcmp(mode, "signature") == 0) {
                dbus_message_append_args(reply, DBUS_TYPE_INT32, &number, DBUS_TYPE_INVALID);
                return reply;
        }
        if (strcmp(mode, "verdict") == 0)
                verdict = "probably-fine";
        else if (strcmp(mode, "json") == 0)
                report = "{\"verdict\": \"compatible\", \"findings\": [";
        else if (strcmp(mode, "adjustment") == 0) {
                verdict = "compatible-after-adjustment";
                report = "{\"verdict\": \"compatible-after-adjustment\", \"findings\": [], "
                         "\"adjustments\": [\"sve=off -object memory-backend-file,id=x,mem-path=/etc\"]}";
        }
        dbus_message_append_args(reply, DBUS_TYPE_STRING, &verdict, DBUS_TYPE_STRING, &report, DBUS_TYPE_INVALID);
        return reply;
}

int main(int argc, char *argv[]) {
        DBusConnection *c;
        DBusError err;

        if (argc != 3) {
                fprintf(stderr, "usage: %s ADDRESS signature|verdict|json|adjustment\n", argv[0]);
                return 2;
        }
        dbus_error_init(&err);
        c = dbus_connection_open_private(argv[1], &err);
        if (!c || !dbus_bus_register(c, &err) ||
            dbus_bus_request_name(c, KVMREGS_BUS_NAME, DBUS_NAME_FLAG_DO_NOT_QUEUE, &err) !=
                    DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
                fprintf(stderr, "garbage-daemon: %s\n", err.message ? err.message : "cannot own the name");
                return 1;
        }
        printf("ready\n");
        fflush(stdout);

        while (dbus_connection_read_write(c, -1)) {
                DBusMessage *m;

                while ((m = dbus_connection_pop_message(c))) {
                        if (dbus_message_is_method_call(m, KVMREGS_INTERFACE, "Compare") ||
                            dbus_message_is_method_call(m, KVMREGS_INTERFACE, "CompareDomain")) {
                                DBusMessage *reply = answer(m, argv[2]);
                                if (reply) {
                                        dbus_connection_send(c, reply, NULL);
                                        dbus_message_unref(reply);
                                }
                        }
                        dbus_message_unref(m);
                }
        }
        dbus_connection_close(c);
        dbus_connection_unref(c);
        return 0;
}
