/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* This host's aarch64 QEMU: found through libvirt's capabilities or PATH (kvmregsd). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "qemu-detect.h"
#include "qemu-run.h"
#include "util.h"

static bool name_is(const xmlNode *n, const char *name) {
        return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *) name) == 0;
}

static xmlNode *child(const xmlNode *n, const char *name) {
        for (xmlNode *c = n->children; c; c = c->next)
                if (name_is(c, name))
                        return c;
        return NULL;
}

static bool attr_is(xmlNode *n, const char *attr, const char *value) {
        xmlChar *v = xmlGetProp(n, (const xmlChar *) attr);
        bool r = v && xmlStrcmp(v, (const xmlChar *) value) == 0;

        xmlFree(v);
        return r;
}

/* The absolute path an <emulator> holds, or NULL. */
static int emulator_text(xmlNode *e, char **ret) {
        xmlChar *t;
        int r = -ENOENT;

        if (!e)
                return -ENOENT;
        t = xmlNodeGetContent(e);
        if (t && t[0] == '/' && xmlStrlen(t) < PATH_MAX) {
                *ret = strdup((const char *) t);
                r = *ret ? 0 : -ENOMEM;
        }
        xmlFree(t);
        return r;
}

int qemu_detect_emulator_from_capabilities(const char *xml, size_t size, char **ret_path) {
        xmlDoc *doc;
        xmlNode *root;
        int r = -ENOENT;

        if (!xml || !ret_path || size > QEMU_DETECT_MAX_CAPABILITIES)
                return -EINVAL;
        doc = xmlReadMemory(xml, (int) size, "capabilities.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                                             XML_PARSE_NOWARNING);
        if (!doc)
                return -EINVAL;
        root = xmlDocGetRootElement(doc);
        if (!root || !name_is(root, "capabilities")) {
                xmlFreeDoc(doc);
                return -EINVAL;
        }
        for (xmlNode *g = root->children; g && r == -ENOENT; g = g->next) {
                xmlNode *arch, *kvm = NULL;

                if (!name_is(g, "guest") || !(arch = child(g, "arch")) || !attr_is(arch, "name", "aarch64"))
                        continue;
                for (xmlNode *d = arch->children; d && !kvm; d = d->next)
                        if (name_is(d, "domain") && attr_is(d, "type", "kvm"))
                                kvm = d;
                if (kvm)
                        r = emulator_text(child(kvm, "emulator"), ret_path);
                if (r == -ENOENT)
                        r = emulator_text(child(arch, "emulator"), ret_path);
        }
        xmlFreeDoc(doc);
        return r;
}

static int find_in_path(const char *name, char **ret) {
        const char *path = getenv("PATH");

        if (!path || !*path)
                path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        for (const char *p = path; *p;) {
                size_t len = strcspn(p, ":");
                _cleanup_free_ char *candidate = NULL;

                if (len > 0 && p[0] == '/') {
                        candidate = strdup_printf("%.*s/%s", (int) len, p, name);
                        if (!candidate)
                                return -ENOMEM;
                        if (access(candidate, X_OK) == 0) {
                                *ret = TAKE_PTR(candidate);
                                return 0;
                        }
                }
                p += len;
                if (*p == ':')
                        p++;
        }
        return -ENOENT;
}

static int from_libvirt(const char *uri, int timeout_ms, char **ret) {
        _cleanup_free_ char *virsh = NULL, *out = NULL;
        const char *args[] = { "-r", "-q", "-c", uri ? uri : "", "capabilities", NULL };
        int status = 0, r;

        r = find_in_path("virsh", &virsh);
        if (r < 0)
                return r;
        if (!uri) {
                /* libvirt's default connection */
                args[2] = "capabilities";
                args[3] = NULL;
        }
        r = qemu_run(virsh, args, timeout_ms, &out, &status, NULL);
        if (r < 0)
                return r;
        if (status != 0)
                return -ENOENT;
        return qemu_detect_emulator_from_capabilities(out, strlen(out), ret);
}

int qemu_detect_find_emulator(const char *uri, bool use_libvirt, int timeout_ms, char **ret_path,
                              const char **ret_how) {
        _cleanup_free_ char *path = NULL;

        if (!ret_path || !ret_how)
                return -EINVAL;
        if (use_libvirt && from_libvirt(uri, timeout_ms, &path) >= 0) {
                *ret_path = TAKE_PTR(path);
                *ret_how = "libvirt capabilities";
                return 0;
        }
        if (find_in_path("qemu-system-aarch64", &path) >= 0) {
                *ret_path = TAKE_PTR(path);
                *ret_how = "PATH";
                return 0;
        }
        return -ENOENT;
}
