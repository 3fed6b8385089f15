/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libvirt watcher (daemon/watch.c) against libvirt's own test driver (test:///default,
 * in this process, with real lifecycle events and real metadata calls): what it stamps,
 * when, with which configuration and values, and that it stops promptly. The same logic
 * with real libvirtd, QEMU and migrations: tests/libvirt/run-e2e.sh.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "domxml.h"
#include "profile.h"
#include "testutil.h"
#include "util.h"
#include "watch.h"

#define URI "test:///default"
#define CLIDR_EL1 UINT64_C(0x603000000013c801)

static double now_s(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static Profile *load(const char *name) {
        Profile *p = NULL;
        ProfileError e;

        if (profile_load(test_data(name), &p, &e) < 0) {
                fprintf(stderr, "cannot load %s: %s: %s\n", name, e.path, e.message);
                exit(1);
        }
        return p;
}

static char *domain_xml(const char *name, const char *uuid, const char *extra) {
        char *xml = NULL;

        if (asprintf(&xml,
                     "<domain type='test'><name>%s</name><uuid>%s</uuid>"
                     "<memory unit='MiB'>64</memory><vcpu>1</vcpu>"
                     "<os><type arch='aarch64' machine='virt'>hvm</type></os>"
                     "<cpu mode='custom' match='exact'><model fallback='forbid'>cortex-a57</model></cpu>"
                     "%s</domain>",
                     name, uuid, extra ? extra : "") < 0)
                exit(1);
        return xml;
}

/* The record in the domain's live XML, parsed, if it names this domain; or NULL.
 * ret_json (may be NULL) gets its text. */
static Profile *record_of(virDomainPtr dom, char **ret_json) {
        _cleanup_free_ char *xml = virDomainGetXMLDesc(dom, 0);
        _cleanup_(domxml_freep) DomainXml *d = NULL;
        Profile *p = NULL;
        ProfileError e;

        if (!xml || domxml_parse(xml, strlen(xml), &d, NULL) < 0 || !d->record_json)
                return NULL;
        if (!d->record_domain_uuid || !d->uuid || strcmp(d->record_domain_uuid, d->uuid) != 0)
                return NULL;
        if (profile_parse(d->record_json, strlen(d->record_json), &p, &e) < 0) {
                fprintf(stderr, "record does not parse: %s: %s\n", e.path, e.message);
                return NULL;
        }
        if (ret_json)
                *ret_json = strdup(d->record_json);
        return p;
}

/* Whether the record element's attributes name this host and profile digest. */
static bool element_names(virDomainPtr dom, const char *host, const char *digest) {
        _cleanup_free_ char *element = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT,
                                                            KVMREGS_METADATA_NS, VIR_DOMAIN_AFFECT_LIVE);
        _cleanup_free_ char *want_host = NULL, *want_digest = NULL;

        if (!element || asprintf(&want_host, "host=\"%s\"", host) < 0 ||
            asprintf(&want_digest, "profile-digest=\"%s\"", digest) < 0)
                return false;
        return strstr(element, want_host) && strstr(element, want_digest);
}

/* Waits (up to 5 s) for a record that satisfies done(), returns it or NULL. */
static Profile *wait_record(virDomainPtr dom, bool (*done)(const Profile *, const void *), const void *arg) {
        for (int i = 0; i < 500; i++) {
                Profile *p = record_of(dom, NULL);
                if (p && (!done || done(p, arg)))
                        return p;
                profile_free(p);
                usleep(10 * 1000);
        }
        return NULL;
}

static bool kernel_is(const Profile *p, const void *kernel) {
        return p->kernel && strcmp(p->kernel, kernel) == 0;
}

static bool same_regs(const uint64_t *a, size_t na, const uint64_t *b, size_t nb) {
        return na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0);
}

static bool same_values(const RegValue *a, size_t na, const RegValue *b, size_t nb) {
        return na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0);
}

static void set_profile(SharedProfile *shared, Profile *p) {
        pthread_mutex_lock(&shared->lock);
        profile_free(shared->profile);
        shared->profile = p;
        pthread_mutex_unlock(&shared->lock);
}

int main(void) {
        SharedProfile shared = { .lock = PTHREAD_MUTEX_INITIALIZER };
        _cleanup_(profile_freep) Profile *p61 = load("6.1-cortex-a57.json");
        _cleanup_(profile_freep) Profile *p612 = load("6.12-cortex-a57.json");
        _cleanup_(profile_freep) Profile *x61 = NULL, *x612 = NULL;
        const VcpuConfig *c61, *c612;
        char hostname[HOST_NAME_MAX + 1] = "";
        virConnectPtr conn;
        virDomainPtr dom, x86, foreign;
        Watch *w = NULL;
        double t0;
        int r;

        /* what a record of each holds is the library's business: compare with its extract */
        if (profile_extract_config(p61, "pmu", &x61) < 0 || profile_extract_config(p612, "pmu", &x612) < 0)
                return 1;
        c61 = &x61->configs[0];
        c612 = &x612->configs[0];
        gethostname(hostname, sizeof(hostname) - 1);
        set_profile(&shared, load("6.1-cortex-a57.json"));

        /* the test driver has a running i686 domain "test" from the start */
        r = watch_new(URI, &shared, &w);
        CHECK_INT(r, 0);
        conn = virConnectOpen(URI);
        CHECK(conn);
        if (!conn || r < 0)
                return test_summary("test-watch");

        /* 1. booted: this host's configuration for the XML (cortex-a57: PMU), this host's values */
        _cleanup_free_ char *xml = domain_xml("g1", "7e57c0de-0000-4000-8000-0000000000a1", NULL);
        dom = virDomainCreateXML(conn, xml, 0);
        CHECK(dom);
        _cleanup_(profile_freep) Profile *r1 = wait_record(dom, NULL, NULL);
        CHECK(r1);
        if (r1) {
                CHECK_INT(r1->n_configs, 1);
                CHECK_STR(r1->configs[0].name, "pmu");
                CHECK_STR(r1->hostname, hostname);
                CHECK_STR(r1->kernel, p61->kernel);
                CHECK(same_regs(r1->configs[0].reg_list, r1->configs[0].n_reg_list, c61->reg_list, c61->n_reg_list));
                CHECK(same_values(r1->configs[0].id_regs, r1->configs[0].n_id_regs, c61->id_regs, c61->n_id_regs));
                CHECK(same_values(r1->configs[0].fw_regs, r1->configs[0].n_fw_regs, c61->fw_regs, c61->n_fw_regs));
                CHECK(element_names(dom, hostname, p61->digest));
        }

        /* 2. the profile changes (6.1 -> 6.12, same CPU): restamped with 6.12's list; the
         * values the guest carries stay where 6.12's kernel accepts them (CLIDR_EL1 is
         * writable there and differs: 6.1's value stays), every other value is 6.12's */
        set_profile(&shared, load("6.12-cortex-a57.json"));
        watch_profile_changed(w);
        _cleanup_(profile_freep) Profile *r2 = wait_record(dom, kernel_is, p612->kernel);
        CHECK(r2);
        if (r2) {
                uint64_t v61 = 0, v612 = 0, v = 0;
                const VcpuConfig *c = &r2->configs[0];
                size_t differ = 0;

                CHECK_STR(c->name, "pmu");
                CHECK(element_names(dom, hostname, p612->digest));
                CHECK(same_regs(c->reg_list, c->n_reg_list, c612->reg_list, c612->n_reg_list));
                CHECK(vcpu_config_get_value(c61, CLIDR_EL1, &v61));
                CHECK(vcpu_config_get_value(c612, CLIDR_EL1, &v612));
                CHECK(v61 != v612);
                CHECK(vcpu_config_get_value(c, CLIDR_EL1, &v));
                CHECK(v == v61);
                CHECK_INT(c->n_id_regs, c612->n_id_regs);
                for (size_t i = 0; i < c->n_id_regs; i++) {
                        uint64_t mine = 0, theirs = 0;
                        bool has61 = vcpu_config_get_value(c61, c->id_regs[i].id, &theirs);

                        CHECK(vcpu_config_get_value(c612, c->id_regs[i].id, &mine));
                        CHECK(c->id_regs[i].value == mine || (has61 && c->id_regs[i].value == theirs));
                        differ += c->id_regs[i].value != mine;
                }
                CHECK(differ >= 1);
        }

        /* 3. nothing changed: no new stamp (the record's text stays byte for byte) */
        _cleanup_free_ char *before = NULL, *after = NULL;
        profile_free(record_of(dom, &before));
        watch_profile_changed(w);
        usleep(300 * 1000);
        profile_free(record_of(dom, &after));
        CHECK(before && after && strcmp(before, after) == 0);

        /* 4. a record stamped for another domain (a copied definition) does not count: the
         * booted domain gets this host's own values, not the foreign record's */
        {
                _cleanup_(profile_freep) Profile *rec = NULL;
                _cleanup_free_ char *json = NULL, *element = NULL, *meta = NULL, *fxml = NULL;

                CHECK_INT(profile_extract_config(p61, "pmu", &rec), 0);
                json = rec ? profile_to_json(rec, false) : NULL;
                element = json ? domxml_record_element("7e57c0de-0000-4000-8000-0000000000ff", json) : NULL;
                CHECK(element);
                if (asprintf(&meta, "<metadata>%s</metadata>", element ? element : "") < 0)
                        return 1;
                fxml = domain_xml("g2", "7e57c0de-0000-4000-8000-0000000000a2", meta);
                foreign = virDomainCreateXML(conn, fxml, 0);
                CHECK(foreign);
                _cleanup_(profile_freep) Profile *r4 = foreign ? wait_record(foreign, NULL, NULL) : NULL;
                CHECK(r4);
                if (r4) {
                        CHECK_STR(r4->kernel, p612->kernel);
                        CHECK(same_values(r4->configs[0].id_regs, r4->configs[0].n_id_regs,
                                          c612->id_regs, c612->n_id_regs));
                }
                if (foreign) {
                        virDomainDestroy(foreign);
                        virDomainFree(foreign);
                }
        }

        /* 4b. the record carries the QEMU the guest runs on: the profile's when the domain's
         * <emulator> is the profile's, else that emulator detected (the real qemu-system-aarch64
         * here, Debian 12's 7.2) */
        if (access("/usr/bin/qemu-system-aarch64", X_OK) == 0) {
                Profile *with_qemu = load("6.12-cortex-a57.json");
                ProfileQemu q11 = { .emulator = (char *) "/usr/libexec/qemu-kvm", .version = (char *) "11.1.3",
                                    .has_load = true, .load = QEMU_LOAD_11_1, .detected = QEMU_DETECTED_TRACE_EVENTS };
                _cleanup_free_ char *own = NULL, *other = NULL;
                virDomainPtr d_own, d_other;

                CHECK_INT(profile_set_qemu(with_qemu, &q11), 0);
                set_profile(&shared, with_qemu);
                watch_profile_changed(w);
                own = domain_xml("g3", "7e57c0de-0000-4000-8000-0000000000a3",
                                 "<devices><emulator>/usr/libexec/qemu-kvm</emulator></devices>");
                other = domain_xml("g4", "7e57c0de-0000-4000-8000-0000000000a4",
                                   "<devices><emulator>/usr/bin/qemu-system-aarch64</emulator></devices>");
                d_own = virDomainCreateXML(conn, own, 0);
                d_other = virDomainCreateXML(conn, other, 0);
                CHECK(d_own && d_other);
                _cleanup_(profile_freep) Profile *r_own = d_own ? wait_record(d_own, NULL, NULL) : NULL;
                _cleanup_(profile_freep) Profile *r_other = d_other ? wait_record(d_other, NULL, NULL) : NULL;
                CHECK(r_own && r_own->qemu.version && strcmp(r_own->qemu.version, "11.1.3") == 0);
                CHECK(r_own && r_own->qemu.origin == QEMU_ORIGIN_RECORD && r_own->qemu.load == QEMU_LOAD_11_1);
                CHECK(r_other && r_other->qemu.version && strncmp(r_other->qemu.version, "7.2.", 4) == 0);
                CHECK(r_other && r_other->qemu.emulator &&
                      strcmp(r_other->qemu.emulator, "/usr/bin/qemu-system-aarch64") == 0);
                CHECK(r_other && r_other->qemu.load == QEMU_LOAD_7_2 &&
                      r_other->qemu.detected == QEMU_DETECTED_TRACE_EVENTS);
                for (int i = 0; i < 2; i++) {
                        virDomainPtr d = i ? d_other : d_own;
                        if (d) {
                                virDomainDestroy(d);
                                virDomainFree(d);
                        }
                }
        } else
                CHECK(!getenv("KVMREGS_REQUIRE_ALL") || strcmp(getenv("KVMREGS_REQUIRE_ALL"), "1") != 0);

        /* 5. not an arm64 guest: never stamped */
        x86 = virDomainLookupByName(conn, "test");  /* the driver's own i686 guest */
        CHECK(x86);
        if (x86) {
                watch_profile_changed(w);
                usleep(300 * 1000);
                _cleanup_free_ char *m = virDomainGetMetadata(x86, VIR_DOMAIN_METADATA_ELEMENT,
                                                              KVMREGS_METADATA_NS, VIR_DOMAIN_AFFECT_LIVE);
                CHECK(!m);
                virDomainFree(x86);
        }

        /* 6. stopping is prompt, even with the loop idle in poll() */
        t0 = now_s();
        w = watch_free(w);
        CHECK(!w);
        CHECK(now_s() - t0 < 1.0);
        CHECK(!shared.changed && !shared.changed_userdata);

        /* 7. no libvirt to talk to: starts, keeps retrying, stops promptly */
        r = watch_new("qemu+unix:///system?socket=/nonexistent/kvmregs-test-sock", &shared, &w);
        CHECK_INT(r, 0);
        usleep(200 * 1000);
        t0 = now_s();
        w = watch_free(w);
        CHECK(now_s() - t0 < 1.0);

        CHECK(!watch_free(NULL));
        watch_profile_changed(NULL);
        CHECK_INT(watch_new(URI, NULL, &w), -EINVAL);

        if (dom) {
                virDomainDestroy(dom);
                virDomainFree(dom);
        }
        virConnectClose(conn);
        set_profile(&shared, NULL);
        return test_summary("test-watch");
}
