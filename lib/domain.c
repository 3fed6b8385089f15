/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "util.h"

static bool cpu_is_host_like(const DomainCpu *cpu) {
        return cpu->mode && (strcmp(cpu->mode, "host-passthrough") == 0 ||
                             strcmp(cpu->mode, "maximum") == 0 ||
                             strcmp(cpu->mode, "host-model") == 0 ||
                             (strcmp(cpu->mode, "custom") == 0 && cpu->model &&
                              (strcmp(cpu->model, "host") == 0 || strcmp(cpu->model, "max") == 0)));
}

uint32_t domain_cpu_features(const DomainCpu *cpu, const Profile *host) {
        uint32_t features = VCPU_FEATURE_PSCI_0_2;

        if (!cpu || !host)
                return 0;

        /* QEMU's kvm_arch_init_vcpu: PMU whenever KVM offers it unless pmu=off */
        if (cpu->pmu != 0 && profile_get_cap(host, "KVM_CAP_ARM_PMU_V3", 0) > 0)
                features |= VCPU_FEATURE_PMU_V3;
        /* SVE and pointer auth come from the CPU model's ID registers: for host and max
         * (max is host under KVM) everything the host offers; the named Cortex/Neoverse
         * models QEMU lets KVM run (a53, a57, a72...) have neither. */
        if (cpu_is_host_like(cpu)) {
                if (cpu->sve != 0 && profile_get_cap(host, "KVM_CAP_ARM_SVE", 0) > 0)
                        features |= VCPU_FEATURE_SVE;
                if (cpu->pauth != 0 && profile_get_cap(host, "KVM_CAP_ARM_PTRAUTH_ADDRESS", 0) > 0 &&
                    profile_get_cap(host, "KVM_CAP_ARM_PTRAUTH_GENERIC", 0) > 0)
                        features |= VCPU_FEATURE_PTRAUTH_ADDRESS | VCPU_FEATURE_PTRAUTH_GENERIC;
        }
        /* el1_32bit: never, QEMU's aarch64 CPUs run AArch64 at EL1. */
        return features;
}

const VcpuConfig *domain_cpu_config(const DomainCpu *cpu, const Profile *host) {
        if (!cpu || !host)
                return NULL;
        /* MTE: only when asked. */
        return profile_find_config_by_features(host, domain_cpu_features(cpu, host), cpu->mte == 1);
}

int domain_record_check(const Profile *record, char **ret_why) {
        if (record->n_configs == 1)
                return 0;
        if (ret_why)
                *ret_why = strdup_printf("Not a guest record: it holds %zu vCPU configurations, a record holds one",
                                         record->n_configs);
        return -EINVAL;
}

int domain_cpu_check(const DomainCpu *cpu, char **ret_why) {
        if (cpu->arch && strcmp(cpu->arch, "aarch64") == 0)
                return 0;
        if (ret_why)
                *ret_why = strdup_printf("Domain %s is not an aarch64 guest (arch %.64s): no arm64 vCPU to compare",
                                         cpu->name ? cpu->name : "(unnamed)", cpu->arch ? cpu->arch : "unset");
        return -EINVAL;
}

static const char *tristate_name(int v) {
        return v == 0 ? "off" : v == 1 ? "on" : "default";
}

/*
 * The report when the host has no configuration for what QEMU builds for the domain:
 * QEMU cannot start that vCPU here, or nobody recorded it; either way nothing can be
 * said to load.
 */
static size_t text_size(const char *s) {
        return s ? strlen(s) + 1 : 0;
}

static char *text_copy(char **at, const char *s) {
        size_t n = text_size(s);
        char *r;

        if (!s)
                return NULL;
        r = memcpy(*at, s, n);
        *at += n;
        return r;
}

/*
 * fixed: the comparison once the domain's configuration is fixed (NULL: none), fix: what the fix
 * is, named in the message. Its findings follow the configuration finding, marked as after the
 * configuration fix; the verdict stays incompatible and its adjustments are not offered.
 */
static int report_unsupported(const Profile *src, const VcpuConfig *s, const Profile *host, const DomainCpu *cpu,
                              const Report *fixed, const char *fix, Report **ret) {
        _cleanup_(report_freep) Report *r = NULL;
        _cleanup_free_ char *message = NULL;
        static const char remedy[] = "migrate to a host whose CPU and kernel offer the vCPU the domain asks for, "
                                     "or change the domain's <cpu> and <features> to what this host offers";
        size_t n_fixed = fixed ? fixed->n_findings : 0, n_fatal = 0, size;
        char *text;

        for (size_t i = 0; i < n_fixed; i++)
                n_fatal += fixed->findings[i].severity == SEVERITY_FATAL;
        message = strdup_printf("this host has no vCPU configuration for what QEMU builds for the domain "
                                "(CPU mode %.64s%s%.64s, pmu %s, sve %s, mte %s): it cannot run the guest's vCPU"
                                "%s%s%s%s%s",
                                cpu->mode ? cpu->mode : "unset", cpu->model ? " model " : "",
                                cpu->model ? cpu->model : "", tristate_name(cpu->pmu), tristate_name(cpu->sve),
                                cpu->mte == 1 ? "on" : "off", fixed ? "; once the configuration is fixed (" : "",
                                fixed ? fix : "", fixed ? ", this host's configuration '" : "",
                                fixed && fixed->dst_config ? fixed->dst_config : "",
                                !fixed ? "" : n_fatal ? "') more problems would remain, marked as after the configuration fix"
                                : fixed->verdict == VERDICT_ADJUSTED ? "') it would load once pinned to the guest's features"
                                                                     : "') nothing else would fail");
        if (!message)
                return -ENOMEM;
        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->verdict = VERDICT_INCOMPATIBLE;
        r->config = strdup(s->name);
        if (!r->config)
                return -ENOMEM;
        r->src_count = s->n_cpregs;
        memcpy(r->src_digest, src->digest, sizeof(r->src_digest));
        memcpy(r->dst_digest, host->digest, sizeof(r->dst_digest));
        if (fixed) {
                /* the QEMU the comparison behind the problem assumed */
                r->dst_qemu_load = fixed->dst_qemu_load;
                r->dst_qemu_assumed = fixed->dst_qemu_assumed;
                r->dst_qemu_origin = fixed->dst_qemu_origin;
                r->src_qemu_origin = fixed->src_qemu_origin;
                if ((fixed->dst_qemu_version && !(r->dst_qemu_version = strdup(fixed->dst_qemu_version))) ||
                    (fixed->src_qemu_version && !(r->src_qemu_version = strdup(fixed->src_qemu_version))))
                        return -ENOMEM;
        }

        /* report_free() frees the findings array only: the texts live in the same allocation. */
        size = (1 + n_fixed) * sizeof(Finding) + text_size(message) + sizeof(remedy);
        for (size_t i = 0; i < n_fixed; i++)
                size += text_size(fixed->findings[i].message) + text_size(fixed->findings[i].remedy);
        r->findings = calloc(1, size);
        if (!r->findings)
                return -ENOMEM;
        r->n_findings = 1 + n_fixed;
        text = (char *) (r->findings + 1 + n_fixed);
        r->findings[0] = (Finding) {
                .kind = FINDING_CONFIG_UNSUPPORTED,
                .severity = SEVERITY_FATAL,
        };
        r->findings[0].message = text_copy(&text, message);
        r->findings[0].remedy = text_copy(&text, remedy);
        for (size_t i = 0; i < n_fixed; i++) {
                Finding *f = &r->findings[1 + i];

                *f = fixed->findings[i];
                f->after_config_fix = true;
                f->message = text_copy(&text, fixed->findings[i].message);
                f->remedy = text_copy(&text, fixed->findings[i].remedy);
        }
        *ret = TAKE_PTR(r);
        return 0;
}

/*
 * QEMU builds features no recorded configuration has (e.g. PMU and pointer auth, SVE off):
 * the guest loads only once they are pinned to the source's, which are recorded. The
 * comparison works on configurations of a profile, so it gets a view of the host with one
 * more, register-less configuration standing for QEMU's default; the comparison itself
 * is with the recorded configuration of the source's features, as for any adjustment.
 */
#define UNRECORDED_NAME_MAX 64
static int compare_unrecorded(const Profile *src, const VcpuConfig *s, const Profile *host, uint32_t features,
                              Report **ret) {
        static char *mte_features[] = { (char *) "mte_vm_cap" };
        _cleanup_free_ VcpuConfig *configs = NULL;
        char name[UNRECORDED_NAME_MAX];
        Profile view = *host;
        bool mte = vcpu_config_has_feature(s, "mte_vm_cap");

        /* named by what QEMU builds, for the report's message */
        snprintf(name, sizeof(name), "the domain's: psci%s%s%s%s", features & VCPU_FEATURE_PMU_V3 ? "+pmu" : "",
                 features & VCPU_FEATURE_SVE ? "+sve" : "", features & VCPU_FEATURE_PTRAUTH_ADDRESS ? "+ptrauth" : "",
                 mte ? "+mte" : "");
        if (profile_get_config(host, name))
                return -ENOENT;   /* a host configuration of that name: nothing to stand in for */
        /* Without the source's features here nothing can be pinned: the comparison says so
         * (no configuration of that name on the host, none with the source's features). */
        if (!profile_find_config_by_features(host, s->init_features0, mte))
                return profile_compare(src, s->name, host, name, ret);
        configs = calloc(host->n_configs + 1, sizeof(VcpuConfig));
        if (!configs)
                return -ENOMEM;
        memcpy(configs, host->configs, host->n_configs * sizeof(VcpuConfig));
        configs[host->n_configs] = (VcpuConfig) {
                .name = name,
                .init_features0 = features,
                .features = mte ? mte_features : NULL,
                .n_features = mte ? 1 : 0,
        };
        view.configs = configs;
        view.n_configs = host->n_configs + 1;
        return profile_compare(src, s->name, &view, name, ret);
}

void domain_qemu_done(DomainQemu *d) {
        if (!d)
                return;
        free(d->emulator);
        profile_qemu_done(&d->qemu);
        free(d->not_used);
        *d = (DomainQemu) {};
}

int profile_compare_domain_with(const Profile *record, const Profile *host, const DomainCpu *cpu,
                                const DomainQemu *dq, Report **ret) {
        _cleanup_(report_freep) Report *r = NULL;
        Profile view;
        int k;

        if (!host || !ret)
                return -EINVAL;
        if (!dq || !dq->emulator)
                return profile_compare_domain(record, host, cpu, ret);
        /* The host as the domain's QEMU would load it: the same profile, that QEMU's load path.
         * A shallow view: the digest stays the host profile's (the report names that profile). */
        view = *host;
        if (dq->qemu.has_load) {
                view.qemu = dq->qemu;
                view.qemu.origin = QEMU_ORIGIN_DOMAIN;
        }
        k = profile_compare_domain(record, &view, cpu, &r);
        if (k < 0)
                return k;
        if (!(r->dst_qemu_emulator = strdup(dq->emulator)))
                return -ENOMEM;
        if (dq->qemu.has_load)
                r->dst_qemu_detected = dq->qemu.detected;
        else if (!(r->dst_qemu_not_used = strdup(dq->not_used ? dq->not_used : "it could not be detected")))
                return -ENOMEM;
        *ret = TAKE_PTR(r);
        return 0;
}

int profile_compare_domain(const Profile *record, const Profile *host, const DomainCpu *cpu, Report **ret) {
        const VcpuConfig *s, *built;
        uint32_t features;
        bool mte;
        int r;

        if (!record || !host || !cpu || !ret)
                return -EINVAL;
        if (domain_record_check(record, NULL) < 0 || domain_cpu_check(cpu, NULL) < 0)
                return -EINVAL;

        s = &record->configs[0];
        features = domain_cpu_features(cpu, host);
        mte = cpu->mte == 1;
        built = profile_find_config_by_features(host, features, mte);
        r = -ENOENT;
        if (built)
                r = profile_compare(record, s->name, host, built->name, ret);
        /* Not when QEMU would build the source's own features, nor when MTE (a machine
         * property no -cpu adjustment changes) differs: nothing recorded runs that vCPU. */
        else if (features != s->init_features0 && mte == vcpu_config_has_feature(s, "mte_vm_cap"))
                r = compare_unrecorded(record, s, host, features, ret);
        if (r == -ENOENT) {
                _cleanup_(report_freep) Report *fixed = NULL;
                const VcpuConfig *without_mte = mte ? profile_find_config_by_features(host, features, false) : NULL;

                /* MTE asked for on a host without it (the machine's mte=on, which QEMU refuses there): the
                 * nearest configuration is the domain without it, compared as any domain is. */
                if (without_mte) {
                        r = profile_compare(record, s->name, host, without_mte->name, &fixed);
                        if (r < 0)
                                return r;
                }
                r = report_unsupported(record, s, host, cpu, fixed, "the domain without mte=on", ret);
        }
        return r;
}
