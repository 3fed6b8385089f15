/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * The fleet store: the directory `kvmregsctl collect` writes and the fleet views read
 * (docs/kvmregsctl.md, "The fleet store").
 *
 *   DIR/<host>.json   one profile per host, as kvmregsd's GetProfile returns it
 *   DIR/index.json    {"format": "kvmregs-fleet-index", "version": 1,
 *                      "hosts":  [{"host": NAME, "file": "NAME.json", "digest": "<64 hex>",
 *                                  "size": BYTES, "mtime_ns": N}, ...],
 *                      "failed": [{"host": NAME, "reason": "..."}, ...]}
 *                     both arrays sorted by host (bytewise); a host at most once in "hosts".
 *
 * "digest" is the profile's digest (Profile.digest: the migration-relevant content, not the
 * host's names). A reader trusts it only while the file's size and mtime_ns are the ones
 * recorded; otherwise it parses the file. "failed" lists the hosts the collector could not
 * record, and why; readers report them and leave them out.
 *
 * This interface is stable: the writer's side is what collect calls.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"

#define FLEET_INDEX_FILE     "index.json"
#define FLEET_INDEX_FORMAT   "kvmregs-fleet-index"
#define FLEET_INDEX_VERSION  1
#define FLEET_HOST_NAME_MAX  255u            /* bytes of a host name in the store */
#define FLEET_REASON_MAX     4096u           /* bytes of a failure's "reason" */

typedef struct FleetIndexEntry {
        const char *host;                        /* fleet_host_name_valid() */
        const char *file;                        /* base name in DIR; NULL: "<host>.json" */
        char digest[PROFILE_DIGEST_HEX + 1];     /* the profile's digest, 64 lower-case hex */
        uint64_t size;                           /* the file's size in bytes */
        int64_t mtime_ns;                        /* the file's st_mtim in nanoseconds */
} FleetIndexEntry;

typedef struct FleetFailure {
        const char *host;                        /* any non-empty string of at most FLEET_HOST_NAME_MAX bytes */
        const char *reason;                      /* one line; at most FLEET_REASON_MAX bytes */
} FleetFailure;

/*
 * A host name usable as a store file name: 1..FLEET_HOST_NAME_MAX bytes of [A-Za-z0-9._:-],
 * not starting with '.' or '-', and not "index" (DIR/index.json is the index).
 */
bool fleet_host_name_valid(const char *host);

/*
 * Writes DIR/<host>.json (json, size bytes: the document p was parsed from) atomically: a temporary
 * file in DIR (O_CLOEXEC, mode 0644), fsync, rename. Fills *ret for fleet_index_write(): host (the
 * pointer given: keep it alive), file NULL, p's digest, and the size and mtime_ns of the file
 * written. -EINVAL (invalid host name), -errno.
 */
int fleet_store_write_profile(const char *dir, const char *host, const char *json, size_t size,
                              const Profile *p, FleetIndexEntry *ret);

/*
 * Writes DIR/index.json atomically (temporary file in DIR, O_CLOEXEC, fsync, rename): entries and
 * failed, each sorted by host here (the caller's order does not matter, its arrays are not
 * changed). -EINVAL: an invalid host or file name, a digest that is not 64 lower-case hex, a host
 * twice in entries, a failure without host or reason; -ENOMEM; -errno of the file system.
 */
int fleet_index_write(const char *dir, const FleetIndexEntry *entries, size_t n,
                      const FleetFailure *failed, size_t n_failed);

/* An index as read back: every string owned by it. */
typedef struct FleetIndex {
        FleetIndexEntry *entries;                /* valid entries, in the document's order */
        size_t n_entries;
        FleetFailure *failed;                    /* the collector's "failed" list */
        size_t n_failed;
        FleetFailure *rejected;                  /* entries left out: host (or "hosts[N]") and why */
        size_t n_rejected;
} FleetIndex;

FleetIndex *fleet_index_free(FleetIndex *idx);   /* NULL-safe, returns NULL */
static inline void fleet_index_freep(FleetIndex **idx) { if (*idx) fleet_index_free(*idx); }

/*
 * Parses an index document (at most KVMREGS_MAX_DOCUMENT bytes). The document as a whole (JSON,
 * "format", "version", "hosts" an array) must be right: -EINVAL (-EPROTONOSUPPORT for another
 * version) with *ret_why (malloc'd; may be NULL) then. A wrong entry (bad host or file name,
 * digest, size, mtime_ns; a host seen before) is moved to rejected, not an error. -ENOMEM.
 */
int fleet_index_parse(const char *json, size_t size, FleetIndex **ret, char **ret_why);
