/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest record (lib/record.c): made from a profile configuration, read as a guest carries
 * it, the host configuration an arriving guest runs in, the values it keeps, and its identity.
 */
#include <errno.h>
#include <string.h>

#include "record.h"
#include "rules.h"
#include "profile-load.h"
#include "testutil.h"
#include "util.h"

#define CLIDR_EL1 SYSREG_ID(3, 1, 0, 0, 1)


static Profile *record_of(const Profile *p, const char *config) {
        Profile *rec = NULL;
        int r = profile_extract_config(p, config, &rec);

        CHECK_INT(r, 0);
        if (r < 0)
                exit(1);
        return rec;
}

static void test_extract(void) {
        _cleanup_(profile_freep) Profile *p = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *rec = NULL;

        CHECK_INT(profile_extract_config(p, "nonexistent", &rec), -ENOENT);
        CHECK_INT(profile_extract_config(p, "sve", &rec), -EINVAL);     /* skipped on a cortex-a72 */
        CHECK(rec == NULL);
        rec = record_of(p, "pmu");
        CHECK_INT(rec->n_configs, 1);
        CHECK(rec->configs[0].is_record);
        CHECK_STR(rec->configs[0].name, "pmu");
        CHECK((!rec->hostname && !p->hostname) || (rec->hostname && p->hostname && !strcmp(rec->hostname, p->hostname)));
        CHECK_INT(rec->configs[0].n_cpregs, profile_get_config(p, "pmu")->n_cpregs);
}

static void test_parse(void) {
        _cleanup_(profile_freep) Profile *p = test_load_profile("6.1-cortex-a57.json");
        _cleanup_(profile_freep) Profile *rec = record_of(p, "pmu"), *back = NULL, *none = NULL;
        _cleanup_free_ char *json = profile_to_json(rec, false), *full = profile_to_json(p, false);
        ProfileError e;

        CHECK_INT(record_parse(json, strlen(json), &back, &e), 0);
        CHECK(back && strcmp(back->digest, rec->digest) == 0);
        CHECK_INT(record_parse(full, strlen(full), &none, &e), -EINVAL);
        CHECK(none == NULL);
        CHECK_STR(e.path, "/configs");
        CHECK_STR(e.message, "not exactly one configuration");
        CHECK_INT(record_parse("{", 1, &none, &e), -EINVAL);
        CHECK(e.message[0] != '\0');
        CHECK_INT(record_parse("{", 1, &none, NULL), -EINVAL);
}

static void test_host_config(void) {
        _cleanup_(profile_freep) Profile *max = test_load_profile("6.12-max.json"), *a72 = test_load_profile("6.12-cortex-a72.json");
        _cleanup_(profile_freep) Profile *pmu = record_of(max, "pmu"), *sve = record_of(max, "sve");
        const VcpuConfig *c;

        c = record_host_config(max, pmu);
        CHECK(c && c->init_features0 == pmu->configs[0].init_features0);
        c = record_host_config(a72, pmu);
        CHECK(c && c->init_features0 == pmu->configs[0].init_features0);
        CHECK(record_host_config(a72, sve) == NULL);       /* no SVE on a cortex-a72 */
        CHECK(record_host_config(NULL, pmu) == NULL);
        CHECK(record_host_config(max, max) == NULL);       /* not a record: many configurations */
}

/* 6.1 → 6.12, same CPU: the arriving guest keeps the values 6.12's kernel accepts (CLIDR_EL1 is
 * writable there and differs); every other value is 6.12's. */
static void test_keep_values(void) {
        _cleanup_(profile_freep) Profile *p61 = test_load_profile("6.1-cortex-a57.json"), *p612 = test_load_profile("6.12-cortex-a57.json");
        _cleanup_(profile_freep) Profile *carried = record_of(p61, "pmu"), *rec = record_of(p612, "pmu");
        _cleanup_(profile_freep) Profile *plain = record_of(p612, "pmu"), *again = record_of(p612, "pmu");
        const VcpuConfig *host_config = record_host_config(p612, carried);
        const VcpuConfig *c = &rec->configs[0], *c61 = &carried->configs[0], *c612 = &plain->configs[0];
        uint64_t v = 0, v61 = 0, v612 = 0;
        size_t kept, differ = 0;

        CHECK(host_config != NULL);
        if (!host_config)
                return;
        kept = record_keep_values(rec, p612, host_config, c61);
        CHECK(kept >= 1);
        CHECK(vcpu_config_get_value(c61, CLIDR_EL1, &v61));
        CHECK(vcpu_config_get_value(c612, CLIDR_EL1, &v612));
        CHECK(v61 != v612);
        CHECK(vcpu_config_get_value(c, CLIDR_EL1, &v) && v == v61);
        for (size_t i = 0; i < c->n_id_regs; i++) {
                uint64_t mine = 0, theirs = 0, all = 0;
                bool has61 = vcpu_config_get_value(c61, c->id_regs[i].id, &theirs);

                CHECK(vcpu_config_get_value(c612, c->id_regs[i].id, &mine));
                CHECK(c->id_regs[i].value == mine || (has61 && c->id_regs[i].value == theirs));
                /* the union of values follows */
                CHECK(vcpu_config_get_value(c, c->id_regs[i].id, &all) && all == c->id_regs[i].value);
                differ += c->id_regs[i].value != mine;
                if (c->id_regs[i].value != mine)
                        CHECK(rules_kernel_accepts(p612, host_config, c->id_regs[i].id, c->id_regs[i].value, NULL));
        }
        CHECK(differ >= 1 && differ <= kept);   /* kept: ID and firmware values */
        /* the digest follows the values */
        CHECK(strcmp(rec->digest, plain->digest) != 0);
        {
                _cleanup_free_ char *json = profile_to_json(rec, false);
                _cleanup_(profile_freep) Profile *back = NULL;
                CHECK_INT(record_parse(json, strlen(json), &back, NULL), 0);
                CHECK(back && strcmp(back->digest, rec->digest) == 0);
        }
        /* its own values kept: nothing changes */
        CHECK_INT(record_keep_values(again, p612, host_config, &plain->configs[0]), 0);
        CHECK_STR(again->digest, plain->digest);
        CHECK_INT(record_keep_values(again, p612, host_config, NULL), 0);
}

static int identity(const char *json, char **config, char **host) {
        *config = *host = NULL;
        return record_identity(json, strlen(json), config, host);
}

static void check_identity(const char *json, int expected, const char *config, const char *host) {
        _cleanup_free_ char *c = NULL, *h = NULL;
        int r = identity(json, &c, &h);

        CHECK_INT(r, expected);
        if (r < 0) {
                CHECK(!c && !h);
                return;
        }
        CHECK_STR(c, config);
        if (host)
                CHECK_STR(h, host);
        else
                CHECK(h == NULL);
}

static void test_identity(void) {
        _cleanup_(profile_freep) Profile *p = test_load_profile("6.12-max.json");
        _cleanup_(profile_freep) Profile *rec = record_of(p, "all");
        _cleanup_free_ char *json = NULL, *full = profile_to_json(p, true);
        char name64[65], name65[66], host255[300], host256[300], deep[200] = "", *c = NULL, *h = NULL;

        free(rec->hostname);
        rec->hostname = strdup("source-host");
        json = profile_to_json(rec, false);
        CHECK(json && strstr(json, "\"host\":{"));
        check_identity(json, 0, "all", "source-host");
        CHECK_INT(record_identity(full, strlen(full), &c, &h), -EINVAL);   /* many configurations */

        check_identity("{\"configs\":[{\"name\":\"pmu\"}]}", 0, "pmu", NULL);
        check_identity("{\"configs\":[{\"name\":\"pmu\"}],\"hostname\":\"top\"}", 0, "pmu", "top");
        check_identity("{\"host\":{\"hostname\":\"inner\"},\"configs\":[{\"name\":\"pmu\"}],\"hostname\":\"top\"}",
                       0, "pmu", "inner");
        check_identity("{\"host\":{\"machine_id\":\"x\"},\"configs\":[{\"name\":\"pmu\"}],\"hostname\":\"top\"}",
                       0, "pmu", "top");
        check_identity("{\"host\":[],\"configs\":[{\"name\":\"pmu\"}],\"hostname\":\"top\"}", 0, "pmu", "top");
        /* "host"."hostname" present but not a name: none, not the top-level one */
        check_identity("{\"host\":{\"hostname\":7},\"configs\":[{\"name\":\"pmu\"}],\"hostname\":\"top\"}",
                       0, "pmu", NULL);
        check_identity("{\"configs\":[{\"name\":\"pmu\"}],\"hostname\":\"a\\u0000b\"}", 0, "pmu", NULL);
        check_identity("{\"configs\":[{\"name\":\"pmu\"}],\"hostname\":\"\"}", 0, "pmu", "");

        memset(name64, 'n', 64);
        name64[64] = 0;
        memset(name65, 'n', 65);
        name65[65] = 0;
        memset(host255, 'h', 255);
        host255[255] = 0;
        memset(host256, 'h', 256);
        host256[256] = 0;
        {
                _cleanup_free_ char *a = NULL, *b = NULL, *x = NULL;
                if (asprintf(&a, "{\"configs\":[{\"name\":\"%s\"}],\"hostname\":\"%s\"}", name64, host255) < 0 ||
                    asprintf(&b, "{\"configs\":[{\"name\":\"%s\"}]}", name65) < 0 ||
                    asprintf(&x, "{\"configs\":[{\"name\":\"pmu\"}],\"hostname\":\"%s\"}", host256) < 0)
                        exit(1);
                check_identity(a, 0, name64, host255);
                check_identity(b, -EINVAL, NULL, NULL);
                check_identity(x, 0, "pmu", NULL);
        }

        check_identity("{\"configs\":[{\"name\":\"\"}]}", -EINVAL, NULL, NULL);
        check_identity("{\"configs\":[{\"name\":\"a\\u0000b\"}]}", -EINVAL, NULL, NULL);
        check_identity("{\"configs\":[{\"name\":7}]}", -EINVAL, NULL, NULL);
        check_identity("{\"configs\":[{}]}", -EINVAL, NULL, NULL);
        check_identity("{\"configs\":[]}", -EINVAL, NULL, NULL);
        check_identity("{\"configs\":[{\"name\":\"a\"},{\"name\":\"b\"}]}", -EINVAL, NULL, NULL);
        check_identity("{\"configs\":{\"name\":\"a\"}}", -EINVAL, NULL, NULL);
        check_identity("{\"configs\":[7]}", -EINVAL, NULL, NULL);
        check_identity("{}", -EINVAL, NULL, NULL);
        check_identity("[]", -EINVAL, NULL, NULL);
        check_identity("", -EINVAL, NULL, NULL);
        check_identity("{\"configs\":[{\"name\":\"pmu\"}]", -EINVAL, NULL, NULL);
        check_identity("{\"configs\":[{\"name\":\"pmu\"}]} x", -EINVAL, NULL, NULL);
        check_identity("\xff", -EINVAL, NULL, NULL);

        /* nested deeper than a profile may be */
        strcat(deep, "{\"configs\":[{\"name\":\"pmu\"}],\"x\":");
        for (int i = 0; i < 20; i++)
                strcat(deep, "[");
        for (int i = 0; i < 20; i++)
                strcat(deep, "]");
        strcat(deep, "}");
        check_identity(deep, -EINVAL, NULL, NULL);

        CHECK_INT(record_identity(json, KVMREGS_MAX_DOCUMENT + 1u, &c, &h), -EINVAL);
        CHECK_INT(record_identity(NULL, 0, &c, &h), -EINVAL);
        CHECK_INT(record_identity(json, strlen(json), NULL, &h), -EINVAL);
        CHECK(c == NULL && h == NULL);
}

int main(void) {
        test_extract();
        test_parse();
        test_host_config();
        test_keep_values();
        test_identity();
        return test_summary("test-record");
}
