/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-daemon: kvmregsd's start-up time, memory and call rate, on a private bus.
 *
 *   bench-daemon [--kvmregsd PATH] [--profile FILE] [--starts N] [--calls N]
 *
 * Starts a dbus-daemon of its own, then kvmregsd --profile-file FILE N times without the
 * libvirt watcher (--no-libvirt) and N times with it (on a libvirtd socket nobody listens on:
 * libvirt's client library loaded, the watcher retrying), timing fork() to the READY=1
 * datagram on a notify socket it binds itself (as systemd would), and reads the memory of
 * each kind (VmRSS, and smaps_rollup's Private_Clean + Private_Dirty: what this process alone
 * costs). Then times GetProfile, GetConfig, CompareDomain and Properties.GetAll beside
 * Peer.Ping (answered inside sd-bus: the fastest call a service can answer) and the bus's own
 * org.freedesktop.DBus.GetId, with the same client and loop, interleaved in rounds.
 * Targets: READY <= 50 ms, RSS <= 4 MiB, GetProfile >= half the GetId rate.
 * Lines starting with "= " are the summary `make bench` tabulates (bench/bench.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dbus/dbus.h>

#include "util.h"

#include "kvmregs-bus.h"
#define KVMREGS KVMREGS_BUS_NAME
#define KVMREGS_PATH KVMREGS_OBJECT_PATH

static double now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int compare_doubles(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return (x > y) - (x < y);
}

static pid_t spawn(char *const argv[], const char *notify_socket) {
        pid_t pid = fork();

        if (pid == 0) {
                int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
                if (null >= 0)
                        dup2(null, STDERR_FILENO);
                if (notify_socket)
                        setenv("NOTIFY_SOCKET", notify_socket, 1);
                execv(argv[0], argv);
                _exit(127);
        }
        return pid;
}

/* Waits for a datagram holding READY=1; false after 10 s. */
static bool wait_ready(int fd) {
        char buf[4096];
        double end = now_ms() + 10000;

        while (now_ms() < end) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                ssize_t n;

                if (poll(&p, 1, 100) <= 0)
                        continue;
                n = recv(fd, buf, sizeof(buf) - 1, 0);
                if (n <= 0)
                        continue;
                buf[n] = '\0';
                if (strstr(buf, "READY=1"))
                        return true;
        }
        return false;
}

/* A "Key:   123 kB" line of /proc/PID/<file>, in KiB; -1 if none. */
static long proc_kib(pid_t pid, const char *file, const char *key) {
        char path[64], line[256];
        _cleanup_fclose_ FILE *f = NULL;
        size_t len = strlen(key);
        long kib = -1;

        snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, file);
        f = fopen(path, "re");
        while (f && fgets(line, sizeof(line), f))
                if (strncmp(line, key, len) == 0 && line[len] == ':')
                        kib = strtol(line + len + 1, NULL, 10);
        return kib;
}

/* calls/s of one method, each call waiting for its reply; arg, arg2: string arguments or NULL. */
static double call_rate2(DBusConnection *c, const char *dest, const char *path, const char *iface,
                         const char *method, const char *arg, const char *arg2, int calls) {
        double start = now_ms();

        for (int i = 0; i < calls; i++) {
                DBusMessage *m = dbus_message_new_method_call(dest, path, iface, method), *r;
                DBusError e;

                if (arg)
                        dbus_message_append_args(m, DBUS_TYPE_STRING, &arg, DBUS_TYPE_INVALID);
                if (arg2)
                        dbus_message_append_args(m, DBUS_TYPE_STRING, &arg2, DBUS_TYPE_INVALID);
                dbus_error_init(&e);
                r = dbus_connection_send_with_reply_and_block(c, m, 10000, &e);
                dbus_message_unref(m);
                if (!r) {
                        fprintf(stderr, "bench-daemon: %s failed: %s\n", method, e.message);
                        dbus_error_free(&e);
                        return 0;
                }
                dbus_message_unref(r);
        }
        return calls / ((now_ms() - start) / 1e3);
}

static double call_rate(DBusConnection *c, const char *dest, const char *path, const char *iface,
                        const char *method, const char *arg, int calls) {
        return call_rate2(c, dest, path, iface, method, arg, NULL, calls);
}

/* One string answer of a kvmregsd method with up to one string argument; NULL on failure. */
static char *call_string(DBusConnection *c, const char *method, const char *arg) {
        DBusMessage *m = dbus_message_new_method_call(KVMREGS, KVMREGS_PATH, KVMREGS, method), *r;
        const char *s;
        char *ret = NULL;
        DBusError e;

        dbus_error_init(&e);
        if (arg)
                dbus_message_append_args(m, DBUS_TYPE_STRING, &arg, DBUS_TYPE_INVALID);
        r = dbus_connection_send_with_reply_and_block(c, m, 10000, &e);
        dbus_message_unref(m);
        if (r && dbus_message_get_args(r, &e, DBUS_TYPE_STRING, &s, DBUS_TYPE_INVALID))
                ret = strdup(s);
        else
                fprintf(stderr, "bench-daemon: %s: %s\n", method, e.message);
        dbus_error_free(&e);
        if (r)
                dbus_message_unref(r);
        return ret;
}

/* What one kvmregsd instance costs in memory, in KiB. */
typedef struct Memory {
        long rss, hwm, anon, file, pss, private_kib;
} Memory;

static Memory memory_of(pid_t pid) {
        long clean = proc_kib(pid, "smaps_rollup", "Private_Clean"), dirty = proc_kib(pid, "smaps_rollup", "Private_Dirty");

        return (Memory) {
                .rss = proc_kib(pid, "status", "VmRSS"), .hwm = proc_kib(pid, "status", "VmHWM"),
                .anon = proc_kib(pid, "status", "RssAnon"), .file = proc_kib(pid, "status", "RssFile"),
                .pss = proc_kib(pid, "smaps_rollup", "Pss"),
                .private_kib = clean < 0 || dirty < 0 ? -1 : clean + dirty,
        };
}

/* The number of distinct shared objects a process maps. */
static int shared_objects(pid_t pid) {
        char path[64], line[512], seen[128][128];
        _cleanup_fclose_ FILE *f = NULL;
        int n = 0;

        snprintf(path, sizeof(path), "/proc/%d/maps", (int) pid);
        f = fopen(path, "re");
        while (f && fgets(line, sizeof(line), f)) {
                char *so = strstr(line, ".so"), *name = strrchr(line, '/');
                bool dup = false;

                if (!so || !name || n >= (int) ELEMENTSOF(seen))
                        continue;
                name[strcspn(name, "\n")] = '\0';
                for (int i = 0; i < n && !dup; i++)
                        dup = strcmp(seen[i], name) == 0;
                if (!dup)
                        snprintf(seen[n++], sizeof(seen[0]), "%s", name);
        }
        return n;
}

static double percentile(const double *sorted, int n, int pct) {
        return sorted[(n * pct) / 100 >= n ? n - 1 : (n * pct) / 100];
}

int main(int argc, char **argv) {
        const char *kvmregsd = ABS_TOP_BUILDDIR "/kvmregsd";
        const char *profile = ABS_TOP_SRCDIR "/tests/data/6.1-cortex-a72.json";
        const char *domain = ABS_TOP_SRCDIR "/tests/data/domains/a57-custom.xml", *config = "pmu";
        int starts = 20, calls = 4000, c;
        static const struct option options[] = {
                { "kvmregsd", required_argument, NULL, 'k' },
                { "profile", required_argument, NULL, 'p' },
                { "starts", required_argument, NULL, 's' },
                { "calls", required_argument, NULL, 'c' },
                {}
        };
        char dir[] = "/tmp/bench-daemon.XXXXXX", conf[256], sock[256], address[300], notify[256];
        double ready[256], ready_watch[256], get_profile = 0, get_id = 0, get_digest = 0, ping_payload = 0, ping = 0;
        double get_config = 0, compare_domain = 0;
        _cleanup_free_ char *payload = NULL, *record = NULL, *xml = NULL, *libvirt_uri = NULL;
        Memory mem_watch = { -1, -1, -1, -1, -1, -1 };
        int objects_watch = -1, objects = -1;
        pid_t bus_pid, daemon_pid = 0;
        _cleanup_close_ int notify_fd = -1;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        DBusConnection *conn;
        DBusError error;
        FILE *f;
        int status = 0;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'k': kvmregsd = optarg; break;
                case 'p': profile = optarg; break;
                case 's': starts = atoi(optarg); break;
                case 'c': calls = atoi(optarg); break;
                default: return 2;
                }
        if (starts < 1 || starts > (int) ELEMENTSOF(ready) || calls < 10) {
                fprintf(stderr, "bench-daemon: --starts 1..256, --calls >= 10\n");
                return 2;
        }
        if (!mkdtemp(dir))
                return 1;
        snprintf(conf, sizeof(conf), "%s/bus.conf", dir);
        snprintf(sock, sizeof(sock), "%s/bus.sock", dir);
        snprintf(address, sizeof(address), "unix:path=%s", sock);
        snprintf(notify, sizeof(notify), "%s/notify.sock", dir);

        f = fopen(conf, "we");
        if (!f)
                return 1;
        fprintf(f, "<busconfig><type>custom</type><listen>%s</listen><auth>EXTERNAL</auth>"
                   "<policy context=\"default\"><allow user=\"*\"/><allow own=\"*\"/>"
                   "<allow send_type=\"method_call\"/><allow send_requested_reply=\"true\"/>"
                   "<allow receive_type=\"method_call\"/><allow receive_requested_reply=\"true\"/>"
                   "<allow send_type=\"signal\"/><allow receive_type=\"signal\"/></policy></busconfig>\n",
                address);
        fclose(f);
        {
                char config_arg[300];
                snprintf(config_arg, sizeof(config_arg), "--config-file=%s", conf);
                char *bus_argv[] = { (char *) "/usr/bin/dbus-daemon", config_arg, (char *) "--nofork", NULL };
                bus_pid = spawn(bus_argv, NULL);
        }
        for (int i = 0; i < 200 && access(sock, F_OK) < 0; i++)
                usleep(10000);

        strcpy(sa.sun_path, notify);
        notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (notify_fd < 0 || bind(notify_fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                perror("bench-daemon: notify socket");
                status = 1;
                goto out;
        }

        /* Without the watcher and with it, alternately; the last one (without) stays for the calls.
         * With it: a libvirtd socket nobody listens on (libvirt loaded, the watcher retrying). */
        if (asprintf(&libvirt_uri, "--libvirt-uri=qemu+unix:///system?socket=%s/no-libvirtd.sock", dir) < 0)
                return 1;
        for (int i = 0; i < 2 * starts; i++) {
                bool watcher = i % 2 == 0;
                char *daemon_argv[] = { (char *) kvmregsd, (char *) "--bus-address", address,
                                        watcher ? libvirt_uri : (char *) "--no-libvirt",
                                        (char *) "--profile-file", (char *) profile, NULL };
                double t0 = now_ms();

                daemon_pid = spawn(daemon_argv, notify);
                if (!wait_ready(notify_fd)) {
                        fprintf(stderr, "bench-daemon: kvmregsd did not send READY=1\n");
                        status = 1;
                        goto out;
                }
                (watcher ? ready_watch : ready)[i / 2] = now_ms() - t0;
                if (watcher && i + 2 == 2 * starts) {
                        usleep(200000);     /* the watcher's first connection attempt */
                        mem_watch = memory_of(daemon_pid);
                        objects_watch = shared_objects(daemon_pid);
                }
                if (i + 1 < 2 * starts) {
                        kill(daemon_pid, SIGTERM);
                        waitpid(daemon_pid, NULL, 0);
                        daemon_pid = 0;
                        /* drain STOPPING=1 */
                        char drained[4096];
                        while (recv(notify_fd, drained, sizeof(drained), MSG_DONTWAIT) > 0)
                                ;
                }
        }
        objects = shared_objects(daemon_pid);
        qsort(ready, starts, sizeof(double), compare_doubles);
        qsort(ready_watch, starts, sizeof(double), compare_doubles);

        dbus_error_init(&error);
        conn = dbus_connection_open_private(address, &error);
        if (!conn || !dbus_bus_register(conn, &error)) {
                fprintf(stderr, "bench-daemon: %s\n", error.message);
                status = 1;
                goto out;
        }
        /* The profile's size, for a call that moves as many bytes through the bus without
         * any kvmregsd code: Peer.Ping (answered by sd-bus itself) carrying it as an argument. */
        {
                DBusMessage *m = dbus_message_new_method_call(KVMREGS, KVMREGS_PATH, KVMREGS, "GetProfile"), *r;
                const char *json;

                r = dbus_connection_send_with_reply_and_block(conn, m, 10000, &error);
                dbus_message_unref(m);
                if (!r || !dbus_message_get_args(r, &error, DBUS_TYPE_STRING, &json, DBUS_TYPE_INVALID)) {
                        fprintf(stderr, "bench-daemon: GetProfile: %s\n", error.message);
                        status = 1;
                        goto out;
                }
                payload = strdup(json);
                dbus_message_unref(r);
        }
        /* CompareDomain's arguments as the hook sends them: a guest record (GetConfig's answer)
         * and a domain XML whose CPU the daemon works out */
        {
                _cleanup_fclose_ FILE *x = fopen(domain, "re");
                size_t size = 0;
                FILE *out;
                int ch;

                record = call_string(conn, "GetConfig", config);
                if (x && (out = open_memstream(&xml, &size))) {
                        while ((ch = fgetc(x)) != EOF)
                                fputc(ch, out);
                        fclose(out);
                }
                if (!record || !xml) {
                        fprintf(stderr, "bench-daemon: no record (GetConfig %s) or no %s\n", config, domain);
                        status = 1;
                        goto out;
                }
        }
        /* Interleaved rounds so that no method gets a quieter machine. */
        for (int round = 0; round < 4; round++) {
                get_profile += call_rate(conn, KVMREGS, KVMREGS_PATH, KVMREGS, "GetProfile", NULL, calls / 4) / 4;
                get_id += call_rate(conn, DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS, "GetId", NULL,
                                    calls / 4) / 4;
                get_digest += call_rate(conn, KVMREGS, KVMREGS_PATH, DBUS_INTERFACE_PROPERTIES, "GetAll", "",
                                        calls / 4) / 4;
                ping_payload += call_rate(conn, KVMREGS, KVMREGS_PATH, DBUS_INTERFACE_PEER, "Ping", payload,
                                          calls / 4) / 4;
                ping += call_rate(conn, KVMREGS, KVMREGS_PATH, DBUS_INTERFACE_PEER, "Ping", NULL, calls / 4) / 4;
                get_config += call_rate(conn, KVMREGS, KVMREGS_PATH, KVMREGS, "GetConfig", config, calls / 4) / 4;
                compare_domain += call_rate2(conn, KVMREGS, KVMREGS_PATH, KVMREGS, "CompareDomain", record, xml,
                                             calls / 16) / 4;
        }
        dbus_connection_close(conn);
        dbus_connection_unref(conn);

        {
                Memory mem = memory_of(daemon_pid);
                long rss = mem.rss, hwm = mem.hwm, anon = mem.anon, file = mem.file, pss = mem.pss;
                bool ok_ready = ready[starts / 2] <= 50, ok_rss = hwm >= 0 && hwm <= 4096,
                     ok_rate = get_profile >= get_id / 2;
                int total_calls = 4 * (calls / 4) * 7 + 4 * (calls / 16);

                printf("profile: %s\n", profile);
                printf("start to READY=1 (%d starts): min %.1f ms, median %.1f ms, max %.1f ms  [target <= 50 ms: %s]\n",
                       starts, ready[0], ready[starts / 2], ready[starts - 1], ok_ready ? "met" : "MISSED");
                printf("  with the libvirt watcher (libvirt's client library loaded first): min %.1f ms, median %.1f ms, "
                       "max %.1f ms\n", ready_watch[0], ready_watch[starts / 2], ready_watch[starts - 1]);
                printf("memory after %d calls: VmRSS %ld KiB, VmHWM %ld KiB  [target <= 4096 KiB: %s]\n", total_calls, rss,
                       hwm, ok_rss ? "met" : "MISSED");
                printf("  of which RssAnon %ld KiB (kvmregsd's own), RssFile %ld KiB (shared libraries); Pss %ld KiB; "
                       "private (smaps_rollup Private_Clean + Private_Dirty) %ld KiB; %d shared objects\n",
                       anon, file, pss, mem.private_kib, objects);
                printf("  with the libvirt watcher, idle: VmRSS %ld KiB, RssAnon %ld KiB, RssFile %ld KiB, Pss %ld KiB, "
                       "private %ld KiB; %d shared objects\n", mem_watch.rss, mem_watch.anon, mem_watch.file,
                       mem_watch.pss, mem_watch.private_kib, objects_watch);
                printf("GetProfile (%zu bytes): %.0f calls/s; org.freedesktop.DBus.GetId: %.0f calls/s; ratio %.2f  [target >= 0.50: %s]\n",
                       strlen(payload), get_profile, get_id, get_id > 0 ? get_profile / get_id : 0,
                       ok_rate ? "met" : "MISSED");
                printf("  Properties.GetAll: %.0f calls/s (ratio %.2f to GetId); Peer.Ping carrying the profile's bytes: "
                       "%.0f calls/s (GetProfile / that: %.2f)\n",
                       get_digest, get_id > 0 ? get_digest / get_id : 0, ping_payload,
                       ping_payload > 0 ? get_profile / ping_payload : 0);
                /* A call to any service crosses the bus twice, GetId once: this is the ceiling. */
                printf("  Peer.Ping, empty (the fastest call any service on this bus can answer): %.0f calls/s "
                       "(ratio %.2f to GetId)\n", ping, get_id > 0 ? ping / get_id : 0);
                printf("  GetConfig %s (%zu bytes): %.0f calls/s (ratio %.2f to Peer.Ping); CompareDomain (record %zu bytes, "
                       "domain XML %zu bytes): %.0f calls/s (ratio %.2f to Peer.Ping)\n", config, strlen(record),
                       get_config, ping > 0 ? get_config / ping : 0, strlen(record), strlen(xml), compare_domain,
                       ping > 0 ? compare_domain / ping : 0);

                /* the summary: figure | measured | anchor */
                printf("= kvmregsd start to READY=1, --no-libvirt | median %.1f ms, p99 %.1f ms (n=%d) | target <= 50 ms: %s\n",
                       ready[starts / 2], percentile(ready, starts, 99), starts, ok_ready ? "met" : "MISSED");
                printf("= kvmregsd start to READY=1, libvirt watcher | median %.1f ms, p99 %.1f ms (n=%d) | "
                       "%.1f ms more than --no-libvirt (loading libvirt's client library)\n",
                       ready_watch[starts / 2], percentile(ready_watch, starts, 99), starts,
                       ready_watch[starts / 2] - ready[starts / 2]);
                printf("= kvmregsd memory, --no-libvirt, after %d calls | VmRSS %ld KiB, private %ld KiB | "
                       "target RSS <= 4096 KiB: %s; %d shared objects\n", total_calls, rss, mem.private_kib,
                       ok_rss ? "met" : "MISSED", objects);
                printf("= kvmregsd memory, libvirt watcher, idle | VmRSS %ld KiB, private %ld KiB | "
                       "libvirt's client library adds %ld KiB RSS, %ld KiB private; %d shared objects\n",
                       mem_watch.rss, mem_watch.private_kib, mem_watch.rss - rss, mem_watch.private_kib - mem.private_kib,
                       objects_watch);
                printf("= Peer.Ping to kvmregsd (answered inside sd-bus) | %.0f calls/s | org.freedesktop.DBus.GetId "
                       "%.0f calls/s (ratio %.2f)\n", ping, get_id, get_id > 0 ? ping / get_id : 0);
                printf("= GetConfig %s | %.0f calls/s | %.2f of Peer.Ping\n", config, get_config,
                       ping > 0 ? get_config / ping : 0);
                printf("= CompareDomain (the hook's call) | %.0f calls/s | %.2f of Peer.Ping\n", compare_domain,
                       ping > 0 ? compare_domain / ping : 0);
                printf("= GetProfile (%zu bytes) | %.0f calls/s | %.2f of GetId (target >= 0.50: %s); %.2f of a Ping "
                       "carrying as many bytes\n", strlen(payload), get_profile, get_id > 0 ? get_profile / get_id : 0,
                       ok_rate ? "met" : "MISSED", ping_payload > 0 ? get_profile / ping_payload : 0);
        }
out:
        if (daemon_pid > 0) {
                kill(daemon_pid, SIGTERM);
                waitpid(daemon_pid, NULL, 0);
        }
        kill(bus_pid, SIGTERM);
        waitpid(bus_pid, NULL, 0);
        unlink(notify);
        unlink(conf);
        unlink(sock);
        rmdir(dir);
        return status;
}
