"""Issue edge 3: `rollback` without --yes prints what it would restore and writes nothing; with
--yes it restores."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.conftest import TEAMS, azure_args, writes
from tests.fakes.azure import FakeAzure
from tests.fakes.kube_apiserver import FakeKubeApiServer

pytestmark = pytest.mark.kube_fake(snapshot="cluster-sample")


def switched(live: Any, azure: FakeAzure) -> None:
    for stage in ("prepare", "switch"):
        code, _, err = live(
            "apply", "--stage", stage, "--yes", "--cluster-name", "aks1", *azure_args(azure)
        )
        assert code == 0, err


def test_rollback_without_yes_is_a_preview(
    kube: FakeKubeApiServer, azure: FakeAzure, live: Any
) -> None:
    switched(live, azure)
    before = kube.dump_state()
    kube.clear_requests()
    code, out, err = live("rollback", "--stage", "switch")
    assert code == 0, err
    assert writes(kube) == []
    assert kube.dump_state() == before
    restores = [line for line in out.splitlines() if line.startswith("would restore")]
    assert len(restores) == 25, out  # every switched workload, by name
    assert "would restore Deployment/orders/" in out
    assert "run again with --yes" in err


def test_rollback_with_yes_restores(kube: FakeKubeApiServer, azure: FakeAzure, live: Any) -> None:
    switched(live, azure)
    code, _, err = live("rollback", "--stage", "switch", "--yes")
    assert code == 0, err
    assert "rollback switch: 25 object(s) restored" in err
    for team in TEAMS:
        for deployment in kube.objects("Deployment", namespace=team):
            labels = deployment["spec"]["template"]["metadata"]["labels"]
            assert "azure.workload.identity/use" not in labels
