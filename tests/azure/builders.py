"""Plans, actions and manifests for the Azure tests."""

from __future__ import annotations

from pathlib import Path

from migrate.model.inventory import ObjectRef
from migrate.model.plan import (
    CreateFederatedCredential,
    CreateManagedIdentity,
    FederatedCredential,
    ManagedIdentity,
    Plan,
    Settings,
)

TENANT = "6f2c1a9e-0d4b-4f43-9a57-0d4a8c1e2b3c"
SUBSCRIPTION = "00000000-0000-0000-0000-00000000a11e"
ISSUER = "https://westeurope.oic.prod-aks.azure.com/6f2c1a9e/5b1d7c3e/"


def subject(namespace: str, account: str) -> str:
    return f"system:serviceaccount:{namespace}:{account}"


def identity(seeded: dict[str, str]) -> ManagedIdentity:
    """The plan's view of an identity the fake holds (from FakeAzure.add_identity)."""
    return ManagedIdentity(
        name=seeded["name"],
        resource_group=seeded["resourceGroup"],
        subscription=seeded["subscription"],
        resource_id=seeded["id"],
        client_id=seeded["clientId"],
    )


def fic(
    managed: ManagedIdentity, name: str, namespace: str, account: str, issuer: str = ISSUER
) -> CreateFederatedCredential:
    return CreateFederatedCredential(
        "prepare",
        managed,
        FederatedCredential(name, issuer, subject(namespace, account)),
        ObjectRef("ServiceAccount", account, namespace, "v1"),
        (),
    )


def new_identity(name: str, resource_group: str, sp_client_id: str) -> CreateManagedIdentity:
    return CreateManagedIdentity(
        "prepare",
        ManagedIdentity(name, resource_group, "", "", "", TENANT),
        ObjectRef("AzureIdentity", name, "legacy", "aadpodidentity.k8s.io/v1"),
        sp_client_id,
        (),
    )


def plan_of(*actions: object) -> Plan:
    return Plan(Settings(issuer=ISSUER), "test", tuple(actions))  # type: ignore[arg-type]


def write_app(
    folder: Path,
    namespace: str,
    selector: str,
    *,
    resource_id: str = "",
    client_id: str = "",
    sp_client_id: str = "",
) -> Path:
    """An AzureIdentity (a UAMI, or a service principal with sp_client_id), its binding and a
    Deployment using it, in folder/<namespace>-<selector>.yaml."""
    if sp_client_id:
        spec = (
            f"  type: 1\n  tenantID: {TENANT}\n  clientID: {sp_client_id}\n"
            f"  clientPassword:\n    name: {selector}-secret\n    namespace: {namespace}\n"
        )
    else:
        spec = f"  type: 0\n  resourceID: {resource_id}\n  clientID: {client_id}\n"
    text = f"""apiVersion: aadpodidentity.k8s.io/v1
kind: AzureIdentity
metadata:
  name: {selector}
  namespace: {namespace}
spec:
{spec}---
apiVersion: aadpodidentity.k8s.io/v1
kind: AzureIdentityBinding
metadata:
  name: {selector}-binding
  namespace: {namespace}
spec:
  azureIdentity: {selector}
  selector: {selector}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {selector}
  namespace: {namespace}
spec:
  selector:
    matchLabels:
      app: {selector}
  template:
    metadata:
      labels:
        app: {selector}
        aadpodidbinding: {selector}
    spec:
      containers:
        - name: app
          image: example.azurecr.io/{selector}:1.0
"""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{namespace}-{selector}.yaml"
    path.write_text(text, encoding="utf-8")
    return path
