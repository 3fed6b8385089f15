/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * Probes the host's /dev/kvm: for every vCPU configuration the host supports a VM
 * and a vCPU, KVM_GET_REG_LIST, KVM_GET_ONE_REG, KVM_ARM_GET_REG_WRITABLE_MASKS.
 * Builds on arm64 only for the real thing; elsewhere probe_host() says why not.
 */
#include "profile.h"

/*
 * dev_path: normally "/dev/kvm". On success *ret is a complete profile (host
 * identity included). On failure returns -ENODEV (no /dev/kvm), -EACCES,
 * -EOPNOTSUPP (not arm64 KVM) or another -errno, and *ret_reason (if not NULL) gets
 * a malloc'd sentence for the daemon's State: "no arm64 KVM here: ...".
 */
int probe_host(const char *dev_path, Profile **ret, char **ret_reason);
