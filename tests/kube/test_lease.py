"""One live run at a time per cluster: two `apply --yes` started together, as two operators
would; the second stops naming the holder of the Lease, the first finishes, and the journal
holds every object it changed (docs/security.md)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from migrate.errors import EXIT_STOPPED
from tests.conftest import ROOT
from tests.fakes.azure import FakeAzure
from tests.fakes.kube_apiserver import FakeKubeApiServer
from tests.kube.conftest import azure_args
from tests.kube.live_cli import cluster_journal, live_cli, switched

SWITCHED = 15


pytestmark = pytest.mark.kube_fake(snapshot="cluster-sample")


def start(kube: FakeKubeApiServer, azure: FakeAzure, tmp_path: Path, state: str) -> Any:
    """`wi-migrate apply --stage switch --yes` in its own process, its own state directory."""
    command = [
        *(sys.executable, "-m", "migrate", "apply", "--stage", "switch", "--yes"),
        *("--kubeconfig", str(tmp_path / "kubeconfig")),
        *("--state-dir", str(tmp_path / state), "--cluster-name", "aks1"),
        *azure_args(azure),
    ]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_second_run_stops_naming_who_holds_the_lease(
    run_cli: Any, kube: FakeKubeApiServer, azure: FakeAzure, tmp_path: Path
) -> None:
    cli = live_cli(run_cli, kube, azure, tmp_path, state="first")
    code, _, err = cli("apply", "--stage", "prepare", "--yes")
    assert code == 0, err
    # the first run's first workload write waits long enough for a second run to start, on a
    # busy machine too
    slow = kube.inject(kind="Deployment", verb="patch", latency=20, times=1)
    first = start(kube, azure, tmp_path, "first")
    deadline = time.monotonic() + 60
    while slow.hits == 0 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert slow.hits > 0, first.communicate()  # the first run is writing workloads now
    second = start(kube, azure, tmp_path, "second")
    _, second_err = second.communicate(timeout=120)
    _, first_err = first.communicate(timeout=120)
    assert first.returncode == 0, first_err
    assert second.returncode == EXIT_STOPPED, second_err
    assert "lease" in second_err and f"pid {first.pid}" in second_err
    assert len(switched(kube)) == SWITCHED
    entries = cluster_journal(kube)["switch"]["entries"]
    assert len([e for e in entries if e["ref"].startswith("Deployment/")]) == SWITCHED
    # the lease is given back: a third run goes ahead (and finds nothing to do)
    kube.clear_faults()
    code, _, err = cli("apply", "--stage", "switch", "--yes")
    assert code == 0, err
    code, _, err = cli("rollback", "--stage", "switch", "--yes")
    assert code == 0, err
    assert switched(kube) == []


def test_a_lease_left_by_a_killed_run_expires(
    run_cli: Any, kube: FakeKubeApiServer, azure: FakeAzure, tmp_path: Path
) -> None:
    """A run killed with SIGKILL cannot give its lease back: once it is not renewed for its
    duration, the next run takes it over."""
    cli = live_cli(run_cli, kube, azure, tmp_path, state="first")
    code, _, err = cli("apply", "--stage", "prepare", "--yes")
    assert code == 0, err
    kube.seed(
        [
            {
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {"name": "wi-migrate", "namespace": "kube-system"},
                "spec": {
                    "holderIdentity": "someone@elsewhere pid 1",
                    "leaseDurationSeconds": 15,
                    "acquireTime": "2026-01-01T00:00:00.000000Z",
                    "renewTime": "2026-01-01T00:00:00.000000Z",
                },
            }
        ]
    )
    code, _, err = cli("apply", "--stage", "switch", "--yes")
    assert code == 0, err
    assert "someone@elsewhere" in err  # said, not hidden: the stale holder is named
