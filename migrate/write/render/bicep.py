"""bicep: a subscription-scope deployment with one module per resource group of identities."""

from __future__ import annotations

from dataclasses import dataclass

import jinja2

from migrate.model.names import short_hash
from migrate.model.plan import Plan
from migrate.write import jinja as render
from migrate.write.render import azure
from migrate.write.render.output import RenderedFile
from migrate.write.render.quoting import identifier

API_VERSION = "2023-01-31"  # Microsoft.ManagedIdentity, GA; pinned so a deployment never drifts


@dataclass(frozen=True)
class Scope:
    """One module deployment: the identities of one resource group."""

    key: str  # Bicep identifier of the module
    deployment: str  # ARM deployment name (at most 64 characters)
    subscription: str  # "" for the deployment's subscription
    resource_group: str  # "" when it comes from the identityResourceGroup parameter
    identities: tuple[azure.Identity, ...]


def scopes(identities: list[azure.Identity]) -> list[Scope]:
    grouped: dict[tuple[str, str], list[azure.Identity]] = {}
    for identity in identities:
        key = (identity.subscription, identity.resource_group)
        grouped.setdefault(key, []).append(identity)
    out = []
    for n, ((subscription, group), members) in enumerate(grouped.items(), start=1):
        label = group or "new-identities"
        deployment = f"wi-migrate-{n}-{label}"
        if len(deployment) > 64:
            deployment = deployment[:55] + "-" + short_hash(deployment)
        out.append(
            Scope(identifier(f"rg_{n}_{label}"), deployment, subscription, group, tuple(members))
        )
    return out


def files(plan: Plan, stage: str, env: jinja2.Environment) -> list[RenderedFile]:
    context = azure.context(plan, stage)
    if not context["identities"]:
        return []
    context["scopes"] = scopes(context["identities"])
    context["api_version"] = API_VERSION
    return [
        RenderedFile("main.bicep", render.render(env, "bicep/main.bicep.j2", context)),
        RenderedFile(
            "federated-credentials.bicep",
            render.render(env, "bicep/federated-credentials.bicep.j2", context),
        ),
    ]
