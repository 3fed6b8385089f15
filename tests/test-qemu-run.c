/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which emulators kvmregsd runs and what it remembers of them (lib/qemu-run.c): the path
 * check (qemu_emulator_check()) on real files and directories, the detection cache, and the
 * incoming domain's own QEMU in CompareDomain's report (qemu_domain_qemu(),
 * profile_compare_domain_with()). The emulator is a script replaying what Debian sid's
 * qemu-system-aarch64 11.1.3 prints (tests/data/qemu, recorded from the real binary; 11.1
 * cannot run here), appending a line to a marker file on each run.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain.h"
#include "qemu-run.h"
#include "record.h"
#include "rules.h"
#include "profile-load.h"
#include "testutil.h"
#include "util.h"

static char dir[PATH_MAX];

static char *at(const char *name) {
        return strdup_printf("%s/%s", dir, name);
}

static void write_text(const char *path, const char *text, mode_t mode) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        CHECK(fd >= 0);
        if (fd >= 0)
                CHECK((size_t) write(fd, text, strlen(text)) == strlen(text));
        CHECK(chmod(path, mode) == 0);
}

/* The replaying emulator at DIR/name (mode 0755) and its marker DIR/name.ran. */
static char *make_emulator(const char *name) {
        _cleanup_free_ char *script = NULL;
        char *path = at(name);

        script = strdup_printf("#!/bin/sh\necho \"$*\" >> '%s.ran'\ncase \"$1\" in\n--version) cat '%s/version.txt' ;;\n"
                               "-trace) cat '%s/trace.txt' ;;\n*) exit 1 ;;\nesac\n", path, dir, dir);
        write_text(path, script, 0755);
        return path;
}

/* The lines in path's marker: how often it ran. */
static int runs(const char *path) {
        _cleanup_free_ char *marker = strdup_printf("%s.ran", path), *text = NULL;
        int n = 0;

        if (read_file_bounded(marker, 1 << 16, &text, NULL) < 0)
                return 0;
        for (const char *p = text; *p; p++)
                n += *p == '\n';
        return n;
}

static int check_why(const char *path, char **ret_why) {
        free(*ret_why);
        *ret_why = NULL;
        return qemu_emulator_check(path, NULL, ret_why);
}

static void test_check(const char *emu) {
        _cleanup_free_ char *why = NULL, *gw = NULL, *sub = NULL, *subemu = NULL, *link = NULL, *noexec = NULL,
                            *longname = NULL, *dotdot = NULL, *missing = NULL;
        struct stat st, real;

        CHECK_INT(qemu_emulator_check(emu, &st, &why), 0);
        CHECK(stat(emu, &real) == 0 && st.st_ino == real.st_ino && st.st_dev == real.st_dev);
        CHECK(qemu_emulator_is_trustworthy(emu));

        /* not a path we take: never looked at */
        CHECK_INT(check_why("qemu-system-aarch64", &why), -EINVAL);
        CHECK_STR(why, "it is not an absolute, normalised path");
        dotdot = strdup_printf("%s/../%s", dir, strrchr(dir, '/') + 1);
        CHECK_INT(check_why(dotdot, &why), -EINVAL);
        CHECK_INT(check_why("/usr//bin/sh", &why), -EINVAL);
        CHECK_INT(check_why("/usr/./bin/sh", &why), -EINVAL);
        CHECK_INT(check_why("/usr/bin/", &why), -EINVAL);
        CHECK_INT(check_why("/", &why), -EINVAL);
        CHECK_INT(check_why("", &why), -EINVAL);
        CHECK_INT(qemu_emulator_check(NULL, NULL, NULL), -EINVAL);
        longname = malloc(PATH_MAX + 2);
        if (longname) {
                memset(longname, 'a', PATH_MAX + 1);
                longname[0] = '/';
                longname[PATH_MAX + 1] = '\0';
                CHECK_INT(check_why(longname, &why), -EINVAL);
                longname[NAME_MAX + 2] = '\0';   /* one component over NAME_MAX */
                CHECK_INT(check_why(longname, &why), -EINVAL);
        }

        /* the file */
        missing = at("missing");
        CHECK_INT(check_why(missing, &why), -ENOENT);
        CHECK(why && strstr(why, "does not exist"));
        CHECK_INT(check_why(dir, &why), -EPERM);
        CHECK_STR(why, "it is not a regular executable file");
        noexec = at("noexec");
        write_text(noexec, "#!/bin/sh\n", 0644);
        CHECK_INT(check_why(noexec, &why), -EPERM);
        CHECK_STR(why, "it is not a regular executable file");
        gw = at("group-writable");
        write_text(gw, "#!/bin/sh\n", 0775);
        CHECK_INT(check_why(gw, &why), -EPERM);
        CHECK_STR(why, "it is writable by its group or others");
        link = at("link");
        CHECK(symlink(emu, link) == 0);
        CHECK_INT(check_why(link, &why), -EPERM);
        CHECK(why && strstr(why, "is a symbolic link"));

        /* the directories on the way */
        sub = at("sub");
        CHECK(mkdir(sub, 0755) == 0);
        subemu = at("sub/qemu");
        write_text(subemu, "#!/bin/sh\n", 0755);
        CHECK_INT(check_why(subemu, &why), 0);
        CHECK(chmod(sub, 0777) == 0);
        CHECK_INT(check_why(subemu, &why), -EPERM);
        CHECK(why && strstr(why, "can be changed by users other than root") && strstr(why, sub));
        CHECK(chmod(sub, 0775) == 0);
        CHECK_INT(check_why(subemu, &why), -EPERM);
        /* sticky (as /tmp): others may write, but not replace what is root's */
        CHECK(chmod(sub, 01777) == 0);
        CHECK_INT(check_why(subemu, &why), 0);
        if (geteuid() == 0) {
                /* someone else's file: refused; in a sticky directory for that reason first */
                CHECK(chown(subemu, 65534, 65534) == 0);
                CHECK_INT(check_why(subemu, &why), -EPERM);
                CHECK(why && strstr(why, "in a directory others write to, is not root's"));
                CHECK(chmod(sub, 0755) == 0);
                CHECK_INT(check_why(subemu, &why), -EPERM);
                CHECK_STR(why, "it is not owned by root");
                /* a directory on the way that is not root's */
                CHECK(chown(subemu, 0, 0) == 0 && chown(sub, 65534, 65534) == 0);
                CHECK_INT(check_why(subemu, &why), -EPERM);
                CHECK(why && strstr(why, "is not owned by root") && strstr(why, "its directory"));
                CHECK(chown(sub, 0, 0) == 0);
        } else
                printf("test-qemu-run: not root: the ownership checks are not run\n");
        CHECK(chmod(sub, 0755) == 0);
}

static void test_cache(const char *emu) {
        QemuCache *c = qemu_cache_new();
        _cleanup_free_ char *why = NULL, *gw = NULL;
        ProfileQemu q = {};
        struct timespec times[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_sec = 1767225600 } };
        char *links[QEMU_CACHE_MAX_ENTRIES + 1] = {};

        CHECK(c);
        if (!c)
                return;
        /* not root's call, nothing cached: not run */
        CHECK_INT(qemu_cache_detect(c, emu, false, 60000, &q, &why), -EACCES);
        CHECK(why && strstr(why, "only for root's calls"));
        CHECK_INT(runs(emu), 0);
        CHECK(q.version == NULL);

        /* root's: run (--version, -trace help), 11.1's load from its trace events */
        free(why);
        why = NULL;
        CHECK_INT(qemu_cache_detect(c, emu, true, 60000, &q, &why), 0);
        CHECK_STR(q.emulator, emu);
        CHECK_STR(q.version, "11.1.3");
        CHECK_STR(q.package, "Debian 1:11.1.3+ds-1");
        CHECK(q.has_load && q.load == QEMU_LOAD_11_1 && q.detected == QEMU_DETECTED_TRACE_EVENTS);
        CHECK_INT(runs(emu), 2);
        CHECK_INT(qemu_cache_runs(c), 1);
        CHECK_INT(qemu_cache_size(c), 1);
        profile_qemu_done(&q);

        /* remembered: everybody gets it without a run */
        CHECK_INT(qemu_cache_detect(c, emu, false, 60000, &q, NULL), 0);
        CHECK_STR(q.version, "11.1.3");
        profile_qemu_done(&q);
        CHECK_INT(qemu_cache_detect(c, emu, true, 60000, &q, NULL), 0);
        profile_qemu_done(&q);
        CHECK_INT(runs(emu), 2);

        /* the binary changed (its mtime): not what was detected */
        CHECK(utimensat(AT_FDCWD, emu, times, 0) == 0);
        CHECK_INT(qemu_cache_detect(c, emu, false, 60000, &q, NULL), -EACCES);
        CHECK_INT(qemu_cache_detect(c, emu, true, 60000, &q, NULL), 0);
        profile_qemu_done(&q);
        CHECK_INT(runs(emu), 4);
        CHECK_INT(qemu_cache_size(c), 1);   /* the path's old entry replaced */

        /* a remembered binary that became unsafe is not used, nor run */
        gw = at("gw-cached");
        CHECK(link(emu, gw) == 0);
        CHECK_INT(qemu_cache_detect(c, gw, true, 60000, &q, NULL), 0);
        profile_qemu_done(&q);
        CHECK_INT(runs(emu), 6);
        CHECK(chmod(gw, 0775) == 0);
        free(why);
        why = NULL;
        CHECK_INT(qemu_cache_detect(c, gw, false, 60000, &q, &why), -EACCES);
        CHECK(why && strstr(why, "only for root's calls"));
        free(why);
        why = NULL;
        CHECK_INT(qemu_cache_detect(c, gw, true, 60000, &q, &why), -EPERM);
        CHECK_STR(why, "it is writable by its group or others");
        CHECK_INT(runs(emu), 6);
        CHECK(chmod(emu, 0755) == 0);   /* the same inode as gw */

        /* bounded: the least recently used goes */
        for (size_t i = 0; i < ELEMENTSOF(links); i++) {
                char name[32];

                snprintf(name, sizeof(name), "link%zu", i);
                links[i] = at(name);
                CHECK(link(emu, links[i]) == 0);
                CHECK_INT(qemu_cache_detect(c, links[i], true, 60000, &q, NULL), 0);
                profile_qemu_done(&q);
                /* emu stays recently used */
                CHECK_INT(qemu_cache_detect(c, emu, false, 60000, &q, NULL), 0);
                profile_qemu_done(&q);
        }
        CHECK_INT(qemu_cache_size(c), QEMU_CACHE_MAX_ENTRIES);
        CHECK_INT(qemu_cache_detect(c, links[0], false, 60000, &q, NULL), -EACCES);
        CHECK_INT(qemu_cache_detect(c, links[ELEMENTSOF(links) - 1], false, 60000, &q, NULL), 0);
        profile_qemu_done(&q);
        CHECK_INT(qemu_cache_detect(c, emu, false, 60000, &q, NULL), 0);
        profile_qemu_done(&q);
        for (size_t i = 0; i < ELEMENTSOF(links); i++)
                free(links[i]);
        /* without a cache: detected every time, still only when may run */
        CHECK_INT(qemu_cache_detect(NULL, emu, false, 60000, &q, NULL), -EACCES);
        CHECK_INT(qemu_cache_detect(NULL, emu, true, 60000, &q, NULL), 0);
        profile_qemu_done(&q);
        CHECK(qemu_cache_free(c) == NULL);
        CHECK(qemu_cache_free(NULL) == NULL);
}


/*
 * CompareDomain's QEMU: the lab's 6.12 → 7.2 cortex-a72 evacuation, refused by 7.2's load and
 * loaded by 11.1.3's, on a 7.2 host whose profile says QEMU 7.2, for a domain (pmu and sve
 * off: 'base') naming the 11.1.3 emulator.
 */
static void test_domain(const char *emu) {
        _cleanup_(profile_freep) Profile *src = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *host = test_load_profile("7.2-cortex-a72.json");
        _cleanup_(profile_freep) Profile *record = NULL;
        _cleanup_(domain_qemu_done) DomainQemu dq = {};
        _cleanup_(report_freep) Report *r = NULL, *back = NULL, *refused = NULL;
        _cleanup_free_ char *text = NULL, *json = NULL, *summary = NULL, *gw = NULL;
        QemuCache *c = qemu_cache_new();
        ProfileQemu q72 = { .emulator = (char *) "/usr/bin/qemu-system-aarch64", .version = (char *) "7.2.22",
                            .has_load = true, .load = QEMU_LOAD_7_2, .detected = QEMU_DETECTED_TRACE_EVENTS,
                            .origin = QEMU_ORIGIN_PROFILE };
        DomainCpu cpu = DOMAIN_CPU_INIT;
        ProfileError e = {};

        cpu.arch = "aarch64";
        cpu.mode = "host-passthrough";
        cpu.pmu = 0;
        cpu.sve = 0;
        CHECK_INT(profile_extract_config(src, "base", &record), 0);
        if (!record || !c)
                return;

        /* a profile without a QEMU: the domain's is not considered (the rules assume 7.2) */
        CHECK_INT(qemu_domain_qemu(c, host, emu, true, 60000, &dq), 0);
        CHECK(!dq.emulator && !dq.qemu.has_load && !dq.not_used);
        CHECK_INT(profile_set_qemu(host, &q72), 0);
        /* the profile's own emulator: the profile's QEMU */
        CHECK_INT(qemu_domain_qemu(c, host, "/usr/bin/qemu-system-aarch64", true, 60000, &dq), 0);
        CHECK(!dq.emulator && !dq.qemu.has_load && !dq.not_used);
        CHECK_INT(qemu_domain_qemu(c, host, NULL, true, 60000, &dq), 0);
        CHECK(!dq.emulator);

        /* another, not root's call: not run, why */
        CHECK_INT(qemu_domain_qemu(c, host, emu, false, 60000, &dq), 0);
        CHECK_STR(dq.emulator, emu);
        CHECK(!dq.qemu.has_load && dq.not_used && strstr(dq.not_used, "only for root's calls"));
        CHECK_INT(runs(emu), 0);
        CHECK_INT(profile_compare_domain_with(record, host, &cpu, &dq, &refused), 0);
        CHECK_INT(refused->verdict, VERDICT_INCOMPATIBLE);
        CHECK_INT(refused->dst_qemu_origin, QEMU_ORIGIN_PROFILE);
        CHECK_STR(refused->dst_qemu_emulator, emu);
        text = report_qemu_text(refused);
        CHECK(text && strstr(text, "destination QEMU 7.2.22 (7.2 legacy load path, from the destination profile; "
                                   "the incoming domain's <emulator> ") && strstr(text, " was not used: kvmregsd runs"));
        domain_qemu_done(&dq);

        /* root's: detected, 11.1's load, origin domain */
        CHECK_INT(qemu_domain_qemu(c, host, emu, true, 60000, &dq), 0);
        CHECK(dq.qemu.has_load && dq.qemu.load == QEMU_LOAD_11_1 && dq.qemu.origin == QEMU_ORIGIN_DOMAIN);
        CHECK(!dq.not_used);
        CHECK_INT(profile_compare_domain_with(record, host, &cpu, &dq, &r), 0);
        CHECK_INT(r->verdict, VERDICT_COMPATIBLE);
        CHECK_INT(r->dst_qemu_load, QEMU_LOAD_11_1);
        CHECK_INT(r->dst_qemu_origin, QEMU_ORIGIN_DOMAIN);
        CHECK_STR(r->dst_qemu_version, "11.1.3");
        CHECK_STR(r->dst_digest, host->digest);
        free(text);
        text = report_qemu_text(r);
        CHECK(text && strstr(text, "destination QEMU 11.1.3 (11.1 tolerances load path, from the incoming domain's "
                                   "<emulator> ") && strstr(text, ", detected from its trace events)"));
        summary = report_summary(r);
        CHECK(summary && strstr(summary, "\nQEMU: destination QEMU 11.1.3 (11.1 tolerances"));

        /* the JSON form says it and reads back */
        json = report_to_json(r, false);
        CHECK(json && strstr(json, "\"from\":\"domain\"") && strstr(json, "\"detected_from\":\"trace-events\""));
        CHECK_INT(report_from_json(json, strlen(json), &back, &e), 0);
        if (back) {
                CHECK_INT(back->dst_qemu_origin, QEMU_ORIGIN_DOMAIN);
                CHECK_STR(back->dst_qemu_emulator, emu);
                CHECK_INT(back->dst_qemu_detected, QEMU_DETECTED_TRACE_EVENTS);
                CHECK(back->dst_qemu_not_used == NULL);
        }
        report_free(back);
        back = NULL;
        free(json);
        json = report_to_json(refused, false);
        CHECK(json && strstr(json, "\"emulator_not_used\":\"kvmregsd runs"));
        CHECK_INT(report_from_json(json, strlen(json), &back, &e), 0);
        if (back)
                CHECK(back->dst_qemu_not_used && strstr(back->dst_qemu_not_used, "only for root's calls"));
        domain_qemu_done(&dq);

        /* refused even for root: why */
        gw = at("gw-domain");
        write_text(gw, "#!/bin/sh\n", 0777);
        CHECK_INT(qemu_domain_qemu(c, host, gw, true, 60000, &dq), 0);
        CHECK_STR(dq.not_used, "it is writable by its group or others");
        qemu_cache_free(c);
}

int main(void) {
        _cleanup_free_ char *version = NULL, *trace = NULL, *vpath = NULL, *tpath = NULL, *emu = NULL;
        const char *tmp = getenv("TMPDIR");

        snprintf(dir, sizeof(dir), "%s/kvmregs-test-qemu-run.XXXXXX", tmp && tmp[0] == '/' ? tmp : "/tmp");
        if (!mkdtemp(dir)) {
                perror("mkdtemp");
                return 1;
        }
        CHECK(chmod(dir, 0755) == 0);
        CHECK_INT(read_file_bounded(test_data("qemu/version-11.1.3.txt"), 1 << 20, &version, NULL), 0);
        CHECK_INT(read_file_bounded(test_data("qemu/trace-help-11.1.3.txt"), 1 << 20, &trace, NULL), 0);
        if (!version || !trace)
                return test_summary("test-qemu-run");
        vpath = at("version.txt");
        tpath = at("trace.txt");
        write_text(vpath, version, 0644);
        write_text(tpath, trace, 0644);
        emu = make_emulator("qemu-system-aarch64");
        if (qemu_emulator_check(emu, NULL, NULL) < 0) {
                /* TMPDIR in a directory others may change: the check is right to refuse it */
                printf("test-qemu-run: %s is not in a directory chain only root changes; set TMPDIR\n", dir);
                CHECK(false);
        } else {
                test_check(emu);
                test_cache(emu);
                free(emu);
                emu = make_emulator("qemu-domain");
                test_domain(emu);
        }
        {
                _cleanup_free_ char *cmd = strdup_printf("rm -rf '%s'", dir);

                if (cmd && system(cmd) != 0)
                        fprintf(stderr, "cannot remove %s\n", dir);
        }
        return test_summary("test-qemu-run");
}
