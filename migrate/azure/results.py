"""Per-item outcomes of the Azure side: values, never exceptions (STYLE.md §5)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

CHANGED = "changed"
UNCHANGED = "unchanged"
PENDING = "pending"  # a dry run: would be written with --yes
SKIPPED = "skipped"  # not done by the tool; `commands` say how to do it by hand
FAILED = "failed"
STATUSES = (CHANGED, UNCHANGED, PENDING, SKIPPED, FAILED)


@dataclass(frozen=True)
class ItemResult:
    """What happened to one thing in Azure: an identity, a credential, a role assignment."""

    kind: str  # "managed-identity", "federated-credential" or "role-assignment"
    target: str  # e.g. "id-orders-api/cluster-orders-orders-api"
    status: str  # one of STATUSES
    detail: str  # what was done, or why not
    commands: tuple[str, ...] = ()  # for SKIPPED: the commands that do it by hand


OnResult = Callable[[ItemResult], None]


def counts(results: Iterable[ItemResult]) -> dict[str, int]:
    found = Counter(r.status for r in results)
    return {status: found[status] for status in STATUSES if found[status]}


def summary(results: Iterable[ItemResult]) -> str:
    found = counts(results)
    return ", ".join(f"{n} {status}" for status, n in found.items()) or "nothing to do"


def failed(results: Iterable[ItemResult]) -> bool:
    return any(r.status == FAILED for r in results)
