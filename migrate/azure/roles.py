"""Copy a service principal's role assignments to the identity that replaces it.

Finding the assignments needs the service principal's object id (the plan has its client id;
resolving one to the other is Microsoft Graph, out of scope): `--sp-object-id CLIENT=OBJECT`.
Without it, or without the right to read or write role assignments, the `az` commands that do the
same are rendered instead.
"""

from __future__ import annotations

import uuid
from typing import Any

from migrate.azure import retry
from migrate.azure.context import AzureContext
from migrate.azure.identities import IdentityOutcome
from migrate.azure.results import (
    CHANGED,
    FAILED,
    PENDING,
    SKIPPED,
    UNCHANGED,
    ItemResult,
    OnResult,
)

KIND = "role-assignment"
# Stable assignment names: a re-run finds its own assignments instead of adding twins.
NAMESPACE = uuid.UUID("8a6f3c52-4a0e-4f59-9d7e-2f6b1f0c9a11")


def copy_role_assignments(
    outcome: IdentityOutcome,
    context: AzureContext,
    *,
    write: bool,
    sp_object_id: str = "",
    on_result: OnResult | None = None,
) -> list[ItemResult]:
    results = _copy(outcome, context, write, sp_object_id)
    for result in results:
        if on_result is not None:
            on_result(result)
    return results


def _copy(
    outcome: IdentityOutcome, context: AzureContext, write: bool, sp_object_id: str
) -> list[ItemResult]:
    from azure.core.exceptions import AzureError

    sp = outcome.action.service_principal_client_id
    identity = outcome.identity
    if not sp_object_id:
        why = (
            f"the object id of service principal {sp} is unknown (pass --sp-object-id "
            f"{sp}=OBJECT_ID to copy them here), or run:"
        )
        return [_manual(outcome, why)]
    auth = context.authorization(identity.subscription or context.subscription)
    try:
        old = _assignments(auth, sp_object_id, context)
        granted = _assignments(auth, outcome.principal_id, context) if outcome.principal_id else []
    except AzureError as error:
        if retry.is_forbidden(error):
            return [_manual(outcome, "not allowed to read role assignments; run:")]
        return [_item(outcome, "(list)", FAILED, retry.describe(error))]
    if not old:
        return [_item(outcome, "(none)", UNCHANGED, f"service principal {sp} has none to copy")]
    have = {_grant(a) for a in granted}
    results = []
    for assignment in old:
        role, scope = _grant(assignment)
        target = f"{role.rsplit('/', 1)[-1]} at {scope}"
        if (role, scope) in have:
            results.append(_item(outcome, target, UNCHANGED, "already granted"))
        elif not outcome.principal_id or not write:
            results.append(_item(outcome, target, PENDING, "would grant to the new identity"))
        else:
            results.append(_create(outcome, auth, assignment, target, context))
    return results


def _assignments(auth: Any, principal_id: str, context: AzureContext) -> list[Any]:
    # at, above and below the subscription: everything the principal holds there
    query = f"principalId eq '{principal_id}'"
    return retry.call(
        lambda: list(auth.role_assignments.list_for_subscription(filter=query)), context.retries
    )


def _create(
    outcome: IdentityOutcome, auth: Any, assignment: Any, target: str, context: AzureContext
) -> ItemResult:
    from azure.core.exceptions import AzureError

    role, scope = assignment.role_definition_id, assignment.scope
    name = str(uuid.uuid5(NAMESPACE, f"{outcome.principal_id}|{role.lower()}|{scope.lower()}"))
    body = {
        "role_definition_id": role,
        "principal_id": outcome.principal_id,
        # a brand-new identity may not have replicated yet; the type lets ARM skip the lookup
        "principal_type": "ServicePrincipal",
    }
    try:
        retry.call(lambda: auth.role_assignments.create(scope, name, body), context.retries)
    except AzureError as error:
        if retry.code_of(error) == "RoleAssignmentExists":
            return _item(outcome, target, UNCHANGED, "already granted")
        if retry.is_forbidden(error):
            command = _create_command(outcome, f'"{role}"', f'"{scope}"')
            return ItemResult(
                KIND, _target(outcome, target), SKIPPED, "not allowed to grant; run:", (command,)
            )
        return _item(outcome, target, FAILED, retry.describe(error))
    return _item(outcome, target, CHANGED, "granted to the new identity")


def _grant(assignment: Any) -> tuple[str, str]:
    return (str(assignment.role_definition_id).lower(), str(assignment.scope).lower())


def _manual(outcome: IdentityOutcome, why: str) -> ItemResult:
    sp = outcome.action.service_principal_client_id
    listing = (
        f"az role assignment list --assignee {sp} --all "
        '--query "[].[roleDefinitionId, scope]" -o tsv'
    )
    create = _create_command(outcome, '"$role"', '"$scope"')
    loop = f"{listing} | while read -r role scope; do {create}; done"
    return ItemResult(KIND, _target(outcome, "(all)"), SKIPPED, why.strip(), (loop,))


def _create_command(outcome: IdentityOutcome, role: str, scope: str) -> str:
    identity = outcome.identity
    principal = outcome.principal_id or (
        f"$(az identity show -g {identity.resource_group} -n {identity.name} "
        "--query principalId -o tsv)"
    )
    return (
        f"az role assignment create --assignee-object-id {principal} "
        f"--assignee-principal-type ServicePrincipal --role {role} --scope {scope}"
    )


def _target(outcome: IdentityOutcome, what: str) -> str:
    return f"{outcome.identity.name}: {what}"


def _item(outcome: IdentityOutcome, what: str, status: str, detail: str) -> ItemResult:
    return ItemResult(KIND, _target(outcome, what), status, detail)
