"""wi-migrate verify: a TokenRequest from the (fake) cluster, the exchange at the (fake) Entra,
refusals explained; no pod deployed."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.azure.builders import ISSUER, SUBSCRIPTION, TENANT, subject, write_app
from tests.fakes.azure import FakeAzure
from tests.fakes.kube_apiserver import FakeKubeApiServer

pytestmark = pytest.mark.kube_fake(issuer=ISSUER)

FAST = ["--attempts", "3", "--delay", "0.05"]


def cluster_with_account(
    kube: FakeKubeApiServer, namespace: str = "shop", name: str = "api"
) -> None:
    kube.seed(
        [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": name, "namespace": namespace},
            },
        ]
    )


def app(tmp_path: Path, fake: FakeAzure) -> tuple[str, dict[str, str]]:
    seeded = fake.add_identity(SUBSCRIPTION, "rg-id", "id-api")
    write_app(
        tmp_path / "repo", "shop", "api", resource_id=seeded["id"], client_id=seeded["clientId"]
    )
    return str(tmp_path / "repo"), seeded


@dataclass(frozen=True)
class Shop:
    """A repo planning shop/api onto one seeded identity, the account in the cluster."""

    source: str
    seeded: dict[str, str]
    run: Callable[..., tuple[int, str, str]]
    kubeconfig: str
    azure_args: list[str]

    def verify(self, *extra: str, source: str = "") -> tuple[int, list[dict[str, Any]], str]:
        code, out, err = self.run(
            "verify",
            source or self.source,
            "--kubeconfig",
            self.kubeconfig,
            *self.azure_args,
            *FAST,
            "-o",
            "json",
            *extra,
        )
        return code, (json.loads(out)["checks"] if out else []), err


@pytest.fixture
def shop(
    run_cli,
    fake: FakeAzure,
    kube: FakeKubeApiServer,
    kubeconfig: str,
    azure_args: list[str],
    tmp_path: Path,
) -> Shop:  # type: ignore[no-untyped-def]
    source, seeded = app(tmp_path, fake)
    cluster_with_account(kube)
    return Shop(source, seeded, run_cli, kubeconfig, azure_args)


def test_wrong_subject_fails_explained_and_passes_after_the_fix(
    run_cli, fake: FakeAzure, shop: Shop, azure_args: list[str]
) -> None:  # type: ignore[no-untyped-def]
    source, seeded = shop.source, shop.seeded
    fake.add_credential(seeded["id"], "by-hand", issuer=ISSUER, subject=subject("shop", "apii"))

    code, (check,), _ = shop.verify()

    assert code == 1 and check["status"] == "failed" and check["code"] == "AADSTS70021"
    assert check["detail"].startswith(
        "subject mismatch: no credential on id-api for 'system:serviceaccount:shop:api'"
    )
    assert "by-hand (system:serviceaccount:shop:apii)" in check["detail"]
    assert check["attempts"] == 1  # a mismatch is not worth waiting for
    assert check["client_id"] == seeded["clientId"]

    code, _, _ = run_cli("credentials", source, "--issuer", ISSUER, "--yes", *azure_args)
    assert code == 0

    code, (check,), _ = shop.verify()
    assert code == 0 and check["status"] == "passed" and check["code"] == ""
    (issued,) = [t for t in fake.tokens() if t.grant == "client_assertion"]
    assert issued.tenant_id == TENANT  # read from ARM: the plan had no tenant id
    assert (issued.assertion_claims or {})["aud"] == ["api://AzureADTokenExchange"]


def test_a_new_credential_is_retried_until_it_propagates(
    run_cli, fake: FakeAzure, shop: Shop, azure_args: list[str]
) -> None:  # type: ignore[no-untyped-def]
    source = shop.source
    fake.settings.propagation_delay = 0.3
    run_cli("credentials", source, "--issuer", ISSUER, "--yes", *azure_args)

    code, (check,), _ = shop.verify("--attempts", "20", "--delay", "0.05")

    assert code == 0 and check["status"] == "passed" and check["attempts"] > 1


def test_propagation_that_outlasts_the_retries_says_so(
    run_cli, fake: FakeAzure, shop: Shop, azure_args: list[str]
) -> None:  # type: ignore[no-untyped-def]
    source = shop.source
    fake.settings.propagation_delay = 60
    run_cli("credentials", source, "--issuer", ISSUER, "--yes", *azure_args)

    code, (check,), _ = shop.verify()

    assert code == 1 and check["attempts"] == 3
    assert "matches but Entra does not honour it yet" in check["detail"]
    assert "re-run later" in check["detail"]


def test_issuer_without_its_trailing_slash_is_explained(
    run_cli, fake: FakeAzure, shop: Shop, azure_args: list[str]
) -> None:  # type: ignore[no-untyped-def]
    seeded = shop.seeded
    fake.add_credential(
        seeded["id"], "no-slash", issuer=ISSUER.rstrip("/"), subject=subject("shop", "api")
    )

    code, (check,), _ = shop.verify()

    assert code == 1 and check["detail"].startswith("issuer mismatch: credential no-slash")
    assert "only the trailing '/' differs" in check["detail"]


def test_unknown_client_id_and_missing_service_account(
    run_cli,
    fake: FakeAzure,
    kube: FakeKubeApiServer,
    kubeconfig: str,
    azure_args: list[str],
    tmp_path: Path,
) -> None:  # type: ignore[no-untyped-def]
    unknown = "9d9a5c3f-0000-4000-8000-000000000000"
    resource_id = (
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-id/providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities/id-gone"
    )
    write_app(tmp_path / "repo", "shop", "api", resource_id=resource_id, client_id=unknown)
    write_app(tmp_path / "repo", "jobs", "cron", resource_id=resource_id, client_id=unknown)
    cluster_with_account(kube)  # shop/api only: jobs/cron was never created

    code, checks, _ = Shop("", {}, run_cli, kubeconfig, azure_args).verify(
        "--tenant-id", TENANT, source=str(tmp_path / "repo")
    )

    by_account = {c["service_account"]: c for c in checks}
    assert code == 1
    assert by_account["shop/api"]["code"] == "AADSTS700016"
    assert "no identity with this client id" in by_account["shop/api"]["detail"]
    assert "jobs/cron is not in the cluster" in by_account["jobs/cron"]["detail"]


def test_table_output(run_cli, fake: FakeAzure, shop: Shop, azure_args: list[str]) -> None:  # type: ignore[no-untyped-def]
    source, seeded = shop.source, shop.seeded
    fake.add_credential(seeded["id"], "ok", issuer=ISSUER, subject=subject("shop", "api"))
    code, out, _ = run_cli("verify", source, "--kubeconfig", shop.kubeconfig, *azure_args, *FAST)
    assert code == 0 and "passed" in out
    # namespace and name in their own columns (or lines, when the table does not fit)
    assert re.search(r"\bshop\b", out) and re.search(r"(ServiceAccount|│) api\b", out)
    assert "token checks: 1 of 1 passed" in out
