/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* The daemon's current profile, read by the bus side and by the libvirt watcher thread. */
#include <pthread.h>
#include "profile.h"
#include "qemu-run.h"

typedef struct SharedProfile {
        pthread_mutex_t lock;   /* held while reading or replacing profile */
        Profile *profile;       /* NULL while no profile is known */
        /* Set by the watcher; called (without lock) after a refresh replaced the profile. */
        void (*changed)(void *userdata);
        void *changed_userdata;
        /* What was detected of the domains' own emulators (lib/qemu-run.h; its own lock): filled
         * by the watcher and root's CompareDomain, read by everybody's. NULL: none kept. */
        QemuCache *qemu_cache;
} SharedProfile;
