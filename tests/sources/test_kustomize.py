"""The reader's view of kustomize builds, checked against the real `kubectl kustomize`.

For every golden case with kustomizations, each top build is built by kubectl: the
workloads labelled aadpodidbinding (kind, namespace, name, ServiceAccount) and the
ServiceAccounts it outputs must be the ones the inventory holds, which the plan's
credential subjects are made of. Builds with a remote resource are left out (no network).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate.model.inventory import PI_LABEL
from migrate.read import builds, manifests
from migrate.read.objects import TEMPLATE_PATHS
from tests.conftest import ROOT

KUBECTL = shutil.which("kubectl")
CASES = sorted(
    case
    for kind in ("plan", "rewrite")
    for case in (ROOT / "tests" / "cases" / kind).iterdir()
    if case.is_dir() and any((case / "input").rglob("kustomization.yaml"))
)


def _paths(case: Path) -> list[str]:
    spec = yaml.safe_load((case / "case.yaml").read_text())
    return list(spec.get("paths", ["input"]))


def _built(top: str) -> list[dict[str, Any]]:
    assert KUBECTL
    run = subprocess.run(
        [KUBECTL, "kustomize", top], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    return [d for d in yaml.safe_load_all(run.stdout) if isinstance(d, dict)]


def _template(obj: dict[str, Any]) -> dict[str, Any]:
    current: Any = obj
    for key in TEMPLATE_PATHS.get(str(obj.get("kind")), ("-",)):
        current = current.get(key) if isinstance(current, dict) else None
    return current if isinstance(current, dict) else {}


def kubectl_view(case: Path) -> tuple[set[tuple[str, ...]], set[tuple[str, str]]]:
    workloads, accounts = set(), set()
    scanned = builds.scan_roots(_paths(case))
    for top in scanned.tops:
        if any(r.top == top for r in scanned.remotes):
            continue
        for obj in _built(top):
            meta = obj.get("metadata") or {}
            where = (str(meta.get("namespace", "default")), str(meta.get("name")))
            if obj.get("kind") == "ServiceAccount":
                accounts.add(where)
            template = _template(obj)
            if PI_LABEL in ((template.get("metadata") or {}).get("labels") or {}):
                spec = template.get("spec") or {}
                account = spec.get("serviceAccountName") or spec.get("serviceAccount") or ""
                workloads.add((str(obj["kind"]), *where, account))
    return workloads, accounts


def tool_view(case: Path) -> tuple[set[tuple[str, ...]], set[tuple[str, str]]]:
    inventory = manifests.read(_paths(case))
    remote_tops = {r.top for r in builds.scan_roots(_paths(case)).remotes}
    workloads = {
        (w.kind, w.namespace, w.name, w.service_account)
        for w in inventory.workloads
        if w.selector and not _from_top(w.origins[0].file, remote_tops)
    }
    accounts = {(sa.namespace, sa.name) for sa in inventory.service_accounts}
    accounts |= {  # Pod Identity's own (NMI's, MIC's) are read as its components
        (c.ref.namespace, c.ref.name)
        for c in inventory.components
        if c.ref.kind == "ServiceAccount"
    }
    return workloads, accounts


def _from_top(file: str, tops: set[str]) -> bool:
    return any(os.path.commonpath([file, top]) == top for top in tops)


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH: no real kustomize to compare")
@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_the_inventory_is_what_kubectl_kustomize_builds(
    case: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(case)
    built_workloads, built_accounts = kubectl_view(case)
    # kustomize leaves Flux's ${VAR} placeholders as they are; the tool plans no object
    # with a placeholder name (the templated-value warning says so)
    built_workloads = {w for w in built_workloads if not any("${" in part for part in w)}
    # ... nor one a patch gives a placeholder label, nor another build of its document
    inventory = manifests.read(_paths(case))
    reported = {f.subject for f in inventory.findings if f.code == "templated-value"}
    reported |= {str(t.ref) for t in inventory.templated}
    built_workloads = {w for w in built_workloads if "/".join(w[:3]) not in reported}
    workloads, accounts = tool_view(case)
    assert workloads >= built_workloads, "the tool misses or misnames labelled workloads"
    inside = {w for w in workloads if (w[0], w[1], w[2]) in {b[:3] for b in built_workloads}}
    assert inside == built_workloads
    assert built_accounts <= accounts, "the tool misses or misnames ServiceAccounts"


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH: no real kustomize to compare")
def test_the_comparison_can_fail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the reader did before builds (the nearest kustomization's namespace, the base
    planned on its own) differs from kubectl's view of an overlay."""
    case = ROOT / "tests" / "cases" / "plan" / "kustomize-two-overlays"
    monkeypatch.chdir(case)
    built, _ = kubectl_view(case)
    old = manifests.Reader(manifests.Namespaces([Path("input")]), "")
    for source in manifests.walk(["input"]):
        old.read_file(source, relevant=True)
    before = {(w.kind, w.namespace, w.name, w.service_account) for w in old.inventory(()).workloads}
    assert before != built
    assert {b[1] for b in built} == {"web-prod", "web-staging"}


REWRITTEN = [c for c in CASES if (c / "expected").is_dir()]


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH: no real kustomize to compare")
@pytest.mark.parametrize("case", REWRITTEN, ids=[c.name for c in REWRITTEN])
def test_rewritten_builds_give_pods_the_accounts_the_credentials_name(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the rewrite, `kubectl kustomize` of each build: every federated credential's
    subject is a ServiceAccount it outputs, with the client-id; every switched workload runs
    as the account the plan switched it to."""
    from migrate.jobs.plan import plan_manifests
    from migrate.model.inventory import WI_CLIENT_ID, WI_USE_LABEL
    from migrate.model.plan import (
        CreateFederatedCredential,
        SetChartValues,
        Settings,
        SwitchWorkload,
    )

    spec = yaml.safe_load((case / "case.yaml").read_text())
    monkeypatch.chdir(case)
    issuer = spec["args"][spec["args"].index("--issuer") + 1]
    plan = plan_manifests(["input"], Settings(issuer=issuer))
    shutil.copytree(case / "expected", tmp_path / "input")
    monkeypatch.chdir(tmp_path)
    built = [o for top in builds.scan_roots(["input"]).tops for o in _built(top)]
    accounts = {
        f"system:serviceaccount:{o['metadata'].get('namespace', 'default')}:{o['metadata']['name']}"
        for o in built
        if o.get("kind") == "ServiceAccount"
        and WI_CLIENT_ID in (o["metadata"].get("annotations") or {})
    }
    stages = ("prepare", "all")
    # a chart renders the accounts its values name: tests/rewrite/meaning.py checks those
    charted = {o for a in plan.actions if isinstance(a, SetChartValues) for o in a.caused_by}
    # an account PATH does not define is annotated by hand (service-account-not-found)
    elsewhere = {f.subject for f in plan.findings if f.code == "service-account-not-found"}
    for action in plan.actions:
        if isinstance(action, CreateFederatedCredential) and (
            set(action.caused_by) <= charted or str(action.service_account) in elsewhere
        ):
            continue
        if isinstance(action, CreateFederatedCredential) and spec["stage"] in stages:
            assert action.credential.subject in accounts, (action.credential.subject, accounts)
        if isinstance(action, SwitchWorkload) and spec["stage"] == "switch":
            (obj,) = [
                o
                for o in built
                if o.get("kind") == action.target.kind
                and o["metadata"]["name"] == action.target.name
                and o["metadata"].get("namespace") == action.target.namespace
            ]
            template = _template(obj)
            assert (template["metadata"]["labels"] or {}).get(WI_USE_LABEL) == "true"
            assert template["spec"].get("serviceAccountName") == action.service_account


@pytest.mark.parametrize(
    ("entry", "count"),
    [
        (
            "https://raw.githubusercontent.com/Azure/aad-pod-identity/v1.8.17/deploy/infra/deployment-rbac.yaml",
            12,
        ),
        (
            "https://github.com/Azure/aad-pod-identity/blob/v1.6.3/deploy/infra/deployment.yaml?raw=true",
            12,
        ),
        (
            "https://raw.githubusercontent.com/Azure/aad-pod-identity/master/deploy/infra/mic-exception.yaml",
            1,
        ),
        (
            "https://raw.githubusercontent.com/contoso/aad-pod-identity-fork/main/deployment-rbac.yaml",
            0,
        ),
        (
            "https://raw.githubusercontent.com/Azure/aad-pod-identity/v1.8.17/deploy/demo/deployment.yaml",
            0,
        ),
    ],
)
def test_upstream_install_files_are_known_by_url(entry: str, count: int) -> None:
    from migrate.read import upstream

    assert len(upstream.objects(entry)[0]) == count


def test_managed_mode_objects_are_in_kube_system() -> None:
    from migrate.read import upstream

    url = "https://raw.githubusercontent.com/Azure/aad-pod-identity/v1.6.0/deploy/infra/managed-mode-deployment.yaml"
    parts, namespace = upstream.objects(url)
    assert namespace == "kube-system" and ("DaemonSet", "nmi", "nmi", "apps/v1", True) in parts
    assert not any(kind == "Deployment" for kind, *_ in parts)
