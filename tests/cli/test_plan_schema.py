"""Issue edge 7: the plan format has a published JSON Schema (shipped in the package); every golden
plan case is valid against it, and a plan file is validated on load with an error naming the JSON
path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.cli.conftest import SAMPLE_ISSUER, saved_plan
from tests.conftest import ROOT, SAMPLE

SCHEMA = ROOT / "migrate" / "model" / "plan.schema.json"
CASES = sorted(p for p in (ROOT / "tests" / "cases" / "plan").iterdir() if p.is_dir())


def schema() -> dict[str, Any]:
    return json.loads(SCHEMA.read_text())  # type: ignore[no-any-return]


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    loaded = schema()
    assert loaded["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(loaded)
    assert loaded["properties"]["apiVersion"] == {"const": "wi-migrate/v1"}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_golden_plan_is_valid(
    case: Path, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = yaml.safe_load((case / "case.yaml").read_text())["args"]
    monkeypatch.chdir(case)
    _, out, _ = run_cli("plan", "input", "-o", "json", *args)
    jsonschema.Draft202012Validator(schema()).validate(json.loads(out))
    _, out, _ = run_cli("plan", "input", "-o", "yaml", *args)
    jsonschema.Draft202012Validator(schema()).validate(yaml.safe_load(out))


def test_the_schema_is_strict_enough_to_catch_an_edit() -> None:
    """Not a schema that accepts anything: each action type's required fields are checked."""
    validator = jsonschema.Draft202012Validator(schema())
    assert not validator.is_valid({"apiVersion": "wi-migrate/v1", "kind": "MigrationPlan"})
    assert not validator.is_valid({"apiVersion": "wi-migrate/v2", "kind": "MigrationPlan"})


def edited(run_cli: Any, tmp_path: Path, edit: Any) -> Path:
    plan = saved_plan(run_cli, tmp_path / "plan.json", str(SAMPLE), "--issuer", SAMPLE_ISSUER)
    doc = json.loads(plan.read_text())
    edit(doc)
    plan.write_text(json.dumps(doc, indent=2))
    return plan


def set_stage(doc: dict[str, Any]) -> None:
    doc["actions"][3]["stage"] = "later"


def port_text(doc: dict[str, Any]) -> None:
    doc["settings"]["proxySidecarPort"] = "8000"


def extra_field(doc: dict[str, Any]) -> None:
    doc["actions"][0]["identity"]["owner"] = "me"


def subject_list(doc: dict[str, Any]) -> None:
    [fic] = [a for a in doc["actions"] if a["type"] == "create-federated-credential"][:1]
    fic["credential"]["subject"] = ["system:serviceaccount:a:b"]


@pytest.mark.parametrize(
    "edit, path",
    [
        (set_stage, "actions[3].stage"),
        (port_text, "settings.proxySidecarPort"),
        (extra_field, "actions[0].identity"),
        (subject_list, ".credential.subject"),
    ],
    ids=["stage", "port", "extra-field", "subject"],
)
@pytest.mark.parametrize("command", ["render", "apply", "rewrite", "credentials"])
def test_an_invalid_plan_is_refused_on_load_naming_the_json_path(
    command: str, edit: Any, path: str, run_cli: Any, tmp_path: Path
) -> None:
    plan = edited(run_cli, tmp_path, edit)
    args = {
        "render": ["render", str(plan), "-d", "out"],
        "apply": ["apply", str(plan), "--stage", "prepare", "--kubeconfig", "nowhere"],
        "rewrite": ["rewrite", str(plan), "--stage", "prepare", "--check"],
        "credentials": ["credentials", str(plan)],
    }[command]
    code, _, err = run_cli(*args)
    assert code == 1, err
    assert "Traceback" not in err
    assert f"{plan}: " in err and path in err, err
    assert "does not match the plan schema" in err, err
    assert not Path("out").exists()
