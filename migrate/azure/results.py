"""Per-item outcomes of the Azure side: values, never exceptions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from migrate.model.outcomes import CHANGED, FAILED, PENDING, SKIPPED, STATUSES, UNCHANGED, Tally

__all__ = ["CHANGED", "FAILED", "PENDING", "SKIPPED", "STATUSES", "UNCHANGED"]


@dataclass(frozen=True)
class ItemResult:
    """What happened to one thing in Azure: an identity, a credential, a role assignment."""

    kind: str  # "managed-identity", "federated-credential" or "role-assignment"
    target: str  # e.g. "id-orders-api/cluster-orders-orders-api"
    status: str  # one of STATUSES
    detail: str  # what was done, or why not
    commands: tuple[str, ...] = ()  # for SKIPPED: the commands that do it by hand


OnResult = Callable[[ItemResult], None]


def tally(results: Iterable[ItemResult]) -> Tally:
    return Tally.of(r.status for r in results)
