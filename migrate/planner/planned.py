"""What one planning step adds: its actions and findings, a value each rule returns."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from migrate.model.inventory import Finding
from migrate.model.plan import Action


@dataclass(frozen=True)
class Planned:
    actions: tuple[Action, ...] = ()
    findings: tuple[Finding, ...] = ()

    def __add__(self, other: Planned) -> Planned:
        return Planned(self.actions + other.actions, self.findings + other.findings)

    @classmethod
    def join(cls, parts: Iterable[Planned]) -> Planned:
        """All the parts in one, copied once (adding them one by one copies quadratically)."""
        parts = list(parts)
        return cls(
            tuple(a for p in parts for a in p.actions), tuple(f for p in parts for f in p.findings)
        )


NOTHING = Planned()


def found(*findings: Finding) -> Planned:
    return Planned((), findings)


def acts(*actions: Action) -> Planned:
    return Planned(actions, ())
