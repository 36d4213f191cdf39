"""A plan on a terminal: a rich table per stage when every identifier fits on one line at
the terminal's width, otherwise one block per action; findings as blocks. Big plans get the
summary (report_text) unless --details, and their details are plain lines, never a table."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from migrate.model.plan import Plan
from migrate.model.stages import ORDER
from migrate.write import report_table, report_text
from migrate.write.report_rows import row

STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
HEADER = ("action", "kind", "namespace", "name", "change")


def show(plan: Plan, console: Console, details: bool, big: bool) -> None:
    width = console.width
    if big and not details:
        _print(console, report_text.summary(plan, width))
        return
    if big:  # thousands of lines: plain text straight to the terminal, no table, no rich
        lines = [*report_text.details(plan), *report_text.findings(plan.findings, width)]
        console.file.write("\n".join(lines) + "\n")
        return
    _print(console, report_text.wrap(report_text.headline(plan), width))
    for stage in ORDER:
        rows = [row(a) for a in plan.stage(stage)]
        if rows:
            console.print(Text(f"\nstage {stage} ({len(rows)})", style="bold"))
            cells = [(r.action, r.kind, r.namespace, r.name, r.change) for r in rows]
            report_table.show(console, HEADER, cells)
    _print(console, report_text.findings(plan.findings, width))
    if not plan.actions and not plan.findings:
        console.print("Nothing to migrate: no Pod Identity objects or labels found.")


def _print(console: Console, lines: Sequence[str]) -> None:
    for line in lines:
        severity = line.split(" ", 1)[0]
        style = STYLE.get(severity, "") if not line.startswith(" ") else ""
        console.print(Text(line, style=style), soft_wrap=True)
