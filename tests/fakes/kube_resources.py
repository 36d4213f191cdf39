"""Resources the fake serves: built-in kinds and those of stored CRDs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

Object = dict[str, Any]
Key = tuple[str, str]  # (namespace, name); namespace is "" for cluster-scoped objects
_T = TypeVar("_T")

# --- resources -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True
    custom: bool = False  # served because a CustomResourceDefinition exists

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def storage(self) -> tuple[str, str]:
        return (self.group, self.plural)

    @property
    def qualified(self) -> str:
        """`deployments.apps`, as the API server names a resource in error messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def discovery(self) -> Object:
        return {
            "name": self.plural,
            "singularName": self.kind.lower(),
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": ["create", "delete", "get", "list", "patch", "update"],
        }


def _resources(group: str, cluster: set[str], **kinds: str) -> list[Resource]:
    return [
        Resource(group, "v1", plural, kind, namespaced=plural not in cluster)
        for plural, kind in kinds.items()
    ]


BUILTIN_RESOURCES: tuple[Resource, ...] = (
    *_resources(
        "",
        {"namespaces", "nodes"},
        namespaces="Namespace",
        nodes="Node",
        pods="Pod",
        serviceaccounts="ServiceAccount",
        secrets="Secret",
        configmaps="ConfigMap",
        endpoints="Endpoints",
        services="Service",
    ),
    *_resources(
        "apps",
        set(),
        deployments="Deployment",
        statefulsets="StatefulSet",
        daemonsets="DaemonSet",
        replicasets="ReplicaSet",
    ),
    *_resources("batch", set(), jobs="Job", cronjobs="CronJob"),
    *_resources(
        "rbac.authorization.k8s.io",
        {"clusterroles", "clusterrolebindings"},
        roles="Role",
        rolebindings="RoleBinding",
        clusterroles="ClusterRole",
        clusterrolebindings="ClusterRoleBinding",
    ),
    *_resources(
        "apiextensions.k8s.io",
        {"customresourcedefinitions"},
        customresourcedefinitions="CustomResourceDefinition",
    ),
    *_resources(
        "admissionregistration.k8s.io",
        {"mutatingwebhookconfigurations"},
        mutatingwebhookconfigurations="MutatingWebhookConfiguration",
    ),
    *_resources("policy", set(), poddisruptionbudgets="PodDisruptionBudget"),
    *_resources("coordination.k8s.io", set(), leases="Lease"),
)
CRD_STORAGE = ("apiextensions.k8s.io", "customresourcedefinitions")
TOKEN_REQUEST_DISCOVERY: Object = {
    "name": "serviceaccounts/token",
    "singularName": "",
    "namespaced": True,
    "group": "authentication.k8s.io",
    "version": "v1",
    "kind": "TokenRequest",
    "verbs": ["create"],
}


def custom_resource_definition(
    group: str, kind: str, plural: str, *, namespaced: bool = True, version: str = "v1"
) -> Object:
    """A minimal CustomResourceDefinition; seed it to serve another custom kind."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced" if namespaced else "Cluster",
            "names": {"kind": kind, "plural": plural, "singular": kind.lower()},
            "versions": [
                {
                    "name": version,
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            ],
        },
    }


DEFAULT_CRDS: tuple[Object, ...] = (
    custom_resource_definition("aadpodidentity.k8s.io", "AzureIdentity", "azureidentities"),
    custom_resource_definition(
        "aadpodidentity.k8s.io", "AzureIdentityBinding", "azureidentitybindings"
    ),
    custom_resource_definition(
        "aadpodidentity.k8s.io", "AzurePodIdentityException", "azurepodidentityexceptions"
    ),
    custom_resource_definition(
        "aadpodidentity.k8s.io", "AzureAssignedIdentity", "azureassignedidentities"
    ),
    custom_resource_definition(
        "secrets-store.csi.x-k8s.io", "SecretProviderClass", "secretproviderclasses"
    ),
)
DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public")


def _crd_resources(crd: Object) -> list[Resource]:
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    return [
        Resource(
            spec["group"],
            version["name"],
            names["plural"],
            names["kind"],
            namespaced=spec.get("scope", "Namespaced") == "Namespaced",
            custom=True,
        )
        for version in spec.get("versions") or []
        if version.get("served", True)
    ]


class _Registry:
    """The routing table: which resources are served, found by URL path or by kind."""

    def __init__(self, resources: Iterable[Resource]) -> None:
        self.resources = list(resources)
        self.by_path = {(r.group, r.version, r.plural): r for r in self.resources}
        self.groups: dict[str, list[str]] = {}
        for resource in self.resources:
            versions = self.groups.setdefault(resource.group, [])
            if resource.version not in versions:
                versions.append(resource.version)

    def for_kind(self, kind: str, api_version: str | None = None) -> Resource:
        for resource in self.resources:
            if resource.kind == kind and api_version in (None, resource.api_version):
                return resource
        served = f"{api_version} {kind}" if api_version else kind
        raise KeyError(f"the fake API server serves no {served} (seed its CRD first?)")

    def for_storage(self, storage: tuple[str, str]) -> Resource:
        return next(r for r in self.resources if r.storage == storage)
