#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The registers a kvmregs refusal names (report_summary()'s layout, as the hook prints it and
virsh shows it), one name a line, sorted: "  - NAME (0xID): why" for one register, or a compact
list for a group ("  - CCSIDR_EL1 (CSSELR 3-13: 11 registers), TCR2_EL1, ...: why") expanded back
to each register's name. Reads FILE (or stdin); lines before the first "  - " and from
"What to do:" on are ignored. Used by tests/test-hook.sh and tests/libvirt/run-e2e.sh."""
import re, sys
NAME = re.compile(r"^[A-Z][A-Z0-9_]*(\[csselr=0x[0-9a-f]+\])?$")
def split_top(s, sep):
    out, depth, start, i = [], 0, 0, 0
    while i < len(s):
        c = s[i]
        depth += (c == "(") - (c == ")")
        if depth == 0 and s.startswith(sep, i):
            out.append(s[start:i]); i += len(sep); start = i; continue
        i += 1
    out.append(s[start:])
    return out
def numbers(ranges):
    for r in ranges.split(", "):
        a, _, b = r.partition("-")
        yield from range(int(a), int(b or a) + 1)
def expand(item):
    m = re.match(r"^CCSIDR_EL1 \(CSSELR ([0-9, -]+): (\d+) registers\)$", item)
    if m:
        n = list(numbers(m.group(1)))
        assert len(n) == int(m.group(2)), item
        return ["CCSIDR_EL1[csselr=0x%x]" % v for v in n]
    m = re.match(r"^([A-Z]+)<n>(_EL[0-3]) \(n ([0-9, -]+): (\d+) registers\)$", item)
    if m:
        n = list(numbers(m.group(3)))
        assert len(n) == int(m.group(4)), item
        return ["%s%d%s" % (m.group(1), v, m.group(2)) for v in n]
    item = re.sub(r" \([A-Za-z0-9_]+\)$", "", item)       # NAME (FIELD)
    return [item] if NAME.match(item) else None
named = set()
for line in (open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin):
    if line.startswith("What to do:"):
        break
    if not line.startswith("  - "):
        continue
    line = line[4:].rstrip("\n")
    m = re.match(r"^(\S+) \(0x[0-9a-f]{16}\): ", line)
    if m:
        named.add(m.group(1))
        continue
    items = [expand(i) for i in split_top(split_top(line, ": ")[0], ", ")]
    if all(items):
        named.update(n for i in items for n in i)
print("\n".join(sorted(named)))
