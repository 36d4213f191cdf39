"""What a person sees: tables that fit the terminal without splitting an identifier, a summary
for big plans, plain text when piped, markdown that fits one pull-request body."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate_repo import generate
from tests import terminal
from tests.conftest import SAMPLE

ISSUER = "https://westeurope.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/"
OPTIONS = ["--issuer", ISSUER, "--cluster-name", "aks-prod-weu"]
PR_BODY_LIMIT = 65_536  # characters a GitHub pull-request body or comment holds
BOX = set("│┃━┏┓┗┛┡┩╇╋─┼")


@pytest.fixture(scope="module")
def big_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated GitOps repo with 150 migrated workloads (about 900 actions)."""
    repo = tmp_path_factory.mktemp("big") / "repo"
    generate(repo, files=600, changed=150, identities=150)
    return repo


def plan_json(run_cli: Any, source: Path) -> dict[str, Any]:
    code, out, err = run_cli("plan", str(source), *OPTIONS, "-o", "json")
    assert code in (0, 1), err
    return dict(json.loads(out))


def identifiers(plan: dict[str, Any]) -> set[str]:
    """Every name, namespace, GUID and URL the plan's actions mention."""
    found: set[str] = {ISSUER}
    for action in plan["actions"]:
        for key in ("target", "serviceAccount", "replaces"):
            ref = action.get(key)
            if isinstance(ref, dict):
                found.update(v for v in (ref["name"], ref["namespace"]) if v)
            elif isinstance(ref, str) and ref:
                found.add(ref)
        identity = action.get("identity") or {}
        found.update(v for v in [identity.get("name")] if v)
        found.update(v for v in (action.get("annotations") or {}).values() if v)  # client ids
        credential = action.get("credential") or {}
        found.update(v for v in (credential.get("name"), credential.get("subject")) if v)
    return found


def whole_on_a_line(value: str, lines: list[str]) -> bool:
    """VALUE appears on one line, not cut at either end (a '/' or space may touch it)."""
    pattern = re.compile(r"(?<![\w.:-])" + re.escape(value) + r"(?![\w.:-])")
    return any(pattern.search(line) for line in lines)


def assert_fits(out: str, columns: int) -> None:
    for line in out.splitlines():
        # a value longer than the terminal is allowed only alone on its own line
        assert len(line) <= columns or " " not in line.strip(), line


@pytest.mark.parametrize("columns", [60, 80, 150, 230])  # blocks, mixed, tables
def test_a_small_plan_fits_the_terminal_and_never_splits_an_identifier(
    run_cli: Any, columns: int
) -> None:
    plan = plan_json(run_cli, SAMPLE)
    expected = identifiers(plan)
    shown = terminal.run("plan", str(SAMPLE), *OPTIONS, columns=columns)
    assert shown.code == 0, shown.err
    assert_fits(shown.out, columns)
    assert "…" not in shown.out  # nothing cropped
    lines = shown.out.splitlines()
    cut = sorted(v for v in expected if not whole_on_a_line(v, lines))
    assert not cut, f"split or missing at {columns} columns: {cut}"
    # every action of a small plan is listed, with the findings
    n = sum(a["type"] == "create-federated-credential" for a in plan["actions"])
    assert shown.out.count("create-federated-credential") == n
    assert "label-in-selector" in shown.out


def test_a_big_plan_shows_a_summary_with_every_error_and_warning(
    run_cli: Any, big_repo: Path
) -> None:
    plan = plan_json(run_cli, big_repo)
    shown = terminal.run("plan", str(big_repo), *OPTIONS, columns=80)
    assert shown.code == 0, shown.err
    assert_fits(shown.out, 80)
    lines = shown.out.splitlines()
    assert len(lines) < 200, f"{len(lines)} lines for {len(plan['actions'])} actions"
    assert "--details" in shown.out
    # counts per stage and per namespace
    namespaces = {
        a["target"]["namespace"] for a in plan["actions"] if a["type"] == "switch-workload"
    }
    for namespace in namespaces:
        assert whole_on_a_line(namespace, lines), namespace
    for stage in ("prepare", "switch", "retire"):
        n = sum(a["stage"] == stage for a in plan["actions"])
        assert re.search(rf"\b{stage}\b.*\b{n}\b", shown.out), (stage, n)
    # errors and warnings in full; infos counted
    for finding in plan["findings"]:
        if finding["severity"] != "info":
            assert finding["message"] in " ".join(shown.out.split()), finding["code"]


def test_details_lists_every_action_of_a_big_plan(run_cli: Any, big_repo: Path) -> None:
    plan = plan_json(run_cli, big_repo)
    code, out, err = run_cli("plan", str(big_repo), *OPTIONS, "--details")
    assert code == 0, err
    switched = [a["target"] for a in plan["actions"] if a["type"] == "switch-workload"]
    assert len(switched) == 150
    for target in switched:
        # one line per action: grep finds the workload with its namespace
        assert re.search(
            rf"^.*switch-workload\s.*\b{re.escape(target['namespace'])}\s+"
            rf"{re.escape(target['name'])}\b",
            out,
            re.M,
        ), target


def test_piped_output_is_plain_text(run_cli: Any, big_repo: Path) -> None:
    for args in ((str(SAMPLE),), (str(big_repo),), (str(big_repo), "--details")):
        code, out, err = run_cli("plan", *args, *OPTIONS)
        assert code == 0, err
        assert not BOX & set(out), f"a rich table went to a pipe for plan {args}"
        assert "\x1b[" not in out


def test_markdown_fits_one_pull_request_body_at_any_size(run_cli: Any, big_repo: Path) -> None:
    plan = plan_json(run_cli, big_repo)
    code, out, err = run_cli("plan", str(big_repo), *OPTIONS, "-o", "markdown")
    assert code == 0, err
    assert len(out) <= PR_BODY_LIMIT, f"{len(out)} characters"
    assert out.startswith("# Workload Identity migration plan")
    assert out.count("<details>") == out.count("</details>") >= 1
    assert "render --target markdown" in out  # where the full report is
    for finding in plan["findings"]:
        if finding["severity"] != "info":
            assert finding["message"] in out, finding["code"]
    # a small plan is shown whole: every action, nothing left out
    sample = plan_json(run_cli, SAMPLE)
    code, small, _ = run_cli("plan", str(SAMPLE), *OPTIONS, "-o", "markdown")
    assert code == 0 and "render --target markdown" not in small
    for kind in ("create-federated-credential", "switch-workload", "delete-object"):
        assert small.count(f"| {kind} |") == sum(a["type"] == kind for a in sample["actions"])


def test_render_markdown_writes_the_full_report_in_parts_that_each_fit(
    run_cli: Any, big_repo: Path, tmp_path: Path
) -> None:
    plan = plan_json(run_cli, big_repo)
    code, _, err = run_cli(
        "render", str(big_repo), *OPTIONS, "--target", "markdown", "--output-dir", str(tmp_path)
    )
    assert code == 0, err
    parts = sorted((tmp_path / "markdown").rglob("*.md"))
    assert len(parts) > 4  # more than one file per stage
    text = ""
    for part in parts:
        body = part.read_text()
        assert len(body) <= PR_BODY_LIMIT, (part, len(body))
        text += body
    for action in plan["actions"]:
        if action["type"] == "switch-workload":
            target = action["target"]
            assert f"{target['kind']}/{target['namespace']}/{target['name']}" in text


def test_markdown_fits_even_when_the_warnings_alone_do_not(run_cli: Any, tmp_path: Path) -> None:
    repo = tmp_path / "values"
    repo.mkdir()
    for i in range(400):  # Helm values with the label: a warning each, nothing to plan
        (repo / f"values-{i}.yaml").write_text(f"podLabels:\n  aadpodidbinding: app-{i}\n")
    code, out, err = run_cli("plan", str(repo), *OPTIONS, "-o", "json")
    warnings = [f for f in json.loads(out)["findings"] if f["severity"] == "warning"]
    assert len(warnings) == 400, err
    code, out, err = run_cli("plan", str(repo), *OPTIONS, "-o", "markdown")
    assert code == 0, err
    assert len(out) <= PR_BODY_LIMIT < sum(len(f["message"]) + len(f["hint"]) for f in warnings)
    assert re.search(r"\*\*\d+ more findings are not listed here\*\*", out)


MARKUP = """\
apiVersion: aadpodidentity.k8s.io/v1
kind: AzureIdentity
metadata: {name: id-x, namespace: shop}
spec:
  type: 0
  resourceID: /subscriptions/0/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-x
  clientID: 11111111-2222-3333-4444-555555555555
---
apiVersion: aadpodidentity.k8s.io/v1
kind: AzureIdentityBinding
metadata: {name: "b[/]", namespace: shop}
spec: {azureIdentity: id-x, selector: sel}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: "api[bold red]x", namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api, aadpodidbinding: sel}}
    spec: {containers: [{name: a, image: a}]}
"""


@pytest.mark.parametrize("columns", [80, 230])
def test_names_are_never_read_as_terminal_markup(tmp_path: Path, columns: int) -> None:
    (tmp_path / "app.yaml").write_text(MARKUP)
    shown = terminal.run("plan", str(tmp_path), *OPTIONS, columns=columns)
    # both names are invalid Kubernetes names: error findings (exit 1) that quote them as written
    assert shown.code == 1, shown.err
    assert "internal error" not in shown.out + shown.err
    assert "api[bold red]x" in shown.out and "b[/]" in shown.out
