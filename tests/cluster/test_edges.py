"""Immutable selectors, Helm-owned objects and a plan gone stale, as the real API server
answers them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException

from tests.cluster.cluster import RealCluster
from tests.cluster.test_stages import apply
from tests.fakes.azure import FakeAzure
from tests.kube.conftest import azure_args

pytestmark = pytest.mark.real_cluster


def legacy_deployment() -> dict[str, Any]:
    """A Deployment whose selector itself holds aadpodidbinding (kubectl create made such)."""
    labels = {"app": "orders-legacy", "aadpodidbinding": "orders"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "orders-legacy", "namespace": "orders"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": dict(labels)},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {
                    "containers": [
                        {"name": "app", "image": "registry.example.com/orders-legacy:1.0"}
                    ]
                },
            },
        },
    }


def test_a_selector_label_stays_where_the_server_forbids_removing_it(
    cluster: RealCluster, azure: FakeAzure, cli: Any
) -> None:
    created = cluster.admin.create(legacy_deployment())
    cluster.settle()
    # what the real server says to the change wi-migrate must never make
    with pytest.raises(ApiException) as refused:
        cluster.admin.patch(
            created, {"spec": {"selector": {"matchLabels": {"aadpodidbinding": None}}}}
        )
    assert refused.value.status == 422 and "field is immutable" in str(refused.value.body)

    for stage in ("prepare", "switch"):
        code, out, err = apply(cli, stage, *azure_args(azure))
        assert code == 0, err + out
    cluster.settle()
    code, out, err = apply(cli, "retire")
    assert code == 0, err + out
    legacy = cluster.admin.get("apps/v1", "Deployment", "orders-legacy", "orders")
    assert legacy is not None
    assert legacy["spec"]["selector"]["matchLabels"]["aadpodidbinding"] == "orders"
    labels = legacy["spec"]["template"]["metadata"]["labels"]
    assert labels["aadpodidbinding"] == "orders" and labels["azure.workload.identity/use"] == "true"
    others = cluster.admin.get("apps/v1", "Deployment", "orders-api", "orders")
    assert (
        others is not None
        and "aadpodidbinding" not in others["spec"]["template"]["metadata"]["labels"]
    )


def test_helm_owned_workloads_are_left_alone_unless_patch_owned(
    cluster: RealCluster, azure: FakeAzure, cli: Any
) -> None:
    deployment = cluster.admin.get("apps/v1", "Deployment", "orders-api", "orders")
    assert deployment is not None
    cluster.admin.patch(
        deployment,
        {
            "metadata": {
                "annotations": {
                    "meta.helm.sh/release-name": "orders",
                    "meta.helm.sh/release-namespace": "orders",
                },
                "labels": {"app.kubernetes.io/managed-by": "Helm"},
            }
        },
    )
    code, out, err = apply(cli, "prepare", *azure_args(azure))
    assert code == 0, err + out
    code, out, err = apply(cli, "switch", *azure_args(azure))
    assert code == 0, err + out
    assert "left alone (managed by helm): Deployment/orders/orders-api" in out + err
    template = cluster.admin.get("apps/v1", "Deployment", "orders-api", "orders")["spec"][
        "template"
    ]  # type: ignore[index]
    assert "azure.workload.identity/use" not in template["metadata"]["labels"]

    code, out, err = apply(cli, "switch", "--patch-owned", *azure_args(azure))
    assert code == 0, err + out
    template = cluster.admin.get("apps/v1", "Deployment", "orders-api", "orders")["spec"][
        "template"
    ]  # type: ignore[index]
    assert template["metadata"]["labels"]["azure.workload.identity/use"] == "true"


def test_a_plan_made_before_someone_else_changed_an_object_is_refused(
    cluster: RealCluster, azure: FakeAzure, cli: Any, tmp_path: Path
) -> None:
    code, out, err = cli("plan", "--cluster", "-o", "json")
    assert code == 0, err
    saved = tmp_path / "plan.json"
    saved.write_text(out)
    fingerprints = json.loads(out)["fingerprints"]  # the real resourceVersions
    [version] = [v for k, v in fingerprints.items() if k.endswith("Deployment/orders/orders-api")]
    deployment = cluster.admin.get("apps/v1", "Deployment", "orders-api", "orders")
    assert deployment is not None
    assert version == deployment["metadata"]["resourceVersion"]
    cluster.admin.patch(deployment, {"spec": {"replicas": 2}})  # a new resourceVersion
    code, out, err = cli("apply", str(saved), "--stage", "prepare", "--yes", *azure_args(azure))
    assert code == 1
    assert "stale" in err and "Deployment/orders/orders-api" in err
    assert cluster.admin.get("v1", "ServiceAccount", "orders", "orders") is None  # nothing written
