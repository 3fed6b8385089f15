/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* What kvmregsd and kvmregsctl both need around libvirt's client library. */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

static inline void virDomainFreep(virDomainPtr *d) {
        if (*d)
                virDomainFree(*d);
}

static inline void virConnectClosep(virConnectPtr *c) {
        if (*c)
                virConnectClose(*c);
}

static inline void virt_error_ignore(void *userdata, virErrorPtr error) {
        (void) userdata;
        (void) error;
}

/* libvirt prints every error itself unless told not to; kvmregs says each once, with context. */
static inline void virt_errors_quiet(void) {
        virSetErrorFunc(NULL, virt_error_ignore);
}

/* The last libvirt error of this thread, as text. */
static inline const char *virt_last_error(void) {
        const char *m = virGetLastErrorMessage();

        return m && *m ? m : "unknown libvirt error";
}
