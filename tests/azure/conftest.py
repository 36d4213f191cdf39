"""The fake Azure (and, for cluster parts, the fake Kubernetes API server), reached the way a
user reaches a private cloud: --arm-endpoint, --authority and REQUESTS_CA_BUNDLE."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from migrate.azure.context import AzureContext, Retries, connect
from tests.azure.builders import SUBSCRIPTION, TENANT
from tests.fakes.azure import FakeAzure
from tests.fakes.kube_apiserver import FakeKubeApiServer

FAST = Retries(attempts=8, retry_after_cap=1.0, backoff=0.02, backoff_cap=0.1)


@pytest.fixture
def fake() -> Iterator[FakeAzure]:
    with FakeAzure(tenant_id=TENANT, page_size=2) as azure:
        yield azure


@pytest.fixture
def azure_env(fake: FakeAzure, monkeypatch: pytest.MonkeyPatch) -> FakeAzure:
    """Configuration only: a service principal in the environment, the fake's CA trusted."""
    monkeypatch.setenv("AZURE_CLIENT_ID", "wi-migrate-tests")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-a-secret")
    monkeypatch.setenv("AZURE_TENANT_ID", TENANT)
    # DefaultAzureCredential tries only the environment: no IMDS, no az CLI off loopback
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "EnvironmentCredential")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", fake.ca_path)
    monkeypatch.delenv("AZURE_AUTHORITY_HOST", raising=False)
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID", raising=False)
    return fake


@pytest.fixture
def context(azure_env: FakeAzure) -> Iterator[AzureContext]:
    ctx = connect(
        subscription=SUBSCRIPTION,
        arm_endpoint=azure_env.base_url,
        authority=azure_env.authority,
        concurrency=8,
        retries=dataclasses.replace(FAST),  # its own gate
    )
    yield ctx
    ctx.close()


@pytest.fixture
def azure_args(azure_env: FakeAzure) -> list[str]:
    """The CLI options that point wi-migrate at the fake, as at any private cloud."""
    return [
        "--arm-endpoint",
        azure_env.base_url,
        "--authority",
        azure_env.authority,
        "--subscription",
        SUBSCRIPTION,
    ]


@pytest.fixture
def kubeconfig(kube: FakeKubeApiServer, tmp_path: Path) -> str:
    return str(kube.write_kubeconfig(tmp_path / "kubeconfig"))
