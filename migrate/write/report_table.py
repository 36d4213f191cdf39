"""Rows for a person at a terminal, the one layout every command's text output uses: a rich
table whose identifier columns never wrap, when rich measures it no wider than the terminal;
otherwise one block per row (its first cells in bold, each other value on its own labelled
line, a value wider than the terminal alone on the line below its label). An identifier is
never split either way."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from migrate.write import report_text

MIN_LAST = 24  # a last column that wraps (a change, a message) is worth a table only this wide
LABEL_WIDTH = 10
UNBOUNDED = 1 << 20  # measure unclamped: rich clamps a measurement to the width it is given


def show(
    console: Console,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    head: int = 2,
    wrap_last: bool = True,
) -> None:
    """ROWS under HEADER: a table if it fits, else blocks headed by the first HEAD cells. The
    last column wraps at spaces when WRAP_LAST (a sentence), else it is an identifier too."""
    table = fitted(console, header, rows, wrap_last)
    if table is not None:
        console.print(table)
        return
    width = console.width
    label_width = max(LABEL_WIDTH, *(len(h) for h in header[head:]))
    for cells in rows:
        bold = "  ".join(c for c in cells[:head] if c)
        console.print(Text(bold, style="bold"), soft_wrap=True)
        for label, value in zip(header[head:], cells[head:], strict=True):
            if value:
                for line in field(label, value, width, label_width):
                    console.print(Text(line), soft_wrap=True)


def fitted(
    console: Console, header: Sequence[str], rows: Sequence[Sequence[str]], wrap_last: bool
) -> Table | None:
    table = Table(title_justify="left")
    for name in header[:-1]:
        table.add_column(name, no_wrap=True)
    if wrap_last:
        table.add_column(header[-1], min_width=MIN_LAST, ratio=1)
    else:
        table.add_column(header[-1], no_wrap=True)
    for cells in rows:
        # Text, not str: a name from a file or a cluster is never read as rich markup
        table.add_row(*map(Text, cells))
    return table if fits(console, table) else None


def fits(console: Console, table: Table) -> bool:
    """Whether TABLE fits the terminal with every no_wrap column whole."""
    unclamped = console.options.update_width(UNBOUNDED)
    return Measurement.get(console, unclamped, table).minimum <= console.width


def field(label: str, value: str, width: int, label_width: int = LABEL_WIDTH) -> list[str]:
    """LABEL and VALUE wrapped at spaces under it; a value wider than the terminal goes whole
    on the line below its label."""
    prefix = "  " + label.ljust(label_width) + " "
    indent = " " * len(prefix)
    lines = report_text.wrap(value, width, indent)
    if len(lines[0]) <= width:
        return [prefix + lines[0][len(indent) :], *lines[1:]]
    return [prefix.rstrip(), *lines]


def split_ref(ref: str) -> tuple[str, str, str]:
    """Kind/namespace/name (or Kind/name, cluster-wide) as its three columns."""
    kind, _, rest = ref.partition("/")
    namespace, _, name = rest.rpartition("/")
    return kind, namespace, name
