"""Issue edges 5 and 6: -o/--output is the format on every command (render writes to
--output-dir/-d); every command that reports has -o json with apiVersion and kind; status counts
the prepare stage honestly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import SAMPLE_ISSUER, azure_args, document, writes
from tests.conftest import SAMPLE
from tests.fakes.azure import FakeAzure
from tests.fakes.kube_apiserver import FakeKubeApiServer

pytestmark = pytest.mark.kube_fake(snapshot="cluster-sample")

API_VERSION = "wi-migrate/v1"


def test_render_writes_to_output_dir(run_cli: Any) -> None:
    code, _, err = run_cli(
        "render", str(SAMPLE), "-d", "out", "-t", "kubernetes", "--issuer", SAMPLE_ISSUER
    )
    assert code == 0, err
    assert list(Path("out", "kubernetes").rglob("*.yaml"))
    code, _, err = run_cli(
        "render", str(SAMPLE), "--output-dir", "long", "-t", "kubernetes", "--issuer", SAMPLE_ISSUER
    )
    assert code == 0, err
    assert list(Path("long", "kubernetes").rglob("*.yaml"))


def test_render_o_json_is_a_format_never_a_folder(run_cli: Any) -> None:
    """Today `render repo -o json` silently writes a folder named json."""
    code, out, err = run_cli("render", str(SAMPLE), "-o", "json", "-d", "out", "-t", "kubernetes")
    assert code == 0, err
    assert not Path("json").exists()
    report = document(out)
    assert report["apiVersion"] == API_VERSION and report["kind"] == "RenderResult"
    paths = {f["path"] for f in report["files"]}
    assert paths and all(p.startswith("kubernetes/") for p in paths), paths
    assert all(f["status"] == "written" for f in report["files"])
    code, out, _ = run_cli("render", str(SAMPLE), "-o", "json", "-d", "out", "-t", "kubernetes")
    assert {f["status"] for f in document(out)["files"]} == {"unchanged"}


def test_render_without_an_output_dir_says_which_option(run_cli: Any) -> None:
    code, _, err = run_cli("render", str(SAMPLE), "-o", "json")
    assert code != 0
    assert "--output-dir" in err
    assert not Path("json").exists()


def test_status_json(kube: FakeKubeApiServer, azure: FakeAzure, live: Any) -> None:
    code, out, err = live("status", "-o", "json")
    assert code == 0, err
    status = document(out)
    assert status["apiVersion"] == API_VERSION and status["kind"] == "MigrationStatus"
    assert [s["stage"] for s in status["stages"]] == ["prepare", "switch", "retire", "uninstall"]
    assert status["stages"][0]["state"] == "not started"
    assert status["cluster"] == "fake"
    assert status["webhook"]


def test_status_after_a_successful_prepare_leaves_nothing_in_the_cluster(
    kube: FakeKubeApiServer, azure: FakeAzure, live: Any
) -> None:
    """Not 'prepare done ... 5 action(s) left': the 5 are Azure's, which status does not read
    unless asked."""
    code, _, err = live(
        "apply", "--stage", "prepare", "--yes", "--cluster-name", "aks1", *azure_args(azure)
    )
    assert code == 0, err
    code, out, err = live("status", "--cluster-name", "aks1")
    assert code == 0, err
    [prepare] = [line for line in out.splitlines() if line.startswith("prepare")]
    assert "5 action(s) left" not in prepare, prepare
    assert "0 left in the cluster" in prepare and "Azure not checked" in prepare, prepare
    code, out, err = live("status", "--cluster-name", "aks1", "-o", "json")
    [stage] = [s for s in document(out)["stages"] if s["stage"] == "prepare"]
    assert stage["state"] == "done"
    assert stage["left"] == {"cluster": 0, "azure": None}  # None: not checked


def test_status_checks_azure_when_asked(
    kube: FakeKubeApiServer, azure: FakeAzure, live: Any
) -> None:
    code, _, err = live(
        "apply", "--stage", "prepare", "--yes", "--cluster-name", "aks1", *azure_args(azure)
    )
    assert code == 0, err
    code, out, err = live(
        "status", "--cluster-name", "aks1", "--check-azure", "-o", "json", *azure_args(azure)
    )
    assert code == 0, err
    [stage] = [s for s in document(out)["stages"] if s["stage"] == "prepare"]
    assert stage["left"] == {"cluster": 0, "azure": 0}


def test_apply_json_dry_run_and_write(kube: FakeKubeApiServer, azure: FakeAzure, live: Any) -> None:
    code, out, err = live("apply", "--stage", "prepare", "-o", "json", "--cluster-name", "aks1")
    assert code == 0, err
    preview = document(out)
    assert preview["apiVersion"] == API_VERSION and preview["kind"] == "ApplyResult"
    assert preview["stage"] == "prepare" and preview["write"] is False
    assert len(preview["actions"]) == 15 and preview["results"] == []
    assert writes(kube) == []
    code, out, err = live(
        "apply",
        "--stage",
        "prepare",
        "--yes",
        "-o",
        "json",
        "--cluster-name",
        "aks1",
        *azure_args(azure),
    )
    assert code == 0, err
    done = document(out)
    assert done["write"] is True
    assert {r["status"] for r in done["results"]} <= {"changed", "unchanged"}
    assert len(done["results"]) >= 10
    assert "[1/" not in out  # progress stays on stderr


def test_rollback_json(kube: FakeKubeApiServer, azure: FakeAzure, live: Any) -> None:
    for stage in ("prepare", "switch"):
        code, _, err = live(
            "apply", "--stage", stage, "--yes", "--cluster-name", "aks1", *azure_args(azure)
        )
        assert code == 0, err
    code, out, err = live("rollback", "--stage", "switch", "-o", "json")
    assert code == 0, err
    preview = document(out)
    assert preview["apiVersion"] == API_VERSION and preview["kind"] == "RollbackResult"
    assert preview["write"] is False and len(preview["restores"]) == 25
    code, out, err = live("rollback", "--stage", "switch", "--yes", "-o", "json")
    assert code == 0, err
    assert document(out)["restored"] == 25


@pytest.mark.parametrize("command", ["credentials", "verify"])
def test_azure_commands_json_has_api_version_and_kind(
    command: str, kube: FakeKubeApiServer, azure: FakeAzure, live: Any
) -> None:
    args = [command, str(SAMPLE), "--issuer", SAMPLE_ISSUER, "-o", "json", *azure_args(azure)]
    if command == "verify":
        args += ["--attempts", "1", "--delay", "0"]
    _, out, err = live(*args)
    report = json.loads(out)
    assert report["apiVersion"] == API_VERSION, err
    assert report["kind"] == {"credentials": "CredentialsResult", "verify": "VerifyResult"}[command]
