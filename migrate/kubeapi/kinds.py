"""Where each kind the toolkit reads or writes lives in the Kubernetes API (no SDK here)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from migrate.errors import UserError


@dataclass(frozen=True)
class Kind:
    kind: str
    group: str
    version: str
    plural: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str = "", name: str = "") -> str:
        """The collection (all namespaces when namespace is ""), or one object."""
        root = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        where = f"/namespaces/{quote(namespace)}" if self.namespaced and namespace else ""
        return f"{root}{where}/{self.plural}" + (f"/{quote(name)}" if name else "")


def _kinds(group: str, version: str, cluster: tuple[str, ...] = (), **plurals: str) -> list[Kind]:
    return [Kind(k, group, version, p, k not in cluster) for k, p in plurals.items()]


PI = "aadpodidentity.k8s.io"
KINDS: dict[str, Kind] = {
    k.kind: k
    for k in [
        *_kinds(
            "",
            "v1",
            ("Namespace", "Node"),
            Namespace="namespaces",
            Node="nodes",
            Pod="pods",
            ServiceAccount="serviceaccounts",
            Secret="secrets",
            ConfigMap="configmaps",
            Endpoints="endpoints",
            ReplicationController="replicationcontrollers",
        ),
        *_kinds(
            "apps",
            "v1",
            Deployment="deployments",
            StatefulSet="statefulsets",
            DaemonSet="daemonsets",
            ReplicaSet="replicasets",
        ),
        *_kinds("batch", "v1", Job="jobs", CronJob="cronjobs"),
        *_kinds(
            "rbac.authorization.k8s.io",
            "v1",
            ("ClusterRole", "ClusterRoleBinding"),
            RoleBinding="rolebindings",
            ClusterRole="clusterroles",
            ClusterRoleBinding="clusterrolebindings",
        ),
        *_kinds(
            "apiextensions.k8s.io",
            "v1",
            ("CustomResourceDefinition",),
            CustomResourceDefinition="customresourcedefinitions",
        ),
        *_kinds(
            "admissionregistration.k8s.io",
            "v1",
            ("MutatingWebhookConfiguration",),
            MutatingWebhookConfiguration="mutatingwebhookconfigurations",
        ),
        *_kinds("policy", "v1", PodDisruptionBudget="poddisruptionbudgets"),
        *_kinds("coordination.k8s.io", "v1", Lease="leases"),
        *_kinds(
            PI,
            "v1",
            AzureIdentity="azureidentities",
            AzureIdentityBinding="azureidentitybindings",
            AzurePodIdentityException="azurepodidentityexceptions",
            AzureAssignedIdentity="azureassignedidentities",
        ),
        *_kinds("secrets-store.csi.x-k8s.io", "v1", SecretProviderClass="secretproviderclasses"),
    ]
}


def kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise UserError(
            f"wi-migrate does not know where the kind {name} lives in the API",
            "this is a bug in the plan or the tool; report it with the plan file",
        ) from None
