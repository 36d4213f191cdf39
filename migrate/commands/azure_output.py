"""Results shown to people (a rich table) or to tools (JSON)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from migrate.azure.results import ItemResult, tally
from migrate.azure.tokens import TokenCheck
from migrate.write import report_table

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
        table = Table()
        table.add_column("kind", no_wrap=True)
        table.add_column("target", no_wrap=True)
        table.add_column("status", no_wrap=True)
        table.add_column("detail", ratio=1)
        blocks = []
        for r in results:
            detail = Text(r.detail)
            for command in r.commands:
                detail.append("\n" + command, style="bold")
            status = Text(r.status, style=STYLE.get(r.status, ""))
            table.add_row(Text(r.kind), Text(r.target), status, detail)  # Text: never markup
            fields = [("status", r.status), ("detail", r.detail)]
            fields += [("run", c) for c in r.commands]
            blocks.append((f"{r.kind} {r.target}", fields))
        fitted(console, table, blocks)
    line = f"Azure: {tally(results).summary()}"
    if not write:
        line += " (dry run: nothing written; pass --yes to write)"
    console.print(line)


def checks_table(checks: Sequence[TokenCheck], console: Console) -> None:
    table = Table()
    table.add_column("namespace", no_wrap=True)
    table.add_column("service account", no_wrap=True)
    table.add_column("identity", no_wrap=True)
    table.add_column("result", no_wrap=True)
    table.add_column("code", no_wrap=True)
    table.add_column("explanation", ratio=1)
    blocks = []
    for c in checks:
        namespace, _, name = c.service_account.rpartition("/")
        result = Text(c.status, style=STYLE.get(c.status, ""))
        identity = f"{c.identity}\n{c.client_id}" if c.client_id else c.identity
        cells = (namespace, name, identity)
        table.add_row(*map(Text, cells), result, Text(c.code), Text(c.detail))  # never markup
        fields = [("namespace", namespace), ("identity", c.identity)]
        fields += [("client id", c.client_id)] if c.client_id else []
        fields += [("result", c.status)] + ([("code", c.code)] if c.code else [])
        fields += [("explanation", c.detail)]
        blocks.append((f"ServiceAccount {name}", fields))
    fitted(console, table, blocks)
    passed = sum(c.status == "passed" for c in checks)
    console.print(f"token checks: {passed} of {len(checks)} passed")


Block = tuple[str, Sequence[tuple[str, str]]]  # head, (label, value) per line


def fitted(console: Console, table: Table, blocks: Sequence[Block]) -> None:
    """On a terminal: TABLE when its identifier columns (no_wrap) fit whole, else one block
    per row (report_table's layout: a head line, then 'label  value' lines wrapped at spaces
    only). In a pipe or a file: the blocks, each value on one line (grep-able)."""
    if console.is_terminal and report_table.fits(console, table):
        console.print(table)
        return
    label_width = max((len(label) for _, fields in blocks for label, _ in fields), default=0) + 1
    width = console.width if console.is_terminal else report_table.UNBOUNDED
    for head, fields in blocks:
        console.print(Text(head, style="bold"), soft_wrap=True)
        for label, value in fields:
            for line in report_table.field(label, value, width, label_width):
                console.print(Text(line, style=STYLE.get(value, "")), soft_wrap=True)
