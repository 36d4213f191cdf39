"""aso: Azure Service Operator v2 resources, so a GitOps repo can own the Azure side too.

Existing identities are owners by ARM id; a new identity is an ASO UserAssignedIdentity
and owns its credentials by name (same namespace: the replaced AzureIdentity's).
"""

from __future__ import annotations

from dataclasses import dataclass

import jinja2

from migrate.model.names import dns_subdomain
from migrate.model.plan import Plan
from migrate.write import jinja as render
from migrate.write.render import azure
from migrate.write.render.output import RenderedFile

API_VERSION = "managedidentity.azure.com/v1api20230131"
ISSUER_CONFIG_MAP = "oidc-issuer"  # key "issuer"; ManagedCluster operatorSpec can export it


@dataclass(frozen=True)
class Resource:
    path: str
    template: str
    name: str  # metadata.name
    namespace: str
    identity: azure.Identity
    credential: azure.Credential | None = None


def resources(identities: list[azure.Identity]) -> list[Resource]:
    out = []
    for identity in identities:
        if identity.new:
            name = dns_subdomain(identity.name)
            out.append(
                Resource(
                    f"{identity.namespace}/userassignedidentity-{name}.yaml",
                    "aso/user-assigned-identity.yaml.j2",
                    name,
                    identity.namespace,
                    identity,
                )
            )
        for c in identity.credentials:
            # the identity's name too: one ServiceAccount may federate with several identities
            name = dns_subdomain(f"{identity.name}-{c.name}")
            namespace = identity.namespace if identity.new else c.namespace
            out.append(
                Resource(
                    f"{namespace}/federatedidentitycredential-{name}.yaml",
                    "aso/federated-identity-credential.yaml.j2",
                    name,
                    namespace,
                    identity,
                    c,
                )
            )
    return out


def files(plan: Plan, stage: str, env: jinja2.Environment) -> list[RenderedFile]:
    context = azure.context(plan, stage)
    if not context["identities"]:
        return []
    found = resources(context["identities"])
    context.update(api_version=API_VERSION, issuer_config_map=ISSUER_CONFIG_MAP)
    out = [
        RenderedFile(r.path, render.render(env, r.template, {**context, "resource": r}))
        for r in found
    ]
    context["resources"] = found
    out.append(
        RenderedFile("kustomization.yaml", render.render(env, "aso/kustomization.yaml.j2", context))
    )
    return out
