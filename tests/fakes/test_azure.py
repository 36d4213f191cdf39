"""The fake Azure, driven by the real SDK clients over HTTPS."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import requests
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceResponseError,
)
from azure.identity import ClientAssertionCredential, ClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes.azure import FakeAzure

TENANT = "6f2c1a9e-0d4b-4f43-9a57-0d4a8c1e2b3c"
SUBSCRIPTION = "00000000-0000-0000-0000-00000000a11e"
ISSUER = "https://westeurope.oic.prod-aks.azure.com/6f2c1a9e/5b1d7c3e/"
SUBJECT = "system:serviceaccount:shop:checkout"
AUDIENCE = "api://AzureADTokenExchange"
ARM_SCOPE = "https://management.azure.com/.default"
CONCURRENT = "ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity"
SIGNER = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def fake() -> Iterator[FakeAzure]:
    with FakeAzure(tenant_id=TENANT, page_size=2) as azure:
        yield azure


@pytest.fixture
def credential(fake: FakeAzure) -> ClientSecretCredential:
    return ClientSecretCredential(TENANT, "migrate-cli", "any-secret", **fake.credential_kwargs())


def msi_client(fake: FakeAzure, credential: Any, **kwargs: Any) -> ManagedServiceIdentityClient:
    return ManagedServiceIdentityClient(credential, SUBSCRIPTION, **fake.client_kwargs(), **kwargs)


@pytest.fixture
def msi(fake: FakeAzure, credential: ClientSecretCredential) -> ManagedServiceIdentityClient:
    return msi_client(fake, credential)


def fic(
    subject: str = SUBJECT, issuer: str = ISSUER, audiences: list[str] | None = None
) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "subject": subject,
        "audiences": [AUDIENCE] if audiences is None else audiences,
    }


def assertion(
    subject: str = SUBJECT, issuer: str = ISSUER, key: Any = SIGNER, kid: str = "k1"
) -> str:
    claims = {"iss": issuer, "sub": subject, "aud": [AUDIENCE], "exp": int(time.time()) + 600}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def error_code(error: HttpResponseError) -> str | None:
    return error.error.code if error.error else None


def status_of(pipeline_response: Any, deserialized: Any, headers: Any) -> int:
    return int(pipeline_response.http_response.status_code)


# -- identities -------------------------------------------------------------------------------


def test_identities_are_created_read_and_listed_page_by_page(
    fake: FakeAzure, msi: ManagedServiceIdentityClient
) -> None:
    for name in ("api", "worker", "cron", "web", "batch"):
        msi.user_assigned_identities.create_or_update("rg-shop", name, {"location": "westeurope"})
    msi.user_assigned_identities.create_or_update("rg-other", "lonely", {"location": "westeurope"})

    got = msi.user_assigned_identities.get("RG-SHOP", "Worker")  # ARM names are case-insensitive
    in_group = list(msi.user_assigned_identities.list_by_resource_group("rg-shop"))
    in_subscription = list(msi.user_assigned_identities.list_by_subscription())

    assert got.name == "worker" and got.client_id and got.principal_id and got.tenant_id == TENANT
    assert "/resourcegroups/rg-shop/" in got.id  # the real RP lower-cases this segment
    assert sorted(i.name for i in in_group) == ["api", "batch", "cron", "web", "worker"]
    assert len(in_subscription) == 6
    pages = fake.requests("GET", r"/resourceGroups/rg-shop/.*/userAssignedIdentities$")
    assert len(pages) == 3 and "$skiptoken" in pages[-1].query


def test_missing_identity_is_resource_not_found(msi: ManagedServiceIdentityClient) -> None:
    with pytest.raises(ResourceNotFoundError) as raised:
        msi.user_assigned_identities.get("rg-shop", "ghost")
    assert error_code(raised.value) == "ResourceNotFound"
    with pytest.raises(ResourceNotFoundError):
        msi.federated_identity_credentials.create_or_update("rg-shop", "ghost", "checkout", fic())


# -- federated identity credentials -----------------------------------------------------------


def test_credentials_are_created_updated_and_listed_page_by_page(
    fake: FakeAzure, msi: ManagedServiceIdentityClient
) -> None:
    identity = fake.add_identity(SUBSCRIPTION, "rg-shop", "api")
    fics = msi.federated_identity_credentials
    created = [
        fics.create_or_update("rg-shop", "api", f"sa-{n}", fic(f"{SUBJECT}-{n}"), cls=status_of)
        for n in range(5)
    ]
    again = fics.create_or_update("rg-shop", "api", "sa-0", fic(f"{SUBJECT}-0"), cls=status_of)

    listed = list(fics.list("rg-shop", "api"))
    one = fics.get("rg-shop", "API", "SA-3")

    assert created == [201] * 5 and again == 200
    assert sorted(c.name for c in listed) == [f"sa-{n}" for n in range(5)]
    assert (one.issuer, one.subject, one.audiences) == (ISSUER, f"{SUBJECT}-3", [AUDIENCE])
    assert len(fake.requests("GET", r"/federatedIdentityCredentials$")) == 3
    assert len(fake.credentials(identity["id"].upper())) == 5
    fics.delete("rg-shop", "api", "sa-4")
    assert len(fake.credentials(identity["id"])) == 4


def test_at_most_twenty_credentials_per_identity(
    fake: FakeAzure, msi: ManagedServiceIdentityClient
) -> None:
    identity = fake.add_identity(SUBSCRIPTION, "rg-shop", "api")
    for n in range(20):
        fake.add_credential(identity["id"], f"sa-{n}", issuer=ISSUER, subject=f"{SUBJECT}-{n}")

    with pytest.raises(HttpResponseError) as raised:
        msi.federated_identity_credentials.create_or_update("rg-shop", "api", "one-more", fic())

    assert raised.value.status_code == 400 and "20" in str(raised.value.message)
    assert len(fake.credentials(identity["id"])) == 20


@pytest.mark.parametrize("name", ["ab", "-abc", "_abc", "a" * 121, "has space", "dot.ted"])
def test_credential_names_follow_the_pattern(
    fake: FakeAzure, msi: ManagedServiceIdentityClient, name: str
) -> None:
    fake.add_identity(SUBSCRIPTION, "rg-shop", "api")
    with pytest.raises(HttpResponseError) as raised:
        msi.federated_identity_credentials.create_or_update("rg-shop", "api", name, fic())
    assert raised.value.status_code == 400 and "is invalid" in str(raised.value.message)


@pytest.mark.parametrize("name", ["abc", "a" * 120, "0a-b_c"])
def test_credential_names_that_are_valid(
    fake: FakeAzure, msi: ManagedServiceIdentityClient, name: str
) -> None:
    fake.add_identity(SUBSCRIPTION, "rg-shop", "api")
    assert (
        msi.federated_identity_credentials.create_or_update("rg-shop", "api", name, fic()).name
        == name
    )


def test_issuer_and_subject_are_unique_per_identity(
    fake: FakeAzure, msi: ManagedServiceIdentityClient
) -> None:
    fake.add_identity(SUBSCRIPTION, "rg-shop", "api")
    fake.add_identity(SUBSCRIPTION, "rg-shop", "worker")
    fics = msi.federated_identity_credentials
    fics.create_or_update("rg-shop", "api", "checkout", fic())
    fics.create_or_update("rg-shop", "worker", "checkout", fic())  # another identity: fine

    with pytest.raises(HttpResponseError) as raised:
        fics.create_or_update("rg-shop", "api", "checkout-again", fic())

    assert raised.value.status_code == 400
    assert "Issuer and subject combination already exists" in str(raised.value.message)


@pytest.mark.parametrize("audiences", [[], [AUDIENCE, "api://Other"]])
def test_exactly_one_audience(
    fake: FakeAzure, msi: ManagedServiceIdentityClient, audiences: list[str]
) -> None:
    fake.add_identity(SUBSCRIPTION, "rg-shop", "api")
    with pytest.raises(HttpResponseError) as raised:
        msi.federated_identity_credentials.create_or_update(
            "rg-shop", "api", "checkout", fic(audiences=audiences)
        )
    assert raised.value.status_code == 400 and "exactly one audience" in str(raised.value.message)


def write_at_once(writes: list[Any]) -> list[BaseException | None]:
    """Run the writes in threads released together; the exception each raised, or None."""
    barrier = threading.Barrier(len(writes))
    outcomes: list[BaseException | None] = [None] * len(writes)

    def run(index: int) -> None:
        barrier.wait()
        try:
            writes[index]()
        except BaseException as error:
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(writes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_overlapping_writes_on_one_identity_conflict(
    fake: FakeAzure, credential: ClientSecretCredential
) -> None:
    identity = fake.add_identity(SUBSCRIPTION, "rg-shop", "api")
    fake.add_credential(identity["id"], "old", issuer=ISSUER, subject=f"{SUBJECT}-old")
    fake.settings.write_latency = 0.3
    clients = [msi_client(fake, credential, retry_total=0) for _ in range(2)]
    credential.get_token(ARM_SCOPE)  # warm the token cache so both writes start together

    outcomes = write_at_once(
        [
            lambda: clients[0].federated_identity_credentials.create_or_update(
                "rg-shop", "api", "new", fic()
            ),
            lambda: clients[1].federated_identity_credentials.delete("rg-shop", "api", "old"),
        ]
    )

    errors = [e for e in outcomes if e is not None]
    assert len(errors) == 1 and isinstance(errors[0], HttpResponseError)
    assert errors[0].status_code == 409 and error_code(errors[0]) == CONCURRENT
    assert fake.peak_concurrent_writes(identity["id"]) == 2
    assert fake.concurrent_write_conflicts(identity["id"]) == 1
    assert fake.counters()["fic_conflicts"] == 1


def test_writes_on_different_identities_may_overlap(
    fake: FakeAzure, msi: ManagedServiceIdentityClient
) -> None:
    ids = [fake.add_identity(SUBSCRIPTION, "rg-shop", name)["id"] for name in ("api", "worker")]
    fake.settings.write_latency = 0.2
    msi.user_assigned_identities.get("rg-shop", "api")  # warm the token cache

    outcomes = write_at_once(
        [
            lambda: msi.federated_identity_credentials.create_or_update(
                "rg-shop", "api", "checkout", fic()
            ),
            lambda: msi.federated_identity_credentials.create_or_update(
                "rg-shop", "worker", "checkout", fic()
            ),
        ]
    )

    assert outcomes == [None, None]
    assert [fake.peak_concurrent_writes(i) for i in ids] == [1, 1]
    assert fake.peak_concurrent_writes() == 2


# -- fault injection --------------------------------------------------------------------------


def test_throttling_is_retried_after_the_retry_after_delay(
    fake: FakeAzure, msi: ManagedServiceIdentityClient
) -> None:
    fake.add_identity(SUBSCRIPTION, "rg-shop", "api")
    throttle = fake.inject(
        "PUT", r"/federatedIdentityCredentials/", status=429, retry_after=0.2, times=2
    )

    started = time.monotonic()
    msi.federated_identity_credentials.create_or_update("rg-shop", "api", "checkout", fic())

    assert time.monotonic() - started >= 0.4
    assert throttle.hits == 2
    assert [r.status for r in fake.requests("PUT")] == [429, 429, 201]


def test_server_errors_and_dropped_connections(
    fake: FakeAzure, credential: ClientSecretCredential
) -> None:
    fake.add_identity(SUBSCRIPTION, "rg-shop", "api")
    no_retry = msi_client(fake, credential, retry_total=0)
    fake.inject("GET", r"/userAssignedIdentities/api$", status=500)
    with pytest.raises(HttpResponseError) as raised:
        no_retry.user_assigned_identities.get("rg-shop", "api")
    assert raised.value.status_code == 500

    fake.inject("GET", r"/userAssignedIdentities/api$", drop=True)
    with pytest.raises(ServiceResponseError):
        no_retry.user_assigned_identities.get("rg-shop", "api")

    dropped_once = fake.inject("GET", r"/userAssignedIdentities/api$", drop=True, latency=0.05)
    assert msi_client(fake, credential).user_assigned_identities.get("rg-shop", "api").name == "api"
    assert dropped_once.hits == 1


def test_arm_wants_a_bearer_token_and_an_api_version(fake: FakeAzure) -> None:
    path = (
        f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.ManagedIdentity/userAssignedIdentities"
    )
    url = fake.base_url + path
    anonymous = requests.get(
        url, params={"api-version": "2024-11-30"}, verify=fake.ca_path, timeout=5
    )
    unversioned = requests.get(
        url, headers={"Authorization": "Bearer x"}, verify=fake.ca_path, timeout=5
    )

    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "AuthenticationFailed"
    assert unversioned.status_code == 400
    assert unversioned.json()["error"]["code"] == "MissingApiVersionParameter"
    assert fake.counters()["unauthorized"] == 1


def test_sdk_calls_carry_the_token_from_the_fake_entra(
    fake: FakeAzure, msi: ManagedServiceIdentityClient
) -> None:
    list(msi.user_assigned_identities.list_by_subscription())

    (call,) = fake.requests("GET", r"^/subscriptions/")
    (issued,) = fake.tokens()
    assert (
        call.bearer
        and jwt.decode(call.bearer, options={"verify_signature": False})["appid"] == "migrate-cli"
    )
    assert (issued.grant, issued.scope) == ("client_secret", ARM_SCOPE)


# -- Entra token exchange ---------------------------------------------------------------------


def exchange(fake: FakeAzure, client_id: str, token: str) -> ClientAssertionCredential:
    return ClientAssertionCredential(TENANT, client_id, lambda: token, **fake.credential_kwargs())


def test_assertion_with_a_matching_credential_gets_a_token(fake: FakeAzure) -> None:
    identity = fake.add_identity(SUBSCRIPTION, "rg-shop", "api")
    fake.add_credential(identity["id"], "checkout", issuer=ISSUER, subject=SUBJECT)

    token = exchange(fake, identity["clientId"], assertion()).get_token(ARM_SCOPE)

    claims = jwt.decode(token.token, options={"verify_signature": False})
    assert claims["oid"] == identity["principalId"] and token.expires_on > time.time()
    (issued,) = fake.tokens()
    assert issued.grant == "client_assertion" and (issued.assertion_claims or {})["sub"] == SUBJECT


def test_wrong_subject_is_refused_until_the_credential_exists(
    fake: FakeAzure, msi: ManagedServiceIdentityClient
) -> None:
    identity = fake.add_identity(SUBSCRIPTION, "rg-shop", "api")
    fake.add_credential(identity["id"], "checkout", issuer=ISSUER, subject=SUBJECT)
    other = "system:serviceaccount:shop:payments"
    checker = exchange(fake, identity["clientId"], assertion(subject=other))

    with pytest.raises(ClientAuthenticationError) as raised:
        checker.get_token(ARM_SCOPE)
    assert (
        "AADSTS70021" in raised.value.message
        and f"Assertion Subject: '{other}'" in raised.value.message
    )

    msi.federated_identity_credentials.create_or_update("rg-shop", "api", "payments", fic(other))
    assert checker.get_token(ARM_SCOPE).token


def test_issuer_without_its_trailing_slash_does_not_match(fake: FakeAzure) -> None:
    identity = fake.add_identity(SUBSCRIPTION, "rg-shop", "api")
    fake.add_credential(identity["id"], "checkout", issuer=ISSUER.rstrip("/"), subject=SUBJECT)
    with pytest.raises(ClientAuthenticationError, match="AADSTS70021"):
        exchange(fake, identity["clientId"], assertion()).get_token(ARM_SCOPE)


def test_new_credential_is_honoured_after_the_propagation_delay(
    fake: FakeAzure, msi: ManagedServiceIdentityClient
) -> None:
    identity = fake.add_identity(SUBSCRIPTION, "rg-shop", "api")
    fake.settings.propagation_delay = 0.3
    msi.federated_identity_credentials.create_or_update("rg-shop", "api", "checkout", fic())
    checker = exchange(fake, identity["clientId"], assertion())

    with pytest.raises(ClientAuthenticationError, match="AADSTS70021"):
        checker.get_token(ARM_SCOPE)
    time.sleep(0.35)
    assert checker.get_token(ARM_SCOPE).token


def test_unknown_client_id_is_refused(fake: FakeAzure) -> None:
    with pytest.raises(ClientAuthenticationError, match="AADSTS700016"):
        exchange(fake, "9d9a5c3f-0000-4000-8000-000000000000", assertion()).get_token(ARM_SCOPE)


def test_assertion_signatures_are_checked_against_a_jwks(fake: FakeAzure) -> None:
    identity = fake.add_identity(SUBSCRIPTION, "rg-shop", "api")
    fake.add_credential(identity["id"], "checkout", issuer=ISSUER, subject=SUBJECT)
    public = jwt.algorithms.RSAAlgorithm.to_jwk(SIGNER.public_key(), as_dict=True)
    fake.settings.assertion_key = {"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]}
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    with pytest.raises(ClientAuthenticationError, match="AADSTS50013"):
        exchange(fake, identity["clientId"], assertion(key=forger)).get_token(ARM_SCOPE)
    assert exchange(fake, identity["clientId"], assertion()).get_token(ARM_SCOPE).token

    fake.settings.assertion_key = SIGNER.public_key()  # a bare public key works too
    with pytest.raises(ClientAuthenticationError, match="AADSTS50013"):
        exchange(fake, identity["clientId"], assertion(key=forger)).get_token(ARM_SCOPE)


# -- managed clusters and role assignments ----------------------------------------------------


def test_managed_cluster_reports_issuer_and_pod_identity_profile(
    fake: FakeAzure, credential: ClientSecretCredential
) -> None:
    binding = {
        "name": "checkout",
        "namespace": "shop",
        "bindingSelector": "checkout",
        "identity": {"resourceId": "/subscriptions/s/x", "clientId": "c", "objectId": "o"},
    }
    fake.add_cluster(
        SUBSCRIPTION,
        "rg-aks",
        "prod",
        oidc_issuer_url=ISSUER,
        workload_identity=True,
        pod_identity_profile={"enabled": True, "userAssignedIdentities": [binding]},
    )
    aks = ContainerServiceClient(credential, SUBSCRIPTION, **fake.client_kwargs())

    cluster = aks.managed_clusters.get("RG-AKS", "prod")

    assert cluster.oidc_issuer_profile.issuer_url == ISSUER
    assert cluster.security_profile.workload_identity.enabled is True
    assert cluster.pod_identity_profile.user_assigned_identities[0].binding_selector == "checkout"
    with pytest.raises(ResourceNotFoundError):
        aks.managed_clusters.get("rg-aks", "staging")


def test_role_assignments_are_listed_by_principal_and_copied(
    fake: FakeAzure, credential: ClientSecretCredential
) -> None:
    group = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-shop"
    reader = (
        f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7"
    )
    old_principal = "1b1b1b1b-0000-4000-8000-000000000001"
    fake.add_role_assignment(
        f"/subscriptions/{SUBSCRIPTION}", role_definition_id=reader, principal_id=old_principal
    )
    fake.add_role_assignment(
        f"{group}/providers/Microsoft.KeyVault/vaults/kv",
        role_definition_id=reader,
        principal_id=old_principal,
    )
    fake.add_role_assignment(group, role_definition_id=reader, principal_id="someone-else")
    new_principal = fake.add_identity(SUBSCRIPTION, "rg-shop", "api")["principalId"]
    auth = AuthorizationManagementClient(credential, SUBSCRIPTION, **fake.client_kwargs())

    old = list(
        auth.role_assignments.list_for_scope(group, filter=f"principalId eq '{old_principal}'")
    )
    for assignment in old:
        auth.role_assignments.create(
            assignment.scope,
            "0f0e0d0c-0000-4000-8000-00000000000" + str(len(fake.role_assignments(new_principal))),
            {"role_definition_id": assignment.role_definition_id, "principal_id": new_principal},
        )

    assert sorted(a.scope for a in old) == sorted(
        [f"/subscriptions/{SUBSCRIPTION}", f"{group}/providers/Microsoft.KeyVault/vaults/kv"]
    )
    assert len(fake.role_assignments(new_principal)) == 2
    with pytest.raises(ResourceExistsError) as raised:
        auth.role_assignments.create(
            group + "/providers/Microsoft.KeyVault/vaults/kv",
            "0f0e0d0c-0000-4000-8000-0000000000ff",
            {"role_definition_id": reader, "principal_id": new_principal},
        )
    assert error_code(raised.value) == "RoleAssignmentExists"
