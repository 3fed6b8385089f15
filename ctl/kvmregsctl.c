/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmregsctl: the operator's view of kvmregs. Option parsing and verb dispatch. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "util.h"

/* Which verbs take an option (bits of the VERB_* values below). */
enum {
        VERB_SHOW = 1 << 0,
        VERB_COMPARE = 1 << 1,
        VERB_PROFILE = 1 << 2,
        VERB_STATUS = 1 << 3,
        VERB_CHECK = 1 << 4,
        VERB_MIGRATE = 1 << 5,
        VERB_FLEET = 1 << 6,
        VERB_MATRIX = 1 << 7,
        VERB_GROUPS = 1 << 8,
        VERB_WHATIF = 1 << 9,
        VERB_BASELINE = 1 << 10,
        VERB_COLLECT = 1 << 11,
        VERB_EXPORT = 1 << 12,
        VERB_ALL = 0x7fffffff,
        VERB_VIEWS = VERB_FLEET | VERB_MATRIX | VERB_GROUPS | VERB_WHATIF,
        VERB_REMOTE = VERB_CHECK | VERB_MIGRATE,
};

static const struct {
        const char *name;
        unsigned bit;
        size_t min_args, max_args;
        const char *args;         /* for the error when the count is wrong */
        int (*run)(Ctl *ctl);
} verbs[] = {
        { "show",    VERB_SHOW,    1, 1, "one PROFILE file",                           ctl_show },
        { "compare", VERB_COMPARE, 2, 2, "SRC and DST profile files (or --local SRC)", ctl_compare },
        { "profile", VERB_PROFILE, 0, 0, "no arguments",                               ctl_profile },
        { "status",  VERB_STATUS,  0, 0, "no arguments",                               ctl_status },
        { "check",   VERB_CHECK,   0, 1, "one DOMAIN (or --domain-xml FILE)",          ctl_check },
        { "migrate", VERB_MIGRATE, 2, 2, "DOMAIN and DEST_URI",                        ctl_migrate },
        { "fleet",   VERB_FLEET,   0, SIZE_MAX, "DIR or PROFILE files, or --hosts",  ctl_fleet },
        { "matrix",  VERB_MATRIX,  1, SIZE_MAX, "DIR or PROFILE files",              ctl_matrix },
        { "groups",  VERB_GROUPS,  1, SIZE_MAX, "DIR or PROFILE files",              ctl_groups },
        { "whatif",  VERB_WHATIF,  1, SIZE_MAX, "DIR or PROFILE files",              ctl_whatif },
        { "baseline", VERB_BASELINE, 1, SIZE_MAX, "DIR or PROFILE files",            ctl_baseline },
        { "collect", VERB_COLLECT, 0, SIZE_MAX, "HOST... (or --hosts-file FILE) and -o DIR", ctl_collect },
        { "export",  VERB_EXPORT,  1, SIZE_MAX, "DIR or PROFILE files, --format and -o OUTDIR", ctl_export },
};

enum {
        OPT_BUS_ADDRESS = 0x100, OPT_TIMEOUT, OPT_JSON, OPT_CONFIG, OPT_DST_CONFIG, OPT_LOCAL,
        OPT_TO, OPT_FROM, OPT_DEST_PROFILE, OPT_DEST_BUS, OPT_BRIDGE, OPT_SSH_OPTION, OPT_DOMAIN_XML,
        OPT_LIVE, OPT_P2P, OPT_TUNNELLED, OPT_PERSISTENT, OPT_UNDEFINE_SOURCE, OPT_FORCE, OPT_HOSTS,
        OPT_RECORD, OPT_SUMMARY, OPT_CONNECT_TIMEOUT, OPT_CSV, OPT_PER_HOST, OPT_PER_CLASS, OPT_HOST,
        OPT_PROFILE, OPT_OUTPUT, OPT_HOSTS_FILE, OPT_PARALLEL, OPT_PROFILE_OUT, OPT_FORMAT, OPT_VERSION,
        OPT_SRC_QEMU, OPT_DST_QEMU,
};

static const struct option options[] = {
        { "help",             no_argument,       NULL, 'h' },
        { "version",          no_argument,       NULL, OPT_VERSION },
        { "bus-address",      required_argument, NULL, OPT_BUS_ADDRESS },
        { "timeout",          required_argument, NULL, OPT_TIMEOUT },
        { "connect-timeout",  required_argument, NULL, OPT_CONNECT_TIMEOUT },
        { "json",             no_argument,       NULL, OPT_JSON },
        { "verbose",          no_argument,       NULL, 'v' },
        { "config",           required_argument, NULL, OPT_CONFIG },
        { "dst-config",       required_argument, NULL, OPT_DST_CONFIG },
        { "src-qemu",         required_argument, NULL, OPT_SRC_QEMU },
        { "dst-qemu",         required_argument, NULL, OPT_DST_QEMU },
        { "local",            no_argument,       NULL, OPT_LOCAL },
        { "to",               required_argument, NULL, OPT_TO },
        { "from",             required_argument, NULL, OPT_FROM },
        { "dest-profile",     required_argument, NULL, OPT_DEST_PROFILE },
        { "dest-bus",         required_argument, NULL, OPT_DEST_BUS },
        { "bridge",           required_argument, NULL, OPT_BRIDGE },
        { "ssh-option",       required_argument, NULL, OPT_SSH_OPTION },
        { "domain-xml",       required_argument, NULL, OPT_DOMAIN_XML },
        { "record",           required_argument, NULL, OPT_RECORD },
        { "summary",          no_argument,       NULL, OPT_SUMMARY },
        { "live",             no_argument,       NULL, OPT_LIVE },
        { "p2p",              no_argument,       NULL, OPT_P2P },
        { "tunnelled",        no_argument,       NULL, OPT_TUNNELLED },
        { "persistent",       no_argument,       NULL, OPT_PERSISTENT },
        { "undefinesource",   no_argument,       NULL, OPT_UNDEFINE_SOURCE },
        { "force",            no_argument,       NULL, OPT_FORCE },
        { "hosts",            required_argument, NULL, OPT_HOSTS },
        { "csv",              no_argument,       NULL, OPT_CSV },
        { "per-host",         no_argument,       NULL, OPT_PER_HOST },
        { "per-class",        no_argument,       NULL, OPT_PER_CLASS },
        { "host",             required_argument, NULL, OPT_HOST },
        { "profile",          required_argument, NULL, OPT_PROFILE },
        { "output",           required_argument, NULL, 'o' },
        { "hosts-file",       required_argument, NULL, OPT_HOSTS_FILE },
        { "parallel",         required_argument, NULL, OPT_PARALLEL },
        { "profile-out",      required_argument, NULL, OPT_PROFILE_OUT },
        { "format",           required_argument, NULL, OPT_FORMAT },
        {}
};

static unsigned option_verbs(int opt) {
        switch (opt) {
        case OPT_BUS_ADDRESS: case OPT_TIMEOUT: case OPT_CONNECT_TIMEOUT: case OPT_JSON:
                return VERB_ALL;
        case OPT_CONFIG:
                return VERB_SHOW | VERB_COMPARE | VERB_PROFILE | VERB_VIEWS | VERB_EXPORT;
        case OPT_DST_CONFIG:
        case OPT_LOCAL:
                return VERB_COMPARE;
        case OPT_TO: case OPT_FROM: case OPT_DEST_PROFILE: case OPT_DEST_BUS: case OPT_DOMAIN_XML:
                return VERB_REMOTE;
        case OPT_BRIDGE: case OPT_SSH_OPTION:
                return VERB_REMOTE | VERB_FLEET | VERB_COLLECT;
        case OPT_LIVE: case OPT_P2P: case OPT_TUNNELLED: case OPT_PERSISTENT: case OPT_UNDEFINE_SOURCE:
        case OPT_FORCE:
                return VERB_MIGRATE;
        case OPT_HOSTS:
                return VERB_FLEET;
        case OPT_CSV:
                return VERB_MATRIX | VERB_WHATIF;
        case OPT_PER_HOST: case OPT_PER_CLASS:
                return VERB_VIEWS;
        case OPT_HOST: case OPT_PROFILE:
                return VERB_WHATIF;
        case OPT_RECORD: case OPT_SUMMARY:
                return VERB_CHECK;
        case OPT_SRC_QEMU: case OPT_DST_QEMU:
                return VERB_COMPARE | VERB_CHECK;
        case OPT_OUTPUT:
                return VERB_COLLECT | VERB_EXPORT;
        case OPT_HOSTS_FILE: case OPT_PARALLEL:
                return VERB_COLLECT;
        case OPT_PROFILE_OUT:
                return VERB_BASELINE;
        case OPT_FORMAT:
                return VERB_EXPORT;
        default:
                return 0;
        }
}

static void help(FILE *f) {
        fputs("Usage: kvmregsctl [OPTIONS] VERB [ARGS]\n"
              "\n"
              "Know before you migrate an arm64 KVM guest: host register profiles, compared by the\n"
              "rules QEMU's migration load and the destination kernel's KVM_SET_ONE_REG apply.\n"
              "\n"
              "Offline (recorded profiles, JSON files):\n"
              "  show PROFILE [--config NAME]           host identity, KVM facts, configurations;\n"
              "                                         with --config: registers, masks, ID fields\n"
              "  compare SRC DST [--config NAME] [--dst-config NAME] [--verbose]\n"
              "                                         can a guest of SRC migrate to DST? Without\n"
              "                                         --config: every configuration both run\n"
              "  matrix DIR|PROFILE... [--config NAME] [--json|--csv] [--per-host|--per-class]\n"
              "                                         class x class verdicts (identical profiles\n"
              "                                         are one class), why a cell fails\n"
              "  groups DIR|PROFILE... [--config NAME]  hosts a guest moves freely in, both ways,\n"
              "                                         and the one-way edges between groups\n"
              "  whatif DIR|PROFILE... --host NAME --profile NEW [--per-host]\n"
              "                                         migrations NAME's new profile breaks/makes\n"
              "  fleet DIR|PROFILE... [--config NAME]   matrix and groups together\n"
              "  fleet --hosts H1,H2,... [--config NAME]  the same, profiles fetched over ssh\n"
              "  collect HOST... [--hosts-file FILE] -o DIR [--parallel N]\n"
              "                                         every host's profile from its kvmregsd over\n"
              "                                         ssh into a fleet store (DIR/HOST.json, index)\n"
              "  baseline DIR|PROFILE... [--profile-out FILE]\n"
              "                                         what a guest must be started with to move\n"
              "                                         among all of them (libvirt XML, QEMU -cpu),\n"
              "                                         and the pairs that still cannot migrate\n"
              "  export DIR|PROFILE... --format kubevirt|nova [-o OUTDIR] [--config NAME]\n"
              "                                         node labels (KubeVirt) or provider traits\n"
              "                                         (Nova): which classes' guests each host accepts\n"
              "\n"
              "From the local kvmregsd (system bus, or --bus-address):\n"
              "  status                                 the daemon's state, kernel, digest, configs\n"
              "  profile [--config NAME]                this host's profile (or one configuration)\n"
              "  compare --local SRC [--config NAME]    can a guest of SRC migrate to this host?\n"
              "\n"
              "Through libvirt:\n"
              "  check DOMAIN --to HOST [--from URI]    will DOMAIN's vCPU load on HOST? (asks HOST's\n"
              "                                         kvmregsd over ssh with the domain's record)\n"
              "        [--dest-bus ADDR | --dest-profile FILE]\n"
              "  check --domain-xml FILE [--record FILE] --dest-profile FILE [--summary]\n"
              "                                         offline: what the destination's kvmregsd (and\n"
              "                                         hook) decide for that domain XML and record\n"
              "  migrate DOMAIN DEST_URI [--to HOST] [--live] [--p2p] [--tunnelled] [--persistent]\n"
              "        [--undefinesource] [--force]     check, then migrate if it will load\n"
              "\n"
              "Options:\n"
              "  --json                 machine-readable output (documented in docs/kvmregsctl.md)\n"
              "  -v, --verbose          every finding, not only the ones that matter\n"
              "  --bus-address ADDR     D-Bus address of the local kvmregsd's bus (default: the\n"
              "                         system bus; also $KVMREGS_BUS_ADDRESS)\n"
              "  --timeout MS           per D-Bus call (default 2000)\n"
              "  --connect-timeout MS   connecting: ssh, its login, the bus's authentication and\n"
              "                         Hello (default 10000 over ssh, else the --timeout)\n"
              "  --to HOST              destination host, reached as 'ssh HOST systemd-stdio-bridge'\n"
              "  --bridge CMD           remote command instead of systemd-stdio-bridge\n"
              "  --ssh-option OPT       extra ssh argument, repeatable (-p 2222 is two of them)\n"
              "  --from URI             libvirt URI of the source (default: libvirt's default)\n"
              "  --src-qemu VERSION     compare, check: the source's QEMU (\"11.1.3\"), over the profile's\n"
              "  --dst-qemu VERSION     compare, check: the destination's QEMU; 11.1 and later load with\n"
              "                         migration tolerances (default: the profile's, else 7.2's load)\n"
              "  -h, --help             this text;  --version\n"
              "\n"
              "Exit status:\n"
              "  0  done: compatible, or compatible after adjustment (the adjustments are printed)\n"
              "  1  incompatible, or the check or migration failed\n"
              "  2  bad usage or bad input (unreadable or malformed profile, unknown configuration)\n"
              "  3  kvmregsd or libvirt unreachable, or a timeout\n"
              "  4  matrix, groups, whatif, fleet, export: no host's profile could be read\n"
              "  (matrix, groups, fleet: 0 every migration works, 1 not; whatif: 1 it breaks one;\n"
              "   2 also when input was left out, after the views of the rest)\n", f);
}

static int parse_timeout(const char *s, int *ret) {
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno != 0 || end == s || *end || v <= 0 || v > 600000)
                return -EINVAL;
        *ret = (int) v;
        return 0;
}

int main(int argc, char *argv[]) {
        Ctl ctl = { .timeout_ms = CTL_DEFAULT_TIMEOUT_MS };
        uint64_t seen = 0;     /* verbs-mask bits of every option given, checked once the verb is known */
        const char *seen_name[64] = {};
        const char *env;
        int c, long_index;
        size_t v;

        /* A peer (ssh, the bus) that goes away must be an error, not a silent death. */
        signal(SIGPIPE, SIG_IGN);

        env = getenv("KVMREGS_BUS_ADDRESS");
        if (env && *env)
                ctl.bus_address = env;

        opterr = 0;
        /* getopt_long() sets long_index for long options only: -o leaves it as it was */
        while ((long_index = -1, c = getopt_long(argc, argv, "hvo:", options, &long_index)) >= 0) {
                /* -o is --output */
                unsigned bit = (unsigned) ((c == 'o' ? OPT_OUTPUT : c) - OPT_BUS_ADDRESS);

                if ((c >= OPT_BUS_ADDRESS || c == 'o') && c != OPT_VERSION && bit < ELEMENTSOF(seen_name)) {
                        seen |= UINT64_C(1) << bit;
                        seen_name[bit] = long_index >= 0 ? options[long_index].name : "output";
                }
                switch (c) {
                case 'h':
                        help(stdout);
                        return CTL_EXIT_OK;
                case OPT_VERSION:
                        puts(PACKAGE_STRING);
                        return CTL_EXIT_OK;
                case OPT_BUS_ADDRESS:
                        ctl.bus_address = optarg;
                        break;
                case OPT_TIMEOUT:
                        if (parse_timeout(optarg, &ctl.timeout_ms) < 0) {
                                ctl_error("--timeout takes milliseconds between 1 and 600000, not '%s'", optarg);
                                return CTL_EXIT_USAGE;
                        }
                        break;
                case OPT_CONNECT_TIMEOUT:
                        if (parse_timeout(optarg, &ctl.connect_timeout_ms) < 0) {
                                ctl_error("--connect-timeout takes milliseconds between 1 and 600000, not '%s'",
                                          optarg);
                                return CTL_EXIT_USAGE;
                        }
                        break;
                case OPT_JSON: ctl.json = true; break;
                case 'v': ctl.verbose = true; break;
                case OPT_CONFIG: ctl.config = optarg; break;
                case OPT_DST_CONFIG: ctl.dst_config = optarg; break;
                case OPT_SRC_QEMU: ctl.src_qemu = optarg; break;
                case OPT_DST_QEMU: ctl.dst_qemu = optarg; break;
                case OPT_LOCAL: ctl.local = true; break;
                case OPT_TO: ctl.to = optarg; break;
                case OPT_FROM: ctl.from = optarg; break;
                case OPT_DEST_PROFILE: ctl.dest_profile = optarg; break;
                case OPT_DEST_BUS: ctl.dest_bus = optarg; break;
                case OPT_BRIDGE: ctl.bridge = optarg; break;
                case OPT_DOMAIN_XML: ctl.domain_xml = optarg; break;
                case OPT_HOSTS: ctl.hosts = optarg; break;
                case OPT_RECORD: ctl.record = optarg; break;
                case OPT_SUMMARY: ctl.summary = true; break;
                case OPT_CSV: ctl.csv = true; break;
                case OPT_PER_HOST: ctl.per_host = true; break;
                case OPT_PER_CLASS: ctl.per_class = true; break;
                case OPT_HOST: ctl.host = optarg; break;
                case OPT_PROFILE: ctl.new_profile = optarg; break;
                case 'o': ctl.output = optarg; break;
                case OPT_HOSTS_FILE: ctl.hosts_file = optarg; break;
                case OPT_PROFILE_OUT: ctl.profile_out = optarg; break;
                case OPT_FORMAT: ctl.format = optarg; break;
                case OPT_PARALLEL: {
                        char *end;
                        long n;

                        errno = 0;
                        n = strtol(optarg, &end, 10);
                        if (errno || end == optarg || *end || n < 1 || n > 1024) {
                                ctl_error("--parallel takes a number between 1 and 1024, not '%s'", optarg);
                                return CTL_EXIT_USAGE;
                        }
                        ctl.parallel = (unsigned) n;
                        break;
                }
                case OPT_SSH_OPTION:
                        if (ctl.n_ssh_options >= CTL_MAX_SSH_OPTIONS) {
                                ctl_error("at most %u --ssh-option", CTL_MAX_SSH_OPTIONS);
                                return CTL_EXIT_USAGE;
                        }
                        ctl.ssh_options[ctl.n_ssh_options++] = optarg;
                        break;
                case OPT_LIVE: ctl.live = true; break;
                case OPT_P2P: ctl.p2p = true; break;
                case OPT_TUNNELLED: ctl.tunnelled = true; break;
                case OPT_PERSISTENT: ctl.persistent = true; break;
                case OPT_UNDEFINE_SOURCE: ctl.undefine_source = true; break;
                case OPT_FORCE: ctl.force = true; break;
                case '?':
                default:
                        /* a long option without its value leaves its own code (> 255) in optopt */
                        if (optopt > 0 && optopt < 128 && isalnum(optopt))
                                ctl_error("option '-%c' is unknown or needs a value; see kvmregsctl --help", optopt);
                        else
                                ctl_error("option '%s' is unknown or needs a value; see kvmregsctl --help",
                                          argv[optind - 1]);
                        return CTL_EXIT_USAGE;
                }
        }
        if (optind >= argc) {
                ctl_error("no verb given; see kvmregsctl --help");
                return CTL_EXIT_USAGE;
        }
        for (v = 0; v < ELEMENTSOF(verbs); v++)
                if (strcmp(argv[optind], verbs[v].name) == 0)
                        break;
        if (v == ELEMENTSOF(verbs)) {
                ctl_error("unknown verb '%s'; see kvmregsctl --help", argv[optind]);
                return CTL_EXIT_USAGE;
        }
        for (unsigned bit = 0; bit < ELEMENTSOF(seen_name); bit++)
                if ((seen & (UINT64_C(1) << bit)) && !(option_verbs((int) (OPT_BUS_ADDRESS + bit)) & verbs[v].bit)) {
                        ctl_error("option '--%s' does not apply to '%s'; see kvmregsctl --help",
                                  seen_name[bit], verbs[v].name);
                        return CTL_EXIT_USAGE;
                }

        ctl.args = argv + optind + 1;
        ctl.n_args = (size_t) (argc - optind - 1);
        ctl.ssh_options[ctl.n_ssh_options] = NULL;
        if (verbs[v].bit == VERB_COMPARE && ctl.local && (ctl.src_qemu || ctl.dst_qemu)) {
                ctl_error("--src-qemu and --dst-qemu apply to profile files: the local kvmregsd knows its own QEMU");
                return CTL_EXIT_USAGE;
        }
        if (verbs[v].bit == VERB_COMPARE && ctl.local)
                return ctl_compare_local(&ctl);
        if (ctl.n_args < verbs[v].min_args || ctl.n_args > verbs[v].max_args) {
                ctl_error("'%s' takes %s; see kvmregsctl --help", verbs[v].name, verbs[v].args);
                return CTL_EXIT_USAGE;
        }
        return verbs[v].run(&ctl);
}
