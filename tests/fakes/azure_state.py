"""In-memory state of the fake Azure, shared by its ARM and Entra halves.

Everything here is guarded by `AzureState.lock`; callers hold it while they read or change state.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]
# (subscription, resource group, name), lower-cased: ARM names are case-insensitive.
ResourceKey = tuple[str, str, str]

FEDERATED_AUDIENCE = "api://AzureADTokenExchange"
MSI_PROVIDER = "Microsoft.ManagedIdentity/userAssignedIdentities"
FIC_TYPE = f"{MSI_PROVIDER}/federatedIdentityCredentials"


@dataclass(frozen=True)
class Reply:
    status: int
    body: Json | None = None
    headers: tuple[tuple[str, str], ...] = ()


def arm_error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"error": {"code": code, "message": message}})


@dataclass
class Settings:
    """Knobs a test may change while the fake runs."""

    base_url: str = ""
    page_size: int = 2
    write_latency: float = 0.0  # seconds each FIC write holds its identity's write marker
    propagation_delay: float = 0.0  # seconds before Entra honours a new FIC
    assertion_key: Any = None  # None: trust assertion claims; else public key, PEM or JWKS dict


@dataclass
class FederatedCredential:
    name: str
    issuer: str
    subject: str
    audiences: list[str]
    created_at: float  # time.monotonic()


@dataclass
class Identity:
    subscription: str
    resource_group: str
    name: str
    location: str
    tenant_id: str
    client_id: str
    principal_id: str
    tags: dict[str, str] = field(default_factory=dict)
    credentials: dict[str, FederatedCredential] = field(default_factory=dict)  # lower name ->

    @property
    def id(self) -> str:
        # The ManagedIdentity RP really answers with a lower-case "resourcegroups" segment.
        return (
            f"/subscriptions/{self.subscription}/resourcegroups/{self.resource_group}"
            f"/providers/{MSI_PROVIDER}/{self.name}"
        )

    def to_arm(self) -> Json:
        return {
            "id": self.id,
            "name": self.name,
            "type": MSI_PROVIDER,
            "location": self.location,
            "tags": dict(self.tags),
            "properties": {
                "tenantId": self.tenant_id,
                "principalId": self.principal_id,
                "clientId": self.client_id,
            },
        }

    def credential_to_arm(self, credential: FederatedCredential) -> Json:
        return {
            "id": f"{self.id}/federatedIdentityCredentials/{credential.name}",
            "name": credential.name,
            "type": FIC_TYPE,
            "properties": {
                "issuer": credential.issuer,
                "subject": credential.subject,
                "audiences": list(credential.audiences),
            },
        }


@dataclass
class WriteStats:
    """FIC writes seen on one identity."""

    in_flight: int = 0
    peak: int = 0
    conflicts: int = 0  # 409 ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    status: int | None  # None: the connection was dropped by an injected fault
    bearer: str | None
    started: float  # time.monotonic()
    finished: float


@dataclass(frozen=True)
class IssuedToken:
    tenant_id: str
    client_id: str
    scope: str
    grant: str  # "client_assertion" or "client_secret"
    assertion_claims: Json | None


class AzureState:
    def __init__(self, tenant_id: str) -> None:
        self.lock = threading.RLock()
        self.tenant_id = tenant_id
        self.identities: dict[ResourceKey, Identity] = {}
        self.clusters: dict[ResourceKey, Json] = {}
        self.node_hosts: dict[tuple[str, str, str, str], Json] = {}  # (sub, rg, type, name) ->
        self.role_assignments: dict[str, Json] = {}  # lower-cased id ->
        self.fic_writes: dict[ResourceKey, WriteStats] = {}
        self.fic_writes_in_flight = 0
        self.fic_writes_peak = 0
        self.requests: list[RecordedRequest] = []
        self.tokens: list[IssuedToken] = []
        self.counters: Counter[str] = Counter()

    def create_identity(
        self,
        key_parts: tuple[str, str, str],
        location: str,
        tags: dict[str, str] | None = None,
        client_id: str | None = None,
        principal_id: str | None = None,
    ) -> Identity:
        subscription, resource_group, name = key_parts
        identity = Identity(
            subscription=subscription,
            resource_group=resource_group,
            name=name,
            location=location,
            tenant_id=self.tenant_id,
            client_id=client_id or str(uuid.uuid4()),
            principal_id=principal_id or str(uuid.uuid4()),
            tags=dict(tags or {}),
        )
        self.identities[resource_key(*key_parts)] = identity
        return identity

    def identity_by_client_id(self, client_id: str) -> Identity | None:
        wanted = client_id.lower()
        return next((i for i in self.identities.values() if i.client_id.lower() == wanted), None)

    def write_stats(self, key: ResourceKey) -> WriteStats:
        return self.fic_writes.setdefault(key, WriteStats())

    def begin_fic_write(self, key: ResourceKey) -> bool:
        """Count a FIC write on the identity; False (and a conflict) if another is in flight."""
        stats = self.write_stats(key)
        stats.in_flight += 1
        self.fic_writes_in_flight += 1
        stats.peak = max(stats.peak, stats.in_flight)
        self.fic_writes_peak = max(self.fic_writes_peak, self.fic_writes_in_flight)
        if stats.in_flight == 1:
            return True
        stats.conflicts += 1
        self.end_fic_write(key)
        return False

    def end_fic_write(self, key: ResourceKey) -> None:
        self.write_stats(key).in_flight -= 1
        self.fic_writes_in_flight -= 1


def resource_key(subscription: str, resource_group: str, name: str) -> ResourceKey:
    return (subscription.lower(), resource_group.lower(), name.lower())


_IDENTITY_ID_SHAPE = (
    "subscriptions",
    "resourcegroups",
    "providers",
    "microsoft.managedidentity",
    "userassignedidentities",
)


def identity_key(identity_id: str) -> ResourceKey:
    """Key of `/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/...`."""
    parts = [p for p in identity_id.split("/") if p]
    fixed = [p.lower() for i, p in enumerate(parts) if i in (0, 2, 4, 5, 6)]
    if len(parts) != 8 or fixed != list(_IDENTITY_ID_SHAPE):
        raise ValueError(f"not a user-assigned identity id: {identity_id!r}")
    return resource_key(parts[1], parts[3], parts[7])


def now() -> float:
    return time.monotonic()
