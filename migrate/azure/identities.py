"""User-assigned identities for service-principal AzureIdentities (types 1 and 2).

The service principal's secret or certificate is never read: only its client id is in the plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from migrate.azure import retry
from migrate.azure.context import AzureContext
from migrate.azure.results import CHANGED, FAILED, PENDING, UNCHANGED, ItemResult, OnResult
from migrate.model.plan import CreateManagedIdentity, ManagedIdentity

KIND = "managed-identity"
REPLACES_TAG = "wi-migrate-replaces"  # ARM tag names may not contain "/"


@dataclass(frozen=True)
class IdentityOutcome:
    action: CreateManagedIdentity
    identity: ManagedIdentity  # resource_id, client_id, subscription filled once it exists
    principal_id: str  # object id of the new identity; "" until it exists
    result: ItemResult

    @property
    def exists(self) -> bool:
        return bool(self.identity.resource_id)


def ensure_identities(
    actions: Sequence[CreateManagedIdentity],
    context: AzureContext,
    *,
    write: bool,
    location: str = "",
    on_result: OnResult | None = None,
) -> list[IdentityOutcome]:
    """Each planned identity read, and created when missing (with `write`). One outcome each."""
    outcomes = []
    for action in actions:
        outcome = _ensure(action, context, write, location)
        if on_result is not None:
            on_result(outcome.result)
        outcomes.append(outcome)
    return outcomes


def _ensure(
    action: CreateManagedIdentity, context: AzureContext, write: bool, location: str
) -> IdentityOutcome:
    from azure.core.exceptions import AzureError

    planned = action.identity
    subscription = planned.subscription or context.subscription
    if not planned.resource_group:
        return _outcome(
            action,
            planned,
            FAILED,
            "no resource group for the new identity: plan with --identity-resource-group RG",
        )
    if not subscription:
        return _outcome(action, planned, FAILED, "no subscription: pass --subscription ID")
    planned = replace(planned, subscription=subscription)
    msi = context.msi(subscription)
    try:
        found = retry.call(
            lambda: msi.user_assigned_identities.get(planned.resource_group, planned.name),
            context.retries,
        )
        return _existing(action, planned, found, UNCHANGED, "exists")
    except AzureError as error:
        if not retry.is_not_found(error):
            return _outcome(action, planned, FAILED, retry.describe(error))
    where = f"{planned.resource_group}/{planned.name}"
    if not write:
        return _outcome(action, planned, PENDING, f"would create {where} (dry run)")
    if not location:
        return _outcome(
            action,
            planned,
            FAILED,
            "a new identity needs a location: pass --location (or --aks, which uses the cluster's)",
        )
    body = {"location": location, "tags": {REPLACES_TAG: str(action.replaces)}}
    try:
        created = retry.call(
            lambda: msi.user_assigned_identities.create_or_update(
                planned.resource_group, planned.name, body
            ),
            context.retries,
        )
    except AzureError as error:
        return _outcome(action, planned, FAILED, retry.describe(error))
    return _existing(action, planned, created, CHANGED, f"created in {location}")


def _existing(
    action: CreateManagedIdentity, planned: ManagedIdentity, found: object, status: str, what: str
) -> IdentityOutcome:
    identity = replace(
        planned,
        resource_id=str(getattr(found, "id", "")),
        client_id=str(getattr(found, "client_id", "") or ""),
        tenant_id=str(getattr(found, "tenant_id", "") or planned.tenant_id),
    )
    principal = str(getattr(found, "principal_id", "") or "")
    detail = f"{what}: client id {identity.client_id}, replaces {action.replaces}"
    return IdentityOutcome(action, identity, principal, _item(planned, status, detail))


def _outcome(
    action: CreateManagedIdentity, planned: ManagedIdentity, status: str, detail: str
) -> IdentityOutcome:
    return IdentityOutcome(action, planned, "", _item(planned, status, detail))


def _item(identity: ManagedIdentity, status: str, detail: str) -> ItemResult:
    target = f"{identity.resource_group or '<resource-group>'}/{identity.name}"
    return ItemResult(KIND, target, status, detail)
