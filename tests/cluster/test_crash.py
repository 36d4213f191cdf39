"""Crash test on the real control plane: every stage SIGKILLed part-way, then run again, ends
where an uninterrupted migration ends, object by object (and the same federated credentials).

The CLI runs in a subprocess as the migrator; a watcher kills it once the API server's audit
log (written before each response is sent) and the Azure fake together hold N of its writes.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from migrate.cli import main
from migrate.model.stages import ORDER
from tests.cluster.cluster import RealCluster
from tests.cluster.conftest import azure_for
from tests.cluster.control_plane import ControlPlane
from tests.cluster.test_stages import assert_same
from tests.conftest import ROOT
from tests.fakes.azure import FakeAzure
from tests.kube.conftest import azure_args

pytestmark = pytest.mark.real_cluster

WRITES = {"create", "update", "patch", "delete"}
SERIES = 2  # two killed migrations: 8 kill points, one per stage in each


class Migration:
    def __init__(self, plane: ControlPlane, azure: FakeAzure, folder: Path) -> None:
        folder.mkdir()
        self.plane, self.azure, self.folder = plane, azure, folder
        self._audit_offset, self._kube_writes = 0, 0

    def argv(self, stage: str) -> list[str]:
        args = ["apply", "--stage", stage, "--yes", "--cluster-name", "aks1"]
        args += ["--kubeconfig", str(self.plane.migrator_kubeconfig)]
        args += ["--state-dir", str(self.folder / "state"), *azure_args(self.azure)]
        return args

    def writes(self) -> int:
        """The migrator's writes the API server has answered, plus Azure's PUTs and DELETEs."""
        with self.plane.audit_log.open("rb") as log:
            log.seek(self._audit_offset)
            chunk = log.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self._audit_offset += len(complete)
        for line in complete.splitlines():
            event = json.loads(line)
            if event["verb"] in WRITES and event["stage"] == "ResponseComplete":
                self._kube_writes += 1
        azure = [r for r in self.azure.requests() if r.method in ("PUT", "DELETE")]
        return self._kube_writes + len(azure)

    def killed(self, stage: str, after: int) -> int:
        """The stage in a subprocess, SIGKILLed once it has made `after` writes. Returns the
        writes it had made when it died."""
        start = self.writes()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        process = subprocess.Popen(
            [sys.executable, "-m", "migrate", *self.argv(stage)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

        def watch() -> None:
            while process.poll() is None:
                if self.writes() - start >= after:
                    process.kill()
                    return
                time.sleep(0.01)

        watcher = threading.Thread(target=watch)
        watcher.start()
        _, err = process.communicate(timeout=300)
        watcher.join()
        assert process.returncode == -9, (
            f"{stage} finished before its kill point {after}: {err.decode()}"
        )
        return self.writes() - start

    def finish(self, stage: str) -> int:
        start = self.writes()
        assert main(self.argv(stage)) == 0, stage
        return self.writes() - start


def credentials(azure: FakeAzure) -> list[tuple[str, ...]]:
    found = []
    for identity in azure.identities():
        for fic in azure.credentials(identity["id"]):
            props = fic["properties"]
            found.append((identity["name"], fic["name"], props["issuer"], props["subject"]))
    return sorted(found)


def test_killed_stages_finish_where_a_clean_migration_ends(
    cluster: RealCluster,
    control_plane: ControlPlane,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    writes_per_stage = {}
    with azure_for(control_plane, monkeypatch) as azure:
        clean = Migration(control_plane, azure, tmp_path / "clean")
        for stage in ORDER:
            writes_per_stage[stage] = clean.finish(stage)
            cluster.settle()
        expected_state, expected_fics = cluster.state(), credentials(azure)
    assert all(n > 2 for n in writes_per_stage.values()), writes_per_stage

    rng = random.Random("real-cluster-crash")
    for series in range(SERIES):
        cluster.reset()
        with azure_for(control_plane, monkeypatch) as azure:  # Azure as it was, too
            migration = Migration(control_plane, azure, tmp_path / f"killed-{series}")
            for stage in ORDER:
                after = rng.randrange(1, writes_per_stage[stage])
                died_after = migration.killed(stage, after)
                assert died_after < writes_per_stage[stage], (stage, after, died_after)
                migration.finish(stage)  # the same command again
                cluster.settle()
            assert_same(cluster.state(), expected_state)
            assert credentials(azure) == expected_fics
    (local,) = (tmp_path / "killed-0" / "state").glob("journal-*.json")
    journal = json.loads(local.read_text())
    assert journal  # the local copy was written and read back across the kills
