/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The baseline of a set of hosts (baseline.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "util.h"

static bool host_offers_mte(const Profile *p) {
        for (size_t i = 0; i < p->n_configs; i++)
                if (!p->configs[i].skipped && vcpu_config_has_feature(&p->configs[i], "mte_vm_cap"))
                        return true;
        return false;
}

/* The SVE lengths of the host's SVE configuration (bit n: 128*(n+1) bits), 0 if none recorded. */
static uint32_t host_sve_vls(const Profile *p) {
        for (size_t i = 0; i < p->n_configs; i++) {
                const VcpuConfig *c = &p->configs[i];
                if (!c->skipped && (c->init_features0 & VCPU_FEATURE_SVE) && c->has_sve_vls)
                        return (uint32_t) (c->sve_vls[0] & 0xffff);
        }
        return 0;
}

/* The candidates for a field the hosts disagree on, most preferred first, by the kernel's safe rule
 * (arm64_ftr_safe_value): lower-safe the lowest first, higher-safe the highest first,
 * higher-or-zero 0 then the highest, exact the safe value then the hosts' own. Returns the count. */
static int cmp_asc(const void *a, const void *b) {
        int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
        return x < y ? -1 : x > y;
}

static size_t field_candidates(const IdField *f, const int64_t *v, const bool *has, size_t n, int64_t *out) {
        size_t m = 0, k = 0;

        if (f->rule == FIELD_RULE_EXACT)
                out[m++] = f->safe_val;
        if (f->rule == FIELD_RULE_HIGHER_OR_ZERO_SAFE)
                out[m++] = 0;
        k = m;
        for (size_t i = 0; i < n; i++) {
                bool dup = false;
                if (!has[i])
                        continue;
                for (size_t j = 0; j < m && !dup; j++)
                        dup = out[j] == v[i];
                if (!dup)
                        out[m++] = v[i];
        }
        qsort(out + k, m - k, sizeof(*out), cmp_asc);
        if (f->rule == FIELD_RULE_HIGHER_SAFE || f->rule == FIELD_RULE_HIGHER_OR_ZERO_SAFE)
                for (size_t i = k, j = m - 1; i < j; i++, j--) {
                        int64_t t = out[i];
                        out[i] = out[j];
                        out[j] = t;
                }
        return m;
}

static uint64_t field_put(const IdField *f, uint64_t reg_value, int64_t field_value) {
        uint64_t mask = id_field_mask(f);

        return (reg_value & ~mask) | (((uint64_t) field_value << f->shift) & mask);
}

static void regvalues_put(RegValue *v, size_t n, uint64_t id, uint64_t value) {
        for (size_t i = 0; i < n; i++)
                if (v[i].id == id)
                        v[i].value = value;
}

static void record_set(Profile *rec, uint64_t reg, uint64_t value) {
        VcpuConfig *c = &rec->configs[0];

        regvalues_put(c->id_regs, c->n_id_regs, reg, value);
        regvalues_put(c->fw_regs, c->n_fw_regs, reg, value);
        regvalues_put(c->values, c->n_values, reg, value);
}

static int add_field(Baseline *b, uint64_t reg, const IdField *f) {
        BaselineField *n, *x;

        n = realloc(b->fields, (b->n_fields + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        b->fields = n;
        x = &b->fields[b->n_fields];
        *x = (BaselineField) { .reg = reg, .field = f };
        x->host_values = calloc(b->n_hosts, sizeof(*x->host_values));
        x->has_value = calloc(b->n_hosts, sizeof(*x->has_value));
        x->accepts = calloc(b->n_hosts, sizeof(*x->accepts));
        b->n_fields++;
        if (!x->host_values || !x->has_value || !x->accepts)
                return -ENOMEM;
        return 0;
}

/* Whether host i's kernel takes its own value of x's register with x's field set to value. */
static bool host_takes(const Baseline *b, size_t i, const BaselineField *x, int64_t value) {
        const BaselineHost *h = &b->hosts[i];
        uint64_t own;

        if (!h->config || !vcpu_config_get_value(h->config, x->reg, &own))
                return true;
        return rules_kernel_accepts(h->profile, h->config, x->reg, field_put(x->field, own, value), NULL);
}

/* The first candidate every host takes; failing that the rule's first, not settable. */
static int choose_value(Baseline *b, BaselineField *x) {
        _cleanup_free_ int64_t *cand = calloc(b->n_hosts + 2, sizeof(*cand));
        size_t m;

        if (!cand)
                return -ENOMEM;
        m = field_candidates(x->field, x->host_values, x->has_value, b->n_hosts, cand);
        x->value = cand[0];
        x->settable = false;
        for (size_t c = 0; c < m && !x->settable; c++) {
                bool all = true;
                for (size_t i = 0; i < b->n_hosts && all; i++)
                        all = !x->has_value[i] || host_takes(b, i, x, cand[c]);
                if (all) {
                        x->value = cand[c];
                        x->settable = true;
                }
        }
        for (size_t i = 0; i < b->n_hosts; i++)
                x->accepts[i] = x->has_value[i] && host_takes(b, i, x, x->value);
        return 0;
}

/* Every ID field the hosts (those with a baseline configuration) disagree on. */
static int find_fields(Baseline *b) {
        const BaselineHost *first = NULL;

        for (size_t i = 0; i < b->n_hosts && !first; i++)
                if (b->hosts[i].config)
                        first = &b->hosts[i];
        if (!first)
                return 0;
        for (size_t r = 0; r < first->config->n_id_regs; r++) {
                uint64_t reg = first->config->id_regs[r].id;
                const IdRegDesc *desc = id_reg_lookup(reg);

                if (!desc)
                        continue;
                for (size_t k = 0; k < desc->n_fields; k++) {
                        const IdField *f = &desc->fields[k];
                        int64_t v0 = 0;
                        bool seen = false, differ = false;
                        BaselineField *x;
                        int ret;

                        for (size_t i = 0; i < b->n_hosts; i++) {
                                uint64_t value;
                                int64_t fv;

                                if (!b->hosts[i].config || !vcpu_config_get_value(b->hosts[i].config, reg, &value))
                                        continue;
                                fv = id_field_get(f, value);
                                if (seen && fv != v0)
                                        differ = true;
                                v0 = seen ? v0 : fv;
                                seen = true;
                        }
                        if (!differ)
                                continue;
                        ret = add_field(b, reg, f);
                        if (ret < 0)
                                return ret;
                        x = &b->fields[b->n_fields - 1];
                        for (size_t i = 0; i < b->n_hosts; i++) {
                                uint64_t value;

                                if (b->hosts[i].config && vcpu_config_get_value(b->hosts[i].config, reg, &value)) {
                                        x->has_value[i] = true;
                                        x->host_values[i] = id_field_get(f, value);
                                }
                        }
                        ret = choose_value(b, x);
                        if (ret < 0)
                                return ret;
                }
        }
        return 0;
}

/* Host i's guest record under the baseline: every baseline field and the PSCI version its kernel
 * takes (rules_kernel_accepts), so that the comparisons see what such a guest would carry. */
static int make_record(Baseline *b, size_t i) {
        BaselineHost *h = &b->hosts[i];
        VcpuConfig *c;
        int r;

        r = profile_extract_config(h->profile, h->config->name, &h->record);
        if (r < 0)
                return r;
        c = &h->record->configs[0];
        for (size_t k = 0; k < c->n_id_regs; k++) {
                uint64_t reg = c->id_regs[k].id, old = c->id_regs[k].value, value = old;

                for (size_t f = 0; f < b->n_fields; f++)
                        if (b->fields[f].reg == reg && b->fields[f].settable)
                                value = field_put(b->fields[f].field, value, b->fields[f].value);
                if (value != old && !rules_kernel_accepts(h->profile, h->config, reg, value, NULL)) {
                        /* together refused: each field alone that the kernel takes */
                        value = old;
                        for (size_t f = 0; f < b->n_fields; f++) {
                                uint64_t v;
                                if (b->fields[f].reg != reg || !b->fields[f].settable)
                                        continue;
                                v = field_put(b->fields[f].field, value, b->fields[f].value);
                                if (rules_kernel_accepts(h->profile, h->config, reg, v, NULL))
                                        value = v;
                        }
                }
                if (value != old)
                        record_set(h->record, reg, value);
        }
        if (b->psci_version && h->psci_version > b->psci_version &&
            rules_kernel_accepts(h->profile, h->config, REG_ID_PSCI_VERSION, b->psci_version, NULL))
                record_set(h->record, REG_ID_PSCI_VERSION, b->psci_version);
        profile_update_digest(h->record);
        return 0;
}

static int add_impossible(Baseline *b, size_t from, size_t to, Report *report, char *why) {
        BaselinePair *n = realloc(b->impossible, (b->n_impossible + 1) * sizeof(*n));

        if (!n || !why) {
                report_free(report);
                free(why);
                return -ENOMEM;
        }
        b->impossible = n;
        b->impossible[b->n_impossible++] = (BaselinePair) { .from = from, .to = to, .report = report, .why = why };
        return 0;
}

static char *first_fatal(const Report *r) {
        char name[REG_NAME_MAX];

        for (size_t i = 0; i < r->n_findings; i++) {
                const Finding *f = &r->findings[i];
                if (f->severity != SEVERITY_FATAL)
                        continue;
                if (f->reg)
                        return strdup_printf("%s: %s", reg_id_name(f->reg, name, sizeof(name)),
                                             f->message ? f->message : finding_kind_name(f->kind));
                return strdup(f->message ? f->message : finding_kind_name(f->kind));
        }
        return strdup("incompatible");
}

static int compare_pairs(Baseline *b) {
        for (size_t i = 0; i < b->n_hosts; i++)
                for (size_t j = 0; j < b->n_hosts; j++) {
                        const BaselineHost *s = &b->hosts[i], *d = &b->hosts[j];
                        Report *report = NULL;
                        int r;

                        if (i == j)
                                continue;
                        b->n_pairs++;
                        if (!s->record || !d->config) {
                                r = add_impossible(b, i, j, NULL,
                                                   strdup_printf("%s records no vCPU configuration with the baseline's features",
                                                                 !s->record ? s->label : d->label));
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        r = profile_compare(s->record, s->record->configs[0].name, d->profile, d->config->name, &report);
                        if (r < 0)
                                return r;
                        if (report->verdict != VERDICT_INCOMPATIBLE) {
                                report_free(report);
                                continue;
                        }
                        r = add_impossible(b, i, j, report, first_fatal(report));
                        if (r < 0)
                                return r;
                }
        return 0;
}

int baseline_compute(const Profile *const *hosts, const char *const *labels, size_t n, Baseline **ret) {
        _cleanup_(baseline_freep) Baseline *b = NULL;
        uint32_t offered = UINT32_MAX;
        bool mte = true, masks = true, any_sve = false;
        int r;

        if (!hosts || !labels || n == 0 || !ret)
                return -EINVAL;
        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->hosts = calloc(n, sizeof(*b->hosts));
        if (!b->hosts)
                return -ENOMEM;
        b->n_hosts = n;
        b->sve_vls_all = UINT32_MAX;

        /* What QEMU's -cpu host builds on each host, and what all of them have. */
        for (size_t i = 0; i < n; i++) {
                DomainCpu all = DOMAIN_CPU_INIT;
                uint32_t f;

                all.mode = "host-passthrough";
                f = domain_cpu_features(&all, hosts[i]);
                offered &= f;
                b->features_any |= f;
                mte = mte && host_offers_mte(hosts[i]);
                if (f & VCPU_FEATURE_SVE) {
                        uint32_t vls = host_sve_vls(hosts[i]);
                        any_sve = true;
                        b->sve_vls_all &= vls;
                        b->sve_vls_any |= vls;
                }
                b->hosts[i] = (BaselineHost) { .profile = hosts[i], .label = labels[i] };
        }
        b->cpu = (DomainCpu) DOMAIN_CPU_INIT;
        b->cpu.mode = "host-passthrough";
        b->cpu.arch = "aarch64";
        b->cpu.name = "baseline";
        b->cpu.pmu = (offered & VCPU_FEATURE_PMU_V3) ? 1 : 0;
        b->cpu.sve = (offered & VCPU_FEATURE_SVE) ? 1 : 0;
        b->cpu.pauth = (offered & VCPU_FEATURE_PTRAUTH_ADDRESS) ? 1 : 0;
        b->cpu.mte = mte ? 1 : 0;
        if (!any_sve || !b->cpu.sve)
                b->sve_vls_all = 0;
        if (b->cpu.sve && b->sve_vls_all != b->sve_vls_any) {
                b->cpu.sve_vls_on = b->sve_vls_all;
                b->cpu.sve_vls_off = b->sve_vls_any & ~b->sve_vls_all;
        }
        b->features = domain_cpu_features(&b->cpu, hosts[0]);

        for (size_t i = 0; i < n; i++) {
                BaselineHost *h = &b->hosts[i];
                uint64_t v;

                h->config = domain_cpu_config(&b->cpu, hosts[i]);
                if (!h->config)
                        continue;
                masks = masks && h->config->has_masks;
                if (vcpu_config_get_value(h->config, REG_ID_PSCI_VERSION, &v)) {
                        h->psci_version = v;
                        if (b->psci_version && v != b->psci_version)
                                b->psci_differs = true;
                        if (!b->psci_version || v < b->psci_version)
                                b->psci_version = v;
                }
        }
        b->writable_id_regs = masks;

        r = find_fields(b);
        for (size_t i = 0; i < n && r >= 0; i++)
                if (b->hosts[i].config)
                        r = make_record(b, i);
        if (r >= 0)
                r = compare_pairs(b);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(b);
        return 0;
}

Baseline *baseline_free(Baseline *b) {
        if (!b)
                return NULL;
        for (size_t i = 0; i < b->n_hosts; i++)
                profile_free(b->hosts[i].record);
        for (size_t i = 0; i < b->n_fields; i++) {
                free(b->fields[i].host_values);
                free(b->fields[i].has_value);
                free(b->fields[i].accepts);
        }
        for (size_t i = 0; i < b->n_impossible; i++) {
                report_free(b->impossible[i].report);
                free(b->impossible[i].why);
        }
        free(b->hosts);
        free(b->fields);
        free(b->impossible);
        free(b);
        return NULL;
}

const Profile *baseline_record(const Baseline *b) {
        for (size_t i = 0; b && i < b->n_hosts; i++)
                if (b->hosts[i].record)
                        return b->hosts[i].record;
        return NULL;
}

bool baseline_field_lowered_on(const BaselineField *f, size_t i) {
        return f->has_value[i] && f->host_values[i] != f->value;
}

const char *baseline_psci_name(uint64_t version, char *buf, size_t size) {
        snprintf(buf, size, "%" PRIu64 ".%" PRIu64, (version >> 16) & 0xffff, version & 0xffff);
        return buf;
}

/* The SVE lengths the baseline requires (on) and disables (off), as XML features or -cpu properties. */
static void sve_lengths(FILE *f, const Baseline *b, bool xml) {
        for (unsigned n = 0; n < 16; n++) {
                bool on = b->cpu.sve_vls_on & (1u << n), off = b->cpu.sve_vls_off & (1u << n);

                if (!on && !off)
                        continue;
                if (xml)
                        fprintf(f, "  <feature policy='%s' name='sve%u'/>\n", on ? "require" : "disable", 128 * (n + 1));
                else
                        fprintf(f, ",sve%u=%s", 128 * (n + 1), on ? "on" : "off");
        }
}

static bool psci_pinned(const Baseline *b) {
        return b->psci_differs && b->psci_version;
}

char *baseline_libvirt_xml(const Baseline *b) {
        char *text = NULL, psci[32];
        size_t size;
        FILE *f = open_memstream(&text, &size);
        bool pauth_off = !b->cpu.pauth, qemu_args;

        if (!f)
                return NULL;
        /* pointer auth off only matters where a host has it */
        pauth_off = pauth_off && (b->features_any & VCPU_FEATURE_PTRAUTH_ADDRESS);
        fputs("<cpu mode='host-passthrough'>\n", f);
        if (b->cpu.sve)
                fputs("  <feature policy='require' name='sve'/>\n", f);
        else if (b->features_any & VCPU_FEATURE_SVE)
                fputs("  <feature policy='disable' name='sve'/>\n", f);
        if (b->cpu.sve)
                sve_lengths(f, b, true);
        fputs("</cpu>\n", f);
        fprintf(f, "<features>\n  <pmu state='%s'/>\n</features>\n", b->cpu.pmu ? "on" : "off");
        qemu_args = pauth_off || b->cpu.mte == 1 || psci_pinned(b);
        if (qemu_args) {
                fputs("<!-- <domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'> -->\n"
                      "<qemu:commandline>\n", f);
                if (pauth_off)
                        fputs("  <qemu:arg value='-global'/>\n  <qemu:arg value='host-arm-cpu.pauth=off'/>\n", f);
                if (b->cpu.mte == 1)
                        fputs("  <qemu:arg value='-machine'/>\n  <qemu:arg value='mte=on'/>\n", f);
                if (psci_pinned(b))
                        fprintf(f, "  <qemu:arg value='-global'/>\n  <qemu:arg value='host-arm-cpu.kvm-psci-version=%s'/>\n",
                                baseline_psci_name(b->psci_version, psci, sizeof(psci)));
                fputs("</qemu:commandline>\n", f);
        }
        if (fclose(f) != 0) {
                free(text);
                return NULL;
        }
        return text;
}

char *baseline_qemu_cpu(const Baseline *b) {
        char *text = NULL, psci[32];
        size_t size;
        FILE *f = open_memstream(&text, &size);

        if (!f)
                return NULL;
        fprintf(f, "host,pmu=%s", b->cpu.pmu ? "on" : "off");
        if (b->features_any & VCPU_FEATURE_SVE)
                fprintf(f, ",sve=%s", b->cpu.sve ? "on" : "off");
        if (b->cpu.sve)
                sve_lengths(f, b, false);
        if (b->features_any & VCPU_FEATURE_PTRAUTH_ADDRESS)
                fprintf(f, ",pauth=%s", b->cpu.pauth ? "on" : "off");
        if (psci_pinned(b))
                fprintf(f, ",kvm-psci-version=%s", baseline_psci_name(b->psci_version, psci, sizeof(psci)));
        if (fclose(f) != 0) {
                free(text);
                return NULL;
        }
        return text;
}
