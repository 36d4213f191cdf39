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
    done_when: str  # what must hold before the next stage (the live gate there checks it)
    reversible: bool  # `rollback --stage` can undo it


STAGES = (
    Stage(
        PREPARE,
        "federated credentials in Azure; ServiceAccounts created or annotated (pods still on PI)",
        "every federated credential exists, the workload identity webhook is installed, "
        "and a token check per ServiceAccount passes",
        True,
    ),
    Stage(
        SWITCH,
        "workloads get their ServiceAccount and the pod label azure.workload.identity/use",
        "every pod of every switched workload is mutated (has AZURE_FEDERATED_TOKEN_FILE) "
        "and ready",
        True,
    ),
    Stage(
        RETIRE,
        "aadpodidbinding labels removed; bindings, identities and exceptions deleted (MIC runs)",
        "no AzureAssignedIdentity is left and no pod is still labelled aadpodidbinding",
        True,
    ),
    Stage(
        UNINSTALL,
        "NMI, MIC, their RBAC, exceptions and CRDs removed",
        "none: this is the last stage",
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


def named(name: str) -> Stage:
    return STAGES[index(name)]


def index(name: str) -> int:
    return ORDER.index(name)


def later(name: str) -> tuple[str, ...]:
    """The stages after this one: they must be rolled back first."""
    return ORDER[index(name) + 1 :]
