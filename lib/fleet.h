/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * Fleet views: many hosts' profiles, the class × class matrix of migration verdicts, the groups
 * a guest moves freely in, and what replacing one host's profile would change
 * (docs/kvmregsctl.md: matrix, groups, whatif, fleet).
 *
 * Hosts with the same profile digest form one class; classes are compared, never hosts, so a
 * fleet of 10,000 hosts of 40 distinct profiles costs 40 × 40 comparisons. Hosts keep the order
 * they were loaded in; classes are numbered in the order of their first host.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fleet-store.h"
#include "profile.h"
#include "rules.h"

/* ---- which configurations two profiles are compared over ---- */

/* One source configuration compared with the destination's (or why not). */
typedef struct ConfigComparisonItem {
        const VcpuConfig *config;     /* the source's */
        Report *report;               /* NULL when not compared */
        char *not_compared;           /* why not, when report is NULL */
} ConfigComparisonItem;

typedef struct ConfigComparison {
        ConfigComparisonItem *items;
        size_t n_items;
        size_t n_compared;
        Verdict verdict;              /* the worst of the compared items; incompatible if none */
        size_t n_fatal;               /* fatal findings over all compared items */
} ConfigComparison;

/*
 * config NULL: every configuration the source runs; those the destination does not run (or has
 * not) are items not compared, and the verdict is the worst of the others (incompatible when
 * none is compared). config set: that configuration of the source against dst_config (NULL: the
 * same name) of the destination, whatever the destination has (the rules then say why it fails);
 * a source that cannot run it gives one item not compared. -ENOENT: the source has no such
 * configuration; -ENOMEM.
 */
int config_comparison_new(const Profile *src, const Profile *dst, const char *config, const char *dst_config,
                          ConfigComparison **ret);
ConfigComparison *config_comparison_free(ConfigComparison *c);
static inline void config_comparison_freep(ConfigComparison **c) { if (*c) config_comparison_free(*c); }
/* Fatal findings in a report. */
size_t report_count_fatal(const Report *r);

/* ---- the fleet ---- */

typedef struct FleetHost {
        char *label;                  /* unique in the fleet */
        char *hostname;               /* its profile's host name; NULL if none or not parsed (index) */
        char *source;                 /* the file it was read from ("-": standard input) */
        size_t class_id;
} FleetHost;

typedef struct FleetClass {
        Profile *profile;             /* one host's profile stands for all (the first parsed) */
        size_t *hosts;                /* indices into Fleet.hosts, ascending */
        size_t n_hosts;
} FleetClass;

/* An input left out of the views (or a host the collector could not record), and why. */
typedef struct FleetProblem {
        char *what;                   /* a host's label, a file, "DIR/index.json" */
        char *reason;
        bool left_out;                /* false: a note (the host is in the views, e.g. the index was wrong) */
} FleetProblem;

typedef struct Fleet {
        FleetHost *hosts;
        size_t n_hosts;
        FleetClass *classes;
        size_t n_classes;
        FleetProblem *problems;
        size_t n_problems;
        size_t n_parsed;              /* profile documents parsed (the rest trusted from index.json) */
        struct FleetTables *tables;   /* private: digest → class, label → host */
} Fleet;

Fleet *fleet_free(Fleet *f);    /* NULL-safe, returns NULL */
static inline void fleet_freep(Fleet **f) { if (*f) fleet_free(*f); }

Fleet *fleet_new(void);         /* empty; NULL on ENOMEM */
/*
 * Adds one host (takes p, even on failure). The label is label if given, else the profile's
 * host name, else its label, else source's base name without ".json". A label already in the
 * fleet is a problem ("the host is named twice"): the later host is left out and 0 returned.
 * -ENOMEM.
 */
int fleet_add_profile(Fleet *f, Profile *p, const char *label, const char *source);

/*
 * Loads a fleet from paths, in order: a directory (the store: with DIR/index.json, each listed
 * host; one profile file parsed per digest, the index's digest trusted for a file only while its
 * size and mtime_ns are the index's; without an index, every DIR/ *.json in name order), a
 * profile file, or "-" (one profile on standard input). Unreadable or malformed files, index
 * entries and duplicate hosts become problems and are left out; an unreadable or malformed index
 * is a problem and the directory is read as without one. Profiles are parsed on up to threads
 * threads (0: 2). *ret is set on 0 and on -ENODATA (no host could be read: the problems say why);
 * -ENOMEM.
 */
int fleet_load(const char *const *paths, size_t n_paths, unsigned threads, Fleet **ret);

/* The host by label, or failing that by its profile's host name; NULL if none. */
const FleetHost *fleet_find_host(const Fleet *f, const char *name);

/* ---- the matrix ---- */

#define FLEET_CELL_CAUSES 3

typedef enum FleetCellState {
        FLEET_CELL_COMPARED = 0,
        FLEET_CELL_NOT_RUN,           /* the configuration asked for is one the source cannot run */
        FLEET_CELL_NONE_COMMON,       /* over all configurations: none that both run (incompatible) */
} FleetCellState;

/* Why a cell fails: a fatal finding (register 0 when the finding is about no one register). */
typedef struct FleetCause {
        uint64_t reg;
        uint8_t kind;                 /* FindingKind */
        uint8_t config;               /* index into the source class profile's configs */
} FleetCause;

typedef struct FleetCell {
        uint8_t verdict;              /* Verdict; incompatible for FLEET_CELL_NONE_COMMON */
        uint8_t state;                /* FleetCellState */
        uint8_t n_causes;             /* the first fatal registers, distinct, at most FLEET_CELL_CAUSES */
        uint8_t adjusted_config;      /* VERDICT_ADJUSTED: the first adjusted configuration (index) */
        uint32_t n_fatal;             /* fatal findings over the compared configurations */
        uint32_t n_compared;          /* configurations compared */
        FleetCause causes[FLEET_CELL_CAUSES];
} FleetCell;

typedef struct FleetMatrix {
        char *config;                 /* NULL: every configuration (the worst of those both run) */
        size_t n;                     /* classes */
        FleetCell *cells;             /* n × n, row = source class, column = destination class */
        size_t n_comparisons;         /* profile_compare() calls made */
} FleetMatrix;

FleetMatrix *fleet_matrix_free(FleetMatrix *m);
static inline void fleet_matrix_freep(FleetMatrix **m) { if (*m) fleet_matrix_free(*m); }

/*
 * Every class against every class (itself too) over config (NULL: all), as config_comparison_new()
 * compares, on up to threads threads (0: 2). -ENOMEM; -ENOENT when config is set and no class has
 * it.
 */
int fleet_matrix_new(const Fleet *f, const char *config, unsigned threads, FleetMatrix **ret);

static inline const FleetCell *fleet_cell(const FleetMatrix *m, size_t from, size_t to) {
        return &m->cells[from * m->n + to];
}
/* A guest of the source class's hosts moves to the destination's: compared and not incompatible. */
bool fleet_cell_works(const FleetCell *c);
/* The full comparison behind one cell (for reports and adjustments), as fleet_matrix_new() made it. */
int fleet_cell_comparison(const Fleet *f, const FleetMatrix *m, size_t from, size_t to, ConfigComparison **ret);

/* ---- groups ---- */

typedef struct FleetGroup {
        size_t *classes;              /* ascending class ids */
        size_t n_classes;
        size_t n_hosts;
} FleetGroup;

/* Between two groups: how many class pairs (and host pairs) migrate from one to the other. */
typedef struct FleetEdge {
        size_t from, to;              /* group indices */
        size_t class_pairs, class_pairs_working;
        uint64_t host_pairs, host_pairs_working;
        bool all;                     /* every host of from migrates to every host of to */
        bool all_back;                /* ... and back */
} FleetEdge;

typedef struct FleetGroups {
        FleetGroup *groups;
        size_t n_groups;
        size_t *group_of;             /* per class */
        FleetEdge *edges;             /* ordered pairs of groups with at least one working class pair */
        size_t n_edges;
} FleetGroups;

FleetGroups *fleet_groups_free(FleetGroups *g);
static inline void fleet_groups_freep(FleetGroups **g) { if (*g) fleet_groups_free(*g); }

/*
 * Groups: sets of classes within which every migration works both ways (every pair of classes,
 * each class with itself), built greedily: classes are taken by descending host count (ties: the
 * lower class id first) and each joins the first group (in order of creation) whose every class
 * it works with both ways, else starts a new one. A group is a clique of the two-way graph; the
 * partition is not guaranteed to be the smallest. Edges: every ordered pair of different groups
 * between which at least one class pair works. -ENOMEM.
 */
int fleet_groups_new(const Fleet *f, const FleetMatrix *m, FleetGroups **ret);

/* ---- what if one host's profile changed ---- */

typedef enum FleetDirection {
        FLEET_FROM_HOST = 0,          /* the host's guests leaving to the other class's hosts */
        FLEET_TO_HOST,                /* the other class's guests arriving on the host */
} FleetDirection;

/* Migrations between the host and the hosts of one class whose outcome the change turns. */
typedef struct FleetChange {
        FleetDirection direction;
        size_t other_class;           /* class id in the fleet */
        size_t n_hosts;               /* host pairs: the class's hosts, the host itself not counted */
        FleetCell before, after;
        bool breaks;                  /* worked before, does not after; else: becomes possible */
} FleetChange;

typedef struct FleetWhatIf {
        size_t host;                  /* index into Fleet.hosts */
        size_t old_class;
        size_t new_class;             /* a class id of the fleet when the new profile's digest is one, else SIZE_MAX */
        Profile *new_profile;         /* the profile given (owned) */
        FleetChange *changes;         /* breaks first, then by direction, class */
        size_t n_changes;
        uint64_t host_pairs_broken, host_pairs_new;
        size_t n_comparisons;
} FleetWhatIf;

FleetWhatIf *fleet_whatif_free(FleetWhatIf *w);
static inline void fleet_whatif_freep(FleetWhatIf **w) { if (*w) fleet_whatif_free(*w); }

/*
 * Host name (label or profile host name) gets profile new_profile (taken, even on failure). Only
 * the changed row and column are compared: the new class against every class, over m's
 * configuration. -ENOENT: no such host; -ENOMEM.
 */
int fleet_whatif(const Fleet *f, const FleetMatrix *m, const char *name, Profile *new_profile, unsigned threads,
                 FleetWhatIf **ret);
