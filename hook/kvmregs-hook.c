/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvmregs-hook: libvirt's qemu hook (installed as qemu.d/50-kvmregs). On the destination
 * of an incoming migration ("NAME migrate begin -", domain XML on stdin) it asks the local
 * kvmregsd whether the guest's recorded registers load here, and then allows the migration,
 * allows it with QEMU arguments that pin the vCPU to the source's features (adjusted XML on
 * stdout), or refuses it with one message naming every offending register. Every other
 * operation: exit 0 at once. docs/kvmregs-hook.md describes it all.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <syslog.h>
#include <unistd.h>

#include "busclient.h"
#include "domxml.h"
#include "log.h"
#include "policy.h"
#include "qemu-probe.h"
#include "record.h"
#include "util.h"

#define MESSAGE_MAX_SIZE (64u * 1024u)  /* what virsh shows */
#define EXIT_ALLOW 0
#define EXIT_REFUSE 1
#define EXIT_USAGE 2

static Policy conf = POLICY_INIT;
static Decision decision;
static volatile sig_atomic_t watchdog_refuses;

/* Ends the run: logs, prints the refusal (enforce mode) and the adjusted XML, exits. */
static int finish(bool refuse, const char *verdict, char *message, const char *xml_out) {
        const struct itimerval off = {};

        setitimer(ITIMER_REAL, &off, NULL);
        decision.verdict = verdict;
        decision.message = message;
        /* warn: log what would have happened, let it through, change nothing */
        decision.refuse = refuse && conf.mode != MODE_WARN;
        if (conf.mode == MODE_WARN)
                xml_out = NULL;
        decision_log(&decision, conf.log_file);
        if (decision.refuse) {
                fprintf(stderr, "kvmregs: %s\n", message ? message : "migration refused");
                fflush(stderr);
                return EXIT_REFUSE;
        }
        if (xml_out) {
                size_t n = strlen(xml_out);
                if (fwrite(xml_out, 1, n, stdout) != n || fflush(stdout) != 0)
                        return EXIT_REFUSE;  /* a half-written definition must not be used */
        }
        return EXIT_ALLOW;
}

/* Last resort against a hang anywhere: only the policy's answer, never partial output. */
static void on_watchdog(int sig) {
        static const char msg[] = "kvmregs: the migration check did not finish in time\n";

        if (watchdog_refuses) {
                (void) !write(STDERR_FILENO, msg, sizeof(msg) - 1);
                _exit(EXIT_REFUSE);
        }
        _exit(EXIT_ALLOW);
}

static void arm_watchdog(long ms) {
        struct itimerval t = { .it_value = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 } };
        struct sigaction sa = { .sa_handler = on_watchdog };

        watchdog_refuses = conf.mode == MODE_ENFORCE && conf.refuse_on_daemon_error;
        sigaction(SIGALRM, &sa, NULL);
        setitimer(ITIMER_REAL, &t, NULL);
}

/* ---- the decision ---- */

/* The core's verdict of that name. */
static bool verdict_from_name(const char *name, Verdict *ret) {
        for (Verdict v = VERDICT_COMPATIBLE; v <= VERDICT_INCOMPATIBLE; v++)
                if (strcmp(name, verdict_name(v)) == 0) {
                        *ret = v;
                        return true;
                }
        return false;
}

/* The refusal: who goes where, then the core's summary of the report (report_summary(), the
 * text `kvmregsctl check --summary` prints), cut at what virsh shows. */
static int refuse_incompatible(const DomainXml *d, const Report *report) {
        _cleanup_free_ char *summary = report_summary(report);

        if (summary && strlen(summary) > MESSAGE_MAX_SIZE) {
                char *cut = summary + MESSAGE_MAX_SIZE - 128;   /* room for the note */

                while (cut > summary && *cut != '\n')
                        cut--;
                strcpy(cut, "\n  - ... (cut at 64 KiB: kvmregsctl check --summary shows it all)");
        }
        return finish(true, verdict_name(VERDICT_INCOMPATIBLE),
                      strdup_printf("refusing migration of %s from %s to %s: its vCPU registers do not load here:\n%s",
                                    d->name, decision.source_host ? decision.source_host : "the source",
                                    decision.destination_host, summary ? summary : "(no memory for details)"),
                      NULL);
}

static int on_policy(bool refuse, const char *verdict, char *why) {
        return finish(refuse, verdict, why, NULL);
}

static int adjust(const DomainXml *d, const char *xml, size_t size, const Report *report) {
        _cleanup_free_ char *cpu_type = NULL, *out = NULL, *error = NULL;
        char *const *adjustments = report->adjustments;
        size_t n = report->n_adjustments;
        int r;

        if (n == 0 || n > 64)
                return on_policy(conf.refuse_on_daemon_error, "garbage",
                                 strdup_printf("%s migration of %s: kvmregsd said compatible-after-adjustment "
                                               "without a usable list of adjustments",
                                               conf.refuse_on_daemon_error ? "refusing" : "allowing unadjusted",
                                               d->name));
        /* each becomes a QEMU argument: only prop=value, nothing that could be more */
        for (size_t i = 0; i < n; i++)
                if (!domxml_adjustment_is_valid(adjustments[i]))
                        return on_policy(conf.refuse_on_daemon_error, "garbage",
                                         strdup_printf("%s migration of %s: kvmregsd sent an adjustment that is not "
                                                       "prop=value", conf.refuse_on_daemon_error ? "refusing" :
                                                       "allowing unadjusted", d->name));

        cpu_type = domxml_qemu_cpu_type(d);
        if (!cpu_type)
                return finish(true, "incompatible",
                              strdup_printf("refusing migration of %s: it needs %s%s, but the domain's CPU (mode %s) "
                                            "has no QEMU CPU type to set it on", d->name, adjustments[0],
                                            n > 1 ? " and more" : "", d->cpu_mode ? d->cpu_mode : "unset"),
                              NULL);
        r = qemu_probe_supports(d->emulator, cpu_type, adjustments, n,
                                conf.cache_dir ? conf.cache_dir : POLICY_DEFAULT_CACHE_DIR, conf.timeout_ms, &error);
        if (r < 0)
                return finish(true, "incompatible",
                              strdup_printf("refusing migration of %s from %s: it loads here only with "
                                            "-global %s.%s%s, but %s", d->name,
                                            decision.source_host ? decision.source_host : "the source", cpu_type,
                                            adjustments[0], n > 1 ? " (and more)" : "",
                                            error ? error : strerror(-r)),
                              NULL);
        r = domxml_apply_adjustments(xml, size, cpu_type, adjustments, n, &out, &error);
        if (r < 0)
                /* when in doubt print nothing: refuse rather than hand libvirt a guess */
                return finish(true, "incompatible",
                              strdup_printf("refusing migration of %s: cannot add the QEMU arguments it needs: %s",
                                            d->name, error ? error : strerror(-r)),
                              NULL);
        return finish(false, verdict_name(VERDICT_ADJUSTED), NULL, out);
}

static int check_migration(void) {
        _cleanup_free_ char *xml = NULL, *error = NULL, *config = NULL, *source_host = NULL;
        _cleanup_free_ char *verdict = NULL, *report_json = NULL;
        _cleanup_(domxml_freep) DomainXml *d = NULL;
        _cleanup_(busclient_freep) BusClient *bus = NULL;
        _cleanup_(report_freep) Report *report = NULL;
        ProfileError report_error = {};
        size_t size = 0;
        Verdict v;
        int r;

        /* timeout_ms from the start of the run */
        r = read_fd_bounded_until(STDIN_FILENO, DOMXML_MAX_SIZE,
                                  monotonic_ms() - decision_elapsed_ms(&decision) + conf.timeout_ms, &xml, &size);
        if (r < 0)
                return on_policy(true, "bad-input",
                                 r == -E2BIG ? strdup_printf("refusing migration: the domain XML is larger than %u bytes",
                                                             DOMXML_MAX_SIZE)
                                             : strdup_printf("refusing migration: cannot read the domain XML: %s",
                                                             strerror(-r)));
        r = domxml_parse(xml, size, &d, &error);
        if (r < 0)
                return on_policy(true, "bad-input",
                                 strdup_printf("refusing migration of %s: %s", decision.domain,
                                               error ? error : strerror(-r)));
        if (!d->arch || strcmp(d->arch, "aarch64") != 0)
                return finish(false, "not-aarch64", NULL, NULL);
        if (!d->record_json)
                return on_policy(conf.refuse_on_missing_record, "no-record",
                                 strdup_printf("%s migration of %s: the domain XML holds no kvmregs record (was "
                                               "kvmregsd running on the source?)",
                                               conf.refuse_on_missing_record ? "refusing" : "allowing", d->name));
        if (!d->uuid || !d->record_domain_uuid || strcmp(d->uuid, d->record_domain_uuid) != 0)
                /* a copied or forged record says nothing about this guest: as if there were none */
                return on_policy(conf.refuse_on_missing_record, "foreign-record",
                                 strdup_printf("%s migration of %s: its kvmregs record belongs to domain %s, not %s",
                                               conf.refuse_on_missing_record ? "refusing" : "allowing", d->name,
                                               d->record_domain_uuid ? d->record_domain_uuid : "(none)",
                                               d->uuid ? d->uuid : "(none)"));
        r = record_identity(d->record_json, strlen(d->record_json), &config, &source_host);
        if (r < 0)
                return on_policy(true, "bad-record",
                                 strdup_printf("refusing migration of %s: its kvmregs record is not a guest record "
                                               "(expected JSON with exactly one vCPU configuration)", d->name));
        decision.source_host = source_host;

        /* The domain XML says what QEMU builds here (-cpu host takes this host's PMU, SVE and
         * pointer auth unless it turns them off): kvmregsd compares the record with that. */
        r = busclient_new(conf.bus_address, conf.timeout_ms, &bus, &error);
        /* kvmregsd's privileged name: the hook's question never waits behind other users'. */
        busclient_use_privileged(bus);
        if (r >= 0)
                r = busclient_compare_domain(bus, d->record_json, xml, &verdict, &report_json, &error);
        switch (r < 0 ? busclient_last_error(bus) : BUSCLIENT_ERROR_NONE) {
        case BUSCLIENT_ERROR_INVALID_DOMAIN:
                /* our parser took it, kvmregsd's (the same code) did not: refuse, never guess */
                return on_policy(true, "bad-input",
                                 strdup_printf("refusing migration of %s: kvmregsd rejects its domain XML: %s",
                                               d->name, error ? error : strerror(-r)));
        case BUSCLIENT_ERROR_INVALID_PROFILE:
        case BUSCLIENT_ERROR_UNKNOWN_CONFIG:
        case BUSCLIENT_ERROR_TOO_LARGE:
                /* kvmregsd answered, and what it refused is the record itself */
                return on_policy(true, "bad-record",
                                 strdup_printf("refusing migration of %s: kvmregsd rejects its kvmregs record: %s",
                                               d->name, error ? error : strerror(-r)));
        default:
                break;
        }
        if (r < 0)
                return on_policy(conf.refuse_on_daemon_error, "daemon-error",
                                 strdup_printf("%s migration of %s: no verdict from kvmregsd (%s): %s",
                                               conf.refuse_on_daemon_error ? "refusing" : "allowing unchecked",
                                               d->name, strerror(-r), error ? error : "no detail"));

        /* the verdict first: an answer that names none of the core's verdicts is garbage,
         * whatever its report */
        if (!verdict_from_name(verdict, &v))
                return on_policy(conf.refuse_on_daemon_error, "garbage",
                                 strdup_printf("%s migration of %s: kvmregsd answered an unknown verdict",
                                               conf.refuse_on_daemon_error ? "refusing" : "allowing unchecked",
                                               d->name));
        r = report_from_json(report_json, strlen(report_json), &report, &report_error);
        if (r < 0 || report->verdict != v)
                return on_policy(conf.refuse_on_daemon_error, "garbage",
                                 strdup_printf("%s migration of %s: kvmregsd's report is not a JSON object kvmregs "
                                               "reads as a report of that verdict (%s%s%s)",
                                               conf.refuse_on_daemon_error ? "refusing" : "allowing unchecked",
                                               d->name, report_error.path, report_error.path[0] ? ": " : "",
                                               r < 0 ? (report_error.message[0] ? report_error.message : strerror(-r))
                                                     : "another verdict"));
        if (report->src_digest[0])
                decision.src_digest = strdup(report->src_digest);
        if (report->dst_digest[0])
                decision.dst_digest = strdup(report->dst_digest);

        switch (report->verdict) {
        case VERDICT_COMPATIBLE:
                return finish(false, verdict_name(VERDICT_COMPATIBLE), NULL, NULL);
        case VERDICT_ADJUSTED:
                return adjust(d, xml, size, report);
        case VERDICT_INCOMPATIBLE:
        default:
                return refuse_incompatible(d, report);
        }
}

int main(int argc, char *argv[]) {
        _cleanup_free_ char *conf_error = NULL;
        const char *conf_path;
        int ret;

        clock_gettime(CLOCK_MONOTONIC, &decision.start);
        if (argc < 3) {
                fprintf(stderr, "usage: %s DOMAIN OPERATION SUB-OPERATION [EXTRA]\n"
                                "libvirt's qemu hook: checks incoming migrations (DOMAIN migrate begin -).\n",
                        argv[0]);
                return EXIT_USAGE;
        }
        /* every other operation: at once, without reading stdin */
        if (argc < 4 || strcmp(argv[2], "migrate") != 0 || strcmp(argv[3], "begin") != 0)
                return EXIT_ALLOW;

        decision.domain = argv[1];
        openlog("kvmregs-hook", LOG_PID, LOG_DAEMON);
        if (gethostname(decision.destination_host, sizeof(decision.destination_host) - 1) < 0)
                decision.destination_host[0] = '\0';

        conf_path = getenv("KVMREGS_CONF");
        if (!conf_path || !*conf_path)
                conf_path = POLICY_DEFAULT_PATH;
        if (policy_load(&conf, conf_path, &conf_error) < 0) {
                /* the policy is unknown: refuse visibly rather than guess */
                conf.mode = MODE_ENFORCE;
                ret = finish(true, "bad-config",
                             strdup_printf("refusing migration of %s: %s", argv[1],
                                           conf_error ? conf_error : "cannot read the policy file"),
                             NULL);
                goto out;
        }
        if (conf.mode == MODE_OFF) {
                ret = EXIT_ALLOW;
                goto out;
        }

        /* stdin, the bus (Hello, Compare) and QEMU each get timeout_ms at most; a second more for
         * the rest. Only reached if one of them ignores its own timeout. */
        arm_watchdog(4L * conf.timeout_ms + 1000);
        ret = check_migration();
out:
        decision_done(&decision);
        policy_done(&conf);
        closelog();
        return ret;
}
