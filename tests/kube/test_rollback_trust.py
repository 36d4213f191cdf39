"""rollback undoes only what the stage's own journaled plan changed, field by field: a later
change by someone else survives, a conflicting one stops it, and a journal edited in the cluster
is refused (docs/security.md)."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.azure import FakeAzure
from tests.fakes.kube_apiserver import FakeKubeApiServer
from tests.kube.live_cli import Cli, cluster_journal, live_cli, switched, write_cluster_journal

SWITCHED = 15  # Deployments of the sample cluster that switch changes (mic is not one)


pytestmark = pytest.mark.kube_fake(snapshot="cluster-sample")


@pytest.fixture
def cli(run_cli: Any, kube: FakeKubeApiServer, azure: FakeAzure, tmp_path: Path) -> Cli:
    run = live_cli(run_cli, kube, azure, tmp_path)
    for stage in ("prepare", "switch"):
        code, _, err = run("apply", "--stage", stage, "--yes")
        assert code == 0, err
    assert len(switched(kube)) == SWITCHED
    return run


def edit(kube: FakeKubeApiServer, name: str, namespace: str, change: Any) -> None:
    deployment = kube.get("Deployment", name, namespace)
    assert deployment is not None
    change(deployment)
    kube.seed([deployment])


def test_a_later_image_and_replicas_change_survives_the_rollback(
    kube: FakeKubeApiServer, cli: Cli
) -> None:
    def release(d: Any) -> None:
        d["spec"]["replicas"] = 4
        d["spec"]["template"]["spec"]["containers"][0]["image"] = "registry.example.com/o:2.0"

    edit(kube, "orders-api", "orders", release)
    code, _, err = cli("rollback", "--stage", "switch", "--yes")
    assert code == 0, err
    assert switched(kube) == []
    after = kube.get("Deployment", "orders-api", "orders")
    assert after is not None
    assert after["spec"]["replicas"] == 4
    template = after["spec"]["template"]
    assert template["spec"]["containers"][0]["image"] == "registry.example.com/o:2.0"
    assert "serviceAccountName" not in template["spec"]
    assert template["metadata"]["labels"] == {"app": "orders-api", "aadpodidbinding": "orders"}


def test_a_field_changed_since_the_stage_stops_the_rollback_with_a_conflict(
    kube: FakeKubeApiServer, cli: Cli
) -> None:
    def other_account(d: Any) -> None:
        d["spec"]["template"]["spec"]["serviceAccountName"] = "someone-elses"

    edit(kube, "orders-api", "orders", other_account)
    code, _, err = cli("rollback", "--stage", "switch", "--yes")
    assert code == 1
    assert "conflict" in err and "Deployment/orders/orders-api" in err
    assert "spec.template.spec.serviceAccountName" in err
    assert len(switched(kube)) == SWITCHED  # nothing restored: the conflict comes first


def test_entries_injected_into_the_cluster_journal_are_refused(
    kube: FakeKubeApiServer, cli: Cli
) -> None:
    stages = cluster_journal(kube)
    admin = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "wi-migrate-restore"},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "cluster-admin",
        },
        "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "payments"}],
    }
    victim = kube.get("Deployment", "payments-api", "payments")
    stages["switch"]["entries"] += [
        {"ref": "ClusterRoleBinding/wi-migrate-restore", "before": admin, "after": None},
        {"ref": "Deployment/payments/payments-api", "before": None, "after": victim},
    ]
    for entry in stages["switch"]["entries"][-2:]:
        entry["done"] = True
    write_cluster_journal(kube, stages)
    code, _, err = cli("rollback", "--stage", "switch", "--yes")
    assert code == 1
    assert "journal" in err and "Traceback" not in err
    assert kube.get("ClusterRoleBinding", "wi-migrate-restore") is None
    assert kube.get("Deployment", "payments-api", "payments") is not None
    assert len(switched(kube)) == SWITCHED


def test_a_plan_injected_into_the_cluster_journal_is_not_resumed(
    kube: FakeKubeApiServer, cli: Cli
) -> None:
    """A running stage's recorded plan is what a re-run resumes: one written by someone else
    into the ConfigMap is refused, not executed."""
    stages = cluster_journal(kube)
    forged = copy.deepcopy(stages["switch"])
    forged["status"] = "running"
    action = forged["plan"]["actions"][0]
    action["stage"] = "retire"
    action["type"] = "delete-object"
    action["reason"] = "forged"
    for key in ("templatePath", "serviceAccount", "labels", "annotations"):
        action.pop(key, None)
    forged["plan"]["actions"] = [action]
    forged["entries"] = []
    stages["retire"] = forged
    write_cluster_journal(kube, stages)
    victim = (action["target"]["name"], action["target"]["namespace"])
    code, _, err = cli("apply", "--stage", "retire", "--yes", "--skip-gate", "released")
    assert code != 0
    assert "journal" in err
    assert kube.get(action["target"]["kind"], *victim) is not None


def test_local_and_cluster_journals_that_disagree_are_refused(
    kube: FakeKubeApiServer, cli: Cli, tmp_path: Path
) -> None:
    """Someone's rollback from another machine (another state directory) changed the cluster
    journal: this machine's copy no longer matches, and its rollback stops."""
    other = tmp_path / "other-state"
    shutil.copytree(tmp_path / "state", other)
    stages = cluster_journal(kube)
    stages["switch"]["entries"] = stages["switch"]["entries"][:-1]
    write_cluster_journal(kube, stages)
    code, _, err = cli("rollback", "--stage", "switch", "--yes")
    assert code == 1
    assert "journal" in err and ("disagree" in err or "integrity" in err)
    assert len(switched(kube)) == SWITCHED
