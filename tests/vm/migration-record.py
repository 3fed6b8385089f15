#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes one JSON record per real QEMU migration of tests/vm/run-migrations.sh.
Usage: migration-record.py QEMU PACKAGE_VERSION MACHINE DIR
Reads DIR/loads/<src>--<dst>.log (QEMU's output while loading, then the outcome marker)
and writes DIR/records/<src>--<dst>.json (layout: tests/data/migrations/README.md)."""
import json, os, re, sys

qemu, package, machine, d = sys.argv[1:5]
END = re.compile(r"^@@KVMREGS-LOAD-END src=(\S+) outcome=(ok|failed) qemu_exit=(\d+) secs=(\d+)@@$")
# QEMU 11.1's own words for a register (target/arm/machine.c); the trace backend may
# prefix "PID@SECONDS:".
NAMED = [
    ("tolerated_only_in_stream", re.compile(r"tolerate_cpreg_only_in_incoming_stream (.+?) is in incoming stream")),
    ("tolerated_missing_in_stream", re.compile(r"tolerate_cpreg_missing_in_incoming_stream (.+?) is missing in incoming stream")),
    ("unknown_incoming", re.compile(r": (.+?) in the incoming stream but unknown on the destination: fail migration")),
    ("missing_in_stream", re.compile(r": (.+?) expected by the destination but not in the incoming stream: skip it")),
    # "to V (is W)" for a refused value; ": unknown to KVM" (ENOENT) for a register hidden since
    # the vCPU was reset (a source's ID value without its feature, written first)
    ("value_refused", re.compile(r"Could not set register (.+?)(?: to [0-9a-fA-F]+ \(is [0-9a-fA-F]+\)|: [^:]+)$")),
]
SYSREG = re.compile(r"^system register op0:(\d+) op1:(\d+) crn:(\d+) crm:(\d+) op2:(\d+)$")

def reg_id(name):
    """The KVM register id of QEMU's kvm_print_register_name() text (target/arm/kvm.c)."""
    m = SYSREG.match(name)
    if m:
        op0, op1, crn, crm, op2 = map(int, m.groups())
        return 0x6030000000130000 | op0 << 14 | op1 << 11 | crn << 7 | crm << 3 | op2
    m = re.match(r"^fw feat reg (\d+)$", name)
    if m:
        return 0x6030000000160000 | int(m.group(1))
    m = re.match(r"^fw reg (\d+)$", name)
    if m:
        return 0x6030000000140000 | int(m.group(1))
    m = re.match(r"^(?:[a-z ]+ )?(?:0x)?([0-9a-f]{16})$", name)
    if m:
        return int(m.group(1), 16)
    return None
os.makedirs(os.path.join(d, "records"), exist_ok=True)
n = 0
for name in sorted(os.listdir(os.path.join(d, "loads"))):
    if not name.endswith(".log"):
        continue
    src, dst = name[:-4].split("--")
    lines = open(os.path.join(d, "loads", name), errors="replace").read().splitlines()
    m = END.match(lines[-1]) if lines else None
    if not m:
        sys.exit("%s: no outcome line" % name)
    messages = [l.rstrip() for l in lines[:-1] if l.strip()]
    named = {k: [] for k, _ in NAMED}
    for l in messages:
        for k, rx in NAMED:
            for r in rx.findall(l):
                r = r.split(": ")[-1]          # the text after "function: "
                i = reg_id(r)
                if i is None:
                    sys.exit("%s: QEMU names a register as %r, which this script cannot map to an id" % (name, r))
                e = {"id": "0x%016x" % i, "qemu_name": r}
                if e not in named[k]:
                    named[k].append(e)
    counts = re.search(r"cpreg_vmstate_array_len=(\d+) cpreg_array_len=(\d+)", "\n".join(messages))
    rec = {
        "source": src, "destination": dst,
        "qemu": qemu, "qemu_package": package, "machine": machine, "cpu": "host",
        "outcome": m.group(2), "qemu_exit": int(m.group(3)),
        "messages": messages,
        "registers": {k: sorted(v, key=lambda e: e["id"]) for k, v in named.items() if v},
    }
    if counts:
        rec["cpreg_counts"] = {"stream": int(counts.group(1)), "destination": int(counts.group(2))}
    with open(os.path.join(d, "records", name[:-4] + ".json"), "w") as f:
        json.dump(rec, f, indent=1, sort_keys=True)
        f.write("\n")
    n += 1
print("QEMU %s: %d migration records in %s/records" % (qemu, n, d))
