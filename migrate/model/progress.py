"""Progress of the steps that take seconds on a big repo or cluster: reading files, listing
a cluster, rewriting files, rendering, the steps of a live stage in the cluster and in Azure.
Code that loops over such a step wraps its items in `track`; work that finishes in other
threads (Azure, in parallel) calls the `advance` that `counting` gives. The CLI listens (bars
on a terminal's stderr) or not (pipes, CI logs, tests), and without a listener `track` costs
one lookup and hands the items back untouched."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Protocol, TypeVar

T = TypeVar("T")


class Listener(Protocol):
    def track(self, items: Sequence[T], label: str) -> Iterator[T]: ...

    def count(self, total: int, label: str) -> AbstractContextManager[Callable[[], None]]: ...


_listener: ContextVar[Listener | None] = ContextVar("progress_listener", default=None)


def track(items: Sequence[T], label: str) -> Iterable[T]:
    """ITEMS, one by one, with LABEL and a count shown to the listener if there is one."""
    listener = _listener.get()
    return items if listener is None else listener.track(items, label)


@contextmanager
def counting(total: int, label: str) -> Iterator[Callable[[], None]]:
    """An `advance()` to call once per item done (from any thread), TOTAL items in all."""
    listener = _listener.get()
    if listener is None or total == 0:
        yield _nothing
        return
    with listener.count(total, label) as advance:
        yield advance


def _nothing() -> None:
    pass


@contextmanager
def reporting(listener: Listener | None) -> Iterator[None]:
    """Report the progress of everything run inside the block to LISTENER."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)
