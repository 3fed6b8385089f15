/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * Runs a libdbus connection on an sd-event loop: libdbus's watches become io sources,
 * its timeouts time sources, and queued messages are dispatched from a defer source.
 */
#include <dbus/dbus.h>
#include <systemd/sd-event.h>

typedef struct BusLoop BusLoop;

/* Attaches connection to event (neither is owned). -ENOMEM. */
int bus_loop_new(sd_event *event, DBusConnection *connection, BusLoop **ret);
/* Detaches from the connection and frees every source; NULL-safe, returns NULL. */
BusLoop *bus_loop_free(BusLoop *loop);
static inline void bus_loop_freep(BusLoop **loop) { if (*loop) bus_loop_free(*loop); }
