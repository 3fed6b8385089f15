/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * The vCPU QEMU builds for a libvirt domain on a host, and the one comparison of a guest's
 * record with it. The libvirt layer fills a DomainCpu from the domain XML; kvmregsd's
 * CompareDomain, the hook (through it) and kvmregsctl check (online and offline) all
 * decide here.
 */
#include <stdint.h>

#include "profile.h"
#include "rules.h"

/* What a domain asks of its vCPU. Tristates: -1 not said (QEMU's default), 0 off, 1 on. */
typedef struct DomainCpu {
        const char *name;         /* the domain's name, for messages; may be NULL */
        const char *arch;         /* <os><type arch=...>; NULL if unset */
        const char *mode;         /* host-passthrough, host-model, custom, maximum; NULL: no <cpu> */
        const char *model;        /* <cpu><model>, or NULL */
        int pmu;
        int sve;
        int pauth;
        int mte;
        uint32_t sve_vls_on;      /* bit n: sve(128*(n+1)) required */
        uint32_t sve_vls_off;     /* ... disabled */
} DomainCpu;

#define DOMAIN_CPU_INIT { .pmu = -1, .sve = -1, .pauth = -1, .mte = -1 }

/*
 * The kvm_vcpu_init features[0] QEMU builds for this CPU on a host with this profile:
 * QEMU's defaults for -cpu host (every feature the host offers) minus what the domain
 * turns off; 0 if cpu or host is NULL. MTE is cpu->mte == 1.
 */
uint32_t domain_cpu_features(const DomainCpu *cpu, const Profile *host);
/* The host configuration with those features (and MTE), or NULL if the host records none. */
const VcpuConfig *domain_cpu_config(const DomainCpu *cpu, const Profile *host);

/* -EINVAL with *ret_why (malloc'd) when the document is not a guest record (one configuration). */
int domain_record_check(const Profile *record, char **ret_why);
/* -EINVAL with *ret_why (malloc'd) when the domain has no arm64 vCPU to compare. */
int domain_cpu_check(const DomainCpu *cpu, char **ret_why);

/*
 * The guest's record (what its vCPU sends) against the vCPU the host's QEMU builds for the
 * domain. Always a report once both checks above pass: a host that cannot build that vCPU
 * is a fatal finding; features QEMU would build beyond the record's are adjustments.
 * -EINVAL (the checks), -ENOMEM.
 */
int profile_compare_domain(const Profile *record, const Profile *host, const DomainCpu *cpu, Report **ret);

/*
 * The QEMU that will load the incoming migration: the domain's <devices><emulator> when it is
 * not the one the host profile's host.qemu describes (docs/rules.md, "The destination QEMU's
 * load path"). Filled by qemu_domain_qemu() (lib/qemu-run.h); all NULL/false: the profile's.
 */
typedef struct DomainQemu {
        char *emulator;           /* the domain's <emulator>, when it was considered */
        ProfileQemu qemu;         /* has_load: it, detected (origin QEMU_ORIGIN_DOMAIN) */
        char *not_used;           /* else why not ("it is not owned by root") */
} DomainQemu;

/* Frees what d holds and zeroes it (NULL-safe). */
void domain_qemu_done(DomainQemu *d);

/*
 * profile_compare_domain() with the domain's own QEMU (NULL: as profile_compare_domain()):
 * the rules apply dq->qemu's load when it has one, and the report names the emulator, how it
 * was detected, or why it was not used (Report.dst_qemu_emulator, dst_qemu_not_used).
 */
int profile_compare_domain_with(const Profile *record, const Profile *host, const DomainCpu *cpu,
                                const DomainQemu *dq, Report **ret);
