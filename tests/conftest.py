from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.kube_apiserver import FakeKubeApiServer

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SAMPLE = FIXTURES / "sample-gitops"
UPDATE_GOLDENS = os.environ.get("WI_MIGRATE_UPDATE_GOLDENS") == "1"


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run wi-migrate in-process: returns (exit code, stdout, stderr)."""
    from migrate.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root by relative path: "nothing written" is snapshot(before) == after."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def copy_repo(source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of a fixture repo at tmp_path/repo, with tmp_path as the working dir."""
    shutil.copytree(source, tmp_path / "repo")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "repo"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "kube_fake(snapshot=None, issuer=None): how the `kube` fixture's fake API server starts "
        "(a fixtures/ folder to seed, the service-account issuer it serves)",
    )


@pytest.fixture
def kube(request: pytest.FixtureRequest) -> Iterator[FakeKubeApiServer]:
    """The Kubernetes API fake (tests/fakes), started per test and checked for its own errors."""
    marker = request.node.get_closest_marker("kube_fake")
    options = marker.kwargs if marker else {}
    issuer = {"issuer": options["issuer"]} if options.get("issuer") else {}
    with FakeKubeApiServer(**issuer) as server:
        if options.get("snapshot"):
            server.load_snapshot(FIXTURES / options["snapshot"])
        yield server
        assert server.internal_errors == []
