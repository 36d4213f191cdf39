"""Which user-assigned identities are attached to a VM scale set or VM (Compute, read-only)."""

from __future__ import annotations

from migrate.azure import retry
from migrate.azure.context import AzureContext


def attached_identities(
    context: AzureContext, subscription: str, resource_group: str, name: str, scale_set: bool
) -> tuple[set[str], str]:
    """(lower-cased resource ids attached, "") or (empty, why Azure would not say)."""
    from azure.core.exceptions import AzureError

    compute = context.compute(subscription)
    operations = compute.virtual_machine_scale_sets if scale_set else compute.virtual_machines
    try:
        found = retry.call(lambda: operations.get(resource_group, name), context.retries)
    except AzureError as error:
        return set(), retry.describe(error)
    identity = found.identity
    return {rid.lower() for rid in (identity.user_assigned_identities or {})} if identity else (
        set()
    ), ""
