"""The uninstall stage: safe order, Helm releases, the AKS add-on, and its refusal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from migrate.errors import EXIT_STOPPED, UserError
from migrate.jobs import live as apply
from migrate.jobs import uninstall
from migrate.kubeapi.client import Connection
from migrate.model.inventory import PI_LABEL
from migrate.model.plan import Settings
from migrate.write.live.journal import Journal
from tests.fakes.kube_apiserver import FakeKubeApiServer

HELM = {"app.kubernetes.io/name": "aad-pod-identity", "app.kubernetes.io/managed-by": "Helm"}
RELEASE = {
    "meta.helm.sh/release-name": "pod-identity",
    "meta.helm.sh/release-namespace": "identity",
}


def helm_object(
    kind: str, name: str, component: str, api: str = "v1", **body: Any
) -> dict[str, Any]:
    meta = {
        "name": name,
        "labels": {**HELM, "app.kubernetes.io/component": component},
        "annotations": RELEASE,
    }
    if kind not in ("ClusterRole", "ClusterRoleBinding"):
        meta["namespace"] = "identity"
    return {"apiVersion": api, "kind": kind, "metadata": meta, **body}


def workload_spec(part: str) -> dict[str, Any]:
    return {
        "selector": {"matchLabels": {"c": part}},
        "template": {
            "metadata": {"labels": {"c": part}},
            "spec": {
                "containers": [
                    {
                        "name": part,
                        "image": f"mcr.microsoft.com/oss/azure/aad-pod-identity/{part}:v1.8.17",
                    }
                ]
            },
        },
    }


HELM_INSTALL = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "identity"}},
    helm_object("Deployment", "aad-pod-identity-mic", "mic", "apps/v1", spec=workload_spec("mic")),
    helm_object("DaemonSet", "aad-pod-identity-nmi", "nmi", "apps/v1", spec=workload_spec("nmi")),
    helm_object("ServiceAccount", "aad-pod-identity-mic", "mic"),
    helm_object(
        "ClusterRole", "aad-pod-identity-mic", "mic", "rbac.authorization.k8s.io/v1", rules=[]
    ),
    helm_object("PodDisruptionBudget", "mic-pdb", "mic", "policy/v1", spec={"minAvailable": 1}),
    {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "helm.sh/release.v1",
        "metadata": {
            "name": "sh.helm.release.v1.pod-identity.v1",
            "namespace": "identity",
            "labels": {"owner": "helm", "name": "pod-identity", "status": "deployed"},
        },
        "data": {"release": "SDRzSUFBQUFBQUFBQS8="},
    },
]


def run(
    kube: FakeKubeApiServer, tmp_path: Path, helm_command: bool = False, write: bool = True
) -> tuple[apply.Outcome, list[str]]:
    connection = Connection(kube.api_client(), "fake")
    journal = Journal(connection, path=str(tmp_path / "journal.json")).load()
    lines: list[str] = []
    outcome = uninstall.run(
        connection,
        journal,
        Settings(cluster_name="aks1"),
        apply.Options("uninstall", write=write),
        helm_command,
        lines.append,
    )
    return outcome, lines


def test_helm_release_printed_with_helm_command_then_leftovers_deleted(
    kube: FakeKubeApiServer, tmp_path: Path
) -> None:
    kube.seed(HELM_INSTALL)
    outcome, lines = run(kube, tmp_path, helm_command=True)
    assert lines == ["helm uninstall pod-identity --namespace identity"]
    assert (
        outcome.results == []
        and kube.get("DaemonSet", "aad-pod-identity-nmi", "identity") is not None
    )
    # the user runs helm uninstall: the release and its objects go, CRDs stay (helm keeps them)
    for obj in HELM_INSTALL[1:]:
        fake_delete(kube, obj)
    outcome, lines = run(kube, tmp_path, helm_command=True)
    deleted = [r.target for r in outcome.results if r.status == "changed"]
    assert deleted == [
        f"CustomResourceDefinition/{p}.aadpodidentity.k8s.io"
        for p in (
            "azureassignedidentities",
            "azureidentities",
            "azureidentitybindings",
            "azurepodidentityexceptions",
        )
    ]


def test_helm_release_deleted_object_by_object_in_a_safe_order(
    kube: FakeKubeApiServer, tmp_path: Path
) -> None:
    kube.seed(HELM_INSTALL)
    outcome, _ = run(kube, tmp_path)
    order = [r.target.split("/")[0] for r in outcome.results]
    assert order[:2] == ["DaemonSet", "Deployment"]  # NMI, MIC first
    assert set(order[-4:]) == {"CustomResourceDefinition"}  # CRDs last
    assert (
        kube.get("Secret", "sh.helm.release.v1.pod-identity.v1", "identity") is not None
    )  # never touched


def test_aks_addon_prints_az_steps_and_deletes_nothing(
    kube: FakeKubeApiServer, tmp_path: Path
) -> None:
    kube.seed(
        [
            {
                "apiVersion": "aadpodidentity.k8s.io/v1",
                "kind": "AzurePodIdentityException",
                "metadata": {
                    "name": "aks-addon-exception",
                    "namespace": "kube-system",
                    # what makes it the add-on's: AKS's marks, not the name
                    "labels": {
                        "addonmanager.kubernetes.io/mode": "Reconcile",
                        "kubernetes.azure.com/managedby": "aks",
                    },
                },
                "spec": {"podLabels": {"kubernetes.azure.com/managedby": "aks"}},
            },
            {
                "apiVersion": "apps/v1",
                "kind": "DaemonSet",
                "metadata": {"name": "nmi", "namespace": "kube-system"},
                "spec": workload_spec("nmi"),
            },
            {
                "apiVersion": "aadpodidentity.k8s.io/v1",
                "kind": "AzureIdentity",
                "metadata": {"name": "orders", "namespace": "orders-ns"},
                "spec": {
                    "type": 0,
                    "resourceID": "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/orders",
                    "clientID": "c",
                },
            },
            {
                "apiVersion": "aadpodidentity.k8s.io/v1",
                "kind": "AzurePodIdentityException",
                "metadata": {"name": "health-probe", "namespace": "orders-ns"},
                "spec": {"podLabels": {"app": "health-probe"}},
            },
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "orders-ns"}},
        ]
    )
    before = kube.dump_state()
    outcome, lines = run(kube, tmp_path)
    assert lines[1:] == [
        "az aks pod-identity delete --resource-group <resource-group> --cluster-name aks1 --namespace orders-ns --name orders",
        "az aks pod-identity exception delete --resource-group <resource-group> --cluster-name aks1 --namespace orders-ns --name health-probe",
        "az aks update --resource-group <resource-group> --name aks1 --disable-pod-identity",
        "# only then delete the identities or their role assignments in Azure",
    ]
    assert outcome.results == [] and kube.dump_state() == before


def test_refuses_while_pods_are_labelled(kube: FakeKubeApiServer, tmp_path: Path) -> None:
    kube.seed(
        [
            *HELM_INSTALL,
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "web", "namespace": "default", "labels": {PI_LABEL: "web"}},
                "spec": {"containers": [{"name": "a", "image": "a"}]},
            },
        ]
    )
    with pytest.raises(UserError) as refused:
        run(kube, tmp_path)
    assert refused.value.exit_code == EXIT_STOPPED
    assert "pod default/web still carries aadpodidbinding" in refused.value.message
    assert kube.get("DaemonSet", "aad-pod-identity-nmi", "identity") is not None


def fake_delete(kube: FakeKubeApiServer, obj: dict[str, Any]) -> None:
    import http.client

    from migrate.kubeapi.kinds import kind

    meta = obj["metadata"]
    connection = http.client.HTTPConnection("127.0.0.1", kube.port)
    connection.request("DELETE", kind(obj["kind"]).path(meta.get("namespace", ""), meta["name"]))
    assert connection.getresponse().status == 200
    connection.close()
