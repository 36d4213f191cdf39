"""Placeholders (${VAR}, {{ }}, %{ }, $( )) in names: a templated ServiceAccount is reported
only when a Pod Identity workload could run as it; nothing is planned from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

ISSUER = [
    "--issuer",
    "https://westeurope.oic.prod-aks.azure.com/3b7c1f52-9d2e-4c8a-b6f0-5e1d2a9c7b40/",
]
CASE = ROOT / "tests/cases/rewrite/all-templated-values/input"
ACCOUNT = (
    "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${APP_NAME}\n  namespace: {ns}\n"
)


def _plan(run_cli: Any, tmp_path: Path, namespace: str, account: str) -> dict[str, Any]:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "identities.yaml").write_text((CASE / "identities.yaml").read_text())
    api = (CASE / "api.yaml").read_text()
    if account:
        api = api.replace(
            "      containers:", f"      serviceAccountName: {account}\n      containers:"
        )
    (repo / "api.yaml").write_text(api)
    (repo / "account.yaml").write_text(ACCOUNT.replace("{ns}", namespace))
    code, out, err = run_cli("plan", str(repo), "-o", "json", *ISSUER)
    assert code == 0, err
    return json.loads(out)


def _templated(document: dict[str, Any]) -> list[str]:
    return [f["message"] for f in document["findings"] if f["code"] == "templated-value"]


def test_an_unrelated_templated_account_is_not_reported(run_cli: Any, tmp_path: Path) -> None:
    document = _plan(run_cli, tmp_path, "tools", "api")
    assert _templated(document) == []


def test_a_templated_account_a_workload_may_run_as_is_reported(
    run_cli: Any, tmp_path: Path
) -> None:
    document = _plan(run_cli, tmp_path, "shop", "api")
    (message,) = _templated(document)
    assert message.endswith("it may be the account Deployment/shop/api runs as")
    # the workload's own account is not in the files: its annotation is a manual step
    codes = {f["code"] for f in document["findings"]}
    assert "service-account-not-found" in codes
    assert not [a for a in document["actions"] if a["type"] == "create-service-account"]


SHARED = """apiVersion: v1
kind: ServiceAccount
metadata:
  name: orders
  namespace: shop
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report-${TENANT}
  namespace: shop
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          labels:
            aadpodidbinding: reports-${TENANT}
        spec:
          serviceAccountName: {account}
          restartPolicy: Never
          containers:
            - name: report
              image: shopacr.azurecr.io/report:1.9.3
"""


def _shared_plan(run_cli: Any, tmp_path: Path, account: str) -> dict[str, Any]:
    repo = tmp_path / "repo"
    repo.mkdir(parents=True)
    (repo / "identities.yaml").write_text((CASE / "identities.yaml").read_text())
    api = (CASE / "api.yaml").read_text()
    api = api.replace("      containers:", "      serviceAccountName: orders\n      containers:")
    (repo / "api.yaml").write_text(api)
    (repo / "report.yaml").write_text(SHARED.replace("{account}", account))
    code, out, err = run_cli("plan", str(repo), "-o", "json", *ISSUER)
    assert code == 0, err
    return json.loads(out)


def test_an_account_a_templated_pod_may_run_as_is_not_given_the_identity(
    run_cli: Any, tmp_path: Path
) -> None:
    """api runs as orders; so may the templated CronJob (literally, or through a
    placeholder): orders must not get shop-id's client id, api gets its own account."""
    for account in ("orders", "${REPORT_ACCOUNT}"):
        document = _shared_plan(run_cli, tmp_path / account.strip("${}"), account)
        subjects = [
            a["credential"]["subject"]
            for a in document["actions"]
            if a["type"] == "create-federated-credential"
        ]
        assert subjects == ["system:serviceaccount:shop:shop"], account
        (shared,) = [f for f in document["findings"] if f["code"] == "service-account-shared"]
        assert "CronJob/shop/report-${TENANT}" in shared["message"]
