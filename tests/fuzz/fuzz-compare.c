/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The rules on two fuzzed profiles: the input is a source document, a NUL byte and a
 * destination document (no NUL: the document against itself). When both parse, every
 * source configuration is compared with the destination, by name and against each of the
 * destination's configurations. Each comparison must succeed, give the same report twice,
 * and give a report that holds together: the verdict its findings' severities say, findings
 * in the documented order, clean one-line texts, JSON that parses, adjustments the hook
 * will accept.
 */
#include <errno.h>
#include <json-c/json.h>

#include "domxml.h"
#include "fuzz-common.h"
#include "rules.h"
#include "util.h"

/* A finding's texts go to terminals, journal and D-Bus. */
#define TEXT_MAX 4096u

static char *report_printed(const Report *r, bool verbose) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        FUZZ_ASSERT(f);
        FUZZ_ASSERT(report_print(r, f, verbose) >= 0);
        FUZZ_ASSERT(fclose(f) == 0);
        return buf;
}

/* ... and the hook can put them, all at once, into a domain's XML. */
static void check_adjustments_apply(const Report *r) {
        static const char domain[] = "<domain type='kvm'><name>g</name><cpu mode='host-passthrough'/></domain>";
        _cleanup_free_ char *xml = NULL, *error = NULL;
        int k;

        k = domxml_apply_adjustments(domain, strlen(domain), "host-arm-cpu", r->adjustments, r->n_adjustments,
                                     &xml, &error);
        if (k < 0)
                fprintf(stderr, "the hook cannot apply the adjustments: %s\n", error ? error : strerror(-k));
        FUZZ_ASSERT(k == 0 && xml);
}

static void check_report(const Report *r) {
        bool fatal = false, adjust = false;

        for (size_t i = 0; i < r->n_findings; i++) {
                const Finding *f = &r->findings[i];

                fatal |= f->severity == SEVERITY_FATAL;
                adjust |= f->severity == SEVERITY_ADJUST;
                /* fatal first, then by register id */
                if (i > 0) {
                        const Finding *p = &r->findings[i - 1];
                        FUZZ_ASSERT(p->severity >= f->severity);
                        FUZZ_ASSERT(p->severity != f->severity || p->reg <= f->reg);
                }
                FUZZ_ASSERT(f->message && f->message[0] && fuzz_text_clean(f->message, TEXT_MAX));
                FUZZ_ASSERT(f->remedy && fuzz_text_clean(f->remedy, TEXT_MAX));
                FUZZ_ASSERT(finding_kind_name(f->kind) && severity_name(f->severity));
        }
        FUZZ_ASSERT(r->verdict == (fatal ? VERDICT_INCOMPATIBLE : adjust ? VERDICT_ADJUSTED : VERDICT_COMPATIBLE));
        if (r->verdict == VERDICT_ADJUSTED)
                FUZZ_ASSERT(r->n_adjustments > 0);
        /* The hook hands each adjustment to QEMU as one -global TYPE.ADJUSTMENT and refuses any
         * it would not: the rules must only produce ones it takes. */
        for (size_t i = 0; i < r->n_adjustments; i++) {
                if (!domxml_adjustment_is_valid(r->adjustments[i]))
                        fprintf(stderr, "adjustment \"%s\" is refused by domxml_adjustment_is_valid\n",
                                r->adjustments[i]);
                FUZZ_ASSERT(domxml_adjustment_is_valid(r->adjustments[i]));
        }
        FUZZ_ASSERT(r->config && r->dst_config && verdict_name(r->verdict));
        if (r->n_adjustments > 0)
                check_adjustments_apply(r);
}

/* The same comparison twice: the same report, in every form. */
static void compare_twice(const Profile *src, const char *src_config, const Profile *dst, const char *dst_config) {
        _cleanup_(report_freep) Report *a = NULL, *b = NULL;
        _cleanup_free_ char *ja = NULL, *jb = NULL, *pa = NULL, *pb = NULL, *sa = NULL, *sb = NULL;
        json_object *parsed;
        int r;

        r = profile_compare(src, src_config, dst, dst_config, &a);
        FUZZ_ASSERT(r == 0 && a);
        check_report(a);
        FUZZ_ASSERT(profile_compare(src, src_config, dst, dst_config, &b) == 0 && b);

        ja = report_to_json(a, false);
        jb = report_to_json(b, false);
        FUZZ_ASSERT(ja && jb && strcmp(ja, jb) == 0);
        parsed = json_tokener_parse(ja);
        FUZZ_ASSERT(parsed);
        json_object_put(parsed);
        pa = report_printed(a, true);
        pb = report_printed(b, true);
        FUZZ_ASSERT(strcmp(pa, pb) == 0);
        sa = report_summary(a);
        sb = report_summary(b);
        FUZZ_ASSERT(sa && sb && strcmp(sa, sb) == 0);
}

static void check_like_for_like(const Profile *src, const VcpuConfig *s, const Profile *dst, const VcpuConfig *d) {
        _cleanup_(report_freep) Report *a = NULL, *b = NULL;
        _cleanup_free_ char *ja = NULL, *jb = NULL;

        FUZZ_ASSERT(vcpu_config_compare(src, s, dst, d, &a) == 0 && a);
        FUZZ_ASSERT(vcpu_config_compare(src, s, dst, d, &b) == 0 && b);
        ja = report_to_json(a, true);
        jb = report_to_json(b, true);
        FUZZ_ASSERT(ja && jb && strcmp(ja, jb) == 0);
}

/* The destination's own reset values are values its kernel takes. */
static void check_own_values_accepted(const Profile *dst, const VcpuConfig *d) {
        for (size_t i = 0; i < d->n_values; i++) {
                Finding f;

                if (!vcpu_config_has_cpreg(d, d->values[i].id))
                        continue;
                if (!rules_kernel_accepts(dst, d, d->values[i].id, d->values[i].value, &f))
                        fprintf(stderr, "destination refuses its own value 0x%016llx of 0x%016llx\n",
                                (unsigned long long) d->values[i].value, (unsigned long long) d->values[i].id);
                FUZZ_ASSERT(rules_kernel_accepts(dst, d, d->values[i].id, d->values[i].value, NULL));
        }
}

static Profile *parse(const uint8_t *data, size_t size) {
        Profile *p = NULL;

        if (profile_parse((const char *) data, size, &p, NULL) < 0)
                return NULL;
        return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(profile_freep) Profile *src = NULL, *dst = NULL;
        const uint8_t *sep;

        if (size > FUZZ_MAX_INPUT)
                return 0;
        sep = memchr(data, '\0', size);
        src = parse(data, sep ? (size_t) (sep - data) : size);
        if (!src)
                return 0;
        dst = sep ? parse(sep + 1, size - (size_t) (sep - data) - 1) : parse(data, size);
        if (!dst)
                return 0;

        for (size_t i = 0; i < src->n_configs; i++) {
                const VcpuConfig *s = &src->configs[i];

                compare_twice(src, s->name, dst, NULL);
                for (size_t k = 0; k < dst->n_configs; k++) {
                        const VcpuConfig *d = &dst->configs[k];

                        /* the same name: the comparison just made (dst_config NULL) */
                        if (strcmp(d->name, s->name) != 0)
                                compare_twice(src, s->name, dst, d->name);
                        if (!s->skipped && !d->skipped)
                                check_like_for_like(src, s, dst, d);
                }
        }
        for (size_t k = 0; k < dst->n_configs; k++)
                if (!dst->configs[k].skipped)
                        check_own_values_accepted(dst, &dst->configs[k]);

        /* A missing source configuration is -ENOENT, not a report. */
        Report *none = NULL;
        if (!profile_get_config(src, "kvmregs-fuzz-no-such-config"))
                FUZZ_ASSERT(profile_compare(src, "kvmregs-fuzz-no-such-config", dst, NULL, &none) == -ENOENT &&
                            !none);
        return 0;
}
