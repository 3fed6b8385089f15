/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvmregsctl check and migrate: a libvirt domain's record (what its vCPU will send,
 * stamped into <metadata> by the source's kvmregsd) held against the destination.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/uri.h>

#include "busclient.h"
#include "ctl.h"
#include "domxml.h"
#include "virt-util.h"
#include "util.h"

static virDomainPtr lookup_domain(virConnectPtr conn, const char *name) {
        virDomainPtr dom;

        dom = virDomainLookupByName(conn, name);
        if (!dom && strlen(name) == VIR_UUID_STRING_BUFLEN - 1)
                dom = virDomainLookupByUUIDString(conn, name);
        return dom;
}

/* libvirt has no timeout of its own for opening a connection or reading a domain: a hung
 * libvirtd would hang us. A timer ends the process with the documented status instead. */
static void libvirt_timed_out(int sig) {
        static const char message[] =
                "kvmregsctl: libvirt did not answer in time; is libvirtd running and responsive? "
                "(--timeout; libvirt gets 5 times it)\n";

        (void) !write(STDERR_FILENO, message, sizeof(message) - 1);
        _exit(CTL_EXIT_UNREACHABLE);
}

static void libvirt_deadline(int timeout_ms) {
        struct itimerval t = {};

        if (timeout_ms > 0) {
                int64_t ms = (int64_t) timeout_ms * 5;
                t.it_value.tv_sec = (time_t) (ms / 1000);
                t.it_value.tv_usec = (suseconds_t) (ms % 1000) * 1000;
                signal(SIGALRM, libvirt_timed_out);
        }
        setitimer(ITIMER_REAL, &t, NULL);
}

static int domain_xml_from_libvirt(Ctl *ctl, const char *domain, char **ret_xml, size_t *ret_size) {
        _cleanup_(virConnectClosep) virConnectPtr conn = NULL;
        _cleanup_(virDomainFreep) virDomainPtr dom = NULL;
        char *xml;

        conn = virConnectOpenReadOnly(ctl->from);
        if (!conn) {
                ctl_error("cannot connect to libvirt%s%s: %s; is libvirtd running (or give --from URI)?",
                          ctl->from ? " at " : "", ctl->from ? ctl->from : "", virt_last_error());
                return CTL_EXIT_UNREACHABLE;
        }
        dom = lookup_domain(conn, domain);
        if (!dom) {
                ctl_error("no domain '%s' on %s: %s", domain, ctl->from ? ctl->from : "libvirt's default URI",
                          virt_last_error());
                return CTL_EXIT_USAGE;
        }
        xml = virDomainGetXMLDesc(dom, 0);
        if (!xml) {
                ctl_error("cannot read the XML of domain '%s': %s", domain, virt_last_error());
                return CTL_EXIT_UNREACHABLE;
        }
        *ret_xml = xml;
        *ret_size = strlen(xml);
        return CTL_EXIT_OK;
}

/* The domain's XML, from libvirt or (tests) a file. */
static int domain_xml(Ctl *ctl, const char *domain, char **ret_xml, size_t *ret_size) {
        int r;

        if (ctl->domain_xml) {
                r = ctl_read_file(ctl->domain_xml, DOMXML_MAX_SIZE, ret_xml, ret_size);
                if (r < 0) {
                        ctl_error("cannot read domain XML %s: %s", ctl->domain_xml,
                                  r == -E2BIG ? "larger than the limit for a domain XML" : strerror(-r));
                        return CTL_EXIT_USAGE;
                }
                return CTL_EXIT_OK;
        }
        libvirt_deadline(ctl->timeout_ms);
        r = domain_xml_from_libvirt(ctl, domain, ret_xml, ret_size);
        libvirt_deadline(0);
        return r;
}

/* The guest's record from --record FILE: read, parsed and checked as CompareDomain checks it. */
static int record_from_file(Ctl *ctl, char **ret_json, Profile **ret) {
        _cleanup_free_ char *why = NULL;
        int r;

        r = ctl_load_profile(ctl->record, ret, ret_json);
        if (r != CTL_EXIT_OK)
                return r;
        if (domain_record_check(*ret, &why) < 0) {
                ctl_error("%s: %s", ctl->record, why ? why : strerror(ENOMEM));
                return CTL_EXIT_USAGE;
        }
        return CTL_EXIT_OK;
}

/* The guest's record from the domain's <metadata>, or why there is none to check. */
static int record_from_metadata(const DomainXml *d, const char *name, Profile **ret) {
        _cleanup_free_ char *why = NULL;
        int r;

        if (!d->record_json) {
                ctl_error("domain '%s' has no kvmregs record in its <metadata>, so what its vCPU sends is unknown.\n"
                          "  kvmregsd stamps every running domain on a host where it runs: start it on the source\n"
                          "  host ('systemctl start kvmregsd'; 'kvmregsctl status' shows it), then check again.\n"
                          "  Or compare the hosts' profiles offline: kvmregsctl compare SRC.json DST.json", name);
                return CTL_EXIT_INCOMPATIBLE;
        }
        if (d->record_domain_uuid && d->uuid && strcmp(d->record_domain_uuid, d->uuid) != 0)
                ctl_error("warning: domain '%s' (%s) carries a record made for domain %s; it may be stale", name, d->uuid,
                          d->record_domain_uuid);
        r = ctl_parse_profile("the domain's kvmregs record", d->record_json, strlen(d->record_json), ret);
        if (r != CTL_EXIT_OK)
                return r;
        if (domain_record_check(*ret, &why) < 0) {
                ctl_error("the domain's kvmregs record: %s", why ? why : strerror(ENOMEM));
                return CTL_EXIT_USAGE;
        }
        return CTL_EXIT_OK;
}

/* What kvmregsd's CompareDomain does on the destination, here against its recorded profile:
 * the vCPU the destination's QEMU builds for the domain, held against the record. */
static int compare_offline(Ctl *ctl, const Profile *dst, const Profile *record, const DomainXml *d) {
        _cleanup_(report_freep) Report *report = NULL;
        _cleanup_free_ char *why = NULL;
        DomainCpu cpu;
        int r;

        domxml_cpu(d, &cpu);
        if (domain_cpu_check(&cpu, &why) < 0) {
                ctl_error("%s", why ? why : strerror(ENOMEM));
                return CTL_EXIT_USAGE;
        }
        r = profile_compare_domain(record, dst, &cpu, &report);
        if (r < 0) {
                ctl_error("cannot compare the domain's record with %s: %s", ctl->dest_profile, strerror(-r));
                return CTL_EXIT_USAGE;
        }
        return ctl_print_report(ctl, report);
}

/* Asks the destination's kvmregsd (--dest-bus, or --to over ssh) CompareDomain(record, XML). */
static int compare_on_bus(Ctl *ctl, const char *host, const char *record_json, const char *xml) {
        _cleanup_(busclient_freep) BusClient *bus = NULL;
        _cleanup_free_ char *address = NULL, *verdict = NULL, *report = NULL, *message = NULL;
        char where[512];
        int r;

        if (ctl->dest_bus) {
                snprintf(where, sizeof(where), "kvmregsd on %s", ctl->dest_bus);
                r = ctl_bus_connect(ctl, ctl->dest_bus, where, &bus);
        } else {
                address = busclient_ssh_address(host, ctl->bridge, ctl->ssh_options);
                if (!address) {
                        ctl_error("cannot build the ssh address for host '%s'", host);
                        return CTL_EXIT_USAGE;
                }
                snprintf(where, sizeof(where), "kvmregsd on %s (over ssh)", host);
                r = ctl_bus_connect(ctl, address, where, &bus);
        }
        if (r != CTL_EXIT_OK)
                return r;
        /* The destination says what its QEMU builds for this domain's XML, as its hook will. */
        r = busclient_compare_domain(bus, record_json, xml, &verdict, &report, &message);
        if (r < 0)
                return ctl_bus_call_failed(bus, where, "CompareDomain", NULL, r, message);
        return ctl_print_report_json(ctl, where, verdict, report);
}

/*
 * Checks the domain against the destination the options name (dest_host when none does).
 * With --dest-profile the steps are CompareDomain's, in its order, with its messages: the
 * domain XML's size, the record (--record) and that it is a guest record, the XML, that it
 * has an arm64 vCPU, then profile_compare_domain().
 */
static int check_domain(Ctl *ctl, const char *domain, const char *dest_host) {
        _cleanup_(domxml_freep) DomainXml *d = NULL;
        _cleanup_(profile_freep) Profile *record = NULL, *dst = NULL;
        _cleanup_free_ char *xml = NULL, *message = NULL, *record_json = NULL;
        const char *host = ctl->to ? ctl->to : dest_host;
        const char *name;
        size_t size = 0;
        int r, n_dest;

        n_dest = !!ctl->to + !!ctl->dest_bus + !!ctl->dest_profile;
        if (n_dest > 1) {
                ctl_error("give one destination: --to HOST, --dest-bus ADDR or --dest-profile FILE");
                return CTL_EXIT_USAGE;
        }
        if (n_dest == 0 && !dest_host) {
                ctl_error("no destination: give --to HOST (or --dest-bus ADDR, or --dest-profile FILE)");
                return CTL_EXIT_USAGE;
        }
        if (ctl->dest_profile) {
                r = ctl_load_profile(ctl->dest_profile, &dst, NULL);
                if (r != CTL_EXIT_OK)
                        return r;
        }

        r = domain_xml(ctl, domain, &xml, &size);
        if (r != CTL_EXIT_OK)
                return r;
        if (ctl->record) {
                r = record_from_file(ctl, &record_json, &record);
                if (r != CTL_EXIT_OK)
                        return r;
        }
        r = domxml_parse(xml, size, &d, &message);
        if (r < 0) {
                ctl_error("the XML of domain '%s' cannot be read: %s", domain, message ? message : strerror(-r));
                return CTL_EXIT_USAGE;
        }
        name = d->name ? d->name : domain;
        if (!record) {
                r = record_from_metadata(d, name, &record);
                if (r != CTL_EXIT_OK)
                        return r;
        }

        if (dst) {
                r = ctl_apply_qemu(ctl, record, dst);
                if (r != CTL_EXIT_OK)
                        return r;
                return compare_offline(ctl, dst, record, d);
        }
        if (ctl->src_qemu || ctl->dst_qemu) {
                ctl_error("--src-qemu and --dst-qemu apply to an offline check (--dest-profile): the destination's "
                          "kvmregsd knows its own QEMU");
                return CTL_EXIT_USAGE;
        }
        return compare_on_bus(ctl, host, record_json ? record_json : d->record_json, xml);
}

int ctl_check(Ctl *ctl) {
        if (ctl->n_args == 0 && !ctl->domain_xml) {
                ctl_error("'check' takes one DOMAIN (or --domain-xml FILE); see kvmregsctl --help");
                return CTL_EXIT_USAGE;
        }
        virt_errors_quiet();
        /* a domain XML file names its domain in messages by its path until it is parsed */
        return check_domain(ctl, ctl->n_args ? ctl->args[0] : ctl->domain_xml, NULL);
}

/*
 * The host of a libvirt URI ("qemu+ssh://root@b.example:2222/system" → "root@b.example"),
 * and for +ssh transports its port as ssh's. NULL if it names no host. libxml2's URI
 * parser, as libvirt's own.
 */
static char *uri_host(const char *uri, char **ret_port) {
        xmlURIPtr u = xmlParseURI(uri);
        char *host = NULL;

        *ret_port = NULL;
        if (!u)
                return NULL;
        if (u->server && *u->server) {
                const char *server = u->server;
                int len = (int) strlen(server);

                /* ssh wants an IPv6 address without the URI's brackets. */
                if (len > 2 && server[0] == '[' && server[len - 1] == ']') {
                        server++;
                        len -= 2;
                }
                if (asprintf(&host, "%s%s%.*s", u->user ? u->user : "", u->user ? "@" : "", len, server) < 0)
                        host = NULL;
                if (host && u->port > 0 && u->scheme && strstr(u->scheme, "+ssh") &&
                    asprintf(ret_port, "%d", u->port) < 0)
                        *ret_port = NULL;
        }
        xmlFreeURI(u);
        return host;
}

int ctl_migrate(Ctl *ctl) {
        _cleanup_(virConnectClosep) virConnectPtr conn = NULL, dconn = NULL;
        _cleanup_(virDomainFreep) virDomainPtr dom = NULL;
        _cleanup_free_ char *host = NULL, *port = NULL;
        const char *domain = ctl->args[0], *dest_uri = ctl->args[1];
        unsigned long flags = 0;
        int r;

        virt_errors_quiet();

        if (ctl->domain_xml) {
                ctl_error("--domain-xml does not apply to migrate");
                return CTL_EXIT_USAGE;
        }
        if (ctl->force) {
                ctl_error("warning: --force: migrating '%s' without checking its registers", domain);
        } else {
                if (!ctl->to && !ctl->dest_bus && !ctl->dest_profile) {
                        host = uri_host(dest_uri, &port);
                        if (!host) {
                                ctl_error("%s names no host to ask; give --to HOST (or --dest-bus, --dest-profile)", dest_uri);
                                return CTL_EXIT_USAGE;
                        }
                        if (port) {
                                if (ctl->n_ssh_options + 2 > CTL_MAX_SSH_OPTIONS) {
                                        ctl_error("too many --ssh-option");
                                        return CTL_EXIT_USAGE;
                                }
                                ctl->ssh_options[ctl->n_ssh_options++] = (char *) "-p";
                                ctl->ssh_options[ctl->n_ssh_options++] = port;
                                ctl->ssh_options[ctl->n_ssh_options] = NULL;
                        }
                }
                r = check_domain(ctl, domain, host);
                if (r == CTL_EXIT_INCOMPATIBLE) {
                        ctl_error("not migrating '%s': its vCPU state would not load on the destination "
                                  "(the report above says why; --force migrates anyway)", domain);
                        return r;
                }
                if (r != CTL_EXIT_OK)
                        return r;
                fflush(stdout);
        }

        conn = virConnectOpenAuth(ctl->from, virConnectAuthPtrDefault, 0);
        if (!conn) {
                ctl_error("cannot connect to libvirt%s%s: %s", ctl->from ? " at " : "", ctl->from ? ctl->from : "",
                          virt_last_error());
                return CTL_EXIT_UNREACHABLE;
        }
        dom = lookup_domain(conn, domain);
        if (!dom) {
                ctl_error("no domain '%s': %s", domain, virt_last_error());
                return CTL_EXIT_USAGE;
        }
        if (ctl->live)
                flags |= VIR_MIGRATE_LIVE;
        if (ctl->p2p)
                flags |= VIR_MIGRATE_PEER2PEER;
        if (ctl->tunnelled)
                flags |= VIR_MIGRATE_TUNNELLED | VIR_MIGRATE_PEER2PEER;
        if (ctl->persistent)
                flags |= VIR_MIGRATE_PERSIST_DEST;
        if (ctl->undefine_source)
                flags |= VIR_MIGRATE_UNDEFINE_SOURCE;

        if (flags & VIR_MIGRATE_PEER2PEER) {
                /* The source's libvirtd talks to the destination's itself. */
                if (virDomainMigrateToURI3(dom, dest_uri, NULL, 0, (unsigned) flags) < 0) {
                        ctl_error("migration of '%s' to %s failed: %s", domain, dest_uri, virt_last_error());
                        return CTL_EXIT_INCOMPATIBLE;
                }
        } else {
                virDomainPtr moved;

                dconn = virConnectOpenAuth(dest_uri, virConnectAuthPtrDefault, 0);
                if (!dconn) {
                        ctl_error("cannot connect to the destination libvirt %s: %s", dest_uri, virt_last_error());
                        return CTL_EXIT_UNREACHABLE;
                }
                moved = virDomainMigrate3(dom, dconn, NULL, 0, (unsigned) flags);
                if (!moved) {
                        ctl_error("migration of '%s' to %s failed: %s", domain, dest_uri, virt_last_error());
                        return CTL_EXIT_INCOMPATIBLE;
                }
                virDomainFree(moved);
        }
        if (!ctl->json)
                printf("Migrated '%s' to %s.\n", domain, dest_uri);
        return CTL_EXIT_OK;
}
