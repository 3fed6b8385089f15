/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvmregsctl collect at fleet scale: 1,000 hosts whose "ssh" (a fake one first in PATH) sleeps
 * 0.3 s, as a login over a network would, then bridges to one private dbus-daemon with the real
 * kvmregsd serving tests/data/6.1-cortex-a72.json. Times collect --parallel 32 and 64 (target:
 * under 30 s each) and checks every host was recorded. Figures, printed; not a test.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define N_HOSTS 1000
#define SSH_DELAY "0.3"

static char dir[] = "/tmp/bench-collect.XXXXXX";
static pid_t bus_pid = -1, daemon_pid = -1;

static double now_s(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static pid_t spawn(char *const argv[], const char *out) {
        pid_t pid;

        fflush(stdout);        /* else the child's freopen() prints what is buffered again */
        pid = fork();

        if (pid == 0) {
                if (out) {
                        FILE *f = freopen(out, "w", stdout);
                        if (!f)
                                _exit(127);
                }
                if (!freopen("/dev/null", "w", stderr))
                        _exit(127);
                execvp(argv[0], argv);
                _exit(127);
        }
        return pid;
}

static int wait_exit(pid_t pid) {
        int status;

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void stop(pid_t pid) {
        if (pid <= 0)
                return;
        kill(pid, SIGTERM);
        for (int i = 0; i < 100; i++) {
                if (waitpid(pid, NULL, WNOHANG) == pid)
                        return;
                usleep(50000);
        }
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
}

static void cleanup(void) {
        char cmd[256];

        stop(daemon_pid);
        stop(bus_pid);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
                fprintf(stderr, "bench-collect: could not remove %s\n", dir);
}

static int write_file(const char *path, const char *text, mode_t mode) {
        FILE *f = fopen(path, "w");

        if (!f)
                return -1;
        fputs(text, f);
        if (fclose(f) != 0)
                return -1;
        return chmod(path, mode);
}

int main(void) {
        const char *srcdir = getenv("top_srcdir"), *builddir = getenv("top_builddir"), *path = getenv("PATH");
        char ctl[1024], kvmregsd[1024], profile[1024], address[256], buf[4096], hosts[256], newpath[8192];
        const unsigned parallel[] = { 32, 64 };
        FILE *f;
        int ready = 0;

        if (!srcdir)
                srcdir = ".";
        if (!builddir)
                builddir = ".";
        snprintf(ctl, sizeof(ctl), "%s/kvmregsctl", builddir);
        snprintf(kvmregsd, sizeof(kvmregsd), "%s/kvmregsd", builddir);
        snprintf(profile, sizeof(profile), "%s/tests/data/6.1-cortex-a72.json", srcdir);
        if (access(ctl, X_OK) < 0 || access(kvmregsd, X_OK) < 0 || access("/usr/bin/dbus-daemon", X_OK) < 0) {
                printf("bench-collect: skipped (needs kvmregsctl, kvmregsd, dbus-daemon)\n");
                return 0;
        }
        if (!mkdtemp(dir)) {
                perror("mkdtemp");
                return 1;
        }
        atexit(cleanup);

        /* the bus: generous connection limits (64 bridges authenticate at once) */
        snprintf(address, sizeof(address), "unix:path=%s/bus", dir);
        snprintf(buf, sizeof(buf),
                 "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
                 " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                 "<busconfig><type>session</type><listen>%s</listen><auth>EXTERNAL</auth>\n"
                 "<limit name=\"max_incomplete_connections\">4096</limit>\n"
                 "<limit name=\"max_completed_connections\">4096</limit>\n"
                 "<limit name=\"max_connections_per_user\">4096</limit>\n"
                 "<policy context=\"default\"><allow user=\"*\"/><allow own=\"*\"/><allow send_destination=\"*\"/>\n"
                 "<allow receive_sender=\"*\"/></policy></busconfig>\n", address);
        {
                char conf[256], arg[300];

                snprintf(conf, sizeof(conf), "%s/bus.conf", dir);
                if (write_file(conf, buf, 0644) < 0)
                        return 1;
                snprintf(arg, sizeof(arg), "--config-file=%s", conf);
                char *argv[] = { (char *) "/usr/bin/dbus-daemon", arg, (char *) "--nofork", (char *) "--nopidfile", NULL };
                bus_pid = spawn(argv, NULL);
        }
        {
                char *argv[] = { kvmregsd, (char *) "--bus-address", address, (char *) "--profile-file", profile,
                                 (char *) "--no-libvirt", NULL };
                char sock[256];
                struct stat st;

                snprintf(sock, sizeof(sock), "%s/bus", dir);
                for (int i = 0; i < 200 && stat(sock, &st) < 0; i++)
                        usleep(25000);
                daemon_pid = spawn(argv, NULL);
        }
        for (int i = 0; i < 100 && !ready; i++) {
                char *argv[] = { ctl, (char *) "--bus-address", address, (char *) "--timeout", (char *) "500",
                                 (char *) "status", NULL };
                ready = wait_exit(spawn(argv, "/dev/null")) == 0;
                if (!ready)
                        usleep(100000);
        }
        if (!ready) {
                printf("bench-collect: skipped (kvmregsd did not come up on a private bus)\n");
                return 0;
        }

        /* the fake ssh: a login's delay, then the bridge */
        snprintf(buf, sizeof(buf), "%s/bin", dir);
        mkdir(buf, 0755);
        snprintf(newpath, sizeof(newpath), "%s/bin/ssh", dir);
        snprintf(buf, sizeof(buf), "#!/bin/sh\nsleep " SSH_DELAY "\nexec systemd-stdio-bridge -p %s\n", address);
        if (write_file(newpath, buf, 0755) < 0)
                return 1;
        snprintf(newpath, sizeof(newpath), "%s/bin:%s", dir, path ? path : "/usr/bin:/bin");
        setenv("PATH", newpath, 1);

        snprintf(hosts, sizeof(hosts), "%s/hosts", dir);
        f = fopen(hosts, "w");
        if (!f)
                return 1;
        for (int i = 1; i <= N_HOSTS; i++)
                fprintf(f, "host%04d\n", i);
        if (fclose(f) != 0)
                return 1;

        for (size_t k = 0; k < sizeof(parallel) / sizeof(parallel[0]); k++) {
                char out[256], p[16], count[512];
                double t0, t;
                int rc;
                long n = -1;

                snprintf(out, sizeof(out), "%s/store-%u", dir, parallel[k]);
                snprintf(p, sizeof(p), "%u", parallel[k]);
                char *argv[] = { ctl, (char *) "collect", (char *) "--hosts-file", hosts, (char *) "-o", out,
                                 (char *) "--parallel", p, NULL };
                t0 = now_s();
                rc = wait_exit(spawn(argv, "/dev/null"));
                t = now_s() - t0;
                /* hosts recorded: one "file" key per entry of index.json's "hosts" */
                snprintf(count, sizeof(count), "grep -c '\"file\":' '%s/index.json'", out);
                f = popen(count, "r");
                if (f) {
                        if (fscanf(f, "%ld", &n) != 1)
                                n = -1;
                        pclose(f);
                }
                printf("collect: %d hosts, ssh %s s each, --parallel %-2u  %6.1f s  (%.0f hosts/s; target < 30 s: %s)"
                       "  exit %d, %ld recorded\n",
                       N_HOSTS, SSH_DELAY, parallel[k], t, N_HOSTS / t, t < 30 ? "met" : "MISSED", rc, n);
                printf("= collect, %d hosts (ssh %s s each), --parallel %u | %.1f s (%.0f hosts/s), %ld recorded | "
                       "target < 30 s: %s; ideal %.1f s (hosts x login / parallel)\n", N_HOSTS, SSH_DELAY, parallel[k],
                       t, N_HOSTS / t, n, t < 30 ? "met" : "MISSED", N_HOSTS * strtod(SSH_DELAY, NULL) / parallel[k]);
        }
        return 0;
}
