/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * What a scheduler needs from the fleet (kvmregsctl export, docs/scheduler-export.md): a short
 * stable id per class, and which classes' guests each class's hosts accept. Decided here from
 * lib/fleet.h's matrix, so that export and `kvmregsctl matrix` can never disagree.
 */
#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "fleet.h"

#define FLEET_CLASS_ID_LEN 12u    /* hex digits of the digest that name a class */

/* The class's short id: the first FLEET_CLASS_ID_LEN hex digits of its profile digest (lower case). */
void fleet_class_short_id(const Fleet *f, size_t class_id, char ret[FLEET_CLASS_ID_LEN + 1]);

/*
 * 0 when every class's short id is distinct; -EEXIST when two are not (*ret_a < *ret_b are the
 * first two classes that share one).
 */
int fleet_class_ids_check(const Fleet *f, size_t *ret_a, size_t *ret_b);

/* The configurations a profile can run (those not skipped). */
size_t fleet_runnable_configs(const Profile *p);

/*
 * Does a host of class host_class accept the guests started on the hosts of class guest_class:
 * does such a guest migrate there (compatible, or compatible after adjustment)?
 *   m->config set: the guest runs that configuration, and the matrix's cell for it works.
 *   m->config NULL: for every configuration the guest's class runs, whichever the guest runs:
 *     the cell works AND every configuration guest_class runs was compared (the destination
 *     runs each of them), so no configuration the destination lacks is overlooked. This is
 *     stricter than the matrix's "the worst of those both run".
 */
bool fleet_accepts(const Fleet *f, const FleetMatrix *m, size_t guest_class, size_t host_class);

/* ---- the files a scheduler reads: one layout, written by kvmregsctl export and kvmregsd ---- */

typedef enum FleetExportFormat {
        FLEET_EXPORT_KUBEVIRT,      /* node label patches: OUTDIR/<node>.yaml, OUTDIR/labels.json */
        FLEET_EXPORT_NOVA,          /* provider config files: OUTDIR/<host>.yaml */
} FleetExportFormat;

/* "kubevirt" or "nova"; -EINVAL for anything else. */
int fleet_export_format_from_name(const char *name, FleetExportFormat *ret);
const char *fleet_export_format_name(FleetExportFormat format);

/* Class ids and who accepts whom, computed once for a fleet and its matrix. */
typedef struct FleetExport {
        const Fleet *fleet;
        const FleetMatrix *matrix;
        FleetExportFormat format;
        char (*ids)[FLEET_CLASS_ID_LEN + 1];    /* per class */
        bool *accepts;                          /* [host_class * n_classes + guest_class] */
} FleetExport;

/* -EEXIST when two classes share a short id (*ret_a < *ret_b, may be NULL), -ENOMEM. */
int fleet_export_new(const Fleet *f, const FleetMatrix *m, FleetExportFormat format, FleetExport **ret,
                     size_t *ret_a, size_t *ret_b);
FleetExport *fleet_export_free(FleetExport *e);
static inline void fleet_export_freep(FleetExport **e) { if (*e) fleet_export_free(*e); }

/*
 * The file of host i ("<label>.yaml"): KubeVirt's label patch or Nova's provider config. For
 * KubeVirt, labels (may be NULL) also gets the node's labels as a JSON object. With *ret_why
 * (malloc'd): -EINVAL when the host name is not valid for the format (a Kubernetes node name is a
 * lower-case DNS subdomain), -EBADMSG when a label or trait would not be; -ENOMEM.
 */
int fleet_export_host_file(const FleetExport *e, size_t host, char **ret_text, json_object *labels, char **ret_why);
/* The classes as JSON: [{id, digest, hosts, accepts}]; NULL on ENOMEM. */
json_object *fleet_export_classes_json(const FleetExport *e);
/* KubeVirt's OUTDIR/labels.json for every node whose labels are in nodes; NULL on ENOMEM. */
char *fleet_export_labels_json(const FleetExport *e, json_object *nodes);
