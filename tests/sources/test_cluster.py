"""Discovery of a live cluster (plan --cluster), on the kube API server over real HTTP."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from migrate.jobs.plan import read_and_plan
from migrate.kubeapi.client import Connection
from migrate.model import plan as plans
from migrate.model.inventory import PI_LABEL
from migrate.model.plan import Settings, SwitchWorkload
from migrate.read import cluster
from tests.conftest import FIXTURES
from tests.fakes.kube_apiserver import FakeKubeApiServer

SAMPLE = FIXTURES / "cluster-sample"


def connect(kube: FakeKubeApiServer) -> Connection:
    return Connection(kube.api_client(), "fake")


def obj(kind: str, name: str, ns: str = "default", api: str = "v1", **body: Any) -> dict[str, Any]:
    meta = body.pop("metadata", {})
    return {
        "apiVersion": api,
        "kind": kind,
        "metadata": {"name": name, "namespace": ns, **meta},
        **body,
    }


def pod(
    name: str, ns: str = "default", owner: dict[str, Any] | None = None, **labels: str
) -> dict[str, Any]:
    meta: dict[str, Any] = {"labels": labels}
    if owner:
        meta["ownerReferences"] = [{"apiVersion": "x/v1", "uid": "u", "controller": True, **owner}]
    return obj("Pod", name, ns, metadata=meta, spec={"containers": [{"name": "a", "image": "a"}]})


def test_sample_cluster_plans_every_workload_through_its_controller(
    kube: FakeKubeApiServer,
) -> None:
    kube.load_snapshot(SAMPLE)
    inventory, discovery = cluster.read(connect(kube))
    kinds = sorted({w.kind for w in inventory.workloads if w.selector})
    assert kinds == ["CronJob", "Deployment", "StatefulSet"]  # no ReplicaSet, no Pod
    names = {w.name for w in inventory.workloads}
    assert {"orders-backfill", "orders-nightly"} <= names  # scaled to zero; between runs
    assert len([w for w in inventory.workloads if w.selector]) == 25
    assert len(inventory.assigned) == 10
    assert discovery.webhook == "azure-wi-webhook-mutating-webhook-configuration"
    assert discovery.issuer == kube.issuer
    stored = kube.get("Deployment", "orders-api", "orders")
    assert stored is not None
    versions = dict(inventory.fingerprints)
    assert versions["Deployment/orders/orders-api"] == stored["metadata"]["resourceVersion"]
    assert not any(key.startswith("Pod/") for key in versions)  # controller-owned pods


def test_plan_uses_the_discovered_issuer(kube: FakeKubeApiServer) -> None:
    kube.load_snapshot(SAMPLE)
    plan, _ = read_and_plan(connect(kube), Settings(cluster_name="aks1"))
    issuers = {a.credential.issuer for a in plan.actions if hasattr(a, "credential")}
    assert issuers == {kube.issuer}
    assert len([a for a in plan.actions if isinstance(a, SwitchWorkload)]) == 25
    origin = next(a for a in plan.actions if isinstance(a, SwitchWorkload)).caused_by[0]
    assert origin.ref.startswith(("CronJob/", "Deployment/")) and origin.version.isdigit()


def test_owners_bare_pods_and_unknown_owners(kube: FakeKubeApiServer) -> None:
    rollout_rs = obj(
        "ReplicaSet",
        "canary-abc",
        api="apps/v1",
        metadata={
            "ownerReferences": [
                {
                    "apiVersion": "argoproj.io/v1alpha1",
                    "kind": "Rollout",
                    "name": "canary",
                    "uid": "r",
                    "controller": True,
                }
            ]
        },
        spec={
            "selector": {"matchLabels": {"app": "c"}},
            "template": {
                "metadata": {"labels": {"app": "c", PI_LABEL: "sel"}},
                "spec": {"containers": [{"name": "a", "image": "a"}]},
            },
        },
    )
    kube.seed(
        [
            pod("bare", **{PI_LABEL: "sel"}),
            pod("plain"),
            pod(
                "canary-abc-1",
                owner={"kind": "ReplicaSet", "name": "canary-abc"},
                **{PI_LABEL: "sel"},
            ),
            pod("op-1", owner={"kind": "Widget", "name": "op"}, **{PI_LABEL: "sel"}),
            pod("gone-1", owner={"kind": "ReplicaSet", "name": "gone"}, **{PI_LABEL: "sel"}),
            pod("unlabelled-1", owner={"kind": "Widget", "name": "op"}),
            rollout_rs,
        ]
    )
    inventory, discovery = cluster.read(connect(kube))
    assert sorted((w.kind, w.name) for w in inventory.workloads) == [
        ("Pod", "bare"),
        ("Pod", "plain"),
    ]
    unknown = sorted(f.subject for f in inventory.findings if f.code == "unknown-owner")
    assert unknown == ["Pod/default/gone-1", "Pod/default/op-1", "ReplicaSet/default/canary-abc"]
    assert discovery.webhook == ""
    plan, _ = read_and_plan(connect(kube), Settings())
    assert "webhook-missing" in {f.code for f in plan.findings}


def test_helm_owned_workloads_and_releases(kube: FakeKubeApiServer) -> None:
    kube.load_snapshot(SAMPLE)
    helm = {
        "annotations": {
            "meta.helm.sh/release-name": "orders",
            "meta.helm.sh/release-namespace": "orders",
        },
        "labels": {"app.kubernetes.io/managed-by": "Helm"},
    }
    deployment = kube.get("Deployment", "orders-api", "orders")
    assert deployment is not None
    deployment["metadata"].update(helm)
    release = obj(
        "Secret",
        "sh.helm.release.v1.orders.v3",
        "orders",
        metadata={"labels": {"owner": "helm", "name": "orders", "status": "deployed"}},
        type="helm.sh/release.v1",
        data={"release": "c2VjcmV0"},
    )
    kube.seed([deployment, release, obj("Secret", "other", "orders", data={"password": "eA=="})])
    plan, discovery = read_and_plan(connect(kube), Settings())
    assert discovery.helm_releases == {"orders/orders": "deployed"}
    owned = [f for f in plan.findings if f.code == "owned-workload"]
    assert [f.subject for f in owned] == ["Deployment/orders/orders-api"]
    assert "values" in owned[0].hint
    assert "Helm release orders/orders (see: helm get values orders -n orders)" in owned[0].message
    secret_lists = [r for r in kube.requests if r.path.endswith("/secrets")]
    assert secret_lists and all(r.query.get("labelSelector") == "owner=helm" for r in secret_lists)


def test_missing_crds_are_not_an_error() -> None:
    with FakeKubeApiServer(install_crds=False) as kube:
        kube.seed([pod("bare", **{PI_LABEL: "sel"})])
        inventory, _ = cluster.read(connect(kube))
        assert [w.name for w in inventory.workloads] == ["bare"]
        assert inventory.identities == ()


def test_discovery_requests_grow_with_pages_not_namespaces(kube: FakeKubeApiServer) -> None:
    namespaces = [f"ns-{i:03d}" for i in range(500)]
    objects: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}} for n in namespaces
    ]
    objects += [
        pod(f"p-{j}", ns, **({PI_LABEL: "sel"} if j % 2 else {}))
        for ns in namespaces
        for j in range(10)
    ]
    kube.seed(objects)
    kube.clear_requests()
    inventory, _ = cluster.read(connect(kube))
    assert len(inventory.workloads) == 5000
    lists = [r for r in kube.requests if r.method == "GET"]
    one_get = "/api/v1/namespaces/kube-system"  # the cluster's identity, read once
    per_namespace = [r for r in lists if "/namespaces/" in r.path and r.path != one_get]
    assert not per_namespace  # never per namespace or per pod
    pod_pages = [r for r in lists if r.path == "/api/v1/pods"]
    assert len(pod_pages) == 10  # 5,000 pods / 500 per page
    kinds = len(cluster.LISTED) + len(cluster.BY_NAME) + 5  # pods, issuer, id, webhook, helm
    assert len(lists) == kinds + len(pod_pages) - 1


def test_plan_cluster_command_prints_the_same_plan_format(
    kube: FakeKubeApiServer, tmp_path: Path, run_cli: Any
) -> None:
    kube.load_snapshot(SAMPLE)
    kubeconfig = kube.write_kubeconfig(tmp_path / "kubeconfig", context="aks-test")
    code, out, err = run_cli(
        "plan", "--cluster", "--kubeconfig", str(kubeconfig), "-o", "json", "--cluster-name", "aks1"
    )
    assert code == 0, err
    plan = plans.from_document(json.loads(out))
    assert plan.source == ("cluster:aks-test",)
    assert re.fullmatch(
        r"aks1-orders-orders",
        next(
            a.credential.name
            for a in plan.actions
            if hasattr(a, "credential") and "orders" in a.credential.subject
        ),
    )
    code, _, err = run_cli("plan", "--kubeconfig", str(kubeconfig))
    assert code == 1 and "--cluster" in err
    code, _, err = run_cli("plan", "--cluster", "--kubeconfig", str(tmp_path / "missing"))
    assert code == 1 and "kubeconfig" in err


def test_without_access_to_secrets_no_helm_release_is_known(kube: FakeKubeApiServer) -> None:
    kube.load_snapshot(SAMPLE)
    kube.inject(method="GET", path_regex=r"^/api/v1/secrets$", status=403, times=None)
    _, discovery = cluster.read(connect(kube))
    assert discovery.helm_releases == {}
