"""A plan on a terminal: a rich table per stage when every identifier fits on one line at
the terminal's width, otherwise one block per action; findings as blocks. Big plans get the
summary (report_text) unless --details, and their details are plain lines, never a table."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from migrate.model.plan import Plan
from migrate.model.stages import ORDER
from migrate.write import report_text
from migrate.write.report_rows import Row, row

STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
MIN_CHANGE = 24  # the change column is worth a table only this wide or wider
LABEL = "  {:<10} "  # "  namespace  " before a block's values

UNBOUNDED = 1 << 20  # measure unclamped: rich clamps a measurement to the width it is given


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
            table = _table(rows, console)
            if table is None:
                _blocks(console, rows, width)
            else:
                console.print(table)
    _print(console, report_text.findings(plan.findings, width))
    if not plan.actions and not plan.findings:
        console.print("Nothing to migrate: no Pod Identity objects or labels found.")


def _table(rows: Sequence[Row], console: Console) -> Table | None:
    """A table whose identifier columns never wrap (the change wraps at spaces), or None when
    rich measures it wider than the terminal."""
    table = Table(title_justify="left")
    for name in ("action", "kind", "namespace", "name"):
        table.add_column(name, no_wrap=True)
    table.add_column("change", min_width=MIN_CHANGE, ratio=1)
    for r in rows:
        # Text, not str: a name from a file is never read as rich markup
        table.add_row(*map(Text, (r.action, r.kind, r.namespace, r.name, r.change)))
    unclamped = console.options.update_width(UNBOUNDED)
    fits = Measurement.get(console, unclamped, table).minimum <= console.width
    return table if fits else None


def _blocks(console: Console, rows: Sequence[Row], width: int) -> None:
    for r in rows:
        console.print(Text(f"{r.action}  {r.kind}", style="bold"), soft_wrap=True)
        for label, value in (("namespace", r.namespace), ("name", r.name), ("change", r.change)):
            if value:
                _print(console, _field(label, value, width))


def _field(label: str, value: str, width: int) -> list[str]:
    """LABEL and VALUE wrapped at spaces under it; a value wider than the terminal goes whole
    on the line below its label."""
    indent = " " * len(LABEL.format(""))
    lines = report_text.wrap(value, width, indent)
    if len(lines[0]) <= width:
        return [LABEL.format(label) + lines[0][len(indent) :], *lines[1:]]
    return [LABEL.format(label).rstrip(), *lines]


def _print(console: Console, lines: Sequence[str]) -> None:
    for line in lines:
        severity = line.split(" ", 1)[0]
        style = STYLE.get(severity, "") if not line.startswith(" ") else ""
        console.print(Text(line, style=style), soft_wrap=True)
