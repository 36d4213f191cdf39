"""The four stages, the same for rewrite and the live job: their order, what "all" means,
what each does, what the live gate before it checks, what can be rolled back, and which
pod templates a stage cannot change on a live object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from migrate.errors import UserError

PREPARE = "prepare"
SWITCH = "switch"
RETIRE = "retire"
UNINSTALL = "uninstall"
ALL = "all"


@dataclass(frozen=True)
class Stage:
    name: str
    does: str
    gate: str  # what the live gate at its start checks ("" for none)
    reversible: bool  # `rollback --stage` can undo it


STAGES = (
    Stage(
        PREPARE,
        "federated credentials in Azure; ServiceAccounts created or annotated (pods still on PI)",
        "",
        True,
    ),
    Stage(
        SWITCH,
        "workloads get their ServiceAccount and the pod label azure.workload.identity/use",
        "every ServiceAccount and federated credential exists; the webhook is installed",
        True,
    ),
    Stage(
        RETIRE,
        "aadpodidbinding labels removed; bindings, identities and exceptions deleted (MIC runs)",
        "every switched pod is mutated (has a federated token) and ready",
        True,
    ),
    Stage(
        UNINSTALL,
        "NMI, MIC, their RBAC, exceptions and CRDs removed",
        "no AzureAssignedIdentity left, no pod still labelled aadpodidbinding",
        False,
    ),
)
ORDER = tuple(s.name for s in STAGES)
CHOICES = (*ORDER, ALL)  # --stage of rewrite and render
REVERSIBLE = tuple(s.name for s in STAGES if s.reversible)  # --stage of rollback

# kind -> stages whose change the API server rejects on a live object
IMMUTABLE: Mapping[str, tuple[str, ...]] = {
    "Pod": (SWITCH,),  # spec is immutable; metadata.labels are not
    "Job": (SWITCH, RETIRE),  # the whole pod template is immutable
}
IMMUTABLE_TEMPLATES = tuple(IMMUTABLE)  # kinds whose pod template a switch cannot patch


def selected(choice: str) -> tuple[str, ...]:
    """The stages a --stage value names, in order: one, or all four for "all"."""
    if choice == ALL:
        return ORDER
    if choice not in ORDER:
        raise UserError(f"unknown stage {choice!r}", f"use one of {', '.join(CHOICES)}")
    return (choice,)


def index(name: str) -> int:
    return ORDER.index(name)


def later(name: str) -> tuple[str, ...]:
    """The stages after this one: they must be rolled back first."""
    return ORDER[index(name) + 1 :]
