/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The domain XML code: fixtures in tests/data/domains, hostile documents, the record's round
 * trip through <metadata>, adjustments, and the vCPU configuration QEMU builds on the real
 * recorded hosts in tests/data.
 */
#include <errno.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "domxml.h"
#include "profile.h"
#include "util.h"
#include "testutil.h"

#define QEMU_NS "http://libvirt.org/schemas/domain/qemu/1.0"

static char *read_file(const char *path, size_t *ret_size) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char *buf;
        long n;

        if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
                fprintf(stderr, "cannot read %s\n", path);
                exit(1);
        }
        buf = malloc((size_t) n + 1);
        if (!buf || fread(buf, 1, (size_t) n, f) != (size_t) n)
                exit(1);
        buf[n] = '\0';
        *ret_size = (size_t) n;
        return buf;
}

static char *domain_file(const char *name, size_t *ret_size) {
        char path[256];

        snprintf(path, sizeof(path), "domains/%s", name);
        return read_file(test_data(path), ret_size);
}

static DomainXml *parse_fixture(const char *name) {
        _cleanup_free_ char *xml = NULL, *error = NULL;
        DomainXml *d = NULL;
        size_t size;
        int r;

        xml = domain_file(name, &size);
        r = domxml_parse(xml, size, &d, &error);
        if (r < 0)
                fprintf(stderr, "%s: %s\n", name, error ? error : strerror(-r));
        CHECK_INT(r, 0);
        return d;
}

static Profile *load_profile(const char *name) {
        ProfileError e;
        Profile *p = NULL;
        int r = profile_load(test_data(name), &p, &e);

        if (r < 0) {
                fprintf(stderr, "%s: %s: %s\n", name, e.path, e.message);
                exit(1);
        }
        return p;
}

static void test_parse_fixtures(void) {
        _cleanup_(domxml_freep) DomainXml *a57 = parse_fixture("a57-custom.xml");
        _cleanup_(domxml_freep) DomainXml *host = parse_fixture("host-passthrough.xml");
        _cleanup_(domxml_freep) DomainXml *nosve = parse_fixture("host-nosve-nopmu.xml");
        _cleanup_(domxml_freep) DomainXml *max = parse_fixture("maximum.xml");
        _cleanup_(domxml_freep) DomainXml *x86 = parse_fixture("x86.xml");
        _cleanup_(domxml_freep) DomainXml *wrongns = parse_fixture("record-wrong-namespace.xml");

        if (!a57 || !host || !nosve || !max || !x86 || !wrongns)
                return;

        CHECK_STR(a57->name, "lvguest");
        CHECK_STR(a57->uuid, "7e57c0de-0000-4000-8000-000000000001");
        CHECK_STR(a57->arch, "aarch64");
        CHECK_STR(a57->cpu_mode, "custom");
        CHECK_STR(a57->cpu_model, "cortex-a57");
        CHECK_STR(a57->emulator, "/usr/bin/qemu-system-aarch64");
        CHECK_INT(a57->pmu, -1);
        CHECK_INT(a57->sve, -1);
        CHECK_INT(a57->sve_vls_on, 0);
        CHECK_INT(a57->sve_vls_off, 0);
        CHECK_INT(a57->pauth, -1);
        CHECK_INT(a57->mte, -1);
        CHECK(!a57->record_json);
        CHECK(!a57->record_domain_uuid);

        CHECK_STR(host->name, "web-1");
        CHECK_STR(host->cpu_mode, "host-passthrough");
        CHECK(!host->cpu_model);
        CHECK_INT(host->pmu, -1);
        CHECK(!host->record_json);  /* <metadata> holds only another application's element */

        CHECK_STR(nosve->cpu_mode, "host-passthrough");
        CHECK_INT(nosve->pmu, 0);
        CHECK_INT(nosve->sve, 0);
        CHECK_INT(nosve->sve_vls_on, 1u << 1);   /* sve256 */
        CHECK_INT(nosve->sve_vls_off, 1u << 3);  /* sve512 */

        CHECK_STR(max->cpu_mode, "maximum");
        CHECK_STR(x86->arch, "x86_64");
        CHECK(!x86->cpu_mode);

        /* other namespaces and unqualified <record> are someone else's metadata */
        CHECK(!wrongns->record_json);
        CHECK(!wrongns->record_domain_uuid);
}

static void test_qemu_cpu_type(void) {
        static const struct {
                const char *fixture, *type;
        } cases[] = {
                { "a57-custom.xml", "cortex-a57-arm-cpu" },
                { "host-passthrough.xml", "host-arm-cpu" },
                { "maximum.xml", "max-arm-cpu" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(domxml_freep) DomainXml *d = parse_fixture(cases[i].fixture);
                _cleanup_free_ char *type = d ? domxml_qemu_cpu_type(d) : NULL;
                CHECK_STR(type, cases[i].type);
        }

        /* no <cpu>: nothing to name; a model that would inject arguments: refused */
        _cleanup_(domxml_freep) DomainXml *x86 = parse_fixture("x86.xml");
        CHECK(x86 && !domxml_qemu_cpu_type(x86));
        static const char evil[] =
                "<domain><name>e</name><cpu mode='custom'><model>a57.pmu=on,x</model></cpu></domain>";
        DomainXml *d = NULL;
        CHECK_INT(domxml_parse(evil, strlen(evil), &d, NULL), 0);
        CHECK(d && !domxml_qemu_cpu_type(d));
        domxml_free(d);
}

static void expect_refused(const char *what, const char *xml, size_t size, int expected_errno,
                           const char *expected_words) {
        _cleanup_free_ char *error = NULL;
        DomainXml *d = NULL;
        int r = domxml_parse(xml, size, &d, &error);

        if (r != -expected_errno)
                fprintf(stderr, "%s: r=%d (%s)\n", what, r, error ? error : "");
        CHECK_INT(r, -expected_errno);
        CHECK(!d);
        CHECK(error && strstr(error, expected_words));
        domxml_free(d);
}

static void expect_fixture_refused(const char *name, const char *expected_words) {
        _cleanup_free_ char *xml = NULL;
        size_t size;

        xml = domain_file(name, &size);
        expect_refused(name, xml, size, EINVAL, expected_words);
}

static void test_hostile(void) {
        expect_fixture_refused("billion-laughs.xml", "DOCTYPE");
        expect_fixture_refused("external-entity.xml", "DOCTYPE");
        expect_fixture_refused("malformed.xml", "malformed domain XML");
        expect_fixture_refused("not-a-domain.xml", "not a libvirt domain");
        expect_fixture_refused("two-records.xml", "more than one kvmregs record");
        expect_refused("empty", "", 0, EINVAL, "empty");
        expect_refused("NULL", NULL, 0, EINVAL, "no domain XML");
        expect_refused("nul byte", "<domain>\0</domain>", 18, EINVAL, "NUL");

        /* one byte over the limit: refused before parsing */
        size_t big = DOMXML_MAX_SIZE + 1;
        _cleanup_free_ char *huge = malloc(big);
        CHECK(huge);
        if (huge) {
                memset(huge, ' ', big);
                memcpy(huge, "<domain>", 8);
                expect_refused("huge", huge, big, E2BIG, "more than the limit");
        }

        /* deep nesting: libxml2's depth limit (no XML_PARSE_HUGE) stops it, no crash */
        size_t depth = 100000, n = 0;
        _cleanup_free_ char *deep = malloc(depth * 7 + 64);
        CHECK(deep);
        if (deep) {
                n += (size_t) sprintf(deep, "<domain>");
                for (size_t i = 0; i < depth; i++)
                        n += (size_t) sprintf(deep + n, "<a>");
                expect_refused("deep", deep, n, EINVAL, "malformed domain XML");
        }

        /* a field over KVMREGS_MAX_STRING */
        _cleanup_free_ char *long_name = malloc(KVMREGS_MAX_STRING + 64);
        CHECK(long_name);
        if (long_name) {
                n = (size_t) sprintf(long_name, "<domain><name>");
                memset(long_name + n, 'x', KVMREGS_MAX_STRING + 1);
                n += KVMREGS_MAX_STRING + 1;
                n += (size_t) sprintf(long_name + n, "</name></domain>");
                expect_refused("long name", long_name, n, E2BIG, "longer than");
        }
}

/* A document with the record element placed in <metadata> after <uuid>. */
static char *with_metadata(const char *fixture, const char *element) {
        _cleanup_free_ char *xml = NULL;
        char *out = NULL, *at;
        size_t size;

        xml = domain_file(fixture, &size);
        at = strstr(xml, "</uuid>");
        if (!at)
                return NULL;
        at += strlen("</uuid>");
        if (asprintf(&out, "%.*s\n  <metadata>%s</metadata>%s", (int) (at - xml), xml, element, at) < 0)
                return NULL;
        return out;
}

static void test_record_round_trip(void) {
        _cleanup_(profile_freep) Profile *host = load_profile("6.12-cortex-a57.json");
        _cleanup_(profile_freep) Profile *record = NULL, *reparsed = NULL;
        _cleanup_(domxml_freep) DomainXml *d = NULL, *other = NULL;
        _cleanup_free_ char *json = NULL, *element = NULL, *xml = NULL, *error = NULL;
        const char *uuid = "7e57c0de-0000-4000-8000-000000000001";
        ProfileError pe;

        CHECK_INT(profile_extract_config(host, "pmu", &record), 0);
        if (!record)
                return;
        /* characters XML must escape survive the trip */
        free(record->label);
        record->label = strdup("a<b & c]]> \"d\" 'e'");
        json = profile_to_json(record, false);
        CHECK(json);
        element = domxml_record_element(uuid, json);
        CHECK(element);
        CHECK(element && strstr(element, "xmlns:kvmregs=\"" KVMREGS_METADATA_NS "\""));
        CHECK(!domxml_record_element(NULL, json));
        CHECK(!domxml_record_element(uuid, NULL));

        xml = with_metadata("a57-custom.xml", element);
        CHECK(xml);
        if (!json || !xml)
                return;
        CHECK_INT(domxml_parse(xml, strlen(xml), &d, &error), 0);
        if (!d)
                return;
        CHECK_STR(d->record_json, json);
        CHECK_STR(d->record_domain_uuid, uuid);
        CHECK_INT(profile_parse(d->record_json, strlen(d->record_json), &reparsed, &pe), 0);
        if (reparsed) {
                CHECK_STR(reparsed->digest, record->digest);
                CHECK_INT(reparsed->n_configs, 1);
                CHECK_STR(reparsed->configs[0].name, "pmu");
        }

        /* a record stamped for another domain is parsed as such: the caller sees whose it is */
        _cleanup_free_ char *element2 = domxml_record_element("00000000-0000-4000-8000-0000000000ff", json);
        _cleanup_free_ char *xml2 = with_metadata("a57-custom.xml", element2);
        CHECK_INT(domxml_parse(xml2, strlen(xml2), &other, NULL), 0);
        if (other) {
                CHECK_STR(other->record_domain_uuid, "00000000-0000-4000-8000-0000000000ff");
                CHECK_STR(other->uuid, "7e57c0de-0000-4000-8000-000000000001");
        }
}

/* The values of <qemu:arg> in document order, joined by '|'. */
static char *qemu_args(const char *xml) {
        xmlDoc *doc = xmlReadMemory(xml, (int) strlen(xml), "out.xml", NULL, XML_PARSE_NONET);
        xmlXPathContext *x = doc ? xmlXPathNewContext(doc) : NULL;
        xmlXPathObject *o = NULL;
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);

        if (x && xmlXPathRegisterNs(x, BAD_CAST "q", BAD_CAST QEMU_NS) == 0)
                o = xmlXPathEvalExpression(BAD_CAST "/domain/q:commandline/q:arg/@value", x);
        for (int i = 0; o && o->nodesetval && i < o->nodesetval->nodeNr; i++) {
                xmlChar *v = xmlNodeGetContent(o->nodesetval->nodeTab[i]);
                fprintf(f, "%s%s", i ? "|" : "", v);
                xmlFree(v);
        }
        fclose(f);
        xmlXPathFreeObject(o);
        xmlXPathFreeContext(x);
        xmlFreeDoc(doc);
        return out;
}

static void test_adjustments(void) {
        char *adj[] = { (char *) "sve=off", (char *) "pauth=off" };
        _cleanup_free_ char *xml = NULL, *out = NULL, *out2 = NULL, *args = NULL, *args2 = NULL;
        _cleanup_free_ char *a57 = NULL, *a57_out = NULL, *a57_args = NULL, *error = NULL;
        _cleanup_(domxml_freep) DomainXml *d = NULL;
        size_t size, a57_size;

        xml = domain_file("host-passthrough.xml", &size);
        CHECK_INT(domxml_apply_adjustments(xml, size, "host-arm-cpu", adj, 2, &out, &error), 0);
        if (!out)
                return;
        args = qemu_args(out);
        CHECK_STR(args, "-msg|timestamp=on|-global|host-arm-cpu.sve=off|-global|host-arm-cpu.pauth=off");
        /* the rest is kept: it re-parses to the same domain, comments and other metadata intact */
        CHECK_INT(domxml_parse(out, strlen(out), &d, NULL), 0);
        if (d) {
                CHECK_STR(d->name, "web-1");
                CHECK_STR(d->uuid, "3f1c2a90-5b7e-4d21-9a0c-0000000000a1");
                CHECK_STR(d->cpu_mode, "host-passthrough");
        }
        CHECK(strstr(out, "<!-- a comment that must survive -->"));
        CHECK(strstr(out, "<app:info xmlns:app=\"http://example.org/app/1\">keep me</app:info>"));
        CHECK(strstr(out, "a host-passthrough guest &amp; its &lt;notes&gt;"));
        CHECK(strstr(out, "<loader readonly=\"yes\" type=\"pflash\">/usr/share/AAVMF/AAVMF_CODE.fd</loader>"));

        /* applying the same adjustments again adds nothing */
        CHECK_INT(domxml_apply_adjustments(out, strlen(out), "host-arm-cpu", adj, 2, &out2, NULL), 0);
        args2 = out2 ? qemu_args(out2) : NULL;
        CHECK_STR(args2, args);

        /* a domain without the qemu namespace gets it */
        a57 = domain_file("a57-custom.xml", &a57_size);
        CHECK_INT(domxml_apply_adjustments(a57, a57_size, "cortex-a57-arm-cpu", adj, 1, &a57_out, NULL), 0);
        a57_args = a57_out ? qemu_args(a57_out) : NULL;
        CHECK_STR(a57_args, "-global|cortex-a57-arm-cpu.sve=off");
        CHECK(a57_out && strstr(a57_out, "xmlns:qemu=\"" QEMU_NS "\""));

        /* anything that is not prop=value of plain words never reaches QEMU's command line */
        static const char *const bad[] = {
                "sve=off -device x", "=off", "sve", "sve=", "pmu=on,x-foo=1 ", "a.b=c", "x=\"y\"",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *one[] = { (char *) bad[i] };
                char *o = NULL, *e = NULL;
                CHECK_INT(domxml_apply_adjustments(xml, size, "host-arm-cpu", one, 1, &o, &e), -EINVAL);
                CHECK(!o);
                CHECK(e && strstr(e, "invalid adjustment"));
                free(e);
        }
        CHECK(domxml_adjustment_is_valid("pmu=off"));
        CHECK(domxml_adjustment_is_valid("x-mig-hidden-regs=0x603000000013c103,0x603000000013c104"));
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                CHECK(!domxml_adjustment_is_valid(bad[i]));
        CHECK(!domxml_adjustment_is_valid(NULL));

        char *o = NULL;
        CHECK_INT(domxml_apply_adjustments(xml, size, "host,x", adj, 1, &o, NULL), -EINVAL);
        CHECK_INT(domxml_apply_adjustments(xml, size, "host-arm-cpu", adj, 0, &o, NULL), -EINVAL);
        CHECK(!o);

        /* hostile input is refused here too */
        _cleanup_free_ char *bomb = NULL;
        size_t bomb_size;
        bomb = domain_file("billion-laughs.xml", &bomb_size);
        CHECK_INT(domxml_apply_adjustments(bomb, bomb_size, "host-arm-cpu", adj, 1, &o, NULL), -EINVAL);
        CHECK(!o);
}

/* The configuration the host's QEMU builds for the domain, as the core finds it. */
static const VcpuConfig *host_config(const DomainXml *d, const Profile *p) {
        DomainCpu cpu;

        if (!d)
                return NULL;
        domxml_cpu(d, &cpu);
        return domain_cpu_config(&cpu, p);
}

static void check_config(const char *fixture, const char *profile, const char *expected_config,
                         uint32_t expected_features) {
        _cleanup_(domxml_freep) DomainXml *d = parse_fixture(fixture);
        _cleanup_(profile_freep) Profile *p = load_profile(profile);
        const VcpuConfig *c = d ? host_config(d, p) : NULL;

        if (!c)
                fprintf(stderr, "%s on %s: no configuration\n", fixture, profile);
        CHECK(c);
        if (!c)
                return;
        if (strcmp(c->name, expected_config) != 0)
                fprintf(stderr, "%s on %s:\n", fixture, profile);
        CHECK_STR(c->name, expected_config);
        CHECK_INT(c->init_features0, expected_features);
        CHECK(!c->skipped);
}

static void test_host_config(void) {
        const uint32_t psci = VCPU_FEATURE_PSCI_0_2, pmu = VCPU_FEATURE_PMU_V3, sve = VCPU_FEATURE_SVE,
                       pauth = VCPU_FEATURE_PTRAUTH_ADDRESS | VCPU_FEATURE_PTRAUTH_GENERIC;

        /* the named models: PMU (every recorded host has KVM_CAP_ARM_PMU_V3), never SVE or pauth */
        check_config("a57-custom.xml", "6.1-cortex-a57.json", "pmu", psci | pmu);
        check_config("a57-custom.xml", "6.12-max.json", "pmu", psci | pmu);
        /* -cpu host: every feature the host offers */
        check_config("host-passthrough.xml", "6.12-max.json", "all", psci | pmu | sve | pauth);
        check_config("host-passthrough.xml", "6.1-max.json", "all", psci | pmu | sve | pauth);
        check_config("host-passthrough.xml", "6.12-cortex-a72.json", "pmu", psci | pmu);
        check_config("host-passthrough.xml", "5.10-cortex-a72.json", "pmu", psci | pmu);
        check_config("maximum.xml", "7.2-max.json", "all", psci | pmu | sve | pauth);
        /* minus what the XML turns off */
        check_config("host-nosve-nopmu.xml", "6.12-max.json", "ptrauth", psci | pauth);
        check_config("host-nosve-nopmu.xml", "6.1-neoverse-n1.json", "base", psci);

        /* MTE asked for on a host without it: no configuration */
        _cleanup_free_ char *xml = NULL, *mte = NULL;
        size_t size;
        xml = domain_file("maximum.xml", &size);
        char *end = strstr(xml, "</domain>");
        CHECK(end);
        if (!end)
                return;
        CHECK(asprintf(&mte, "%.*s<qemu:commandline xmlns:qemu='" QEMU_NS "'><qemu:arg value='-machine'/>"
                       "<qemu:arg value='mte=on'/></qemu:commandline></domain>", (int) (end - xml), xml) > 0);
        _cleanup_(domxml_freep) DomainXml *d = NULL;
        _cleanup_(profile_freep) Profile *p = load_profile("7.2-max.json");
        CHECK_INT(domxml_parse(mte, strlen(mte), &d, NULL), 0);
        CHECK(d && d->mte == 1);
        CHECK(d && !host_config(d, p));
        CHECK(!host_config(NULL, p));
}

int main(void) {
        test_parse_fixtures();
        test_qemu_cpu_type();
        test_hostile();
        test_record_round_trip();
        test_adjustments();
        test_host_config();
        xmlCleanupParser();
        return test_summary("test-domxml");
}
