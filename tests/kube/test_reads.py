"""Live reads: a list whose continue token expired (410 Gone) starts over; 401 and 403 are
permission problems naming the permission, never "run again to resume"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from migrate.errors import EXIT_ERROR, EXIT_STOPPED
from tests.fakes.azure import FakeAzure
from tests.fakes.kube_apiserver import FakeKubeApiServer
from tests.kube.live_cli import live_cli

EXTRA_PODS = 700  # more than one page (500) of pods


pytestmark = pytest.mark.kube_fake(snapshot="cluster-sample")


@pytest.fixture(autouse=True)
def seeded(kube: FakeKubeApiServer) -> None:
    kube.seed(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": f"batch-{n:04d}", "namespace": "default"},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]},
        }
        for n in range(EXTRA_PODS)
    )


@pytest.fixture
def cli(run_cli: Any, kube: FakeKubeApiServer, azure: FakeAzure, tmp_path: Path) -> Any:
    return live_cli(run_cli, kube, azure, tmp_path)


def test_an_expired_continue_token_restarts_the_list(kube: FakeKubeApiServer, cli: Any) -> None:
    clean = cli("plan", "--cluster", "-o", "json")
    assert clean[0] == 0, clean[2]
    expired = kube.inject(kind="Pod", verb="list", continued=True, status=410, times=1)
    kube.clear_requests()
    code, out, err = cli("plan", "--cluster", "-o", "json")
    assert code == 0, err
    assert expired.hits == 1
    assert out == clean[1]
    first_pages = [
        r for r in kube.requests if r.path == "/api/v1/pods" and "continue" not in r.query
    ]
    assert len(first_pages) == 2  # the list started over once


def test_a_list_that_keeps_expiring_stops_instead_of_looping(
    kube: FakeKubeApiServer, cli: Any
) -> None:
    kube.inject(kind="Pod", verb="list", continued=True, status=410, times=None)
    code, _, err = cli("plan", "--cluster")
    assert code == EXIT_STOPPED
    assert "410" in err and "pods" in err and "Traceback" not in err


def test_a_forbidden_list_names_the_permission(kube: FakeKubeApiServer, cli: Any) -> None:
    kube.inject(kind="Deployment", verb="list", status=403, times=None)
    code, _, err = cli("plan", "--cluster")
    assert code == EXIT_ERROR
    assert "may not list deployments.apps in all namespaces" in err
    assert "docs/clusterrole.yaml" in err
    assert "run the same command again" not in err and "Traceback" not in err


def test_a_forbidden_journal_write_names_the_permission(kube: FakeKubeApiServer, cli: Any) -> None:
    kube.inject(kind="ConfigMap", verb="patch", status=403, times=None)
    kube.inject(kind="ConfigMap", verb="create", status=403, times=None)
    code, _, err = cli("apply", "--stage", "prepare", "--yes")
    assert code == EXIT_ERROR
    assert "may not" in err and "configmaps in namespace kube-system" in err
    assert "run the same command again" not in err and "Traceback" not in err


def test_rejected_credentials_are_not_resumable(kube: FakeKubeApiServer, cli: Any) -> None:
    kube.inject(status=401, times=None)
    code, _, err = cli("plan", "--cluster")
    assert code == EXIT_ERROR
    assert "401" in err and "credentials" in err
    assert "to resume" not in err and "Traceback" not in err


def _pod_lists(kube: FakeKubeApiServer) -> list[int]:
    return [i for i, r in enumerate(kube.requests) if r.path == "/api/v1/pods"]


def test_the_pods_are_listed_while_the_other_kinds_are(kube: FakeKubeApiServer, cli: Any) -> None:
    """The pods' list (the longest by far) runs beside the other kinds' lists: with one of the
    last kinds held up (Jobs, for half a second), every page of pods is read before the
    leftovers read after the kinds are asked for."""
    slow = kube.inject(kind="Job", verb="list", latency=0.5, times=1)
    kube.clear_requests()
    code, _, err = cli("plan", "--cluster", "-o", "json")
    assert code == 0, err
    assert slow.hits == 1
    pods = _pod_lists(kube)
    after = [i for i, r in enumerate(kube.requests) if "aad-pod-identity-config" in str(r.query)]
    assert len(pods) == 2 and after, [r.path for r in kube.requests]
    assert max(pods) < after[0]


def test_a_failed_list_gives_up_the_pods_list(kube: FakeKubeApiServer, cli: Any) -> None:
    """A kind that cannot be listed stops the command, and the pods' list in its thread stops
    at its next page (no request of it is left running behind the error)."""
    kube.inject(kind="AzureIdentity", verb="list", status=403, times=None)
    first_page = kube.inject(kind="Pod", verb="list", continued=False, latency=0.3, times=1)
    kube.clear_requests()
    code, _, err = cli("plan", "--cluster")
    assert code == EXIT_ERROR
    assert "may not list azureidentities.aadpodidentity.k8s.io" in err, err
    assert first_page.hits == 1  # the pods' list had started
    assert not [r for r in kube.requests if r.path == "/api/v1/pods" and "continue" in r.query]


def test_the_cycle_collector_rests_while_the_cluster_is_read(
    kube: FakeKubeApiServer, tmp_path: Path
) -> None:
    """Every pod is alive at once during a read (decoded JSON, no cycles): a pass of the
    collector would walk them all again, so none runs until the read is done."""
    import gc

    from migrate.kubeapi.client import Connection
    from migrate.read import cluster

    kube.write_kubeconfig(str(tmp_path / "kubeconfig"))
    connection = Connection.connect(kubeconfig=str(tmp_path / "kubeconfig"))
    passes: list[int] = []

    def counted(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            passes.append(info["generation"])

    gc.collect()
    gc.callbacks.append(counted)
    try:
        inventory, _ = cluster.read(connection)
        during = len(passes)
        gc.collect()  # the collector is back: this pass is counted
    finally:
        gc.callbacks.remove(counted)
        connection.close()
    assert inventory.workloads
    # at most the one pass the collector makes when it is back, as the read ends (unpaused,
    # the read of these 700 pods made 11)
    assert during <= 1, passes
    assert len(passes) > during and gc.isenabled()
