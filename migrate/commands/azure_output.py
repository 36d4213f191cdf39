"""Results shown to people (a rich table) or to tools (JSON)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from migrate.azure.results import ItemResult, tally
from migrate.azure.tokens import TokenCheck

STYLE = {
    "changed": "green",
    "unchanged": "dim",
    "pending": "cyan",
    "skipped": "yellow",
    "failed": "bold red",
    "passed": "green",
}


def results_table(
    results: Sequence[ItemResult], console: Console, *, write: bool, notes: Sequence[str] = ()
) -> None:
    for note in notes:
        console.print(Text(f"note: {note}", style="yellow"))
    if results:
        table = Table(expand=True)
        table.add_column("kind", no_wrap=True)
        table.add_column("target", ratio=3, overflow="fold")
        table.add_column("status", no_wrap=True)
        table.add_column("detail", ratio=5, overflow="fold")
        for r in results:
            detail = Text(r.detail)
            for command in r.commands:
                detail.append("\n" + command, style="bold")
            table.add_row(r.kind, r.target, Text(r.status, style=STYLE.get(r.status, "")), detail)
        console.print(table)
    line = f"Azure: {tally(results).summary()}"
    if not write:
        line += " (dry run: nothing written; pass --yes to write)"
    console.print(line)


def checks_table(checks: Sequence[TokenCheck], console: Console) -> None:
    table = Table(expand=True)
    table.add_column("service account", overflow="fold", ratio=2)
    table.add_column("identity", overflow="fold", ratio=2)
    table.add_column("result", no_wrap=True)
    table.add_column("code", no_wrap=True)
    table.add_column("explanation", ratio=5, overflow="fold")
    for c in checks:
        table.add_row(
            c.service_account,
            f"{c.identity}\n{c.client_id}" if c.client_id else c.identity,
            Text(c.status, style=STYLE.get(c.status, "")),
            c.code,
            c.detail,
        )
    console.print(table)
    passed = sum(c.status == "passed" for c in checks)
    console.print(f"token checks: {passed} of {len(checks)} passed")
