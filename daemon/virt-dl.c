/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvirt's client library, loaded when the watcher starts (virt-dl.h). */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "virt-dl.h"

#define VIRT_DL_DEFINE(f) __typeof__(f) *sym_##f;
VIRT_DL_SYMBOLS(VIRT_DL_DEFINE)
#undef VIRT_DL_DEFINE

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_result;
static char *load_error;

static void load(void) {
        const char *e;
        void *h;

        /* never closed: the watcher thread may outlive watch_free() (a hung libvirtd) */
        h = dlopen(VIRT_DL_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        if (!h) {
                e = dlerror();
                load_error = strdup_printf("cannot load libvirt's client library: %s", e ? e : VIRT_DL_SONAME);
                load_result = -ELIBACC;
                return;
        }
#define VIRT_DL_RESOLVE(f)                                                                        \
        sym_##f = (__typeof__(f) *) dlsym(h, #f);                                                 \
        if (!sym_##f) {                                                                           \
                load_error = strdup_printf("libvirt's client library (" VIRT_DL_SONAME ") lacks %s", #f); \
                load_result = -ELIBBAD;                                                           \
                return;                                                                           \
        }
        VIRT_DL_SYMBOLS(VIRT_DL_RESOLVE)
#undef VIRT_DL_RESOLVE
        load_result = 0;
}

int virt_dl_load(char **ret_error) {
        pthread_once(&load_once, load);
        if (load_result < 0 && ret_error)
                *ret_error = strdup(load_error ? load_error : "cannot load libvirt's client library");
        return load_result;
}
