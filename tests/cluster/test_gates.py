"""The gate before retire on real pods: it passes only once the controller-manager has rolled
the switched workloads, the real webhook has mutated every new pod and kwok made it Ready."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cluster.cluster import RealCluster
from tests.cluster.test_stages import apply, assert_mutated
from tests.fakes.azure import FakeAzure
from tests.kube.conftest import azure_args

pytestmark = pytest.mark.real_cluster

EXIT_STOPPED = 3


def test_pods_the_webhook_never_saw_block_retire_until_replaced(
    cluster: RealCluster, azure: FakeAzure, cli: Any
) -> None:
    # an OnDelete StatefulSet keeps its pod through a template change: the switched template
    # is never the pod's until someone deletes it
    sts = cluster.admin.get("apps/v1", "StatefulSet", "orders-cache", "orders")
    assert sts is not None
    cluster.admin.patch(
        sts, {"spec": {"updateStrategy": {"type": "OnDelete", "rollingUpdate": None}}}
    )
    for stage in ("prepare", "switch"):
        code, out, err = apply(cli, stage, *azure_args(azure))
        assert code == 0, err + out
    cluster.settle()

    code, out, err = apply(cli, "retire")
    assert code == EXIT_STOPPED, out
    assert "gate rollout before retire failed: 1 blocker(s)" in err
    assert (
        "pod orders/orders-cache-0 of StatefulSet/orders/orders-cache: not mutated "
        "(no AZURE_FEDERATED_TOKEN_FILE)" in err
    )
    assert cluster.admin.list("aadpodidentity.k8s.io/v1", "AzureIdentity")  # nothing retired

    assert cluster.admin.delete("v1", "Pod", "orders-cache-0", "orders")
    cluster.wait(
        "orders-cache-0 re-created, mutated and Ready", lambda: ready_pod(cluster, "orders-cache-0")
    )
    assert_mutated(cluster, ready_pod(cluster, "orders-cache-0"))
    code, out, err = apply(cli, "retire")
    assert code == 0, err + out


def test_a_template_without_the_label_blocks_retire_by_name(
    cluster: RealCluster, azure: FakeAzure, cli: Any
) -> None:
    for stage in ("prepare", "switch"):
        code, out, err = apply(cli, stage, *azure_args(azure))
        assert code == 0, err + out
    # someone (a GitOps sync, a colleague) puts the old template back on one Deployment
    deployment = cluster.admin.get("apps/v1", "Deployment", "payments-api", "payments")
    assert deployment is not None
    cluster.admin.patch(
        deployment,
        [{"op": "remove", "path": "/spec/template/metadata/labels/azure.workload.identity~1use"}],
        content_type="application/json-patch+json",
    )
    cluster.settle()
    unmutated = [
        p
        for p in cluster.pods("payments", "app=payments-api")
        if not any(
            e["name"] == "AZURE_FEDERATED_TOKEN_FILE"
            for e in p["spec"]["containers"][0].get("env") or []
        )
    ]
    assert unmutated  # the real webhook's objectSelector skipped them

    code, out, err = apply(cli, "retire")
    assert code == EXIT_STOPPED, out
    assert "gate switched before retire failed" in err
    assert "Deployment/payments/payments-api" in err
    assert cluster.admin.list("aadpodidentity.k8s.io/v1", "AzureIdentityBinding")


def ready_pod(cluster: RealCluster, name: str) -> dict[str, Any] | None:
    pod = cluster.admin.get("v1", "Pod", name, "orders")
    if pod is None or pod["metadata"].get("deletionTimestamp"):
        return None
    conditions = {c["type"]: c["status"] for c in (pod.get("status") or {}).get("conditions") or []}
    return pod if conditions.get("Ready") == "True" else None
