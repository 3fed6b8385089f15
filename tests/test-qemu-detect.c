/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which emulator libvirt would run for aarch64 KVM guests (libvirt/qemu-detect.c): on the
 * capabilities a real libvirtd 9.0 (Debian 12, x86) answered, recorded in tests/data/qemu,
 * and on that document turned into an arm64 KVM host's (a <domain type='kvm'> added).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-detect.h"
#include "testutil.h"
#include "util.h"

/* s with the first from after the aarch64 guest's <arch> replaced by to. */
static char *replace(const char *s, const char *from, const char *to) {
        const char *arch = strstr(s, "<arch name='aarch64'>");
        const char *p = arch ? strstr(arch, from) : NULL;

        if (!p)
                return NULL;
        return strdup_printf("%.*s%s%s", (int) (p - s), s, to, p + strlen(from));
}

int main(void) {
        _cleanup_free_ char *xml = NULL, *path = NULL, *kvm = NULL, *own = NULL, *none = NULL;
        size_t size = 0;

        CHECK_INT(read_file_bounded(test_data("qemu/capabilities-x86-7.2.xml"), QEMU_DETECT_MAX_CAPABILITIES, &xml,
                                    &size), 0);
        if (!xml)
                return test_summary("test-qemu-detect");
        /* x86: aarch64 guests are TCG only (domain type 'qemu'); the arch's emulator */
        CHECK_INT(qemu_detect_emulator_from_capabilities(xml, size, &path), 0);
        CHECK_STR(path, "/usr/bin/qemu-system-aarch64");
        free(path);
        path = NULL;

        /* an arm64 KVM host: a kvm domain without its own emulator uses the arch's */
        kvm = replace(xml, "<domain type='qemu'/>\n    </arch>", "<domain type='qemu'/>\n      <domain type='kvm'/>\n    </arch>");
        CHECK(kvm != NULL);
        if (kvm) {
                CHECK_INT(qemu_detect_emulator_from_capabilities(kvm, strlen(kvm), &path), 0);
                CHECK_STR(path, "/usr/bin/qemu-system-aarch64");
                free(path);
                path = NULL;
                /* ... and with its own, that one */
                own = replace(kvm, "<domain type='kvm'/>",
                              "<domain type='kvm'>\n        <emulator>/usr/libexec/qemu-kvm</emulator>\n      </domain>");
                CHECK_INT(qemu_detect_emulator_from_capabilities(own, strlen(own), &path), 0);
                CHECK_STR(path, "/usr/libexec/qemu-kvm");
        }
        /* no aarch64 guest at all */
        none = replace(xml, "<arch name='aarch64'>", "<arch name='riscv64'>");
        CHECK(none != NULL);
        if (none)
                CHECK_INT(qemu_detect_emulator_from_capabilities(none, strlen(none), &(char *) { NULL }), -ENOENT);
        CHECK_INT(qemu_detect_emulator_from_capabilities("<domain/>", 9, &(char *) { NULL }), -EINVAL);
        CHECK_INT(qemu_detect_emulator_from_capabilities("not xml", 7, &(char *) { NULL }), -EINVAL);
        return test_summary("test-qemu-detect");
}
