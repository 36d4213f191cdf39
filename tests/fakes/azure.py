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

import contextlib
import json
import math
import re
import shutil
import socket
import ssl
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import trustme

from tests.fakes.azure_arm import Arm, ArmRequest, role_assignment
from tests.fakes.azure_entra import Entra
from tests.fakes.azure_state import (
    FEDERATED_AUDIENCE,
    AzureState,
    FederatedCredential,
    IssuedToken,
    Json,
    RecordedRequest,
    Reply,
    Settings,
    arm_error,
    identity_key,
    now,
    resource_key,
)

DEFAULT_TENANT = "72f988bf-0000-4000-8000-00000000fa4e"
WRITE_METHODS = frozenset({"PUT", "PATCH", "DELETE", "POST"})
_DEFAULT_CODES = {
    409: "Conflict",
    429: "TooManyRequests",
    500: "InternalServerError",
    503: "ServiceUnavailable",
}


@dataclass
class Fault:
    """An injected answer for matching requests; `hits` counts how often it fired."""

    method: str | None = None
    path_regex: str | None = None
    status: int | None = None
    retry_after: float | None = None
    times: int | None = 1  # None: forever
    drop: bool = False  # close the connection without an answer
    latency: float = 0.0  # seconds to wait before answering (or passing the request on)
    code: str | None = None
    message: str | None = None
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (
            (self.times is None or self.hits < self.times)
            and (self.method is None or self.method.upper() == method)
            and (self.path_regex is None or re.search(self.path_regex, path) is not None)
        )

    def reply(self) -> Reply:
        assert self.status is not None
        code = self.code or _DEFAULT_CODES.get(self.status, "InjectedFault")
        error = arm_error(self.status, code, self.message or f"Injected fault ({self.status}).")
        if self.retry_after is None:
            return error
        return Reply(error.status, error.body, (("Retry-After", f"{self.retry_after:g}"),))


class FakeAzure:
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
        self._arm = Arm(self.state, self.settings)
        self._entra = Entra(self.state, self.settings)
        self._faults: list[Fault] = []
        self._directory = Path(tempfile.mkdtemp(prefix="fake-azure-"))
        ca = trustme.CA()
        self.ca_path = str(self._directory / "ca.pem")
        ca.cert_pem.write_to_path(self.ca_path)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self._server = _TLSServer(("127.0.0.1", 0), context, self)
        self.base_url = f"https://127.0.0.1:{self._server.server_address[1]}"
        self.authority = self.base_url
        self.settings.base_url = self.base_url
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-azure", daemon=True
        )
        self._thread.start()

    def __enter__(self) -> FakeAzure:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout=5)
        shutil.rmtree(self._directory, ignore_errors=True)

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
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.state.lock:
            self._faults.clear()

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
        """Counts of `arm_reads`, `arm_writes`, `fic_writes`, `fic_conflicts`, `token_requests`
        and `unauthorized` (ARM requests refused with 401)."""
        with self.state.lock:
            return dict(self.state.counters)

    def peak_concurrent_writes(self, identity_id: str | None = None) -> int:
        """Most FIC writes seen in flight at once on one identity (all identities when None).

        Writes answered with 409 count: a correct client keeps this at 1 per identity.
        """
        with self.state.lock:
            if identity_id is None:
                return self.state.fic_writes_peak
            return self.state.write_stats(identity_key(identity_id)).peak

    def concurrent_write_conflicts(self, identity_id: str) -> int:
        with self.state.lock:
            return self.state.write_stats(identity_key(identity_id)).conflicts

    # -- request handling -----------------------------------------------------------------------

    def answer(
        self, method: str, target: str, headers: dict[str, str], raw_body: bytes
    ) -> Reply | None:
        """The reply to one HTTP request, or None to drop the connection."""
        started = now()
        url = urlsplit(target)
        path = unquote(url.path)
        query = {k.lower(): v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        fault = self._take_fault(method, path)
        if fault is not None and fault.latency:
            time.sleep(fault.latency)
        if fault is not None and (fault.drop or fault.status is not None):
            reply = None if fault.drop else fault.reply()
        else:
            reply = self._route(method, path, query, headers, raw_body)
        bearer = headers.get("authorization", "").removeprefix("Bearer ").strip() or None
        record = RecordedRequest(
            method, path, query, reply.status if reply else None, bearer, started, now()
        )
        with self.state.lock:
            self.state.requests.append(record)
        return reply

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.state.lock:
            fault = next((f for f in self._faults if f.matches(method, path)), None)
            if fault is not None:
                fault.hits += 1
            return fault

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        raw_body: bytes,
    ) -> Reply:
        segments = [s for s in path.split("/") if s]
        form = {k: v[-1] for k, v in parse_qs(raw_body.decode("utf-8", "replace")).items()}
        entra = self._entra.handle(method, segments, form)
        if entra is not None:
            return entra
        refused = self._refuse_arm(query, headers)
        if refused is not None:
            return refused
        try:
            body = json.loads(raw_body) if raw_body.strip() else None
        except ValueError:
            return arm_error(
                400,
                "InvalidRequestContent",
                "The request content was invalid and could not be deserialized.",
            )
        with self.state.lock:
            self.state.counters["arm_writes" if method in WRITE_METHODS else "arm_reads"] += 1
        reply = self._arm.handle(ArmRequest(method, segments, query, body))
        if "federatedidentitycredentials" in path.lower() and method in WRITE_METHODS:
            with self.state.lock:
                self.state.counters["fic_conflicts" if reply.status == 409 else "fic_writes"] += 1
        return reply

    def _refuse_arm(self, query: dict[str, str], headers: dict[str, str]) -> Reply | None:
        authorization = headers.get("authorization", "")
        if not authorization.startswith("Bearer ") or not authorization[7:].strip():
            with self.state.lock:
                self.state.counters["unauthorized"] += 1
            problem = "missing" if not authorization else "provided in an invalid format"
            return arm_error(
                401,
                "AuthenticationFailed",
                f"Authentication failed. The 'Authorization' header is {problem}.",
            )
        if not query.get("api-version"):
            return arm_error(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
        return None


class _TLSServer(ThreadingHTTPServer):
    """Threaded HTTPS server; the TLS handshake runs in the connection's own thread."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], context: ssl.SSLContext, fake: FakeAzure) -> None:
        self.context = context
        self.fake = fake
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            connection = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        with self._open_lock:
            self._open.add(connection)
        try:
            self.RequestHandlerClass(connection, client_address, self)
        except (ssl.SSLError, OSError):
            pass
        finally:
            with self._open_lock:
                self._open.discard(connection)
            connection.close()

    def close_connections(self) -> None:
        with self._open_lock:
            for connection in self._open:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    server: _TLSServer

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply = self.server.fake.answer(self.command, self.path, headers, raw_body)
        if reply is None:
            self.close_connection = True
            return
        payload = json.dumps(reply.body).encode() if reply.body is not None else b""
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if reply.body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(payload)

    do_PUT = do_POST = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the fake keeps its own request log."""
