/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * libvirt's client library, loaded with dlopen() rather than linked: kvmregsd loads it at
 * start-up unless --no-libvirt, so that a daemon without the watcher maps none of it (45 of
 * its 62 shared objects; the figures are in docs/performance.md). The watcher calls libvirt only
 * through these sym_ pointers, valid once virt_dl_load() has returned 0. (Sanitizer builds link
 * libvirt as well: daemon/daemon.mk says why.)
 */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#define VIRT_DL_SONAME "libvirt.so.0"

#define VIRT_DL_SYMBOLS(X)                                                                        \
        X(virConnectClose) X(virConnectDomainEventDeregisterAny) X(virConnectDomainEventRegisterAny) \
        X(virConnectListAllDomains) X(virConnectOpen) X(virConnectRegisterCloseCallback)             \
        X(virConnectSetKeepAlive) X(virConnectUnregisterCloseCallback) X(virDomainFree)              \
        X(virDomainGetJobInfo) X(virDomainGetMetadata) X(virDomainGetState)                          \
        X(virDomainGetUUIDString) X(virDomainGetXMLDesc) X(virDomainIsPersistent)                    \
        X(virDomainLookupByUUIDString) X(virDomainSetMetadata) X(virEventAddTimeout)                 \
        X(virEventRegisterDefaultImpl) X(virEventRemoveTimeout) X(virEventRunDefaultImpl)            \
        X(virEventUpdateTimeout) X(virGetLastError) X(virGetLastErrorMessage) X(virSetErrorFunc)

#define VIRT_DL_DECLARE(f) extern __typeof__(f) *sym_##f;
VIRT_DL_SYMBOLS(VIRT_DL_DECLARE)
#undef VIRT_DL_DECLARE

/*
 * Loads the library and resolves every symbol above, once for the process (any thread may
 * call it; later calls return the first result). 0; or -ELIBACC (the library cannot be
 * loaded) or -ELIBBAD (it lacks a symbol), with *ret_error saying which and why.
 */
int virt_dl_load(char **ret_error);

static inline void sym_virDomainFreep(virDomainPtr *d) {
        if (*d)
                sym_virDomainFree(*d);
}

/* The last libvirt error of this thread, as text (virt-util.h's virt_last_error()). */
static inline const char *sym_virt_last_error(void) {
        const char *m = sym_virGetLastErrorMessage();

        return m && *m ? m : "unknown libvirt error";
}
