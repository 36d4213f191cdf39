"""Golden plan cases: tests/cases/plan/<case>/{case.yaml,input/,expected.txt}.

Each case is one mapping rule or trap (its case.yaml says which). expected.txt lists
the exit code, every action (stage, type, target, change, origins) and every finding
(severity, code, origin, message): read it when it changes, never regenerate blindly.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, UPDATE_GOLDENS

CASES = sorted(p for p in (ROOT / "tests" / "cases" / "plan").iterdir() if p.is_dir())


def summarize(code: int, document: dict) -> str:
    from migrate.model import describe
    from migrate.model.plan import action_name, from_document, target_of

    plan = from_document(document)
    lines = [f"exit {code}"]
    for action in plan.actions:
        lines.append(
            f"{action.stage} {action_name(action)} {target_of(action)} | {describe.change(action)}"
            f"\n    from {describe.origins(action)}"
        )
    for f in plan.findings:
        lines.append(f"{f.severity} {f.code} {f.origin} | {f.message}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_plan_case(case: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = yaml.safe_load((case / "case.yaml").read_text())
    monkeypatch.chdir(case)
    # `paths:` plans part of input/ (a kustomize overlay whose base is beside it)
    code, out, err = run_cli("plan", *spec.get("paths", ["input"]), "-o", "json", *spec["args"])
    assert "Traceback" not in err
    got = summarize(code, json.loads(out))
    expected = case / "expected.txt"
    if UPDATE_GOLDENS:
        expected.write_text(got)
    assert got == expected.read_text()
