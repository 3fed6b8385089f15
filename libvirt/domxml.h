/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * A libvirt domain's XML as kvmregs needs it: the vCPU QEMU will build, and the
 * record (<metadata>) of what the guest sends when it migrates. libxml2, no entity
 * expansion, no network, a size limit. Used by the hook, kvmregsctl and kvmregsd.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain.h"
#include "profile.h"

#define KVMREGS_METADATA_NS      "http://kvmregs.org/xmlns/record/1"
#define KVMREGS_METADATA_PREFIX  "kvmregs"
#define KVMREGS_METADATA_ELEMENT "record"
#define DOMXML_MAX_SIZE          (8u * 1024u * 1024u)

typedef struct DomainXml {
        char *name;
        char *uuid;
        char *arch;               /* <os><type arch=...> */
        char *cpu_mode;           /* host-passthrough, host-model, custom, maximum; NULL if no <cpu> */
        char *cpu_model;          /* <cpu><model> text, or NULL */
        char *emulator;           /* <devices><emulator> */
        /* vCPU features asked for in the XML; -1 = not said (QEMU's default), 0 off, 1 on */
        int pmu;                  /* <features><pmu state=...> */
        int sve;                  /* <cpu><feature name='sve'> */
        uint32_t sve_vls_on;      /* bit n: sve(128*(n+1)) asked on via <feature name='sveNNN' policy='require'> */
        uint32_t sve_vls_off;     /* ... disabled */
        int pauth;                /* no libvirt element today: -1 */
        int mte;                  /* <features><...> or machine mte=on via qemu:commandline: -1 if unknown */
        char *record_json;        /* the kvmregs record from <metadata>, or NULL */
        char *record_domain_uuid; /* the uuid the record says it belongs to */
} DomainXml;

/* -EINVAL malformed / not a domain, -E2BIG over DOMXML_MAX_SIZE; *ret_error says why. */
int domxml_parse(const char *xml, size_t size, DomainXml **ret, char **ret_error);
DomainXml *domxml_free(DomainXml *d);
static inline void domxml_freep(DomainXml **d) { if (*d) domxml_free(*d); }

/* The vCPU the domain asks for, as the core compares it (lib/domain.h); points into d. */
void domxml_cpu(const DomainXml *d, DomainCpu *ret);

/*
 * The record element, the one writer of it: <record domain="UUID" host="NAME"
 * profile-digest="SHA256">JSON</record>. host and profile-digest (may be NULL) say at a
 * glance (virsh dumpxml) which host and which of its profiles stamped it; readers take the
 * facts from the JSON. declare_namespace: with xmlns:kvmregs, to embed in a domain XML;
 * without, for virDomainSetMetadata, which puts it in KVMREGS_METADATA_NS itself and refuses
 * an element that already declares the prefix. NULL on bad input or ENOMEM.
 */
char *domxml_metadata_element(const char *domain_uuid, const char *host, const char *profile_digest,
                              const char *record_json, bool declare_namespace);
/* The <kvmregs:record> element with its namespace, holding record_json (no host, no digest). */
char *domxml_record_element(const char *domain_uuid, const char *record_json);
/* The profile-digest attribute of a record element as libvirt returns it; NULL if none. */
char *domxml_metadata_profile_digest(const char *element);

/* QEMU's CPU type for -global: "host-arm-cpu", "max-arm-cpu", "cortex-a57-arm-cpu". */
char *domxml_qemu_cpu_type(const DomainXml *d);

/* An adjustment QEMU can take as -global TYPE.ADJUSTMENT: "prop=value", plain words only. */
bool domxml_adjustment_is_valid(const char *adjustment);

/*
 * The domain XML with adjustments applied as QEMU arguments
 * (<qemu:commandline><qemu:arg value='-global'/><qemu:arg value='TYPE.PROP=VAL'/>),
 * everything else byte-for-byte preserved in meaning. adjustments are "prop=value".
 */
int domxml_apply_adjustments(const char *xml, size_t size, const char *cpu_type,
                             char *const *adjustments, size_t n_adjustments,
                             char **ret_xml, char **ret_error);
