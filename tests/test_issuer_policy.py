"""One issuer policy for every path (migrate/planner/issuer.py), here through plan --cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.kube_apiserver import FakeKubeApiServer

ISSUER = "https://oidc.example/cluster/"
pytestmark = pytest.mark.kube_fake(snapshot="cluster-sample", issuer=ISSUER)


def plan_cluster(run_cli, kube: FakeKubeApiServer, tmp_path: Path, *extra: str):  # type: ignore[no-untyped-def]
    kubeconfig = str(kube.write_kubeconfig(tmp_path / "kubeconfig"))
    return run_cli("plan", "--cluster", "--kubeconfig", kubeconfig, "-o", "json", *extra)


def test_the_clusters_issuer_fills_a_missing_one(
    run_cli, kube: FakeKubeApiServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = plan_cluster(run_cli, kube, tmp_path)
    assert code in (0, 1) and f'"issuer": "{ISSUER}"' in out


def test_an_issuer_that_differs_from_the_clusters_is_refused(
    run_cli, kube: FakeKubeApiServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    code, out, err = plan_cluster(run_cli, kube, tmp_path, "--issuer", ISSUER.rstrip("/"))
    assert code == 1 and out == ""
    assert "differ only by the trailing '/'" in err and f"--issuer {ISSUER}" in err
