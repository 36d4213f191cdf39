"""The second sample repo (fixtures/sample-platform): a Flux tree of HelmReleases, a local chart,
a kustomize base with overlays and a Terraform module, planned as a whole. These checks say what
"right" means on such a repo without fixing how the plan spells it: nothing silent, nothing in a
namespace the pods do not run in, nothing deleted that something still uses."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

PLATFORM = ROOT / "fixtures" / "sample-platform"
ISSUER = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/"
# the markers issue 11 lists, as a user would grep for them
MARKERS = re.compile(
    r"aadpodidbinding|AzureIdentity|aadpodidentity|aadPodIdentity|podIdentityProfile"
    r"|usePodIdentity|aad-pod-identity"
)


def wi_migrate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "migrate", *args], capture_output=True, text=True, cwd=ROOT
    )


@pytest.fixture(scope="module")
def plan() -> dict[str, Any]:
    done = wi_migrate(
        "plan", str(PLATFORM), "--issuer", ISSUER, "--cluster-name", "prod-aks", "-o", "json"
    )
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def _files(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "file" and isinstance(value, str):
                yield value
            else:
                yield from _files(value)
    elif isinstance(node, list):
        for item in node:
            yield from _files(item)


def _relative(path: str) -> str:
    return Path(path).resolve().relative_to(PLATFORM.resolve()).as_posix()


def marked_files() -> list[str]:
    return sorted(
        p.relative_to(PLATFORM).as_posix()
        for p in PLATFORM.rglob("*")
        if p.is_file() and p.name != "README.md" and MARKERS.search(p.read_text())
    )


def test_every_file_that_mentions_pod_identity_is_read_or_reported(plan) -> None:
    named = {_relative(f) for f in _files(plan)}
    assert "terraform/aks-addons/velero.tf" in marked_files()  # the fixture is what it says
    missing = [f for f in marked_files() if f not in named]
    assert missing == [], f"silent on {missing}"


def test_exit_code_says_there_is_work() -> None:
    done = wi_migrate("plan", str(PLATFORM), "--issuer", ISSUER, "--exit-code")
    assert done.returncode != 0, done.stderr  # 2: changes needed, 1: error findings


def _credentials(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in plan["actions"] if a["type"] == "create-federated-credential"]


def test_nothing_is_planned_in_a_namespace_no_pod_runs_in(plan) -> None:
    # every object of this repo names its namespace or gets one from kustomize or a release
    for action in plan["actions"]:
        for key in ("target", "serviceAccount"):
            ref = action.get(key)
            if isinstance(ref, dict):
                assert ref.get("namespace") != "default", action
    subjects = [c["credential"]["subject"] for c in _credentials(plan)]
    assert not [s for s in subjects if ":default:" in s], subjects


def test_each_release_and_overlay_gets_the_subject_its_pods_run_as(plan) -> None:
    subjects = {c["credential"]["subject"] for c in _credentials(plan)}
    for expected in (
        "system:serviceaccount:invoicing:invoicing-api",  # overlays/prod
        "system:serviceaccount:invoicing-staging:invoicing-api",  # overlays/staging
        "system:serviceaccount:external-dns:external-dns",  # HelmRelease values
        "system:serviceaccount:cert-manager:cert-manager",  # HelmRelease values
        "system:serviceaccount:velero:velero-server",  # Terraform set block
        "system:serviceaccount:finance:ledger-api",  # the local chart, its HelmRelease's namespace
    ):
        assert expected in subjects, sorted(subjects)


def test_the_prod_overlay_alone_plans_the_prod_identity_in_its_namespace() -> None:
    # planned as a whole, the repo is one cluster where both overlays' bindings serve both
    # namespaces (bindings are not namespaced by default); one overlay is one deployment
    overlay = PLATFORM / "apps/invoicing/overlays/prod"
    done = wi_migrate(
        "plan", str(overlay), "--issuer", ISSUER, "--cluster-name", "prod-aks", "-o", "json"
    )
    assert done.returncode == 0, done.stderr
    credentials = _credentials(json.loads(done.stdout))
    assert {c["credential"]["subject"] for c in credentials} == {
        "system:serviceaccount:invoicing:invoicing-api"
    }
    assert {c["identity"]["clientId"] for c in credentials} == {
        "0c5b2d7f-8a9e-4b1c-93ef-6e7f8091a2b5"
    }


def test_a_selector_terraform_still_uses_is_not_deleted(plan) -> None:
    deleted = {
        a["target"]["name"]
        for a in plan["actions"]
        if a["type"] == "delete-object" and isinstance(a.get("target"), dict)
    }
    assert "velero-binding" not in deleted and "velero" not in deleted


def test_the_pod_identity_release_is_uninstalled(plan) -> None:
    assert [a for a in plan["actions"] if a["stage"] == "uninstall"]


@pytest.mark.skipif(not shutil.which("kubectl"), reason="kubectl (kustomize) is not on PATH")
@pytest.mark.parametrize("overlay", ["staging", "prod"])
def test_overlays_build_with_the_real_kustomize(overlay) -> None:
    # the fixture itself is valid kustomize: what the plan must agree with
    out = subprocess.run(
        ["kubectl", "kustomize", str(PLATFORM / "apps/invoicing/overlays" / overlay)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    namespaces = {d["metadata"]["namespace"] for d in yaml.safe_load_all(out)}
    assert namespaces == {"invoicing" if overlay == "prod" else "invoicing-staging"}


def test_the_repo_is_rewritten_stage_by_stage_through_every_gate(tmp_path: Path) -> None:
    """prepare, switch, retire, uninstall on a copy, each gate passing without --skip-gate;
    after them a new plan has nothing left for switch, retire or uninstall: what remains is
    prepare's Azure part and the manual steps it reports (the Terraform release)."""
    repo = tmp_path / "platform"
    shutil.copytree(PLATFORM, repo)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    options = ("--issuer", ISSUER, "--cluster-name", "prod-aks")
    for stage in ("prepare", "switch", "retire", "uninstall"):
        done = wi_migrate("rewrite", str(repo), "--stage", stage, "--allow-dirty", *options)
        assert done.returncode == 0, (stage, done.stderr)
    values = yaml.safe_load((repo / "charts/ledger-api/values.yaml").read_text())
    assert values["podLabels"] == {"azure.workload.identity/use": "true"}
    assert values["serviceAccount"]["name"] == "ledger-api"
    assert values["azureIdentity"]["enabled"] is False
    assert not (repo / "infrastructure/aad-pod-identity/helmrelease.yaml").exists()
    again = wi_migrate("plan", str(repo), *options, "-o", "json")
    left = {
        a["type"]
        for a in json.loads(again.stdout)["actions"]
        if a["stage"] in ("switch", "retire", "uninstall")
    }
    assert left == set(), left  # velero's binding stays while Terraform sets the label
