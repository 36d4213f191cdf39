"""Progress bars (rich) on stderr, for a person at a terminal: one transient bar per step,
so what remains on screen afterwards is the command's own output."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from typing import TypeVar

from migrate.model.progress import Listener

T = TypeVar("T")


class Bars:
    def track(self, items: Sequence[T], label: str) -> Iterator[T]:
        # rich is loaded only when a bar is drawn: --help and pipes never pay for it
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=Console(file=sys.stderr), transient=True) as bars:
            yield from bars.track(items, total=len(items), description=label)


def on_terminal() -> Listener | None:
    """Bars when stderr is a terminal; nothing for a pipe, a file or a CI log."""
    if not sys.stderr.isatty():
        return None
    return Bars()
