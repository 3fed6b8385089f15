/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Domain XML as the hook gets it from libvirt, arbitrary bytes. A refusal comes with a reason;
 * a domain that parses goes the hook's whole way: its record read as kvmregsd reads it
 * (record_parse), its vCPU configuration on the host that record describes, the record written
 * back as kvmregsd writes it, its QEMU CPU type, and the adjustments applied.
 * The adjusted XML must parse to the same domain, and applying the same adjustments to it
 * again must change nothing.
 */
#include <errno.h>

#include "domxml.h"
#include "fuzz-common.h"
#include "record.h"
#include "util.h"

/* What the rules hand the hook (see rules.c adjustments_for_features). */
static char *const adjustments[] = { "pmu=off", "sve=off", "pauth=off" };

static void check_same_domain(const DomainXml *a, const DomainXml *b) {
        FUZZ_ASSERT(test_str_equal(a->name, b->name));
        FUZZ_ASSERT(test_str_equal(a->uuid, b->uuid));
        FUZZ_ASSERT(test_str_equal(a->arch, b->arch));
        FUZZ_ASSERT(test_str_equal(a->cpu_mode, b->cpu_mode));
        FUZZ_ASSERT(test_str_equal(a->cpu_model, b->cpu_model));
        FUZZ_ASSERT(test_str_equal(a->emulator, b->emulator));
        FUZZ_ASSERT(a->pmu == b->pmu && a->sve == b->sve && a->pauth == b->pauth && a->mte == b->mte);
        FUZZ_ASSERT(a->sve_vls_on == b->sve_vls_on && a->sve_vls_off == b->sve_vls_off);
        FUZZ_ASSERT(test_str_equal(a->record_json, b->record_json));
        FUZZ_ASSERT(test_str_equal(a->record_domain_uuid, b->record_domain_uuid));
}

static void check_refusal(int r, const char *error) {
        FUZZ_ASSERT(r == -EINVAL || r == -E2BIG || r == -ENOMEM);
        if (r != -ENOMEM)
                FUZZ_ASSERT(error && error[0]);
}

/* The host to resolve the domain's vCPU on is the record's own (one configuration): no file is read. */
static void check_record(const DomainXml *d) {
        _cleanup_(profile_freep) Profile *rec = NULL;

        if (!d->record_json)
                return;
        /* as kvmregsd reads it (daemon/watch.c): exactly one configuration */
        if (record_parse(d->record_json, strlen(d->record_json), &rec, NULL) < 0)
                return;
        FUZZ_ASSERT(rec->n_configs == 1);
        /* the record's host is a host: whatever it returns must be one of its configurations */
        DomainCpu cpu;
        domxml_cpu(d, &cpu);
        const VcpuConfig *c = domain_cpu_config(&cpu, rec);
        uint32_t features = domain_cpu_features(&cpu, rec);
        FUZZ_ASSERT(!c || (c >= rec->configs && c < rec->configs + rec->n_configs && !c->skipped));
        /* the configuration found is the one with the features QEMU builds */
        FUZZ_ASSERT(features & VCPU_FEATURE_PSCI_0_2);
        FUZZ_ASSERT(!c || c->init_features0 == features);
}

/* The element kvmregsd writes back with virDomainSetMetadata holds the same record. */
static void check_record_element(const DomainXml *d) {
        _cleanup_free_ char *element = NULL, *domain = NULL;
        _cleanup_(domxml_freep) DomainXml *back = NULL;
        const char *uuid = d->record_domain_uuid ? d->record_domain_uuid : "";

        element = domxml_record_element(uuid, d->record_json);
        FUZZ_ASSERT(element);
        FUZZ_ASSERT(asprintf(&domain, "<domain><name>n</name><metadata>%s</metadata></domain>", element) > 0);
        FUZZ_ASSERT(domxml_parse(domain, strlen(domain), &back, NULL) == 0);
        FUZZ_ASSERT(test_str_equal(back->record_json, d->record_json));
        FUZZ_ASSERT(test_str_equal(back->record_domain_uuid, uuid));
}

static void check_adjustments(const char *xml, size_t size, const DomainXml *d) {
        _cleanup_free_ char *cpu_type = domxml_qemu_cpu_type(d);
        _cleanup_free_ char *out = NULL, *again = NULL, *error = NULL;
        _cleanup_(domxml_freep) DomainXml *adjusted = NULL;
        int r;

        if (!cpu_type)
                cpu_type = strdup("host-arm-cpu");
        FUZZ_ASSERT(cpu_type);
        r = domxml_apply_adjustments(xml, size, cpu_type, adjustments, ELEMENTSOF(adjustments), &out, &error);
        if (r == -EEXIST) {
                /* the domain binds the prefix "qemu" to another namespace: said, not guessed around */
                FUZZ_ASSERT(error && error[0] && !out);
                return;
        }
        if (r < 0)
                fprintf(stderr, "a domain that parses cannot be adjusted: %s\n", error ? error : "(no reason)");
        FUZZ_ASSERT(r == 0 && out);

        free(error);
        error = NULL;
        r = domxml_parse(out, strlen(out), &adjusted, &error);
        if (r < 0)
                fprintf(stderr, "the adjusted domain does not parse: %s\n", error ? error : "(no reason)");
        FUZZ_ASSERT(r == 0);
        check_same_domain(d, adjusted);

        /* The hook may run twice on one migration: the second run adds nothing. */
        FUZZ_ASSERT(domxml_apply_adjustments(out, strlen(out), cpu_type, adjustments, ELEMENTSOF(adjustments),
                                             &again, NULL) == 0);
        FUZZ_ASSERT(strcmp(again, out) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(domxml_freep) DomainXml *d = NULL;
        _cleanup_free_ char *error = NULL;
        const char *xml = (const char *) data;
        int r;

        if (size > FUZZ_MAX_INPUT)
                return 0;
        r = domxml_parse(xml, size, &d, &error);
        if (r < 0) {
                FUZZ_ASSERT(!d);
                check_refusal(r, error);
                return 0;
        }
        FUZZ_ASSERT(r == 0 && d && d->name);

        check_record(d);
        if (d->record_json)
                check_record_element(d);
        check_adjustments(xml, size, d);
        return 0;
}
