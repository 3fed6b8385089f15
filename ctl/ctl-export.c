/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvmregsctl export --format kubevirt|nova DIR|FILE... [-o OUTDIR]: what a scheduler needs so that
 * it never picks an incompatible migration target (docs/scheduler-export.md). Who accepts whom is
 * lib/fleet-export.h's (from the fleet's matrix); this writes it as node label patches (KubeVirt)
 * or provider config files (Nova).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl-fleet.h"
#include "fleet-export.h"
#include "util.h"

#define LABEL_CLASS "kvmregs.org/class"
#define LABEL_ACCEPTS_PREFIX "accepts.kvmregs.org/"
#define TRAIT_CLASS "CUSTOM_KVMREGS_CLASS_"
#define TRAIT_ACCEPTS "CUSTOM_KVMREGS_ACCEPTS_"
#define TRAIT_MAX 255u

typedef enum ExportFormat { EXPORT_KUBEVIRT, EXPORT_NOVA } ExportFormat;

/* A growing text buffer; on ENOMEM it stays failed and the write reports it. */
typedef struct Buf {
        char *s;
        size_t len, size;
        bool failed;
} Buf;

static void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(Buf *b, const char *fmt, ...) {
        va_list ap;
        int n;

        if (b->failed)
                return;
        for (;;) {
                va_start(ap, fmt);
                n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->size - b->len : 0, fmt, ap);
                va_end(ap);
                if (n < 0) {
                        b->failed = true;
                        return;
                }
                if (b->s && b->len + (size_t) n < b->size) {
                        b->len += (size_t) n;
                        return;
                }
                size_t size = (b->size ? b->size : 1024) * 2 + (size_t) n;
                char *s = realloc(b->s, size);
                if (!s) {
                        b->failed = true;
                        return;
                }
                b->s = s;
                b->size = size;
        }
}

/* OUTDIR/name replaced atomically: OUTDIR/.name.XXXXXX, fsync, rename. -errno. */
static int write_atomic(const char *dir, const char *name, const char *data, size_t size) {
        _cleanup_free_ char *tmp = strdup_printf("%s/.%s.XXXXXX", dir, name);
        _cleanup_free_ char *path = strdup_printf("%s/%s", dir, name);
        int fd, r = 0;

        if (!tmp || !path)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        while (size > 0 && r == 0) {
                ssize_t k = write(fd, data, size);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        r = -errno;
                else {
                        data += k;
                        size -= (size_t) k;
                }
        }
        if (r == 0 && fchmod(fd, 0644) < 0)
                r = -errno;
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                unlink(tmp);
        return r;
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

static void upper(char *s) {
        for (; *s; s++)
                if (*s >= 'a' && *s <= 'z')
                        *s = (char) (*s - 'a' + 'A');
}

typedef struct Export {
        Ctl *ctl;
        const Fleet *f;
        const FleetMatrix *m;
        ExportFormat format;
        const char *outdir;
        char (*ids)[FLEET_CLASS_ID_LEN + 1];   /* per class */
        bool *accepts;                          /* [host_class * n + guest_class] */
        json_object *nodes;                     /* kubevirt: labels.json's "nodes" */
        json_object *written;                   /* file names */
        size_t n_skipped;
} Export;

/* Every label of one node, checked; true when all are valid. */
static bool kubevirt_labels(Export *e, size_t host_class, json_object *labels, Buf *yaml) {
        char key[128];
        bool ok = true;

        buf_printf(yaml, "metadata:\n  labels:\n");
        buf_printf(yaml, "    %s: \"%s\"\n", LABEL_CLASS, e->ids[host_class]);
        ok = ok && label_key_valid(LABEL_CLASS) && label_name_valid(e->ids[host_class], 63, true);
        json_object_object_add(labels, LABEL_CLASS, json_object_new_string(e->ids[host_class]));
        for (size_t g = 0; g < e->f->n_classes; g++) {
                bool yes = e->accepts[host_class * e->f->n_classes + g];

                snprintf(key, sizeof(key), "%s%s", LABEL_ACCEPTS_PREFIX, e->ids[g]);
                ok = ok && label_key_valid(key);
                /* null removes a label a previous export set (strategic merge patch) */
                buf_printf(yaml, "    %s: %s\n", key, yes ? "\"true\"" : "null");
                if (yes)
                        json_object_object_add(labels, key, json_object_new_string("true"));
        }
        return ok;
}

static int export_host(Export *e, const FleetHost *h) {
        _cleanup_free_ char *name = NULL;
        Buf b = {};
        size_t c = h->class_id, n = e->f->n_classes;
        int r;

        if (!fleet_host_name_valid(h->label) ||
            (e->format == EXPORT_KUBEVIRT && !dns_subdomain_valid(h->label))) {
                ctl_error("left out: %s: not a valid %s (%s)", h->label,
                          e->format == EXPORT_KUBEVIRT ? "Kubernetes node name" : "host file name",
                          e->format == EXPORT_KUBEVIRT ? "a lower-case DNS subdomain" : "[A-Za-z0-9._:-]");
                e->n_skipped++;
                return 0;
        }
        if (e->format == EXPORT_KUBEVIRT) {
                json_object *labels = json_object_new_object();

                if (!labels || json_object_object_add(e->nodes, h->label, labels) < 0) {
                        json_object_put(labels);
                        return -ENOMEM;
                }
                buf_printf(&b, "# kvmregsctl export --format kubevirt: node %s, class %s, configuration %s\n"
                               "# kubectl patch node %s --patch-file %s.yaml\n",
                           h->label, e->ids[c], e->m->config ? e->m->config : "(every one the guest's class runs)",
                           h->label, h->label);
                if (!kubevirt_labels(e, c, labels, &b)) {
                        free(b.s);
                        ctl_error("%s: a label would be invalid", h->label);
                        return -EINVAL;
                }
        } else {
                char trait[TRAIT_MAX + 1];

                buf_printf(&b, "# kvmregsctl export --format nova: host %s, class %s, configuration %s\n"
                               "meta:\n  schema_version: '1.0'\nproviders:\n"
                               "  - identification:\n      name: '%s'\n    traits:\n      additional:\n",
                           h->label, e->ids[c], e->m->config ? e->m->config : "(every one the guest's class runs)",
                           h->label);
                snprintf(trait, sizeof(trait), "%s%s", TRAIT_CLASS, e->ids[c]);
                upper(trait);
                buf_printf(&b, "        - '%s'\n", trait);
                for (size_t g = 0; g < n; g++) {
                        if (!e->accepts[c * n + g])
                                continue;
                        snprintf(trait, sizeof(trait), "%s%s", TRAIT_ACCEPTS, e->ids[g]);
                        upper(trait);
                        if (!trait_valid(trait)) {
                                free(b.s);
                                ctl_error("%s: trait %s would be invalid", h->label, trait);
                                return -EINVAL;
                        }
                        buf_printf(&b, "        - '%s'\n", trait);
                }
        }
        name = strdup_printf("%s.yaml", h->label);
        if (b.failed || !name) {
                free(b.s);
                return -ENOMEM;
        }
        r = write_atomic(e->outdir, name, b.s, b.len);
        free(b.s);
        if (r < 0) {
                ctl_error("export: cannot write %s/%s: %s", e->outdir, name, strerror(-r));
                return r;
        }
        json_object_array_add(e->written, json_object_new_string(name));
        return 0;
}

static json_object *classes_json(const Export *e) {
        json_object *a = json_object_new_array();
        size_t n = e->f->n_classes;

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
                json_object_object_add(o, "digest", json_object_new_string(e->f->classes[c].profile->digest));
                json_object_object_add(o, "hosts", hosts);
                for (size_t k = 0; k < e->f->classes[c].n_hosts; k++)
                        json_object_array_add(hosts,
                                              json_object_new_string(e->f->hosts[e->f->classes[c].hosts[k]].label));
                json_object_object_add(o, "accepts", acc);
                for (size_t g = 0; g < n; g++)
                        if (e->accepts[c * n + g])
                                json_object_array_add(acc, json_object_new_string(e->ids[g]));
        }
        return a;
}

int ctl_export(Ctl *ctl) {
        CtlFleet cf = {};
        Export e = { .ctl = ctl, .outdir = ctl->output ? ctl->output : "." };
        _cleanup_json_ json_object *labels = NULL, *summary = NULL;
        struct stat st;
        size_t a, b, n;
        int r, status = CTL_EXIT_USAGE;

        if (!ctl->format) {
                ctl_error("export needs --format kubevirt or --format nova; see kvmregsctl --help");
                return CTL_EXIT_USAGE;
        }
        if (strcmp(ctl->format, "kubevirt") == 0)
                e.format = EXPORT_KUBEVIRT;
        else if (strcmp(ctl->format, "nova") == 0)
                e.format = EXPORT_NOVA;
        else {
                ctl_error("export: --format is kubevirt or nova, not '%s'", ctl->format);
                return CTL_EXIT_USAGE;
        }
        r = ctl_fleet_load(ctl, &cf);
        if (r != CTL_EXIT_OK) {
                if (cf.fleet)
                        ctl_fleet_done(&cf);
                return r;
        }
        e.f = cf.fleet;
        e.m = cf.matrix;
        n = e.f->n_classes;
        if (fleet_class_ids_check(e.f, &a, &b) < 0) {
                ctl_error("export: classes %zu and %zu share the id %.*s (digests %s, %s); cannot label them apart",
                          a + 1, b + 1, (int) FLEET_CLASS_ID_LEN, e.f->classes[a].profile->digest,
                          e.f->classes[a].profile->digest, e.f->classes[b].profile->digest);
                goto finish;
        }
        if (mkdir(e.outdir, 0755) < 0 && errno != EEXIST) {
                ctl_error("export: cannot create %s: %s", e.outdir, strerror(errno));
                goto finish;
        }
        if (stat(e.outdir, &st) < 0 || !S_ISDIR(st.st_mode)) {
                ctl_error("export: %s is not a directory", e.outdir);
                goto finish;
        }
        e.ids = calloc(n, sizeof(*e.ids));
        e.accepts = calloc(n * n, sizeof(*e.accepts));
        e.nodes = labels = json_object_new_object();
        e.written = json_object_new_array();
        summary = json_object_new_object();
        if (!e.ids || !e.accepts || !labels || !e.written || !summary) {
                json_object_put(e.written);
                ctl_error("out of memory");
                goto finish;
        }
        json_object_object_add(summary, "written", e.written);
        for (size_t c = 0; c < n; c++)
                fleet_class_short_id(e.f, c, e.ids[c]);
        for (size_t h = 0; h < n; h++)
                for (size_t g = 0; g < n; g++)
                        e.accepts[h * n + g] = fleet_accepts(e.f, e.m, g, h);

        for (size_t i = 0; i < e.f->n_hosts; i++) {
                r = export_host(&e, &e.f->hosts[i]);
                if (r == -ENOMEM)
                        ctl_error("out of memory");
                if (r < 0)
                        goto finish;
        }
        if (e.format == EXPORT_KUBEVIRT) {
                _cleanup_json_ json_object *doc = json_object_new_object();
                const char *text;

                if (!doc) {
                        ctl_error("out of memory");
                        goto finish;
                }
                json_object_object_add(doc, "format", json_object_new_string("kvmregs-kubevirt-labels"));
                json_object_object_add(doc, "config", e.m->config ? json_object_new_string(e.m->config) : NULL);
                json_object_object_add(doc, "classes", classes_json(&e));
                json_object_object_add(doc, "nodes", json_object_get(labels));
                text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
                if (!text) {
                        ctl_error("out of memory");
                        goto finish;
                }
                _cleanup_free_ char *withnl = strdup_printf("%s\n", text);
                if (!withnl) {
                        ctl_error("out of memory");
                        goto finish;
                }
                r = write_atomic(e.outdir, "labels.json", withnl, strlen(withnl));
                if (r < 0) {
                        ctl_error("export: cannot write %s/labels.json: %s", e.outdir, strerror(-r));
                        goto finish;
                }
                json_object_array_add(e.written, json_object_new_string("labels.json"));
        }
        if (ctl->json) {
                json_object_object_add(summary, "format", json_object_new_string(ctl->format));
                json_object_object_add(summary, "config", e.m->config ? json_object_new_string(e.m->config) : NULL);
                json_object_object_add(summary, "outdir", json_object_new_string(e.outdir));
                json_object_object_add(summary, "classes", classes_json(&e));
                json_object_object_add(summary, "left_out", ctl_fleet_problems_json(e.f, true));
                if (ctl_print_json(summary) < 0)
                        goto finish;
        } else {
                size_t files = json_object_array_length(e.written);

                printf("%zu host%s in %zu class%s: %zu file%s written to %s (%s)\n", e.f->n_hosts,
                       e.f->n_hosts == 1 ? "" : "s", n, n == 1 ? "" : "es", files, files == 1 ? "" : "s",
                       e.outdir, ctl->format);
                for (size_t c = 0; c < n; c++) {
                        size_t k = 0;

                        printf("  class %s (%zu host%s) accepts the guests of:", e.ids[c], e.f->classes[c].n_hosts,
                               e.f->classes[c].n_hosts == 1 ? "" : "s");
                        for (size_t g = 0; g < n; g++)
                                if (e.accepts[c * n + g]) {
                                        printf(" %s", e.ids[g]);
                                        k++;
                                }
                        puts(k ? "" : " none");
                }
        }
        status = e.n_skipped ? CTL_EXIT_USAGE : ctl_fleet_exit(&cf, CTL_EXIT_OK);
finish:
        free(e.ids);
        free(e.accepts);
        ctl_fleet_done(&cf);
        return status;
}
