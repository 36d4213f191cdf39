"""Issue edge 5 for the live commands: `status`, `apply` and `rollback` on an 80-column
terminal fit it and never split an identifier (namespace and name in their own columns, a long
value on its own line), like `plan`'s tables. In a pipe they keep their one line per item."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests import terminal
from tests.cli.conftest import TEAMS, azure_args
from tests.conftest import SAMPLE
from tests.fakes.azure import FakeAzure
from tests.fakes.kube_apiserver import FakeKubeApiServer

pytestmark = pytest.mark.kube_fake(snapshot="cluster-sample")
CLUSTER = "aks-prod-westeurope-01"  # credential names of 40 characters and more


def assert_fits(out: str, columns: int = 80) -> None:
    for line in out.splitlines():
        # a value longer than the terminal is allowed only alone on its own line
        assert len(line) <= columns or " " not in line.strip(), line


def whole(value: str, out: str) -> bool:
    pattern = re.compile(r"(?<![\w.:/-])" + re.escape(value) + r"(?![\w.:-])")
    return any(pattern.search(line) for line in out.splitlines())


@pytest.fixture
def wi(kube: FakeKubeApiServer, azure: FakeAzure, tmp_path: Path) -> Any:
    """wi-migrate on an 80-column terminal (stdout and stderr) against both fakes."""
    config = str(kube.write_kubeconfig(tmp_path / "kubeconfig"))
    common = ["--kubeconfig", config, "--state-dir", str(tmp_path / "state")]

    def run(*args: str) -> terminal.Run:
        extra = [] if args[0] == "rollback" else ["--cluster-name", CLUSTER, *azure_args(azure)]
        shown = terminal.run(*args, *common, *extra, columns=80, stderr_tty=True)
        assert shown.code == 0, shown.err
        assert_fits(shown.out)
        return shown

    return run


def test_status_fits_and_shows_the_issuer_whole(kube: FakeKubeApiServer, wi: Any) -> None:
    shown = wi("status")
    assert whole(kube.issuer, shown.out), shown.out
    [prepare] = [line for line in shown.out.splitlines() if re.search(r"\bprepare\b", line)]
    assert "not started" in prepare and "10" in prepare, shown.out


def test_apply_preview_and_results_fit_and_keep_each_identifier_whole(wi: Any) -> None:
    preview = wi("apply", "--stage", "prepare")
    done = wi("apply", "--stage", "prepare", "--yes")
    for shown in (preview, done):
        for team in TEAMS:
            assert whole(f"{CLUSTER}-{team}-{team}", shown.out), shown.out
            assert whole(f"system:serviceaccount:{team}:{team}", shown.out), shown.out
            assert whole(team, shown.out), shown.out  # the namespace in a column of its own
    assert "[1/" not in done.err  # the bars showed the progress; the results are on stdout


def test_rollback_shows_namespace_and_name_in_their_own_columns(wi: Any) -> None:
    wi("apply", "--stage", "prepare", "--yes")
    wi("apply", "--stage", "switch", "--yes")
    for shown in (
        wi("rollback", "--stage", "switch"),
        wi("rollback", "--stage", "switch", "--yes"),
    ):
        for team in TEAMS:
            assert re.search(rf"\b{team}\b.*\s{team}-api\b", shown.out), shown.out
        assert "Deployment/" not in shown.out, shown.out


def test_a_failed_gate_fits_the_terminal(
    kube: FakeKubeApiServer, azure: FakeAzure, tmp_path: Path
) -> None:
    """The error boundary wraps at spaces on a terminal: each blocker's object whole."""
    config = str(kube.write_kubeconfig(tmp_path / "kubeconfig"))
    shown = terminal.run(
        "apply", "--stage", "uninstall", "--kubeconfig", config, "--state-dir", str(tmp_path),
        "--cluster-name", CLUSTER, *azure_args(azure), columns=80, stderr_tty=True,
    )  # fmt: skip
    assert shown.code == 3, shown.err
    assert "gate released before uninstall failed" in shown.err
    assert_fits(shown.err)
    assert whole("orders/orders-api-7d9c8b-x03-orders-id-orders", shown.err), shown.err
    assert whole("--skip-gate", shown.err) and whole("released)", shown.err), shown.err


def test_uninstall_results_are_a_table_like_every_stages(wi: Any) -> None:
    """Its steps' lines went to stdout beside the table (before: '[1/14] changed ...')."""
    shown = wi("apply", "--stage", "uninstall", "--yes", "--skip-gate", "released")
    assert "[1/" not in shown.out and "[1/" not in shown.err, shown.out
    assert whole("CustomResourceDefinition", shown.out), shown.out
    assert "uninstall: 14 changed" in shown.err, shown.err


def test_notes_fit_the_terminal(wi: Any) -> None:
    """uninstall's security note: its sentences wrapped at spaces, each identity's resource id
    whole on a line of its own."""
    shown = wi("apply", "--stage", "uninstall", "--skip-gate", "released")
    assert "Run again with --check-node-pools" in " ".join(shown.err.split()), shown.err
    assert_fits(shown.err)
    ids = [line.strip() for line in shown.err.splitlines() if "/userAssignedIdentities/id-" in line]
    assert len(ids) == 5 and all(i.startswith("/subscriptions/") for i in ids), shown.err


@pytest.mark.parametrize("command", ["rewrite", "render"])
def test_rewrite_and_render_findings_fit_the_terminal(command: str, tmp_path: Path) -> None:
    """Their findings on stderr (a chart's values, an exception, a selector): wrapped at
    spaces on an 80-column terminal, each file:line whole."""
    repo = tmp_path / "repo"
    shutil.copytree(SAMPLE, repo)
    args = ["--stage", "all", "--check"] if command == "rewrite" else ["-d", str(tmp_path / "out")]
    shown = terminal.run(command, str(repo), *args, "--cluster-name", CLUSTER, stderr_tty=True)
    assert shown.code in (0, 1), shown.err
    assert "warning helm-values" in shown.err
    assert_fits(shown.err)
    assert whole(f"{repo}/charts/inventory/values.yaml:15:", shown.err), shown.err
