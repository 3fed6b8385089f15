/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Class ids and "who accepts whom" for scheduler exports (lib/fleet-export.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet-export.h"
#include "util.h"

void fleet_class_short_id(const Fleet *f, size_t class_id, char ret[FLEET_CLASS_ID_LEN + 1]) {
        memcpy(ret, f->classes[class_id].profile->digest, FLEET_CLASS_ID_LEN);
        ret[FLEET_CLASS_ID_LEN] = '\0';
}

int fleet_class_ids_check(const Fleet *f, size_t *ret_a, size_t *ret_b) {
        /* 40 classes are usual; 1,000 distinct profiles are 500,000 memcmp()s: no table needed */
        for (size_t a = 0; a < f->n_classes; a++)
                for (size_t b = a + 1; b < f->n_classes; b++)
                        if (memcmp(f->classes[a].profile->digest, f->classes[b].profile->digest,
                                   FLEET_CLASS_ID_LEN) == 0) {
                                if (ret_a)
                                        *ret_a = a;
                                if (ret_b)
                                        *ret_b = b;
                                return -EEXIST;
                        }
        return 0;
}

size_t fleet_runnable_configs(const Profile *p) {
        size_t n = 0;

        for (size_t i = 0; i < p->n_configs; i++)
                if (!p->configs[i].skipped)
                        n++;
        return n;
}

bool fleet_accepts(const Fleet *f, const FleetMatrix *m, size_t guest_class, size_t host_class) {
        const FleetCell *c;

        if (guest_class >= m->n || host_class >= m->n || m->n != f->n_classes)
                return false;
        c = fleet_cell(m, guest_class, host_class);
        if (!fleet_cell_works(c))
                return false;
        if (m->config)
                return true;
        return c->n_compared == fleet_runnable_configs(f->classes[guest_class].profile);
}

/* ---- the files ---- */

#define LABEL_CLASS "kvmregs.org/class"
#define LABEL_ACCEPTS_PREFIX "accepts.kvmregs.org/"
#define TRAIT_CLASS "CUSTOM_KVMREGS_CLASS_"
#define TRAIT_ACCEPTS "CUSTOM_KVMREGS_ACCEPTS_"
#define TRAIT_MAX 255u

int fleet_export_format_from_name(const char *name, FleetExportFormat *ret) {
        if (name && strcmp(name, "kubevirt") == 0)
                *ret = FLEET_EXPORT_KUBEVIRT;
        else if (name && strcmp(name, "nova") == 0)
                *ret = FLEET_EXPORT_NOVA;
        else
                return -EINVAL;
        return 0;
}

const char *fleet_export_format_name(FleetExportFormat format) {
        return format == FLEET_EXPORT_KUBEVIRT ? "kubevirt" : "nova";
}

int fleet_export_new(const Fleet *f, const FleetMatrix *m, FleetExportFormat format, FleetExport **ret,
                     size_t *ret_a, size_t *ret_b) {
        _cleanup_(fleet_export_freep) FleetExport *e = NULL;
        size_t n = f->n_classes;
        int r;

        r = fleet_class_ids_check(f, ret_a, ret_b);
        if (r < 0)
                return r;
        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        *e = (FleetExport) { .fleet = f, .matrix = m, .format = format };
        e->ids = calloc(n ? n : 1, sizeof(*e->ids));
        e->accepts = calloc(n ? n * n : 1, sizeof(*e->accepts));
        if (!e->ids || !e->accepts)
                return -ENOMEM;
        for (size_t c = 0; c < n; c++)
                fleet_class_short_id(f, c, e->ids[c]);
        for (size_t h = 0; h < n; h++)
                for (size_t g = 0; g < n; g++)
                        e->accepts[h * n + g] = fleet_accepts(f, m, g, h);
        *ret = TAKE_PTR(e);
        return 0;
}

FleetExport *fleet_export_free(FleetExport *e) {
        if (!e)
                return NULL;
        free(e->ids);
        free(e->accepts);
        free(e);
        return NULL;
}

/* [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?, at most max bytes; empty allowed when empty_ok. */
static bool label_name_valid(const char *s, size_t max, bool empty_ok) {
        size_t n = strlen(s);

        if (n == 0)
                return empty_ok;
        if (n > max)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

                if (!alnum && ((i == 0 || i == n - 1) || !(c == '-' || c == '_' || c == '.')))
                        return false;
        }
        return true;
}

/* A DNS subdomain (RFC 1123): dot-separated labels of [a-z0-9-], alphanumeric at both ends, ≤253. */
static bool dns_subdomain_valid(const char *s) {
        size_t n = strlen(s), part = 0;

        if (n == 0 || n > 253)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

                if (c == '.') {
                        if (part == 0 || s[i - 1] == '-')
                                return false;
                        part = 0;
                        continue;
                }
                if (!alnum && c != '-')
                        return false;
                if (c == '-' && part == 0)
                        return false;
                if (++part > 63)
                        return false;
        }
        return s[n - 1] != '-' && s[n - 1] != '.';
}

/* A label key: [prefix/]name, the prefix a DNS subdomain, the name ≤63 of the label charset. */
static bool label_key_valid(const char *key) {
        const char *slash = strchr(key, '/');

        if (slash) {
                char prefix[254];
                size_t n = (size_t) (slash - key);

                if (n == 0 || n >= sizeof(prefix))
                        return false;
                memcpy(prefix, key, n);
                prefix[n] = '\0';
                if (!dns_subdomain_valid(prefix))
                        return false;
                key = slash + 1;
        }
        return label_name_valid(key, 63, false);
}

static bool trait_valid(const char *t) {
        size_t n = strlen(t);

        if (n > TRAIT_MAX || strncmp(t, "CUSTOM_", 7) != 0 || n == 7)
                return false;
        for (size_t i = 7; i < n; i++)
                if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= '0' && t[i] <= '9') || t[i] == '_'))
                        return false;
        return true;
}

static void trait_of(char ret[TRAIT_MAX + 1], const char *prefix, const char *id) {
        snprintf(ret, TRAIT_MAX + 1, "%s%s", prefix, id);
        for (char *s = ret; *s; s++)
                if (*s >= 'a' && *s <= 'z')
                        *s = (char) (*s - 'a' + 'A');
}

static const char *config_text(const FleetExport *e) {
        return e->matrix->config ? e->matrix->config : "(every one the guest's class runs)";
}

/* Every label of one node, checked: false when one would be invalid. */
static bool kubevirt_file(const FleetExport *e, const FleetHost *h, FILE *f, json_object *labels) {
        size_t c = h->class_id, n = e->fleet->n_classes;
        char key[128];
        bool ok = label_key_valid(LABEL_CLASS) && label_name_valid(e->ids[c], 63, true);

        fprintf(f, "# kvmregs export --format kubevirt: node %s, class %s, configuration %s\n"
                   "# kubectl patch node %s --patch-file %s.yaml\n",
                h->label, e->ids[c], config_text(e), h->label, h->label);
        fprintf(f, "metadata:\n  labels:\n    %s: \"%s\"\n", LABEL_CLASS, e->ids[c]);
        if (labels)
                json_object_object_add(labels, LABEL_CLASS, json_object_new_string(e->ids[c]));
        for (size_t g = 0; g < n; g++) {
                bool yes = e->accepts[c * n + g];

                snprintf(key, sizeof(key), "%s%s", LABEL_ACCEPTS_PREFIX, e->ids[g]);
                ok = ok && label_key_valid(key);
                /* null removes a label a previous export set (strategic merge patch) */
                fprintf(f, "    %s: %s\n", key, yes ? "\"true\"" : "null");
                if (yes && labels)
                        json_object_object_add(labels, key, json_object_new_string("true"));
        }
        return ok;
}

static bool nova_file(const FleetExport *e, const FleetHost *h, FILE *f) {
        size_t c = h->class_id, n = e->fleet->n_classes;
        char trait[TRAIT_MAX + 1];
        bool ok;

        fprintf(f, "# kvmregs export --format nova: host %s, class %s, configuration %s\n"
                   "meta:\n  schema_version: '1.0'\nproviders:\n"
                   "  - identification:\n      name: '%s'\n    traits:\n      additional:\n",
                h->label, e->ids[c], config_text(e), h->label);
        trait_of(trait, TRAIT_CLASS, e->ids[c]);
        ok = trait_valid(trait);
        fprintf(f, "        - '%s'\n", trait);
        for (size_t g = 0; g < n; g++) {
                if (!e->accepts[c * n + g])
                        continue;
                trait_of(trait, TRAIT_ACCEPTS, e->ids[g]);
                ok = ok && trait_valid(trait);
                fprintf(f, "        - '%s'\n", trait);
        }
        return ok;
}

int fleet_export_host_file(const FleetExport *e, size_t host, char **ret_text, json_object *labels, char **ret_why) {
        const FleetHost *h = &e->fleet->hosts[host];
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *f;
        bool ok;

        if (!fleet_host_name_valid(h->label) || (e->format == FLEET_EXPORT_KUBEVIRT && !dns_subdomain_valid(h->label))) {
                if (ret_why)
                        *ret_why = strdup_printf("%s: not a valid %s", h->label,
                                                 e->format == FLEET_EXPORT_KUBEVIRT
                                                         ? "Kubernetes node name (a lower-case DNS subdomain)"
                                                         : "host file name ([A-Za-z0-9._:-])");
                return -EINVAL;
        }
        f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        ok = e->format == FLEET_EXPORT_KUBEVIRT ? kubevirt_file(e, h, f, labels) : nova_file(e, h, f);
        if (fclose(f) != 0 || !text)
                return -ENOMEM;
        if (!ok) {
                if (ret_why)
                        *ret_why = strdup_printf("%s: a %s would be invalid", h->label,
                                                 e->format == FLEET_EXPORT_KUBEVIRT ? "label" : "trait");
                return -EBADMSG;
        }
        *ret_text = TAKE_PTR(text);
        return 0;
}

json_object *fleet_export_classes_json(const FleetExport *e) {
        const Fleet *fl = e->fleet;
        json_object *a = json_object_new_array();
        size_t n = fl->n_classes;

        for (size_t c = 0; a && c < n; c++) {
                json_object *o = json_object_new_object(), *hosts = json_object_new_array(),
                            *acc = json_object_new_array();

                if (!o || !hosts || !acc || json_object_array_add(a, o) < 0) {
                        json_object_put(o);
                        json_object_put(hosts);
                        json_object_put(acc);
                        json_object_put(a);
                        return NULL;
                }
                json_object_object_add(o, "id", json_object_new_string(e->ids[c]));
                json_object_object_add(o, "digest", json_object_new_string(fl->classes[c].profile->digest));
                json_object_object_add(o, "hosts", hosts);
                for (size_t k = 0; k < fl->classes[c].n_hosts; k++)
                        json_object_array_add(hosts, json_object_new_string(fl->hosts[fl->classes[c].hosts[k]].label));
                json_object_object_add(o, "accepts", acc);
                for (size_t g = 0; g < n; g++)
                        if (e->accepts[c * n + g])
                                json_object_array_add(acc, json_object_new_string(e->ids[g]));
        }
        return a;
}

char *fleet_export_labels_json(const FleetExport *e, json_object *nodes) {
        json_object *doc = json_object_new_object();
        const char *text;
        char *out = NULL;

        if (!doc)
                return NULL;
        json_object_object_add(doc, "format", json_object_new_string("kvmregs-kubevirt-labels"));
        json_object_object_add(doc, "config", e->matrix->config ? json_object_new_string(e->matrix->config) : NULL);
        json_object_object_add(doc, "classes", fleet_export_classes_json(e));
        json_object_object_add(doc, "nodes", json_object_get(nodes));
        text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (text)
                out = strdup_printf("%s\n", text);
        json_object_put(doc);
        return out;
}
