/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * daemon/main-loop.c: two libdbus connections to a private dbus-daemon, both run by one
 * sd-event loop through BusLoop. Asserts that calls and answers flow both ways (watches and
 * dispatch), that a call nobody answers times out through the loop (timeouts), that a
 * message larger than the socket buffer goes out (write watches toggled on and off), that
 * pipelined calls all come back, and that the bus going away is seen. After the bus goes
 * away the loop must go idle with every socket closed (no hung-up fd left in epoll, no
 * timer re-armed at 0), also when it dies while a write is stuck (write watch armed) and
 * calls wait for answers (their timeouts armed).
 * Needs dbus-daemon: exit 77 without it, unless KVMREGS_REQUIRE_ALL=1.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dbus/dbus.h>
#include <systemd/sd-event.h>

#include "main-loop.h"
#include "testutil.h"
#include "util.h"

#define TEST_NAME "org.kvmregs.Test"

typedef struct Answer {
        bool done;
        char *text;          /* the answer's string, or the error name */
        size_t size;
} Answer;

static double now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void on_answer(DBusPendingCall *pending, void *userdata) {
        Answer *a = userdata;
        DBusMessage *reply = dbus_pending_call_steal_reply(pending);
        const char *s = NULL;

        if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR)
                s = dbus_message_get_error_name(reply);
        else
                (void) dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &s, DBUS_TYPE_INVALID);
        a->text = strdup(s ? s : "");
        a->size = s ? strlen(s) : 0;
        a->done = true;
        dbus_message_unref(reply);
        dbus_pending_call_unref(pending);
}

static void call_async(DBusConnection *c, const char *method, const char *arg, int timeout_ms, Answer *a) {
        DBusMessage *m = dbus_message_new_method_call(TEST_NAME, "/", TEST_NAME, method);
        DBusPendingCall *pending = NULL;

        dbus_message_append_args(m, DBUS_TYPE_STRING, &arg, DBUS_TYPE_INVALID);
        if (dbus_connection_send_with_reply(c, m, &pending, timeout_ms) && pending)
                dbus_pending_call_set_notify(pending, on_answer, a, NULL);
        dbus_message_unref(m);
}

/* Runs the loop until all answers are in or limit_ms passes. */
static bool run_until(sd_event *e, Answer *answers, size_t n, double limit_ms) {
        double end = now_ms() + limit_ms;

        for (;;) {
                size_t done = 0;

                for (size_t i = 0; i < n; i++)
                        done += answers[i].done;
                if (done == n)
                        return true;
                if (now_ms() > end)
                        return false;
                (void) sd_event_run(e, 50 * 1000);
        }
}

/* The service side: Echo answers its argument, Silent never answers. */
static DBusHandlerResult on_service_message(DBusConnection *c, DBusMessage *m, void *userdata) {
        const char *arg;
        DBusMessage *reply;

        if (dbus_message_is_method_call(m, TEST_NAME, "Echo") &&
            dbus_message_get_args(m, NULL, DBUS_TYPE_STRING, &arg, DBUS_TYPE_INVALID)) {
                reply = dbus_message_new_method_return(m);
                dbus_message_append_args(reply, DBUS_TYPE_STRING, &arg, DBUS_TYPE_INVALID);
                dbus_connection_send(c, reply, NULL);
                dbus_message_unref(reply);
                return DBUS_HANDLER_RESULT_HANDLED;
        }
        if (dbus_message_is_method_call(m, TEST_NAME, "Silent"))
                return DBUS_HANDLER_RESULT_HANDLED;
        return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

static DBusHandlerResult on_client_message(DBusConnection *c, DBusMessage *m, void *userdata) {
        if (dbus_message_is_signal(m, DBUS_INTERFACE_LOCAL, "Disconnected")) {
                *(bool *) userdata = true;
                return DBUS_HANDLER_RESULT_HANDLED;
        }
        return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

/* Sockets this process holds open. */
static int count_sockets(void) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        int n = 0;

        if (!d)
                return -1;
        while ((de = readdir(d))) {
                char path[300], target[64];
                ssize_t len;

                snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
                len = readlink(path, target, sizeof(target) - 1);
                if (len > 0) {
                        target[len] = '\0';
                        n += strncmp(target, "socket:", 7) == 0;
                }
        }
        closedir(d);
        return n;
}

/* Loop iterations that dispatched something within ms: a busy loop makes thousands. */
static int busy_iterations(sd_event *e, double ms) {
        int n = 0;

        for (double end = now_ms() + ms; now_ms() < end;)
                if (sd_event_run(e, 20 * 1000) > 0)
                        n++;
        return n;
}

static DBusConnection *connect_to(const char *address) {
        DBusError error;
        DBusConnection *c;

        dbus_error_init(&error);
        c = dbus_connection_open_private(address, &error);
        if (!c || !dbus_bus_register(c, &error)) {
                fprintf(stderr, "cannot connect to %s: %s\n", address, error.message);
                exit(1);
        }
        dbus_connection_set_exit_on_disconnect(c, FALSE);
        return c;
}

static pid_t start_bus(const char *dir, char *ret_address, size_t size) {
        char conf[512], sock[512], arg[600];
        FILE *f;
        pid_t pid;

        snprintf(conf, sizeof(conf), "%s/bus.conf", dir);
        snprintf(sock, sizeof(sock), "%s/bus.sock", dir);
        snprintf(ret_address, size, "unix:path=%s", sock);
        f = fopen(conf, "we");
        if (!f)
                return -1;
        fprintf(f, "<busconfig><type>custom</type><listen>%s</listen><auth>EXTERNAL</auth>"
                   "<policy context=\"default\"><allow user=\"*\"/><allow own=\"*\"/>"
                   "<allow send_type=\"method_call\"/><allow send_requested_reply=\"true\"/>"
                   "<allow receive_type=\"method_call\"/><allow receive_requested_reply=\"true\"/>"
                   "<allow send_type=\"signal\"/><allow receive_type=\"signal\"/></policy></busconfig>\n",
                ret_address);
        fclose(f);
        snprintf(arg, sizeof(arg), "--config-file=%s", conf);
        pid = fork();
        if (pid == 0) {
                execlp("dbus-daemon", "dbus-daemon", arg, "--nofork", "--nopidfile", (char *) NULL);
                _exit(127);
        }
        for (int i = 0; i < 500; i++) {
                struct stat st;
                int status;

                if (stat(sock, &st) == 0)
                        return pid;
                if (waitpid(pid, &status, WNOHANG) == pid)
                        return -1;
                usleep(10000);
        }
        return -1;
}

int main(void) {
        char dir[] = "/tmp/test-daemon-main-loop.XXXXXX", address[600];
        _cleanup_free_ char *big = NULL;
        DBusConnection *client, *service;
        BusLoop *client_loop = NULL, *service_loop = NULL;
        sd_event *e = NULL;
        Answer echo = {}, silent = {}, large = {}, many[100] = {};
        bool disconnected = false, all_match = true;
        const size_t big_size = 4u * 1024u * 1024u;
        double t0;
        pid_t bus;

        if (system("command -v dbus-daemon >/dev/null 2>&1") != 0) {
                if (getenv("KVMREGS_REQUIRE_ALL") && strcmp(getenv("KVMREGS_REQUIRE_ALL"), "1") == 0) {
                        fprintf(stderr, "dbus-daemon is not installed\n");
                        return 1;
                }
                printf("SKIP: dbus-daemon is not installed\n");
                return 77;
        }
        if (!mkdtemp(dir))
                return 1;
        bus = start_bus(dir, address, sizeof(address));
        CHECK(bus > 0);
        if (bus <= 0)
                return test_summary("test-daemon-main-loop");

        client = connect_to(address);
        service = connect_to(address);
        CHECK_INT(dbus_bus_request_name(service, TEST_NAME, DBUS_NAME_FLAG_DO_NOT_QUEUE, NULL),
                  DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER);
        dbus_connection_add_filter(service, on_service_message, NULL, NULL);
        dbus_connection_add_filter(client, on_client_message, &disconnected, NULL);
        dbus_connection_set_max_message_size(client, 2 * big_size);
        dbus_connection_set_max_message_size(service, 2 * big_size);

        CHECK_INT(sd_event_new(&e), 0);
        CHECK_INT(bus_loop_new(e, client, &client_loop), 0);
        CHECK_INT(bus_loop_new(e, service, &service_loop), 0);

        /* Both directions through watches and dispatch. */
        call_async(client, "Echo", "hello", 5000, &echo);
        CHECK(run_until(e, &echo, 1, 5000));
        CHECK_STR(echo.text, "hello");

        /* Nobody answers: libdbus's timeout, run by the loop, ends the call. */
        t0 = now_ms();
        call_async(client, "Silent", "x", 300, &silent);
        CHECK(run_until(e, &silent, 1, 5000));
        CHECK_STR(silent.text, DBUS_ERROR_NO_REPLY);
        CHECK(now_ms() - t0 >= 250);
        CHECK(now_ms() - t0 < 3000);

        /* Larger than any socket buffer: written in pieces as the write watch fires. */
        big = malloc(big_size + 1);
        memset(big, 'k', big_size);
        big[big_size] = '\0';
        call_async(client, "Echo", big, 20000, &large);
        CHECK(run_until(e, &large, 1, 20000));
        CHECK_INT(large.size, big_size);
        CHECK(large.text && strcmp(large.text, big) == 0);

        /* Pipelined: every answer comes back, each to its own call. */
        for (size_t i = 0; i < ELEMENTSOF(many); i++) {
                char text[32];
                snprintf(text, sizeof(text), "call %zu", i);
                call_async(client, "Echo", text, 10000, &many[i]);
        }
        CHECK(run_until(e, many, ELEMENTSOF(many), 10000));
        for (size_t i = 0; i < ELEMENTSOF(many); i++) {
                char text[32];
                snprintf(text, sizeof(text), "call %zu", i);
                all_match = all_match && many[i].text && strcmp(many[i].text, text) == 0;
        }
        CHECK(all_match);

        /* The bus goes away: the client's Disconnected arrives through the loop. */
        kill(bus, SIGTERM);
        waitpid(bus, NULL, 0);
        for (double end = now_ms() + 5000; !disconnected && now_ms() < end;)
                (void) sd_event_run(e, 50 * 1000);
        CHECK(disconnected);
        /* Both connections closed their sockets, and so did the loop its copies of them. */
        (void) busy_iterations(e, 100);
        CHECK_INT(count_sockets(), 0);
        CHECK(busy_iterations(e, 500) <= 2);

        bus_loop_free(client_loop);
        bus_loop_free(service_loop);
        CHECK(bus_loop_free(NULL) == NULL);
        dbus_connection_close(client);
        dbus_connection_unref(client);
        dbus_connection_close(service);
        dbus_connection_unref(service);

        /* A bus that stops (SIGSTOP) with a 4 MiB call half written and calls waiting for
         * answers, then dies: the hang-up is seen with the write watch armed, and the calls'
         * timeouts go with the connection. */
        {
                char dir2[] = "/tmp/test-daemon-main-loop.XXXXXX", address2[600], path[600];
                Answer stuck = {}, waiting = {};
                bool disconnected2 = false;
                double t;

                CHECK(mkdtemp(dir2) != NULL);
                bus = start_bus(dir2, address2, sizeof(address2));
                CHECK(bus > 0);
                if (bus <= 0)
                        return test_summary("test-daemon-main-loop");
                client = connect_to(address2);
                dbus_connection_add_filter(client, on_client_message, &disconnected2, NULL);
                dbus_connection_set_max_message_size(client, 2 * big_size);
                CHECK_INT(bus_loop_new(e, client, &client_loop), 0);

                kill(bus, SIGSTOP);
                call_async(client, "Silent", "x", 60000, &waiting);
                call_async(client, "Echo", big, 60000, &stuck);
                (void) busy_iterations(e, 200);
                CHECK(dbus_connection_has_messages_to_send(client));
                CHECK(!waiting.done && !stuck.done);

                kill(bus, SIGKILL);
                waitpid(bus, NULL, 0);
                t = now_ms();
                for (double end = t + 5000; !disconnected2 && now_ms() < end;)
                        (void) sd_event_run(e, 50 * 1000);
                CHECK(disconnected2);
                CHECK(now_ms() - t < 2000);
                (void) busy_iterations(e, 100);
                CHECK_INT(count_sockets(), 0);
                CHECK(busy_iterations(e, 500) <= 2);

                bus_loop_free(client_loop);
                dbus_connection_close(client);
                dbus_connection_unref(client);
                free(waiting.text);
                free(stuck.text);
                snprintf(path, sizeof(path), "%s/bus.conf", dir2);
                unlink(path);
                /* the killed bus left its socket behind */
                snprintf(path, sizeof(path), "%s/bus.sock", dir2);
                unlink(path);
                rmdir(dir2);
        }
        sd_event_unref(e);
        free(echo.text);
        free(silent.text);
        free(large.text);
        for (size_t i = 0; i < ELEMENTSOF(many); i++)
                free(many[i].text);
        {
                char path[600];
                snprintf(path, sizeof(path), "%s/bus.conf", dir);
                unlink(path);
                snprintf(path, sizeof(path), "%s/bus.sock", dir);
                unlink(path);
                rmdir(dir);
        }
        dbus_shutdown();
        return test_summary("test-daemon-main-loop");
}
