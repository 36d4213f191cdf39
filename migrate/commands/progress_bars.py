"""Progress bars (rich) on stderr, for a person at a terminal: one transient bar per step,
so what remains on screen afterwards is the command's own output."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from migrate.model.progress import Listener

T = TypeVar("T")


class Bars:
    def track(self, items: Sequence[T], label: str) -> Iterator[T]:
        with _progress() as bars:
            yield from bars.track(items, total=len(items), description=label)

    @contextmanager
    def count(self, total: int, label: str) -> Iterator[Callable[[], None]]:
        with _progress() as bars:
            task = bars.add_task(label, total=total)
            yield lambda: bars.advance(task)  # rich's Progress takes a lock: any thread may call


def _progress() -> Any:
    # rich is loaded only when a bar is drawn: --help and pipes never pay for it
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    return Progress(*columns, console=Console(file=sys.stderr), transient=True)


def on_terminal() -> Listener | None:
    """Bars when stderr is a terminal; nothing for a pipe, a file or a CI log."""
    if not sys.stderr.isatty():
        return None
    return Bars()
