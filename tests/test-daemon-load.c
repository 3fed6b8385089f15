/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helper for tests/test-daemon-load.sh (not a test itself): many concurrent bus clients in
 * one process, one private libdbus connection and thread each.
 *
 *   test-daemon-load ADDRESS flood CLIENTS STOPFILE PROFILE CONFIG
 *       Until STOPFILE exists, each client loops Compare(PROFILE's content, CONFIG) and
 *       GetProfile: the heaviest calls anybody may make. Creates STOPFILE.ready once every
 *       client has had its first answers.
 *   test-daemon-load ADDRESS load CLIENTS ROUNDS RECORD DOMAIN_XML CONFIG
 *       Each client makes ROUNDS rounds of GetProfile, GetConfig(CONFIG), Compare(RECORD, ""),
 *       CompareDomain(RECORD, DOMAIN_XML), Properties.Get(Digest), Properties.GetAll and
 *       Peer.Ping, one call at a time.
 *   test-daemon-load ADDRESS refresh STOPFILE
 *       One client calls Refresh every 100 ms, one call at a time, until STOPFILE exists.
 *
 * Prints the first few errors other than Busy ("error: METHOD NAME: MESSAGE"), then
 * "calls=N ok=N busy=N bus_refused=N timed_out=N errors=N seconds=S calls_per_s=R"
 * (bus_refused: dbus-daemon's LimitsExceeded, its queue for kvmregsd full; timed_out: no
 * answer within the client's 120 s). Exit 0 unless a client could not connect.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dbus/dbus.h>

#include "kvmregs-bus.h"

static const char *address, *mode, *stop_file, *config;
static char *doc_a, *doc_b;
static long rounds;
static atomic_ulong n_calls, n_ok, n_busy, n_bus_refused, n_timed_out, n_errors, n_connect_failed, n_started;
static long clients;
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned printed;

static char *read_file(const char *path) {
        FILE *f = fopen(path, "re");
        char *data = NULL;
        long size;

        if (!f)
                return NULL;
        if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
                data = malloc((size_t) size + 1);
                if (data && fread(data, 1, (size_t) size, f) != (size_t) size) {
                        free(data);
                        data = NULL;
                } else if (data)
                        data[size] = '\0';
        }
        fclose(f);
        return data;
}

static double now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* One call: counted ok, Busy or error. */
static void call(DBusConnection *c, const char *interface, const char *method, const char *a, const char *b) {
        DBusMessage *m, *reply;
        DBusError e;

        m = dbus_message_new_method_call(KVMREGS_BUS_NAME, KVMREGS_OBJECT_PATH, interface, method);
        if (!m)
                abort();
        if (a && !dbus_message_append_args(m, DBUS_TYPE_STRING, &a, DBUS_TYPE_INVALID))
                abort();
        if (b && !dbus_message_append_args(m, DBUS_TYPE_STRING, &b, DBUS_TYPE_INVALID))
                abort();
        dbus_error_init(&e);
        reply = dbus_connection_send_with_reply_and_block(c, m, 120000, &e);
        dbus_message_unref(m);
        atomic_fetch_add(&n_calls, 1);
        if (reply) {
                atomic_fetch_add(&n_ok, 1);
                dbus_message_unref(reply);
                return;
        }
        if (strcmp(e.name, KVMREGS_ERROR_BUSY) == 0)
                atomic_fetch_add(&n_busy, 1);
        else if (strcmp(e.name, DBUS_ERROR_LIMITS_EXCEEDED) == 0)
                /* dbus-daemon's, not kvmregsd's: its queue for kvmregsd is full */
                atomic_fetch_add(&n_bus_refused, 1);
        else if (strcmp(e.name, DBUS_ERROR_NO_REPLY) == 0)
                /* no answer within this client's 120 s */
                atomic_fetch_add(&n_timed_out, 1);
        else {
                atomic_fetch_add(&n_errors, 1);
                pthread_mutex_lock(&print_lock);
                if (printed++ < 5)
                        printf("error: %s %s: %s\n", method, e.name, e.message);
                pthread_mutex_unlock(&print_lock);
        }
        dbus_error_free(&e);
}

static void *client(void *unused) {
        DBusConnection *c;
        DBusError e;
        const char *props = "org.freedesktop.DBus.Properties";

        /* A bus takes only so many connections authenticating at once (64 on the system
         * bus): a hundred at the same moment retry. */
        for (int attempt = 0;; attempt++) {
                dbus_error_init(&e);
                c = dbus_connection_open_private(address, &e);
                if (c && dbus_bus_register(c, &e))
                        break;
                if (c) {
                        dbus_connection_close(c);
                        dbus_connection_unref(c);
                        c = NULL;
                }
                if (attempt == 100)
                        break;
                dbus_error_free(&e);
                usleep(100 * 1000);
        }
        if (!c) {
                fprintf(stderr, "cannot connect: %s\n", e.message);
                dbus_error_free(&e);
                atomic_fetch_add(&n_connect_failed, 1);
                return NULL;
        }
        if (strcmp(mode, "refresh") == 0)
                while (access(stop_file, F_OK) < 0) {
                        call(c, KVMREGS_INTERFACE, KVMREGS_METHOD_REFRESH, NULL, NULL);
                        usleep(100 * 1000);   /* an administrator's pace, not a flood */
                }
        else if (strcmp(mode, "flood") == 0)
                for (bool first = true; access(stop_file, F_OK) < 0; first = false) {
                        call(c, KVMREGS_INTERFACE, KVMREGS_METHOD_COMPARE, doc_a, config);
                        call(c, KVMREGS_INTERFACE, KVMREGS_METHOD_GET_PROFILE, NULL, NULL);
                        /* STOPFILE.ready once every client has had its first answers. */
                        if (first && (long) atomic_fetch_add(&n_started, 1) + 1 == clients) {
                                char ready[4096];
                                FILE *f;

                                snprintf(ready, sizeof(ready), "%s.ready", stop_file);
                                f = fopen(ready, "we");
                                if (f)
                                        fclose(f);
                        }
                }
        else
                for (long i = 0; i < rounds; i++) {
                        call(c, KVMREGS_INTERFACE, KVMREGS_METHOD_GET_PROFILE, NULL, NULL);
                        call(c, KVMREGS_INTERFACE, KVMREGS_METHOD_GET_CONFIG, config, NULL);
                        call(c, KVMREGS_INTERFACE, KVMREGS_METHOD_COMPARE, doc_a, "");
                        call(c, KVMREGS_INTERFACE, KVMREGS_METHOD_COMPARE_DOMAIN, doc_a, doc_b);
                        call(c, props, "Get", KVMREGS_INTERFACE, KVMREGS_PROPERTY_DIGEST);
                        call(c, props, "GetAll", KVMREGS_INTERFACE, NULL);
                        call(c, "org.freedesktop.DBus.Peer", "Ping", NULL, NULL);
                }
        dbus_connection_close(c);
        dbus_connection_unref(c);
        return NULL;
}

int main(int argc, char **argv) {
        pthread_t *threads;
        double start, seconds;

        if (argc < 3 || !((strcmp(argv[2], "flood") == 0 && argc == 7) || (strcmp(argv[2], "load") == 0 && argc == 8) ||
                          (strcmp(argv[2], "refresh") == 0 && argc == 4))) {
                fprintf(stderr, "usage: %s ADDRESS flood CLIENTS STOPFILE PROFILE CONFIG\n"
                                "       %s ADDRESS load CLIENTS ROUNDS RECORD DOMAIN_XML CONFIG\n"
                                "       %s ADDRESS refresh STOPFILE\n", argv[0], argv[0], argv[0]);
                return 2;
        }
        address = argv[1];
        mode = argv[2];
        if (strcmp(mode, "refresh") == 0) {
                clients = 1;
                stop_file = argv[3];
                doc_a = strdup("");
        } else
                clients = strtol(argv[3], NULL, 10);
        if (strcmp(mode, "refresh") == 0)
                ;
        else if (strcmp(mode, "flood") == 0) {
                stop_file = argv[4];
                doc_a = read_file(argv[5]);
                config = argv[6];
        } else {
                rounds = strtol(argv[4], NULL, 10);
                doc_a = read_file(argv[5]);
                doc_b = read_file(argv[6]);
                config = argv[7];
                if (!doc_b) {
                        perror(argv[6]);
                        return 2;
                }
        }
        if (!doc_a || clients <= 0) {
                fprintf(stderr, "cannot read %s, or no clients\n", argv[5]);
                return 2;
        }
        if (!dbus_threads_init_default())
                return 2;
        threads = calloc((size_t) clients, sizeof(*threads));
        if (!threads)
                return 2;
        start = now();
        for (long i = 0; i < clients; i++)
                if (pthread_create(&threads[i], NULL, client, NULL) != 0) {
                        fprintf(stderr, "cannot start a thread\n");
                        return 2;
                }
        for (long i = 0; i < clients; i++)
                pthread_join(threads[i], NULL);
        seconds = now() - start;
        printf("calls=%lu ok=%lu busy=%lu bus_refused=%lu timed_out=%lu errors=%lu seconds=%.1f calls_per_s=%.0f\n",
               atomic_load(&n_calls), atomic_load(&n_ok), atomic_load(&n_busy), atomic_load(&n_bus_refused),
               atomic_load(&n_timed_out), atomic_load(&n_errors), seconds,
               (double) atomic_load(&n_calls) / seconds);
        free(threads);
        free(doc_a);
        free(doc_b);
        return atomic_load(&n_connect_failed) ? 1 : 0;
}
