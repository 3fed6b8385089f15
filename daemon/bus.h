/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * The org.kvmregs.Profile1 object on an sd-bus connection (docs/org.kvmregs.Profile1.md):
 * an sd_bus_vtable of its methods, properties and signal, run on the daemon's sd-event loop.
 */
#include <stdbool.h>
#include <systemd/sd-event.h>

#include "shared-profile.h"

#include "kvmregs-bus.h"   /* generated from dbus/org.kvmregs.Profile1.xml */

/* Limits on what a caller can make the daemon allocate. */
#define BUS_MAX_SOURCE_PROFILE     (4u * 1024u * 1024u)   /* Compare's source_profile, bytes */
#define BUS_MAX_CONFIG_NAME        64u                    /* a configuration name, bytes */
/* Compare and CompareDomain (docs/kvmregsd.md, "Load"): root's are computed at once on the
 * loop; the others on BUS_WORKERS threads, taken round-robin by connection. A connection has
 * at most BUS_MAX_CALLER_JOBS of them in progress (waiting for the bus to name its uid,
 * queued or running), and none is taken while kvmregsd's heap holds more than BUS_MAX_HEAP
 * bytes: beyond either, Busy. */
#define BUS_WORKERS                2
#define BUS_MAX_CALLER_JOBS        2u
#define BUS_MAX_HEAP               (192u * 1024u * 1024u)
#define BUS_MAX_UNIDENTIFIED       32u    /* calls waiting for their uid, over BUS_MAX_HEAP */
#define BUS_MAX_CALLERS            8192u                  /* connections remembered at once */
/* The send buffer of the bus socket: what root's answer may wait behind at dbus-daemon. */
#define BUS_SOCKET_BUFFER          (64 * 1024)
/* Answers queued for the bus (it reads them promptly; this bounds a stalled bus). */
#define BUS_MAX_OUTGOING           (64 * 1024 * 1024)

typedef struct Bus Bus;

typedef struct BusCallbacks {
        /* Refresh() from root: re-read or re-probe. 0, or -errno with *ret_message (malloc'd). */
        int (*refresh)(void *userdata, char **ret_message);
        /* The answer to bus_request_name(): 0, or -EEXIST (someone else has the name),
         * -EACCES (the policy forbids it), another -errno; message says why (NULL on success). */
        void (*name_requested)(void *userdata, int r, const char *message);
        /* The connection to the bus is gone (or never came up: authentication failed). */
        void (*disconnected)(void *userdata);
} BusCallbacks;

/*
 * Connects to address (NULL: the system bus, or the session bus if session), registers the
 * object and attaches the connection to event; the name is requested separately.
 * shared->profile is read from this (the only writing) thread without its lock, and by the
 * bus's BUS_WORKERS worker threads (started here, joined by bus_free) under it. On failure
 * *ret_error (if not NULL) gets a malloc'd message.
 */
int bus_new(sd_event *event, const char *address, bool session, SharedProfile *shared,
            const BusCallbacks *callbacks, void *userdata, Bus **ret, char **ret_error);
/* Releases the name, writes out what is queued (only on a connection that is up) and closes
 * the connection; NULL-safe. */
Bus *bus_free(Bus *bus);
static inline void bus_freep(Bus **bus) { if (*bus) bus_free(*bus); }

/* Asks for KVMREGS_BUS_NAME without waiting; the answer comes to callbacks->name_requested. */
int bus_request_name(Bus *bus);

/* After shared->profile was replaced: serialises it once, emits PropertiesChanged for
 * what changed and ProfileChanged when the digest changed. -ENOMEM, -EILSEQ. */
int bus_profile_changed(Bus *bus);
/* Sets the State property ("ready", "no arm64 KVM here: ..."). -ENOMEM. */
int bus_set_state(Bus *bus, const char *state);
