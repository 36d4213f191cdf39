"""`credentials PLAN` re-plans the plan's source and refuses any credential the fresh plan does
not hold, before any write to Azure: an edited plan cannot widen who may get an identity's
tokens (docs/security.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.azure.builders import ISSUER, SUBSCRIPTION, write_app
from tests.fakes.azure import FakeAzure

ATTACKER = "https://attacker.example.net/"


def saved_plan(run_cli: Any, fake: FakeAzure, tmp_path: Path) -> dict[str, Any]:
    seeded = fake.add_identity(SUBSCRIPTION, "rg-id", "id-shop")
    write_app(
        tmp_path / "repo", "shop", "api", resource_id=seeded["id"], client_id=seeded["clientId"]
    )
    code, out, err = run_cli(
        "plan", str(tmp_path / "repo"), "--issuer", ISSUER, "--cluster-name", "prod", "-o", "json"
    )
    assert code == 0, err
    plan: dict[str, Any] = json.loads(out)
    return plan


def credential(plan: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(
        a for a in plan["actions"] if a["type"] == "create-federated-credential"
    )
    return found


def run_credentials(run_cli: Any, tmp_path: Path, plan: dict[str, Any], args: list[str]) -> Any:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    return run_cli("credentials", str(path), "--yes", *args)


def test_an_unedited_plan_creates_its_credential(
    run_cli: Any, fake: FakeAzure, azure_args: list[str], tmp_path: Path
) -> None:
    plan = saved_plan(run_cli, fake, tmp_path)
    code, out, err = run_credentials(run_cli, tmp_path, plan, azure_args)
    assert code == 0, err + out
    assert fake.counters()["fic_writes"] == 1


def test_an_edited_issuer_is_refused_before_any_write(
    run_cli: Any, fake: FakeAzure, azure_args: list[str], tmp_path: Path
) -> None:
    plan = saved_plan(run_cli, fake, tmp_path)
    credential(plan)["credential"]["issuer"] = ATTACKER
    code, out, err = run_credentials(run_cli, tmp_path, plan, azure_args)
    assert code == 1, out
    assert ATTACKER in err and "create-federated-credential" in err
    assert "Traceback" not in err
    assert fake.counters()["arm_writes"] == 0


def test_an_added_credential_for_another_account_is_refused(
    run_cli: Any, fake: FakeAzure, azure_args: list[str], tmp_path: Path
) -> None:
    plan = saved_plan(run_cli, fake, tmp_path)
    added = json.loads(json.dumps(credential(plan)))
    added["credential"].update(name="prod-kube-system-default")
    added["credential"]["subject"] = "system:serviceaccount:kube-system:default"
    added["serviceAccount"].update(name="default", namespace="kube-system")
    plan["actions"].append(added)
    code, out, err = run_credentials(run_cli, tmp_path, plan, azure_args)
    assert code == 1, out
    assert "prod-kube-system-default" in err and "not in the plan of" in err
    assert fake.counters()["arm_writes"] == 0


@pytest.mark.parametrize(
    "subject",
    [
        "system:serviceaccount:*:*",
        "system:serviceaccount:shop:api:extra",
        "system:serviceaccount:Shop:api",
        "system:serviceaccount:shop:\u0430pi",  # Cyrillic a
        "system:serviceaccount:shop:api\n",
    ],
)
def test_an_invalid_subject_is_refused(
    run_cli: Any, fake: FakeAzure, azure_args: list[str], tmp_path: Path, subject: str
) -> None:
    plan = saved_plan(run_cli, fake, tmp_path)
    credential(plan)["credential"]["subject"] = subject
    code, out, err = run_credentials(run_cli, tmp_path, plan, azure_args)
    assert code == 1, out
    assert repr(subject) in err or subject.strip() in err
    assert fake.counters()["arm_writes"] == 0
