"""What an action wants done to one document, as values: executed by splicing (blocks.py)
or, when the text's style does not allow it, by re-dumping the document (redump.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from migrate.write.rewrite.locate import Path


@dataclass(frozen=True)
class Scalar:
    value: str
    quoted: bool = False  # always write "..." (label values, ids): YAML 1.1 reads `true` as bool
    plain: bool = False  # write as is: a bool flag (`enabled: false`)


Pairs = tuple[tuple[str, Scalar], ...]


@dataclass(frozen=True)
class SetPairs:
    """Set keys of the mapping at PATH, creating the mappings on the way."""

    path: Path
    pairs: Pairs
    fold: bool = False  # match existing keys without regard to case (ClientID, clientid)


@dataclass(frozen=True)
class RemovePair:
    """Remove a key of the mapping at PATH (its whole line); `{}` if it was the last.
    A comment at the end of its line is kept: on HEIR's line (the key that takes its
    place, when it has no comment of its own), else alone where the line was; unless it
    matches STALE (a regular expression, case-insensitive): then it was about the line and
    goes with it."""

    path: Path
    key: str
    heir: str = ""
    stale: str = ""


@dataclass(frozen=True)
class AppendItem:
    """Append an item to the block sequence at PATH (created if missing), unless present."""

    path: Path
    item: Scalar | Pairs


@dataclass(frozen=True)
class RemoveItems:
    """Remove items of the sequence at PATH (their whole lines); `[]` if none is left."""

    path: Path
    indexes: tuple[int, ...]


Op = Union[SetPairs, RemovePair, AppendItem, RemoveItems]  # noqa: UP007


class NeedsRedump(Exception):
    """The text around a node cannot take a splice (flow style): re-dump the document."""

    def __init__(self, reason: str, line: int) -> None:
        super().__init__(f"line {line}: {reason}")
        self.reason, self.line = reason, line


class Unsafe(Exception):
    """The change cannot be made safely at all (an alias shared with other nodes)."""

    def __init__(self, reason: str, line: int) -> None:
        super().__init__(f"line {line}: {reason}")
        self.reason, self.line = reason, line
