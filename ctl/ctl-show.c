/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmregsctl show: a profile for people (aligned tables) or programs (--json). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <json-c/json.h>

#include "ctl.h"
#include "regnames.h"
#include "util.h"

static const char *or_dash(const char *s) {
        return s && *s ? s : "-";
}

static json_object *json_hex(uint64_t v) {
        char buf[32];

        snprintf(buf, sizeof(buf), "0x%016" PRIx64, v);
        return json_object_new_string(buf);
}

static json_object *json_string_or_null(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

/* Where the register sits: "op0,op1,CRn,CRm,op2" for a system register, else its class. */
static void reg_encoding(uint64_t id, char *buf, size_t size) {
        unsigned op0, op1, crn, crm, op2;

        if (reg_id_sysreg(id, &op0, &op1, &crn, &crm, &op2))
                snprintf(buf, size, "%u,%u,%u,%u,%u", op0, op1, crn, crm, op2);
        else
                snprintf(buf, size, "%s", reg_class_name(reg_id_class(id)));
}

static void field_bits(const IdField *f, char *buf, size_t size) {
        if (f->width == 1)
                snprintf(buf, size, "[%u]", f->shift);
        else
                snprintf(buf, size, "[%u:%u]", f->shift + f->width - 1, f->shift);
}

/* "yes", "no" or "partly": how much of the field the destination kernel lets a VMM write. */
static const char *field_writable(const VcpuConfig *c, uint64_t id, const IdField *f) {
        uint64_t mask, fm = id_field_mask(f);

        if (!c->has_masks || !vcpu_config_get_mask(c, id, &mask))
                return "-";
        if ((mask & fm) == fm)
                return "yes";
        return mask & fm ? "partly" : "no";
}

/* ---- text ---- */

static void print_host(const Profile *p) {
        printf("Profile:          %s\n", or_dash(p->label));
        printf("Host:             %s\n", or_dash(p->hostname));
        if (p->machine_id)
                printf("Machine id:       %s\n", p->machine_id);
        printf("Kernel:           %s%s%s%s\n", or_dash(p->kernel), p->kernel_version ? " (" : "",
               p->kernel_version ? p->kernel_version : "", p->kernel_version ? ")" : "");
        printf("Machine:          %s\n", or_dash(p->machine));
        /* MIDR_EL1 fields: Implementer [31:24], Variant [23:20], PartNum [15:4], Revision [3:0]. */
        if (p->has_midr)
                printf("MIDR_EL1:         0x%08" PRIx64 " (implementer 0x%02" PRIx64 ", part 0x%03" PRIx64
                       ", variant %" PRIu64 ", revision %" PRIu64 ")\n",
                       p->midr, (p->midr >> 24) & 0xff, (p->midr >> 4) & 0xfff, (p->midr >> 20) & 0xf, p->midr & 0xf);
        printf("KVM mode:         %s\n", or_dash(p->kvm_mode));
        if (p->has_host_nv)
                printf("Host CPU NV:      %u (ID_AA64MMFR2_EL1.NV; what 6.13+ drop from a migrating guest)\n",
                       (unsigned) p->host_nv);
        if (profile_has_qemu(p)) {
                QemuLoad load = QEMU_LOAD_7_2;

                (void) profile_qemu_load(p, &load);
                printf("QEMU:             %s%s%s, %s load (from %s)\n", or_dash(p->qemu.version),
                       p->qemu.emulator ? " " : "", p->qemu.emulator ? p->qemu.emulator : "", qemu_load_name(load),
                       p->qemu.detected == QEMU_DETECTED_TRACE_EVENTS ? "its trace events"
                       : p->qemu.detected == QEMU_DETECTED_OPTION       ? "an option"
                                                                         : "its version");
        }
        printf("KVM API version:  %d\n", p->api_version);
        printf("Preferred target: %" PRIu32 "\n", p->preferred_target);
        printf("Writable masks:   %s\n",
               profile_get_cap(p, "KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES", 0) > 0 ?
               "yes (ID registers accept values the masks and safe rules allow)" :
               "no (ID registers accept only the host's own values)");
        printf("Digest:           %s\n", p->digest);
}

static void print_caps(const char *title, const NamedInt *caps, size_t n) {
        int width = 0;

        if (n == 0)
                return;
        for (size_t i = 0; i < n; i++)
                if ((int) strlen(caps[i].name) > width)
                        width = (int) strlen(caps[i].name);
        printf("\n%s:\n", title);
        for (size_t i = 0; i < n; i++)
                printf("  %-*s %" PRId64 "\n", width, caps[i].name, caps[i].value);
}

static void print_features(const VcpuConfig *c, char *buf, size_t size) {
        size_t len = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < c->n_features && len < size; i++) {
                int n = snprintf(buf + len, size - len, "%s%s", i ? "," : "", c->features[i]);
                if (n < 0)
                        break;
                len += (size_t) n;
        }
}

static void print_configs(const Profile *p) {
        char features[256];

        printf("\nvCPU configurations:\n");
        printf("  %-12s %-52s %5s %6s %6s %5s  %s\n", "NAME", "FEATURES", "REGS", "CPREGS", "IDREGS", "MASKS", "STATUS");
        for (size_t i = 0; i < p->n_configs; i++) {
                const VcpuConfig *c = &p->configs[i];

                print_features(c, features, sizeof(features));
                if (c->skipped)
                        printf("  %-12s %-52s %5s %6s %6s %5s  skipped: %s\n", c->name, features, "-", "-", "-", "-",
                               c->skipped);
                else
                        printf("  %-12s %-52s %5zu %6zu %6zu %5s  ok\n", c->name, features, c->n_reg_list,
                               c->n_cpregs, c->n_id_regs, c->has_masks ? "yes" : "no");
        }
}

static void print_registers(const VcpuConfig *c) {
        char name[REG_NAME_MAX], enc[32], mask_s[24];
        uint64_t mask;

        printf("\nRegisters of configuration '%s' (%zu values; %zu in QEMU's migration list):\n", c->name,
               c->n_values, c->n_cpregs);
        printf("  %-28s %-18s %-12s %-18s %-18s\n", "NAME", "ID", "ENCODING", "VALUE", "WRITABLE");
        for (size_t i = 0; i < c->n_values; i++) {
                const RegValue *v = &c->values[i];

                reg_id_name(v->id, name, sizeof(name));
                reg_encoding(v->id, enc, sizeof(enc));
                if (c->has_masks && vcpu_config_get_mask(c, v->id, &mask))
                        snprintf(mask_s, sizeof(mask_s), "0x%016" PRIx64, mask);
                else
                        snprintf(mask_s, sizeof(mask_s), "-");
                printf("  %-28s 0x%016" PRIx64 " %-12s 0x%016" PRIx64 " %s\n", name, v->id, enc, v->value, mask_s);
        }
}

static void print_id_fields(const VcpuConfig *c) {
        char name[REG_NAME_MAX], bits[16];
        uint64_t mask;

        printf("\nID registers of configuration '%s', field by field:\n", c->name);
        for (size_t i = 0; i < c->n_id_regs; i++) {
                const RegValue *v = &c->id_regs[i];
                const IdRegDesc *d = id_reg_lookup(v->id);

                reg_id_name(v->id, name, sizeof(name));
                printf("\n  %s = 0x%016" PRIx64, name, v->value);
                if (c->has_masks && vcpu_config_get_mask(c, v->id, &mask))
                        printf("  (writable mask 0x%016" PRIx64 ")", mask);
                putchar('\n');
                if (!d) {
                        printf("    (no field table: the whole value must be equal)\n");
                        continue;
                }
                printf("    %-16s %-8s %8s %-6s %-15s %s\n", "FIELD", "BITS", "VALUE", "SIGNED", "RULE", "WRITABLE");
                for (size_t f = 0; f < d->n_fields; f++) {
                        const IdField *fl = &d->fields[f];

                        field_bits(fl, bits, sizeof(bits));
                        printf("    %-16s %-8s %8" PRId64 " %-6s %-15s %s\n", fl->name, bits, id_field_get(fl, v->value),
                               fl->is_signed ? "yes" : "no", field_rule_name(fl->rule), field_writable(c, v->id, fl));
                }
        }
}

/* ---- JSON ---- */

static json_object *caps_json(const NamedInt *caps, size_t n) {
        json_object *o = json_object_new_object();

        for (size_t i = 0; o && i < n; i++)
                json_object_object_add(o, caps[i].name, json_object_new_int64(caps[i].value));
        return o;
}

static json_object *config_summary_json(const VcpuConfig *c) {
        json_object *o = json_object_new_object(), *features = json_object_new_array();
        char buf[16];

        if (!o || !features) {
                json_object_put(o);
                json_object_put(features);
                return NULL;
        }
        for (size_t i = 0; i < c->n_features; i++)
                json_object_array_add(features, json_object_new_string(c->features[i]));
        json_object_object_add(o, "name", json_object_new_string(c->name));
        json_object_object_add(o, "features", features);
        snprintf(buf, sizeof(buf), "0x%" PRIx32, c->init_features0);
        json_object_object_add(o, "init_features0", json_object_new_string(buf));
        json_object_object_add(o, "skipped", json_string_or_null(c->skipped));
        if (!c->skipped) {
                json_object_object_add(o, "reg_count", json_object_new_int64((int64_t) c->n_reg_list));
                json_object_object_add(o, "cpreg_count", json_object_new_int64((int64_t) c->n_cpregs));
                json_object_object_add(o, "id_reg_count", json_object_new_int64((int64_t) c->n_id_regs));
                json_object_object_add(o, "writable_masks", json_object_new_boolean(c->has_masks));
        }
        return o;
}

static json_object *config_detail_json(const VcpuConfig *c) {
        json_object *o = config_summary_json(c), *regs, *idregs;
        char name[REG_NAME_MAX], enc[32];
        uint64_t mask;

        if (!o)
                return NULL;
        regs = json_object_new_array();
        idregs = json_object_new_array();
        json_object_object_add(o, "registers", regs);
        json_object_object_add(o, "id_registers", idregs);
        if (!regs || !idregs) {
                json_object_put(o);
                return NULL;
        }
        for (size_t i = 0; i < c->n_values; i++) {
                const RegValue *v = &c->values[i];
                json_object *r = json_object_new_object();

                if (!r)
                        break;
                reg_encoding(v->id, enc, sizeof(enc));
                json_object_object_add(r, "name", json_object_new_string(reg_id_name(v->id, name, sizeof(name))));
                json_object_object_add(r, "id", json_hex(v->id));
                json_object_object_add(r, "encoding", json_object_new_string(enc));
                json_object_object_add(r, "value", json_hex(v->value));
                json_object_object_add(r, "writable_mask",
                                       c->has_masks && vcpu_config_get_mask(c, v->id, &mask) ? json_hex(mask) : NULL);
                json_object_object_add(r, "in_cpreg_list", json_object_new_boolean(vcpu_config_has_cpreg(c, v->id)));
                json_object_array_add(regs, r);
        }
        for (size_t i = 0; i < c->n_id_regs; i++) {
                const RegValue *v = &c->id_regs[i];
                const IdRegDesc *d = id_reg_lookup(v->id);
                json_object *r = json_object_new_object(), *fields = json_object_new_array();

                if (!r || !fields) {
                        json_object_put(r);
                        json_object_put(fields);
                        break;
                }
                json_object_object_add(r, "name", json_object_new_string(reg_id_name(v->id, name, sizeof(name))));
                json_object_object_add(r, "id", json_hex(v->id));
                json_object_object_add(r, "value", json_hex(v->value));
                json_object_object_add(r, "writable_mask",
                                       c->has_masks && vcpu_config_get_mask(c, v->id, &mask) ? json_hex(mask) : NULL);
                for (size_t f = 0; d && f < d->n_fields; f++) {
                        const IdField *fl = &d->fields[f];
                        json_object *fo = json_object_new_object();

                        if (!fo)
                                break;
                        json_object_object_add(fo, "name", json_object_new_string(fl->name));
                        json_object_object_add(fo, "shift", json_object_new_int(fl->shift));
                        json_object_object_add(fo, "width", json_object_new_int(fl->width));
                        json_object_object_add(fo, "value", json_object_new_int64(id_field_get(fl, v->value)));
                        json_object_object_add(fo, "signed", json_object_new_boolean(fl->is_signed));
                        json_object_object_add(fo, "rule", json_object_new_string(field_rule_name(fl->rule)));
                        json_object_object_add(fo, "writable", json_object_new_string(field_writable(c, v->id, fl)));
                        json_object_array_add(fields, fo);
                }
                json_object_object_add(r, "fields", fields);
                json_object_array_add(idregs, r);
        }
        return o;
}

static json_object *profile_json(const Profile *p, const VcpuConfig *detail) {
        json_object *o = json_object_new_object(), *configs = json_object_new_array();

        if (!o || !configs) {
                json_object_put(o);
                json_object_put(configs);
                return NULL;
        }
        json_object_object_add(o, "label", json_string_or_null(p->label));
        json_object_object_add(o, "hostname", json_string_or_null(p->hostname));
        json_object_object_add(o, "machine_id", json_string_or_null(p->machine_id));
        json_object_object_add(o, "kernel", json_string_or_null(p->kernel));
        json_object_object_add(o, "kernel_version", json_string_or_null(p->kernel_version));
        json_object_object_add(o, "machine", json_string_or_null(p->machine));
        json_object_object_add(o, "midr", p->has_midr ? json_hex(p->midr) : NULL);
        json_object_object_add(o, "kvm_mode", json_string_or_null(p->kvm_mode));
        json_object_object_add(o, "host_nv", p->has_host_nv ? json_object_new_int(p->host_nv) : NULL);
        if (profile_has_qemu(p)) {
                json_object *q = json_object_new_object();
                QemuLoad load = QEMU_LOAD_7_2;

                (void) profile_qemu_load(p, &load);
                json_object_object_add(o, "qemu", q);
                json_object_object_add(q, "emulator", json_string_or_null(p->qemu.emulator));
                json_object_object_add(q, "version", json_string_or_null(p->qemu.version));
                json_object_object_add(q, "load_behaviour", json_object_new_string(qemu_load_name(load)));
                json_object_object_add(q, "detected_from", json_string_or_null(qemu_detected_name(p->qemu.detected)));
        }
        json_object_object_add(o, "api_version", json_object_new_int(p->api_version));
        json_object_object_add(o, "preferred_target", json_object_new_int64(p->preferred_target));
        json_object_object_add(o, "writable_masks", json_object_new_boolean(
                                       profile_get_cap(p, "KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES", 0) > 0));
        json_object_object_add(o, "digest", json_object_new_string(p->digest));
        json_object_object_add(o, "caps", caps_json(p->caps, p->n_caps));
        json_object_object_add(o, "vm_caps", caps_json(p->vm_caps, p->n_vm_caps));
        for (size_t i = 0; i < p->n_configs; i++)
                json_object_array_add(configs, config_summary_json(&p->configs[i]));
        json_object_object_add(o, "configs", configs);
        if (detail)
                json_object_object_add(o, "config", config_detail_json(detail));
        return o;
}

int ctl_print_profile(Ctl *ctl, const Profile *p, const char *config) {
        const VcpuConfig *c = NULL;

        if (config) {
                c = ctl_get_config(p, ctl_profile_label(p, NULL), config);
                if (!c)
                        return CTL_EXIT_USAGE;
                if (c->skipped) {
                        ctl_error("%s cannot run configuration '%s': %s", ctl_profile_label(p, NULL), c->name, c->skipped);
                        return CTL_EXIT_USAGE;
                }
        }

        if (ctl->json) {
                _cleanup_json_ json_object *o = profile_json(p, c);

                return ctl_print_json(o) < 0 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
        }

        print_host(p);
        if (!c) {
                print_caps("KVM capabilities (/dev/kvm)", p->caps, p->n_caps);
                if (ctl->verbose)
                        print_caps("KVM capabilities (VM)", p->vm_caps, p->n_vm_caps);
                print_configs(p);
                return CTL_EXIT_OK;
        }
        print_registers(c);
        print_id_fields(c);
        return CTL_EXIT_OK;
}

int ctl_show(Ctl *ctl) {
        _cleanup_(profile_freep) Profile *p = NULL;
        int r;

        r = ctl_load_profile(ctl->args[0], &p, NULL);
        if (r != CTL_EXIT_OK)
                return r;
        if (!p->label || !*p->label) {
                /* Tables name the profile: fall back to the file it came from. */
                free(p->label);
                p->label = strdup(ctl_profile_label(NULL, ctl->args[0]));
        }
        return ctl_print_profile(ctl, p, ctl->config);
}
