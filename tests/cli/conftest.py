"""The CLI contract, driven as a user drives it: `wi-migrate ...` in-process (or as a program),
against the kube API fake and the Azure fake over real HTTP(S). No migrate internals here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.kube_apiserver import FakeKubeApiServer
from tests.kube.conftest import SUBSCRIPTION, TEAMS, TENANT, azure, azure_args

__all__ = ["SUBSCRIPTION", "TEAMS", "TENANT", "azure", "azure_args"]  # one Azure fake fixture
SAMPLE_ISSUER = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/"


@pytest.fixture(autouse=True)
def hermetic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ambient Azure sign-in, no WI_MIGRATE_* settings, no kubeconfig, no in-cluster env; the
    working directory is a fresh folder (so no wi-migrate.yaml is found by accident)."""
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "EnvironmentCredential")
    for name in ("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AZURE_SUBSCRIPTION_ID", "KUBECONFIG", "KUBERNETES_SERVICE_HOST"):
        monkeypatch.delenv(name, raising=False)
    import os

    for name in list(os.environ):
        if name.startswith("WI_MIGRATE_") and name != "WI_MIGRATE_UPDATE_GOLDENS":
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)


@pytest.fixture
def kubeconfig(kube: FakeKubeApiServer, tmp_path: Path) -> str:
    return str(kube.write_kubeconfig(tmp_path / "kubeconfig"))


@pytest.fixture
def live(run_cli: Any, kubeconfig: str, tmp_path: Path) -> Any:
    """wi-migrate against the fake cluster: --kubeconfig (and a state directory) added."""
    state = str(tmp_path / "state")

    def run(*args: str) -> tuple[int, str, str]:
        extra = [] if args[0] in ("render", "rewrite") else ["--kubeconfig", kubeconfig]
        if args[0] in ("apply", "rollback", "status"):
            extra += ["--state-dir", state]
        return run_cli(*args, *extra)  # type: ignore[no-any-return]

    return run


def writes(kube: FakeKubeApiServer) -> list[str]:
    return [f"{r.method} {r.path}" for r in kube.requests if r.method != "GET"]


def saved_plan(run: Any, path: Path, *args: str) -> Path:
    """`wi-migrate plan ARGS -o json > PATH`."""
    code, out, err = run("plan", *args, "-o", "json")
    assert code == 0, err
    path.write_text(out)
    return path


def document(text: str) -> dict[str, Any]:
    doc = json.loads(text)
    assert isinstance(doc, dict)
    return doc
