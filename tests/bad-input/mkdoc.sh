#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# docs/bad-input.md from tests/bad-input/catalogue.tsv:  sh mkdoc.sh CATALOGUE > docs/bad-input.md
# (tests/test-bad-input.sh fails when the two disagree).
cat <<'HEAD'
# The bad-input catalogue

Every input kvmregs refuses, and the answer the user gets: one named case per line of
[`tests/bad-input/catalogue.tsv`](../tests/bad-input/catalogue.tsv), this page made from it by
`tests/bad-input/mkdoc.sh`. `tests/test-bad-input.sh` (no root: profiles, domain XML, the
hook's policy file, command lines) and `tests/test-bad-input-bus.sh` (root: kvmregsd on a
private dbus-daemon) run every case through the built programs, each under `timeout`, and
check the exit status (or D-Bus error) and that the message holds the text given here; a
crash, a hang, a sanitizer report or a file left behind fails the case. Inputs named `gen:`
are made at test time (`tests/bad-input/generate.py`), never committed; the others are
files under `tests/`.

Exit statuses: [kvmregsctl](kvmregsctl.md#exit-status), [kvmregs-hook](kvmregs-hook.md#exit-statuses-and-output),
[kvmregsd](kvmregsd.md#exit-statuses); D-Bus errors: [org.kvmregs.Profile1](org.kvmregs.Profile1.md#errors).

HEAD
awk -F '\t' '
function esc(s) { gsub(/\|/, "\\|", s); return s }
/^#/ || NF == 0 { next }
{
        if (!($2 in rows)) order[ncat++] = $2
        rows[$2] = rows[$2] sprintf("| `%s` | %s | `%s` | %s `%s` | %s | %s |\n", $1, esc($3), $4, $5, esc($6), $7,
                                    ($8 == "" ? "" : "`" esc($8) "`"))
        count[$2]++
        total++
}
END {
        printf "| category | cases |\n|---|---|\n"
        for (i = 0; i < ncat; i++) printf "| %s | %d |\n", order[i], count[order[i]]
        printf "| all | %d |\n", total
        for (i = 0; i < ncat; i++)
                printf "\n## %s\n\n| case | what is wrong | input | program and arguments | answer | message holds |\n|---|---|---|---|---|---|\n%s", order[i], rows[order[i]]
}' "$1"
