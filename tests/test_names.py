from __future__ import annotations

import pytest

from migrate.errors import UserError
from migrate.model import names


@pytest.mark.parametrize(
    "wanted",
    ["prod-shop-orders", "x", "-leading-dash", "has spaces/and:colons", "a" * 200, "ÄÖÜ-unicode"],
)
def test_credential_names_always_fit_azure_rule(wanted: str) -> None:
    name = names.credential_name(wanted)
    assert names.FIC_NAME.match(name), name


def test_long_credential_names_are_cut_with_a_stable_hash() -> None:
    a, b = "c" * 110 + "-namespace-one-sa", "c" * 110 + "-namespace-two-sa"
    assert 110 < len(names.credential_name(a)) <= 120
    assert names.credential_name(a) != names.credential_name(b)
    assert names.credential_name(a) == names.credential_name(a)


def test_short_names_are_kept() -> None:
    assert names.credential_name("prod-web-frontend") == "prod-web-frontend"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Orders_API", "orders-api"), ("a..b", "a..b"), ("--x--", "x"), ("!!!", "workload-identity")],
)
def test_service_account_names_are_dns_subdomains(text: str, expected: str) -> None:
    assert names.dns_subdomain(text) == expected


def test_unique_adds_a_suffix() -> None:
    assert names.unique("orders", set()) == "orders"
    assert names.unique("orders", {"orders"}) == "orders-wi"
    assert names.unique("orders", {"orders", "orders-wi"}) == "orders-wi-2"


def test_identity_resource_ids_parse_case_insensitively() -> None:
    sub = "6F1D2C3B-4A59-4E8F-9A01-2B3C4D5E6F70"
    parts = names.parse_identity_id(
        f"/subscriptions/{sub}/resourceGroups/RG/providers/Microsoft.ManagedIdentity/"
        "userAssignedIdentities/id-1"
    )
    assert parts == {"subscription": sub, "resource_group": "RG", "name": "id-1"}
    assert names.parse_identity_id("/subscriptions/s/resourcegroups/rg") is None


def test_templates_are_checked_at_the_edge() -> None:
    names.check_template("--sa-name", "{selector}-{namespace}", names.SA_FIELDS)
    with pytest.raises(UserError, match=r"unknown field \{cluster\}") as e:
        names.check_template("--sa-name", "{cluster}", names.SA_FIELDS)
    assert "{selector}" in e.value.hint
    with pytest.raises(UserError, match="--fic-name"):
        names.check_template("--fic-name", "{unclosed", names.FIC_FIELDS)
