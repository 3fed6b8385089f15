/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fleet views at scale (prints figures; no pass/fail). From the real profiles in tests/data it
 * makes, in a temporary directory:
 *   - a store of 10,000 hosts (index.json, as collect writes it) of 44 distinct profiles: the 11
 *     recordings, each in 4 steppings (MIDR_EL1's revision changed, so the digests differ);
 *     the hosts of one profile are hard links to one file (same size and mtime: the index is
 *     trusted), named host00000..host09999;
 *   - 1,000 profile files without an index, of the same 44 profiles, each with its own label;
 *   - 1,000 files of 1,000 distinct profiles (MIDR_EL1 revision/variant/architecture varied).
 * Each is loaded, compared (matrix over every configuration) and grouped in a child process, on
 * 2 threads; the time and the child's peak RSS are printed.
 *
 * bench/bench-fleet [DATA_DIR [HOSTS]]
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fleet.h"
#include "util.h"

#define MIDR_EL1 UINT64_C(0x603000000013c000)

static const char *const names[] = {
        "5.10-cortex-a72", "6.1-cortex-a57", "6.1-cortex-a72", "6.1-max", "6.1-neoverse-n1", "6.12-cortex-a57",
        "6.12-cortex-a72", "6.12-max", "6.12-neoverse-n1", "7.2-cortex-a72", "7.2-max",
};
#define N_BASE ELEMENTSOF(names)

static double now(void) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

static void set_reg(RegValue *v, size_t n, uint64_t id, uint64_t value) {
        for (size_t i = 0; i < n; i++)
                if (v[i].id == id)
                        v[i].value = value;
}

/* A variant of base: MIDR_EL1 with revision, variant and architecture bits from k (k = 0: as is). */
static char *variant_json(const char *base_json, size_t size, unsigned k, const char *label) {
        _cleanup_(profile_freep) Profile *p = NULL;
        ProfileError e = {};

        if (profile_parse(base_json, size, &p, &e) < 0)
                return NULL;
        if (k) {
                for (size_t c = 0; c < p->n_configs; c++) {
                        VcpuConfig *cfg = &p->configs[c];
                        uint64_t midr;

                        if (cfg->skipped || !vcpu_config_get_value(cfg, MIDR_EL1, &midr))
                                continue;
                        midr = (midr & ~UINT64_C(0xf0000f) & ~UINT64_C(0xf0000)) | (k % 16) | ((k / 16 % 16) << 20) |
                               ((uint64_t) (k / 256 % 16) << 16);
                        set_reg(cfg->values, cfg->n_values, MIDR_EL1, midr);
                        set_reg(cfg->id_regs, cfg->n_id_regs, MIDR_EL1, midr);
                }
                profile_update_digest(p);
        }
        if (label) {
                free(p->label);
                p->label = strdup(label);
        }
        return profile_to_json(p, false);
}

static int write_file(const char *path, const char *s) {
        FILE *f = fopen(path, "we");
        if (!f)
                return -errno;
        fputs(s, f);
        return fclose(f) == 0 ? 0 : -errno;
}

/* What the child measured, in memory it shares with the parent. */
typedef struct Figures {
        size_t hosts, classes, parsed, comparisons, groups;
        double load, matrix;
} Figures;

/* Loads, compares and groups in a child; prints time and its peak RSS, and a "= " summary
 * line for `make bench` (bench/bench.sh). */
static void measure(const char *what, const char *const *paths, size_t n_paths, double target_s) {
        Figures *fig = mmap(NULL, sizeof(Figures), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        struct rusage ru;
        int status;
        double t0, total;
        pid_t pid;

        if (fig == MAP_FAILED) {
                printf("%-44s failed: %s\n", what, strerror(errno));
                return;
        }
        fflush(stdout);
        t0 = now();
        pid = fork();

        if (pid == 0) {
                Fleet *f = NULL;
                FleetMatrix *m = NULL;
                FleetGroups *g = NULL;
                double a = now(), b, c;

                if (fleet_load(paths, n_paths, 2, &f) < 0)
                        _exit(1);
                b = now();
                if (fleet_matrix_new(f, NULL, 2, &m) < 0 || fleet_groups_new(f, m, &g) < 0)
                        _exit(1);
                c = now();
                *fig = (Figures) { f->n_hosts, f->n_classes, f->n_parsed, m->n_comparisons, g->n_groups, b - a, c - b };
                fleet_groups_free(g);
                fleet_matrix_free(m);
                fleet_free(f);
                _exit(0);
        }
        if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                printf("%-44s failed\n", what);
                munmap(fig, sizeof(Figures));
                return;
        }
        total = now() - t0;
        printf("%-44s %6zu hosts %5zu classes %5zu parsed %7zu comparisons %4zu groups: load %.3f s, "
               "matrix+groups %.3f s, total %.3f s, peak RSS %.1f MiB\n",
               what, fig->hosts, fig->classes, fig->parsed, fig->comparisons, fig->groups, fig->load, fig->matrix,
               total, (double) ru.ru_maxrss / 1024.0);
        printf("= fleet: %s | matrix+groups %.3f s, total %.3f s (%zu hosts, %zu classes) | ", what, fig->matrix,
               total, fig->hosts, fig->classes);
        if (target_s > 0)
                printf("target total < %.0f s: %s; ", target_s, total < target_s ? "met" : "MISSED");
        printf("%zu comparisons, %.1f us each on 2 threads; load %.3f s; peak RSS %.1f MiB\n", fig->comparisons,
               fig->comparisons ? fig->matrix * 1e6 / (double) fig->comparisons : 0.0, fig->load,
               (double) ru.ru_maxrss / 1024.0);
        munmap(fig, sizeof(Figures));
}

int main(int argc, char *argv[]) {
        const char *data = argc > 1 ? argv[1] : ABS_TOP_SRCDIR "/tests/data";
        size_t hosts = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000;
        char tmp[] = "/tmp/bench-fleet.XXXXXX", path[4096], target[4096];
        char *base[N_BASE] = {};
        size_t base_size[N_BASE];
        const char *store_path;
        char **files = NULL;
        size_t n_profiles = N_BASE * 4;
        FleetIndexEntry *entries;
        char (*host_names)[32];
        double t0;

        if (!mkdtemp(tmp)) {
                perror("mkdtemp");
                return 1;
        }
        for (size_t i = 0; i < N_BASE; i++) {
                snprintf(path, sizeof(path), "%s/%s.json", data, names[i]);
                if (read_file_bounded(path, KVMREGS_MAX_DOCUMENT, &base[i], &base_size[i]) < 0) {
                        fprintf(stderr, "cannot read %s\n", path);
                        return 1;
                }
        }

        /* the store: one file per distinct profile, hard-linked per host */
        t0 = now();
        snprintf(path, sizeof(path), "%s/store", tmp);
        mkdir(path, 0755);
        snprintf(path, sizeof(path), "%s/profiles", tmp);
        mkdir(path, 0755);
        entries = calloc(hosts, sizeof(*entries));
        host_names = calloc(hosts, sizeof(*host_names));
        for (size_t k = 0; k < n_profiles; k++) {
                _cleanup_free_ char *json = variant_json(base[k % N_BASE], base_size[k % N_BASE], (unsigned) (k / N_BASE), NULL);
                Profile *p = NULL;
                ProfileError e = {};
                FleetIndexEntry entry;
                char name[32];

                snprintf(name, sizeof(name), "p%02zu", k);
                snprintf(target, sizeof(target), "%s/profiles", tmp);
                if (!json || profile_parse(json, strlen(json), &p, &e) < 0 ||
                    fleet_store_write_profile(target, name, json, strlen(json), p, &entry) < 0) {
                        fprintf(stderr, "cannot write profile %zu\n", k);
                        return 1;
                }
                profile_free(p);
                /* hosts of this profile: a skewed mix (many of a few, few of many) */
                for (size_t h = k; h < hosts; h += n_profiles) {
                        snprintf(host_names[h], sizeof(host_names[h]), "host%05zu", h);
                        snprintf(path, sizeof(path), "%s/store/%s.json", tmp, host_names[h]);
                        snprintf(target, sizeof(target), "%s/profiles/%s.json", tmp, name);
                        if (link(target, path) < 0) {
                                perror("link");
                                return 1;
                        }
                        entries[h] = entry;
                        entries[h].host = host_names[h];
                }
        }
        snprintf(path, sizeof(path), "%s/store", tmp);
        if (fleet_index_write(path, entries, hosts, NULL, 0) < 0) {
                fprintf(stderr, "cannot write the index\n");
                return 1;
        }
        printf("store of %zu hosts, %zu distinct profiles written in %.2f s\n", hosts, n_profiles, now() - t0);
        store_path = path;
        measure("store with index.json", &store_path, 1, 2);

        /* 1,000 files without index, 44 distinct profiles */
        files = calloc(1000, sizeof(char *));
        snprintf(target, sizeof(target), "%s/files", tmp);
        mkdir(target, 0755);
        for (size_t i = 0; i < 1000; i++) {
                char label[32];
                _cleanup_free_ char *json = NULL;

                snprintf(label, sizeof(label), "file%04zu", i);
                json = variant_json(base[i % N_BASE], base_size[i % N_BASE], (unsigned) (i / N_BASE % 4), label);
                files[i] = strdup_printf("%s/files/%s.json", tmp, label);
                if (!json || !files[i] || write_file(files[i], json) < 0)
                        return 1;
        }
        measure("1,000 files, no index (44 distinct)", (const char *const *) files, 1000, 5);
        snprintf(target, sizeof(target), "%s/files", tmp);
        store_path = target;
        measure("the same as a directory without index", &store_path, 1, 0);

        /* 1,000 distinct */
        snprintf(target, sizeof(target), "%s/distinct", tmp);
        mkdir(target, 0755);
        for (size_t i = 0; i < 1000; i++) {
                char label[32];
                _cleanup_free_ char *json = NULL;

                snprintf(label, sizeof(label), "d%04zu", i);
                json = variant_json(base[i % N_BASE], base_size[i % N_BASE], (unsigned) (i / N_BASE) + 1, label);
                free(files[i]);
                files[i] = strdup_printf("%s/distinct/%s.json", tmp, label);
                if (!json || !files[i] || write_file(files[i], json) < 0)
                        return 1;
        }
        measure("1,000 distinct profiles", (const char *const *) files, 1000, 0);

        for (size_t i = 0; i < 1000; i++)
                free(files[i]);
        free(files);
        free(entries);
        free(host_names);
        for (size_t i = 0; i < N_BASE; i++)
                free(base[i]);
        snprintf(path, sizeof(path), "rm -rf '%s'", tmp);
        if (system(path) != 0)
                fprintf(stderr, "cannot remove %s\n", tmp);
        return 0;
}
