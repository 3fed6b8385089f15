/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * kvmregsd --export-dir: this host's own scheduler file (KubeVirt node labels or a Nova provider
 * config, lib/fleet-export.h's layout, the one kvmregsctl export writes), rewritten whenever the
 * profile changes. Alone, a host knows its class and whether its guests move among hosts of its
 * class; which other classes it accepts needs the fleet (kvmregsctl collect + export).
 */
#include "fleet-export.h"
#include "profile.h"

/* Writes DIR/<host>.yaml for profile p (host: p's host name, else this machine's). -errno with
 * *ret_error (malloc'd) saying why. */
int host_export_write(const Profile *p, const char *dir, FleetExportFormat format, char **ret_error);
