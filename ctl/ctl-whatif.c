/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmregsctl whatif: the migrations one host's new profile would break or make possible, as
 * lib/fleet.c finds them, laid out per class (or per host pair) in text, JSON or CSV. */
#include <errno.h>
#include <string.h>

#include "ctl-fleet.h"
#include "util.h"

#define NAMES_WIDTH 48

/* The other side of a change, per host pair: each host of the class but the one changed. */
static json_object *change_json(Ctl *ctl, const Fleet *f, const FleetWhatIf *w, const FleetChange *c) {
        const char *me = f->hosts[w->host].label;
        bool from = c->direction == FLEET_FROM_HOST;
        size_t src_before = from ? w->old_class : c->other_class;
        json_object *o = json_object_new_object(), *hosts = json_object_new_array();
        json_object *before, *after;

        if (!o || !hosts) {
                json_object_put(o);
                json_object_put(hosts);
                return NULL;
        }
        json_object_object_add(o, "direction", json_object_new_string(from ? "from-host" : "to-host"));
        json_object_object_add(o, "class", json_object_new_int64((int64_t) c->other_class + 1));
        json_object_object_add(o, "host_pairs", json_object_new_int64((int64_t) c->n_hosts));
        before = ctl_cell_json(f, src_before, &c->before);
        /* the new profile is not a class of the fleet: its causes name its own configurations,
         * which ctl_cell_json() looks up in the class that shares its digest, or not at all */
        after = w->new_class != SIZE_MAX || !from ? ctl_cell_json(f, from ? w->new_class : c->other_class, &c->after)
                                                  : NULL;
        if (!after && from && w->new_class == SIZE_MAX) {
                Fleet tmp = *f;
                FleetClass one = { .profile = w->new_profile };
                tmp.classes = &one;
                after = ctl_cell_json(&tmp, 0, &c->after);
        }
        json_object_object_add(o, "before", before);
        json_object_object_add(o, "after", after);
        json_object_object_add(o, "hosts", hosts);
        for (size_t k = 0; k < f->classes[c->other_class].n_hosts; k++) {
                size_t h = f->classes[c->other_class].hosts[k];

                if (h == w->host)
                        continue;
                if (ctl->per_host) {
                        json_object *pair = json_object_new_object();
                        json_object_object_add(pair, "from", json_object_new_string(from ? me : f->hosts[h].label));
                        json_object_object_add(pair, "to", json_object_new_string(from ? f->hosts[h].label : me));
                        json_object_array_add(hosts, pair);
                } else
                        json_object_array_add(hosts, json_object_new_string(f->hosts[h].label));
        }
        return o;
}

/* The cause of the new profile's cell: its configurations are the new profile's when it leads. */
static void after_cause(const Fleet *f, const FleetWhatIf *w, const FleetChange *c, char *buf, size_t size) {
        bool from = c->direction == FLEET_FROM_HOST;

        if (from && w->new_class == SIZE_MAX) {
                Fleet tmp = *f;
                FleetClass one = { .profile = w->new_profile };
                tmp.classes = &one;
                ctl_cell_cause(&tmp, 0, &c->after, buf, size);
        } else
                ctl_cell_cause(f, from ? w->new_class : c->other_class, &c->after, buf, size);
}

static int whatif_json(Ctl *ctl, const Fleet *f, const FleetWhatIf *w) {
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *broken = json_object_new_array(), *made = json_object_new_array();

        if (!o || !broken || !made) {
                json_object_put(broken);
                json_object_put(made);
                ctl_error("out of memory");
                return CTL_EXIT_USAGE;
        }
        json_object_object_add(o, "host", json_object_new_string(f->hosts[w->host].label));
        json_object_object_add(o, "old_class", json_object_new_int64((int64_t) w->old_class + 1));
        json_object_object_add(o, "new_class",
                               w->new_class == SIZE_MAX ? NULL : json_object_new_int64((int64_t) w->new_class + 1));
        json_object_object_add(o, "new_digest", json_object_new_string(w->new_profile->digest));
        json_object_object_add(o, "per", json_object_new_string(ctl->per_host ? "host" : "class"));
        json_object_object_add(o, "host_pairs_broken", json_object_new_int64((int64_t) w->host_pairs_broken));
        json_object_object_add(o, "host_pairs_new", json_object_new_int64((int64_t) w->host_pairs_new));
        json_object_object_add(o, "broken", broken);
        json_object_object_add(o, "new", made);
        for (size_t i = 0; i < w->n_changes; i++)
                json_object_array_add(w->changes[i].breaks ? broken : made, change_json(ctl, f, w, &w->changes[i]));
        json_object_object_add(o, "left_out", ctl_fleet_problems_json(f, true));
        json_object_object_add(o, "notes", ctl_fleet_problems_json(f, false));
        return ctl_print_json(o) < 0 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
}

static int whatif_csv(Ctl *ctl, const Fleet *f, const FleetWhatIf *w) {
        const char *me = f->hosts[w->host].label;
        char buf[1024], id[32];

        puts(ctl->per_host ? "change,from,to,before,after,why" : "change,direction,class,host_pairs,before,after,why");
        for (size_t i = 0; i < w->n_changes; i++) {
                const FleetChange *c = &w->changes[i];
                const FleetClass *other = &f->classes[c->other_class];
                bool from = c->direction == FLEET_FROM_HOST;

                after_cause(f, w, c, buf, sizeof(buf));
                if (!c->breaks)
                        ctl_cell_cause(f, from ? w->old_class : c->other_class, &c->before, buf, sizeof(buf));
                if (!ctl->per_host) {
                        ctl_csv_field(stdout, c->breaks ? "breaks" : "new", false);
                        ctl_csv_field(stdout, from ? "from-host" : "to-host", false);
                        snprintf(id, sizeof(id), "%zu", c->other_class + 1);
                        ctl_csv_field(stdout, id, false);
                        snprintf(id, sizeof(id), "%zu", c->n_hosts);
                        ctl_csv_field(stdout, id, false);
                        ctl_csv_field(stdout, ctl_cell_verdict(&c->before), false);
                        ctl_csv_field(stdout, ctl_cell_verdict(&c->after), false);
                        ctl_csv_field(stdout, buf, true);
                        continue;
                }
                for (size_t k = 0; k < other->n_hosts; k++) {
                        size_t h = other->hosts[k];

                        if (h == w->host)
                                continue;
                        ctl_csv_field(stdout, c->breaks ? "breaks" : "new", false);
                        ctl_csv_field(stdout, from ? me : f->hosts[h].label, false);
                        ctl_csv_field(stdout, from ? f->hosts[h].label : me, false);
                        ctl_csv_field(stdout, ctl_cell_verdict(&c->before), false);
                        ctl_csv_field(stdout, ctl_cell_verdict(&c->after), false);
                        ctl_csv_field(stdout, buf, true);
                }
        }
        return CTL_EXIT_OK;
}

static void whatif_text_list(Ctl *ctl, const Fleet *f, const FleetWhatIf *w, bool breaks) {
        const char *me = f->hosts[w->host].label;
        char names[1024], why[1024];

        for (size_t i = 0; i < w->n_changes; i++) {
                const FleetChange *c = &w->changes[i];
                bool from = c->direction == FLEET_FROM_HOST;

                if (c->breaks != breaks)
                        continue;
                if (breaks)
                        after_cause(f, w, c, why, sizeof(why));
                else
                        ctl_cell_cause(f, from ? w->old_class : c->other_class, &c->before, why, sizeof(why));
                ctl_class_hosts(f, c->other_class, w->host, NAMES_WIDTH, names, sizeof(names));
                if (from)
                        printf("  %s -> class %zu (%zu host%s: %s): %s -> %s\n", me, c->other_class + 1, c->n_hosts,
                               c->n_hosts == 1 ? "" : "s", names, ctl_cell_mark(&c->before), ctl_cell_mark(&c->after));
                else
                        printf("  class %zu (%zu host%s: %s) -> %s: %s -> %s\n", c->other_class + 1, c->n_hosts,
                               c->n_hosts == 1 ? "" : "s", names, me, ctl_cell_mark(&c->before), ctl_cell_mark(&c->after));
                printf("      %s %s\n", breaks ? "fails with:" : "failed with:", why);
                if (ctl->per_host)
                        for (size_t k = 0; k < f->classes[c->other_class].n_hosts; k++) {
                                size_t h = f->classes[c->other_class].hosts[k];

                                if (h != w->host)
                                        printf("      %s -> %s\n", from ? me : f->hosts[h].label,
                                               from ? f->hosts[h].label : me);
                        }
        }
}

static int whatif_text(Ctl *ctl, const Fleet *f, const FleetWhatIf *w) {
        const Profile *old = f->classes[w->old_class].profile, *new = w->new_profile;

        printf("What if %s (class %zu, kernel %s) had the profile of %s (kernel %s)?\n", f->hosts[w->host].label,
               w->old_class + 1, old->kernel ? old->kernel : "?", ctl->new_profile, new->kernel ? new->kernel : "?");
        if (w->new_class == w->old_class)
                printf("Nothing changes: the new profile is the one it has (the same digest).\n");
        else if (w->new_class != SIZE_MAX)
                printf("It would join class %zu (the same digest).\n", w->new_class + 1);
        else
                printf("It would be a class of its own (no host has its digest).\n");
        printf("\nBroken: %llu working host pair%s would fail.\n", (unsigned long long) w->host_pairs_broken,
               w->host_pairs_broken == 1 ? "" : "s");
        whatif_text_list(ctl, f, w, true);
        printf("\nNew: %llu host pair%s that fail%s today would work.\n", (unsigned long long) w->host_pairs_new,
               w->host_pairs_new == 1 ? "" : "s", w->host_pairs_new == 1 ? "s" : "");
        whatif_text_list(ctl, f, w, false);
        if (fflush(stdout) != 0) {
                ctl_error("cannot write: %s", strerror(errno));
                return CTL_EXIT_USAGE;
        }
        return CTL_EXIT_OK;
}

int ctl_whatif(Ctl *ctl) {
        _cleanup_(ctl_fleet_done) CtlFleet cf = {};
        _cleanup_(fleet_whatif_freep) FleetWhatIf *w = NULL;
        Profile *p = NULL;
        int r;

        if (!ctl->host || !ctl->new_profile) {
                ctl_error("'whatif' needs --host NAME and --profile NEW.json; see kvmregsctl --help");
                return CTL_EXIT_USAGE;
        }
        r = ctl_fleet_load(ctl, &cf);
        if (r != CTL_EXIT_OK)
                return r;
        r = ctl_load_profile(ctl->new_profile, &p, NULL);
        if (r != CTL_EXIT_OK)
                return r;
        r = fleet_whatif(cf.fleet, cf.matrix, ctl->host, p, 2, &w);
        if (r == -ENOENT) {
                ctl_error("no host '%s' in the fleet (by label or host name)", ctl->host);
                return CTL_EXIT_USAGE;
        }
        if (r < 0) {
                ctl_error("cannot compare the new profile: %s", strerror(-r));
                return CTL_EXIT_USAGE;
        }
        if (ctl->json)
                r = whatif_json(ctl, cf.fleet, w);
        else if (ctl->csv)
                r = whatif_csv(ctl, cf.fleet, w);
        else
                r = whatif_text(ctl, cf.fleet, w);
        if (r != CTL_EXIT_OK)
                return r;
        return ctl_fleet_exit(&cf, w->host_pairs_broken ? CTL_EXIT_INCOMPATIBLE : CTL_EXIT_OK);
}
