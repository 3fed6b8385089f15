/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * The org.kvmregs.Profile1 object on a D-Bus connection (docs/org.kvmregs.Profile1.md):
 * methods, properties, signals, and the error names callers see.
 */
#include <stdbool.h>
#include <systemd/sd-event.h>

#include "shared-profile.h"

#include "kvmregs-bus.h"   /* generated from dbus/org.kvmregs.Profile1.xml */

/* Limits on what a caller can make the daemon allocate. */
#define BUS_MAX_SOURCE_PROFILE     (4u * 1024u * 1024u)   /* Compare's source_profile, bytes */
#define BUS_MAX_CONFIG_NAME        64u                    /* a configuration name, bytes */
/* Incoming message limit: the system bus's own default, so that nothing the bus
 * forwards makes libdbus drop the connection; the per-argument limits apply below it. */
#define BUS_MAX_MESSAGE            (32u * 1024u * 1024u)
/* Answers queued for the bus (it reads them promptly; this bounds a stalled bus). */
#define BUS_MAX_OUTGOING           (64 * 1024 * 1024)

typedef struct Bus Bus;

typedef struct BusCallbacks {
        /* Refresh() from root: re-read or re-probe. 0, or -errno with *ret_message (malloc'd). */
        int (*refresh)(void *userdata, char **ret_message);
        /* The connection to the bus is gone. */
        void (*disconnected)(void *userdata);
} BusCallbacks;

/*
 * Connects to address (NULL: the system bus, or the session bus if session) and
 * registers the object; the name is requested separately. shared->profile is read from
 * this (the only writing) thread without its lock. On failure *ret_error (if not NULL)
 * gets a malloc'd message.
 */
int bus_new(sd_event *event, const char *address, bool session, SharedProfile *shared,
            const BusCallbacks *callbacks, void *userdata, Bus **ret, char **ret_error);
Bus *bus_free(Bus *bus);   /* releases the name and closes the connection; NULL-safe */
static inline void bus_freep(Bus **bus) { if (*bus) bus_free(*bus); }

/* Takes BUS_NAME. -EEXIST if someone else has it, -EACCES if the policy forbids it. */
int bus_request_name(Bus *bus, char **ret_error);

/* After shared->profile was replaced: serialises it once, emits PropertiesChanged for
 * what changed and ProfileChanged when the digest changed. -ENOMEM. */
int bus_profile_changed(Bus *bus);
/* Sets the State property ("ready", "no arm64 KVM here: ..."). -ENOMEM. */
int bus_set_state(Bus *bus, const char *state);
