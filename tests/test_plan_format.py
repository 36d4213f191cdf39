"""The MigrationPlan document: exact JSON/YAML round trips and clear load errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from migrate.errors import UserError
from migrate.jobs.plan import plan_manifests
from migrate.model import plan as plans
from migrate.model.plan import Settings
from tests.conftest import SAMPLE

SETTINGS = Settings(issuer="https://issuer.example/", cluster_name="prod", proxy_sidecar=True)


@pytest.fixture(scope="module")
def sample_plan() -> plans.Plan:
    # the platform sample's HelmReleases give set-chart-values
    return plan_manifests([str(SAMPLE), str(SAMPLE.parent / "sample-platform")], SETTINGS)


def test_json_round_trip_is_exact(sample_plan: plans.Plan) -> None:
    text = plans.dumps_json(sample_plan)
    assert plans.from_document(json.loads(text)) == sample_plan
    assert len(sample_plan.actions) > 50 and sample_plan.findings


def test_yaml_round_trip_is_exact(sample_plan: plans.Plan) -> None:
    text = plans.dumps_yaml(sample_plan)
    assert plans.from_document(yaml.safe_load(text)) == sample_plan


def test_document_header_and_every_action_type(sample_plan: plans.Plan) -> None:
    doc = plans.to_document(sample_plan)
    assert doc["apiVersion"] == "wi-migrate/v1" and doc["kind"] == "MigrationPlan"
    assert doc["settings"]["clusterName"] == "prod"
    types = {a["type"] for a in doc["actions"]}
    # the samples exercise every action the planner has
    assert types == set(plans.ACTION_TYPES)


def test_saved_plan_loads_from_file(sample_plan: plans.Plan, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(plans.dumps_json(sample_plan))
    assert plans.is_plan_file(str(path))
    assert plans.load_file(str(path)) == sample_plan
    assert not plans.is_plan_file(str(SAMPLE / "apps" / "web" / "identity.yaml"))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(apiVersion="wi-migrate/v9"), "apiVersion 'wi-migrate/v9'"),
        (lambda d: d.update(kind="Something"), "not a MigrationPlan"),
        (
            lambda d: d["actions"][0].update(type="launch-rockets"),
            "actions[0].type: 'launch-rockets' is not one of",
        ),
        (lambda d: d["actions"][0].update(stage=3), "actions[0].stage: 3 is not one of"),
        (
            lambda d: d["actions"][0].update(surprise=1),
            "actions[0]: Additional properties are not allowed ('surprise'",
        ),
        (
            lambda d: d["findings"][0].update(origin="x"),
            "findings[0].origin: 'x' is not of type 'object'",
        ),
    ],
)
def test_damaged_plan_is_a_clear_error(
    sample_plan: plans.Plan, tmp_path: Path, mutate, message: str
) -> None:
    doc = json.loads(plans.dumps_json(sample_plan))
    mutate(doc)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(UserError) as e:
        plans.load_file(str(path))
    assert str(path) in e.value.message and message in e.value.message


def test_unreadable_plan_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text("{not json")
    with pytest.raises(UserError, match=r"plan\.json: cannot read the plan"):
        plans.load_file(str(path))


def test_the_schema_knows_every_field_the_codec_writes() -> None:
    """plan.schema.json is written by hand: it must not drift from the records it describes."""
    import dataclasses

    from migrate.model import codec, schema
    from migrate.model.inventory import Finding, ObjectRef, Origin
    from migrate.model.plan import ACTION_TYPES, FederatedCredential, ManagedIdentity, Settings

    defs = json.loads(schema.text())["$defs"]
    records = {
        **{name: cls for name, cls in ACTION_TYPES.items()},
        "settings": Settings,
        "finding": Finding,
        "origin": Origin,
        "objectRef": ObjectRef,
        "managedIdentity": ManagedIdentity,
        "federatedCredential": FederatedCredential,
    }
    for name, cls in records.items():
        fields = {codec.camel(f.name) for f in dataclasses.fields(cls)}
        extra = {"type"} if name in ACTION_TYPES else set()
        assert set(defs[name]["properties"]) == fields | extra, name
    assert defs["action"]["properties"]["type"]["enum"] == list(ACTION_TYPES)
