"""The HTTPS side of the fake Azure: a threaded server with a test CA, fault injection, and the
dispatch of each request to Entra, role assignments or the other ARM providers."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import socket
import ssl
import tempfile
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import trustme

from tests.fakes.azure_arm import Arm, ArmRequest
from tests.fakes.azure_entra import Entra
from tests.fakes.azure_rbac import RoleAssignments
from tests.fakes.azure_state import AzureState, RecordedRequest, Reply, Settings, arm_error, now

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


class Dispatcher:
    """Answers requests: injected faults first, then Entra, then ARM."""

    def __init__(self, state: AzureState, settings: Settings) -> None:
        self.state = state
        self.faults: list[Fault] = []
        self.entra = Entra(state, settings)
        self.role_assignments = RoleAssignments(state, settings)
        self.arm = Arm(state, settings)

    def answer(
        self, method: str, target: str, headers: dict[str, str], raw_body: bytes
    ) -> Reply | None:
        """The reply to one HTTP request, or None to drop the connection."""
        started = now()
        url = urlsplit(target)
        path = unquote(url.path)
        query = {k.lower(): v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        reply = self.respond(method, path, query, headers, raw_body)
        bearer = headers.get("authorization", "").removeprefix("Bearer ").strip() or None
        record = RecordedRequest(
            method, path, query, reply.status if reply else None, bearer, started, now()
        )
        with self.state.lock:
            self.state.requests.append(record)
        return reply

    def respond(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> Reply | None:
        fault = self.take_fault(method, path)
        if fault is not None:
            time.sleep(fault.latency)
            if fault.drop:
                return None
            if fault.status is not None:
                return fault.reply()
        try:
            return self.route(method, path, query, headers, body)
        except Exception:  # a bug in the fake: show it to the test instead of hanging up
            return arm_error(500, "FakeAzureBug", traceback.format_exc())

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.state.lock:
            fault = next((f for f in self.faults if f.matches(method, path)), None)
            if fault is not None:
                fault.hits += 1
            return fault

    def route(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> Reply:
        segments = [s for s in path.split("/") if s]
        entra = self.entra.handle(method, segments, body)
        return (
            entra if entra is not None else self.arm_request(method, segments, query, headers, body)
        )

    def arm_request(
        self,
        method: str,
        segments: list[str],
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
    ) -> Reply:
        refused = self.refuse_arm(query, headers)
        if refused is not None:
            return refused
        try:
            request = ArmRequest(
                method, segments, query, json.loads(body) if body.strip() else None
            )
        except ValueError:
            message = "The request content was invalid and could not be deserialized."
            return arm_error(400, "InvalidRequestContent", message)
        reply = self.role_assignments.handle(request) or self.arm.handle(request)
        with self.state.lock:
            self.state.counters["arm_writes" if method in WRITE_METHODS else "arm_reads"] += 1
            if method in WRITE_METHODS and "federatedidentitycredentials" in request.path.lower():
                self.state.counters["fic_conflicts" if reply.status == 409 else "fic_writes"] += 1
        return reply

    def refuse_arm(self, query: dict[str, str], headers: dict[str, str]) -> Reply | None:
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


class HttpsServer:
    """Serves a dispatcher on https://127.0.0.1:<port> with a certificate from a fresh test CA."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="fake-azure-"))
        ca = trustme.CA()
        self.ca_path = str(self.directory / "ca.pem")
        ca.cert_pem.write_to_path(self.ca_path)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self.server = _TLSServer(("127.0.0.1", 0), context, dispatcher)
        self.base_url = f"https://127.0.0.1:{self.server.server_address[1]}"
        # A short poll interval keeps shutdown (and so each test's teardown) quick.
        self.thread = threading.Thread(
            target=self.server.serve_forever, args=(0.05,), name="fake-azure", daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.close_connections()
        self.server.server_close()
        self.thread.join(timeout=5)
        shutil.rmtree(self.directory, ignore_errors=True)


class _TLSServer(ThreadingHTTPServer):
    """Threaded HTTPS server; the TLS handshake runs in the connection's own thread."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], context: ssl.SSLContext, dispatcher: Dispatcher
    ) -> None:
        self.context = context
        self.dispatcher = dispatcher
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # Headers and body leave in separate writes: without this, delayed ACKs cost 40 ms each.
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            connection = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        with self._open_lock:
            self._open.add(connection)
        try:
            with contextlib.suppress(ssl.SSLError, OSError):
                _Handler(connection, client_address, self)
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
        reply = self.server.dispatcher.answer(self.command, self.path, headers, raw_body)
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
