"""The values the plan builds credentials and annotations from are checked where they are
read, one finding each, naming the object and the field: nothing is planned from them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.hostile.manifests import (
    ARGS,
    BASE,
    SUBJECT,
    actions,
    findings,
    line_of,
    plan_json,
    repo_with,
    snapshot,
    where,
)

CLIENT_ID = "clientID: 3f1c9a2e-5b7d-4e8f-9a01-2b3c4d5e6f70"
RESOURCE_ID = "resourceID: /subscriptions/6f1d2c3b-4a59-4e8f-9a01-2b3c4d5e6f70/resourceGroups/rg-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-orders"


def plan_of(tmp_path: Path, monkeypatch: Any, run_cli: Any, text: str) -> tuple[int, Any]:
    repo_with(tmp_path / "repo", {"app.yaml": text})
    monkeypatch.chdir(tmp_path)
    code, plan, _ = plan_json(run_cli, "repo")
    return code, plan


@pytest.mark.parametrize(
    ("written", "field"),
    [
        ("clientID: 3f1c9a2e-5b7d-4e8f-9a01", "spec.clientID"),
        ('clientID: "3f1c9a2e-5b7d-4e8f-9a01-2b3c4d5e6f70 "', "spec.clientID"),
        (CLIENT_ID + "\n  tenantID: contoso.onmicrosoft.com", "spec.tenantID"),
        (CLIENT_ID + '\n  tenantID: "72f988bf-86f1-41af-91ab-2d7cd011db4"', "spec.tenantID"),
    ],
)
def test_client_and_tenant_ids_must_be_guids(
    tmp_path: Path, monkeypatch: Any, run_cli: Any, written: str, field: str
) -> None:
    code, plan = plan_of(tmp_path, monkeypatch, run_cli, BASE.replace(CLIENT_ID, written))
    assert code == 1
    [bad] = findings(plan, "invalid-guid")
    assert where(bad) == "repo/app.yaml:1"
    assert bad["message"].startswith(f"AzureIdentity shop/orders: {field} ")
    assert "is not a GUID" in bad["message"]
    assert not actions(plan, "create-federated-credential")
    assert not actions(plan, "create-service-account")


@pytest.mark.parametrize(
    "resource_id",
    [
        # the subscription is not a GUID
        "/subscriptions/prod/resourceGroups/rg-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-orders",
        # a name Azure does not allow (2 characters, a space)
        "/subscriptions/6f1d2c3b-4a59-4e8f-9a01-2b3c4d5e6f70/resourceGroups/rg-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id",
        '"/subscriptions/6f1d2c3b-4a59-4e8f-9a01-2b3c4d5e6f70/resourceGroups/rg identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-orders"',
        # a child resource of the identity, not the identity
        "/subscriptions/6f1d2c3b-4a59-4e8f-9a01-2b3c4d5e6f70/resourceGroups/rg-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-orders/federatedIdentityCredentials/x",
    ],
)
def test_resource_ids_must_have_the_shape_of_a_uami_id(
    tmp_path: Path, monkeypatch: Any, run_cli: Any, resource_id: str
) -> None:
    text = BASE.replace(RESOURCE_ID, f"resourceID: {resource_id}")
    code, plan = plan_of(tmp_path, monkeypatch, run_cli, text)
    assert code == 1
    [bad] = findings(plan, "invalid-resource-id")
    assert where(bad) == "repo/app.yaml:1"
    assert not actions(plan, "create-federated-credential")


@pytest.mark.parametrize("written", ["0", '"0"', "'0'"])
def test_type_zero_as_int_or_string_is_a_user_assigned_identity(
    tmp_path: Path, monkeypatch: Any, run_cli: Any, written: str
) -> None:
    code, plan = plan_of(
        tmp_path, monkeypatch, run_cli, BASE.replace("type: 0", f"type: {written}")
    )
    assert code == 0
    assert actions(plan, "create-federated-credential")
    assert not findings(plan, "service-principal-identity")


@pytest.mark.parametrize("written", ["true", "1.5", "-1", '"01x"', "[0]", '" 1"', "3"])
def test_other_types_are_invalid(
    tmp_path: Path, monkeypatch: Any, run_cli: Any, written: str
) -> None:
    code, plan = plan_of(
        tmp_path, monkeypatch, run_cli, BASE.replace("type: 0", f"type: {written}")
    )
    assert code == 1
    [bad] = findings(plan, "invalid-identity")
    assert "is not 0, 1 or 2" in bad["message"]
    assert not actions(plan, "create-federated-credential")


@pytest.mark.parametrize(
    ("old", "new", "what"),
    [
        (
            "  namespace: shop\nspec:\n  replicas",
            "  namespace: Shop\nspec:\n  replicas",
            "namespace 'Shop'",
        ),
        (
            "  namespace: shop\nspec:\n  replicas",
            "  namespace: shop:admin\nspec:\n  replicas",
            "namespace 'shop:admin'",
        ),
        (
            "  namespace: shop\nspec:\n  replicas",
            '  namespace: "*"\nspec:\n  replicas',
            "namespace '*'",
        ),
        ("  name: orders-api\n", "  name: Orders_API\n", "name 'Orders_API'"),
        ("  name: orders-api\n", '  name: "orders\\napi"\n', "name 'orders\\napi'"),
        # a Cyrillic small o (U+043E) in a name that looks like "orders-api"
        ("  name: orders-api\n", "  name: \u043erders-api\n", "name '\u043erders-api'"),
    ],
)
def test_names_and_namespaces_must_be_dns_1123(
    tmp_path: Path, monkeypatch: Any, run_cli: Any, old: str, new: str, what: str
) -> None:
    assert old in BASE
    text = BASE.replace(old, new)
    code, plan = plan_of(tmp_path, monkeypatch, run_cli, text)
    assert code == 1
    [bad] = findings(plan, "invalid-name")
    assert where(bad) == f"repo/app.yaml:{line_of(text, 'kind: Deployment') - 1}"
    assert f"Deployment: {what} is not a valid Kubernetes name" in bad["message"], bad["message"]
    for action in actions(plan, "create-federated-credential"):
        assert SUBJECT.fullmatch(action["credential"]["subject"])


def test_a_service_account_name_that_is_not_dns_1123_is_not_used(
    tmp_path: Path, monkeypatch: Any, run_cli: Any
) -> None:
    text = BASE.replace(
        "    spec:\n      containers:",
        '    spec:\n      serviceAccountName: "orders:*"\n      containers:',
    )
    code, plan = plan_of(tmp_path, monkeypatch, run_cli, text)
    assert code == 1
    [bad] = findings(plan, "invalid-name")
    assert "serviceAccountName 'orders:*'" in bad["message"]
    for action in actions(plan, "create-federated-credential"):
        assert SUBJECT.fullmatch(action["credential"]["subject"]), action


@pytest.mark.parametrize(
    "selector",
    ["a" * 300, "orders api", "-orders", "orders/api", "ордерс"],
)
def test_selectors_and_label_values_follow_the_label_value_rules(
    tmp_path: Path, monkeypatch: Any, run_cli: Any, selector: str
) -> None:
    text = BASE.replace("selector: orders", f'selector: "{selector}"').replace(
        "aadpodidbinding: orders", f'aadpodidbinding: "{selector}"'
    )
    code, plan = plan_of(tmp_path, monkeypatch, run_cli, text)
    assert code == 1
    bad = findings(plan, "invalid-label-value")
    assert {where(f) for f in bad} == {
        f"repo/app.yaml:{line_of(text, 'kind: AzureIdentityBinding') - 1}",
        f"repo/app.yaml:{line_of(text, 'kind: Deployment') - 1}",
    }
    assert not actions(plan, "create-service-account")


def test_a_300_character_selector_does_not_block_rewrite(
    tmp_path: Path, monkeypatch: Any, run_cli: Any
) -> None:
    long = "a" * 300
    text = BASE.replace("selector: orders", f"selector: {long}").replace(
        "aadpodidbinding: orders", f"aadpodidbinding: {long}"
    )
    other = BASE.replace("shop", "cart")
    root = repo_with(tmp_path / "repo", {"app.yaml": text, "cart/app.yaml": other})
    monkeypatch.chdir(tmp_path)
    before = snapshot(root)
    code, _, err = run_cli("rewrite", "repo", "--stage", "prepare", *ARGS)
    assert code == 1
    assert "File name too long" not in err and "Traceback" not in err
    assert "invalid-label-value" in err
    assert snapshot(root) == before  # an error finding: nothing written
