"""What a live run stores on the operator's machine: in a state directory (--state-dir, or
$XDG_STATE_HOME/wi-migrate), readable by its owner only, and without container env values
(the journal's before-images of workloads)."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.azure import FakeAzure
from tests.fakes.kube_apiserver import FakeKubeApiServer
from tests.kube.conftest import azure_args
from tests.kube.live_cli import cluster_journal, live_cli

CANARY = "env-CANARY-3b9d1e"


pytestmark = pytest.mark.kube_fake(snapshot="cluster-sample")


@pytest.fixture(autouse=True)
def seeded(kube: FakeKubeApiServer) -> None:
    deployment = kube.get("Deployment", "orders-api", "orders")
    assert deployment is not None
    deployment["spec"]["template"]["spec"]["containers"][0]["env"] = [
        {"name": "DATABASE_PASSWORD", "value": CANARY},
        {"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}},
    ]
    kube.seed([deployment])


def test_state_is_private_and_holds_no_env_values(
    run_cli: Any,
    kube: FakeKubeApiServer,
    azure: FakeAzure,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    cli = live_cli(run_cli, kube, azure, tmp_path)
    for stage in ("prepare", "switch"):
        code, _, err = cli("apply", "--stage", stage, "--yes")
        assert code == 0, err
    assert list((tmp_path / "cwd").iterdir()) == []  # nothing left in the working directory
    state = tmp_path / "state"
    stored = [p for p in state.rglob("*")]
    assert [p for p in stored if p.is_file()], "the local journal is in the state directory"
    for path in [state, *stored]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
        if path.is_file():
            assert CANARY not in path.read_text(errors="replace"), path
    assert CANARY not in str(cluster_journal(kube))
    deployment = kube.get("Deployment", "orders-api", "orders")
    assert deployment is not None
    assert deployment["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"] == CANARY
    code, _, err = cli("rollback", "--stage", "switch", "--yes")
    assert code == 0, err
    deployment = kube.get("Deployment", "orders-api", "orders")
    assert deployment is not None
    assert deployment["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"] == CANARY


def test_the_state_directory_defaults_to_xdg_state_home(
    run_cli: Any,
    kube: FakeKubeApiServer,
    azure: FakeAzure,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    kubeconfig = str(kube.write_kubeconfig(tmp_path / "kubeconfig"))
    code, _, err = run_cli(
        "apply",
        "--stage",
        "prepare",
        "--yes",
        "--kubeconfig",
        kubeconfig,
        "--cluster-name",
        "aks1",
        *azure_args(azure),
    )
    assert code == 0, err
    assert [p for p in (tmp_path / "xdg" / "wi-migrate").rglob("*") if p.is_file()]
    assert not (tmp_path / "wi-migrate-journal.json").exists()
