"""Least privilege on the real RBAC authorizer: with one verb taken from the documented
apply role, the stage that needs it stops at that step and the message names what is
missing (the no-403 run with the full roles is in test_stages.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cluster.cluster import RealCluster
from tests.cluster.test_stages import apply
from tests.fakes.azure import FakeAzure
from tests.kube.conftest import azure_args

pytestmark = pytest.mark.real_cluster


def without_verb(cluster: RealCluster, group: str, resource: str, verb: str) -> None:
    role = cluster.admin.get("rbac.authorization.k8s.io/v1", "ClusterRole", "wi-migrate-apply")
    assert role is not None
    rules = []
    for rule in role["rules"]:
        if (
            group in rule.get("apiGroups", [])
            and resource in rule.get("resources", [])
            and verb in rule["verbs"]
        ):
            rest = [r for r in rule["resources"] if r != resource]
            if rest:
                rules.append({**rule, "resources": rest})
            rules.append(
                {**rule, "resources": [resource], "verbs": [v for v in rule["verbs"] if v != verb]}
            )
        else:
            rules.append(rule)
    cluster.admin.patch(role, {"rules": rules})  # reset() puts the documented rules back


def test_switch_without_patch_on_deployments_stops_naming_the_permission(
    cluster: RealCluster, azure: FakeAzure, cli: Any
) -> None:
    code, out, err = apply(cli, "prepare", *azure_args(azure))
    assert code == 0, err + out
    without_verb(cluster, "apps", "deployments", "patch")
    code, out, err = apply(cli, "switch", *azure_args(azure))
    assert code != 0
    text = out + err
    assert 'User "migrator" cannot patch resource "deployments" in API group "apps"' in text
    # StatefulSets and CronJobs went through; every Deployment is left as it was
    for deployment in cluster.admin.list("apps/v1", "Deployment", namespace="orders"):
        labels = deployment["spec"]["template"]["metadata"].get("labels") or {}
        assert "azure.workload.identity/use" not in labels


def test_retire_without_delete_on_bindings_stops_naming_the_permission(
    cluster: RealCluster, azure: FakeAzure, cli: Any
) -> None:
    for stage in ("prepare", "switch"):
        code, out, err = apply(cli, stage, *azure_args(azure))
        assert code == 0, err + out
    cluster.settle()
    without_verb(cluster, "aadpodidentity.k8s.io", "azureidentitybindings", "delete")
    code, out, err = apply(cli, "retire")
    assert code != 0
    text = out + err
    assert (
        'User "migrator" cannot delete resource "azureidentitybindings" in API group '
        '"aadpodidentity.k8s.io"' in text
    )
    assert len(cluster.admin.list("aadpodidentity.k8s.io/v1", "AzureIdentityBinding")) == 5
