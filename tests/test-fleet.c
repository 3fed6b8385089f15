/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/fleet*: the store (index written and read back, atomically, strictly), loading (one parse per
 * digest, what is left out), classes, the matrix against profile_compare(), groups, what-if. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet.h"
#include "testutil.h"
#include "util.h"

static char dir[] = "/tmp/test-fleet.XXXXXX";

static Profile *load(const char *name) {
        Profile *p = NULL;
        ProfileError e = {};

        if (profile_load(test_data(name), &p, &e) < 0)
                fprintf(stderr, "%s: %s\n", name, e.message);
        return p;
}

/* DIR/<host>.json with the profile of name, through the store writer. */
static void store_host(const char *host, const char *name, FleetIndexEntry *ret) {
        _cleanup_free_ char *json = NULL;
        size_t size;
        Profile *p = NULL;
        ProfileError e = {};

        CHECK(read_file_bounded(test_data(name), KVMREGS_MAX_DOCUMENT, &json, &size) == 0);
        CHECK(profile_parse(json, size, &p, &e) == 0);
        CHECK_INT(fleet_store_write_profile(dir, host, json, size, p, ret), 0);
        profile_free(p);
}

static void test_names(void) {
        CHECK(fleet_host_name_valid("web-1.example.org"));
        CHECK(!fleet_host_name_valid(""));
        CHECK(!fleet_host_name_valid(".hidden"));
        CHECK(!fleet_host_name_valid("-x"));
        CHECK(!fleet_host_name_valid("a/b"));
        CHECK(!fleet_host_name_valid("index"));
        CHECK(!fleet_host_name_valid("a b"));
}

static void test_index(void) {
        FleetIndexEntry e[3];
        FleetFailure failed[] = { { "zz", "ssh: refused" }, { "aa", "timeout \"x\"" } };
        _cleanup_free_ char *data = NULL, *why = NULL, *path = strdup_printf("%s/index.json", dir);
        FleetIndex *idx = NULL;
        size_t size;

        store_host("c-a72", "6.1-cortex-a72.json", &e[0]);
        store_host("a-a72", "6.1-cortex-a72.json", &e[1]);
        store_host("b-612", "6.12-cortex-a72.json", &e[2]);
        CHECK_STR(e[0].digest, e[1].digest);
        CHECK(strcmp(e[0].digest, e[2].digest) != 0);

        /* refused: a duplicate, a bad digest */
        FleetIndexEntry dup[2] = { e[0], e[0] };
        CHECK_INT(fleet_index_write(dir, dup, 2, NULL, 0), -EINVAL);
        FleetIndexEntry bad = e[0];
        bad.digest[3] = 'X';
        CHECK_INT(fleet_index_write(dir, &bad, 1, NULL, 0), -EINVAL);
        CHECK(access(path, F_OK) < 0);   /* nothing written when refused */

        CHECK_INT(fleet_index_write(dir, e, 3, failed, 2), 0);
        CHECK_INT(read_file_bounded(path, KVMREGS_MAX_DOCUMENT, &data, &size), 0);
        CHECK_INT(fleet_index_parse(data, size, &idx, &why), 0);
        if (idx) {
                /* sorted by host */
                CHECK_INT(idx->n_entries, 3);
                CHECK_STR(idx->entries[0].host, "a-a72");
                CHECK_STR(idx->entries[1].host, "b-612");
                CHECK_STR(idx->entries[2].file, "c-a72.json");
                CHECK_STR(idx->entries[2].digest, e[0].digest);
                CHECK_INT(idx->entries[2].size, e[0].size);
                CHECK_INT(idx->entries[2].mtime_ns, e[0].mtime_ns);
                CHECK_INT(idx->n_failed, 2);
                CHECK_STR(idx->failed[0].host, "aa");
                CHECK_STR(idx->failed[0].reason, "timeout \"x\"");
                CHECK_INT(idx->n_rejected, 0);
        }
        fleet_index_free(idx);

        /* a wrong entry is rejected, not the index; a wrong document is */
        static const char doc[] =
                "{\"format\":\"kvmregs-fleet-index\",\"version\":1,\"hosts\":["
                "{\"host\":\"ok\",\"file\":\"ok.json\",\"digest\":\"" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                "\",\"size\":1,\"mtime_ns\":2},"
                "{\"host\":\"../etc\",\"file\":\"x.json\",\"digest\":\"00\",\"size\":1,\"mtime_ns\":2},"
                "{\"host\":\"ok\",\"file\":\"ok.json\",\"digest\":\"" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                "\",\"size\":1,\"mtime_ns\":2}]}";
        CHECK_INT(fleet_index_parse(doc, strlen(doc), &idx, NULL), 0);
        if (idx) {
                CHECK_INT(idx->n_entries, 1);
                CHECK_INT(idx->n_rejected, 2);
                CHECK_STR(idx->rejected[0].host, "../etc");   /* named as the index names it */
                CHECK(strstr(idx->rejected[1].reason, "twice") != NULL);
        }
        fleet_index_free(idx);
        free(why);
        why = NULL;
        CHECK_INT(fleet_index_parse("{\"format\":\"x\"}", 14, &idx, &why), -EINVAL);
        CHECK(why && strstr(why, "format"));
        free(why);
        why = NULL;
        static const char v2[] = "{\"format\":\"kvmregs-fleet-index\",\"version\":2,\"hosts\":[]}";
        CHECK_INT(fleet_index_parse(v2, strlen(v2), &idx, &why), -EPROTONOSUPPORT);
}

static void test_load_and_views(void) {
        const char *paths[] = { dir };
        Fleet *f = NULL;
        FleetMatrix *m = NULL;
        FleetGroups *g = NULL;
        FleetWhatIf *w = NULL;
        Report *r = NULL;

        /* the store of test_index(): 3 hosts, 2 digests: 2 files parsed (the index trusted) */
        CHECK_INT(fleet_load(paths, 1, 2, &f), 0);
        if (!f)
                return;
        CHECK_INT(f->n_hosts, 3);
        CHECK_INT(f->n_classes, 2);
        CHECK_INT(f->n_parsed, 2);
        CHECK_INT(f->n_problems, 2);    /* the collector's two failures */
        CHECK_STR(f->hosts[0].label, "a-a72");
        CHECK_INT(f->hosts[2].class_id, 0);
        CHECK(fleet_find_host(f, "b-612") == &f->hosts[1]);
        CHECK(fleet_find_host(f, "nope") == NULL);

        CHECK_INT(fleet_matrix_new(f, "base", 2, &m), 0);
        if (m) {
                /* each cell is profile_compare()'s verdict and fatal count */
                CHECK_INT(profile_compare(f->classes[1].profile, "base", f->classes[0].profile, NULL, &r), 0);
                CHECK_INT(fleet_cell(m, 1, 0)->verdict, r->verdict);
                CHECK_INT(fleet_cell(m, 1, 0)->n_fatal, report_count_fatal(r));
                CHECK_INT(fleet_cell(m, 1, 0)->verdict, VERDICT_INCOMPATIBLE);
                CHECK_INT(fleet_cell(m, 1, 0)->n_causes, 3);
                CHECK_INT(fleet_cell(m, 1, 0)->causes[0].kind, FINDING_COUNT);
                CHECK(fleet_cell_works(fleet_cell(m, 0, 1)));
                report_free(r);

                CHECK_INT(fleet_groups_new(f, m, &g), 0);
                if (g) {
                        CHECK_INT(g->n_groups, 2);
                        CHECK_INT(g->groups[0].n_hosts, 2);        /* the largest class first */
                        CHECK_INT(g->n_edges, 1);
                        CHECK(g->edges[0].from == 0 && g->edges[0].to == 1 && g->edges[0].all && !g->edges[0].all_back);
                }
                fleet_groups_free(g);

                /* a-a72 gets 6.12: a-a72 -> c-a72 breaks, b-612 -> a-a72 becomes possible */
                CHECK_INT(fleet_whatif(f, m, "a-a72", load("6.12-cortex-a72.json"), 2, &w), 0);
                if (w) {
                        CHECK_INT(w->new_class, 1);
                        CHECK_INT(w->host_pairs_broken, 1);
                        CHECK_INT(w->host_pairs_new, 1);
                        CHECK(w->changes[0].breaks && w->changes[0].direction == FLEET_FROM_HOST &&
                              w->changes[0].other_class == 0);
                }
                fleet_whatif_free(w);
                CHECK_INT(fleet_whatif(f, m, "nope", load("6.12-cortex-a72.json"), 2, &w), -ENOENT);
                /* a profile no host has: compared, a class of its own */
                CHECK_INT(fleet_whatif(f, m, "b-612", load("7.2-cortex-a72.json"), 2, &w), 0);
                if (w) {
                        CHECK(w->new_class == SIZE_MAX);
                        CHECK_INT(w->n_comparisons, 4);
                }
                fleet_whatif_free(w);
        }
        fleet_matrix_free(m);
        m = NULL;
        CHECK_INT(fleet_matrix_new(f, "nonesuch", 2, &m), -ENOENT);
        fleet_free(f);
        f = NULL;

        /* a duplicate host: the later is left out */
        f = fleet_new();
        CHECK_INT(fleet_add_profile(f, load("6.1-cortex-a72.json"), NULL, "x.json"), 0);
        CHECK_INT(fleet_add_profile(f, load("6.12-cortex-a72.json"), "6.1-cortex-a72", "y.json"), 0);
        CHECK_INT(f->n_hosts, 1);
        CHECK_INT(f->n_problems, 1);
        CHECK(f->problems[0].left_out && strstr(f->problems[0].reason, "named twice"));
        fleet_free(f);
        f = NULL;

        /* nothing readable: -ENODATA, and why */
        const char *missing[] = { "/nonexistent/x.json" };
        CHECK_INT(fleet_load(missing, 1, 2, &f), -ENODATA);
        if (f)
                CHECK(f->n_problems == 1 && strstr(f->problems[0].reason, "No such file"));
        fleet_free(f);
}

int main(void) {
        if (!mkdtemp(dir))
                return 1;
        test_names();
        test_index();
        test_load_and_views();
        {
                _cleanup_free_ char *cmd = strdup_printf("rm -rf '%s'", dir);
                if (system(cmd) != 0)
                        fprintf(stderr, "cannot remove %s\n", dir);
        }
        return test_summary("test-fleet");
}
