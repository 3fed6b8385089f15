/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * Follows libvirt (its own thread, libvirt's default event loop): stamps every running
 * domain's <metadata> with the record of what it will send when it migrates.
 */
#include "shared-profile.h"

typedef struct Watch Watch;

/* Starts the thread; connects to uri (NULL: qemu:///system), reconnecting when libvirtd restarts. */
int watch_new(const char *uri, SharedProfile *shared, Watch **ret);
Watch *watch_free(Watch *w);   /* stops the thread; NULL-safe */
static inline void watch_freep(Watch **w) { if (*w) watch_free(*w); }
/* Restamp running domains (after a refresh changed the profile). Thread-safe. */
void watch_profile_changed(Watch *w);
