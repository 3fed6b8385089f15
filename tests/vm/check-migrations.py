#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Holds the rules against every recorded real QEMU migration (tests/data/migrations,
made by tests/vm/run-migrations.sh): for each record, `kvmregsctl compare SRC DST
--config all_vgic3 --src-qemu V --dst-qemu V --json` on the profiles probed in the same
boots must give QEMU's outcome, and where QEMU names registers, exactly those registers.
Usage: check-migrations.py KVMREGSCTL DATA_DIR
Disagreements listed in DATA_DIR/known-disagreements.txt are printed loudly and do not
fail; a listed one that now agrees, or that names no record, fails (the list stays true).
Exit status: 0 every record agrees (or is a listed disagreement), 1 not, 2 bad data."""
import collections, glob, json, os, subprocess, sys

ctl, data = sys.argv[1:3]
# -cpu host on -M virt,gic-version=3: every vCPU feature the host offers with an
# in-kernel GICv3, which is the probe's all_vgic3 (docs/profile-format.md).
CONFIG = "all_vgic3"

known = {}
kfile = os.path.join(data, "known-disagreements.txt")
if os.path.exists(kfile):
    for n, line in enumerate(open(kfile), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 3)
        if len(parts) < 4:
            sys.exit("%s:%d: want 'QEMU SOURCE DESTINATION why'" % (kfile, n))
        known[tuple(parts[:3])] = parts[3]

def kernel(label):
    return label.split("-")[0]

def ids(findings, kinds):
    return {f["id"] for f in findings if f["kind"] in kinds and f.get("id")}

def named(rec, *cats):
    return {e["id"] for c in cats for e in rec.get("registers", {}).get(c, [])}

def fmt(s):
    return ", ".join(sorted(s)) or "none"

records = sorted(glob.glob(os.path.join(data, "*", "*--*.json")))
if not records:
    print("FAIL: no migration records in %s" % data)
    sys.exit(1)
tally = collections.defaultdict(lambda: [0, 0])     # key -> [agree, total]
status = 0
seen_known = set()
for path in records:
    rec = json.load(open(path))
    q, src, dst = rec["qemu"], rec["source"], rec["destination"]
    profs = [os.path.join(data, "profiles", l + ".json") for l in (src, dst)]
    for p in profs:
        if not os.path.exists(p):
            print("FAIL: %s: no profile %s" % (path, p))
            sys.exit(2)
    r = subprocess.run([ctl, "compare", profs[0], profs[1], "--config", CONFIG,
                        "--src-qemu", q, "--dst-qemu", q, "--json"], capture_output=True, text=True)
    if r.returncode not in (0, 1):
        print("FAIL: %s: kvmregsctl compare exited %d: %s" % (path, r.returncode, r.stderr.strip()))
        sys.exit(2)
    rep = json.loads(r.stdout)
    verdict, findings = rep["verdict"], rep["findings"]
    why = []
    # The verdict: QEMU loaded ⇔ compatible. A failed load agrees with incompatible,
    # and with compatible-after-adjustment (fails as is; the run applied no adjustment).
    want = {"ok": ("compatible",), "failed": ("incompatible", "compatible-after-adjustment")}[rec["outcome"]]
    if verdict not in want:
        why.append("QEMU: %s, kvmregs: %s" % (rec["outcome"], verdict))
    msgs = "\n".join(rec["messages"])
    if q == "7.2":
        # QEMU 7.2 names no register; its count check is the one cause it names.
        qcount = "Failed to load cpu:cpreg_vmstate_array_len" in msgs
        kcount = any(f["kind"] == "count" and f["fatal"] for f in findings)
        if qcount != kcount:
            why.append("count check: QEMU %s, kvmregs %s" % ("fails on it" if qcount else "passes it",
                                                             "a fatal count finding" if kcount else "none"))
    else:
        # QEMU writes the registers (and names those KVM refuses) only once cpu_post_load
        # passed: the load completed, or failed putting the registers after it.
        past_post_load = rec["outcome"] == "ok" or "Failed to put registers" in msgs
        unknown = named(rec, "unknown_incoming")
        checks = [
            ("tolerated", named(rec, "tolerated_only_in_stream", "tolerated_missing_in_stream"), ids(findings, {"tolerated"})),
            ("expected by the destination, not in the stream", named(rec, "missing_in_stream"), ids(findings, {"destination-only"})),
        ]
        if past_post_load:
            # QEMU printed "fail migration" for them and went on: they were dropped.
            checks.append(("unknown incoming, which QEMU went past (dropped)", unknown, ids(findings, {"dropped"})))
            checks.append(("unknown incoming, fatal", set(), ids(findings, {"not-on-destination"})))
            checks.append(("value refused", named(rec, "value_refused"), ids(findings, {"value-refused"})))
        else:
            checks.append(("unknown incoming, fatal", unknown, ids(findings, {"not-on-destination"})))
        for what, qset, kset in checks:
            if qset != kset:
                why.append("%s: QEMU names %s; kvmregs %s" % (what, fmt(qset), fmt(kset)))
    key = (q, src, dst)
    pair = "%s -> %s" % (kernel(src), kernel(dst))
    models = "same CPU model" if src.split("-", 1)[1] == dst.split("-", 1)[1] else "other CPU model"
    keys = (("qemu", q), ("pair", q, pair), ("models", q, models))
    for k in keys:
        tally[k][1] += 1
    if not why:
        for k in keys:
            tally[k][0] += 1
        if key in known:
            print("FAIL: QEMU %s %s -> %s is listed in known-disagreements.txt but agrees now: remove it" % key)
            status = 1
            seen_known.add(key)
        else:
            print("agree  QEMU %s %s -> %s: %s, %s" % (q, src, dst, rec["outcome"], verdict))
        continue
    line = "QEMU %s %s -> %s (config %s): %s" % (q, src, dst, CONFIG, "; ".join(why))
    if key in known:
        seen_known.add(key)
        print("KNOWN DISAGREEMENT (not fixed, see known-disagreements.txt: %s): %s" % (known[key], line))
    else:
        print("DISAGREE " + line)
        status = 1
for key in sorted(set(known) - seen_known):
    print("FAIL: known-disagreements.txt lists QEMU %s %s -> %s, which has no record" % key)
    status = 1
print("\nagreement (verdict and named registers), real migrations:")
for k in sorted(tally):
    if k[0] == "qemu":
        print("  QEMU %-5s all pairs      %3d of %3d" % (k[1], *tally[k]))
for k in sorted(tally):
    if k[0] == "models":
        print("  QEMU %-5s %-16s %3d of %3d" % (k[1], k[2], *tally[k]))
def series(pair):          # "6.12 -> 7.2" in kernel order
    return [[int(x) for x in k.split(".")] for k in pair.split(" -> ")]
for k in sorted((k for k in tally if k[0] == "pair"), key=lambda k: (k[1], series(k[2]))):
    print("  QEMU %-5s %-12s %3d of %3d" % (k[1], k[2], *tally[k]))
if known:
    print("\n*** %d KNOWN DISAGREEMENT(S) listed in %s: the rules are still wrong there ***" % (len(known), kfile))
sys.exit(status)
