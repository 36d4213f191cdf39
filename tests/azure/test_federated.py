"""ensure_federated_credentials through the real azure-mgmt-msi client, over HTTPS, against the
fake: match on (issuer, subject), idempotence, the 20 limit, per-identity sequencing, retries."""

from __future__ import annotations

import time

import pytest

from migrate.azure.context import AzureContext
from migrate.azure.federated import ensure_federated_credentials
from migrate.errors import UserError
from tests.azure.builders import ISSUER, SUBSCRIPTION, fic, identity, subject
from tests.fakes.azure import FakeAzure

CONCURRENT = "ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity"


def statuses(results: list) -> list[str]:  # type: ignore[type-arg]
    return [r.status for r in results]


def test_creates_what_is_missing_and_a_rerun_writes_nothing(
    fake: FakeAzure, context: AzureContext
) -> None:
    api = fake.add_identity(SUBSCRIPTION, "rg-id", "id-api")
    # exists under another name: found by (issuer, subject), not by name
    fake.add_credential(api["id"], "hand-made", issuer=ISSUER, subject=subject("shop", "api"))
    actions = [
        fic(identity(api), "prod-shop-api", "shop", "api"),
        fic(identity(api), "prod-shop-worker", "shop", "worker"),
        fic(identity(api), "prod-jobs-cron", "jobs", "cron"),
    ]

    first = ensure_federated_credentials(actions, context, write=True)
    writes = fake.counters()["arm_writes"]
    second = ensure_federated_credentials(actions, context, write=True)

    assert statuses(first) == ["unchanged", "changed", "changed"]
    assert "exists as hand-made" in first[0].detail
    assert statuses(second) == ["unchanged"] * 3
    assert writes == 2 and fake.counters()["arm_writes"] == 2  # the re-run wrote nothing
    stored = {c["name"]: c["properties"] for c in fake.credentials(api["id"])}
    assert stored["prod-jobs-cron"] == {
        "issuer": ISSUER,
        "subject": subject("jobs", "cron"),
        "audiences": ["api://AzureADTokenExchange"],
    }


def test_dry_run_reads_and_writes_nothing(fake: FakeAzure, context: AzureContext) -> None:
    api = fake.add_identity(SUBSCRIPTION, "rg-id", "id-api")
    results = ensure_federated_credentials(
        [fic(identity(api), "prod-shop-api", "shop", "api")], context, write=False
    )
    assert statuses(results) == ["pending"] and "dry run" in results[0].detail
    assert fake.counters()["arm_writes"] == 0 and fake.counters()["arm_reads"] >= 1


def test_writes_are_sequential_per_identity_and_parallel_across_identities(
    fake: FakeAzure, context: AzureContext
) -> None:
    seeded = [fake.add_identity(SUBSCRIPTION, "rg-id", f"id-{n}") for n in range(4)]
    fake.settings.write_latency = 0.05
    actions = [fic(identity(s), f"prod-ns-sa{k}", "ns", f"sa{k}") for s in seeded for k in range(3)]

    results = ensure_federated_credentials(actions, context, write=True)

    assert statuses(results) == ["changed"] * 12
    assert [fake.peak_concurrent_writes(s["id"]) for s in seeded] == [1, 1, 1, 1]
    assert fake.counters()["fic_conflicts"] == 0
    assert fake.peak_concurrent_writes() > 1  # identities were written in parallel


def test_throttling_and_concurrent_write_conflicts_are_retried_to_success(
    fake: FakeAzure, context: AzureContext
) -> None:
    api = fake.add_identity(SUBSCRIPTION, "rg-id", "id-api")
    throttle = fake.inject("PUT", "/federatedIdentityCredentials/", status=429, retry_after=0.2)
    conflict = fake.inject(
        "PUT", "/federatedIdentityCredentials/", status=409, code=CONCURRENT, times=2
    )
    started = time.monotonic()

    results = ensure_federated_credentials(
        [fic(identity(api), "prod-shop-api", "shop", "api")], context, write=True
    )

    assert statuses(results) == ["changed"]
    assert throttle.hits == 1 and conflict.hits == 2
    assert time.monotonic() - started >= 0.2  # Retry-After was honoured
    assert [r.status for r in fake.requests("PUT")] == [429, 409, 409, 201]


def test_retry_after_is_capped(fake: FakeAzure, context: AzureContext) -> None:
    api = fake.add_identity(SUBSCRIPTION, "rg-id", "id-api")
    fake.inject("PUT", "/federatedIdentityCredentials/", status=429, retry_after=3600)
    started = time.monotonic()
    results = ensure_federated_credentials(
        [fic(identity(api), "prod-shop-api", "shop", "api")], context, write=True
    )
    assert statuses(results) == ["changed"]
    assert time.monotonic() - started < 5  # the cap (1 s in these tests), not an hour


def test_retries_are_bounded_and_the_failure_is_a_result(
    fake: FakeAzure, context: AzureContext
) -> None:
    api = fake.add_identity(SUBSCRIPTION, "rg-id", "id-api")
    fake.inject("PUT", "/federatedIdentityCredentials/", status=500, times=None)
    results = ensure_federated_credentials(
        [fic(identity(api), "prod-shop-api", "shop", "api")], context, write=True
    )
    assert statuses(results) == ["failed"] and results[0].detail.startswith("500")
    assert len(fake.requests("PUT")) == context.retries.attempts


def test_the_21st_credential_is_refused_before_any_write(
    fake: FakeAzure, context: AzureContext
) -> None:
    full = fake.add_identity(SUBSCRIPTION, "rg-id", "id-full")
    other = fake.add_identity(SUBSCRIPTION, "rg-id", "id-other")
    for n in range(19):
        fake.add_credential(full["id"], f"old-{n}", issuer=ISSUER, subject=subject("old", f"s{n}"))
    actions = [
        fic(identity(other), "prod-a-a", "a", "a"),  # fine on its own, but nothing is written
        fic(identity(full), "prod-b-b", "b", "b"),  # the 20th
        fic(identity(full), "prod-c-c", "c", "c"),  # the 21st
    ]

    results = ensure_federated_credentials(actions, context, write=True)

    assert statuses(results) == ["skipped", "failed", "failed"]
    assert "id-full would pass 20" in results[0].detail
    assert "would pass 20 federated credentials; nothing was written" in results[1].detail
    assert fake.counters()["arm_writes"] == 0
    assert len(fake.credentials(other["id"])) == 0


def test_a_name_taken_by_another_subject_is_not_overwritten(
    fake: FakeAzure, context: AzureContext
) -> None:
    api = fake.add_identity(SUBSCRIPTION, "rg-id", "id-api")
    fake.add_credential(api["id"], "prod-shop-api", issuer=ISSUER, subject=subject("x", "y"))

    (result,) = ensure_federated_credentials(
        [fic(identity(api), "prod-shop-api", "shop", "api")], context, write=True
    )

    assert result.status == "failed" and "names are immutable" in result.detail
    assert fake.counters()["arm_writes"] == 0
    assert fake.credentials(api["id"])[0]["properties"]["subject"] == subject("x", "y")


def test_a_wrong_audience_on_the_matching_credential_is_reported(
    fake: FakeAzure, context: AzureContext
) -> None:
    api = fake.add_identity(SUBSCRIPTION, "rg-id", "id-api")
    fake.add_credential(
        api["id"], "old", issuer=ISSUER, subject=subject("shop", "api"), audiences=["api://other"]
    )
    (result,) = ensure_federated_credentials(
        [fic(identity(api), "prod-shop-api", "shop", "api")], context, write=True
    )
    assert result.status == "failed" and "exactly ['api://AzureADTokenExchange']" in result.detail


def test_a_missing_identity_fails_its_items_only(fake: FakeAzure, context: AzureContext) -> None:
    api = fake.add_identity(SUBSCRIPTION, "rg-id", "id-api")
    ghost = {**api, "name": "id-ghost", "id": api["id"].replace("id-api", "id-ghost")}
    actions = [
        fic(identity(ghost), "prod-a-a", "a", "a"),
        fic(identity(api), "prod-b-b", "b", "b"),
    ]
    results = ensure_federated_credentials(actions, context, write=True)
    assert statuses(results) == ["failed", "changed"]
    assert "id-ghost was not found" in results[0].detail


def test_no_issuer_is_refused(fake: FakeAzure, context: AzureContext) -> None:
    api = fake.add_identity(SUBSCRIPTION, "rg-id", "id-api")
    with pytest.raises(UserError) as raised:
        ensure_federated_credentials(
            [fic(identity(api), "prod-a-a", "a", "a", issuer="")], context, write=True
        )
    assert "--issuer" in raised.value.hint and "--aks" in raised.value.hint
    assert fake.counters()["arm_reads"] == 0


def test_a_throttled_worker_holds_every_worker_of_the_context(
    fake: FakeAzure, context: AzureContext
) -> None:
    # id-0's first write is throttled for 1 s (the tests' cap); id-1's writes take 0.1 s each.
    # Without the shared gate, id-1's worker would go on writing its six credentials during
    # that second; with it, id-1 starts no write from the moment id-0's worker has seen the
    # 429 (a few ms after it was answered: 0.1 s allowed) until the second is nearly up.
    ids = [fake.add_identity(SUBSCRIPTION, "rg-id", f"id-{n}") for n in range(2)]
    throttle = fake.inject("PUT", "/id-0/federatedIdentityCredentials/", status=429, retry_after=1)
    fake.inject("PUT", "/id-1/federatedIdentityCredentials/", latency=0.1, times=None)
    planned = [
        fic(identity(i), f"c-{n}-{k}", f"ns{k}", "sa")
        for n, i in enumerate(ids)
        for k in range(3 * (n + 1))
    ]
    results = ensure_federated_credentials(planned, context, write=True)
    assert statuses(results) == ["changed"] * 9 and throttle.hits == 1
    puts = fake.requests("PUT")
    throttled = next(r for r in puts if r.status == 429)
    retried = next(r for r in puts if r.started > throttled.finished and "/id-0/" in r.path)
    assert retried.started - throttled.finished >= 0.9  # id-0 waited out its Retry-After
    held = [
        r
        for r in puts
        if "/id-1/" in r.path and throttled.finished + 0.1 < r.started < throttled.finished + 0.9
    ]
    assert held == [], [(r.path, r.started - throttled.finished) for r in held]
    assert sum("/id-1/" in r.path for r in puts if r.started > throttled.finished + 0.9) >= 3
    assert context.retries.gate.wait() == 0.0  # open again afterwards
