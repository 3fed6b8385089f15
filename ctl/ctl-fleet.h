/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* What kvmregsctl's fleet views (matrix, groups, whatif, fleet) share: lib/fleet.h decides, these lay out. */
#include <stdio.h>

#include <json-c/json.h>

#include "ctl.h"
#include "fleet.h"

typedef struct CtlFleet {
        Fleet *fleet;
        FleetMatrix *matrix;
        size_t n_unreachable;         /* fleet --hosts: hosts that could not be asked */
} CtlFleet;

void ctl_fleet_done(CtlFleet *cf);

/*
 * Loads the fleet from ctl->args (and --hosts for fleet), says on stderr what was left out, and
 * computes the matrix over ctl->config. CTL_EXIT_OK, or the exit status after saying why:
 * CTL_EXIT_EMPTY_FLEET (CTL_EXIT_UNREACHABLE when --hosts reached none), CTL_EXIT_USAGE.
 */
int ctl_fleet_load(Ctl *ctl, CtlFleet *cf);
/* The exit status once the views are printed: left out → 2, --hosts unreachable → 3; else verdict. */
int ctl_fleet_exit(const CtlFleet *cf, int verdict_status);
/* Inputs left out / notes as a JSON array; NULL on ENOMEM. */
json_object *ctl_fleet_problems_json(const Fleet *f, bool left_out);

/* "✓", "~", "✗", "-": the cell's mark. */
const char *ctl_cell_mark(const FleetCell *c);
/* "compatible", "compatible-after-adjustment", "incompatible", "not-run" (the source cannot run
 * the configuration), "no-common-configuration". */
const char *ctl_cell_verdict(const FleetCell *c);
/* Why a cell fails, one line: "MIDR_EL1, ID_PFR0_EL1 in base" (the first fatal registers and the
 * configuration of the first), or the cell's state. */
void ctl_cell_cause(const Fleet *f, size_t from_class, const FleetCell *c, char *buf, size_t size);
/* The cell as a JSON object (verdict, fatal, compared, first_fatal[...]); NULL on ENOMEM. */
json_object *ctl_cell_json(const Fleet *f, size_t from_class, const FleetCell *c);
/* "a, b, c, +N more" of a class's hosts, at most about width columns (without 'except'). */
void ctl_class_hosts(const Fleet *f, size_t class_id, size_t except, size_t width, char *buf, size_t size);
/* A CSV field, quoted when it must be (RFC 4180). */
void ctl_csv_field(FILE *out, const char *s, bool last);

/* The views, printed from a loaded fleet (text, --json or --csv). With --json and into set, their
 * keys are added to into (fleet prints matrix and groups as one document); else printed. */
int ctl_matrix_print(Ctl *ctl, const CtlFleet *cf, json_object *into);
int ctl_groups_print(Ctl *ctl, const CtlFleet *cf, const FleetGroups *g, json_object *into);
