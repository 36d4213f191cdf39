"""What the real cluster holds before a test: kwok nodes, the AAD Pod Identity CRDs (the
project's own definitions), the migrator's RBAC (docs/clusterrole.yaml, nothing more), the
real webhook's registration, and fixtures/cluster-sample as a cluster would hold it."""

from __future__ import annotations

import base64
import copy
from pathlib import Path
from typing import Any

import yaml
from kubernetes.dynamic.exceptions import ConflictError

from tests.cluster.admin import Admin, Json
from tests.cluster.control_plane import NODES, ControlPlane
from tests.cluster.processes import wait_for
from tests.conftest import FIXTURES, ROOT

CRDS = FIXTURES / "sample-gitops" / "platform" / "aad-pod-identity" / "crds.yaml"
CLUSTER_ROLES = ROOT / "docs" / "clusterrole.yaml"
SAMPLE = FIXTURES / "cluster-sample"
WEBHOOK_CONFIGURATION = "azure-wi-webhook-mutating-webhook-configuration"
# made by controllers (the controller-manager, and MIC: see tests/cluster/mic.py)
CONTROLLER_MADE = {"Pod", "ReplicaSet", "AzureAssignedIdentity", "MutatingWebhookConfiguration"}
SERVER_SET = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields")


def documents(path: Path) -> list[Json]:
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    return [doc for file in files for doc in yaml.safe_load_all(file.read_text()) if doc]


def nodes(admin: Admin) -> None:
    for name in NODES:
        admin.create(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {
                    "name": name,
                    "annotations": {
                        "kwok.x-k8s.io/node": "fake",
                        "node.alpha.kubernetes.io/ttl": "0",
                    },
                    "labels": {"type": "kwok", "kubernetes.io/hostname": name},
                },
                "spec": {"providerID": f"kwok://{name}"},
                "status": {
                    "allocatable": {"cpu": "32", "memory": "256Gi", "pods": "5000"},
                    "capacity": {"cpu": "32", "memory": "256Gi", "pods": "5000"},
                },
            }
        )


def crds(admin: Admin) -> None:
    for crd in documents(CRDS):
        admin.create(crd)
    for crd in documents(CRDS):
        name = crd["metadata"]["name"]

        def established(name: str = name) -> bool:
            found = admin.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", name) or {}
            conditions = (found.get("status") or {}).get("conditions") or []
            return any(c["type"] == "Established" and c["status"] == "True" for c in conditions)

        wait_for(f"CRD {name} established", established, 30)
    admin.dynamic.resources.invalidate_cache()


def migrator_rbac(admin: Admin, roles: list[Json] | None = None) -> None:
    """The documented ClusterRoles, bound to the user `migrator`; and OIDC discovery open to
    anyone, as on AKS, so the Entra stand-in can fetch the issuer's keys."""
    for role in roles if roles is not None else documents(CLUSTER_ROLES):
        admin.create(role)
        admin.create(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRoleBinding",
                "metadata": {"name": f"migrator-{role['metadata']['name']}"},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "ClusterRole",
                    "name": role["metadata"]["name"],
                },
                "subjects": [
                    {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "migrator"}
                ],
            }
        )
    admin.create(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": "service-account-issuer-discovery-public"},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "system:service-account-issuer-discovery",
            },
            "subjects": [
                {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "Group",
                    "name": "system:unauthenticated",
                }
            ],
        }
    )


def webhook(admin: Admin, plane: ControlPlane) -> None:
    """The webhook's registration as its chart writes it, pointing at the loopback server."""
    admin.create(
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "MutatingWebhookConfiguration",
            "metadata": {
                "name": WEBHOOK_CONFIGURATION,
                "labels": {"azure-workload-identity.io/system": "true"},
            },
            "webhooks": [
                {
                    "name": "mutation.azure-workload-identity.io",
                    "admissionReviewVersions": ["v1", "v1beta1"],
                    "clientConfig": {
                        "url": f"https://127.0.0.1:{plane.webhook_port}/mutate-v1-pod",
                        "caBundle": base64.b64encode(plane.pki.ca_pem).decode(),
                    },
                    "failurePolicy": "Fail",
                    "matchPolicy": "Equivalent",
                    "reinvocationPolicy": "IfNeeded",
                    "objectSelector": {"matchLabels": {"azure.workload.identity/use": "true"}},
                    "rules": [
                        {
                            "apiGroups": [""],
                            "apiVersions": ["v1"],
                            "operations": ["CREATE"],
                            "resources": ["pods"],
                        }
                    ],
                    "sideEffects": "None",
                    "timeoutSeconds": 10,
                }
            ],
        }
    )


def sample(admin: Admin, path: Path = SAMPLE) -> None:
    """The fixture's declared objects; controllers make the rest (pods, ReplicaSets) and the
    MIC stand-in the AzureAssignedIdentities."""
    docs = [d for d in documents(path) if d["kind"] not in CONTROLLER_MADE]
    docs.sort(key=lambda d: d["kind"] != "Namespace")
    for doc in docs:
        obj = declared(doc)
        try:
            admin.create(obj)
        except ConflictError:  # "default" ServiceAccounts: the controller may have made it
            admin.patch(obj, {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")})


def declared(doc: Json) -> Json:
    obj = copy.deepcopy(doc)
    for field in SERVER_SET:
        obj["metadata"].pop(field, None)
    if obj["kind"] == "CronJob":
        # the fixture's schedule (02:00) could fire during a run; a suspended CronJob is still
        # a workload the migration switches, and no Job of it appears mid-test
        obj["spec"]["suspend"] = True
    return obj


def bootstrap(plane: ControlPlane, admin: Admin) -> None:
    nodes(admin)
    crds(admin)
    migrator_rbac(admin)
    webhook(admin, plane)


def strip_server_fields(obj: Any) -> Any:
    """An object as its author declared it and the server defaulted it: no uid,
    resourceVersion, timestamps, generation, managedFields or status."""
    out = copy.deepcopy(obj)
    meta = out.get("metadata") or {}
    for field in SERVER_SET:
        meta.pop(field, None)
    out.pop("status", None)
    return out
