"""A plan as plain text lines: the summary of a big plan, every action as one aligned line,
findings in full. No rich here: this is what pipes, CI logs and big plans get, and it must
stay cheap at thousands of actions.

Identifiers are never cut: text wraps only at spaces (never at hyphens), and a value longer
than the width stands alone on its own line.
"""

from __future__ import annotations

import textwrap
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from itertools import groupby

from migrate.model import describe
from migrate.model.inventory import Finding
from migrate.model.plan import Plan
from migrate.model.stages import ORDER
from migrate.write.report_rows import row

SEVERITIES = ("error", "warning", "info")
SUMMARY_OVER = 100  # actions: a bigger plan is summarized (terminal, pipe, markdown)
NO_NAMESPACE = "(cluster-wide or Azure)"


def wrap(text: str, width: int | None, indent: str = "", hanging: str = "") -> list[str]:
    """TEXT in lines of at most WIDTH (None: one line), broken only at spaces; lines after
    the first get HANGING more indent."""
    if width is None:
        return [indent + " ".join(text.split())]
    return textwrap.wrap(
        text,
        max(width, len(indent) + 20),
        initial_indent=indent,
        subsequent_indent=indent + hanging,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [indent]


def headline(plan: Plan) -> str:
    counts = describe.counts(plan)
    stages = ", ".join(f"{s} {n}" for s, n in counts["stages"].items())
    return (
        f"Migration plan for {plan.shown_source}: {len(plan.actions)} actions ({stages}); "
        f"{counts['errors']} errors, {counts['warnings']} warnings, {counts['infos']} info"
    )


def aligned(header: Sequence[str], rows: Iterable[Sequence[str]], gap: str = "  ") -> list[str]:
    """Columns padded to their widest cell; the last column is not padded."""
    table = [list(header), *map(list, rows)]
    widths = [max(len(r[i]) for r in table) for i in range(len(header) - 1)]
    return [
        gap.join([*(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)), r[-1]]).rstrip()
        for r in table
    ]


def details(plan: Plan) -> list[str]:
    """Every action, one line each (grep finds a workload with its namespace and stage)."""
    lines = [headline(plan)]
    for stage in ORDER:
        rows = [row(a) for a in plan.stage(stage)]
        if rows:
            lines += ["", f"stage {stage} ({len(rows)})"]
            lines += aligned(
                ("ACTION", "KIND", "NAMESPACE", "NAME", "CHANGE"),
                ((r.action, r.kind, r.namespace or "-", r.name, r.change) for r in rows),
            )
    return lines


def summary(plan: Plan, width: int | None) -> list[str]:
    """Counts per stage and namespace, then the errors and warnings in full."""
    lines = [*wrap(headline(plan), width), ""]
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for r in map(row, plan.actions):
        counts[r.namespace or NO_NAMESPACE][r.stage] += 1
    header = ("NAMESPACE", *(s.upper() for s in ORDER), "TOTAL")
    body = [
        (ns, *(str(c[s]) for s in ORDER), str(sum(c.values()))) for ns, c in sorted(counts.items())
    ]
    total = ("total", *(str(len(plan.stage(s))) for s in ORDER), str(len(plan.actions)))
    table = aligned(header, [*body, total])
    if width is None or max(map(len, table), default=0) <= width:
        lines += ["actions per namespace and stage", *table]
    else:  # a namespace too long for the table: one block per namespace
        lines.append("actions per namespace and stage")
        for ns, *numbers in [*body, total]:
            lines.append(ns)
            named = zip((*ORDER, "total"), numbers, strict=True)
            lines.append("  " + ", ".join(f"{s} {n}" for s, n in named))
    lines += ["", "actions per stage"]
    lines += aligned(("STAGE", "ACTIONS"), ((s, str(len(plan.stage(s)))) for s in ORDER))
    lines += findings(plan.findings, width, severities=("error", "warning"))
    infos = Counter(f.code for f in plan.findings if f.severity == "info")
    if infos:
        listed = ", ".join(f"{code} {n}" for code, n in sorted(infos.items()))
        lines += ["", *wrap(f"info ({sum(infos.values())}): {listed}", width)]
    lines += [
        "",
        *wrap(
            f"{len(plan.actions)} actions are not listed: pass --details for every action "
            "and finding, or -o html for a reviewer's page",
            width,
        ),
    ]
    return lines


def findings(
    items: Sequence[Finding], width: int | None, severities: Sequence[str] = SEVERITIES
) -> list[str]:
    """Each finding: severity, code and where; its message and hint below, in full."""
    shown = sorted(
        (f for f in items if f.severity in severities),
        key=lambda f: (SEVERITIES.index(f.severity), f.code, f.hint, f.origin.file, f.origin.line),
    )
    if not shown:
        return []
    title = f"findings ({len(shown)})" if len(severities) == 3 else "errors and warnings"
    lines = ["", title]
    for (severity, code, hint), group in groupby(shown, key=lambda f: (f.severity, f.code, f.hint)):
        items = list(group)
        lines.append(f"{severity} {code}" + (f" ({len(items)})" if len(items) > 1 else ""))
        lines += wrap("→ " + hint, width, "  ", hanging="  ")
        for f in items:
            where = describe.where(f)
            if where:
                lines += wrap(where, width, "  ")
            lines += wrap(f.message, width, "    " if where else "  ")
    return lines


def plain(plan: Plan, show_details: bool, big: bool) -> list[str]:
    """What a pipe gets: the summary of a big plan, else every action and finding."""
    if big and not show_details:
        return summary(plan, None)
    if not plan.actions and not plan.findings:
        return ["Nothing to migrate: no Pod Identity objects or labels found."]
    return [*details(plan), *findings(plan.findings, None)]
