"""Faults during every live stage: 409 conflicts, 500s, 429s and dropped connections, each on
the object kind and verb it names (a workload PATCH, a ServiceAccount apply, a binding delete).

Each fault is asserted to have hit that kind; each stage either converges despite it (retries,
re-reads) or stops once with a resumable error (exit code 3) that a plain re-run finishes; the
end state is a clean run's.
"""

from __future__ import annotations

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
from tests.fakes.kube_storage import Fault
from tests.kube.cluster import InMemoryCredentials, mic, rollout, state

SETTINGS = Settings(cluster_name="aks1")
ATTEMPTS = 4  # the connection's attempts per request in these tests
# Each fault names the object kind and verb it hits (the fake matches on what a request acts on,
# not on a path pattern): the test asserts it was hit, and that the stage still ends as a clean
# run does. A retried status injected ATTEMPTS times or more outlasts the retries: one stop.
FAULTS: dict[str, dict[str, dict[str, Any]]] = {
    "prepare": {
        "409 on a ServiceAccount apply": dict(
            kind="ServiceAccount", verb="patch", status=409, times=3
        ),
        "500 on a ServiceAccount read": dict(
            kind="ServiceAccount", verb="get", status=500, times=3
        ),
        "dropped RoleBinding patch": dict(kind="RoleBinding", verb="patch", drop=True, times=2),
        "429 on the journal ConfigMap": dict(kind="ConfigMap", status=429, retry_after=0, times=3),
        "500s outlasting the retries on the ServiceAccount list": dict(
            kind="ServiceAccount", verb="list", status=500, times=ATTEMPTS
        ),
    },
    "switch": {
        "409 on a Deployment patch": dict(kind="Deployment", verb="patch", status=409, times=3),
        "503 on a StatefulSet patch": dict(kind="StatefulSet", verb="patch", status=503, times=3),
        "dropped CronJob patch": dict(kind="CronJob", verb="patch", drop=True, times=2),
        "500s outlasting the retries on a Deployment patch": dict(
            kind="Deployment", verb="patch", status=500, times=ATTEMPTS
        ),
    },
    "retire": {
        "409 on a Deployment label removal": dict(
            kind="Deployment", verb="patch", status=409, times=3
        ),
        "dropped AzureIdentityBinding delete": dict(
            kind="AzureIdentityBinding", verb="delete", drop=True, times=2
        ),
        "503 on an AzureIdentity delete": dict(
            kind="AzureIdentity", verb="delete", status=503, times=3
        ),
        "429 on an AzureIdentity read": dict(
            kind="AzureIdentity", verb="get", status=429, retry_after=0, times=3
        ),
    },
    "uninstall": {
        "dropped DaemonSet delete": dict(kind="DaemonSet", verb="delete", drop=True, times=2),
        "503 on a CustomResourceDefinition delete": dict(
            kind="CustomResourceDefinition", verb="delete", status=503, times=3
        ),
        "429 on a ClusterRole delete": dict(
            kind="ClusterRole", verb="delete", status=429, retry_after=0, times=2
        ),
        "500s outlasting the retries on a ServiceAccount delete": dict(
            kind="ServiceAccount", verb="delete", status=500, times=ATTEMPTS
        ),
    },
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
    stage: str, tmp: Path, fault: dict[str, Any] | None
) -> tuple[dict[str, Any], int, Fault | None]:
    """Seed, run the stages before `stage` cleanly, run `stage` under the fault (re-running
    after a resumable stop); returns the final state, how many stops there were and the fault
    (its hits)."""
    stops = 0
    with FakeKubeApiServer() as fake:
        fake.load_snapshot(FIXTURES / "cluster-sample")
        cluster = Cluster(fake, tmp)
        for earlier in ORDER[: ORDER.index(stage)]:
            cluster.run(earlier)
            cluster.controllers()
        injected = fake.inject(**fault) if fault is not None else None
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
        return state(fake, "Pod"), stops, injected


@pytest.mark.parametrize("stage", ORDER)
def test_every_fault_in_every_stage_hits_its_kind_and_converges(stage: str, tmp_path: Path) -> None:
    clean, _, _ = through(stage, tmp_path / "clean", None)
    for name, fault in FAULTS[stage].items():
        faulty, stops, injected = through(stage, tmp_path / name.replace(" ", "-"), fault)
        assert injected is not None and injected.hits > 0, (stage, name, "never hit")
        assert faulty == clean, (stage, name)
        outlasting = fault.get("times", 1) >= ATTEMPTS and not fault.get("drop")
        assert stops == (1 if outlasting else 0), (stage, name, stops)


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
