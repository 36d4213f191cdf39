"""Why Entra refused a token: the identity's federated credentials next to the token's claims."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from migrate.azure import retry
from migrate.azure.context import AzureContext
from migrate.azure.federated import list_existing
from migrate.model.plan import ManagedIdentity


@dataclass(frozen=True)
class Mismatch:
    text: str
    propagating: bool  # a matching credential exists (or may): worth retrying


def resolve_identity(
    identity: ManagedIdentity, context: AzureContext, tenant_id: str = ""
) -> ManagedIdentity | str:
    """The identity with client and tenant ids, read from ARM when the plan lacks them; or why
    it cannot be checked."""
    from azure.core.exceptions import AzureError

    tenant = tenant_id or identity.tenant_id
    if identity.client_id and tenant:
        return dataclasses.replace(identity, tenant_id=tenant)
    subscription = identity.subscription or context.subscription
    if not identity.resource_group or not subscription:
        return f"identity {identity} cannot be looked up: pass --subscription and --tenant-id"
    msi = context.msi(subscription)
    try:
        found = retry.call(
            lambda: msi.user_assigned_identities.get(identity.resource_group, identity.name),
            context.retries,
        )
    except AzureError as error:
        if retry.is_not_found(error):
            return f"identity {identity} does not exist: run wi-migrate credentials --yes first"
        return f"cannot read identity {identity} ({retry.describe(error)}): pass --tenant-id"
    return dataclasses.replace(
        identity,
        subscription=subscription,
        resource_id=identity.resource_id or str(found.id),
        client_id=identity.client_id or str(found.client_id),
        tenant_id=tenant or str(found.tenant_id or ""),
    )


def no_match(identity: ManagedIdentity, claims: dict[str, Any], context: AzureContext) -> Mismatch:
    """The nearest federated credential and how it differs from the token."""
    from azure.core.exceptions import AzureError

    issuer, subject = str(claims.get("iss", "")), str(claims.get("sub", ""))
    audiences = claims.get("aud")
    audiences = [audiences] if isinstance(audiences, str) else list(audiences or [])
    token = f"issuer {issuer!r}, subject {subject!r}"
    try:
        found = list_existing(identity, context)
    except AzureError as error:
        return Mismatch(
            f"no federated credential on {identity.name} matches {token} (its credentials "
            f"could not be listed: {retry.describe(error)})",
            propagating=True,
        )
    exact = [c for c in found if (c.issuer, c.subject) == (issuer, subject)]
    for c in exact:
        if c.audiences and c.audiences[0] in audiences:
            return Mismatch(
                f"credential {c.name} matches but Entra does not honour it yet (a new "
                "credential takes seconds to minutes to propagate)",
                propagating=True,
            )
        return Mismatch(
            f"audience mismatch: credential {c.name} has audiences {list(c.audiences)}, the "
            f"token carries {audiences}",
            propagating=False,
        )
    same_subject = [c for c in found if c.subject == subject]
    if same_subject:
        c = same_subject[0]
        slash = (
            " (only the trailing '/' differs: use the issuer exactly as published)"
            if c.issuer.rstrip("/") == issuer.rstrip("/")
            else ""
        )
        return Mismatch(
            f"issuer mismatch: credential {c.name} has issuer {c.issuer!r}, the cluster's "
            f"tokens carry {issuer!r}{slash}",
            propagating=False,
        )
    same_issuer = [c for c in found if c.issuer == issuer]
    if same_issuer:
        nearest = ", ".join(f"{c.name} ({c.subject})" for c in same_issuer[:3])
        return Mismatch(
            f"subject mismatch: no credential on {identity.name} for {subject!r}; for this "
            f"issuer it has {nearest}: create the credential (wi-migrate credentials --yes)",
            propagating=False,
        )
    issuers = sorted({c.issuer for c in found})
    return Mismatch(
        f"issuer mismatch: {identity.name} has {len(found)} credentials, none for issuer "
        f"{issuer!r}" + (f" (issuers: {', '.join(issuers[:3])})" if issuers else ""),
        propagating=False,
    )
