/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmregsctl baseline: what a guest must be started with to move freely among a set of hosts.
 * lib/baseline.c decides; this file lays it out. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "baseline.h"
#include "ctl.h"
#include "fleet.h"
#include "util.h"

/* "a, b, c" of the hosts for which pick(i) holds, into a memstream; returns how many. */
static size_t host_list(FILE *f, const Baseline *b, const BaselineField *x, bool lowered) {
        size_t n = 0;

        for (size_t i = 0; i < b->n_hosts; i++) {
                bool on = x ? (lowered ? baseline_field_lowered_on(x, i) : (x->has_value[i] && !baseline_field_lowered_on(x, i)))
                            : true;
                if (!on)
                        continue;
                fprintf(f, "%s%s", n ? ", " : "", b->hosts[i].label);
                n++;
        }
        return n;
}

static void field_name(const BaselineField *x, char *buf, size_t size) {
        char reg[REG_NAME_MAX];

        snprintf(buf, size, "%s.%s", reg_id_name(x->reg, reg, sizeof(reg)), x->field->name);
}

static void print_text(Ctl *ctl, const Baseline *b, const Fleet *fleet, const char *xml, const char *cpu) {
        char psci[32], name[160];

        printf("Baseline of %zu host%s (%zu distinct profile%s): start guests with this to move them among all of them.\n\n",
               fleet->n_hosts, fleet->n_hosts == 1 ? "" : "s", b->n_hosts, b->n_hosts == 1 ? "" : "s");
        printf("vCPU:         host-passthrough; PMU %s, SVE %s, pointer auth %s, MTE %s\n",
               b->cpu.pmu ? "on" : "off", b->cpu.sve ? "on" : "off", b->cpu.pauth ? "on" : "off",
               b->cpu.mte == 1 ? "on" : "off");
        if (b->cpu.sve) {
                printf("SVE lengths:  ");
                for (unsigned n = 0; n < 16; n++)
                        if (b->sve_vls_all & (1u << n))
                                printf("%u ", 128 * (n + 1));
                printf("bits (every host has them)\n");
        }
        if (b->psci_version)
                printf("PSCI:         %s%s\n", baseline_psci_name(b->psci_version, psci, sizeof(psci)),
                       b->psci_differs ? " (pinned: the hosts differ; needs QEMU's kvm-psci-version, QEMU 7.2 has no such property)"
                                       : " (every host)");
        printf("QEMU:         -cpu %s\n", cpu);
        printf("\nlibvirt domain XML:\n%s", xml);

        if (b->n_fields) {
                printf("\nID register fields the hosts disagree on (writable ID registers on every host: %s):\n",
                       b->writable_id_regs ? "yes" : "no");
                printf("  %-34s %-15s %8s  %s\n", "FIELD", "RULE", "BASELINE", "HOSTS (value)");
                for (size_t k = 0; k < b->n_fields; k++) {
                        const BaselineField *x = &b->fields[k];
                        bool first = true;

                        field_name(x, name, sizeof(name));
                        if (x->settable)
                                printf("  %-34s %-15s %8" PRId64 "  ", name, field_rule_name(x->field->rule), x->value);
                        else
                                printf("  %-34s %-15s %8s  ", name, field_rule_name(x->field->rule), "none");
                        for (size_t i = 0; i < b->n_hosts; i++)
                                if (x->has_value[i]) {
                                        printf("%s%s=%" PRId64 "%s", first ? "" : ", ", b->hosts[i].label, x->host_values[i],
                                               x->accepts[i] ? "" : "!");
                                        first = false;
                                }
                        putchar('\n');
                }
                printf("  (! : that host's kernel does not take the value: not writable there (before Linux 6.7, or no\n"
                       "   writable mask), or the field's rule forbids it; BASELINE none: no value every host takes)\n");
                printf("\nWhat QEMU cannot set yet: ID register fields need QEMU support that is not merged upstream.\n"
                       "Until then a guest keeps each host's own value, and loses it when it moves:\n");
                for (size_t k = 0; k < b->n_fields; k++) {
                        const BaselineField *x = &b->fields[k];
                        _cleanup_free_ char *hi = NULL, *lo = NULL;
                        size_t shi, slo;
                        FILE *f;

                        field_name(x, name, sizeof(name));
                        if (!x->settable) {
                                printf("  - %s: no value every host's kernel takes: left as each host has it\n", name);
                                continue;
                        }
                        f = open_memstream(&hi, &shi);
                        if (f) {
                                host_list(f, b, x, true);
                                fclose(f);
                        }
                        f = open_memstream(&lo, &slo);
                        if (f) {
                                host_list(f, b, x, false);
                                fclose(f);
                        }
                        printf("  - %s: the guest sees another value (baseline %" PRId64 ") on %s but cannot keep it on %s\n",
                               name, x->value, hi ? hi : "?", lo && *lo ? lo : "the others");
                }
        } else
                printf("\nID registers: every host's fields agree; nothing to lower.\n");

        if (b->n_impossible == 0)
                printf("\nEvery pair migrates with the baseline (%zu ordered pairs compared).\n", b->n_pairs);
        else {
                printf("\nPairs that still cannot migrate with the baseline (%zu of %zu ordered pairs):\n",
                       b->n_impossible, b->n_pairs);
                for (size_t k = 0; k < b->n_impossible; k++) {
                        const BaselinePair *p = &b->impossible[k];
                        printf("  %s -> %s: %s\n", b->hosts[p->from].label, b->hosts[p->to].label, p->why);
                        if (!ctl->verbose && k >= 49 && b->n_impossible > 50) {
                                printf("  ... and %zu more (--verbose: all)\n", b->n_impossible - 50);
                                break;
                        }
                }
        }
}

static int print_json(const Baseline *b, const char *xml, const char *cpu) {
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *vcpu = json_object_new_object(), *fields = json_object_new_array(),
                    *pairs = json_object_new_array(), *hosts = json_object_new_array(), *vls = json_object_new_array();
        char psci[32], name[160];

        if (!o || !vcpu || !fields || !pairs || !hosts || !vls) {
                json_object_put(vcpu);
                json_object_put(fields);
                json_object_put(pairs);
                json_object_put(hosts);
                json_object_put(vls);
                ctl_error("out of memory");
                return CTL_EXIT_USAGE;
        }
        for (size_t i = 0; i < b->n_hosts; i++)
                json_object_array_add(hosts, json_object_new_string(b->hosts[i].label));
        json_object_object_add(o, "hosts", hosts);
        json_object_object_add(vcpu, "pmu", json_object_new_boolean(b->cpu.pmu == 1));
        json_object_object_add(vcpu, "sve", json_object_new_boolean(b->cpu.sve == 1));
        for (unsigned n = 0; n < 16; n++)
                if (b->sve_vls_all & (1u << n))
                        json_object_array_add(vls, json_object_new_int(128 * (int) (n + 1)));
        json_object_object_add(vcpu, "sve_lengths", vls);
        json_object_object_add(vcpu, "pauth", json_object_new_boolean(b->cpu.pauth == 1));
        json_object_object_add(vcpu, "mte", json_object_new_boolean(b->cpu.mte == 1));
        json_object_object_add(vcpu, "init_features0", json_object_new_int64(b->features));
        json_object_object_add(o, "vcpu", vcpu);
        json_object_object_add(o, "psci_version",
                               b->psci_version ? json_object_new_string(baseline_psci_name(b->psci_version, psci, sizeof(psci)))
                                               : NULL);
        json_object_object_add(o, "psci_pinned", json_object_new_boolean(b->psci_differs));
        json_object_object_add(o, "qemu_cpu", json_object_new_string(cpu));
        json_object_object_add(o, "libvirt_xml", json_object_new_string(xml));
        json_object_object_add(o, "writable_id_regs", json_object_new_boolean(b->writable_id_regs));
        for (size_t k = 0; k < b->n_fields; k++) {
                const BaselineField *x = &b->fields[k];
                json_object *e = json_object_new_object(), *values = json_object_new_object(),
                            *refused = json_object_new_array();
                char reg[REG_NAME_MAX];

                if (!e || !values || !refused) {
                        json_object_put(e);
                        json_object_put(values);
                        json_object_put(refused);
                        break;
                }
                field_name(x, name, sizeof(name));
                json_object_object_add(e, "register", json_object_new_string(reg_id_name(x->reg, reg, sizeof(reg))));
                json_object_object_add(e, "field", json_object_new_string(x->field->name));
                json_object_object_add(e, "rule", json_object_new_string(field_rule_name(x->field->rule)));
                json_object_object_add(e, "value", x->settable ? json_object_new_int64(x->value) : NULL);
                for (size_t i = 0; i < b->n_hosts; i++)
                        if (x->has_value[i]) {
                                json_object_object_add(values, b->hosts[i].label, json_object_new_int64(x->host_values[i]));
                                if (!x->accepts[i])
                                        json_object_array_add(refused, json_object_new_string(b->hosts[i].label));
                        }
                json_object_object_add(e, "hosts", values);
                json_object_object_add(e, "not_settable_on", refused);
                json_object_array_add(fields, e);
        }
        json_object_object_add(o, "id_fields", fields);
        for (size_t k = 0; k < b->n_impossible; k++) {
                json_object *e = json_object_new_object();
                if (!e)
                        break;
                json_object_object_add(e, "from", json_object_new_string(b->hosts[b->impossible[k].from].label));
                json_object_object_add(e, "to", json_object_new_string(b->hosts[b->impossible[k].to].label));
                json_object_object_add(e, "why", json_object_new_string(b->impossible[k].why));
                json_object_array_add(pairs, e);
        }
        json_object_object_add(o, "pairs_compared", json_object_new_int64((int64_t) b->n_pairs));
        json_object_object_add(o, "impossible", pairs);
        return ctl_print_json(o) < 0 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
}

static int write_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return -1;
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

/* Writes the baseline's record to path, whole or not at all. */
static int write_profile(const char *path, const Profile *record) {
        _cleanup_free_ char *json = NULL, *tmp = NULL;
        size_t len;
        int fd;

        if (!record) {
                ctl_error("--profile-out %s: no host records the baseline's vCPU configuration", path);
                return CTL_EXIT_INCOMPATIBLE;
        }
        json = profile_to_json(record, true);
        tmp = strdup_printf("%s.tmp.XXXXXX", path);
        if (!json || !tmp) {
                ctl_error("out of memory");
                return CTL_EXIT_USAGE;
        }
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0) {
                ctl_error("--profile-out %s: %s", path, strerror(errno));
                return CTL_EXIT_USAGE;
        }
        len = strlen(json);
        if (write_all(fd, json, len) < 0 || write_all(fd, "\n", 1) < 0 || fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
                int e = errno;
                close(fd);
                unlink(tmp);
                ctl_error("--profile-out %s: cannot write: %s", path, strerror(e));
                return CTL_EXIT_USAGE;
        }
        if (close(fd) < 0 || rename(tmp, path) < 0) {
                int e = errno;
                unlink(tmp);
                ctl_error("--profile-out %s: cannot write: %s", path, strerror(e));
                return CTL_EXIT_USAGE;
        }
        return CTL_EXIT_OK;
}

int ctl_baseline(Ctl *ctl) {
        _cleanup_(fleet_freep) Fleet *fleet = NULL;
        _cleanup_(baseline_freep) Baseline *b = NULL;
        _cleanup_free_ const Profile **profiles = NULL;
        _cleanup_free_ const char **labels = NULL;
        _cleanup_free_ char *xml = NULL, *cpu = NULL;
        int r;

        r = fleet_load((const char *const *) ctl->args, ctl->n_args, 0, &fleet);
        if (r == -ENOMEM) {
                ctl_error("out of memory");
                return CTL_EXIT_USAGE;
        }
        for (size_t i = 0; fleet && i < fleet->n_problems; i++)
                ctl_error("%s: %s%s", fleet->problems[i].what, fleet->problems[i].reason,
                          fleet->problems[i].left_out ? " (left out)" : "");
        if (r < 0 || !fleet || fleet->n_classes == 0) {
                ctl_error("baseline: no host's profile could be read");
                return CTL_EXIT_USAGE;
        }
        /* One host per class: hosts of one digest are one profile. */
        profiles = calloc(fleet->n_classes, sizeof(*profiles));
        labels = calloc(fleet->n_classes, sizeof(*labels));
        if (!profiles || !labels) {
                ctl_error("out of memory");
                return CTL_EXIT_USAGE;
        }
        for (size_t k = 0; k < fleet->n_classes; k++) {
                profiles[k] = fleet->classes[k].profile;
                labels[k] = fleet->hosts[fleet->classes[k].hosts[0]].label;
        }
        r = baseline_compute(profiles, labels, fleet->n_classes, &b);
        if (r < 0) {
                ctl_error("baseline: %s", strerror(-r));
                return CTL_EXIT_USAGE;
        }
        xml = baseline_libvirt_xml(b);
        cpu = baseline_qemu_cpu(b);
        if (!xml || !cpu) {
                ctl_error("out of memory");
                return CTL_EXIT_USAGE;
        }
        if (ctl->profile_out) {
                r = write_profile(ctl->profile_out, baseline_record(b));
                if (r != CTL_EXIT_OK)
                        return r;
        }
        if (ctl->json) {
                r = print_json(b, xml, cpu);
                if (r != CTL_EXIT_OK)
                        return r;
        } else
                print_text(ctl, b, fleet, xml, cpu);
        return b->n_impossible ? CTL_EXIT_INCOMPATIBLE : CTL_EXIT_OK;
}
