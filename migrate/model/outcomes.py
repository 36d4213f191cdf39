"""How a writer runs (the one write-back switch) and what came of it (one tally, one exit code).

Every command that writes (rewrite, render, apply, credentials, rollback) takes a WriteBack,
its writer returns per-item statuses, and Tally turns them into the summary line and the exit
code: no command counts by hand.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from migrate.errors import EXIT_CHANGES, EXIT_ERROR, EXIT_OK

CHANGED = "changed"
UNCHANGED = "unchanged"
PENDING = "pending"  # not written: would be with --yes / without --check
SKIPPED = "skipped"  # not done by the tool; what to do by hand is said beside it
FAILED = "failed"
STATUSES = (CHANGED, UNCHANGED, PENDING, SKIPPED, FAILED)


class WriteBack(enum.Enum):
    """Whether a writer writes, and what it shows instead when it does not."""

    WRITE = "write"  # rewrite / render; apply, credentials and rollback with --yes
    PREVIEW = "preview"  # apply, credentials, rollback without --yes: what would change
    CHECK = "check"  # rewrite --check: nothing written; exit 1 when anything would change
    DIFF = "diff"  # rewrite --diff: nothing written; unified diffs printed
    SERVER_DRY_RUN = "server-dry-run"  # apply --dry-run=server: every write sent with dryRun

    @classmethod
    def of(
        cls, *, yes: bool = True, check: bool = False, diff: bool = False, server: bool = False
    ) -> WriteBack:
        if server:
            return cls.SERVER_DRY_RUN
        if check:
            return cls.CHECK
        if diff:
            return cls.DIFF
        return cls.WRITE if yes else cls.PREVIEW

    @property
    def writes(self) -> bool:
        """Requests that change something are sent (a server dry run sends them too)."""
        return self in (WriteBack.WRITE, WriteBack.SERVER_DRY_RUN)


@dataclass(frozen=True)
class Tally:
    """Outcomes counted by status."""

    counts: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, statuses: Iterable[str]) -> Tally:
        found = Counter(statuses)
        return cls({status: found[status] for status in STATUSES if found[status]})

    def __getitem__(self, status: str) -> int:
        return self.counts.get(status, 0)

    @property
    def to_do(self) -> int:
        """Items changed, or that would change."""
        return self[CHANGED] + self[PENDING]

    def summary(self) -> str:
        return ", ".join(f"{n} {status}" for status, n in self.counts.items()) or "nothing to do"

    def exit_code(self, writeback: WriteBack, *, changes_exit: bool = False) -> int:
        """1 when anything failed (or `--check` finds work); 2 for work left when the caller
        asked for it (`--exit-code`); else 0."""
        if self[FAILED] or (writeback is WriteBack.CHECK and self.to_do):
            return EXIT_ERROR
        if changes_exit and self.to_do and not writeback.writes:
            return EXIT_CHANGES
        return EXIT_OK
