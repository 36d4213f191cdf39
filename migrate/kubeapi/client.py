"""One connection to the Kubernetes API: JSON in, JSON out, retries in one place.

The `kubernetes` SDK is imported lazily (an offline plan never loads it). Bodies are
read as raw JSON (`json.loads`), not deserialized into SDK models: listing 50,000 pods
through the models costs several times the transfer itself.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from migrate.errors import UserError

Object = dict[str, Any]
CONNECTION_LOST = 599  # our own status for a connection lost before an answer
RETRIED = frozenset({429, 500, 502, 503, 504, CONNECTION_LOST})
JSON = "application/json"
APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"
FIELD_MANAGER = "wi-migrate"
PAGE = 500
LIST_RESTARTS = 3  # a list whose continue token expires more often than this stops
IN_CLUSTER = "in-cluster"  # the connection's name when run as a pod (a Job)
SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


class ApiFailure(Exception):
    """The API server answered with an error status (after retries for transient ones)."""

    def __init__(
        self, status: int, reason: str, message: str, method: str = "", path: str = ""
    ) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message
        self.method = method  # the request that failed, for "may not <verb> <resource>"
        self.path = path


class ListStopped(Exception):
    """A list given up between two pages because its reader asked (pages(stop=...))."""


class Connection:
    """Calls the API server; transient failures (429, 5xx, dropped connections) are retried
    with the server's Retry-After or a short backoff, then reported as a resumable stop."""

    def __init__(
        self, api_client: Any, name: str, *, attempts: int = 6, backoff: float = 0.2
    ) -> None:
        self.api_client = api_client
        self.name = name
        self.attempts = attempts
        self.backoff = backoff
        self.dry_run = False  # --dry-run=server: every write carries dryRun=All
        self.calls = 0

    @classmethod
    def connect(cls, context: str = "", kubeconfig: str = "") -> Connection:
        """From the kubeconfig; in a pod with no kubeconfig, from its ServiceAccount."""
        from kubernetes import client, config
        from kubernetes.config.config_exception import ConfigException

        configuration = client.Configuration()
        if not (context or kubeconfig) and in_pod():
            _load_in_cluster(configuration)
            configuration.retries = 0
            return cls(client.ApiClient(configuration), IN_CLUSTER)
        try:
            config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=kubeconfig or None,
                context=context or None,
                client_configuration=configuration,
                persist_config=False,
            )
            _, active = config.list_kube_config_contexts(  # type: ignore[no-untyped-call]
                config_file=kubeconfig or None
            )
        except (ConfigException, OSError) as e:
            raise UserError(
                f"cannot load the kubeconfig{f' {kubeconfig}' if kubeconfig else ''}: {e}",
                "pass --kubeconfig FILE and --context NAME, or set KUBECONFIG",
            ) from None
        configuration.retries = 0  # retries happen here, where writes are known idempotent
        return cls(client.ApiClient(configuration), context or str(active.get("name", "")))

    def close(self) -> None:
        self.api_client.close()

    def call(
        self,
        method: str,
        path: str,
        query: dict[str, str] | None = None,
        body: Any = None,
        content_type: str = JSON,
    ) -> Any:
        query = dict(query or {})
        if self.dry_run and method in ("POST", "PUT", "PATCH", "DELETE"):
            query["dryRun"] = "All"
        for attempt in range(1, self.attempts + 1):
            status, data, retry_after = self._once(method, path, query, body, content_type)
            if status < 400:
                return json.loads(data) if data else None
            if status not in RETRIED or attempt == self.attempts:
                raise _failure(status, data, method, path)
            time.sleep(retry_after if retry_after is not None else self.backoff * attempt)
        raise AssertionError("unreachable")

    def _once(
        self, method: str, path: str, query: dict[str, str], body: Any, content_type: str
    ) -> tuple[int, bytes, float | None]:
        import urllib3

        self.calls += 1
        headers = {"Accept": JSON, "Content-Type": content_type}
        request = self.api_client.param_serialize(
            method,
            path,
            query_params=list(query.items()),
            header_params=headers,
            body=body,
            auth_settings=["BearerToken"],
        )
        try:
            response = self.api_client.call_api(*request[:5])
            data = response.read()
        except (urllib3.exceptions.HTTPError, OSError) as e:
            return (
                CONNECTION_LOST,
                json.dumps({"reason": "ConnectionLost", "message": str(e)}).encode(),
                None,
            )
        retry_after = response.headers.get("Retry-After")
        return response.status, data, float(retry_after) if retry_after else None

    def get(self, path: str) -> Object | None:
        try:
            found: Object = self.call("GET", path)
        except ApiFailure as e:
            if e.status == 404:
                return None
            raise
        return found

    def pages(
        self,
        path: str,
        query: dict[str, str] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> Iterator[list[Object]]:
        """Every page of a list (limit/continue); nothing when the kind is not served (404).
        A continue token that expired (410 Gone, after a compaction) starts the list over:
        pages are handed out once the whole list is read, so nothing is seen twice. STOP,
        asked before each page, gives the list up (ListStopped)."""
        for restart in range(LIST_RESTARTS + 1):
            try:
                yield from self._all_pages(path, query or {}, stop)
                return
            except ApiFailure as e:
                if e.status != 410 or restart == LIST_RESTARTS:
                    raise

    def _all_pages(
        self, path: str, query: dict[str, str], stop: Callable[[], bool] | None
    ) -> list[list[Object]]:
        pages: list[list[Object]] = []
        token = ""
        while True:
            if stop is not None and stop():
                raise ListStopped(path)
            params = {**query, "limit": str(PAGE)}
            if token:
                params["continue"] = token
            try:
                page = self.call("GET", path, params)
            except ApiFailure as e:
                if e.status == 404:
                    return pages
                raise
            pages.append(page.get("items") or [])
            token = (page.get("metadata") or {}).get("continue") or ""
            if not token:
                return pages


def _failure(status: int, data: bytes, method: str, path: str) -> ApiFailure:
    try:
        body = json.loads(data)
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    reason, message = str(body.get("reason", "")), str(body.get("message", ""))
    return ApiFailure(status, reason, message, method, path)


def in_pod() -> bool:
    """Run as a pod: the API's service address is set and no kubeconfig is there to win."""
    if not os.environ.get("KUBERNETES_SERVICE_HOST"):
        return False
    return not os.environ.get("KUBECONFIG") and not os.path.exists(
        os.path.expanduser("~/.kube/config")
    )


def _load_in_cluster(configuration: Any) -> None:
    """The pod's ServiceAccount token and CA (WI_MIGRATE_SERVICE_ACCOUNT_DIR when the token is
    mounted elsewhere); the token is re-read when the kubelet rotates it."""
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.incluster_config import InClusterConfigLoader

    folder = os.environ.get("WI_MIGRATE_SERVICE_ACCOUNT_DIR") or SERVICE_ACCOUNT_DIR
    loader = InClusterConfigLoader(  # type: ignore[no-untyped-call]
        token_filename=os.path.join(folder, "token"),
        cert_filename=os.path.join(folder, "ca.crt"),
    )
    try:
        loader.load_and_set(configuration)  # type: ignore[no-untyped-call]
    except (ConfigException, OSError) as e:
        raise UserError(
            f"running in a pod (KUBERNETES_SERVICE_HOST is set) but its ServiceAccount token "
            f"cannot be used: {e} (in {folder})",
            "mount the ServiceAccount token (automountServiceAccountToken: true), set "
            "WI_MIGRATE_SERVICE_ACCOUNT_DIR to where it is mounted, or pass --kubeconfig FILE",
        ) from None
