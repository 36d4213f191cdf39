"""Crash test: `apply` killed at random points, then run again, ends where a clean run ends.

The apply runs in a subprocess against the fakes in this process; a watcher kills it
(SIGKILL) once the fake API server has answered N of its requests (a little latency on
every request lets the kill land close to N). Then the same command runs to completion,
and the cluster (and, for prepare, the federated credentials in the Azure fake) must equal
what an uninterrupted run leaves, journal before-images included.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from migrate.cli import main
from migrate.jobs import live as apply
from migrate.kubeapi.client import Connection
from migrate.model.plan import Settings
from migrate.model.stages import ORDER
from migrate.write.live.journal import Journal
from tests.conftest import FIXTURES, ROOT
from tests.fakes.azure import FakeAzure
from tests.fakes.kube_apiserver import FakeKubeApiServer
from tests.kube.cluster import InMemoryCredentials, mic, rollout, state
from tests.kube.conftest import SUBSCRIPTION, TEAMS, TENANT, azure_args

SETTINGS = Settings(cluster_name="aks1")
KILLS_PER_STAGE = 6  # 24 kill points in all


class Trial:
    """One seeded cluster (and Azure for prepare), made ready for `stage`."""

    def __init__(self, stage: str, tmp: Path, stack: ExitStack) -> None:
        tmp.mkdir()
        self.stage, self.tmp = stage, tmp
        self.fake = stack.enter_context(FakeKubeApiServer())
        self.fake.load_snapshot(FIXTURES / "cluster-sample")
        self.azure: FakeAzure | None = None
        if stage == "prepare":
            self.azure = stack.enter_context(FakeAzure(tenant_id=TENANT))
            for i, team in enumerate(TEAMS, 1):
                client_id = f"{i:08d}-aaaa-4bbb-8ccc-{i:012d}"
                self.azure.add_identity(
                    SUBSCRIPTION, f"rg-{team}", f"id-{team}", client_id=client_id
                )
        self._earlier_stages()
        self.fake.clear_requests()

    def _earlier_stages(self) -> None:
        connection = Connection(self.fake.api_client(), "fake")
        stand_in = InMemoryCredentials()
        for earlier in ORDER[: ORDER.index(self.stage)]:
            journal = Journal.in_state(connection, "kube-system", str(self.tmp / "state")).load()
            apply.run(connection, journal, SETTINGS, apply.Options(earlier, write=True), stand_in)
            rollout(self.fake)
            mic(self.fake)
        connection.close()

    def argv(self) -> list[str]:
        kubeconfig = self.fake.write_kubeconfig(self.tmp / "kubeconfig")
        args = ["apply", "--stage", self.stage, "--yes", "--cluster-name", "aks1"]
        args += ["--kubeconfig", str(kubeconfig), "--state-dir", str(self.tmp / "state")]
        if self.azure is not None:
            args += azure_args(self.azure)
        if self.stage == "switch":
            args += ["--skip-gate", "credentials"]  # the stand-in Azure of the earlier stages
        return args

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "AZURE_TOKEN_CREDENTIALS": "EnvironmentCredential",
        }
        if self.azure is not None:
            env.update(AZURE_CLIENT_ID="wi-migrate-tests", AZURE_CLIENT_SECRET="not-a-secret")
            env.update(AZURE_TENANT_ID=TENANT, REQUESTS_CA_BUNDLE=self.azure.ca_path)
        return env

    def run(self, kill_after: int | None = None) -> int:
        """The CLI in a subprocess; SIGKILLed after `kill_after` API requests when given.
        Returns how many requests it made."""
        start = len(self.fake.requests)
        argv = [sys.executable, "-m", "migrate", *self.argv()]
        process = subprocess.Popen(
            argv, env=self.env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

        def watch() -> None:
            while kill_after is not None and process.poll() is None:
                if len(self.fake.requests) - start >= kill_after:
                    process.kill()
                    return
                time.sleep(0.0005)

        watcher = threading.Thread(target=watch)
        watcher.start()
        _, err = process.communicate(timeout=60)
        watcher.join()
        if kill_after is None:
            assert process.returncode == 0, err.decode()
        return len(self.fake.requests) - start

    def result(self) -> tuple[Any, ...]:
        credentials = []
        if self.azure is not None:
            for identity in self.azure.identities():
                for fic in self.azure.credentials(identity["id"]):
                    props = fic["properties"]
                    credentials.append(
                        (
                            identity["name"],
                            fic["name"],
                            props["issuer"].replace(self.fake.url, "<kube>"),
                            props["subject"],
                        )
                    )
        return state(self.fake, "Pod"), sorted(credentials), self._befores()

    def _befores(self) -> dict[str, Any]:
        """The journal's before-images without server-set fields: what a rollback restores."""
        connection = Connection(self.fake.api_client(), "fake")
        journal = Journal.in_state(connection, "kube-system", str(self.tmp / "state")).load()
        connection.close()
        out = {}
        for name, log in journal.stages.items():
            for ref, entry in log.entries.items():
                before = dict(entry.before or {})
                if before:
                    volatile = ("resourceVersion", "uid", "creationTimestamp", "generation")
                    before["metadata"] = {
                        k: v for k, v in before["metadata"].items() if k not in volatile
                    }
                out[f"{name}:{ref}"] = before
        return out


@pytest.mark.parametrize("stage", ORDER)
def test_killed_applies_finish_with_the_clean_runs_state(
    stage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(f"crash-{stage}")
    with ExitStack() as stack:
        clean = Trial(stage, tmp_path / "clean", stack)
        total = clean.run()
        expected = clean.result()
    assert total > KILLS_PER_STAGE
    killed_at = set()
    for after in sorted(rng.sample(range(1, total), KILLS_PER_STAGE)):
        with ExitStack() as stack:
            trial = Trial(stage, tmp_path / f"kill-{after}", stack)
            trial.fake.inject(latency=0.002, times=None)
            killed_at.add(trial.run(kill_after=after))
            trial.fake.clear_faults()
            if trial.azure is not None:  # the re-run in-process reaches Azure as the child did
                for name, value in trial.env().items():
                    monkeypatch.setenv(name, value)
            assert main(trial.argv()) == 0, (stage, after)  # the same command, run again
            assert trial.result() == expected, (stage, after)
            assert trial.fake.internal_errors == []
    assert len(killed_at) == KILLS_PER_STAGE  # distinct points
