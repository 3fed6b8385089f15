/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * The guest record: what a guest sends when it migrates, kept in its domain's <metadata>
 * (docs/profile-format.md, "Guest records"). A profile holding one configuration (the
 * guest's) with the host's identity: the cpreg list, the ID/invariant and firmware values,
 * masks and SVE vector lengths; not the reset values of other registers (the guest's own
 * state, which the rules do not need). The profile parser reads it like any profile; its
 * digest is the digest of that one configuration's content.
 */
#include <stdbool.h>
#include <stddef.h>

#include "profile.h"

/* The record of configuration config of host p: profile_extract_config(), declared in profile.h.
 * -ENOENT, -EINVAL if p cannot run it, -ENOMEM. */

/* A record as a guest carries it: a profile with exactly one configuration. Errors as
 * profile_parse(), and -EINVAL when there is not exactly one configuration. */
int record_parse(const char *json, size_t size, Profile **ret, ProfileError *ret_error);

/* The configuration of host that QEMU here runs for a guest that arrived with carried (the
 * one with the carried configuration's kvm_vcpu_init features and MTE or not), or NULL. */
const VcpuConfig *record_host_config(const Profile *host, const Profile *carried);

/*
 * An arriving guest's vCPU holds carried's ID, invariant and firmware values already: QEMU wrote
 * them when the migration loaded, and the kernel took them or the migration would have failed.
 * Keeps in record (host's record of host_config) each value carried holds that this host's
 * kernel accepts (rules_kernel_accepts: on kernels with writable ID registers, the source's
 * values; before 6.7 only equal ones), so that the next destination is asked about what the
 * guest really has. Updates record's digest. Returns the number of values kept.
 */
size_t record_keep_values(Profile *record, const Profile *host, const VcpuConfig *host_config,
                          const VcpuConfig *carried);

#define RECORD_CONFIG_NAME_MAX 64     /* bytes of a record's configuration name */
#define RECORD_HOST_NAME_MAX   255    /* bytes of the host name a record names */

/*
 * Who a record says it is, without validating the rest (the hook's first look, before it asks
 * kvmregsd): the name of its one configuration (non-empty, at most RECORD_CONFIG_NAME_MAX
 * bytes) and the host's name from "host"."hostname", or the top-level "hostname" when there is
 * no "host"."hostname"; *ret_host is NULL when neither is a string of at most
 * RECORD_HOST_NAME_MAX bytes. A JSON document of at most KVMREGS_MAX_DOCUMENT bytes, nested at
 * most PROFILE_MAX_DEPTH deep. -EINVAL (not such a record), -ENOMEM.
 */
int record_identity(const char *json, size_t size, char **ret_config, char **ret_host);
