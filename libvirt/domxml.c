/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "domxml.h"
#include "util.h"

#define QEMU_NS "http://libvirt.org/schemas/domain/qemu/1.0"
#define ADJUSTMENT_MAX 128u     /* one "prop=value" */
#define ADJUSTMENTS_MAX 64u

/*
 * No entity substitution (no XML_PARSE_NOENT), no DTD loading or validation, no network,
 * no XML_PARSE_HUGE (libxml2's own size and amplification limits stay on), errors not
 * printed (we hand them back).
 */
#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

static inline void xmlFreeDocp(xmlDoc **d) { if (*d) xmlFreeDoc(*d); }
static inline void xmlFreep(xmlChar **s) { if (*s) xmlFree(*s); }
static inline void xmlFreeParserCtxtp(xmlParserCtxt **c) { if (*c) xmlFreeParserCtxt(*c); }

static char *errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *errorf(const char *fmt, ...) {
        va_list ap;
        char *s = NULL;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        return s;
}

static void set_error(char **ret_error, char *msg) {
        if (ret_error)
                *ret_error = msg;
        else
                free(msg);
}

/* Stops the parser at a DOCTYPE, before any entity declaration is even read. */
static void on_internal_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
                               const xmlChar *system_id) {
        xmlParserCtxt *ctxt = ctx;

        ctxt->_private = (void *) 1;
        xmlStopParser(ctxt);
}

/* libxml2 2.9 writes namespace names unescaped: '<' would make the output unparsable, and
 * TAB/CR/LF come back as spaces, moving elements to another namespace. libvirt writes neither. */
static bool namespaces_serialisable(xmlDoc *doc) {
        xmlNode *n = xmlDocGetRootElement(doc);

        while (n) {
                if (n->type == XML_ELEMENT_NODE)
                        for (xmlNs *ns = n->nsDef; ns; ns = ns->next)
                                if (ns->href && strpbrk((const char *) ns->href, "<\t\r\n"))
                                        return false;
                /* depth-first, without recursion */
                if (n->type == XML_ELEMENT_NODE && n->children)
                        n = n->children;
                else {
                        while (n && !n->next)
                                n = n->parent && n->parent->type == XML_ELEMENT_NODE ? n->parent : NULL;
                        if (n)
                                n = n->next;
                }
        }
        return true;
}

/* The document, or -EINVAL/-E2BIG with why. Any DOCTYPE is refused: libvirt never writes one,
 * and it is where entity bombs and external entities live. */
static int parse_document(const char *xml, size_t size, xmlDoc **ret, char **ret_error) {
        _cleanup_(xmlFreeParserCtxtp) xmlParserCtxt *ctxt = NULL;
        _cleanup_(xmlFreeDocp) xmlDoc *doc = NULL;

        if (!xml) {
                set_error(ret_error, errorf("no domain XML"));
                return -EINVAL;
        }
        if (size > DOMXML_MAX_SIZE) {
                set_error(ret_error, errorf("domain XML is %zu bytes, more than the limit of %u",
                                            size, DOMXML_MAX_SIZE));
                return -E2BIG;
        }
        if (size == 0) {
                set_error(ret_error, errorf("empty domain XML"));
                return -EINVAL;
        }
        if (memchr(xml, '\0', size)) {
                set_error(ret_error, errorf("domain XML contains a NUL byte"));
                return -EINVAL;
        }

        ctxt = xmlNewParserCtxt();
        if (!ctxt)
                return -ENOMEM;
        ctxt->sax->internalSubset = on_internal_subset;
        doc = xmlCtxtReadMemory(ctxt, xml, (int) size, "domain.xml", NULL, PARSE_OPTIONS);
        if (ctxt->_private || (doc && (doc->intSubset || doc->extSubset))) {
                set_error(ret_error, errorf("domain XML has a DOCTYPE (entity declarations are refused)"));
                return -EINVAL;
        }
        if (!doc || !ctxt->wellFormed) {
                const xmlError *e = xmlCtxtGetLastError(ctxt);
                char *msg = e && e->message ? strndup(e->message, 512) : NULL;

                if (msg) {
                        size_t n = strlen(msg);
                        while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
                                msg[--n] = '\0';
                        /* one line: libxml2 puts "Bytes: 0x.." of bad UTF-8 on a line of its own */
                        for (char *c = msg; *c; c++)
                                if (*c == '\n' || *c == '\r' || *c == '\t')
                                        *c = ' ';
                }
                set_error(ret_error, errorf("malformed domain XML (line %d): %s", e ? e->line : 0,
                                            msg ? msg : "parse error"));
                free(msg);
                return -EINVAL;
        }
        /* An undeclared prefix would become a real namespace once an adjustment declares it. */
        if (!ctxt->nsWellFormed) {
                set_error(ret_error, errorf("malformed domain XML: an element or attribute uses an undeclared namespace prefix"));
                return -EINVAL;
        }
        if (!namespaces_serialisable(doc)) {
                set_error(ret_error, errorf("malformed domain XML: a namespace name contains '<' or a tab, CR or LF"));
                return -EINVAL;
        }
        xmlNode *root = xmlDocGetRootElement(doc);
        if (!root || !xmlStrEqual(root->name, BAD_CAST "domain") || root->ns) {
                set_error(ret_error, errorf("not a libvirt domain: the root element is not <domain>"));
                return -EINVAL;
        }

        *ret = TAKE_PTR(doc);
        return 0;
}

/* Elements of libvirt's own schema are in no namespace. */
static bool is_element(const xmlNode *n, const char *name) {
        return n->type == XML_ELEMENT_NODE && !n->ns && xmlStrEqual(n->name, BAD_CAST name);
}

static xmlNode *child(const xmlNode *parent, const char *name) {
        if (!parent)
                return NULL;
        for (xmlNode *n = parent->children; n; n = n->next)
                if (is_element(n, name))
                        return n;
        return NULL;
}

/* Takes s (xmlFree'd here): a malloc'd copy, NULL if s is NULL, or -E2BIG past max bytes. */
static int dup_limited(xmlChar *s, size_t max, char **ret) {
        _cleanup_(xmlFreep) xmlChar *owned = s;

        if (!owned) {
                *ret = NULL;
                return 0;
        }
        if (strlen((const char *) owned) > max)
                return -E2BIG;
        *ret = strdup((const char *) owned);
        return *ret ? 0 : -ENOMEM;
}

static int text_of(const xmlNode *n, size_t max, char **ret) {
        return dup_limited(n ? xmlNodeGetContent(n) : NULL, max, ret);
}

static int attr_of(const xmlNode *n, const char *name, char **ret) {
        return dup_limited(n ? xmlGetNoNsProp(n, BAD_CAST name) : NULL, KVMREGS_MAX_STRING, ret);
}

static bool attr_equals(const xmlNode *n, const char *name, const char *value) {
        _cleanup_(xmlFreep) xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
        return v && xmlStrEqual(v, BAD_CAST value);
}

/* libvirt's <feature policy=...>: force/require turn a feature on, disable/forbid off,
 * optional leaves QEMU's default. */
static int feature_policy_state(const xmlNode *n) {
        _cleanup_(xmlFreep) xmlChar *p = xmlGetNoNsProp(n, BAD_CAST "policy");

        if (!p || xmlStrEqual(p, BAD_CAST "require") || xmlStrEqual(p, BAD_CAST "force"))
                return 1;
        if (xmlStrEqual(p, BAD_CAST "disable") || xmlStrEqual(p, BAD_CAST "forbid"))
                return 0;
        return -1;
}

static void parse_cpu_features(const xmlNode *cpu, DomainXml *d) {
        for (xmlNode *n = cpu ? cpu->children : NULL; n; n = n->next) {
                _cleanup_(xmlFreep) xmlChar *name = NULL;
                unsigned bits;
                char tail;
                int state;

                if (!is_element(n, "feature"))
                        continue;
                name = xmlGetNoNsProp(n, BAD_CAST "name");
                if (!name)
                        continue;
                state = feature_policy_state(n);
                if (xmlStrEqual(name, BAD_CAST "sve")) {
                        d->sve = state;
                        continue;
                }
                /* sve128 .. sve2048: bit n is 128*(n+1) bits */
                if (sscanf((const char *) name, "sve%u%c", &bits, &tail) == 1 &&
                    bits >= 128 && bits <= 2048 && bits % 128 == 0) {
                        uint32_t bit = UINT32_C(1) << (bits / 128 - 1);
                        if (state == 1)
                                d->sve_vls_on |= bit;
                        else if (state == 0)
                                d->sve_vls_off |= bit;
                }
        }
}

static void parse_features(const xmlNode *features, DomainXml *d) {
        xmlNode *pmu = child(features, "pmu");

        if (pmu && attr_equals(pmu, "state", "off"))
                d->pmu = 0;
        else if (pmu && attr_equals(pmu, "state", "on"))
                d->pmu = 1;
}

/* <qemu:commandline> asking for -machine ...,mte=on: the only way libvirt 9 passes MTE. */
static void parse_qemu_mte(const xmlNode *root, DomainXml *d) {
        for (xmlNode *n = root->children; n; n = n->next) {
                if (n->type != XML_ELEMENT_NODE || !n->ns || !xmlStrEqual(n->ns->href, BAD_CAST QEMU_NS) ||
                    !xmlStrEqual(n->name, BAD_CAST "commandline"))
                        continue;
                for (xmlNode *a = n->children; a; a = a->next) {
                        _cleanup_(xmlFreep) xmlChar *v = NULL;
                        if (a->type != XML_ELEMENT_NODE || !xmlStrEqual(a->name, BAD_CAST "arg"))
                                continue;
                        v = xmlGetNoNsProp(a, BAD_CAST "value");
                        if (v && (xmlStrstr(v, BAD_CAST "mte=on") || xmlStrstr(v, BAD_CAST "mte=true")))
                                d->mte = 1;
                }
        }
}

/* The kvmregs record in <metadata>. Elements of other namespaces are other applications'
 * metadata and not ours; more than one kvmregs record is ambiguous and refused. */
static int parse_record(const xmlNode *metadata, DomainXml *d, char **ret_error) {
        const xmlNode *found = NULL;

        for (xmlNode *n = metadata ? metadata->children : NULL; n; n = n->next) {
                if (n->type != XML_ELEMENT_NODE || !n->ns ||
                    !xmlStrEqual(n->ns->href, BAD_CAST KVMREGS_METADATA_NS))
                        continue;
                if (!xmlStrEqual(n->name, BAD_CAST KVMREGS_METADATA_ELEMENT))
                        continue;
                if (found) {
                        set_error(ret_error, errorf("domain XML holds more than one kvmregs record"));
                        return -EINVAL;
                }
                found = n;
        }
        if (!found)
                return 0;

        int r = text_of(found, KVMREGS_MAX_DOCUMENT, &d->record_json);
        if (r == -E2BIG)
                set_error(ret_error, errorf("kvmregs record is larger than %u bytes", KVMREGS_MAX_DOCUMENT));
        if (r < 0)
                return r;
        r = attr_of(found, "domain", &d->record_domain_uuid);
        if (r == -E2BIG)
                set_error(ret_error, errorf("kvmregs record's domain attribute is longer than %u bytes",
                                            KVMREGS_MAX_STRING));
        return r;
}

int domxml_parse(const char *xml, size_t size, DomainXml **ret, char **ret_error) {
        _cleanup_(xmlFreeDocp) xmlDoc *doc = NULL;
        _cleanup_(domxml_freep) DomainXml *d = NULL;
        int r;

        r = parse_document(xml, size, &doc, ret_error);
        if (r < 0)
                return r;

        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->pmu = d->sve = d->pauth = d->mte = -1;

        xmlNode *root = xmlDocGetRootElement(doc);
        xmlNode *os = child(root, "os");
        xmlNode *cpu = child(root, "cpu");

        if ((r = text_of(child(root, "name"), KVMREGS_MAX_STRING, &d->name)) < 0 ||
            (r = text_of(child(root, "uuid"), KVMREGS_MAX_STRING, &d->uuid)) < 0 ||
            (r = attr_of(child(os, "type"), "arch", &d->arch)) < 0 ||
            (r = attr_of(cpu, "mode", &d->cpu_mode)) < 0 ||
            (r = text_of(child(cpu, "model"), KVMREGS_MAX_STRING, &d->cpu_model)) < 0 ||
            (r = text_of(child(child(root, "devices"), "emulator"), KVMREGS_MAX_STRING, &d->emulator)) < 0) {
                if (r == -E2BIG)
                        set_error(ret_error, errorf("domain XML has a field longer than %u bytes",
                                                    KVMREGS_MAX_STRING));
                return r;
        }
        if (!d->name) {
                set_error(ret_error, errorf("domain XML has no <name>"));
                return -EINVAL;
        }
        /* libvirt writes <cpu> without mode for custom models */
        if (cpu && !d->cpu_mode) {
                d->cpu_mode = strdup("custom");
                if (!d->cpu_mode)
                        return -ENOMEM;
        }

        parse_cpu_features(cpu, d);
        parse_features(child(root, "features"), d);
        parse_qemu_mte(root, d);
        r = parse_record(child(root, "metadata"), d, ret_error);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(d);
        return 0;
}

DomainXml *domxml_free(DomainXml *d) {
        if (!d)
                return NULL;
        free(d->name);
        free(d->uuid);
        free(d->arch);
        free(d->cpu_mode);
        free(d->cpu_model);
        free(d->emulator);
        free(d->record_json);
        free(d->record_domain_uuid);
        free(d);
        return NULL;
}

void domxml_cpu(const DomainXml *d, DomainCpu *ret) {
        *ret = (DomainCpu) {
                .name = d->name,
                .arch = d->arch,
                .mode = d->cpu_mode,
                .model = d->cpu_model,
                .pmu = d->pmu,
                .sve = d->sve,
                .pauth = d->pauth,
                .mte = d->mte,
                .sve_vls_on = d->sve_vls_on,
                .sve_vls_off = d->sve_vls_off,
        };
}

char *domxml_metadata_element(const char *domain_uuid, const char *host, const char *profile_digest,
                              const char *record_json, bool declare_namespace) {
        _cleanup_(xmlFreeDocp) xmlDoc *doc = NULL;
        xmlBuffer *buf = NULL;
        xmlNode *rec;
        char *out = NULL;

        if (!domain_uuid || !record_json || strlen(record_json) > KVMREGS_MAX_DOCUMENT)
                return NULL;

        doc = xmlNewDoc(BAD_CAST "1.0");
        if (!doc)
                return NULL;
        rec = xmlNewDocNode(doc, NULL, BAD_CAST KVMREGS_METADATA_ELEMENT, NULL);
        if (!rec)
                return NULL;
        xmlDocSetRootElement(doc, rec);
        if (declare_namespace) {
                xmlNs *ns = xmlNewNs(rec, BAD_CAST KVMREGS_METADATA_NS, BAD_CAST KVMREGS_METADATA_PREFIX);

                if (!ns)
                        return NULL;
                xmlSetNs(rec, ns);
        }
        if (!xmlNewProp(rec, BAD_CAST "domain", BAD_CAST domain_uuid) ||
            (host && !xmlNewProp(rec, BAD_CAST "host", BAD_CAST host)) ||
            (profile_digest && !xmlNewProp(rec, BAD_CAST "profile-digest", BAD_CAST profile_digest)))
                return NULL;
        /* escapes <, & and > as needed */
        xmlNodeAddContent(rec, BAD_CAST record_json);

        buf = xmlBufferCreate();
        if (!buf)
                return NULL;
        if (xmlNodeDump(buf, doc, rec, 0, 0) >= 0)
                out = strdup((const char *) xmlBufferContent(buf));
        xmlBufferFree(buf);
        return out;
}

char *domxml_record_element(const char *domain_uuid, const char *record_json) {
        return domxml_metadata_element(domain_uuid, NULL, NULL, record_json, true);
}

char *domxml_metadata_profile_digest(const char *element) {
        _cleanup_(xmlFreeDocp) xmlDoc *doc = NULL;
        xmlChar *value = NULL;
        char *digest = NULL;

        if (!element || strlen(element) > KVMREGS_MAX_DOCUMENT + 4096)
                return NULL;
        doc = xmlReadMemory(element, (int) strlen(element), "record.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        if (doc && xmlDocGetRootElement(doc))
                value = xmlGetNoNsProp(xmlDocGetRootElement(doc), BAD_CAST "profile-digest");
        if (value)
                digest = strdup((const char *) value);
        xmlFree(value);
        return digest;
}

/* QEMU type names are plain identifiers; anything else in a model name would be an argument
 * injection through -global. */
static bool is_qemu_identifier(const char *s, size_t max) {
        size_t n = strlen(s);

        if (n == 0 || n > max)
                return false;
        return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

char *domxml_qemu_cpu_type(const DomainXml *d) {
        const char *model;
        char *type;

        if (!d || !d->cpu_mode)
                return NULL;
        if (strcmp(d->cpu_mode, "host-passthrough") == 0 || strcmp(d->cpu_mode, "host-model") == 0)
                model = "host";
        else if (strcmp(d->cpu_mode, "maximum") == 0)
                model = "max";
        else if (strcmp(d->cpu_mode, "custom") == 0 && d->cpu_model)
                model = d->cpu_model;
        else
                return NULL;
        if (!is_qemu_identifier(model, 64))
                return NULL;
        if (asprintf(&type, "%s-arm-cpu", model) < 0)
                return NULL;
        return type;
}

/* "prop=value", both plain identifiers (the report comes over the bus: trust nothing). */
bool domxml_adjustment_is_valid(const char *a) {
        const char *eq = a ? strchr(a, '=') : NULL;
        size_t n;

        if (!eq || eq == a || strlen(a) > ADJUSTMENT_MAX)
                return false;
        n = strlen(a);
        if (strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != (size_t) (eq - a))
                return false;
        return eq[1] && strspn(eq + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,:") ==
                                n - (size_t) (eq - a) - 1;
}

static xmlNode *find_qemu_commandline(xmlNode *root) {
        for (xmlNode *n = root->children; n; n = n->next)
                if (n->type == XML_ELEMENT_NODE && n->ns && xmlStrEqual(n->ns->href, BAD_CAST QEMU_NS) &&
                    xmlStrEqual(n->name, BAD_CAST "commandline"))
                        return n;
        return NULL;
}

/* Is "-global ARG" already on the command line? Then a second run adds nothing. */
static bool commandline_has_global(xmlNode *cmdline, const char *arg) {
        bool after_global = false;

        for (xmlNode *a = cmdline->children; a; a = a->next) {
                _cleanup_(xmlFreep) xmlChar *v = NULL;

                if (a->type != XML_ELEMENT_NODE || !xmlStrEqual(a->name, BAD_CAST "arg"))
                        continue;
                v = xmlGetNoNsProp(a, BAD_CAST "value");
                if (after_global && v && xmlStrEqual(v, BAD_CAST arg))
                        return true;
                after_global = v && xmlStrEqual(v, BAD_CAST "-global");
        }
        return false;
}

static int add_arg(xmlNode *cmdline, xmlNs *ns, const char *value) {
        xmlNode *arg = xmlNewChild(cmdline, ns, BAD_CAST "arg", NULL);

        if (!arg || !xmlNewProp(arg, BAD_CAST "value", BAD_CAST value))
                return -ENOMEM;
        return 0;
}

int domxml_apply_adjustments(const char *xml, size_t size, const char *cpu_type,
                             char *const *adjustments, size_t n_adjustments,
                             char **ret_xml, char **ret_error) {
        _cleanup_(xmlFreeDocp) xmlDoc *doc = NULL;
        xmlNode *root, *cmdline;
        xmlNs *ns;
        xmlChar *out = NULL;
        int out_size = 0, r;

        if (!cpu_type || !is_qemu_identifier(cpu_type, 80)) {
                set_error(ret_error, errorf("invalid QEMU CPU type"));
                return -EINVAL;
        }
        if (n_adjustments == 0 || n_adjustments > ADJUSTMENTS_MAX || !adjustments) {
                set_error(ret_error, errorf("%zu adjustments: expected 1 to %u", n_adjustments, ADJUSTMENTS_MAX));
                return -EINVAL;
        }
        for (size_t i = 0; i < n_adjustments; i++)
                if (!domxml_adjustment_is_valid(adjustments[i])) {
                        set_error(ret_error, errorf("invalid adjustment \"%.*s\": expected prop=value",
                                                    (int) ADJUSTMENT_MAX,
                                                    adjustments[i] ? adjustments[i] : "(null)"));
                        return -EINVAL;
                }

        r = parse_document(xml, size, &doc, ret_error);
        if (r < 0)
                return r;
        root = xmlDocGetRootElement(doc);

        ns = xmlSearchNsByHref(doc, root, BAD_CAST QEMU_NS);
        if (!ns) {
                ns = xmlNewNs(root, BAD_CAST QEMU_NS, BAD_CAST "qemu");
                if (!ns) {
                        set_error(ret_error, errorf("the domain XML already uses the prefix \"qemu\" for another namespace"));
                        return -EEXIST;
                }
        }
        cmdline = find_qemu_commandline(root);
        if (!cmdline) {
                /* libvirt's schema puts <qemu:commandline> after <devices>: append at the end */
                cmdline = xmlNewChild(root, ns, BAD_CAST "commandline", NULL);
                if (!cmdline)
                        return -ENOMEM;
        }

        for (size_t i = 0; i < n_adjustments; i++) {
                _cleanup_free_ char *global = NULL;

                if (asprintf(&global, "%s.%s", cpu_type, adjustments[i]) < 0)
                        return -ENOMEM;
                if (commandline_has_global(cmdline, global))
                        continue;
                if ((r = add_arg(cmdline, ns, "-global")) < 0 || (r = add_arg(cmdline, ns, global)) < 0)
                        return r;
        }

        xmlDocDumpMemory(doc, &out, &out_size);
        if (!out)
                return -ENOMEM;
        *ret_xml = strdup((const char *) out);
        xmlFree(out);
        return *ret_xml ? 0 : -ENOMEM;
}
