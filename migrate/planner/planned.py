"""What one planning step adds: its actions and findings, a value each rule returns."""

from __future__ import annotations

from dataclasses import dataclass

from migrate.model.inventory import Finding
from migrate.model.plan import Action


@dataclass(frozen=True)
class Planned:
    actions: tuple[Action, ...] = ()
    findings: tuple[Finding, ...] = ()

    def __add__(self, other: Planned) -> Planned:
        return Planned(self.actions + other.actions, self.findings + other.findings)


NOTHING = Planned()


def found(*findings: Finding) -> Planned:
    return Planned((), findings)


def acts(*actions: Action) -> Planned:
    return Planned(actions, ())
