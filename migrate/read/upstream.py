"""What Pod Identity's own install files make (deploy/infra of aad-pod-identity, v1.6 to v1.8),
for a kustomization that lists one of them by URL: the tool cannot fetch it, but knows
the objects by name, so uninstall deletes them (docs/domain.md §1, components to uninstall).
"""

from __future__ import annotations

import re

# (kind, name, component, apiVersion, namespaced); names as upstream writes them, in default
CRDS = tuple(
    (
        "CustomResourceDefinition",
        f"{plural}.aadpodidentity.k8s.io",
        "crd",
        "apiextensions.k8s.io/v1",
        False,
    )
    for plural in (
        "azureassignedidentities",
        "azureidentities",
        "azureidentitybindings",
        "azurepodidentityexceptions",
    )
)
RBAC = "rbac.authorization.k8s.io/v1"
NMI = (
    ("ServiceAccount", "aad-pod-id-nmi-service-account", "rbac", "v1", True),
    ("ClusterRole", "aad-pod-id-nmi-role", "rbac", RBAC, False),
    ("ClusterRoleBinding", "aad-pod-id-nmi-binding", "rbac", RBAC, False),
    ("DaemonSet", "nmi", "nmi", "apps/v1", True),
)
MIC = (
    ("ServiceAccount", "aad-pod-id-mic-service-account", "rbac", "v1", True),
    ("ClusterRole", "aad-pod-id-mic-role", "rbac", RBAC, False),
    ("ClusterRoleBinding", "aad-pod-id-mic-binding", "rbac", RBAC, False),
    ("Deployment", "mic", "mic", "apps/v1", True),
)
EXCEPTION = (
    "AzurePodIdentityException",
    "mic-exception",
    "exception",
    "aadpodidentity.k8s.io/v1",
    True,
)
Part = tuple[str, str, str, str, bool]
# each file's objects, and the namespace it writes them in
FILES: dict[str, tuple[tuple[Part, ...], str]] = {
    "deployment-rbac.yaml": ((*CRDS, *NMI, *MIC), "default"),
    "deployment.yaml": ((*CRDS, *NMI, *MIC), "default"),  # the same, written without RBAC
    "managed-mode-deployment.yaml": ((*CRDS, *NMI), "kube-system"),
    "mic-exception.yaml": ((EXCEPTION,), "default"),
}
# a file of deploy/infra in Azure/aad-pod-identity (raw.githubusercontent.com, or a blob),
# or of its variants' folders (rc/, master/replicaset/); deploy/demo and forks are not it,
# nor noazurejson/, whose Secret of credentials the tool does not know
UPSTREAM = re.compile(
    r"/azure/aad-pod-identity/(?:[^/]+/)+?deploy/infra/((?:rc/|master/replicaset/)?)"
    r"([\w.-]+\.yaml)(?:\?.*)?$",
    re.IGNORECASE,
)


def objects(entry: str) -> tuple[tuple[Part, ...], str]:
    """The objects a `resources:` URL of Pod Identity's own install makes, and the
    namespace it writes them in; ((), "") for any other entry."""
    found = UPSTREAM.search(entry)
    return FILES.get(found.group(2), ((), "")) if found else ((), "")
