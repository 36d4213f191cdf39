"""Faults during every live stage: 409 conflicts, 500s, 429s and dropped connections.

Each stage either converges despite them (retries, re-reads) or stops with a resumable
error (exit code 3) that a plain re-run finishes; the end state is a clean run's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from migrate.errors import EXIT_STOPPED, UserError
from migrate.jobs import live as apply
from migrate.jobs import uninstall
from migrate.kubeapi.client import Connection
from migrate.model.plan import Settings
from migrate.model.stages import ORDER
from migrate.write.live.journal import Journal
from tests.conftest import FIXTURES
from tests.fakes.kube_apiserver import FakeKubeApiServer
from tests.kube.cluster import InMemoryCredentials, mic, rollout, state

SETTINGS = Settings(cluster_name="aks1")
FAULTS: dict[str, Callable[[FakeKubeApiServer], Any]] = {
    "409 on writes": lambda f: f.inject(method="PATCH", status=409, times=4),
    "500 on reads": lambda f: f.inject(method="GET", status=500, times=4),
    "429 on everything": lambda f: f.inject(status=429, retry_after=0, times=6),
    "dropped writes": lambda f: f.inject(method="PATCH", drop=True, times=3),
    "dropped deletes": lambda f: f.inject(method="DELETE", drop=True, times=3),
    "503 on one write in three": lambda f: f.inject(
        path_regex=r"deployments|statefulsets|cronjobs|serviceaccounts|azureidentit|daemonsets|customresourcedefinitions",
        status=503,
        times=3,
    ),
}


class Cluster:
    def __init__(self, fake: FakeKubeApiServer, tmp: Path) -> None:
        tmp.mkdir(parents=True, exist_ok=True)
        self.fake = fake
        self.journal = str(tmp / "journal.json")
        self.azure = InMemoryCredentials()
        self.connection = Connection(fake.api_client(), "fake", attempts=4, backoff=0.001)

    def run(self, stage: str) -> None:
        journal = Journal(self.connection, path=self.journal).load()
        options = apply.Options(stage, write=True)
        if stage == "uninstall":
            uninstall.run(self.connection, journal, SETTINGS, options, False, lambda _: None)
        else:
            apply.run(self.connection, journal, SETTINGS, options, self.azure)

    def controllers(self) -> None:
        rollout(self.fake)
        mic(self.fake)


def through(
    stage: str, tmp: Path, fault: Callable[[FakeKubeApiServer], Any] | None
) -> tuple[dict[str, Any], int]:
    """Seed, run the stages before `stage` cleanly, run `stage` under the fault (re-running
    after a resumable stop); returns the final state, how many stops there were and how many
    requests the fault hit."""
    stops = 0
    with FakeKubeApiServer() as fake:
        fake.load_snapshot(FIXTURES / "cluster-sample")
        cluster = Cluster(fake, tmp)
        for earlier in ORDER[: ORDER.index(stage)]:
            cluster.run(earlier)
            cluster.controllers()
        injected = fault(fake) if fault is not None else None
        for _ in range(5):
            try:
                cluster.run(stage)
                break
            except UserError as e:
                assert e.exit_code == EXIT_STOPPED, e
                assert "run the same command again" in e.hint
                stops += 1
        else:
            pytest.fail(f"{stage} did not converge")
        assert fake.internal_errors == []
        hits = injected.hits if injected is not None else 0
        return state(fake, "Pod"), stops, hits


@pytest.mark.parametrize("stage", ORDER)
def test_every_fault_in_every_stage_converges(stage: str, tmp_path: Path) -> None:
    clean, _, _ = through(stage, tmp_path / "clean", None)
    for name, fault in FAULTS.items():
        faulty, stops, hits = through(stage, tmp_path / name.replace(" ", "-"), fault)
        assert faulty == clean, (stage, name)
        deletes = stage in ("retire", "uninstall")
        assert hits > 0 or (name == "dropped deletes" and not deletes), (stage, name)
        if name == "500 on reads":  # outlasts the retries: one resumable stop, then done
            assert stops == 1, stage


def test_a_persistent_failure_stops_with_a_resumable_error(tmp_path: Path) -> None:
    with FakeKubeApiServer() as fake:
        fake.load_snapshot(FIXTURES / "cluster-sample")
        cluster = Cluster(fake, tmp_path)
        cluster.run("prepare")
        fault = fake.inject(method="PATCH", path_regex="deployments", status=500, times=None)
        with pytest.raises(UserError) as stopped:
            cluster.run("switch")
        assert stopped.value.exit_code == EXIT_STOPPED
        assert (
            "the API server failed while running the switch stage: 500 InternalError"
            in stopped.value.message
        )
        assert "every change so far is in the journal" in stopped.value.hint
        assert fault.hits == 4  # the retries, then the stop
        fake.clear_faults()
        cluster.run("switch")
        assert (
            len(
                [
                    d
                    for d in fake.objects("Deployment")
                    if d["spec"]["template"]["spec"].get("serviceAccountName")
                ]
            )
            == 16
        )  # 15 + mic
