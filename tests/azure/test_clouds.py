"""Endpoints per cloud, and the overrides a private cloud needs."""

from __future__ import annotations

import pytest

from migrate.azure.clouds import endpoints
from migrate.errors import UserError


def test_sovereign_clouds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_AUTHORITY_HOST", raising=False)
    public = endpoints()
    gov = endpoints("AzureUSGovernment")
    china = endpoints("AzureChinaCloud")
    assert (public.arm_scope, public.authority) == (
        "https://management.azure.com/.default",
        "https://login.microsoftonline.com",
    )
    assert (gov.arm, gov.authority) == (
        "https://management.usgovcloudapi.net",
        "https://login.microsoftonline.us",
    )
    assert china.arm_scope == "https://management.chinacloudapi.cn/.default"
    assert public.known_authority and gov.known_authority and china.known_authority


def test_private_cloud_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", "https://adfs.local.azurestack.external/adfs/")
    from_env = endpoints(arm_endpoint="https://management.local.azurestack.external/")
    assert from_env.arm == "https://management.local.azurestack.external"
    assert from_env.authority == "https://adfs.local.azurestack.external/adfs"
    assert not from_env.known_authority  # so MSAL skips the public instance discovery
    assert endpoints(authority="login.example.test").authority == "https://login.example.test"


def test_bad_endpoints_are_user_errors() -> None:
    with pytest.raises(UserError, match="not a known cloud"):
        endpoints("AzureGermanCloud")
    with pytest.raises(UserError, match="is not an https URL"):
        endpoints(arm_endpoint="http://arm.local")
