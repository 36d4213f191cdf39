"""A saved plan is a request, not an authority: render and rewrite re-plan its source with its
settings and refuse every action the fresh plan does not hold, naming it (docs/security.md)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLE

ISSUER = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/"
ATTACKER = "https://attacker.example.net/"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the sample repo as `repo/`, planned from its parent folder (a relative source,
    as a user writes it)."""
    shutil.copytree(SAMPLE, tmp_path / "repo")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def save_plan(run_cli: Any, *options: str) -> dict[str, Any]:
    code, out, err = run_cli(
        "plan", "repo", "--issuer", ISSUER, "--cluster-name", "prod-aks", *options, "-o", "json"
    )
    assert code == 0, err
    plan: dict[str, Any] = json.loads(out)
    return plan


def write(path: Path, plan: dict[str, Any]) -> str:
    path.write_text(json.dumps(plan, indent=2))
    return str(path)


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def first(plan: dict[str, Any], action_type: str) -> dict[str, Any]:
    found: dict[str, Any] = next(a for a in plan["actions"] if a["type"] == action_type)
    return found


def test_an_unedited_plan_renders_as_its_source(run_cli: Any, workdir: Path) -> None:
    saved = write(workdir / "plan.json", save_plan(run_cli, "--sa-name", "{selector}-wi"))
    code, _, err = run_cli("render", saved, "-d", "from-plan")
    assert code == 0, err
    code, _, err = run_cli(
        "render",
        "repo",
        "--issuer",
        ISSUER,
        "--cluster-name",
        "prod-aks",
        "--sa-name",
        "{selector}-wi",
        "-d",
        "from-source",
    )
    assert code == 0, err
    assert tree(workdir / "from-plan") == tree(workdir / "from-source")
    assert any("-wi" in name for name in tree(workdir / "from-plan"))  # the plan's settings


def test_a_credential_added_for_another_issuer_is_refused_by_render(
    run_cli: Any, workdir: Path
) -> None:
    plan = save_plan(run_cli)
    added = json.loads(json.dumps(first(plan, "create-federated-credential")))
    added["credential"].update(name="backdoor", issuer=ATTACKER)
    plan["actions"].append(added)
    code, _, err = run_cli("render", write(workdir / "plan.json", plan), "-d", "out")
    assert code == 1
    assert "create-federated-credential" in err and "backdoor" in err
    assert "not in the plan of repo" in err
    assert not (workdir / "out").exists()


def test_an_added_delete_is_refused_by_rewrite_and_nothing_is_written(
    run_cli: Any, workdir: Path
) -> None:
    plan = save_plan(run_cli)
    deletion = json.loads(json.dumps(first(plan, "delete-object")))
    deletion["target"] = {
        "kind": "Deployment",
        "name": "clickstream-ingest",
        "namespace": "analytics",
        "apiVersion": "apps/v1",
    }
    deletion["stage"] = "retire"
    switch = next(
        a
        for a in plan["actions"]
        if a["type"] == "switch-workload" and a["target"]["name"] == "clickstream-ingest"
    )
    deletion["causedBy"] = switch["causedBy"]
    plan["actions"].append(deletion)
    before = tree(workdir / "repo")
    saved = write(workdir / "plan.json", plan)
    code, _, err = run_cli("rewrite", saved, "--stage", "retire", "--allow-dirty")
    assert code == 1
    assert "delete-object Deployment/analytics/clickstream-ingest" in err
    assert tree(workdir / "repo") == before


def test_rewrite_does_not_follow_an_edited_next_to_out_of_the_repo(
    run_cli: Any, workdir: Path
) -> None:
    plan = save_plan(run_cli)
    account = first(plan, "create-service-account")
    account["nextTo"] = "repo/../deployment.yaml"
    saved = write(workdir / "plan.json", plan)
    before = tree(workdir)
    code, _, err = run_cli("rewrite", saved, "--stage", "prepare", "--allow-dirty")
    assert code == 1
    assert f"create-service-account {account['target']['kind']}/" in err
    assert tree(workdir) == before


def test_an_unedited_plan_rewrites_as_its_source(run_cli: Any, workdir: Path) -> None:
    saved = write(workdir / "plan.json", save_plan(run_cli))
    code, _, err = run_cli("rewrite", saved, "--stage", "prepare", "--allow-dirty")
    assert code == 0, err
    assert "file(s) rewritten" in err
    rewritten = tree(workdir / "repo")
    shutil.rmtree(workdir / "repo")
    shutil.copytree(SAMPLE, workdir / "repo")
    code, _, err = run_cli(
        "rewrite",
        "repo",
        "--stage",
        "prepare",
        "--allow-dirty",
        "--issuer",
        ISSUER,
        "--cluster-name",
        "prod-aks",
    )
    assert code == 0, err
    assert tree(workdir / "repo") == rewritten
