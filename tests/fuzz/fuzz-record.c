/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest record as kvmregsd reads it when a guest arrives (daemon/watch.c): the input is the
 * carried record, a NUL byte and the host's profile (no NUL: the record is its own host).
 * record_parse takes exactly one configuration, with a clean error otherwise; record_identity (the
 * hook's first look) names the same configuration and host as the parsed record. The host
 * configuration record_host_config picks is one of the host's, runnable, with the carried
 * features; the host's record of it, after record_keep_values, holds only carried values the host
 * kernel accepts, round-trips through the writer with its digest, and a second
 * record_keep_values keeps nothing more. A record is its own host: it finds its own
 * configuration and keeps nothing.
 */
#include <errno.h>

#include "fuzz-common.h"
#include "record.h"
#include "rules.h"
#include "util.h"

static void check_refusal(int r, const ProfileError *e) {
        FUZZ_ASSERT(r == -EINVAL || r == -E2BIG || r == -EPROTONOSUPPORT || r == -ENOMEM);
        FUZZ_ASSERT(e->message[0] != '\0');
        FUZZ_ASSERT(fuzz_text_clean(e->message, sizeof(e->message)));
        FUZZ_ASSERT(fuzz_text_clean(e->path, sizeof(e->path)));
}

/* The hook and kvmregsd see the same guest. */
static void check_identity(const char *json, size_t size, const Profile *rec) {
        _cleanup_free_ char *config = NULL, *host = NULL;
        int r = record_identity(json, size, &config, &host);
        const char *name = rec ? rec->configs[0].name : NULL;

        FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ENOMEM);
        if (r < 0) {
                /* only a name the identity does not take stops it from naming a parsed record */
                FUZZ_ASSERT(!rec || r == -ENOMEM || !name[0] || strlen(name) > RECORD_CONFIG_NAME_MAX);
                return;
        }
        FUZZ_ASSERT(config && config[0] && strlen(config) <= RECORD_CONFIG_NAME_MAX);
        FUZZ_ASSERT(!host || strlen(host) <= RECORD_HOST_NAME_MAX);
        if (!rec)
                return;
        FUZZ_ASSERT(strcmp(config, name) == 0);
        if (rec->hostname && strlen(rec->hostname) <= RECORD_HOST_NAME_MAX)
                FUZZ_ASSERT(host && strcmp(host, rec->hostname) == 0);
}

static void check_written(const Profile *record) {
        _cleanup_free_ char *text = profile_to_json(record, false);
        _cleanup_(profile_freep) Profile *back = NULL;
        ProfileError e;
        int r;

        FUZZ_ASSERT(text);
        r = record_parse(text, strlen(text), &back, &e);
        if (r < 0)
                fprintf(stderr, "the written record does not parse: %s: %s\n", e.path, e.message);
        FUZZ_ASSERT(r == 0);
        FUZZ_ASSERT(strcmp(back->digest, record->digest) == 0);
        FUZZ_ASSERT(test_profiles_equal(back, record));
}

/* kvmregsd's update of the host's record with what the guest carries. */
static void check_keep(const Profile *host, const VcpuConfig *hc, const VcpuConfig *carried, bool self) {
        _cleanup_(profile_freep) Profile *record = NULL;
        const VcpuConfig *c;
        size_t kept;

        FUZZ_ASSERT(profile_extract_config(host, hc->name, &record) == 0);
        c = &record->configs[0];
        kept = record_keep_values(record, host, hc, carried);
        FUZZ_ASSERT(kept <= c->n_id_regs + c->n_fw_regs);
        if (self)
                FUZZ_ASSERT(kept == 0);
        /* every value that is not the host's own is the carried one, and the host kernel takes it */
        for (size_t i = 0; i < c->n_values; i++) {
                uint64_t own, carried_value;

                FUZZ_ASSERT(vcpu_config_get_value(hc, c->values[i].id, &own));
                if (c->values[i].value == own)
                        continue;
                FUZZ_ASSERT(vcpu_config_get_value(carried, c->values[i].id, &carried_value) &&
                            carried_value == c->values[i].value);
                FUZZ_ASSERT(rules_kernel_accepts(host, hc, c->values[i].id, c->values[i].value, NULL));
        }
        check_written(record);
        /* kept once, kept: a second arrival of the same guest changes nothing */
        char digest[sizeof(record->digest)];
        memcpy(digest, record->digest, sizeof(digest));
        FUZZ_ASSERT(record_keep_values(record, host, hc, carried) == 0);
        FUZZ_ASSERT(strcmp(digest, record->digest) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(profile_freep) Profile *carried = NULL, *host_doc = NULL;
        const Profile *host;
        const VcpuConfig *hc;
        const uint8_t *sep;
        size_t n;
        ProfileError e;
        int r;

        if (size > FUZZ_MAX_INPUT)
                return 0;
        sep = memchr(data, '\0', size);
        n = sep ? (size_t) (sep - data) : size;
        r = record_parse((const char *) data, n, &carried, &e);
        if (r < 0) {
                FUZZ_ASSERT(!carried);
                check_refusal(r, &e);
        } else
                FUZZ_ASSERT(carried && carried->n_configs == 1);
        check_identity((const char *) data, n, carried);
        if (!carried)
                return 0;

        if (sep) {
                if (profile_parse((const char *) sep + 1, size - n - 1, &host_doc, NULL) < 0)
                        return 0;
                host = host_doc;
        } else
                host = carried;

        hc = record_host_config(host, carried);
        if (!sep && !carried->configs[0].skipped)
                FUZZ_ASSERT(hc == &carried->configs[0]);
        if (!hc)
                return 0;
        FUZZ_ASSERT(hc >= host->configs && hc < host->configs + host->n_configs && !hc->skipped);
        FUZZ_ASSERT(hc->init_features0 == carried->configs[0].init_features0);
        FUZZ_ASSERT(vcpu_config_has_feature(hc, "mte_vm_cap") ==
                    vcpu_config_has_feature(&carried->configs[0], "mte_vm_cap"));
        check_keep(host, hc, &carried->configs[0], !sep);
        return 0;
}
