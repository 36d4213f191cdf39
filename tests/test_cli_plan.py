"""wi-migrate plan from the outside: output formats, exit codes, errors, imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import ROOT, SAMPLE

ISSUER = ["--issuer", "https://eastus.oic.prod-aks.azure.com/t/"]


def test_piped_output_is_one_line_per_action(run_cli, monkeypatch) -> None:
    # a pipe is not a terminal: no width to fit (COLUMNS is ignored), nothing wrapped
    monkeypatch.setenv("COLUMNS", "100")
    code, out, err = run_cli("plan", str(SAMPLE), *ISSUER)
    assert code == 0, err
    for stage in ("prepare", "switch", "retire", "uninstall"):
        assert f"stage {stage}" in out
    lines = out.splitlines()
    switch = [line for line in lines if line.startswith("switch-workload ")]
    assert len(switch) == 10
    assert any(line.split()[1:4] == ["Deployment", "orders", "orders-api"] for line in switch)
    assert "create-federated-credential" in out and "set-secret-provider-client-id" in out


def test_json_and_yaml_are_the_same_document(run_cli) -> None:
    _, as_json, _ = run_cli("plan", str(SAMPLE), *ISSUER, "-o", "json")
    _, as_yaml, _ = run_cli("plan", str(SAMPLE), *ISSUER, "-o", "yaml")
    assert json.loads(as_json) == yaml.safe_load(as_yaml)


def test_markdown_for_a_pull_request(run_cli) -> None:
    code, out, _ = run_cli("plan", str(SAMPLE), *ISSUER, "-o", "markdown")
    assert code == 0
    assert out.startswith("# Workload Identity migration plan")
    assert "## prepare" in out and "## Findings" in out
    assert "| warning | `label-in-selector` |" in out


def test_exit_codes(run_cli, tmp_path: Path) -> None:
    assert run_cli("plan", str(SAMPLE), *ISSUER)[0] == 0
    assert run_cli("plan", str(SAMPLE), *ISSUER, "--exit-code")[0] == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, _ = run_cli("plan", str(empty), "--exit-code")
    assert code == 0 and "Nothing to migrate" in out
    errors = ROOT / "tests" / "cases" / "plan" / "binding-without-identity" / "input"
    assert run_cli("plan", str(errors), "--exit-code")[0] == 1


def test_stdin(run_cli, monkeypatch) -> None:
    import io

    text = b"".join(
        p.read_bytes() + b"\n---\n" for p in sorted((SAMPLE / "apps" / "web").glob("*.yaml"))
    )
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))
    code, out, _ = run_cli("plan", "-", *ISSUER, "-o", "json")
    plan = json.loads(out)
    assert code == 0
    assert {a["type"] for a in plan["actions"]} >= {"switch-workload", "create-service-account"}
    assert all(o["file"] == "-" for a in plan["actions"] for o in a["causedBy"])


def test_bad_input_is_an_error_without_traceback(run_cli, tmp_path: Path) -> None:
    code, _, err = run_cli("plan", str(tmp_path / "missing"))
    assert code == 1 and "no such file or directory" in err and "Traceback" not in err
    code, _, err = run_cli("plan", str(SAMPLE), "--sa-name", "{nope}")
    assert code == 1 and "--sa-name '{nope}': unknown field {nope}" in err
    assert "hint: available fields: {selector}, {namespace}" in err
    code, _, err = run_cli("plan", str(SAMPLE), "-o", "xml")
    assert code == 1 and "xml" in err


def test_offline_plan_imports_no_sdk() -> None:
    script = (
        "import sys\n"
        "from migrate.cli import main\n"
        f"code = main(['plan', {str(SAMPLE)!r}, '-o', 'json'])\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('kubernetes', 'azure'))\n"
        "assert code == 0 and not loaded, loaded\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_help_imports_no_sdk() -> None:
    script = (
        "import sys\nfrom migrate.cli import main\nmain(['--help'])\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('kubernetes', 'azure')]\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "plan" in result.stdout
