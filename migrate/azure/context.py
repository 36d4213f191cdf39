"""The one way to reach Azure: a credential, a subscription, endpoints and how hard to push.

SDK modules are imported inside functions: `migrate.azure` itself loads no SDK, so commands that
never call Azure (plan, --help) do not pay for it.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from migrate.azure.clouds import Endpoints, endpoints

DEFAULT_CONCURRENCY = 8


class Gate:
    """When ARM throttles one worker (429), every worker of the context waits out the
    Retry-After before its next request: ARM's write limits are per subscription and
    principal, so the others would only be refused too, spending their attempts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until = 0.0

    def hold(self, seconds: float) -> None:
        with self._lock:
            self._until = max(self._until, time.monotonic() + seconds)

    def wait(self) -> float:
        """Sleep until the gate opens; the seconds slept."""
        with self._lock:
            pause = self._until - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        return max(0.0, pause)


@dataclass(frozen=True)
class Retries:
    """Our retries of ARM answers (the SDK retries only dropped connections, see `_client`)."""

    attempts: int = 8
    retry_after_cap: float = 30.0  # seconds: a longer Retry-After is shortened to this
    backoff: float = 0.5  # first wait for a 409 / 5xx without Retry-After; doubles
    backoff_cap: float = 8.0
    gate: Gate = field(default_factory=Gate, init=False, compare=False, repr=False)  # per context


@dataclass(frozen=True)
class AzureContext:
    """Credential + subscription + endpoints + concurrency; builds and caches SDK clients."""

    credential: Any  # an azure.core.credentials.TokenCredential
    subscription: str  # for new identities and --aks; known identities carry their own
    endpoints: Endpoints
    concurrency: int = DEFAULT_CONCURRENCY
    retries: Retries = field(default_factory=Retries)
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict, compare=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)
    _signed_in: threading.Event = field(default_factory=threading.Event, compare=False, repr=False)

    def sign_in(self) -> None:
        """One token for ARM, once: the first thing any use of Azure does, so that a command
        fails fast (exit 4, what to run) before it reads or writes anything else."""
        if self._signed_in.is_set():
            return
        from migrate.azure import sign_in

        sign_in.check(self.credential, self.endpoints.arm_scope)
        self._signed_in.set()

    def msi(self, subscription: str = "") -> Any:
        """A ManagedServiceIdentityClient for `subscription` (default: the context's)."""
        return self._client("msi", subscription)

    def authorization(self, subscription: str = "") -> Any:
        return self._client("authorization", subscription)

    def container_service(self, subscription: str = "") -> Any:
        return self._client("containerservice", subscription)

    def compute(self, subscription: str = "") -> Any:
        return self._client("compute", subscription)

    def close(self) -> None:
        with self._lock:
            clients = list(self._clients.values())
            self._clients.clear()
        for client in clients:
            client.close()

    def _client(self, kind: str, subscription: str) -> Any:
        self.sign_in()
        key = (kind, subscription or self.subscription)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = _build(kind, key[1], self)
            return self._clients[key]


def connect(
    *,
    subscription: str = "",
    cloud: str = "AzureCloud",
    arm_endpoint: str = "",
    authority: str = "",
    concurrency: int = DEFAULT_CONCURRENCY,
    retries: Retries | None = None,
) -> AzureContext:
    """A context with DefaultAzureCredential (environment, workload identity, managed identity,
    Azure CLI, ...) pointed at the cloud's authority. No request is made until a client is used."""
    from azure.identity import DefaultAzureCredential

    from migrate.azure.sign_in import quiet_sdk_logging

    quiet_sdk_logging()
    where = endpoints(cloud, arm_endpoint, authority)
    credential = DefaultAzureCredential(
        authority=where.authority,
        # a private cloud's authority is unknown to the public instance-discovery endpoint
        disable_instance_discovery=not where.known_authority,
    )
    return AzureContext(credential, subscription, where, max(1, concurrency), retries or Retries())


def _build(kind: str, subscription: str, context: AzureContext) -> Any:
    import requests
    from azure.core.pipeline.transport import RequestsTransport

    session = requests.Session()
    # one pooled connection per worker thread, so parallel writes do not queue for a socket
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=context.concurrency + 2)
    session.mount("https://", adapter)
    # Proxy and CA settings come from the environment, as requests reads them, but once per
    # client instead of on every request (which scans os.environ: a third of a write's CPU).
    session.trust_env = False
    session.proxies = requests.utils.get_environ_proxies(context.endpoints.arm)
    options: dict[str, Any] = {
        "base_url": context.endpoints.arm,
        "credential_scopes": [context.endpoints.arm_scope],
        "transport": RequestsTransport(
            session=session, session_owner=True, connection_verify=_ca_bundle()
        ),
        # the SDK retries dropped connections; status answers (429, 409, 5xx) come back to
        # retry.call, which caps Retry-After and knows the FIC concurrency 409
        "retry_status": 0,
    }
    if kind == "msi":
        from azure.mgmt.msi import ManagedServiceIdentityClient

        return ManagedServiceIdentityClient(context.credential, subscription, **options)
    if kind == "authorization":
        from azure.mgmt.authorization import AuthorizationManagementClient

        return AuthorizationManagementClient(context.credential, subscription, **options)
    if kind == "compute":
        from azure.mgmt.compute import ComputeManagementClient

        return ComputeManagementClient(context.credential, subscription, **options)
    from azure.mgmt.containerservice import ContainerServiceClient

    return ContainerServiceClient(context.credential, subscription, **options)


def _ca_bundle() -> str | bool:
    """REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE) as requests would use it; True: the default CAs."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
