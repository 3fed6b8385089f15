/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "main-loop.h"
#include "util.h"

struct BusLoop {
        sd_event *event;
        DBusConnection *connection;
        sd_event_source *dispatch;
};

/* One io source per DBusWatch. libdbus watches one socket twice (readable and
 * writable); epoll takes an fd once, so each watch gets its own dup of the fd. */
typedef struct WatchSource {
        sd_event_source *source;
        int fd;
} WatchSource;

static WatchSource *watch_source_free(WatchSource *w) {
        if (!w)
                return NULL;
        sd_event_source_disable_unref(w->source);
        if (w->fd >= 0)
                close(w->fd);
        free(w);
        return NULL;
}

static void watch_source_free_void(void *w) {
        watch_source_free(w);
}

static uint32_t watch_epoll_events(DBusWatch *watch) {
        unsigned flags = dbus_watch_get_flags(watch);
        uint32_t events = 0;

        if (flags & DBUS_WATCH_READABLE)
                events |= EPOLLIN;
        if (flags & DBUS_WATCH_WRITABLE)
                events |= EPOLLOUT;
        return events;
}

static int on_watch_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        DBusWatch *watch = userdata;
        unsigned flags = 0;

        if (revents & EPOLLIN)
                flags |= DBUS_WATCH_READABLE;
        if (revents & EPOLLOUT)
                flags |= DBUS_WATCH_WRITABLE;
        if (revents & EPOLLERR)
                flags |= DBUS_WATCH_ERROR;
        if (revents & EPOLLHUP)
                flags |= DBUS_WATCH_HANGUP;
        /* FALSE means out of memory; libdbus asks again on the next wakeup. */
        (void) dbus_watch_handle(watch, flags);
        return 0;
}

static dbus_bool_t add_watch(DBusWatch *watch, void *data) {
        BusLoop *loop = data;
        WatchSource *w;
        int r;

        w = calloc(1, sizeof(*w));
        if (!w)
                return FALSE;
        w->fd = fcntl(dbus_watch_get_unix_fd(watch), F_DUPFD_CLOEXEC, 3);
        if (w->fd < 0) {
                free(w);
                return FALSE;
        }
        r = sd_event_add_io(loop->event, &w->source, w->fd, watch_epoll_events(watch), on_watch_io, watch);
        if (r < 0) {
                watch_source_free(w);
                return FALSE;
        }
        (void) sd_event_source_set_enabled(w->source, dbus_watch_get_enabled(watch) ? SD_EVENT_ON : SD_EVENT_OFF);
        dbus_watch_set_data(watch, w, watch_source_free_void);
        return TRUE;
}

static void remove_watch(DBusWatch *watch, void *data) {
        /* Frees the WatchSource through the data's free function. */
        dbus_watch_set_data(watch, NULL, NULL);
}

static void toggle_watch(DBusWatch *watch, void *data) {
        WatchSource *w = dbus_watch_get_data(watch);

        if (w)
                (void) sd_event_source_set_enabled(w->source,
                                                   dbus_watch_get_enabled(watch) ? SD_EVENT_ON : SD_EVENT_OFF);
}

static uint64_t timeout_deadline(DBusTimeout *timeout) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u +
               (uint64_t) dbus_timeout_get_interval(timeout) * 1000u;
}

static void timeout_source_free(void *source) {
        sd_event_source_disable_unref(source);
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        DBusTimeout *timeout = userdata;

        /* libdbus timeouts repeat until removed or toggled off. */
        (void) sd_event_source_set_time(s, timeout_deadline(timeout));
        (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        (void) dbus_timeout_handle(timeout);
        return 0;
}

static dbus_bool_t add_timeout(DBusTimeout *timeout, void *data) {
        BusLoop *loop = data;
        sd_event_source *source;
        int r;

        r = sd_event_add_time(loop->event, &source, CLOCK_MONOTONIC, timeout_deadline(timeout), 1000,
                              on_timeout, timeout);
        if (r < 0)
                return FALSE;
        (void) sd_event_source_set_enabled(source, dbus_timeout_get_enabled(timeout) ? SD_EVENT_ONESHOT : SD_EVENT_OFF);
        dbus_timeout_set_data(timeout, source, timeout_source_free);
        return TRUE;
}

static void remove_timeout(DBusTimeout *timeout, void *data) {
        dbus_timeout_set_data(timeout, NULL, NULL);
}

static void toggle_timeout(DBusTimeout *timeout, void *data) {
        sd_event_source *source = dbus_timeout_get_data(timeout);

        if (!source)
                return;
        if (dbus_timeout_get_enabled(timeout)) {
                (void) sd_event_source_set_time(source, timeout_deadline(timeout));
                (void) sd_event_source_set_enabled(source, SD_EVENT_ONESHOT);
        } else
                (void) sd_event_source_set_enabled(source, SD_EVENT_OFF);
}

static int on_dispatch(sd_event_source *s, void *userdata) {
        BusLoop *loop = userdata;

        /* One message per iteration, so signals and timers get their turn. */
        if (dbus_connection_dispatch(loop->connection) == DBUS_DISPATCH_DATA_REMAINS)
                (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

static void on_dispatch_status(DBusConnection *connection, DBusDispatchStatus status, void *data) {
        BusLoop *loop = data;

        if (status == DBUS_DISPATCH_DATA_REMAINS)
                (void) sd_event_source_set_enabled(loop->dispatch, SD_EVENT_ONESHOT);
}

int bus_loop_new(sd_event *event, DBusConnection *connection, BusLoop **ret) {
        BusLoop *loop;
        int r;

        loop = calloc(1, sizeof(*loop));
        if (!loop)
                return -ENOMEM;
        loop->event = sd_event_ref(event);
        loop->connection = dbus_connection_ref(connection);

        r = sd_event_add_defer(event, &loop->dispatch, on_dispatch, loop);
        if (r < 0) {
                bus_loop_free(loop);
                return r;
        }
        (void) sd_event_source_set_enabled(loop->dispatch, SD_EVENT_OFF);

        if (!dbus_connection_set_watch_functions(connection, add_watch, remove_watch, toggle_watch, loop, NULL) ||
            !dbus_connection_set_timeout_functions(connection, add_timeout, remove_timeout, toggle_timeout, loop, NULL)) {
                bus_loop_free(loop);
                return -ENOMEM;
        }
        dbus_connection_set_dispatch_status_function(connection, on_dispatch_status, loop, NULL);
        /* Messages may already be queued (the Hello reply's neighbours). */
        if (dbus_connection_get_dispatch_status(connection) == DBUS_DISPATCH_DATA_REMAINS)
                (void) sd_event_source_set_enabled(loop->dispatch, SD_EVENT_ONESHOT);

        *ret = loop;
        return 0;
}

BusLoop *bus_loop_free(BusLoop *loop) {
        if (!loop)
                return NULL;
        if (loop->connection) {
                dbus_connection_set_dispatch_status_function(loop->connection, NULL, NULL, NULL);
                (void) dbus_connection_set_watch_functions(loop->connection, NULL, NULL, NULL, NULL, NULL);
                (void) dbus_connection_set_timeout_functions(loop->connection, NULL, NULL, NULL, NULL, NULL);
                dbus_connection_unref(loop->connection);
        }
        sd_event_source_disable_unref(loop->dispatch);
        sd_event_unref(loop->event);
        free(loop);
        return NULL;
}
