"""The fake's HTTP layer: one handler for every verb, connections tracked so stop() can drop them."""

from __future__ import annotations

import contextlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.kube_storage import _Request

if TYPE_CHECKING:
    from tests.fakes.kube_apiserver import FakeKubeApiServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def setup(self) -> None:
        super().setup()
        # Without this, Nagle's algorithm and delayed ACKs add 40 ms to every keep-alive request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        assert isinstance(self.server, _HttpServer)
        self.server.track(self.connection, alive=True)

    def finish(self) -> None:
        super().finish()
        assert isinstance(self.server, _HttpServer)
        self.server.track(self.connection, alive=False)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = _Request(
            method=self.command,
            path=url.path,
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            body=self.rfile.read(length) if length else b"",
            content_type=self.headers.get("Content-Type") or "",
            user_agent=self.headers.get("User-Agent") or "",
            accept=self.headers.get("Accept") or "",
            authorization=self.headers.get("Authorization") or "",
        )
        assert isinstance(self.server, _HttpServer)
        reply = self.server.fake.handle(request)
        if reply is None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeKubeApiServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def track(self, connection: socket.socket, *, alive: bool) -> None:
        with self._connections_lock:
            if alive:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        """Cut keep-alive connections too, so that clients see the server go away."""
        with self._connections_lock:
            for connection in self._connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)


def serve_tls(server: _HttpServer) -> str:
    """Serve HTTPS with a certificate from a fresh test CA; returns the CA file's path."""
    import ssl
    import tempfile
    from pathlib import Path

    import trustme

    ca = trustme.CA()
    ca_path = str(Path(tempfile.mkdtemp(prefix="fake-kube-")) / "ca.crt")
    ca.cert_pem.write_to_path(ca_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    return ca_path


def bearer(authorization: str, token: str) -> bool:
    scheme, _, value = authorization.partition(" ")
    return scheme.lower() == "bearer" and value.strip() == token  # the scheme is case-blind
