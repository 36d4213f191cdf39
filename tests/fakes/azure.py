"""A fake Azure (ARM + Entra token endpoint) on real HTTPS, for the real SDK clients.

One server on ``https://127.0.0.1:<port>`` serves both ARM and Entra, with a certificate from a
test CA (``trustme``) whose PEM is at ``fake.ca_path``. Point the SDKs at it like this::

    with FakeAzure(tenant_id=TENANT) as fake:
        credential = ClientSecretCredential(TENANT, "any-client", "any-secret",
                                            **fake.credential_kwargs())
        msi = ManagedServiceIdentityClient(credential, SUBSCRIPTION, **fake.client_kwargs())
        aks = ContainerServiceClient(credential, SUBSCRIPTION, **fake.client_kwargs())
        auth = AuthorizationManagementClient(credential, SUBSCRIPTION, **fake.client_kwargs())
        checker = ClientAssertionCredential(TENANT, client_id, lambda: token,
                                            **fake.credential_kwargs())

What those keyword arguments are, and why (found by running the SDKs against the fake):

- ``client_kwargs()`` = ``base_url=fake.base_url, connection_verify=fake.ca_path``. The default
  ``credential_scopes`` (``https://management.azure.com/.default``) can stay: the fake's Entra
  issues a token for any scope. Add ``retry_total=0`` to see 409/429/500 answers directly.
- ``credential_kwargs()`` = ``authority=fake.authority, disable_instance_discovery=True,
  connection_verify=fake.ca_path``. azure-identity accepts an ``https://host:port`` authority.
  ``ClientSecretCredential`` goes through MSAL, which for an unknown authority host asks
  ``https://login.microsoftonline.com/common/discovery/instance`` (not the authority itself, so the
  fake cannot answer it): ``disable_instance_discovery=True`` is required. MSAL then reads
  ``GET /{tenant}/v2.0/.well-known/openid-configuration``, served here.
  ``ClientAssertionCredential`` posts straight to ``/{tenant}/oauth2/v2.0/token`` and ignores the
  discovery flag.
- Instead of ``connection_verify`` a test may set ``REQUESTS_CA_BUNDLE=fake.ca_path``.

ARM needs ``api-version`` on every request (400 ``MissingApiVersionParameter``) and a bearer token
(401 ``AuthenticationFailed``); any bearer token is accepted and recorded. Path segments such as
``resourceGroups`` and provider names, and resource names, are case-insensitive. Identity ids come
back with a lower-case ``resourcegroups`` segment, as the real ManagedIdentity RP returns them.
Lists page with ``nextLink`` (``page_size`` items, or ``$top``).

Seeding: ``add_identity``, ``add_credential``, ``add_cluster``, ``add_role_assignment``.
Faults: ``inject(method=, path_regex=, status=, retry_after=, times=, drop=, latency=)``;
``settings.write_latency`` (each FIC write holds its identity's write marker that long, so
overlapping writes get 409), ``settings.propagation_delay`` (new FICs not yet honoured by Entra),
``settings.assertion_key`` (verify assertion signatures with a public key or JWKS).
Inspection: ``identities``, ``credentials``, ``role_assignments``, ``requests``, ``tokens``,
``counters``, ``peak_concurrent_writes``, ``concurrent_write_conflicts``.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable
from typing import Any

from tests.fakes.azure_rbac import role_assignment
from tests.fakes.azure_server import Dispatcher, Fault, HttpsServer
from tests.fakes.azure_state import (
    FEDERATED_AUDIENCE,
    AzureState,
    FederatedCredential,
    IssuedToken,
    Json,
    RecordedRequest,
    Settings,
    identity_key,
    now,
    resource_key,
)

DEFAULT_TENANT = "72f988bf-0000-4000-8000-00000000fa4e"
COUNTERS = (
    "arm_reads",
    "arm_writes",
    "fic_writes",
    "fic_conflicts",
    "token_requests",
    "unauthorized",
)


class FakeAzure:
    """ARM and Entra on one HTTPS port, started on construction; use it as a context manager.

    Identities get `tenant_id`; `page_size` is how many items a list page holds. The other
    arguments set the `settings` a test may also change later.
    """

    def __init__(
        self,
        *,
        tenant_id: str = DEFAULT_TENANT,
        page_size: int = 2,
        write_latency: float = 0.0,
        propagation_delay: float = 0.0,
        assertion_key: Any = None,
    ) -> None:
        self.tenant_id = tenant_id
        self.settings = Settings(
            page_size=page_size,
            write_latency=write_latency,
            propagation_delay=propagation_delay,
            assertion_key=assertion_key,
        )
        self.state = AzureState(tenant_id)
        self._dispatcher = Dispatcher(self.state, self.settings)
        self._server = HttpsServer(self._dispatcher)
        self.base_url = self._server.base_url
        self.authority = self.base_url
        self.ca_path = self._server.ca_path
        self.settings.base_url = self.base_url

    def __enter__(self) -> FakeAzure:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._server.close()

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments that point an azure-mgmt-* client at the fake."""
        return {"base_url": self.base_url, "connection_verify": self.ca_path}

    def credential_kwargs(self) -> dict[str, Any]:
        """Keyword arguments that point an azure-identity credential at the fake's Entra."""
        return {
            "authority": self.authority,
            "disable_instance_discovery": True,
            "connection_verify": self.ca_path,
        }

    # -- seeding --------------------------------------------------------------------------------

    def add_identity(
        self,
        subscription: str,
        resource_group: str,
        name: str,
        *,
        location: str = "westeurope",
        client_id: str | None = None,
        principal_id: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> dict[str, str]:
        with self.state.lock:
            identity = self.state.create_identity(
                (subscription, resource_group, name), location, tags, client_id, principal_id
            )
            return {
                "id": identity.id,
                "name": identity.name,
                "subscription": subscription,
                "resourceGroup": resource_group,
                "location": location,
                "clientId": identity.client_id,
                "principalId": identity.principal_id,
                "tenantId": identity.tenant_id,
            }

    def add_credential(
        self,
        identity_id: str,
        name: str,
        *,
        issuer: str,
        subject: str,
        audiences: Iterable[str] = (FEDERATED_AUDIENCE,),
        propagated: bool = True,
    ) -> Json:
        """Add a FIC without the ARM rules; `propagated=False` makes it subject to the delay."""
        created_at = -math.inf if propagated else now()
        with self.state.lock:
            identity = self.state.identities[identity_key(identity_id)]
            credential = FederatedCredential(name, issuer, subject, list(audiences), created_at)
            identity.credentials[name.lower()] = credential
            return identity.credential_to_arm(credential)

    def add_cluster(
        self,
        subscription: str,
        resource_group: str,
        name: str,
        *,
        location: str = "westeurope",
        oidc_issuer_url: str | None = None,
        workload_identity: bool = False,
        pod_identity_profile: Json | None = None,
        extra_properties: Json | None = None,
    ) -> Json:
        """A managed cluster; `pod_identity_profile` is the raw ARM `podIdentityProfile`."""
        oidc: Json = {"enabled": oidc_issuer_url is not None}
        if oidc_issuer_url is not None:
            oidc["issuerURL"] = oidc_issuer_url
        properties: Json = {
            "provisioningState": "Succeeded",
            "kubernetesVersion": "1.30.0",
            "dnsPrefix": name,
            "oidcIssuerProfile": oidc,
            "securityProfile": {"workloadIdentity": {"enabled": workload_identity}},
            "podIdentityProfile": pod_identity_profile or {"enabled": False},
            **(extra_properties or {}),
        }
        cluster = {
            "id": f"/subscriptions/{subscription}/resourcegroups/{resource_group}"
            f"/providers/Microsoft.ContainerService/managedClusters/{name}",
            "name": name,
            "type": "Microsoft.ContainerService/ManagedClusters",
            "location": location,
            "properties": properties,
        }
        with self.state.lock:
            self.state.clusters[resource_key(subscription, resource_group, name)] = cluster
        return cluster

    def add_node_host(
        self,
        subscription: str,
        resource_group: str,
        name: str,
        identity_ids: list[str],
        *,
        scale_set: bool = True,
    ) -> str:
        """A node pool's VM scale set (or a standalone VM) with these user-assigned identities
        attached; returns its resource id. Seeding it again replaces the identities."""
        collection = "virtualMachineScaleSets" if scale_set else "virtualMachines"
        host_id = (
            f"/subscriptions/{subscription}/resourceGroups/{resource_group}"
            f"/providers/Microsoft.Compute/{collection}/{name}"
        )
        attached = {
            rid: {"principalId": str(uuid.uuid4()), "clientId": str(uuid.uuid4())}
            for rid in identity_ids
        }
        host: Json = {
            "id": host_id,
            "name": name,
            "type": f"Microsoft.Compute/{collection}",
            "location": "westeurope",
            "properties": {"provisioningState": "Succeeded"},
        }
        if attached:
            host["identity"] = {"type": "UserAssigned", "userAssignedIdentities": attached}
        key = (subscription.lower(), resource_group.lower(), collection.lower(), name.lower())
        with self.state.lock:
            self.state.node_hosts[key] = host
        return host_id

    def add_role_assignment(
        self,
        scope: str,
        *,
        role_definition_id: str,
        principal_id: str,
        principal_type: str = "ServicePrincipal",
        name: str | None = None,
    ) -> Json:
        properties = {
            "roleDefinitionId": role_definition_id,
            "principalId": principal_id,
            "principalType": principal_type,
        }
        assignment = role_assignment(scope, name or str(uuid.uuid4()), properties)
        with self.state.lock:
            self.state.role_assignments[assignment["id"].lower()] = assignment
        return assignment

    # -- fault injection ------------------------------------------------------------------------

    def inject(
        self,
        method: str | None = None,
        path_regex: str | None = None,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        times: int | None = 1,
        drop: bool = False,
        latency: float = 0.0,
        code: str | None = None,
        message: str | None = None,
    ) -> Fault:
        """Answer the next `times` matching requests with `status` (or drop them, or delay them).

        Faults are tried in the order they were injected; a request takes at most one.
        """
        fault = Fault(method, path_regex, status, retry_after, times, drop, latency, code, message)
        with self.state.lock:
            self._dispatcher.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.state.lock:
            self._dispatcher.faults.clear()

    # -- inspection -----------------------------------------------------------------------------

    def identities(self) -> list[Json]:
        with self.state.lock:
            return [identity.to_arm() for identity in self.state.identities.values()]

    def credentials(self, identity_id: str) -> list[Json]:
        with self.state.lock:
            identity = self.state.identities[identity_key(identity_id)]
            return [identity.credential_to_arm(c) for c in identity.credentials.values()]

    def role_assignments(self, principal_id: str | None = None) -> list[Json]:
        with self.state.lock:
            return [
                assignment
                for assignment in self.state.role_assignments.values()
                if principal_id is None
                or assignment["properties"]["principalId"].lower() == principal_id.lower()
            ]

    def requests(
        self, method: str | None = None, path_regex: str | None = None
    ) -> list[RecordedRequest]:
        with self.state.lock:
            return [
                r
                for r in self.state.requests
                if (method is None or r.method == method.upper())
                and (path_regex is None or re.search(path_regex, r.path))
            ]

    def tokens(self) -> list[IssuedToken]:
        with self.state.lock:
            return list(self.state.tokens)

    def counters(self) -> dict[str, int]:
        """The COUNTERS; `fic_conflicts` are 409 answers, `unauthorized` are ARM 401 answers."""
        with self.state.lock:
            return {name: self.state.counters[name] for name in COUNTERS}

    def peak_concurrent_writes(self, identity_id: str | None = None) -> int:
        """Most FIC writes seen in flight at once on one identity (None: on all of them together).

        Writes answered with 409 count: a correct client keeps this at 1 per identity.
        """
        with self.state.lock:
            if identity_id is None:
                return self.state.fic_writes_peak
            return self.state.write_stats(identity_key(identity_id)).peak

    def concurrent_write_conflicts(self, identity_id: str) -> int:
        with self.state.lock:
            return self.state.write_stats(identity_key(identity_id)).conflicts
