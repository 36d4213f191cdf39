"""`apply PLAN` re-plans the cluster with the plan's settings and runs only actions that fresh
plan holds: an action added to plan.json (a cluster-admin binding patched, a credential for
another issuer) is refused, named, before anything is written (docs/security.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.azure import FakeAzure
from tests.fakes.kube_apiserver import FakeKubeApiServer
from tests.kube.live_cli import Cli, live_cli, switched

ADMIN = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "ClusterRoleBinding",
    "metadata": {"name": "platform-admins"},
    "roleRef": {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "cluster-admin",
    },
    "subjects": [
        {"kind": "Group", "name": "platform-team", "apiGroup": "rbac.authorization.k8s.io"}
    ],
}


pytestmark = pytest.mark.kube_fake(snapshot="cluster-sample")


@pytest.fixture(autouse=True)
def seeded(kube: FakeKubeApiServer) -> None:
    kube.seed([ADMIN])


@pytest.fixture
def cli(run_cli: Any, kube: FakeKubeApiServer, azure: FakeAzure, tmp_path: Path) -> Cli:
    return live_cli(run_cli, kube, azure, tmp_path)


def saved(cli: Cli, tmp_path: Path, edit: Any = None) -> str:
    code, out, err = cli("plan", "--cluster", "--cluster-name", "aks1", "-o", "json")
    assert code == 0, err
    plan = json.loads(out)
    if edit is not None:
        edit(plan)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    return str(path)


def writes(kube: FakeKubeApiServer) -> list[Any]:
    """Every write but the run's own Lease (taken and given back)."""
    return [r for r in kube.requests if r.method != "GET" and "/leases" not in r.path]


def test_an_unedited_plan_runs_stage_after_stage(
    kube: FakeKubeApiServer, cli: Cli, tmp_path: Path
) -> None:
    plan = saved(cli, tmp_path)
    for stage in ("prepare", "prepare", "switch"):  # prepare twice: a re-run is no edit
        code, _, err = cli("apply", plan, "--stage", stage, "--yes")
        assert code == 0, err
    assert len(switched(kube)) == 15


def test_an_added_binding_subject_on_cluster_admin_is_refused(
    kube: FakeKubeApiServer, azure: FakeAzure, cli: Cli, tmp_path: Path
) -> None:
    def escalate(plan: dict[str, Any]) -> None:
        plan["actions"].append(
            {
                "type": "add-binding-subject",
                "stage": "prepare",
                "target": {
                    "kind": "ClusterRoleBinding",
                    "name": "platform-admins",
                    "namespace": "",
                    "apiVersion": "rbac.authorization.k8s.io/v1",
                },
                "serviceAccount": {
                    "kind": "ServiceAccount",
                    "name": "orders",
                    "namespace": "orders",
                    "apiVersion": "v1",
                },
                "causedBy": [],
            }
        )

    code, _, err = cli("apply", saved(cli, tmp_path, escalate), "--stage", "prepare", "--yes")
    assert code == 1
    assert "add-binding-subject ClusterRoleBinding/platform-admins" in err
    binding = kube.get("ClusterRoleBinding", "platform-admins")
    assert binding is not None and binding["subjects"] == ADMIN["subjects"]
    assert writes(kube) == []
    assert azure.counters()["arm_writes"] == 0


def test_a_credential_for_another_issuer_is_refused(
    kube: FakeKubeApiServer, azure: FakeAzure, cli: Cli, tmp_path: Path
) -> None:
    def redirect(plan: dict[str, Any]) -> None:
        action = next(a for a in plan["actions"] if a["type"] == "create-federated-credential")
        action["credential"]["issuer"] = "https://attacker.example.net/"

    code, _, err = cli("apply", saved(cli, tmp_path, redirect), "--stage", "prepare", "--yes")
    assert code == 1
    assert "https://attacker.example.net/" in err
    assert azure.counters()["arm_writes"] == 0
    assert writes(kube) == []


def test_a_plan_whose_settings_name_another_issuer_is_refused(
    kube: FakeKubeApiServer, azure: FakeAzure, cli: Cli, tmp_path: Path
) -> None:
    """Settings and credentials edited together plan consistently, but not for this cluster."""

    def elsewhere(plan: dict[str, Any]) -> None:
        plan["settings"]["issuer"] = "https://attacker.example.net/"
        for action in plan["actions"]:
            if action["type"] == "create-federated-credential":
                action["credential"]["issuer"] = "https://attacker.example.net/"

    code, _, err = cli("apply", saved(cli, tmp_path, elsewhere), "--stage", "prepare", "--yes")
    assert code == 1
    assert "attacker.example.net" in err and "is not the cluster's" in err
    assert azure.counters()["arm_writes"] == 0
