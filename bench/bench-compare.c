/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How fast the rules compare two profiles: pairs per second on one core for two real
 * profiles' configurations, and whether the time grows linearly with the number of
 * registers (a configuration with 4x the registers, built here from the real one).
 *
 *   bench-compare [SRC.json DST.json [CONFIG [SECONDS]]]
 *
 * Defaults: tests/data/6.1-max.json -> tests/data/6.12-max.json, "all", 1 second per
 * measurement. Prints figures; exits 1 only if a comparison fails to run.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rules.h"
#include "util.h"

#define TARGET_PAIRS_PER_SECOND 200000.0

/* CPU time of this process: the figure for one core, whatever else the machine runs. */
static double cpu_now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

static int cmp_regvalue(const void *a, const void *b) {
        return cmp_u64(&((const RegValue *) a)->id, &((const RegValue *) b)->id);
}

typedef struct Figures {
        double pairs_per_second;
        double ns_per_pair;
        double ns_per_register;
        size_t registers;
        size_t findings;
        Verdict verdict;
} Figures;

static int measure(const Profile *src, const VcpuConfig *s, const Profile *dst, const VcpuConfig *d,
                   double seconds, Figures *ret) {
        size_t pairs = 0, batch = 64;
        double start = cpu_now(), elapsed;
        Report *r = NULL;
        int k;

        /* One warm-up comparison, which also gives the verdict and findings. */
        k = vcpu_config_compare(src, s, dst, d, &r);
        if (k < 0)
                return k;
        ret->findings = r->n_findings;
        ret->verdict = r->verdict;
        report_free(r);

        do {
                for (size_t i = 0; i < batch; i++) {
                        k = vcpu_config_compare(src, s, dst, d, &r);
                        if (k < 0)
                                return k;
                        report_free(r);
                }
                pairs += batch;
                elapsed = cpu_now() - start;
        } while (elapsed < seconds);

        ret->registers = s->n_cpregs > d->n_cpregs ? s->n_cpregs : d->n_cpregs;
        ret->pairs_per_second = (double) pairs / elapsed;
        ret->ns_per_pair = elapsed * 1e9 / (double) pairs;
        ret->ns_per_register = ret->ns_per_pair / (double) ret->registers;
        return 0;
}

/*
 * A configuration with `factor` times the registers: the real list plus copies of it
 * at made-up sysreg ids (op1 4-7, CRn 11-15: unused by KVM), each copy carrying the
 * original register's value, so the copies compare like the real registers do.
 */
static uint64_t copy_id(unsigned copy, size_t i) {
        return SYSREG_ID(3, 3 + copy, 11 + i / 128, (i / 8) % 16, i % 8);
}

static int scale_config(const VcpuConfig *c, unsigned factor, VcpuConfig *ret) {
        size_t n = c->n_cpregs * factor, nv = c->n_values + c->n_cpregs * (factor - 1), k = 0, kv = 0;
        uint64_t *cpregs;
        RegValue *values;

        if (factor < 1 || factor > 5 || c->n_cpregs > 5 * 128)
                return -EINVAL;
        cpregs = calloc(n, sizeof(uint64_t));
        values = calloc(nv, sizeof(RegValue));
        if (!cpregs || !values) {
                free(cpregs);
                free(values);
                return -ENOMEM;
        }
        memcpy(cpregs, c->cpregs, c->n_cpregs * sizeof(uint64_t));
        memcpy(values, c->values, c->n_values * sizeof(RegValue));
        k = c->n_cpregs;
        kv = c->n_values;
        for (unsigned copy = 1; copy < factor; copy++)
                for (size_t i = 0; i < c->n_cpregs; i++) {
                        uint64_t v;

                        cpregs[k++] = copy_id(copy, i);
                        if (vcpu_config_get_value(c, c->cpregs[i], &v))
                                values[kv++] = (RegValue) { copy_id(copy, i), v };
                }
        qsort(cpregs, k, sizeof(uint64_t), cmp_u64);
        qsort(values, kv, sizeof(RegValue), cmp_regvalue);

        *ret = *c;
        ret->cpregs = cpregs;
        ret->n_cpregs = k;
        ret->values = values;
        ret->n_values = kv;
        return 0;
}

static void scaled_free(VcpuConfig *c) {
        free(c->cpregs);
        free(c->values);
}

static const char *data_path(const char *name, char *buf, size_t size) {
        const char *top = getenv("top_srcdir");

        snprintf(buf, size, "%s/tests/data/%s", top ? top : ABS_TOP_SRCDIR, name);
        return buf;
}

static void print_figures(const char *what, const Figures *f) {
        printf("%-22s %10.0f pairs/s  %9.1f ns/pair  %6zu registers/pair  %6.2f ns/register  (%s, %zu findings)\n",
               what, f->pairs_per_second, f->ns_per_pair, f->registers, f->ns_per_register,
               verdict_name(f->verdict), f->findings);
}

int main(int argc, char **argv) {
        _cleanup_(profile_freep) Profile *src = NULL, *dst = NULL;
        char a[1024], b[1024];
        const char *src_path = argc > 1 ? argv[1] : data_path("6.1-max.json", a, sizeof(a));
        const char *dst_path = argc > 2 ? argv[2] : data_path("6.12-max.json", b, sizeof(b));
        const char *config = argc > 3 ? argv[3] : "all";
        double seconds = argc > 4 ? strtod(argv[4], NULL) : 1.0;
        ProfileError e = {};
        VcpuConfig s4, d4;
        Figures one, four, same;
        int k;

        if (argc > 5 || seconds <= 0 || seconds > 600) {
                fprintf(stderr, "usage: %s [SRC.json DST.json [CONFIG [SECONDS]]]\n", argv[0]);
                return 2;
        }
        if (profile_load(src_path, &src, &e) < 0 || profile_load(dst_path, &dst, &e) < 0) {
                fprintf(stderr, "cannot load a profile: %s: %s\n", e.path, e.message);
                return 1;
        }
        const VcpuConfig *s = profile_get_config(src, config), *d = profile_get_config(dst, config);
        if (!s || !d || s->skipped || d->skipped) {
                fprintf(stderr, "configuration '%s' is missing or skipped in one of the profiles\n", config);
                return 1;
        }

        printf("bench-compare: %s -> %s, configuration '%s', %.1f s CPU time per measurement, one core\n", src->label ? src->label : src_path,
               dst->label ? dst->label : dst_path, config, seconds);

        k = measure(src, s, dst, d, seconds, &one);
        if (k >= 0)
                k = measure(src, s, src, s, seconds, &same);
        if (k >= 0)
                k = scale_config(s, 4, &s4);
        if (k >= 0) {
                k = scale_config(d, 4, &d4);
                if (k >= 0) {
                        k = measure(src, &s4, dst, &d4, seconds, &four);
                        scaled_free(&d4);
                }
                scaled_free(&s4);
        }
        if (k < 0) {
                fprintf(stderr, "comparison failed: %s\n", strerror(-k));
                return 1;
        }

        print_figures("real pair (1x)", &one);
        print_figures("identical (1x)", &same);
        print_figures("built, 4x registers", &four);
        printf("linearity: %.2f ns/register at 4x vs %.2f at 1x (ratio %.2f; 1.00 is linear)\n", four.ns_per_register,
               one.ns_per_register, four.ns_per_register / one.ns_per_register);
        printf("target: %.0f pairs/s: %s\n", TARGET_PAIRS_PER_SECOND,
               one.pairs_per_second >= TARGET_PAIRS_PER_SECOND ? "met" : "NOT met");
        /* the summary for `make bench` (bench/bench.sh): figure | measured | anchor */
        printf("= compare, a real pair (%s, %zu registers) | %.0f pairs/s (%.1f us/pair, %.1f s CPU, one core) | "
               "target %.0f pairs/s: %s; %.2f ns/register, 4x registers %.2fx as long per register\n", config,
               one.registers, one.pairs_per_second, one.ns_per_pair / 1e3, seconds, TARGET_PAIRS_PER_SECOND,
               one.pairs_per_second >= TARGET_PAIRS_PER_SECOND ? "met" : "MISSED", one.ns_per_register,
               four.ns_per_register / one.ns_per_register);
        return 0;
}
