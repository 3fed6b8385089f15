/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * profile_parse on arbitrary bytes. A refusal must come with a clean error; a document that
 * parses must survive the writer: profile_to_json re-parses to an equal profile with the same
 * digest and writes back the same text, and so does every guest record extracted from it.
 */
#include <errno.h>

#include "fuzz-common.h"
#include "util.h"

static bool digest_well_formed(const char *d) {
        return strlen(d) == PROFILE_DIGEST_HEX && strspn(d, "0123456789abcdef") == PROFILE_DIGEST_HEX;
}

static void check_refusal(int r, const ProfileError *e) {
        FUZZ_ASSERT(r == -EINVAL || r == -E2BIG || r == -EPROTONOSUPPORT || r == -ENOMEM);
        FUZZ_ASSERT(e->message[0] != '\0');
        FUZZ_ASSERT(fuzz_text_clean(e->message, sizeof(e->message)));
        FUZZ_ASSERT(fuzz_text_clean(e->path, sizeof(e->path)));
}

/* The lookups agree with the arrays they look in. */
static void check_lookups(const Profile *p) {
        for (size_t i = 0; i < p->n_configs; i++) {
                const VcpuConfig *c = &p->configs[i];
                uint64_t v;

                FUZZ_ASSERT(profile_get_config(p, c->name) == c);
                for (size_t k = 0; k < c->n_values; k++) {
                        FUZZ_ASSERT(k == 0 || c->values[k - 1].id < c->values[k].id);
                        FUZZ_ASSERT(vcpu_config_get_value(c, c->values[k].id, &v) && v == c->values[k].value);
                }
                for (size_t k = 0; k < c->n_masks; k++)
                        FUZZ_ASSERT(vcpu_config_get_mask(c, c->masks[k].id, &v) && v == c->masks[k].value);
                for (size_t k = 0; k < c->n_cpregs; k++) {
                        FUZZ_ASSERT(k == 0 || c->cpregs[k - 1] < c->cpregs[k]);
                        FUZZ_ASSERT(vcpu_config_has_cpreg(c, c->cpregs[k]));
                }
                for (size_t k = 0; k < c->n_features; k++)
                        FUZZ_ASSERT(vcpu_config_has_feature(c, c->features[k]));
        }
        (void) profile_kernel_version(p);
}

/* Written, read back: the same profile, the same digest, the same text. */
static Profile *check_round_trip(const Profile *p, bool pretty) {
        _cleanup_free_ char *text = profile_to_json(p, pretty);
        _cleanup_free_ char *again = NULL;
        Profile *q = NULL;
        ProfileError e;
        int r;

        FUZZ_ASSERT(text);
        r = profile_parse(text, strlen(text), &q, &e);
        if (r < 0)
                fprintf(stderr, "the writer's output does not parse: %s: %s\n", e.path, e.message);
        FUZZ_ASSERT(r == 0);
        FUZZ_ASSERT(strcmp(q->digest, p->digest) == 0);
        FUZZ_ASSERT(test_profiles_equal(p, q));
        again = profile_to_json(q, pretty);
        FUZZ_ASSERT(again && strcmp(again, text) == 0);
        return q;
}

/* A record of each configuration the host can run: it round-trips too, and extracting the
 * same configuration from the record gives the record back. */
static void check_records(const Profile *p) {
        for (size_t i = 0; i < p->n_configs; i++) {
                const VcpuConfig *c = &p->configs[i];
                _cleanup_(profile_freep) Profile *rec = NULL, *again = NULL, *reparsed = NULL;
                int r;

                r = profile_extract_config(p, c->name, &rec);
                if (c->skipped) {
                        FUZZ_ASSERT(r == -EINVAL && !rec);
                        continue;
                }
                FUZZ_ASSERT(r == 0);
                FUZZ_ASSERT(rec->n_configs == 1 && rec->configs[0].is_record);
                FUZZ_ASSERT(strcmp(rec->configs[0].name, c->name) == 0);
                FUZZ_ASSERT(test_u64s_equal(rec->configs[0].cpregs, rec->configs[0].n_cpregs,
                                            c->cpregs, c->n_cpregs));
                FUZZ_ASSERT(digest_well_formed(rec->digest));
                reparsed = check_round_trip(rec, false);
                FUZZ_ASSERT(profile_extract_config(rec, c->name, &again) == 0);
                FUZZ_ASSERT(strcmp(again->digest, rec->digest) == 0);
                FUZZ_ASSERT(test_profiles_equal(again, rec));
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(profile_freep) Profile *p = NULL;
        ProfileError e;
        int r;

        r = profile_parse((const char *) data, size, &p, &e);
        if (r < 0) {
                FUZZ_ASSERT(!p);
                check_refusal(r, &e);
                return 0;
        }
        FUZZ_ASSERT(r == 0 && p);
        FUZZ_ASSERT(digest_well_formed(p->digest));
        FUZZ_ASSERT(p->n_configs >= 1 && p->n_configs <= KVMREGS_MAX_CONFIGS);
        check_lookups(p);
        for (int pretty = 0; pretty <= 1; pretty++)
                profile_free(check_round_trip(p, pretty));
        check_records(p);
        return 0;
}
