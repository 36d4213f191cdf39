"""Progress bars on stderr for the steps that take seconds on a big repo or cluster, and none
when stderr is not a terminal (CI logs, redirects)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchmarks.generate_repo import generate
from tests import terminal
from tests.conftest import FIXTURES
from tests.fakes.azure import FakeAzure
from tests.fakes.kube_apiserver import FakeKubeApiServer
from tests.kube.conftest import azure, azure_args

__all__ = ["azure"]  # the Azure fake fixture

OPTIONS = ["--issuer", "https://issuer.example/", "--cluster-name", "c1"]
FILES = 600
BAR = "━"


@pytest.fixture(scope="module")
def big_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("progress") / "repo"
    generate(repo, files=FILES, changed=150, identities=150)
    return repo


@pytest.fixture
def cluster(kube: FakeKubeApiServer, tmp_path: Path) -> str:
    kube.load_snapshot(FIXTURES / "cluster-sample")
    return str(kube.write_kubeconfig(tmp_path / "kubeconfig"))


def assert_progress(run: terminal.Run, what: str) -> None:
    assert run.code == 0, run.err
    assert BAR in run.err, f"no progress bar on the stderr terminal for {what}: {run.err[-300:]!r}"


def assert_quiet(run: terminal.Run, what: str) -> None:
    assert run.code == 0, run.err
    assert BAR not in run.raw_err and "\x1b[" not in run.raw_err, f"{what}: {run.raw_err[-300:]!r}"


def test_plan_of_a_big_repo_shows_progress_only_on_a_terminal(big_repo: Path) -> None:
    args = ("plan", str(big_repo), *OPTIONS, "-o", "json")
    shown = terminal.run(*args, stdout_tty=False, stderr_tty=True)
    assert_progress(shown, "plan")
    assert f"/{FILES}" in shown.err  # counted in files
    assert json.loads(shown.out)["kind"] == "MigrationPlan"  # stdout untouched by the bar
    quiet = terminal.run(*args, stdout_tty=False, stderr_tty=False)
    assert_quiet(quiet, "plan")
    assert json.loads(quiet.out) == json.loads(shown.out)


def test_plan_of_a_cluster_shows_progress_only_on_a_terminal(cluster: str) -> None:
    # no --issuer: the plan takes the one the cluster publishes
    args = ("plan", "--cluster", "--kubeconfig", cluster, "--cluster-name", "c1", "-o", "json")
    assert_progress(terminal.run(*args, stdout_tty=False, stderr_tty=True), "plan --cluster")
    assert_quiet(terminal.run(*args, stdout_tty=False, stderr_tty=False), "plan --cluster")


def test_rewrite_and_render_show_progress_only_on_a_terminal(
    big_repo: Path, tmp_path: Path
) -> None:
    for n, tty in enumerate((True, False)):
        repo = tmp_path / f"repo{n}"
        shutil.copytree(big_repo, repo)
        rewrite = terminal.run(
            "rewrite", str(repo), "--stage", "switch", "--skip-gate", "prepared", "--allow-dirty", *OPTIONS,
            stdout_tty=False, stderr_tty=tty,
        )  # fmt: skip
        render = terminal.run(
            "render", str(repo), *OPTIONS, "--target", "kubernetes",
            "--output-dir", str(tmp_path / f"out{n}"), stdout_tty=False, stderr_tty=tty,
        )  # fmt: skip
        check = assert_progress if tty else assert_quiet
        check(rewrite, "rewrite")
        check(render, "render")


def test_apply_shows_progress_of_its_azure_and_cluster_steps_only_on_a_terminal(
    kube: FakeKubeApiServer, azure: FakeAzure, tmp_path: Path
) -> None:
    """prepare --yes: the federated credentials written in Azure (five identities, in parallel)
    and the objects written in the cluster each get a bar; a CI log gets none."""
    kube.load_snapshot(FIXTURES / "cluster-sample")
    config = str(kube.write_kubeconfig(tmp_path / "kubeconfig"))
    for n, tty in enumerate((True, False)):
        args = (
            "apply", "--stage", "prepare", "--yes", "--cluster-name", f"c{n}",
            "--kubeconfig", config, "--state-dir", str(tmp_path / "state"), *azure_args(azure),
        )  # fmt: skip
        shown = terminal.run(*args, stdout_tty=False, stderr_tty=tty)
        if tty:
            assert_progress(shown, "apply")
            bars = [line for line in shown.err.splitlines() if BAR in line]
            assert any("Azure" in line for line in bars), shown.err[-500:]
            assert any("prepare: the cluster" in line for line in bars), shown.err[-500:]
        else:
            assert_quiet(shown, "apply")


def test_status_check_azure_shows_progress_of_its_reads_on_a_terminal(
    kube: FakeKubeApiServer, azure: FakeAzure, tmp_path: Path
) -> None:
    kube.load_snapshot(FIXTURES / "cluster-sample")
    config = str(kube.write_kubeconfig(tmp_path / "kubeconfig"))
    args = (
        "status",
        "--check-azure",
        "--kubeconfig",
        config,
        "--state-dir",
        str(tmp_path),
        *azure_args(azure),
    )
    shown = terminal.run(*args, stdout_tty=False, stderr_tty=True)
    assert_progress(shown, "status --check-azure")
    assert any("Azure" in line and BAR in line for line in shown.err.splitlines()), shown.err[-500:]
    assert_quiet(terminal.run(*args, stdout_tty=False, stderr_tty=False), "status --check-azure")
