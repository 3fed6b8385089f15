/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * The nearest configuration the destination can create, for a source vCPU configuration it
 * cannot (docs/rules.md, "Behind a configuration problem"): what QEMU and KVM would build
 * once the configuration problem is fixed, so that the registers that would still fail can
 * be named.
 *
 *  - a kvm_vcpu_init feature (PMU, SVE, pointer auth, 32-bit EL1) or MTE the destination does
 *    not offer: that feature off, on both ends. The source's vCPU without it is derived from
 *    the source's configuration the way KVM builds a vCPU without the feature (the feature's
 *    registers hidden, its ID fields zero); the destination's is its recorded configuration
 *    with those features, or the recorded one nearest below them.
 *  - SVE vector lengths the destination cannot create: QEMU under KVM builds exactly the
 *    host's supported lengths up to the largest one enabled (cpu64.c arm_cpu_sve_finalize:
 *    "The KVM host requires all supported vector lengths smaller than N bits to also be
 *    enabled"). The guest's lengths limited to the longest such prefix both hosts share leave
 *    the cpreg list as it is (the SVE registers are not cpregs); without one, SVE off.
 */
#include <stdbool.h>
#include <stdint.h>

#include "profile.h"

typedef struct NearestConfig {
        VcpuConfig source;          /* the source's vCPU once fixed (owns cpregs, values, features) */
        const VcpuConfig *dest;     /* the destination's recorded configuration to compare with */
        uint32_t features_off;      /* kvm_vcpu_init features turned off (VCPU_FEATURE_*) */
        bool mte_off;               /* MTE turned off */
        unsigned sve_max_bits;      /* the guest's longest SVE vector length once fixed; 0 if unchanged */
        size_t n_fatal;             /* fatal findings of the comparison with it (set by the rules) */
} NearestConfig;

/*
 * Fills ret for source configuration s (of src) and the destination dst. 0 on success;
 * -ENOENT when the destination has no configuration to compare with; -ENOMEM.
 * ret is set only on success; nearest_config_done() releases it.
 */
int nearest_config(const Profile *src, const VcpuConfig *s, const Profile *dst, NearestConfig *ret);
void nearest_config_done(NearestConfig *n);

/*
 * The source's configuration s (of a kernel of version kernel, major*1000+minor) as KVM
 * builds it with the features off turned off and, with mte_off, without MTE. -ENOMEM.
 * ret_config's arrays are its own (nearest_config_done() semantics via vcpu_config_derived_done()).
 */
int vcpu_config_without(const VcpuConfig *s, unsigned kernel, uint32_t off, bool mte_off, VcpuConfig *ret_config);
void vcpu_config_derived_done(VcpuConfig *c);

/* Whether the SVE vector lengths of s can be created on the destination configuration d as
 * QEMU under KVM builds them; if not, ret_max_bits gets the longest length of the shared
 * prefix (0: none). */
bool sve_lengths_creatable(const VcpuConfig *s, const VcpuConfig *d, unsigned *ret_max_bits);
