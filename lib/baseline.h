/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * The baseline of a set of hosts: what a guest must be started with to move freely among them
 * (docs/kvmregsctl.md, "baseline").
 *
 *  - the vCPU settings every host offers: PMU, SVE and the vector lengths all have, pointer
 *    auth, MTE (domain.h's DomainCpu: each 1 when every host offers it, else 0);
 *  - the firmware pseudo-registers to pin: PSCI_VERSION, the lowest of the set (a guest started
 *    on 7.2 gets PSCI 1.3, which 6.12 refuses: -cpu host,kvm-psci-version=1.1);
 *  - per ID register field the hosts disagree on, the value every host's kernel accepts
 *    (rules_kernel_accepts: writable masks from 6.7, each field's safe rule), the candidates
 *    tried in the order of the field's rule (lower-safe: the lowest first, higher-safe: the
 *    highest, higher-or-zero: 0 then the highest, exact: the safe value, then the hosts' own);
 *    a field no value of which every host takes is left as each host has it;
 *  - the host pairs that still cannot migrate with all of that applied, by profile_compare() of
 *    each host's guest record under the baseline with every other host.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "domain.h"
#include "profile.h"
#include "regnames.h"
#include "rules.h"

typedef struct BaselineHost {
        const Profile *profile;       /* the caller's */
        const char *label;            /* the caller's */
        const VcpuConfig *config;     /* the host's configuration of the baseline vCPU; NULL: none recorded */
        Profile *record;              /* a guest's record of config under the baseline values; NULL with config */
        uint64_t psci_version;        /* the host's own (0: not recorded) */
} BaselineHost;

typedef struct BaselineField {
        uint64_t reg;
        const IdField *field;         /* static (id_reg_lookup()) */
        bool settable;                /* every host's kernel takes value (with its own value of the rest) */
        int64_t value;                /* the first candidate by the rule every host takes; if none
                                       * (settable false), the rule's first: the hosts cannot agree */
        int64_t *host_values;         /* per host (n_hosts; only where has_value) */
        bool *has_value;              /* the host records the register */
        bool *accepts;                /* the host's kernel takes value */
} BaselineField;

typedef struct BaselinePair {
        size_t from, to;              /* indices into hosts */
        Report *report;               /* the comparison under the baseline; NULL: could not compare */
        char *why;                    /* one line: the first fatal finding, or why not compared */
} BaselinePair;

typedef struct Baseline {
        BaselineHost *hosts;
        size_t n_hosts;
        DomainCpu cpu;                /* mode host-passthrough; pmu, sve, pauth, mte 0 or 1; SVE lengths */
        uint32_t sve_vls_all;         /* lengths (bit n: 128*(n+1) bits) every SVE host offers */
        uint32_t sve_vls_any;         /* ... any host offers */
        uint32_t features;            /* kvm_vcpu_init features[0] of that vCPU */
        uint32_t features_any;        /* features QEMU's -cpu host builds on at least one host */
        bool writable_id_regs;        /* every host recorded writable masks */
        uint64_t psci_version;        /* the lowest of the set; 0 if no host recorded one */
        bool psci_differs;            /* the hosts do not all have it: pin it */
        BaselineField *fields;        /* ID fields the hosts disagree on, by register then shift */
        size_t n_fields;
        BaselinePair *impossible;     /* ordered pairs that still cannot migrate, by from then to */
        size_t n_impossible;
        size_t n_pairs;               /* ordered pairs compared (n × (n - 1)) */
} Baseline;

Baseline *baseline_free(Baseline *b);   /* NULL-safe, returns NULL */
static inline void baseline_freep(Baseline **b) { if (*b) baseline_free(*b); }

/*
 * The baseline of n hosts (at least 1; labels: names for messages, unique). -EINVAL (n 0),
 * -ENOMEM. The profiles and labels must outlive the result.
 */
int baseline_compute(const Profile *const *hosts, const char *const *labels, size_t n, Baseline **ret);

/* A guest-record profile of the baseline configuration (the first host's record under the
 * baseline, labelled "baseline"); NULL if no host records the baseline vCPU. Owned by b. */
const Profile *baseline_record(const Baseline *b);

/* Whether the field lowered on host i (the guest sees more there than the baseline gives). */
bool baseline_field_lowered_on(const BaselineField *f, size_t i);

/*
 * What to put in the libvirt domain XML: <cpu>, <features>, and <qemu:commandline> for what
 * libvirt has no element for (pointer auth, MTE, the PSCI version). malloc'd, NULL on ENOMEM.
 */
char *baseline_libvirt_xml(const Baseline *b);
/* The QEMU -cpu properties of the baseline ("host,pmu=on,sve=off,..."). malloc'd or NULL. */
char *baseline_qemu_cpu(const Baseline *b);
/* "1.1" for a PSCI_VERSION value into buf. */
const char *baseline_psci_name(uint64_t version, char *buf, size_t size);
