/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * busclient against a real private dbus-daemon. The peer owning org.kvmregs.Profile1
 * here is a deliberately misbehaving service (garbage answers, wrong signatures, slow
 * replies): the real kvmregsd never sends those, and the client must survive them.
 * Answers that are fine come from a real recorded profile. The real kvmregsd is
 * exercised by tests/test-kvmregsctl.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dbus/dbus.h>

#include "busclient.h"
#include "testutil.h"
#include "util.h"

extern char **environ;

static char tmpdir[] = "/tmp/test-busclient.XXXXXX";
static char socket_path[256], address[300];
static pid_t bus_pid = -1, service_pid = -1;

static char *read_all(const char *path, size_t *ret_size) {
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t size = 0;

        if (!f)
                return NULL;
        buf = malloc(KVMREGS_MAX_DOCUMENT + 1);
        if (buf) {
                size = fread(buf, 1, KVMREGS_MAX_DOCUMENT, f);
                buf[size] = '\0';
        }
        fclose(f);
        *ret_size = size;
        return buf;
}

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int start_bus(void) {
        char conf[300];
        FILE *f;
        char *argv[] = { "dbus-daemon", NULL, "--nofork", "--nopidfile", NULL };
        char arg[320];

        snprintf(socket_path, sizeof(socket_path), "%s/bus", tmpdir);
        snprintf(address, sizeof(address), "unix:path=%s", socket_path);
        snprintf(conf, sizeof(conf), "%s/bus.conf", tmpdir);
        f = fopen(conf, "we");
        if (!f)
                return -errno;
        fprintf(f, "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
                   " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                   "<busconfig><type>session</type><listen>%s</listen><auth>EXTERNAL</auth>\n"
                   "<policy context=\"default\"><allow user=\"*\"/><allow own=\"*\"/>"
                   "<allow send_destination=\"*\"/><allow receive_sender=\"*\"/></policy></busconfig>\n", address);
        fclose(f);
        snprintf(arg, sizeof(arg), "--config-file=%s", conf);
        argv[1] = arg;
        if (posix_spawnp(&bus_pid, "dbus-daemon", NULL, NULL, argv, environ) != 0)
                return -errno;
        for (int i = 0; i < 100; i++) {
                struct stat st;
                if (stat(socket_path, &st) == 0)
                        return 0;
                usleep(50 * 1000);
        }
        return -ETIMEDOUT;
}

/* ---- the misbehaving service (child process) ---- */

static const char *profile_json;

static DBusMessage *answer(DBusMessage *m) {
        const char *member = dbus_message_get_member(m), *arg = NULL, *arg2 = NULL;
        DBusMessage *r;

        dbus_message_get_args(m, NULL, DBUS_TYPE_STRING, &arg, DBUS_TYPE_STRING, &arg2, DBUS_TYPE_INVALID);
        if (!arg)
                dbus_message_get_args(m, NULL, DBUS_TYPE_STRING, &arg, DBUS_TYPE_INVALID);

        if (strcmp(member, "GetProfile") == 0) {
                r = dbus_message_new_method_return(m);
                dbus_message_append_args(r, DBUS_TYPE_STRING, &profile_json, DBUS_TYPE_INVALID);
                return r;
        }
        if (strcmp(member, "GetConfig") == 0) {
                const char *s = "{\"configs\":[]}";
                uint32_t u = 7;

                if (!arg || strcmp(arg, "nosuch") == 0)
                        return dbus_message_new_error(m, "org.kvmregs.Profile1.Error.UnknownConfig", "no configuration nosuch");
                if (strcmp(arg, "notready") == 0)
                        return dbus_message_new_error(m, "org.kvmregs.Profile1.Error.NotReady", "No profile: probing");
                if (strcmp(arg, "fails") == 0)
                        return dbus_message_new_error(m, "org.kvmregs.Error.Failed", "probe failed");
                if (strcmp(arg, "slow") == 0)
                        sleep(2);
                r = dbus_message_new_method_return(m);
                if (strcmp(arg, "garbage") == 0)
                        s = "{\"configs\": [ not json";
                else if (strcmp(arg, "array") == 0)
                        s = "[1,2,3]";
                else if (strcmp(arg, "trailing") == 0)
                        s = "{} {}";
                if (strcmp(arg, "wrongsig") == 0)
                        dbus_message_append_args(r, DBUS_TYPE_UINT32, &u, DBUS_TYPE_INVALID);
                else if (strcmp(arg, "twostrings") == 0)
                        dbus_message_append_args(r, DBUS_TYPE_STRING, &s, DBUS_TYPE_STRING, &s, DBUS_TYPE_INVALID);
                else
                        dbus_message_append_args(r, DBUS_TYPE_STRING, &s, DBUS_TYPE_INVALID);
                return r;
        }
        if (strcmp(member, "Compare") == 0 || strcmp(member, "CompareDomain") == 0) {
                const char *verdict = "compatible", *report = "{\"verdict\":\"compatible\"}";

                if (arg2 && strcmp(arg2, "badverdict") == 0)
                        verdict = "probably";
                if (arg2 && strcmp(arg2, "badreport") == 0)
                        report = "nope";
                r = dbus_message_new_method_return(m);
                dbus_message_append_args(r, DBUS_TYPE_STRING, &verdict, DBUS_TYPE_STRING, &report, DBUS_TYPE_INVALID);
                return r;
        }
        if (strcmp(member, "Get") == 0 && arg2) {
                DBusMessageIter it, v, a;

                r = dbus_message_new_method_return(m);
                dbus_message_iter_init_append(r, &it);
                if (strcmp(arg2, "State") == 0) {
                        const char *s = "ready";
                        dbus_message_iter_open_container(&it, DBUS_TYPE_VARIANT, "s", &v);
                        dbus_message_iter_append_basic(&v, DBUS_TYPE_STRING, &s);
                } else if (strcmp(arg2, "Configs") == 0) {
                        const char *names[] = { "base", "pmu", "all" };
                        dbus_message_iter_open_container(&it, DBUS_TYPE_VARIANT, "as", &v);
                        dbus_message_iter_open_container(&v, DBUS_TYPE_ARRAY, "s", &a);
                        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                                dbus_message_iter_append_basic(&a, DBUS_TYPE_STRING, &names[i]);
                        dbus_message_iter_close_container(&v, &a);
                } else if (strcmp(arg2, "Count") == 0) {
                        uint64_t n = 18446744073709551615ULL;
                        dbus_message_iter_open_container(&it, DBUS_TYPE_VARIANT, "t", &v);
                        dbus_message_iter_append_basic(&v, DBUS_TYPE_UINT64, &n);
                } else {
                        double d = 1.5;   /* a type kvmregsd never uses */
                        dbus_message_iter_open_container(&it, DBUS_TYPE_VARIANT, "d", &v);
                        dbus_message_iter_append_basic(&v, DBUS_TYPE_DOUBLE, &d);
                }
                dbus_message_iter_close_container(&it, &v);
                return r;
        }
        return dbus_message_new_error(m, DBUS_ERROR_UNKNOWN_METHOD, member);
}

static void run_service(void) {
        DBusConnection *c = dbus_connection_open_private(address, NULL);

        if (!c || !dbus_bus_register(c, NULL) ||
            dbus_bus_request_name(c, KVMREGS_BUS_NAME, DBUS_NAME_FLAG_DO_NOT_QUEUE, NULL) !=
                    DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER)
                _exit(1);
        while (dbus_connection_read_write_dispatch(c, -1)) {
                DBusMessage *m;

                while ((m = dbus_connection_pop_message(c))) {
                        if (dbus_message_get_type(m) == DBUS_MESSAGE_TYPE_METHOD_CALL) {
                                DBusMessage *r = answer(m);
                                dbus_connection_send(c, r, NULL);
                                dbus_connection_flush(c);
                                dbus_message_unref(r);
                        }
                        dbus_message_unref(m);
                }
        }
        _exit(0);
}

static int start_service(void) {
        service_pid = fork();
        if (service_pid < 0)
                return -errno;
        if (service_pid == 0)
                run_service();
        /* Wait until the name has an owner. */
        for (int i = 0; i < 100; i++) {
                DBusConnection *c = dbus_connection_open_private(address, NULL);
                bool owned = false;

                if (c && dbus_bus_register(c, NULL))
                        owned = dbus_bus_name_has_owner(c, KVMREGS_BUS_NAME, NULL);
                if (c) {
                        dbus_connection_close(c);
                        dbus_connection_unref(c);
                }
                if (owned)
                        return 0;
                usleep(50 * 1000);
        }
        return -ETIMEDOUT;
}

static void stop(pid_t *pid) {
        if (*pid > 0) {
                kill(*pid, SIGTERM);
                waitpid(*pid, NULL, 0);
                *pid = -1;
        }
}

/* ---- the tests ---- */

static void test_ssh_address(void) {
        char *args[] = { "-p", "2222", "-o", "StrictHostKeyChecking=no", "-i", "/root/.ssh/id key", NULL };
        char *a;

        a = busclient_ssh_address("root@127.0.0.3", NULL, args);
        CHECK_STR(a, "unixexec:path=ssh,argv0=ssh,argv1=-xT,argv2=-p,argv3=2222,argv4=-o,"
                     "argv5=StrictHostKeyChecking%3dno,argv6=-i,argv7=/root/.ssh/id%20key,argv8=--,"
                     "argv9=root%40127.0.0.3,argv10=systemd-stdio-bridge");
        free(a);
        a = busclient_ssh_address("hostB", "systemd-stdio-bridge --bus-path=unix:path=/run/x", NULL);
        CHECK_STR(a, "unixexec:path=ssh,argv0=ssh,argv1=-xT,argv2=--,argv3=hostB,"
                     "argv4=systemd-stdio-bridge%20--bus-path%3dunix%3apath%3d/run/x");
        free(a);
        /* sd-bus's escaping: only [A-Za-z0-9_-/.] bare (libdbus would leave '*' and '\\' bare too) */
        a = busclient_ssh_address("h", "a*b\\c,d;e%f=g h\xc3\xa9", NULL);
        CHECK_STR(a, "unixexec:path=ssh,argv0=ssh,argv1=-xT,argv2=--,argv3=h,"
                     "argv4=a%2ab%5cc%2cd%3be%25f%3dg%20h%c3%a9");
        free(a);
        CHECK(busclient_ssh_address("", NULL, NULL) == NULL);
        CHECK(busclient_ssh_address(NULL, NULL, NULL) == NULL);
}

static void test_no_bus(void) {
        BusClient *c = NULL;
        char *err = NULL, addr[300];
        int r;

        snprintf(addr, sizeof(addr), "unix:path=%s/nothing-here", tmpdir);
        r = busclient_new(addr, 1000, &c, &err);
        CHECK(r == -ECONNREFUSED || r == -ENOENT);
        CHECK(c == NULL);
        CHECK(err && strstr(err, "nothing-here"));
        free(err);
        err = NULL;

        r = busclient_new("this is not an address", 1000, &c, &err);
        CHECK(r < 0);
        CHECK(err != NULL);
        free(err);
        err = NULL;

        /* A peer that never speaks: bounded by the timeout, not libdbus's 25 s. */
        {
                double t0 = now();
                r = busclient_new("unixexec:path=sleep,argv0=sleep,argv1=3", 300, &c, &err);
                CHECK(r == -ETIMEDOUT || r == -ECONNREFUSED);
                CHECK(now() - t0 < 5.0);
                free(err);
        }
}

static void test_no_service(void) {
        BusClient *c = NULL;
        char *err = NULL, *json = NULL;
        int r;

        CHECK_INT(busclient_new(address, 1000, &c, &err), 0);
        r = busclient_get_profile(c, &json, &err);
        CHECK_INT(r, -ENOENT);
        CHECK(json == NULL);
        CHECK(err && strstr(err, "org.freedesktop.DBus.Error.ServiceUnknown"));
        free(err);
        busclient_free(c);
}

static void test_service(const char *expected_profile, const char *addr) {
        BusClient *c = NULL;
        char *err = NULL, *json = NULL, *verdict = NULL, *report = NULL, *value = NULL;
        double t0;

        CHECK_INT(busclient_new(addr, 700, &c, &err), 0);
        if (!c)
                return;

        CHECK_INT(busclient_get_profile(c, &json, &err), 0);
        CHECK(json && strcmp(json, expected_profile) == 0);
        free(json);
        json = NULL;

        CHECK_INT(busclient_get_config(c, "base", &json, &err), 0);
        CHECK_STR(json, "{\"configs\":[]}");
        free(json);
        json = NULL;

        CHECK_INT(busclient_last_error(c), BUSCLIENT_ERROR_NONE);
        CHECK_INT(busclient_get_config(c, "nosuch", &json, &err), -ENOENT);
        CHECK(err && strstr(err, "UnknownConfig"));
        CHECK_INT(busclient_last_error(c), BUSCLIENT_ERROR_UNKNOWN_CONFIG);
        CHECK_INT(busclient_get_config(c, "notready", &json, &err), -EAGAIN);
        CHECK(err && strstr(err, "No profile: probing"));
        CHECK_INT(busclient_last_error(c), BUSCLIENT_ERROR_NOT_READY);
        CHECK_INT(busclient_get_config(c, "fails", &json, &err), -EIO);
        CHECK(err && strstr(err, "org.kvmregs.Error.Failed: probe failed"));
        /* not kvmregsd's error name (that is org.kvmregs.Profile1.Error.Failed) */
        CHECK_INT(busclient_last_error(c), BUSCLIENT_ERROR_OTHER);
        CHECK_INT(busclient_get_config(c, "garbage", &json, &err), -EBADMSG);
        CHECK_INT(busclient_get_config(c, "array", &json, &err), -EBADMSG);
        CHECK_INT(busclient_get_config(c, "trailing", &json, &err), -EBADMSG);
        CHECK_INT(busclient_get_config(c, "wrongsig", &json, &err), -EBADMSG);
        CHECK(err && strstr(err, "signature 'u'"));
        CHECK_INT(busclient_get_config(c, "twostrings", &json, &err), -EBADMSG);
        CHECK_INT(busclient_get_config(c, "\xff\xfe", &json, &err), -EINVAL);
        CHECK(err && strstr(err, "UTF-8"));
        CHECK_INT(busclient_last_error(c), BUSCLIENT_ERROR_NONE);
        /* UTF-8 sd-bus refuses too: a surrogate, a noncharacter (U+FFFE), an overlong NUL */
        CHECK_INT(busclient_get_config(c, "\xed\xa0\x80", &json, &err), -EINVAL);
        CHECK_INT(busclient_get_config(c, "a\xef\xbf\xbe", &json, &err), -EINVAL);
        CHECK_INT(busclient_get_config(c, "\xc0\x80", &json, &err), -EINVAL);
        CHECK(json == NULL);

        t0 = now();
        CHECK_INT(busclient_get_config(c, "slow", &json, &err), -ETIMEDOUT);
        CHECK(now() - t0 < 1.8);
        CHECK(err && strstr(err, "700 ms"));
        CHECK_INT(busclient_last_error(c), BUSCLIENT_ERROR_OTHER);
        /* The late answer to the timed-out call must not be taken for the next one's. */
        sleep(2);
        CHECK_INT(busclient_get_config(c, "base", &json, &err), 0);
        CHECK_STR(json, "{\"configs\":[]}");
        free(json);
        json = NULL;

        CHECK_INT(busclient_compare(c, "{}", "base", &verdict, &report, &err), 0);
        CHECK_STR(verdict, "compatible");
        CHECK_STR(report, "{\"verdict\":\"compatible\"}");
        free(verdict);
        free(report);
        verdict = report = NULL;
        CHECK_INT(busclient_compare(c, "{}", "badverdict", &verdict, &report, &err), -EBADMSG);
        CHECK_INT(busclient_compare(c, "{}", "badreport", &verdict, &report, &err), -EBADMSG);
        CHECK_INT(busclient_compare(c, "{\"x\":\"\xc3\x28\"}", "base", &verdict, &report, &err), -EINVAL);
        CHECK(verdict == NULL && report == NULL);

        CHECK_INT(busclient_compare_domain(c, "{}", "<domain/>", &verdict, &report, &err), 0);
        CHECK_STR(verdict, "compatible");
        CHECK_STR(report, "{\"verdict\":\"compatible\"}");
        free(verdict);
        free(report);
        verdict = report = NULL;
        CHECK_INT(busclient_compare_domain(c, "{}", "badverdict", &verdict, &report, &err), -EBADMSG);
        CHECK(err && strstr(err, "CompareDomain with an unknown verdict"));
        CHECK_INT(busclient_compare_domain(c, "{}", "badreport", &verdict, &report, &err), -EBADMSG);
        CHECK_INT(busclient_compare_domain(c, "{}", "<domain>\xff</domain>", &verdict, &report, &err), -EINVAL);
        CHECK(verdict == NULL && report == NULL);

        CHECK_INT(busclient_get_property(c, "State", &value, &err), 0);
        CHECK_STR(value, "ready");
        free(value);
        value = NULL;
        CHECK_INT(busclient_get_property(c, "Configs", &value, &err), 0);
        CHECK_STR(value, "base,pmu,all");
        free(value);
        value = NULL;
        CHECK_INT(busclient_get_property(c, "Count", &value, &err), 0);
        CHECK_STR(value, "18446744073709551615");
        free(value);
        value = NULL;
        CHECK_INT(busclient_get_property(c, "Weird", &value, &err), -EBADMSG);
        CHECK(value == NULL);
        CHECK_INT(busclient_get_property(c, "\xff", &value, &err), -EINVAL);
        CHECK(value == NULL);

        free(err);
        busclient_free(c);
}

/* Addresses that are not addresses: a usage error (-EINVAL), not "cannot connect". */
static void test_bad_address(void) {
        const char *bad[] = { "garbage", "", "unix:nothing=1", "unix:path=/x%zz", "nosuchtransport:path=/x",
                              "unix:path", "unixexec:argv1=x" };
        BusClient *c = NULL;
        char *err = NULL;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int r = busclient_new(bad[i], 1000, &c, &err);

                if (r != -EINVAL)
                        fprintf(stderr, "address '%s': %d (%s)\n", bad[i], r, err ? err : "");
                CHECK_INT(r, -EINVAL);
                CHECK(c == NULL);
                CHECK(err != NULL);
                free(err);
                err = NULL;
        }
}

static int listen_unix(const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return -errno;
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(fd, 8) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

/* A "bus" that authenticates anyone and then never answers Hello. */
static void run_mute_bus(int lfd) {
        char buf[512];
        size_t n = 0;
        int fd = accept(lfd, NULL, NULL);

        if (fd < 0)
                _exit(1);
        for (;;) {
                ssize_t k = read(fd, buf + n, sizeof(buf) - 1 - n);
                char *eol;

                if (k <= 0)
                        _exit(0);
                n += (size_t) k;
                buf[n] = '\0';
                while ((eol = strstr(buf, "\r\n"))) {
                        char *line = buf[0] == '\0' ? buf + 1 : buf;   /* the credentials byte */
                        const char *answer = NULL;

                        *eol = '\0';
                        if (strncmp(line, "AUTH EXTERNAL ", 14) == 0 || strcmp(line, "DATA") == 0)
                                answer = "OK 0123456789abcdef0123456789abcdef\r\n";
                        else if (strcmp(line, "AUTH EXTERNAL") == 0)
                                answer = "DATA\r\n";
                        else if (strcmp(line, "NEGOTIATE_UNIX_FD") == 0)
                                answer = "AGREE_UNIX_FD\r\n";
                        else if (strcmp(line, "BEGIN") == 0)
                                for (;;)        /* Hello and whatever follows: never answered */
                                        if (read(fd, buf, sizeof(buf)) <= 0)
                                                _exit(0);
                        if (answer && write(fd, answer, strlen(answer)) < 0)
                                _exit(1);
                        n -= (size_t) (eol + 2 - buf);
                        memmove(buf, eol + 2, n + 1);
                }
        }
}

/* Peers that never let the connection become ready: bounded by the client's timeout. */
static void test_silent_peers(void) {
        char path[300], addr[320];
        BusClient *c = NULL;
        char *err = NULL;
        pid_t pid;
        int fd, r;

        /* A socket that accepts (the kernel's backlog) and never authenticates. */
        snprintf(path, sizeof(path), "%s/deaf", tmpdir);
        snprintf(addr, sizeof(addr), "unix:path=%s", path);
        fd = listen_unix(path);
        CHECK(fd >= 0);
        r = busclient_new(addr, 300, &c, &err);
        CHECK_INT(r, -ETIMEDOUT);
        CHECK(c == NULL);
        CHECK(err && strstr(err, "300 ms"));
        free(err);
        err = NULL;
        if (fd >= 0)
                close(fd);
        unlink(path);

        /* A bus that authenticates us and never answers Hello. */
        snprintf(path, sizeof(path), "%s/mute", tmpdir);
        snprintf(addr, sizeof(addr), "unix:path=%s", path);
        fd = listen_unix(path);
        CHECK(fd >= 0);
        if (fd < 0)
                return;
        pid = fork();
        if (pid == 0)
                run_mute_bus(fd);
        close(fd);
        r = busclient_new(addr, 300, &c, &err);
        CHECK_INT(r, -ETIMEDOUT);
        CHECK(c == NULL);
        CHECK(err && strstr(err, "300 ms"));
        free(err);
        stop(&pid);
        unlink(path);
}

/* The connect timeout and the call timeout are two limits: a peer that never authenticates fails
 * by the connect timeout however long calls may take, and a call that gets no answer fails by the
 * call timeout however long connecting may take. (No wall-clock limits: the messages say which
 * limit ended it.) */
static void test_independent_timeouts(void) {
        char path[300], addr[320];
        BusClient *c = NULL;
        char *err = NULL, *json = NULL;
        int fd, r;

        /* the defaults: 10 s at least through a program (ssh), the call timeout otherwise */
        CHECK_INT(busclient_default_connect_timeout("unixexec:path=ssh,argv0=ssh", 2000), BUSCLIENT_EXEC_CONNECT_TIMEOUT_MS);
        CHECK_INT(busclient_default_connect_timeout("unixexec:path=ssh,argv0=ssh", 30000), 30000);
        CHECK_INT(busclient_default_connect_timeout("unix:path=/run/x", 2000), 2000);
        CHECK_INT(busclient_default_connect_timeout(NULL, 0), BUSCLIENT_DEFAULT_TIMEOUT_MS);

        /* never authenticates: the connect timeout (250 ms), not the call timeout (10 minutes) */
        snprintf(path, sizeof(path), "%s/deaf2", tmpdir);
        snprintf(addr, sizeof(addr), "unix:path=%s", path);
        fd = listen_unix(path);
        CHECK(fd >= 0);
        r = busclient_new_with_timeouts(addr, 250, 600000, &c, &err);
        CHECK_INT(r, -ETIMEDOUT);
        CHECK(c == NULL);
        CHECK(err && strstr(err, "within 250 ms (the connect timeout)"));
        free(err);
        err = NULL;
        if (fd >= 0)
                close(fd);
        unlink(path);

        /* the same through a program that never speaks (an ssh whose host does not answer) */
        r = busclient_new_with_timeouts("unixexec:path=sleep,argv0=sleep,argv1=600", 250, 600000, &c, &err);
        CHECK_INT(r, -ETIMEDOUT);
        CHECK(err && strstr(err, "within 250 ms (the connect timeout)"));
        free(err);
        err = NULL;

        /* connected with a connect timeout of 10 minutes: a stopped kvmregsd fails the call by
         * the call timeout */
        CHECK_INT(busclient_new_with_timeouts(address, 600000, 300, &c, &err), 0);
        if (!c)
                return;
        kill(service_pid, SIGSTOP);
        CHECK_INT(busclient_get_profile(c, &json, &err), -ETIMEDOUT);
        CHECK(err && strstr(err, "did not answer GetProfile within 300 ms"));
        kill(service_pid, SIGCONT);
        /* and the connection is still good for the next call */
        CHECK_INT(busclient_get_config(c, "base", &json, &err), 0);
        CHECK_STR(json, "{\"configs\":[]}");
        free(json);
        free(err);
        busclient_free(c);
}

/* A stopped kvmregsd: the bus lets us in, the call times out, and once it runs again the next
 * call gets its own answer. */
static void test_stopped_service(void) {
        BusClient *c = NULL;
        char *err = NULL, *json = NULL;

        CHECK_INT(busclient_new(address, 300, &c, &err), 0);
        if (!c)
                return;
        kill(service_pid, SIGSTOP);
        CHECK_INT(busclient_get_profile(c, &json, &err), -ETIMEDOUT);
        CHECK(json == NULL);
        CHECK(err && strstr(err, "did not answer GetProfile within 300 ms"));
        CHECK_INT(busclient_last_error(c), BUSCLIENT_ERROR_OTHER);
        kill(service_pid, SIGCONT);
        CHECK_INT(busclient_get_config(c, "base", &json, &err), 0);
        CHECK_STR(json, "{\"configs\":[]}");
        free(json);
        free(err);
        busclient_free(c);
}

/* busclient_ssh_address() as sd-bus reads it: a stand-in "ssh" first in PATH writes the argv it
 * got, one per line, and runs the remote command here (the real bridge to our bus). */
static void test_ssh_stand_in(void) {
        char *args[] = { "-p", "2222", "-o", "ProxyCommand=nc -X 5 %h:%p;x,y", "-i", "/root/.ssh/id*key\\2", NULL };
        char bin[300], ssh[320], log[320], bridge[400], expected[800], path_env[4096], *a, *saved_path;
        BusClient *c = NULL;
        char *err = NULL, *json = NULL, *got;
        size_t size;
        FILE *f;

        snprintf(bin, sizeof(bin), "%s/bin", tmpdir);
        snprintf(ssh, sizeof(ssh), "%s/ssh", bin);
        snprintf(log, sizeof(log), "%s/ssh.argv", bin);
        if (mkdir(bin, 0755) < 0 || !(f = fopen(ssh, "we"))) {
                CHECK(!"cannot write the stand-in ssh");
                return;
        }
        fputs("#!/bin/sh\n"
              "for a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$(dirname \"$0\")/ssh.argv\"\n"
              "while [ $# -gt 0 ] && [ \"$1\" != -- ]; do shift; done\n"
              "shift 2\n"
              "exec sh -c \"$*\"\n", f);
        fclose(f);
        chmod(ssh, 0755);

        snprintf(bridge, sizeof(bridge), "systemd-stdio-bridge --bus-path=%s", address);
        a = busclient_ssh_address("root@127.0.0.3", bridge, args);
        CHECK(a != NULL);
        saved_path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
        snprintf(path_env, sizeof(path_env), "%s:%s", bin, saved_path ? saved_path : "/usr/bin:/bin");
        setenv("PATH", path_env, 1);
        CHECK_INT(busclient_new(a, 2000, &c, &err), 0);
        if (saved_path)
                setenv("PATH", saved_path, 1);
        free(saved_path);
        if (c) {
                CHECK_INT(busclient_get_config(c, "base", &json, &err), 0);
                CHECK_STR(json, "{\"configs\":[]}");
                free(json);
                busclient_free(c);   /* ends the stand-in and its bridge */
        }
        /* every argument as given, the bridge command last and whole */
        snprintf(expected, sizeof(expected),
                 "-xT\n-p\n2222\n-o\nProxyCommand=nc -X 5 %%h:%%p;x,y\n-i\n/root/.ssh/id*key\\2\n--\n"
                 "root@127.0.0.3\n%s\n", bridge);
        got = read_all(log, &size);
        CHECK_STR(got, expected);
        free(got);
        free(a);
        free(err);
        unlink(log);
        unlink(ssh);
        rmdir(bin);
}

/* The bus goes away under a connected client: -ECONNRESET, at once. */
static void test_lost_connection(void) {
        BusClient *c = NULL;
        char *err = NULL, *json = NULL;

        CHECK_INT(busclient_new(address, 1000, &c, &err), 0);
        if (!c)
                return;
        stop(&service_pid);
        stop(&bus_pid);
        CHECK_INT(busclient_get_profile(c, &json, &err), -ECONNRESET);
        CHECK(json == NULL);
        CHECK(err != NULL);
        CHECK_INT(busclient_last_error(c), BUSCLIENT_ERROR_NONE);
        CHECK_INT(busclient_get_config(c, "base", &json, &err), -ECONNRESET);
        free(err);
        busclient_free(c);
}

int main(void) {
        _cleanup_free_ char *profile = NULL;
        char bridge_address[600];
        size_t size;
        int r;

        signal(SIGPIPE, SIG_IGN);
        test_ssh_address();

        profile = read_all(test_data("6.1-cortex-a72.json"), &size);
        CHECK(profile && size > 100000);
        if (!profile)
                return test_summary("test-busclient");
        profile_json = profile;

        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                return 1;
        }
        r = start_bus();
        if (r < 0) {
                fprintf(stderr, "cannot start dbus-daemon: %s\n", strerror(-r));
                stop(&bus_pid);
                if (getenv("KVMREGS_REQUIRE_ALL") && strcmp(getenv("KVMREGS_REQUIRE_ALL"), "1") == 0)
                        return 1;
                return 77;
        }

        test_no_bus();
        test_bad_address();
        test_silent_peers();
        test_no_service();
        r = start_service();
        CHECK_INT(r, 0);
        if (r == 0) {
                test_stopped_service();
                test_independent_timeouts();
                test_service(profile, address);
                /* The same through a real unixexec: transport, as kvmregsctl reaches other hosts
                 * (ssh HOST systemd-stdio-bridge), minus the ssh. */
                if (access("/usr/bin/systemd-stdio-bridge", X_OK) == 0) {
                        char *esc = dbus_address_escape_value(address);
                        snprintf(bridge_address, sizeof(bridge_address),
                                 "unixexec:path=systemd-stdio-bridge,argv1=--bus-path%%3d%s", esc);
                        dbus_free(esc);
                        test_service(profile, bridge_address);
                        test_ssh_stand_in();
                }
                test_lost_connection();
        }

        stop(&service_pid);
        stop(&bus_pid);
        {
                char p[300];
                snprintf(p, sizeof(p), "%s/bus.conf", tmpdir);
                unlink(p);
                unlink(socket_path);
                rmdir(tmpdir);
        }
        return test_summary("test-busclient");
}
