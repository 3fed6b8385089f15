/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * probe_host(): on a host without arm64 KVM, the documented errno and reason and
 * nothing else; on arm64 (run-vm-tests.sh runs this inside every test kernel too),
 * the error paths, and a real probe whose document the parser takes back unchanged.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"
#include "util.h"
#include "testutil.h"

#define REASON_PREFIX "no arm64 KVM here: "

/* The errno, and the reason: the prefix, then says (if not NULL) somewhere. */
static void test_refusal(const char *path, int expected, const char *says) {
        Profile *profile = NULL;
        _cleanup_free_ char *reason = NULL;
        int r = probe_host(path, &profile, &reason);

        CHECK_INT(r, -expected);
        CHECK(profile == NULL);
        CHECK(reason && strncmp(reason, REASON_PREFIX, strlen(REASON_PREFIX)) == 0);
        if (says && !(reason && strstr(reason, says))) {
                fprintf(stderr, "test-probe: %s: reason \"%s\" lacks \"%s\"\n", path, reason ? reason : "(none)", says);
                test_failures++;
        }
        /* Without a place for the reason the errno is the same. */
        CHECK_INT(probe_host(path, &profile, NULL), -expected);
        CHECK(profile == NULL);
}

#ifdef __aarch64__
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run as root with a /dev/kvm that only root may open (devtmpfs's 0600): an unprivileged
 * child gets -EACCES and the reason. Returns false when the setup does not allow the test. */
static bool test_no_permission(void) {
        struct stat st;
        pid_t pid;
        int status;

        if (getuid() != 0 || stat("/dev/kvm", &st) < 0 || (st.st_mode & 0006))
                return false;
        pid = fork();
        if (pid < 0)
                return false;
        if (pid == 0) {
                if (setgid(65534) < 0 || setuid(65534) < 0)
                        _exit(2);
                test_refusal("/dev/kvm", EACCES, "no permission to open /dev/kvm");
                _exit(test_failures ? 1 : 0);
        }
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        return true;
}

static int open_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        int n = 0;

        if (!d)
                return -1;
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

static bool sorted_unique(const uint64_t *ids, size_t n) {
        for (size_t i = 1; i < n; i++)
                if (ids[i - 1] >= ids[i])
                        return false;
        return true;
}

static void test_real(void) {
        _cleanup_(profile_freep) Profile *profile = NULL, *parsed = NULL;
        _cleanup_free_ char *reason = NULL, *json = NULL;
        ProfileError e = {};
        int fds = open_fds();
        int r = probe_host("/dev/kvm", &profile, &reason);

        CHECK_INT(r, 0);
        /* Every VM, vCPU and device fd the probe made is closed again. */
        CHECK(fds > 0);
        CHECK_INT(open_fds(), fds);
        if (r < 0) {
                fprintf(stderr, "probe_host: %s\n", reason ? reason : "?");
                return;
        }
        CHECK(reason == NULL);
        CHECK_INT(profile->api_version, 12);
        CHECK_INT(profile->n_configs, 12);
        CHECK_STR(profile->configs[0].name, "base");
        CHECK_STR(profile->configs[6].name, "all");
        CHECK_STR(profile->configs[11].name, "pmu_el1_32bit");
        CHECK(profile->configs[0].skipped == NULL);
        CHECK(profile->has_midr);
        CHECK_INT(profile_get_cap(profile, "KVM_CAP_ONE_REG", -1), 1);
        for (size_t i = 0; i < profile->n_configs; i++) {
                const VcpuConfig *c = &profile->configs[i];
                uint64_t v;

                if (c->skipped)
                        continue;
                CHECK(c->n_reg_list > c->n_cpregs && c->n_cpregs > 100);
                CHECK(sorted_unique(c->cpregs, c->n_cpregs));
                for (size_t k = 0; k < c->n_cpregs; k++)
                        CHECK(vcpu_config_get_value(c, c->cpregs[k], &v));
                CHECK(vcpu_config_get_value(c, profile->configs[0].id_regs[0].id, &v));
                CHECK(c->n_fw_regs >= 4);
                CHECK(c->has_sve_vls == vcpu_config_has_feature(c, "sve"));
        }
        /* What the daemon publishes must be what the parser reads back. */
        json = profile_to_json(profile, false);
        CHECK(json != NULL);
        if (!json)
                return;
        r = profile_parse(json, strlen(json), &parsed, &e);
        CHECK_INT(r, 0);
        if (r < 0) {
                fprintf(stderr, "profile_parse: %s: %s\n", e.path, e.message);
                return;
        }
        CHECK_STR(parsed->digest, profile->digest);
        CHECK_INT(parsed->n_configs, profile->n_configs);
}
#endif

int main(void) {
        /* The device's own faults read the same on every architecture. */
        test_refusal("/nonexistent/kvm", ENODEV, "/nonexistent/kvm does not exist");
        /* not KVM: KVM_GET_API_VERSION fails (ENOTTY) */
        test_refusal("/dev/null", EOPNOTSUPP, "/dev/null is not a KVM device: KVM_GET_API_VERSION failed: ");
#ifdef __aarch64__
        if (!test_no_permission())
                printf("test-probe: -EACCES not tested (not root, or /dev/kvm open to all)\n");
        test_real();
#else
        /* a good KVM device of this architecture's: still no arm64 KVM */
        if (access("/dev/kvm", R_OK | W_OK) == 0)
                test_refusal("/dev/kvm", EOPNOTSUPP, ", not arm64");
        else
                printf("test-probe: this architecture's /dev/kvm not tested (none, or not ours to open)\n");
#endif
        return test_summary("test-probe");
}
