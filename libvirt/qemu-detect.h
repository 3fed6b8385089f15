/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * This host's QEMU for aarch64 KVM guests, for the profile's "host"."qemu"
 * (docs/profile-format.md): which emulator libvirt would run, its version and its load
 * behaviour, detected from the binary (lib/qemu-run.h).
 */
#include "profile.h"

#define QEMU_DETECT_MAX_CAPABILITIES (4u * 1024u * 1024u)   /* bytes of `virsh capabilities` read */

/*
 * The aarch64 KVM emulator a libvirt capabilities document names: in the <guest> whose
 * <arch name='aarch64'>, the <emulator> of <domain type='kvm'> if it has its own, else the
 * arch's <emulator> when a kvm domain is listed; without one (an x86 machine lists only
 * 'qemu'), the arch's <emulator>. -ENOENT when there is no aarch64 guest, -EINVAL when xml
 * is not a capabilities document, -ENOMEM.
 */
int qemu_detect_emulator_from_capabilities(const char *xml, size_t size, char **ret_path);

/*
 * Where this host's aarch64 QEMU is: libvirt's capabilities (`virsh -r -c URI capabilities`,
 * uri NULL: libvirt's default) when use_libvirt and libvirt answers within timeout_ms, else
 * qemu-system-aarch64 on PATH. *ret_how says which ("libvirt capabilities", "PATH").
 * -ENOENT when neither finds one.
 */
int qemu_detect_find_emulator(const char *uri, bool use_libvirt, int timeout_ms, char **ret_path,
                              const char **ret_how);
