"""The Azure part of the prepare stage, in order: identities for service principals, their
federated credentials and role assignments, then the credentials of existing identities."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from migrate.azure.binding import bind_identities
from migrate.azure.context import AzureContext
from migrate.azure.federated import ensure_federated_credentials
from migrate.azure.identities import ensure_identities
from migrate.azure.results import ItemResult, OnResult
from migrate.azure.roles import copy_role_assignments
from migrate.model.plan import CreateFederatedCredential, CreateManagedIdentity, Plan
from migrate.model.stages import PREPARE
from migrate.model.trust import refuse_invalid_credentials


@dataclass(frozen=True)
class AzurePrepared:
    plan: Plan  # the input plan with the identities that now exist bound in (client ids known)
    results: tuple[ItemResult, ...]  # identities, then credentials, then role assignments


def prepare_azure(
    plan: Plan,
    context: AzureContext,
    *,
    write: bool,
    location: str = "",
    sp_object_ids: Mapping[str, str] | None = None,
    on_result: OnResult | None = None,
) -> AzurePrepared:
    """Everything the prepare stage needs in Azure. A dry run (`write=False`) only reads."""
    refuse_invalid_credentials(plan, "create federated credentials")
    context.sign_in()
    stage = plan.stage(PREPARE)
    new = [a for a in stage if isinstance(a, CreateManagedIdentity)]
    outcomes = ensure_identities(new, context, write=write, location=location, on_result=on_result)
    bound = bind_identities(plan, [o.identity for o in outcomes if o.exists])
    credentials = [a for a in bound.stage(PREPARE) if isinstance(a, CreateFederatedCredential)]
    fics = ensure_federated_credentials(credentials, context, write=write, on_result=on_result)
    ids = {k.lower(): v for k, v in (sp_object_ids or {}).items()}
    roles: list[ItemResult] = []
    for outcome in outcomes:
        if outcome.result.status == "failed":
            continue
        sp = outcome.action.service_principal_client_id.lower()
        roles += copy_role_assignments(
            outcome, context, write=write, sp_object_id=ids.get(sp, ""), on_result=on_result
        )
    return AzurePrepared(bound, (*(o.result for o in outcomes), *fics, *roles))
