/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Asking a QEMU binary about itself, and what its answers mean for its migration load. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qemu-run.h"
#include "qemu.h"
#include "util.h"

bool qemu_emulator_is_trustworthy(const char *path) {
        struct stat st;

        /* We may run it as root: only what root installed, like libvirt's own binaries. */
        return path && path[0] == '/' && stat(path, &st) >= 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) &&
               !(st.st_mode & (S_IWGRP | S_IWOTH)) && (st.st_uid == 0 || st.st_uid == geteuid());
}

int qemu_run(const char *emulator, const char *const *args, int timeout_ms, char **ret_output, int *ret_exit,
             char **ret_error) {
        char *const envp[] = { (char *) "LC_ALL=C", (char *) "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
        _cleanup_free_ char *out = NULL;
        const char *argv[16];
        posix_spawn_file_actions_t actions;
        int pipefd[2], status = 0, r;
        int64_t deadline = monotonic_ms() + timeout_ms;
        size_t n = 0;
        pid_t pid;

        if (!emulator || !args || !ret_output || !ret_exit || timeout_ms <= 0)
                return -EINVAL;
        argv[n++] = emulator;
        for (size_t i = 0; args[i]; i++) {
                if (n + 1 >= ELEMENTSOF(argv))
                        return -E2BIG;
                argv[n++] = args[i];
        }
        argv[n] = NULL;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDERR_FILENO);
        r = posix_spawn(&pid, emulator, &actions, NULL, (char *const *) argv, envp);
        posix_spawn_file_actions_destroy(&actions);
        close(pipefd[1]);
        if (r != 0) {
                close(pipefd[0]);
                if (ret_error)
                        *ret_error = strdup_printf("cannot run %s: %s", emulator, strerror(r));
                return -r;
        }

        r = read_fd_bounded_until(pipefd[0], QEMU_RUN_MAX_OUTPUT, deadline, &out, NULL);
        close(pipefd[0]);
        if (r < 0)
                kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (r < 0) {
                if (ret_error)
                        *ret_error = r == -ETIMEDOUT ? strdup_printf("%s %s did not finish within %d ms", emulator,
                                                                     args[0] ? args[0] : "", timeout_ms)
                                     : r == -E2BIG ? strdup_printf("%s %s printed more than %u bytes", emulator,
                                                                   args[0] ? args[0] : "", QEMU_RUN_MAX_OUTPUT)
                                                   : strdup_printf("cannot read from %s: %s", emulator, strerror(-r));
                return r;
        }
        *ret_exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        *ret_output = TAKE_PTR(out);
        return 0;
}

int qemu_detect_host(const char *emulator, int timeout_ms, ProfileQemu *ret, char **ret_error) {
        static const char *const version_args[] = { "--version", NULL };
        static const char *const trace_args[] = { "-trace", "help", NULL };
        _cleanup_free_ char *version_out = NULL, *trace_out = NULL, *version = NULL, *package = NULL, *path = NULL;
        QemuLoad load;
        QemuDetected detected;
        int r, status;

        if (!emulator || !ret)
                return -EINVAL;
        if (!qemu_emulator_is_trustworthy(emulator)) {
                if (ret_error)
                        *ret_error = strdup_printf("%s is not a root-owned executable that only root can change: "
                                                   "not run", emulator);
                return -EPERM;
        }
        r = qemu_run(emulator, version_args, timeout_ms, &version_out, &status, ret_error);
        if (r < 0)
                return r;
        if (status != 0 || qemu_version_from_output(version_out, &version, &package) < 0) {
                version = NULL;
                package = NULL;
        }
        r = qemu_run(emulator, trace_args, timeout_ms, &trace_out, &status, ret_error);
        if (r < 0)
                return r;
        r = qemu_detect_load(version, status == 0 ? trace_out : NULL, &load, &detected);
        if (r < 0) {
                if (ret_error)
                        *ret_error = strdup_printf("%s names neither a QEMU version (--version) nor the trace events of "
                                                   "an arm64 KVM QEMU (-trace help)", emulator);
                return r;
        }
        path = strdup(emulator);
        if (!path)
                return -ENOMEM;
        *ret = (ProfileQemu) {
                .emulator = TAKE_PTR(path),
                .version = TAKE_PTR(version),
                .package = TAKE_PTR(package),
                .has_load = true,
                .load = load,
                .detected = detected,
                .origin = QEMU_ORIGIN_PROFILE,
        };
        return 0;
}
