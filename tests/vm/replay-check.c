/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Holds kvmregs against what real arm64 kernels did (tests/vm/run-vm-tests.sh):
 *
 *   replay-check probe FRESH.json RECORDED.json
 *       a fresh probe_host() profile against the recorded one for the same kernel
 *       series and CPU: caps, register lists, ID and firmware values, masks, SVE VLs.
 *       Prints drift (a newer ABI of the same series, the kernel build); fails on a
 *       difference in what a migration carries.
 *   replay-check replay REPLAY.json DATA_DIR [DEST_PROFILE.json]
 *       every (source, destination) load the kernel replayed against lib/rules.h
 *       vcpu_config_compare(): configuration support, the count rule, the index walk
 *       (missing, dropped and destination-only registers), refused and not-kept values,
 *       register by register. Prints every disagreement and the agreement figures.
 *
 * Exit status: 0 agreement, 1 a disagreement, 2 bad input or usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "nearest.h"
#include "profile.h"
#include "regnames.h"
#include "vm-util.h"
#include "rules.h"
#include "util.h"

#define MAX_IDS KVMREGS_MAX_REGS

typedef struct IdSet {
        uint64_t ids[MAX_IDS];
        size_t n;
} IdSet;

typedef struct Figures {
        size_t pairs, pairs_agreeing;
        size_t unsupported;
        size_t uncovered;
        size_t registers, registers_agreeing;
        size_t loads_kernel, loads_rules;
        /* behind a configuration problem: the after-fix findings against the fixed load's replay */
        size_t after_fix, after_fix_agreeing, after_fix_unreplayed;
} Figures;

static bool set_has(const IdSet *s, uint64_t id) {
        return bsearch(&id, s->ids, s->n, sizeof(uint64_t), cmp_u64) != NULL;
}

static void set_add(IdSet *s, uint64_t id) {
        if (s->n < MAX_IDS && !set_has(s, id)) {
                s->ids[s->n++] = id;
                qsort(s->ids, s->n, sizeof(uint64_t), cmp_u64);
        }
}

/* A JSON array of ids or an object keyed by ids, as a set; false if malformed. */
static bool set_from_json(json_object *o, IdSet *s) {
        s->n = 0;
        if (!o)
                return true;
        if (json_object_is_type(o, json_type_array)) {
                if (json_object_array_length(o) > MAX_IDS)
                        return false;
                for (size_t i = 0; i < json_object_array_length(o); i++) {
                        uint64_t id;
                        if (!parse_hex(json_object_get_string(json_object_array_get_idx(o, i)), &id))
                                return false;
                        set_add(s, id);
                }
                return true;
        }
        if (json_object_is_type(o, json_type_object)) {
                json_object_object_foreach(o, key, val) {
                        uint64_t id;
                        (void) val;
                        if (!parse_hex(key, &id))
                                return false;
                        set_add(s, id);
                }
                return true;
        }
        return false;
}

/* The findings of one kind; with after_fix only those marked as remaining after the configuration fix. */
static void set_from_findings_marked(const Report *r, FindingKind kind, bool after_fix, IdSet *s) {
        s->n = 0;
        for (size_t i = 0; i < r->n_findings; i++)
                if (r->findings[i].kind == kind && r->findings[i].after_config_fix == after_fix)
                        set_add(s, r->findings[i].reg);
}

static void set_from_findings(const Report *r, FindingKind kind, IdSet *s) {
        set_from_findings_marked(r, kind, false, s);
}

static bool report_has(const Report *r, FindingKind kind) {
        for (size_t i = 0; i < r->n_findings; i++)
                if (r->findings[i].kind == kind)
                        return true;
        return false;
}

/* Prints the registers one set has and the other lacks; returns how many differ. */
static size_t set_diff(const char *pair, const char *what, const IdSet *kernel, const IdSet *rules) {
        char name[REG_NAME_MAX];
        size_t n = 0;

        for (size_t i = 0; i < kernel->n; i++)
                if (!set_has(rules, kernel->ids[i])) {
                        printf("DISAGREE %s: %s: kernel yes, rules no: %s (0x%016" PRIx64 ")\n", pair, what,
                               reg_id_name(kernel->ids[i], name, sizeof(name)), kernel->ids[i]);
                        n++;
                }
        for (size_t i = 0; i < rules->n; i++)
                if (!set_has(kernel, rules->ids[i])) {
                        printf("DISAGREE %s: %s: rules yes, kernel no: %s (0x%016" PRIx64 ")\n", pair, what,
                               reg_id_name(rules->ids[i], name, sizeof(name)), rules->ids[i]);
                        n++;
                }
        return n;
}

/* The host as these tests probed it, DIR/replay/<label>.profile.json (what the replay
 * used as source), else its shared recording DIR/<label>.json. */
static int load_profile(const char *dir, const char *label, Profile **ret) {
        char path[4096];
        ProfileError e = {};
        int r;

        snprintf(path, sizeof(path), "%s/replay/%s.profile.json", dir, label);
        if (access(path, F_OK) < 0)
                snprintf(path, sizeof(path), "%s/%s.json", dir, label);
        r = profile_load(path, ret, &e);
        if (r < 0)
                fprintf(stderr, "replay-check: %s: %s: %s\n", path, e.path, e.message[0] ? e.message : strerror(-r));
        return r;
}

static json_object *load_json(const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        _cleanup_free_ char *buf = NULL;
        size_t n;

        if (!f)
                return NULL;
        buf = malloc(KVMREGS_MAX_DOCUMENT + 1);
        if (!buf)
                return NULL;
        n = fread(buf, 1, KVMREGS_MAX_DOCUMENT + 1, f);
        if (n > KVMREGS_MAX_DOCUMENT)
                return NULL;
        buf[n] = '\0';
        return json_tokener_parse(buf);
}

static bool member_bool(json_object *o, const char *key) {
        json_object *v;
        return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static const char *member_str(json_object *o, const char *key) {
        json_object *v;
        return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

static json_object *member_get(json_object *o, const char *key) {
        json_object *v;
        return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* One replayed load against the rules' prediction. Returns the number of disagreements, -errno on bad input. */
static int check_pair(json_object *pair, const Profile *dst, const char *data_dir, Figures *fig) {
        static IdSet kernel, rules, dst_cpregs;
        _cleanup_(profile_freep) Profile *src = NULL;
        _cleanup_(report_freep) Report *report = NULL;
        const char *source = member_str(pair, "source"), *config = member_str(pair, "config");
        const VcpuConfig *s, *d;
        uint64_t features0;
        char label[256];
        size_t bad = 0;
        int r;

        if (!source || !config || !parse_hex(member_str(pair, "init_features0"), &features0))
                return -EINVAL;
        snprintf(label, sizeof(label), "%s/%s -> %s", source, config, dst->label);
        r = load_profile(data_dir, source, &src);
        if (r < 0)
                return r;
        s = profile_get_config(src, config);
        if (!s || s->skipped) {
                fprintf(stderr, "replay-check: %s: source configuration not in %s/%s.json\n", label, data_dir, source);
                return -EINVAL;
        }
        fig->pairs++;

        /* Like-for-like: the destination configuration with the source's exact features. */
        d = profile_find_config_by_features(dst, (uint32_t) features0, member_bool(pair, "mte"));
        if (member_get(pair, "dest_unsupported")) {
                fig->unsupported++;
                if (d) {
                        printf("DISAGREE %s: kernel cannot create the vCPU (%s), the profile has configuration %s\n",
                               label, member_str(pair, "dest_unsupported"), d->name);
                        return 1;
                }
                fig->pairs_agreeing++;
                return 0;
        }
        if (!d) {
                /* The profile holds a fixed set of configurations (base, pmu, sve, ptrauth, el1_32bit,
                 * mte, all): a source whose feature mix is none of the destination's (a64fx's "all",
                 * PMU+SVE without pointer auth, on a host that has pointer auth) has nothing to be
                 * compared with. Said, counted, not held against the rules. */
                printf("UNCOVERED %s: the kernel runs features 0x%" PRIx64 "%s, the destination profile has no such configuration\n",
                       label, features0, member_bool(pair, "mte") ? " with MTE" : "");
                fig->uncovered++;
                fig->pairs_agreeing++;
                return 0;
        }

        r = vcpu_config_compare(src, s, dst, d, &report);
        if (r < 0) {
                fprintf(stderr, "replay-check: %s: vcpu_config_compare: %s\n", label, strerror(-r));
                return r;
        }

        bool count_ok = member_bool(pair, "count_ok");
        if (count_ok == report_has(report, FINDING_COUNT)) {
                printf("DISAGREE %s: count rule: kernel replay %s (%" PRId64 " > %" PRId64 "?), rules %s\n", label,
                       count_ok ? "passes" : "fails", json_object_get_int64(member_get(pair, "src_count")),
                       json_object_get_int64(member_get(pair, "dst_count")), count_ok ? "fail" : "pass");
                bad++;
        }

        if (!set_from_json(member_get(pair, "missing"), &kernel))
                return -EINVAL;
        set_from_findings(report, FINDING_NOT_ON_DEST, &rules);
        bad += set_diff(label, "not on destination", &kernel, &rules);
        if (!set_from_json(member_get(pair, "dropped"), &kernel))
                return -EINVAL;
        set_from_findings(report, FINDING_DROPPED, &rules);
        bad += set_diff(label, "dropped silently", &kernel, &rules);
        if (!set_from_json(member_get(pair, "dest_only"), &kernel))
                return -EINVAL;
        set_from_findings(report, FINDING_DEST_ONLY, &rules);
        bad += set_diff(label, "only on destination", &kernel, &rules);

        /* Per register: every destination cpreg was written; refused, kept or not kept. */
        IdSet *refused_k = malloc(sizeof(IdSet)), *refused_r = malloc(sizeof(IdSet));
        IdSet *notkept_k = malloc(sizeof(IdSet)), *notkept_r = malloc(sizeof(IdSet));
        if (!refused_k || !refused_r || !notkept_k || !notkept_r) {
                free(refused_k), free(refused_r), free(notkept_k), free(notkept_r);
                return -ENOMEM;
        }
        if (!set_from_json(member_get(pair, "refused"), refused_k) || !set_from_json(member_get(pair, "not_kept"), notkept_k)) {
                free(refused_k), free(refused_r), free(notkept_k), free(notkept_r);
                return -EINVAL;
        }
        set_from_findings(report, FINDING_VALUE_REFUSED, refused_r);
        set_from_findings(report, FINDING_VALUE_NOT_KEPT, notkept_r);
        dst_cpregs.n = 0;
        for (size_t i = 0; i < d->n_cpregs && i < MAX_IDS; i++)
                dst_cpregs.ids[dst_cpregs.n++] = d->cpregs[i];
        for (size_t i = 0; i < dst_cpregs.n; i++) {
                uint64_t id = dst_cpregs.ids[i];
                bool ok = set_has(refused_k, id) == set_has(refused_r, id) &&
                          set_has(notkept_k, id) == set_has(notkept_r, id);
                fig->registers++;
                fig->registers_agreeing += ok;
        }
        size_t value_bad = set_diff(label, "value refused", refused_k, refused_r);
        value_bad += set_diff(label, "value not kept", notkept_k, notkept_r);
        bad += value_bad;
        free(refused_k), free(refused_r), free(notkept_k), free(notkept_r);

        bool loads = member_bool(pair, "loads"), predicted = report->verdict != VERDICT_INCOMPATIBLE;
        fig->loads_kernel += loads;
        fig->loads_rules += predicted;
        if (loads != predicted) {
                printf("DISAGREE %s: the kernel %s the load, the rules say %s\n", label, loads ? "accepted" : "refused",
                       verdict_name(report->verdict));
                bad++;
        }
        if (bad == 0)
                fig->pairs_agreeing++;
        return (int) (bad > 0);
}

/* The replayed load of source label with these features, or NULL. */
static json_object *find_pair(json_object *pairs, const char *source, uint32_t features0, bool mte) {
        for (size_t i = 0; i < json_object_array_length(pairs); i++) {
                json_object *p = json_object_array_get_idx(pairs, i);
                const char *src = member_str(p, "source");
                uint64_t f;

                if (src && strcmp(src, source) == 0 && parse_hex(member_str(p, "init_features0"), &f) &&
                    f == features0 && member_bool(p, "mte") == mte && !member_get(p, "dest_unsupported"))
                        return p;
        }
        return NULL;
}

static size_t after_fix_diff(const char *label, json_object *truth, const char *key, const Report *r, FindingKind kind) {
        static IdSet kernel, rules;

        if (!set_from_json(member_get(truth, key), &kernel))
                return 1;
        set_from_findings_marked(r, kind, true, &rules);
        return set_diff(label, key, &kernel, &rules);
}

/*
 * A source configuration the destination cannot create (a feature it lacks, SVE vector lengths
 * QEMU cannot build there): profile_compare() names the registers
 * that would still fail once the configuration is fixed (lib/nearest.h). The fixed load is one
 * the kernel replayed too (the source's configuration with the nearest one's features, written
 * into the destination's): its missing, dropped, refused and not-kept registers and its outcome
 * must be the after-fix findings. Returns the number of disagreements, -errno on bad input.
 */
static int check_after_fix(json_object *pair, json_object *pairs, const Profile *dst, const char *data_dir,
                           Figures *fig) {
        _cleanup_(profile_freep) Profile *src = NULL;
        _cleanup_(report_freep) Report *report = NULL;
        _cleanup_(nearest_config_done) NearestConfig n = {};
        const char *source = member_str(pair, "source"), *config = member_str(pair, "config");
        const VcpuConfig *s;
        json_object *truth;
        char label[320];
        size_t bad = 0;
        bool fatal = false;
        int r;

        if (!source || !config)
                return -EINVAL;
        r = load_profile(data_dir, source, &src);
        if (r < 0)
                return r;
        s = profile_get_config(src, config);
        if (!s || s->skipped)
                return -EINVAL;
        r = profile_compare(src, config, dst, config, &report);
        if (r < 0)
                return r;
        /* A load the kernel replayed like for like may still be a configuration problem for QEMU
         * (SVE vector lengths): then its after-fix findings are held against that same replay. */
        if (!report_has(report, FINDING_CONFIG_UNSUPPORTED)) {
                if (!member_get(pair, "dest_unsupported"))
                        return 0;
                printf("DISAGREE %s/%s -> %s: the kernel cannot create the vCPU, the report names no configuration "
                       "problem\n", source, config, dst->label);
                return 1;
        }
        r = nearest_config(src, s, dst, &n);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        snprintf(label, sizeof(label), "%s/%s -> %s, after the configuration fix (%s)", source, config, dst->label,
                 n.dest->name);
        for (size_t i = 0; i < report->n_findings; i++)
                if (report->findings[i].after_config_fix && report->findings[i].severity == SEVERITY_FATAL)
                        fatal = true;
        truth = find_pair(pairs, source, n.dest->init_features0, vcpu_config_has_feature(n.dest, "mte_vm_cap"));
        fig->after_fix++;
        if (!truth) {
                printf("UNREPLAYED %s: no replayed load of %s with those features\n", label, source);
                fig->after_fix_unreplayed++;
                fig->after_fix_agreeing++;
                return 0;
        }
        bad += after_fix_diff(label, truth, "missing", report, FINDING_NOT_ON_DEST);
        bad += after_fix_diff(label, truth, "dropped", report, FINDING_DROPPED);
        bad += after_fix_diff(label, truth, "dest_only", report, FINDING_DEST_ONLY);
        bad += after_fix_diff(label, truth, "refused", report, FINDING_VALUE_REFUSED);
        bad += after_fix_diff(label, truth, "not_kept", report, FINDING_VALUE_NOT_KEPT);
        if (member_bool(truth, "loads") == fatal) {
                printf("DISAGREE %s: the kernel %s the fixed load, the after-fix findings %s fatal\n", label,
                       member_bool(truth, "loads") ? "accepted" : "refused", fatal ? "are" : "are not");
                bad++;
        }
        if (report->verdict != VERDICT_INCOMPATIBLE) {
                printf("DISAGREE %s: verdict %s behind a configuration problem\n", label, verdict_name(report->verdict));
                bad++;
        }
        if (bad == 0)
                fig->after_fix_agreeing++;
        return (int) (bad > 0);
}

/* The sources are DATA_DIR/<label>.json; the destination too, unless its profile is given
 * (a host without a recording: its own fresh probe). */
static int cmd_replay(const char *replay_path, const char *data_dir, const char *dest_path) {
        json_object *doc = load_json(replay_path), *pairs;
        _cleanup_(profile_freep) Profile *dst = NULL;
        Figures fig = {};
        const char *dest;
        int r, status = 0;

        if (!doc || !(dest = member_str(doc, "dest")) || !(pairs = member_get(doc, "pairs")) ||
            !json_object_is_type(pairs, json_type_array)) {
                fprintf(stderr, "replay-check: %s: not a replay result\n", replay_path);
                json_object_put(doc);
                return 2;
        }
        if (dest_path) {
                ProfileError e = {};
                r = profile_load(dest_path, &dst, &e);
                if (r < 0)
                        fprintf(stderr, "replay-check: %s: %s: %s\n", dest_path, e.path, e.message);
        } else
                r = load_profile(data_dir, dest, &dst);
        if (r < 0) {
                json_object_put(doc);
                return 2;
        }
        for (size_t i = 0; i < json_object_array_length(pairs); i++) {
                json_object *pair = json_object_array_get_idx(pairs, i);

                r = check_pair(pair, dst, data_dir, &fig);
                if (r >= 0) {
                        int k = check_after_fix(pair, pairs, dst, data_dir, &fig);
                        r = k < 0 ? k : r + k;
                }
                if (r < 0) {
                        fprintf(stderr, "replay-check: %s: pair %zu not checked: %s\n", replay_path, i, strerror(-r));
                        status = 2;
                } else if (r > 0 && status == 0)
                        status = 1;
        }
        /* With KVM_CAP_ARM_WRITABLE_IMP_ID_REGS on (7.2): recorded and summarised; the rules
         * have no notion of a VMM that enables it, so nothing is held against them. */
        json_object *imp = member_get(doc, "pairs_writable_imp_id_regs");
        if (imp && json_object_is_type(imp, json_type_array)) {
                size_t n = json_object_array_length(imp), loads = 0;
                for (size_t i = 0; i < n; i++)
                        loads += member_bool(json_object_array_get_idx(imp, i), "loads");
                printf("replay %s with KVM_CAP_ARM_WRITABLE_IMP_ID_REGS: %zu pairs, %zu load\n", dest, n, loads);
        }
        if (fig.pairs == 0) {
                fprintf(stderr, "replay-check: %s: no pair checked\n", replay_path);
                status = status ? status : 1;
        }
        printf("replay %s: pairs %zu (agree %zu, destination cannot run %zu, not in its profile %zu), "
               "registers %zu (agree %zu), loads: kernel %zu, rules %zu; "
               "behind a configuration problem %zu (agree %zu, fixed load not replayed %zu)\n",
               dest, fig.pairs, fig.pairs_agreeing, fig.unsupported, fig.uncovered, fig.registers,
               fig.registers_agreeing, fig.loads_kernel, fig.loads_rules, fig.after_fix, fig.after_fix_agreeing,
               fig.after_fix_unreplayed);
        json_object_put(doc);
        return status;
}

/* ---- probe ---- */

static bool counter_reg(uint64_t id) {
        /* KVM_REG_ARM_TIMER_CNT and KVM_REG_ARM_PTIMER_CNT tick. */
        return id == 0x603000000013df1aULL || id == 0x603000000013df01ULL;
}

static size_t regvalues_diff(const char *where, const char *what, const RegValue *a, size_t na, const RegValue *b,
                             size_t nb, bool skip_counters) {
        char name[REG_NAME_MAX];
        size_t i = 0, k = 0, n = 0;

        while (i < na || k < nb) {
                if (k >= nb || (i < na && a[i].id < b[k].id)) {
                        printf("DIFF %s: %s: %s only in the fresh probe\n", where, what, reg_id_name(a[i].id, name, sizeof(name)));
                        i++, n++;
                } else if (i >= na || b[k].id < a[i].id) {
                        printf("DIFF %s: %s: %s only in the recording\n", where, what, reg_id_name(b[k].id, name, sizeof(name)));
                        k++, n++;
                } else {
                        if (a[i].value != b[k].value && !(skip_counters && counter_reg(a[i].id))) {
                                printf("DIFF %s: %s: %s fresh 0x%016" PRIx64 ", recorded 0x%016" PRIx64 "\n", where, what,
                                       reg_id_name(a[i].id, name, sizeof(name)), a[i].value, b[k].value);
                                n++;
                        }
                        i++, k++;
                }
        }
        return n;
}

static size_t caps_diff(const char *what, const NamedInt *a, size_t na, const Profile *recorded, bool vm) {
        size_t n = 0;

        for (size_t i = 0; i < na; i++) {
                const NamedInt *b = vm ? recorded->vm_caps : recorded->caps;
                size_t nb = vm ? recorded->n_vm_caps : recorded->n_caps;
                for (size_t k = 0; k < nb; k++)
                        if (strcmp(a[i].name, b[k].name) == 0 && a[i].value != b[k].value) {
                                printf("DIFF %s: %s fresh %" PRId64 ", recorded %" PRId64 "\n", what, a[i].name, a[i].value,
                                       b[k].value);
                                n++;
                        }
        }
        return n;
}

static int cmd_probe(const char *fresh_path, const char *recorded_path) {
        _cleanup_(profile_freep) Profile *fresh = NULL, *recorded = NULL;
        ProfileError e = {};
        size_t bad = 0, drift = 0;
        int r;

        r = profile_load(fresh_path, &fresh, &e);
        if (r < 0) {
                fprintf(stderr, "replay-check: %s: %s: %s\n", fresh_path, e.path, e.message);
                return 2;
        }
        r = profile_load(recorded_path, &recorded, &e);
        if (r < 0) {
                fprintf(stderr, "replay-check: %s: %s: %s\n", recorded_path, e.path, e.message);
                return 2;
        }
        /* The kernel build may move within a series (a newer ABI): that is drift, said, not a failure. */
        if (strcmp(fresh->kernel, recorded->kernel) != 0 || strcmp(fresh->kernel_version, recorded->kernel_version) != 0) {
                printf("DRIFT kernel: fresh %s %s, recorded %s %s\n", fresh->kernel, fresh->kernel_version,
                       recorded->kernel, recorded->kernel_version);
                drift++;
        }
        if (profile_kernel_version(fresh) != profile_kernel_version(recorded)) {
                printf("DIFF kernel series: fresh %u, recorded %u\n", profile_kernel_version(fresh),
                       profile_kernel_version(recorded));
                bad++;
        }
        if (fresh->api_version != recorded->api_version || fresh->preferred_target != recorded->preferred_target) {
                printf("DIFF api/preferred target\n");
                bad++;
        }
        bad += caps_diff("caps", fresh->caps, fresh->n_caps, recorded, false);
        bad += caps_diff("vm_caps", fresh->vm_caps, fresh->n_vm_caps, recorded, true);
        /* Configurations by name: every recorded one must be probed alike; ones the
         * recording predates (the feature mixes after "all_vgic3") are only noted. */
        for (size_t i = 0; i < recorded->n_configs; i++)
                if (!profile_get_config(fresh, recorded->configs[i].name)) {
                        printf("DIFF config %s: recorded, not probed\n", recorded->configs[i].name);
                        bad++;
                }
        for (size_t i = 0; i < fresh->n_configs; i++)
                if (!profile_get_config(recorded, fresh->configs[i].name))
                        printf("NOTE config %s: probed, not in the recording%s\n", fresh->configs[i].name,
                               fresh->configs[i].skipped ? " (skipped)" : "");
        for (size_t i = 0; i < fresh->n_configs; i++) {
                const VcpuConfig *a = &fresh->configs[i], *b = profile_get_config(recorded, a->name);
                char where[128];

                snprintf(where, sizeof(where), "config %s", a->name);
                if (!b)
                        continue;
                if (!a->skipped != !b->skipped) {
                        printf("DIFF %s: fresh %s%s, recorded %s%s\n", where, a->name, a->skipped ? " (skipped)" : "",
                               b->name, b->skipped ? " (skipped)" : "");
                        bad++;
                        continue;
                }
                if (a->skipped)
                        continue;
                if (a->init_features0 != b->init_features0) {
                        printf("DIFF %s: features 0x%x, recorded 0x%x\n", where, a->init_features0, b->init_features0);
                        bad++;
                }
                if (a->n_reg_list != b->n_reg_list || memcmp(a->reg_list, b->reg_list, a->n_reg_list * sizeof(uint64_t)) != 0) {
                        printf("DIFF %s: KVM_GET_REG_LIST differs (%zu vs %zu registers, or order)\n", where, a->n_reg_list,
                               b->n_reg_list);
                        bad++;
                }
                bad += regvalues_diff(where, "id_regs", a->id_regs, a->n_id_regs, b->id_regs, b->n_id_regs, false);
                bad += regvalues_diff(where, "fw_regs", a->fw_regs, a->n_fw_regs, b->fw_regs, b->n_fw_regs, false);
                if (a->has_masks != b->has_masks) {
                        printf("DIFF %s: writable masks %s, recorded %s\n", where, a->has_masks ? "offered" : "absent",
                               b->has_masks ? "offered" : "absent");
                        bad++;
                } else
                        bad += regvalues_diff(where, "writable_masks", a->masks, a->n_masks, b->masks, b->n_masks, false);
                if (a->has_sve_vls != b->has_sve_vls || memcmp(a->sve_vls, b->sve_vls, sizeof(a->sve_vls)) != 0) {
                        printf("DIFF %s: SVE vector lengths\n", where);
                        bad++;
                }
                /* Reset values of everything else: differences are drift (timers tick, builds move). */
                drift += regvalues_diff(where, "reset value (drift)", a->values, a->n_values, b->values, b->n_values, true);
        }
        if (!fresh->imp_id_masks != !recorded->imp_id_masks) {
                printf("DIFF writable_imp_id_regs: fresh %s, recorded %s\n", fresh->imp_id_masks ? "present" : "absent",
                       recorded->imp_id_masks ? "present" : "absent");
                bad++;
        } else if (fresh->imp_id_masks)
                bad += regvalues_diff("writable_imp_id_regs", "with_cap masks", fresh->imp_id_masks,
                                      fresh->n_imp_id_masks, recorded->imp_id_masks, recorded->n_imp_id_masks, false);
        printf("probe %s: %zu differences, %zu drift; digest fresh %s recorded %s\n", recorded->label, bad, drift,
               fresh->digest, recorded->digest);
        return bad ? 1 : 0;
}

int main(int argc, char **argv) {
        if (argc == 4 && strcmp(argv[1], "probe") == 0)
                return cmd_probe(argv[2], argv[3]);
        if ((argc == 4 || argc == 5) && strcmp(argv[1], "replay") == 0)
                return cmd_replay(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
        fprintf(stderr, "usage: %s probe FRESH.json RECORDED.json\n"
                        "       %s replay REPLAY.json DATA_DIR [DEST_PROFILE.json]\n", argv[0], argv[0]);
        return 2;
}
