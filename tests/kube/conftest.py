"""Hermetic Azure for the live tests: only the environment credential, never IMDS or az."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.azure import FakeAzure

TENANT = "11111111-1111-1111-1111-111111111111"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
TEAMS = ("orders", "payments", "search", "billing", "reports")  # fixtures/cluster-sample


@pytest.fixture(autouse=True)
def no_ambient_azure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "EnvironmentCredential")
    for name in (
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_TENANT_ID",
        "AZURE_SUBSCRIPTION_ID",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def azure(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAzure]:
    """The fake Azure holding the sample cluster's identities; the CLI reaches it as a private
    cloud (--arm-endpoint, --authority, REQUESTS_CA_BUNDLE)."""
    with FakeAzure(tenant_id=TENANT) as fake:
        for i, team in enumerate(TEAMS, 1):
            fake.add_identity(
                SUBSCRIPTION,
                f"rg-{team}",
                f"id-{team}",
                client_id=f"{i:08d}-aaaa-4bbb-8ccc-{i:012d}",
            )
        monkeypatch.setenv("AZURE_CLIENT_ID", "wi-migrate-tests")
        monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-a-secret")
        monkeypatch.setenv("AZURE_TENANT_ID", TENANT)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", fake.ca_path)
        yield fake


def azure_args(fake: FakeAzure) -> list[str]:
    return [
        "--arm-endpoint",
        fake.base_url,
        "--authority",
        fake.authority,
        "--subscription",
        SUBSCRIPTION,
    ]
