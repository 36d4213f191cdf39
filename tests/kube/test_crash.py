"""Crash test: `apply` killed at random points, then run again, ends where a clean run ends.

The apply runs in a subprocess against the fake in this process; a watcher kills it
(SIGKILL) once the fake has answered N of its requests. The fake adds a little latency
to every request so the kill lands close to N.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from migrate.cli import main
from migrate.kube import apply
from migrate.kube.client import Connection
from migrate.kube.journal import Journal
from migrate.plan import Settings
from tests.conftest import FIXTURES, ROOT
from tests.fakes.kube_apiserver import FakeKubeApiServer
from tests.kube.cluster import InMemoryCredentials, rollout, state

SETTINGS = Settings(cluster_name="aks1")
STAGES = ("switch", "retire")
KILLS_PER_STAGE = 11  # 22 kill points in all


def ready_for(stage: str, fake: FakeKubeApiServer, journal: str) -> None:
    """Run the stages before `stage` cleanly, in-process."""
    connection = Connection(fake.api_client(), "fake")
    azure = InMemoryCredentials()
    for earlier in ("prepare", "switch", "retire")[: ("prepare", "switch", "retire").index(stage)]:
        loaded = Journal(connection, path=journal).load()
        apply.run(connection, loaded, SETTINGS, apply.Options(earlier, write=True), azure)
        rollout(fake)
    connection.close()


def command(fake: FakeKubeApiServer, tmp: Path, stage: str) -> list[str]:
    kubeconfig = fake.write_kubeconfig(tmp / "kubeconfig")
    return [
        sys.executable,
        "-m",
        "migrate",
        "apply",
        "--stage",
        stage,
        "--yes",
        "--kubeconfig",
        str(kubeconfig),
        "--journal",
        str(tmp / "journal.json"),
        "--cluster-name",
        "aks1",
        "--skip-gate",
        "credentials",
    ]


def run_killed(fake: FakeKubeApiServer, argv: list[str], after: int) -> int:
    """Start apply; SIGKILL it once the fake has seen `after` more requests."""
    start = len(fake.requests)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def watch() -> None:
        while process.poll() is None:
            if len(fake.requests) - start >= after:
                process.kill()
                return
            time.sleep(0.0005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    process.wait(timeout=60)
    watcher.join()
    return len(fake.requests) - start


def test_killed_applies_finish_with_the_clean_runs_state(tmp_path: Path) -> None:
    rng = random.Random(20261123)
    points: list[tuple[str, int, int]] = []
    for stage in STAGES:
        clean_tmp = tmp_path / f"clean-{stage}"
        clean_tmp.mkdir()
        with FakeKubeApiServer() as fake:
            fake.load_snapshot(FIXTURES / "cluster-sample")
            ready_for(stage, fake, str(clean_tmp / "journal.json"))
            fake.clear_requests()
            clean = subprocess.run(
                command(fake, clean_tmp, stage),
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert clean.returncode == 0, clean.stderr
            total = len(fake.requests)
            expected = state(fake, "Pod")
            expected_journal = _befores(fake, clean_tmp)
        for after in sorted(rng.sample(range(1, total), KILLS_PER_STAGE)):
            tmp = tmp_path / f"{stage}-{after}"
            tmp.mkdir()
            with FakeKubeApiServer() as fake:
                fake.load_snapshot(FIXTURES / "cluster-sample")
                ready_for(stage, fake, str(tmp / "journal.json"))
                fake.inject(latency=0.002, times=None)
                killed_at = run_killed(fake, command(fake, tmp, stage), after)
                fake.clear_faults()
                again = main(command(fake, tmp, stage)[3:])  # the same CLI, in-process
                assert again == 0, (stage, after)
                assert state(fake, "Pod") == expected, (stage, after)
                assert _befores(fake, tmp) == expected_journal, (stage, after)
                assert fake.internal_errors == []
                points.append((stage, after, killed_at))
    assert len({(s, k) for s, _, k in points if k < 10_000}) >= 20


def _befores(fake: FakeKubeApiServer, tmp: Path) -> dict[str, Any]:
    """The journal's before-images without server-set fields: what a rollback restores."""
    connection = Connection(fake.api_client(), "fake")
    journal = Journal(connection, path=str(tmp / "journal.json")).load()
    connection.close()
    out = {}
    for name, log in journal.stages.items():
        for ref, entry in log.entries.items():
            before = dict(entry.before or {})
            if before:
                before["metadata"] = {
                    k: v
                    for k, v in before["metadata"].items()
                    if k not in ("resourceVersion", "uid", "creationTimestamp", "generation")
                }
            out[f"{name}:{ref}"] = before
    return out
