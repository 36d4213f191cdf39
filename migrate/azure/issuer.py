"""The cluster's OIDC issuer: from AKS (ARM) or from the cluster's own discovery document.

Used exactly as published, trailing slash included: Entra compares it byte for byte (AADSTS70021).
"""

from __future__ import annotations

from dataclasses import dataclass

from migrate.azure import retry
from migrate.azure.context import AzureContext
from migrate.errors import UserError


@dataclass(frozen=True)
class AksCluster:
    subscription: str
    resource_group: str
    name: str
    location: str
    issuer: str  # "" when the OIDC issuer is not enabled
    workload_identity: bool  # securityProfile.workloadIdentity.enabled (the webhook add-on)
    pod_identity: bool  # podIdentityProfile.enabled (the AKS pod-identity add-on)

    def notes(self) -> list[str]:
        """What the user should know before migrating this cluster."""
        ref = f"-g {self.resource_group} -n {self.name}"
        out = []
        if not self.workload_identity:
            out.append(
                f"workload identity is not enabled on AKS {self.name}: pods will not be mutated "
                f"(az aks update {ref} --enable-workload-identity)"
            )
        if self.pod_identity:
            out.append(
                f"the AKS pod-identity add-on is on for {self.name}: uninstall through ARM after "
                f"the migration (az aks pod-identity delete ..., then az aks update {ref} "
                "--disable-pod-identity)"
            )
        return out


def parse_aks(value: str) -> tuple[str, str]:
    """RESOURCE_GROUP/NAME of --aks."""
    group, _, name = value.partition("/")
    if not group or not name or "/" in name:
        raise UserError(
            f"--aks {value!r} is not RESOURCE_GROUP/NAME", "e.g. --aks rg-prod/aks-prod"
        )
    return group, name


def aks_cluster(context: AzureContext, resource_group: str, name: str) -> AksCluster:
    from azure.core.exceptions import AzureError

    if not context.subscription:
        raise UserError("--aks needs the cluster's subscription", "pass --subscription ID")
    aks = context.container_service()
    try:
        cluster = retry.call(
            lambda: aks.managed_clusters.get(resource_group, name), context.retries
        )
    except AzureError as error:
        raise UserError(
            f"cannot read AKS cluster {resource_group}/{name}: {retry.describe(error)}",
            "check --subscription and --aks; reading a cluster needs "
            "Microsoft.ContainerService/managedClusters/read",
        ) from None
    oidc = cluster.oidc_issuer_profile
    security = cluster.security_profile
    pod_identity = cluster.pod_identity_profile
    return AksCluster(
        subscription=context.subscription,
        resource_group=resource_group,
        name=name,
        location=str(cluster.location or ""),
        issuer=str(oidc.issuer_url or "") if oidc is not None and oidc.enabled else "",
        workload_identity=bool(
            security is not None
            and security.workload_identity is not None
            and security.workload_identity.enabled
        ),
        pod_identity=bool(pod_identity is not None and pod_identity.enabled),
    )


def aks_issuer(cluster: AksCluster) -> str:
    if not cluster.issuer:
        raise UserError(
            f"AKS cluster {cluster.name} has no OIDC issuer",
            f"az aks update -g {cluster.resource_group} -n {cluster.name} --enable-oidc-issuer",
        )
    return cluster.issuer
