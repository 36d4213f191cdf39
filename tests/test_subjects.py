"""Credential subjects are exact Kubernetes names: a namespace or ServiceAccount that is not a
DNS-1123 name (`*`, `a:b`, upper case, a Cyrillic look-alike, a newline) gets an error finding
naming the object, and no federated credential is planned or rendered for it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ISSUER = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/"
IDENTITY = (
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourcegroups/rg/providers/"
    "Microsoft.ManagedIdentity/userAssignedIdentities/id-shop"
)
HOSTILE = {
    "wildcard": "'*'",
    "colon": "shop:admin",
    "upper case": "Shop",
    "cyrillic look-alike": "sh\u043ep",  # a Cyrillic o
    "newline": '"shop\\nx"',
    "dot-dot": "../shop",
}


def manifests(namespace: str = "shop", account: str = "") -> str:
    service_account = f"\n      serviceAccountName: {account}" if account else ""
    return f"""apiVersion: aadpodidentity.k8s.io/v1
kind: AzureIdentity
metadata:
  name: id-shop
  namespace: {namespace}
spec:
  type: 0
  resourceID: {IDENTITY}
  clientID: 3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b
---
apiVersion: aadpodidentity.k8s.io/v1
kind: AzureIdentityBinding
metadata:
  name: id-shop-binding
  namespace: {namespace}
spec:
  azureIdentity: id-shop
  selector: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: {namespace}
spec:
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
        aadpodidbinding: shop
    spec:{service_account}
      containers:
        - name: app
          image: example.azurecr.io/api:1.0
"""


def plan(run_cli: Any, tmp_path: Path, text: str) -> tuple[int, dict[str, Any], str]:
    (tmp_path / "repo").mkdir(exist_ok=True)
    (tmp_path / "repo" / "shop.yaml").write_text(text, encoding="utf-8")
    code, out, err = run_cli("plan", str(tmp_path / "repo"), "--issuer", ISSUER, "-o", "json")
    return code, json.loads(out), err


def subjects(document: dict[str, Any]) -> list[str]:
    return [
        a["credential"]["subject"]
        for a in document["actions"]
        if a["type"] == "create-federated-credential"
    ]


def test_a_valid_name_gets_its_exact_subject(run_cli: Any, tmp_path: Path) -> None:
    code, document, err = plan(run_cli, tmp_path, manifests())
    assert code == 0, err
    assert subjects(document) == ["system:serviceaccount:shop:shop"]


@pytest.mark.parametrize("name", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_namespace_plans_no_credential(run_cli: Any, tmp_path: Path, name: str) -> None:
    code, document, _ = plan(run_cli, tmp_path, manifests(namespace=name))
    assert code == 1
    assert subjects(document) == []
    errors = [f for f in document["findings"] if f["severity"] == "error"]
    assert errors and any("namespace" in f["message"] for f in errors)


@pytest.mark.parametrize("name", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_service_account_plans_no_credential(
    run_cli: Any, tmp_path: Path, name: str
) -> None:
    code, document, _ = plan(run_cli, tmp_path, manifests(account=name))
    assert code == 1
    assert [s for s in subjects(document) if not s.endswith(":shop:shop")] == []
    errors = [f for f in document["findings"] if f["severity"] == "error"]
    # the reader refuses the name (invalid-name, on spec...serviceAccountName) before the planner
    # would (invalid-subject): either way an error names the account and no credential is planned
    assert errors and any(
        "ServiceAccount" in f["message"] or "serviceAccountName" in f["message"] for f in errors
    )


def test_render_with_force_writes_no_credential_for_a_hostile_name(
    run_cli: Any, tmp_path: Path
) -> None:
    plan(run_cli, tmp_path, manifests(namespace="'*'"))
    _, _, err = run_cli(
        "render", str(tmp_path / "repo"), "--issuer", ISSUER, "--force", "-d", str(tmp_path / "o")
    )
    rendered = "".join(p.read_text() for p in (tmp_path / "o").rglob("*") if p.is_file())
    assert "system:serviceaccount:*" not in rendered, err


PLACEHOLDERS = {
    "envsubst": "${APP_NAMESPACE}",
    "helm": '"{{ .Release.Namespace }}"',
    "terraform": '"%{ if prod }shop%{ else }shop-dev%{ endif }"',
    "pipeline": "$(params.namespace)",
}


@pytest.mark.parametrize("name", PLACEHOLDERS.values(), ids=PLACEHOLDERS.keys())
def test_a_placeholder_namespace_is_a_warning_and_plans_nothing(
    run_cli: Any, tmp_path: Path, name: str
) -> None:
    code, document, _ = plan(run_cli, tmp_path, manifests(namespace=name))
    assert code == 0
    assert document["actions"] == []  # no credential, ServiceAccount, switch or delete
    found = [f for f in document["findings"] if f["code"] == "templated-value"]
    assert len(found) == 3 and all(f["severity"] == "warning" for f in found)
    assert "metadata.namespace" in found[0]["message"]


@pytest.mark.parametrize("name", PLACEHOLDERS.values(), ids=PLACEHOLDERS.keys())
def test_a_placeholder_service_account_plans_no_credential(
    run_cli: Any, tmp_path: Path, name: str
) -> None:
    code, document, _ = plan(run_cli, tmp_path, manifests(account=name))
    assert code == 0
    assert subjects(document) == []
    # the binding its pods use is not deleted while they may still use it
    assert not [a for a in document["actions"] if a["type"] == "delete-object"]
    (found,) = [f for f in document["findings"] if f["code"] == "templated-value"]
    assert "spec.template.spec.serviceAccountName" in found["message"]
    assert "retire keeps AzureIdentityBinding shop/id-shop-binding" in found["message"]


@pytest.mark.parametrize("text", ["${APP}", "{{ .Values.name }}", "%{ x }", "$(APP)"])
def test_trust_refuses_a_credential_whose_subject_holds_a_placeholder(
    run_cli: Any, tmp_path: Path, text: str
) -> None:
    from migrate.model import trust
    from migrate.model.plan import from_document

    _, document, _ = plan(run_cli, tmp_path, manifests())
    for action in document["actions"]:
        if action["type"] == "create-federated-credential":
            action["credential"]["subject"] = f"system:serviceaccount:shop:{text}"
            action["serviceAccount"]["name"] = text
    problems = trust.credential_problems(from_document(document))
    assert len(problems) == 1 and text in problems[0]
