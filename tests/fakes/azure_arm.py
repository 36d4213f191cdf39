"""ARM resource providers of the fake Azure: ManagedIdentity, ContainerService and the
node pools' VM scale sets / VMs of Compute (only their identities).

Rules follow the real ManagedIdentity RP (docs/domain.md §2): 20 FICs per identity, the name pattern,
(issuer, subject) unique per identity, exactly one audience, and 409
`ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity` when FIC writes on one
identity overlap. Error messages are the ones the RP documents; the 20-limit code is a guess.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from tests.fakes.azure_state import (
    AzureState,
    FederatedCredential,
    Identity,
    Json,
    Reply,
    ResourceKey,
    Settings,
    arm_error,
    now,
    resource_key,
)

MAX_CREDENTIALS_PER_IDENTITY = 20
CREDENTIAL_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_-]{2,119}")
CONCURRENT_WRITES = "ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity"

_RG = ("subscriptions", "*", "resourcegroups", "*", "providers")
_MSI = (*_RG, "microsoft.managedidentity", "userassignedidentities")
_FIC = (*_MSI, "*", "federatedidentitycredentials")
_AKS = (*_RG, "microsoft.containerservice", "managedclusters", "*")
_COMPUTE = (*_RG, "microsoft.compute", "*", "*")  # virtualMachineScaleSets or virtualMachines
_SUB_MSI = (
    "subscriptions",
    "*",
    "providers",
    "microsoft.managedidentity",
    "userassignedidentities",
)


@dataclass(frozen=True)
class ArmRequest:
    method: str
    segments: list[str]
    query: dict[str, str]  # keys lower-cased
    body: Json | None

    @property
    def path(self) -> str:
        return "/" + "/".join(self.segments)


Handler = Callable[[ArmRequest, list[str]], Reply]


def match(segments: list[str], pattern: tuple[str, ...]) -> list[str] | None:
    """Captures of the `*` positions, or None; literals compare case-insensitively."""
    if len(segments) != len(pattern):
        return None
    captures = []
    for segment, literal in zip(segments, pattern, strict=True):
        if literal == "*":
            captures.append(segment)
        elif segment.lower() != literal:
            return None
    return captures


class Arm:
    def __init__(self, state: AzureState, settings: Settings) -> None:
        self.state = state
        self.settings = settings
        self.routes: list[tuple[str, tuple[str, ...], Handler]] = [
            ("GET", _SUB_MSI, self.list_identities),
            ("GET", _MSI, self.list_identities),
            ("PUT", (*_MSI, "*"), self.put_identity),
            ("PATCH", (*_MSI, "*"), self.patch_identity),
            ("GET", (*_MSI, "*"), self.get_identity),
            ("DELETE", (*_MSI, "*"), self.delete_identity),
            ("GET", _FIC, self.list_credentials),
            ("PUT", (*_FIC, "*"), self.put_credential),
            ("GET", (*_FIC, "*"), self.get_credential),
            ("DELETE", (*_FIC, "*"), self.delete_credential),
            ("GET", _AKS, self.get_cluster),
            ("GET", _COMPUTE, self.get_node_host),
        ]

    def handle(self, request: ArmRequest) -> Reply:
        for method, pattern, handler in self.routes:
            captures = match(request.segments, pattern)
            if captures is not None and method == request.method:
                return handler(request, captures)
        message = f"The fake has no route for {request.method} {request.path}."
        return arm_error(404, "NotFound", message)

    # -- user-assigned identities --------------------------------------------------------------

    def list_identities(self, request: ArmRequest, captures: list[str]) -> Reply:
        with self.state.lock:
            found = [
                (f"{i.resource_group.lower()}/{i.name.lower()}", i.to_arm())
                for key, i in self.state.identities.items()
                if key[0] == captures[0].lower()
                and (len(captures) == 1 or key[1] == captures[1].lower())
            ]
        return page(request, found, self.settings)

    def put_identity(self, request: ArmRequest, captures: list[str]) -> Reply:
        body = request.body or {}
        if not body.get("location"):
            return arm_error(
                400, "LocationRequired", "The location property is required for this definition."
            )
        with self.state.lock:
            identity = self.state.identities.get(resource_key(*captures))
            if identity is not None:
                identity.tags = dict(body.get("tags") or {})
                return Reply(200, identity.to_arm())
            identity = self.state.create_identity(
                (captures[0], captures[1], captures[2]), body["location"], body.get("tags")
            )
            return Reply(201, identity.to_arm())

    def patch_identity(self, request: ArmRequest, captures: list[str]) -> Reply:
        with self.state.lock:
            identity = self.state.identities.get(resource_key(*captures))
            if identity is None:
                return identity_not_found(*captures)
            if "tags" in (request.body or {}):
                identity.tags = dict((request.body or {})["tags"] or {})
            return Reply(200, identity.to_arm())

    def get_identity(self, request: ArmRequest, captures: list[str]) -> Reply:
        with self.state.lock:
            identity = self.state.identities.get(resource_key(*captures))
            return Reply(200, identity.to_arm()) if identity else identity_not_found(*captures)

    def delete_identity(self, request: ArmRequest, captures: list[str]) -> Reply:
        with self.state.lock:
            removed = self.state.identities.pop(resource_key(*captures), None)
        return Reply(200) if removed else Reply(204)

    # -- federated identity credentials ---------------------------------------------------------

    def list_credentials(self, request: ArmRequest, captures: list[str]) -> Reply:
        with self.state.lock:
            identity = self.state.identities.get(resource_key(*captures))
            if identity is None:
                return parent_not_found()
            found = [(k, identity.credential_to_arm(c)) for k, c in identity.credentials.items()]
        return page(request, found, self.settings)

    def get_credential(self, request: ArmRequest, captures: list[str]) -> Reply:
        with self.state.lock:
            identity = self.state.identities.get(resource_key(*captures[:3]))
            if identity is None:
                return parent_not_found()
            credential = identity.credentials.get(captures[3].lower())
            if credential is None:
                return credential_not_found(captures)
            return Reply(200, identity.credential_to_arm(credential))

    def put_credential(self, request: ArmRequest, captures: list[str]) -> Reply:
        invalid = invalid_credential(captures[3], request.body or {})
        if invalid is not None:
            return invalid
        properties = (request.body or {})["properties"]
        return self.exclusive_write(
            resource_key(*captures[:3]),
            lambda identity: store_credential(identity, captures[3], properties),
        )

    def delete_credential(self, request: ArmRequest, captures: list[str]) -> Reply:
        def delete(identity: Identity) -> Reply:
            removed = identity.credentials.pop(captures[3].lower(), None)
            return Reply(200) if removed else Reply(204)

        return self.exclusive_write(resource_key(*captures[:3]), delete)

    def exclusive_write(self, key: ResourceKey, apply: Callable[[Identity], Reply]) -> Reply:
        """Run one FIC write holding the identity's write marker; overlapping writes get 409."""
        with self.state.lock:
            identity = self.state.identities.get(key)
            if identity is None:
                return parent_not_found()
            if not self.state.begin_fic_write(key):
                return concurrent_writes(identity.id)
        try:
            time.sleep(self.settings.write_latency)
            with self.state.lock:
                identity = self.state.identities.get(key)
                return apply(identity) if identity else parent_not_found()
        finally:
            with self.state.lock:
                self.state.end_fic_write(key)

    # -- managed clusters ------------------------------------------------------------------------

    def get_cluster(self, request: ArmRequest, captures: list[str]) -> Reply:
        with self.state.lock:
            cluster = self.state.clusters.get(resource_key(*captures))
        if cluster is None:
            return resource_not_found(
                "Microsoft.ContainerService/managedClusters", captures[2], captures[1]
            )
        return Reply(200, cluster)

    # -- node pools (Compute) ----------------------------------------------------------------------

    def get_node_host(self, request: ArmRequest, captures: list[str]) -> Reply:
        subscription, resource_group, collection, name = captures
        with self.state.lock:
            host = self.state.node_hosts.get(
                (subscription.lower(), resource_group.lower(), collection.lower(), name.lower())
            )
        if host is None:
            return resource_not_found(f"Microsoft.Compute/{collection}", name, resource_group)
        return Reply(200, host)


def page(request: ArmRequest, items: list[tuple[str, Json]], settings: Settings) -> Reply:
    """One page of `items` (sort key, resource) after `$skiptoken`, with a `nextLink`."""
    size = int(request.query.get("$top") or settings.page_size)
    after = decode_token(request.query.get("$skiptoken"))
    remaining = sorted((i for i in items if after is None or i[0] > after), key=lambda i: i[0])
    body: Json = {"value": [resource for _, resource in remaining[:size]]}
    if len(remaining) > size:
        token = base64.urlsafe_b64encode(remaining[size - 1][0].encode()).decode()
        api_version = request.query["api-version"]
        body["nextLink"] = (
            f"{settings.base_url}{request.path}?api-version={api_version}&$skiptoken={token}"
        )
    return Reply(200, body)


def decode_token(token: str | None) -> str | None:
    return base64.urlsafe_b64decode(token.encode()).decode() if token else None


def invalid_credential(name: str, body: Json) -> Reply | None:
    if not CREDENTIAL_NAME.fullmatch(name):
        return arm_error(
            400, "BadRequest", f"Federated Identity Credential name '{name}' is invalid."
        )
    properties = body.get("properties") or {}
    if not properties.get("issuer") or not properties.get("subject"):
        return arm_error(
            400, "BadRequest", "Federated Identity Credential from HTTP body has empty properties"
        )
    audiences = properties.get("audiences")
    if not isinstance(audiences, list) or len(audiences) != 1:
        return arm_error(
            400, "BadRequest", "Federated identity credentials must have exactly one audience."
        )
    return None


def store_credential(identity: Identity, name: str, properties: Json) -> Reply:
    issuer, subject = properties["issuer"], properties["subject"]
    existing = identity.credentials.get(name.lower())
    for other in identity.credentials.values():
        if other is not existing and (other.issuer, other.subject) == (issuer, subject):
            return arm_error(
                400,
                "BadRequest",
                "Issuer and subject combination already exists for this Managed Identity.",
            )
    if existing is None and len(identity.credentials) >= MAX_CREDENTIALS_PER_IDENTITY:
        return arm_error(
            400,
            "BadRequest",
            f"Too many Federated Identity Credentials for the managed identity '{identity.id}'. "
            f"At most {MAX_CREDENTIALS_PER_IDENTITY} are supported per managed identity.",
        )
    if existing is not None:
        existing.issuer, existing.subject = issuer, subject
        existing.audiences = list(properties["audiences"])
        return Reply(200, identity.credential_to_arm(existing))
    created = FederatedCredential(name, issuer, subject, list(properties["audiences"]), now())
    identity.credentials[name.lower()] = created
    return Reply(201, identity.credential_to_arm(created))


def resource_not_found(resource_type: str, name: str, resource_group: str) -> Reply:
    return arm_error(
        404,
        "ResourceNotFound",
        f"The Resource '{resource_type}/{name}' under resource group '{resource_group}' "
        "was not found. "
        "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    )


def identity_not_found(subscription: str, resource_group: str, name: str) -> Reply:
    return resource_not_found(
        "Microsoft.ManagedIdentity/userAssignedIdentities", name, resource_group
    )


def parent_not_found() -> Reply:
    return arm_error(404, "ResourceNotFound", "The parent user-assigned identity does not exist.")


def credential_not_found(captures: list[str]) -> Reply:
    resource_type = "Microsoft.ManagedIdentity/userAssignedIdentities"
    return resource_not_found(
        resource_type, f"{captures[2]}/federatedIdentityCredentials/{captures[3]}", captures[1]
    )


def concurrent_writes(identity_id: str) -> Reply:
    return arm_error(
        409,
        CONCURRENT_WRITES,
        "Too many Federated Identity Credentials are written concurrently for the managed identity "
        f"'{identity_id.lower()}'. Concurrent Federated Identity Credentials writes under the same "
        "managed identity are not supported.",
    )
