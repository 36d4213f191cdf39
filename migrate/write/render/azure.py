"""The Azure side of a stage, grouped by identity: shared by the az, terraform, bicep, aso targets.

Federated credentials of one identity must be written one after another (docs/domain.md §2:
concurrent writes fail with 409); every target gets them already grouped and ordered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from migrate.model.plan import (
    CreateFederatedCredential,
    CreateManagedIdentity,
    ManagedIdentity,
    Plan,
)
from migrate.write.render.quoting import identifier, oneline

ARM_ID = (
    "/subscriptions/{subscription}/resourceGroups/{resource_group}"
    "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
)


@dataclass(frozen=True)
class Credential:
    name: str
    issuer: str  # "" when the plan has no issuer: targets render a required variable instead
    subject: str
    audiences: tuple[str, ...]
    service_account: str  # "namespace/name"
    namespace: str  # the ServiceAccount's namespace
    key: str  # unique identifier among all credentials of the stage


@dataclass(frozen=True)
class Identity:
    name: str
    resource_group: str  # "" for a new identity without --identity-resource-group
    subscription: str  # "" for a new identity: the current subscription
    arm_id: str  # canonical casing ("resourceGroups"); "" for a new identity
    client_id: str  # "" for a new identity
    new: bool
    replaces: str  # the service-principal AzureIdentity "namespace/name" (new identities)
    namespace: str  # that AzureIdentity's namespace (new identities)
    service_principal: str  # its client id, whose role assignments the new identity needs
    key: str  # unique identifier among the stage's identities
    credentials: tuple[Credential, ...] = field(default=())


def identities(plan: Plan, stage: str) -> list[Identity]:
    """Identities touched by the stage, in plan order, each with its credentials in order."""
    found: dict[str, dict[str, Any]] = {}
    for action in plan.stage(stage):
        if isinstance(action, CreateManagedIdentity):
            entry = _entry(found, action.identity)
            entry["replaces"] = action.replaces
            entry["service_principal"] = action.service_principal_client_id
        elif isinstance(action, CreateFederatedCredential):
            _entry(found, action.identity)["credentials"].append(action)
    keys: set[str] = set()
    cred_keys: set[str] = set()
    out = []
    for entry in found.values():
        identity: ManagedIdentity = entry["identity"]
        key = _unique(identifier(identity.name), keys)
        credentials = []
        for c in entry["credentials"]:
            sa = c.service_account
            credentials.append(
                Credential(
                    name=c.credential.name,
                    issuer=c.credential.issuer,
                    subject=c.credential.subject,
                    audiences=c.credential.audiences,
                    service_account=f"{sa.namespace}/{sa.name}",
                    namespace=sa.namespace,
                    key=_unique(identifier(f"{key}_{c.credential.name}"), cred_keys),
                )
            )
        replaces = entry.get("replaces")
        out.append(
            Identity(
                name=identity.name,
                resource_group=identity.resource_group,
                subscription=identity.subscription,
                arm_id="" if identity.new else ARM_ID.format(**vars(identity)),
                client_id=identity.client_id,
                new=identity.new,
                replaces=f"{replaces.namespace}/{replaces.name}" if replaces else "",
                namespace=replaces.namespace if replaces else "",
                service_principal=entry.get("service_principal", ""),
                key=key,
                credentials=tuple(credentials),
            )
        )
    return out


def context(plan: Plan, stage: str) -> dict[str, Any]:
    found = identities(plan, stage)
    credentials = [c for i in found for c in i.credentials]
    return {
        "plan": plan,
        "stage": stage,
        "source": oneline(plan.shown_source),
        "identities": found,
        "new_identities": [i for i in found if i.new],
        "credentials": credentials,
        "issuer_unknown": any(not c.issuer for c in credentials),
        "resource_group_unknown": any(i.new and not i.resource_group for i in found),
    }


def _entry(found: dict[str, dict[str, Any]], identity: ManagedIdentity) -> dict[str, Any]:
    key = identity.key
    return found.setdefault(key, {"identity": identity, "credentials": []})


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    taken.add(candidate)
    return candidate
