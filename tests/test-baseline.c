/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/baseline.c on the recorded profiles of tests/data: the settings, the XML and -cpu text,
 * the ID fields, and exactly the pairs that stay impossible. The facts behind the expectations:
 * 7.2 offers PSCI 1.3 and 6.12/6.1 1.1 (fw_regs of the recordings); 6.12 sends more cpreg
 * entries than 7.2 has and 7.2 more than 6.1 (their reg lists); 6.12-max's HCX is not writable
 * and 6.1-max has HCX 0; the three CPU models have three MIDRs.
 */
#include <errno.h>

#include "baseline.h"
#include "testutil.h"
#include "util.h"

#define MAX_HOSTS 8

typedef struct Set {
        Profile *p[MAX_HOSTS];
        const char *labels[MAX_HOSTS];
        size_t n;
} Set;

static void set_load(Set *s, const char *const *names) {
        ProfileError e;

        s->n = 0;
        for (; *names; names++) {
                int r = profile_load(test_data(*names), &s->p[s->n], &e);
                CHECK_INT(r, 0);
                if (r < 0)
                        exit(1);
                s->labels[s->n++] = *names;
        }
}

static void set_done(Set *s) {
        for (size_t i = 0; i < s->n; i++)
                profile_free(s->p[i]);
}

static const BaselineField *field(const Baseline *b, const char *name) {
        char buf[160], reg[REG_NAME_MAX];

        for (size_t k = 0; k < b->n_fields; k++) {
                snprintf(buf, sizeof(buf), "%s.%s", reg_id_name(b->fields[k].reg, reg, sizeof(reg)), b->fields[k].field->name);
                if (strcmp(buf, name) == 0)
                        return &b->fields[k];
        }
        return NULL;
}

/* "0>2 1>0 ..." of the impossible pairs */
static char *pairs(const Baseline *b) {
        char *s = NULL;
        size_t size;
        FILE *f = open_memstream(&s, &size);

        for (size_t k = 0; k < b->n_impossible; k++)
                fprintf(f, "%s%zu>%zu", k ? " " : "", b->impossible[k].from, b->impossible[k].to);
        fclose(f);
        return s;
}

/* 7.2, 6.12 and 6.1 on QEMU's max CPU: everything but MTE offered by all; PSCI pinned to 1.1. */
static void test_max_kernels(void) {
        static const char *const names[] = { "7.2-max.json", "6.12-max.json", "6.1-max.json", NULL };
        _cleanup_(baseline_freep) Baseline *b = NULL;
        _cleanup_free_ char *xml = NULL, *cpu = NULL, *pp = NULL;
        const BaselineField *x;
        Set s;

        set_load(&s, names);
        CHECK_INT(baseline_compute((const Profile *const *) s.p, s.labels, s.n, &b), 0);
        if (!b)
                return;
        CHECK_INT(b->cpu.pmu, 1);
        CHECK_INT(b->cpu.sve, 1);
        CHECK_INT(b->cpu.pauth, 1);
        CHECK_INT(b->cpu.mte, 0);
        CHECK_INT(b->sve_vls_all, 0xffff);
        CHECK_INT(b->cpu.sve_vls_on, 0);
        CHECK_INT(b->cpu.sve_vls_off, 0);
        CHECK_INT(b->features, VCPU_FEATURE_PSCI_0_2 | VCPU_FEATURE_PMU_V3 | VCPU_FEATURE_SVE |
                               VCPU_FEATURE_PTRAUTH_ADDRESS | VCPU_FEATURE_PTRAUTH_GENERIC);
        for (size_t i = 0; i < s.n; i++)
                CHECK_STR(b->hosts[i].config ? b->hosts[i].config->name : NULL, "all");
        CHECK_INT(b->hosts[0].psci_version, 0x10003);
        CHECK_INT(b->psci_version, 0x10001);
        CHECK(b->psci_differs);
        CHECK(!b->writable_id_regs);            /* 6.1 has no masks */

        /* the fields the three disagree on, and what every kernel takes */
        CHECK_INT(b->n_fields, 5);
        x = field(b, "ID_AA64DFR0_EL1.DebugVer");
        CHECK(x && x->settable && x->value == 6);
        CHECK(x && baseline_field_lowered_on(x, 0) && baseline_field_lowered_on(x, 1) && !baseline_field_lowered_on(x, 2));
        x = field(b, "ID_AA64DFR0_EL1.PMUVer");
        CHECK(x && x->settable && x->value == 5);
        x = field(b, "ID_DFR0_EL1.PerfMon");
        CHECK(x && x->settable && x->value == 5);
        x = field(b, "CLIDR_EL1.Ctype1");
        CHECK(x && x->settable && x->value == 3);
        /* HCX: 0 (6.1's) 6.12's kernel does not take, 1 6.1's does not: no baseline */
        x = field(b, "ID_AA64MMFR1_EL1.HCX");
        CHECK(x && !x->settable && x->accepts[0] && !x->accepts[1] && x->accepts[2]);

        /* what stays impossible: the cpreg counts (6.12 > 7.2 > 6.1) and HCX from 6.1 to 6.12 */
        CHECK_INT(b->n_pairs, 6);
        pp = pairs(b);
        CHECK_STR(pp, "0>2 1>0 1>2 2>1");
        CHECK(b->n_impossible == 4 && strstr(b->impossible[0].why, "cpreg_vmstate_array_len"));
        CHECK(b->n_impossible == 4 && strstr(b->impossible[3].why, "ID_AA64MMFR1_EL1") &&
              strstr(b->impossible[3].why, "HCX"));

        xml = baseline_libvirt_xml(b);
        CHECK_STR(xml,
                  "<cpu mode='host-passthrough'>\n"
                  "  <feature policy='require' name='sve'/>\n"
                  "</cpu>\n"
                  "<features>\n"
                  "  <pmu state='on'/>\n"
                  "</features>\n"
                  "<!-- <domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'> -->\n"
                  "<qemu:commandline>\n"
                  "  <qemu:arg value='-global'/>\n"
                  "  <qemu:arg value='host-arm-cpu.kvm-psci-version=1.1'/>\n"
                  "</qemu:commandline>\n");
        cpu = baseline_qemu_cpu(b);
        CHECK_STR(cpu, "host,pmu=on,sve=on,pauth=on,kvm-psci-version=1.1");
        CHECK(baseline_record(b) == b->hosts[0].record);
        set_done(&s);
}

/* The measured fact: a guest started on 7.2 migrates to 6.12 only with PSCI pinned to 1.1. */
static void test_psci_pin(void) {
        static const char *const names[] = { "7.2-max.json", "6.12-max.json", NULL };
        _cleanup_(baseline_freep) Baseline *b = NULL;
        _cleanup_(report_freep) Report *plain = NULL, *pinned = NULL;
        _cleanup_(profile_freep) Profile *record = NULL;
        _cleanup_free_ char *pp = NULL;
        const Profile *rec;
        uint64_t v = 0;
        bool psci_fatal = false;
        Set s;

        set_load(&s, names);
        CHECK_INT(baseline_compute((const Profile *const *) s.p, s.labels, s.n, &b), 0);
        if (!b)
                return;
        /* without the baseline: PSCI 1.3 is refused by 6.12 */
        CHECK_INT(profile_extract_config(s.p[0], "all", &record), 0);
        CHECK_INT(profile_compare(record, "all", s.p[1], "all", &plain), 0);
        CHECK(plain && plain->verdict == VERDICT_INCOMPATIBLE);
        for (size_t i = 0; plain && i < plain->n_findings; i++)
                if (plain->findings[i].reg == REG_ID_PSCI_VERSION && plain->findings[i].severity == SEVERITY_FATAL)
                        psci_fatal = true;
        CHECK(psci_fatal);
        /* with it: 7.2 -> 6.12 works; 6.12 -> 7.2 stays impossible (cpreg count) */
        rec = b->hosts[0].record;
        CHECK(rec && vcpu_config_get_value(&rec->configs[0], REG_ID_PSCI_VERSION, &v) && v == 0x10001);
        CHECK_INT(profile_compare(rec, "all", s.p[1], "all", &pinned), 0);
        CHECK(pinned && pinned->verdict != VERDICT_INCOMPATIBLE);
        pp = pairs(b);
        CHECK_STR(pp, "1>0");
        set_done(&s);
}

/* Three CPU models on 6.12: different MIDRs, nothing makes them one; pointer auth and SVE off. */
static void test_cpu_models(void) {
        static const char *const names[] = { "6.12-neoverse-n1.json", "6.12-cortex-a72.json", "6.12-max.json", NULL };
        _cleanup_(baseline_freep) Baseline *b = NULL;
        _cleanup_free_ char *xml = NULL, *cpu = NULL, *pp = NULL;
        const BaselineField *x;
        Set s;

        set_load(&s, names);
        CHECK_INT(baseline_compute((const Profile *const *) s.p, s.labels, s.n, &b), 0);
        if (!b)
                return;
        CHECK_INT(b->cpu.pmu, 1);
        CHECK_INT(b->cpu.sve, 0);
        CHECK_INT(b->cpu.pauth, 0);
        CHECK(!b->psci_differs);
        CHECK(b->writable_id_regs);
        for (size_t i = 0; i < s.n; i++)
                CHECK_STR(b->hosts[i].config ? b->hosts[i].config->name : NULL, "pmu");
        x = field(b, "MIDR_EL1.PartNum");
        CHECK(x && !x->settable);
        x = field(b, "ID_AA64ISAR0_EL1.ATOMIC");
        CHECK(x && x->settable && x->value == 0);
        pp = pairs(b);
        CHECK_STR(pp, "0>1 0>2 1>0 1>2 2>0 2>1");
        for (size_t k = 0; k < b->n_impossible; k++)
                CHECK(strncmp(b->impossible[k].why, "MIDR_EL1: ", 10) == 0);
        xml = baseline_libvirt_xml(b);
        CHECK_STR(xml,
                  "<cpu mode='host-passthrough'>\n"
                  "  <feature policy='disable' name='sve'/>\n"
                  "</cpu>\n"
                  "<features>\n"
                  "  <pmu state='on'/>\n"
                  "</features>\n"
                  "<!-- <domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'> -->\n"
                  "<qemu:commandline>\n"
                  "  <qemu:arg value='-global'/>\n"
                  "  <qemu:arg value='host-arm-cpu.pauth=off'/>\n"
                  "</qemu:commandline>\n");
        cpu = baseline_qemu_cpu(b);
        CHECK_STR(cpu, "host,pmu=on,sve=off,pauth=off");
        set_done(&s);
}

/* One host: nothing to pin, nothing to lower, no pairs. */
static void test_one_host(void) {
        static const char *const names[] = { "6.1-cortex-a72.json", NULL };
        _cleanup_(baseline_freep) Baseline *b = NULL;
        _cleanup_free_ char *xml = NULL;
        Set s;

        set_load(&s, names);
        CHECK_INT(baseline_compute((const Profile *const *) s.p, s.labels, s.n, &b), 0);
        if (!b)
                return;
        CHECK_INT(b->n_fields, 0);
        CHECK_INT(b->n_pairs, 0);
        CHECK_INT(b->n_impossible, 0);
        CHECK(!b->psci_differs);
        xml = baseline_libvirt_xml(b);
        CHECK_STR(xml, "<cpu mode='host-passthrough'>\n</cpu>\n<features>\n  <pmu state='on'/>\n</features>\n");
        CHECK_INT(baseline_compute((const Profile *const *) s.p, s.labels, 0, &b), -EINVAL);
        set_done(&s);
}

int main(void) {
        test_max_kernels();
        test_psci_pin();
        test_cpu_models();
        test_one_host();
        return test_summary("test-baseline");
}
