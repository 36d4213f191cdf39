"""Edits as values: a span of the text and its replacement, applied in reverse order."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class RewriteError(Exception):
    """An edit could not be computed or applied; nothing is written."""


@dataclass(frozen=True, order=True)
class Edit:
    start: int  # character offset in the text (after the BOM)
    end: int  # exclusive; start == end is a pure insertion
    text: str
    why: str = ""  # which action asked for it, for messages


def apply(text: str, edits: Iterable[Edit]) -> str:
    """TEXT with every edit spliced in; overlapping edits are an error."""
    # insertions at one offset keep the order they were made in (sorted() is stable)
    ordered = sorted(dict.fromkeys(edits), key=lambda e: (e.start, e.end))
    for before, after in itertools.pairwise(ordered):
        if after.start < before.end:
            raise RewriteError(
                f"two edits overlap at offset {after.start} ({before.why}; {after.why})"
            )
    for edit in reversed(ordered):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text


def line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(i + 1 for i, c in enumerate(text) if c == "\n")
    return starts


def touched_lines(text: str, edits: Sequence[Edit]) -> set[int]:
    """0-based lines of TEXT whose content an edit replaces or deletes.

    A pure insertion at the start of a line touches nothing; one inside a line touches
    that line. A deletion that ends at a line start does not touch that line.
    """
    starts = line_starts(text)
    touched: set[int] = set()
    for edit in edits:
        first = bisect.bisect_right(starts, edit.start) - 1
        if edit.start == edit.end:
            if edit.start not in starts:
                touched.add(first)
            continue
        last = bisect.bisect_right(starts, edit.end - 1) - 1
        touched.update(range(first, last + 1))
    return touched
