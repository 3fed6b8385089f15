/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* kvmregsctl's verbs and what they share: options, exit statuses, loading and printing. */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

#include "profile.h"
#include "rules.h"

/* Documented in kvmregsctl --help and docs/kvmregsctl.md. */
enum {
        CTL_EXIT_OK = 0,             /* done; compatible (or compatible after adjustment) */
        CTL_EXIT_INCOMPATIBLE = 1,   /* incompatible, or the check/migration failed */
        CTL_EXIT_USAGE = 2,          /* bad usage or bad input */
        CTL_EXIT_UNREACHABLE = 3,    /* kvmregsd or libvirt unreachable, or a timeout */
        CTL_EXIT_EMPTY_FLEET = 4,    /* matrix, groups, whatif, fleet: no host's profile could be read */
};

#define CTL_MAX_SSH_OPTIONS 32u
#define CTL_DEFAULT_TIMEOUT_MS 2000

typedef struct Ctl {
        /* global */
        const char *bus_address;     /* NULL: the system bus */
        int timeout_ms;              /* each D-Bus call */
        int connect_timeout_ms;      /* connecting (ssh, authentication, Hello); 0: busclient's default */
        bool json, verbose;
        /* per verb */
        const char *config, *dst_config;
        const char *src_qemu, *dst_qemu;   /* compare, check: QEMU versions over the profiles' */
        bool local;
        const char *to, *from, *dest_profile, *dest_bus, *bridge, *domain_xml, *record, *hosts;
        bool summary;                /* check: report_summary()'s text instead of the report */
        char *ssh_options[CTL_MAX_SSH_OPTIONS + 1];   /* NULL-terminated */
        size_t n_ssh_options;
        bool live, p2p, tunnelled, persistent, undefine_source, force;
        /* positional arguments after the verb */
        char **args;
        size_t n_args;
        /* fleet views (matrix, groups, whatif, fleet) */
        bool csv, per_host, per_class;
        const char *host, *new_profile;
        /* collect, baseline, export */
        const char *output, *hosts_file, *profile_out, *format;
        unsigned parallel;           /* collect: connections at once; 0: the default */
} Ctl;

static inline void json_object_putp(json_object **o) {
        if (*o)
                json_object_put(*o);
}
#define _cleanup_json_ __attribute__((cleanup(json_object_putp)))


/* Each verb returns an exit status and has said why on stderr when it is not 0. */
int ctl_show(Ctl *ctl);
int ctl_compare(Ctl *ctl);
int ctl_profile(Ctl *ctl);
int ctl_status(Ctl *ctl);
int ctl_compare_local(Ctl *ctl);
int ctl_check(Ctl *ctl);
int ctl_migrate(Ctl *ctl);
int ctl_fleet(Ctl *ctl);
int ctl_matrix(Ctl *ctl);
int ctl_groups(Ctl *ctl);
int ctl_whatif(Ctl *ctl);
int ctl_baseline(Ctl *ctl);
int ctl_collect(Ctl *ctl);
int ctl_export(Ctl *ctl);

/* ---- shared helpers (ctl-common.c) ---- */
void ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints o as pretty JSON (the --json output of the views that are not a report); -ENOMEM, said. */
int ctl_print_json(json_object *o);

/* Reads at most max bytes of a file ("-": stdin); -E2BIG above; NUL-terminated. */
int ctl_read_file(const char *path, size_t max, char **ret_data, size_t *ret_size);
/* Loads and validates a profile ("-": stdin); on failure says why (with the error's path)
 * and returns CTL_EXIT_USAGE, else CTL_EXIT_OK. ret_data (may be NULL): the document. */
int ctl_load_profile(const char *path, Profile **ret, char **ret_data);
int ctl_parse_profile(const char *what, const char *data, size_t size, Profile **ret);
/* The configuration or an error naming the ones there are; NULL then. */
const VcpuConfig *ctl_get_config(const Profile *p, const char *what, const char *name);
/* Short label for a profile in tables: its label, else the file's base name. */
const char *ctl_profile_label(const Profile *p, const char *path);

int ctl_exit_for_verdict(Verdict v);
/* Exit status for a busclient error: unreachable/timeouts → 3, bad answers → 3, else 2. */
int ctl_exit_for_bus_error(int r);
/* Says why a bus call failed; 'where' names the daemon ("kvmregsd on the system bus"). */
void ctl_bus_error(const char *where, const char *what, int r, const char *message);

/* Compares src and dst over one configuration, or every configuration both run when
 * config is NULL; prints (text or JSON) and returns the exit status. */
/* --src-qemu/--dst-qemu into the profiles' "qemu" objects (NULL-safe); CTL_EXIT_USAGE if unparsable. */
int ctl_apply_qemu(Ctl *ctl, Profile *src, Profile *dst);
int ctl_compare_profiles(Ctl *ctl, const Profile *src, const char *src_name, const Profile *dst,
                         const char *dst_name, const char *config, const char *dst_config);
/* Prints one report: report_to_json(r, false) (--json, the daemon's own form), report_summary()
 * (--summary) or report_print(); returns the exit status of its verdict. */
int ctl_print_report(Ctl *ctl, const Report *r);
/* The report JSON a kvmregsd sent (with its verdict), read back by the core and printed as
 * ctl_print_report() prints ours; an answer the core cannot read is the daemon's fault (3). */
int ctl_print_report_json(Ctl *ctl, const char *where, const char *verdict, const char *report_json);
/* The daemon's report JSON read back by the core (report_from_json), or NULL after saying why. */
Report *ctl_read_report_json(const char *where, const char *verdict, const char *report_json);
/* A report as a JSON object (for documents that hold several), or NULL. */
json_object *ctl_report_json_object(const Report *r);
/* Prints one profile (text or JSON); with config, the register tables of that configuration. */
int ctl_print_profile(Ctl *ctl, const Profile *p, const char *config);
/* Asks a kvmregsd to compare source_json (a profile or a guest's record, already parsed as
 * source) over config, or over every configuration the source runs; prints; exit status. */
struct BusClient;
int ctl_remote_compare(Ctl *ctl, struct BusClient *bus, const char *where, const char *source_json,
                       const Profile *source, const char *config);
/* Says why a call to kvmregsd failed and returns the exit status; config: the configuration
 * the call named (an -ENOENT then asks the daemon which ones it has), or NULL. */
int ctl_bus_call_failed(struct BusClient *bus, const char *where, const char *what, const char *config, int r,
                        const char *message);
/* Connects to kvmregsd at address (NULL: the system bus); says why not and returns 3. */
int ctl_bus_connect(Ctl *ctl, const char *address, const char *where, struct BusClient **ret);
