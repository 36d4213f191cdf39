"""A small, faithful Kubernetes API server for tests (docs/architecture.md#tests).

The real `kubernetes` client talks to it over HTTP on 127.0.0.1::

    with FakeKubeApiServer() as fake:
        fake.seed([{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}}])
        with fake.api_client() as api:
            CoreV1Api(api).list_namespaced_pod("default")

It serves discovery, the kinds the toolkit reads and writes (custom resources come from the
CustomResourceDefinitions it stores; the aadpodidentity.k8s.io and secrets-store kinds are
installed by default), resourceVersion and 409 conflicts, label and field selectors, limit/continue
paging, merge / strategic-merge / JSON / server-side-apply patches, dryRun=All, finalizers,
TokenRequest with RS256 tokens and the OIDC discovery documents. Faults are injected with
`inject()`, and every request is logged.

Deliberate limits: no watch, no deletecollection, no status subresources, no controllers (a
Deployment never gets pods) and no garbage collection, except that deleting a Namespace deletes
its objects and deleting a CRD deletes its custom objects.
"""

from __future__ import annotations

import bisect
import copy
import datetime
import hashlib
import json
import re
import secrets
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from kubernetes import client as kube_client

from tests.fakes.kube_http import _HttpServer, bearer, serve_tls
from tests.fakes.kube_patch import (
    PatchError,
    fields_v1,
    json_patch,
    merge_patch,
    strategic_merge_patch,
)
from tests.fakes.kube_replies import (
    ApiError,
    Reply,
    _bad_request,
    _conflict,
    _details,
    _invalid,
    _json_reply,
    _not_found,
    _path_not_found,
)
from tests.fakes.kube_resources import (
    BUILTIN_RESOURCES,
    CRD_STORAGE,
    DEFAULT_CRDS,
    DEFAULT_NAMESPACES,
    TOKEN_REQUEST_DISCOVERY,
    Key,
    Object,
    Resource,
    _crd_resources,
    _Registry,
)
from tests.fakes.kube_selectors import (
    _fields_match,
    _labels_match,
    parse_field_selector,
    parse_label_selector,
)
from tests.fakes.kube_storage import (
    _RETURNS_DELETED_OBJECT,
    _SERVER_FINALIZERS,
    _SYSTEM_FIELDS,
    _YAML_LOADER,
    Fault,
    RecordedRequest,
    RequestTarget,
    _b64url,
    _clone,
    _decode_continue,
    _default_signing_key,
    _encode_continue,
    _json_default,
    _key_range,
    _now,
    _Request,
    _Table,
    _Target,
    _without_volatile,
)
from tests.fakes.kube_validation import _validate

JWK_SET = "application/jwk-set+json"

# --- the server ------------------------------------------------------------------------------


class FakeKubeApiServer:
    """A Kubernetes API server on 127.0.0.1 with an ephemeral port; see the module docstring."""

    def __init__(
        self,
        *,
        issuer: str | None = None,
        install_crds: bool = True,
        strict_namespaces: bool = True,
        signing_key: rsa.RSAPrivateKey | None = None,
        git_version: str = "v1.31.2",
        tls: bool = False,
        token: str | None = None,
    ) -> None:
        self._issuer = issuer
        self._tls = tls  # HTTPS with a fresh test CA (ca_path), as a pod's in-cluster API
        self._token = token  # when set, every request must carry "Authorization: Bearer <token>"
        self.ca_path = ""
        self._strict_namespaces = strict_namespaces
        self._signing_key = signing_key or _default_signing_key()
        self._git_version = git_version
        self._lock = threading.RLock()
        self._traffic_lock = threading.Lock()
        self._tables: dict[tuple[str, str], _Table] = {}
        self._registry = _Registry(BUILTIN_RESOURCES)
        self._resource_version = 0
        self._faults: list[Fault] = []
        self._requests: list[RecordedRequest] = []
        self.internal_errors: list[str] = []  # tracebacks of bugs in the fake itself
        self._http: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self.seed(
            [
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
                for name in DEFAULT_NAMESPACES
            ]
            + (list(DEFAULT_CRDS) if install_crds else [])
        )

    # lifecycle

    def start(self) -> FakeKubeApiServer:
        self._http = _HttpServer(self)
        if self._tls:
            self.ca_path = serve_tls(self._http)
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http.close_connections()
        if self._thread is not None:
            self._thread.join()
        self._http = self._thread = None

    def __enter__(self) -> FakeKubeApiServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._http is None:
            raise RuntimeError("the fake API server is not started")
        return int(self._http.server_address[1])

    @property
    def url(self) -> str:
        return f"{'https' if self._tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        """The service-account token issuer (default: the server URL with a trailing slash)."""
        return self._issuer or f"{self.url}/"

    # clients

    def api_client(self) -> kube_client.ApiClient:
        configuration = kube_client.Configuration(host=self.url)
        return kube_client.ApiClient(configuration)

    def _cluster_entry(self) -> dict[str, str]:
        if self._tls:
            return {"server": self.url, "certificate-authority": self.ca_path}
        return {"server": self.url}

    def write_kubeconfig(
        self, path: str | Path, *, context: str = "fake", namespace: str = "default"
    ) -> Path:
        """Write a kubeconfig for `kubernetes.config.load_kube_config(config_file=path)`."""
        kubeconfig = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": context, "cluster": self._cluster_entry()}],
            "users": [{"name": context, "user": {"token": self._token or "fake-token"}}],
            "contexts": [
                {
                    "name": context,
                    "context": {"cluster": context, "user": context, "namespace": namespace},
                }
            ],
            "current-context": context,
        }
        target = Path(path)
        target.write_text(yaml.safe_dump(kubeconfig, sort_keys=False), encoding="utf-8")
        return target

    # seeding and inspection

    def seed(self, objects: Iterable[Mapping[str, Any]]) -> None:
        """Store objects as they are (no validation); CRDs and Namespaces go first."""
        flat = list(_flatten_lists(objects))
        flat.sort(key=lambda obj: obj.get("kind") not in ("CustomResourceDefinition", "Namespace"))
        now = _now()
        with self._lock:
            for obj in flat:
                self._seed_one(_clone(dict(obj)), now)

    def _seed_one(self, obj: Object, now: str) -> None:
        resource = self._registry.for_kind(obj.get("kind", ""), obj.get("apiVersion"))
        meta = obj.setdefault("metadata", {})
        if not meta.get("name"):
            raise ValueError(f"cannot seed a {resource.kind} without metadata.name: {obj!r}")
        if resource.namespaced:
            meta["namespace"] = meta.get("namespace") or "default"
        else:
            meta.pop("namespace", None)
        obj["apiVersion"], obj["kind"] = resource.api_version, resource.kind
        meta.setdefault("uid", str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", now)
        meta.setdefault("generation", 1)
        self._store(resource, obj)

    def load_snapshot(self, folder: str | Path) -> int:
        """Seed every object of the *.yaml / *.yml files under folder; returns how many."""
        objects: list[Object] = []
        for path in sorted(Path(folder).rglob("*")):
            if path.suffix in (".yaml", ".yml") and path.is_file():
                text = path.read_text(encoding="utf-8-sig")
                objects.extend(doc for doc in yaml.load_all(text, Loader=_YAML_LOADER) if doc)
        flat = list(_flatten_lists(objects))
        self.seed(flat)
        return len(flat)

    def objects(
        self,
        kind: str | None = None,
        namespace: str | None = None,
        *,
        api_version: str | None = None,
    ) -> list[Object]:
        """Copies of the stored objects (of one kind, or all), ordered by (namespace, name)."""
        with self._lock:
            if kind is None:
                tables = list(self._tables.values())
            else:
                resource = self._registry.for_kind(kind, api_version)
                tables = [self._tables.get(resource.storage, _Table())]
            found = [
                table.objects[key]
                for table in tables
                for key in table.sorted_keys()
                if namespace is None or key[0] == namespace
            ]
        return _clone(found)

    def get(
        self, kind: str, name: str, namespace: str | None = None, *, api_version: str | None = None
    ) -> Object | None:
        """A copy of one stored object, or None; namespaced kinds default to "default"."""
        with self._lock:
            resource = self._registry.for_kind(kind, api_version)
            key = ((namespace or "default") if resource.namespaced else "", name)
            obj = self._tables.get(resource.storage, _Table()).objects.get(key)
        return None if obj is None else _clone(obj)

    def dump_state(self, *, strip_volatile: bool = True) -> dict[str, dict[str, Object]]:
        """Every object as {"Kind.group": {"namespace/name": object}}, for "same final state"
        assertions; strip_volatile drops resourceVersion, uid, timestamps, generation and
        managedFields (and shows a deletionTimestamp as "<set>")."""
        with self._lock:
            tables = {
                self._registry.for_storage(storage): table
                for storage, table in sorted(self._tables.items())
                if table.objects
            }
            state: dict[str, dict[str, Object]] = {
                f"{r.kind}.{r.group}" if r.group else r.kind: {
                    "/".join(filter(None, key)): table.objects[key] for key in table.sorted_keys()
                }
                for r, table in tables.items()
            }
            state = _clone(state)
        for objects in state.values():
            for obj in objects.values():
                _without_volatile(obj, strip_volatile)
        return state

    # fault injection and the request log

    def inject(
        self,
        *,
        method: str | None = None,
        path_regex: str = "",
        status: int | None = None,
        times: int | None = 1,
        retry_after: int | None = None,
        drop: bool = False,
        latency: float = 0.0,
        kind: str | None = None,
        verb: str | None = None,
        continued: bool | None = None,
    ) -> Fault:
        """Fail (status), cut (drop) or delay (latency seconds) the next `times` matching
        requests (None: all of them). A 429 carries Retry-After (default 1 second). Requests
        match by method and path_regex, and by what they act on: `kind` (e.g. "Deployment"),
        `verb` (get list create update patch delete) and `continued` (a list continuation)."""
        if status is None and not drop and not latency:
            raise ValueError("a fault needs a status, drop=True or a latency")
        if status == 429 and retry_after is None:
            retry_after = 1
        fault = Fault(
            method.upper() if method else None,
            re.compile(path_regex),
            status,
            times,
            retry_after,
            drop,
            latency,
            kind,
            verb,
            continued,
        )
        with self._traffic_lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._traffic_lock:
            self._faults.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._traffic_lock:
            return list(self._requests)

    def count(self, method: str | None = None, path_regex: str = "") -> int:
        """How many logged requests have this method and a path matching path_regex."""
        pattern = re.compile(path_regex)
        return sum(
            1
            for request in self.requests
            if method in (None, request.method) and pattern.search(request.path)
        )

    def clear_requests(self) -> None:
        with self._traffic_lock:
            self._requests.clear()

    # OIDC

    @property
    def key_id(self) -> str:
        der = self._signing_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return _b64url(hashlib.sha256(der).digest())

    def jwks(self) -> Object:
        numbers = self._signing_key.public_key().public_numbers()

        def encode(number: int) -> str:
            return _b64url(number.to_bytes((number.bit_length() + 7) // 8, "big"))

        key = {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.key_id}
        return {"keys": [{**key, "n": encode(numbers.n), "e": encode(numbers.e)}]}

    def openid_configuration(self) -> Object:
        return {
            "issuer": self.issuer,
            "jwks_uri": f"{self.url}/openid/v1/jwks",
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def _sign(self, claims: Object) -> str:
        header = {"alg": "RS256", "kid": self.key_id}
        signing_input = ".".join(
            _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
        )
        signature = self._signing_key.sign(
            signing_input.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        return f"{signing_input}.{_b64url(signature)}"

    # request handling

    def handle(self, request: _Request) -> Reply | None:
        """Answer one request; None means: close the connection without answering."""
        target = self._request_target(request)
        fault = self._take_fault(request, target)
        if fault is not None and fault.drop:
            return None
        try:
            if fault is not None and fault.status is not None:
                raise fault.error(target)
            if self._token and not bearer(request.authorization, self._token):
                raise ApiError(401, "Unauthorized", "Unauthorized")
            return self._dispatch(request)
        except ApiError as error:
            return error.reply()
        except Exception:
            self.internal_errors.append(traceback.format_exc())
            return ApiError(500, "InternalError", traceback.format_exc(limit=1)).reply()

    def _take_fault(self, request: _Request, target: RequestTarget) -> Fault | None:
        with self._traffic_lock:
            self._requests.append(RecordedRequest(request.method, request.path, request.query))
            taken = [f for f in self._faults if f.take(request.method, request.path, target)]
        delay = sum(fault.latency for fault in taken)
        if delay:
            time.sleep(delay)
        return next((f for f in taken if f.drop or f.status is not None), None)

    def _request_target(self, request: _Request) -> RequestTarget:
        """(verb, kind, namespace) of a request, as the API server's authorizer sees it."""
        parts = [unquote(p) for p in request.path.strip("/").split("/")]
        core = parts[0] == "api" and len(parts) >= 3
        if not (core or (parts[0] == "apis" and len(parts) >= 4)):
            return RequestTarget("", "", "", request.path, "", False)
        group, version, rest = (
            ("", parts[1], parts[2:]) if core else (parts[1], parts[2], parts[3:])
        )
        namespace = ""
        if rest[0] == "namespaces" and len(rest) > 2:
            namespace, rest = rest[1], rest[2:]
        named = len(rest) > 1
        verbs = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}
        verb = (
            ("get" if named else "list")
            if request.method == "GET"
            else verbs.get(request.method, "")
        )
        with self._lock:
            resource = self._registry.by_path.get((group, version, rest[0]))
        continued = verb == "list" and bool(request.query.get("continue"))
        return RequestTarget(
            verb, resource.kind if resource else "", group, rest[0], namespace, continued
        )

    def _dispatch(self, request: _Request) -> Reply:
        path = request.path.rstrip("/") or "/"
        documents = {
            "/version": self._version,
            "/api": self._core_versions,
            "/apis": self._group_list,
            "/.well-known/openid-configuration": self.openid_configuration,
            "/openid/v1/jwks": self.jwks,
        }
        if path in documents:
            if request.method != "GET":
                raise ApiError(405, "MethodNotAllowed", f"{request.method} is not allowed")
            if path == "/openid/v1/jwks" and not _accepts(request.accept, JWK_SET):
                # the real server serves this one representation only (docs/testing.md)
                raise ApiError(
                    406,
                    "NotAcceptable",
                    f"406: Not Acceptable\n\nAvailable representations: {JWK_SET}",
                )
            return _json_reply(200, documents[path]())
        parts = [unquote(part) for part in path.strip("/").split("/")]
        if parts[0] == "apis" and len(parts) == 2:
            return _json_reply(200, self._group(parts[1]))
        if parts[0] == "api" and len(parts) >= 2:
            group, version, rest = "", parts[1], parts[2:]
        elif parts[0] == "apis" and len(parts) >= 3:
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            raise _path_not_found()
        if not rest:
            return _json_reply(200, self._resource_list(group, version))
        return self._serve(self._target(group, version, rest), request)

    def _target(self, group: str, version: str, rest: list[str]) -> _Target:
        namespace = ""
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        if len(rest) > 3:
            raise _path_not_found()
        with self._lock:
            resource = self._registry.by_path.get((group, version, rest[0]))
        if resource is None or (namespace and not resource.namespaced):
            raise _path_not_found()
        name, subresource = [*rest[1:], "", ""][:2]
        if resource.namespaced and name and not namespace:
            raise _path_not_found()
        return _Target(resource, namespace, name, subresource)

    def _serve(self, target: _Target, request: _Request) -> Reply:
        method = request.method
        if target.subresource:
            if (target.resource.plural, target.subresource, method) == (
                "serviceaccounts",
                "token",
                "POST",
            ):
                return self._token_request(target, request)
            raise _path_not_found()
        if not target.name:
            if method == "GET":
                return self._list(target, request)
            if method == "POST" and (target.namespace or not target.resource.namespaced):
                return self._create(target, request.json_body(), request)
        else:
            verbs = {
                "GET": self._get,
                "PUT": self._replace,
                "PATCH": self._patch,
                "DELETE": self._delete,
            }
            if method in verbs:
                return verbs[method](target, request)
        raise ApiError(405, "MethodNotAllowed", f"{method} is not supported on {request.path}")

    # discovery

    def _version(self) -> Object:
        major, minor = self._git_version.lstrip("v").split(".")[:2]
        return {
            "major": major,
            "minor": minor,
            "gitVersion": self._git_version,
            "gitCommit": "0" * 40,
            "gitTreeState": "clean",
            "buildDate": "2024-01-01T00:00:00Z",
            "goVersion": "go1.22.0",
            "compiler": "gc",
            "platform": "linux/amd64",
        }

    def _core_versions(self) -> Object:
        cidr = {"clientCIDR": "0.0.0.0/0", "serverAddress": f"127.0.0.1:{self.port}"}
        return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [cidr]}

    def _group(self, name: str) -> Object:
        with self._lock:
            versions = self._registry.groups.get(name)
        if not name or versions is None:
            raise _path_not_found()
        entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
        return {
            "kind": "APIGroup",
            "apiVersion": "v1",
            "name": name,
            "versions": entries,
            "preferredVersion": entries[0],
        }

    def _group_list(self) -> Object:
        with self._lock:
            names = [name for name in self._registry.groups if name]
        return {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [self._group(n) for n in names],
        }

    def _resource_list(self, group: str, version: str) -> Object:
        with self._lock:
            served = [
                r for r in self._registry.resources if (r.group, r.version) == (group, version)
            ]
        if not served:
            raise _path_not_found()
        resources = [r.discovery() for r in served]
        if not group:
            resources.append(TOKEN_REQUEST_DISCOVERY)
        group_version = f"{group}/{version}" if group else version
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": group_version,
            "resources": resources,
        }

    # reads

    def _stored(self, target: _Target) -> Object:
        obj = self._tables.get(target.resource.storage, _Table()).objects.get(target.key)
        if obj is None:
            raise _not_found(target.resource, target.name)
        return obj

    def _get(self, target: _Target, request: _Request) -> Reply:
        with self._lock:
            obj = self._stored(target)
        return _json_reply(200, _as_version(target.resource, obj))

    def _list(self, target: _Target, request: _Request) -> Reply:
        resource, query = target.resource, request.query
        if query.get("watch") in ("1", "true"):
            raise ApiError(405, "MethodNotAllowed", "the fake API server does not support watch")
        limit = _non_negative_int(query.get("limit") or "0", "limit")
        labels = parse_label_selector(query.get("labelSelector", ""))
        fields = parse_field_selector(resource, query.get("fieldSelector", ""))
        with self._lock:
            table = self._tables.get(resource.storage, _Table())
            keys = table.sorted_keys()
            start, end = _key_range(keys, target.namespace)
            list_version = str(self._resource_version)
            if token := query.get("continue"):
                list_version, after = _decode_continue(token)
                start = max(start, bisect.bisect_right(keys, after))
            items: list[Object] = []
            index = start
            while index < end and (not limit or len(items) < limit):
                obj = table.objects[keys[index]]
                index += 1
                if _labels_match(labels, obj["metadata"].get("labels") or {}) and _fields_match(
                    fields, obj
                ):
                    items.append(obj)
            metadata: Object = {"resourceVersion": list_version}
            if index < end:
                metadata["continue"] = _encode_continue(list_version, keys[index - 1])
                if not labels and not fields:
                    metadata["remainingItemCount"] = end - index
        body = {
            "kind": f"{resource.kind}List",
            "apiVersion": resource.api_version,
            "metadata": metadata,
            "items": [_list_item(resource, obj) for obj in items],
        }
        return _json_reply(200, body)

    # writes

    def _create(
        self,
        target: _Target,
        body: Any,
        request: _Request,
        *,
        operation: str = "Update",
    ) -> Reply:
        resource = target.resource
        obj = _admit(resource, body, target)
        meta = obj["metadata"]
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + "".join(
                secrets.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5)
            )
        if not meta.get("name"):
            raise _invalid(
                resource, "", "metadata.name", "Required value: name or generateName is required"
            )
        _validate(resource, obj, None)
        for system_field in ("deletionTimestamp", "deletionGracePeriodSeconds", "resourceVersion"):
            meta.pop(system_field, None)
        meta.update(uid=str(uuid.uuid4()), creationTimestamp=_now(), generation=1)
        applied = body if operation == "Apply" else None
        _record_manager(meta, request.field_manager(), operation, resource, applied)
        if resource.kind == "Namespace":
            obj.setdefault("status", {"phase": "Active"})
        with self._lock:
            key = (meta.get("namespace", ""), meta["name"])
            if resource.namespaced and self._strict_namespaces:
                namespace_target = _Target(self._registry.for_kind("Namespace"), "", key[0])
                self._stored(namespace_target)
            if key in self._tables.get(resource.storage, _Table()).objects:
                message = f'{resource.qualified} "{key[1]}" already exists'
                raise ApiError(409, "AlreadyExists", message, _details(resource, key[1]))
            if not request.dry_run:
                self._store(resource, obj)
        return _json_reply(201, obj)

    def _replace(self, target: _Target, request: _Request) -> Reply:
        candidate = _admit(target.resource, request.json_body(), target)
        with self._lock:
            return self._update(target, candidate, request, operation="Update")

    def _patch(self, target: _Target, request: _Request) -> Reply:
        content_type = request.content_type.split(";")[0].strip()
        if content_type == "application/apply-patch+yaml":
            return self._apply(target, request)
        patchers: dict[str, Callable[[Any, Any], Any]] = {
            "application/merge-patch+json": merge_patch,
            "application/strategic-merge-patch+json": strategic_merge_patch,
            "application/json-patch+json": json_patch,
        }
        patcher = patchers.get(content_type)
        custom_smp = target.resource.custom and patcher is strategic_merge_patch
        if patcher is None or custom_smp:
            message = f"the body of the request was in an unknown format: {content_type}"
            raise ApiError(415, "UnsupportedMediaType", message)
        document = request.json_body()
        if not isinstance(document, list if patcher is json_patch else dict):
            raise _bad_request(f"a {content_type} patch must be a JSON {type(document).__name__}")
        with self._lock:
            current = self._stored(target)
            try:
                patched = patcher(current, document)
            except PatchError as error:
                raise ApiError(422, "Invalid", str(error)) from None
            candidate = _admit(target.resource, patched, target)
            return self._update(target, candidate, request, operation="Update")

    def _apply(self, target: _Target, request: _Request) -> Reply:
        if not request.query.get("fieldManager"):
            raise _bad_request("fieldManager is required for apply requests")
        try:
            applied = yaml.safe_load(request.body.decode() or "null")
        except (UnicodeDecodeError, yaml.YAMLError) as error:
            raise _bad_request(f"the applied configuration is not YAML: {error}") from None
        if (
            not isinstance(applied, dict)
            or not applied.get("kind")
            or not applied.get("apiVersion")
        ):
            raise _bad_request("an applied configuration needs apiVersion and kind")
        with self._lock:
            try:
                current = self._stored(target)
            except ApiError:
                return self._create(target, applied, request, operation="Apply")
            candidate = _admit(target.resource, strategic_merge_patch(current, applied), target)
            return self._update(target, candidate, request, operation="Apply", applied=applied)

    def _update(
        self,
        target: _Target,
        candidate: Object,
        request: _Request,
        *,
        operation: str,
        applied: Object | None = None,
    ) -> Reply:
        """Store a new version of an existing object (the caller holds the lock)."""
        resource = target.resource
        current = self._stored(target)
        meta, current_meta = candidate["metadata"], current["metadata"]
        if meta.get("resourceVersion") not in (None, "", current_meta["resourceVersion"]):
            raise _conflict(resource, target.name)
        for system_field in _SYSTEM_FIELDS:
            meta.pop(system_field, None)
            if system_field in current_meta:
                meta[system_field] = current_meta[system_field]
        _validate(resource, candidate, current)
        if candidate == current:
            return _json_reply(200, _as_version(resource, current))
        if candidate.get("spec") != current.get("spec"):
            meta["generation"] = (current_meta.get("generation") or 0) + 1
        _record_manager(meta, request.field_manager(), operation, resource, applied)
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            if not request.dry_run:
                self._remove(resource, target.key)
            return _json_reply(200, candidate)
        if not request.dry_run:
            self._store(resource, candidate)
        return _json_reply(200, candidate)

    def _delete(self, target: _Target, request: _Request) -> Reply:
        resource = target.resource
        options = request.json_body() or {}
        dry_run = request.dry_run or "All" in (options.get("dryRun") or [])
        with self._lock:
            current = self._stored(target)
            meta = current["metadata"]
            preconditions = options.get("preconditions") or {}
            for precondition in ("uid", "resourceVersion"):
                expected = preconditions.get(precondition)
                if expected and expected != meta.get(precondition):
                    raise _conflict(resource, target.name)
            if set(meta.get("finalizers") or ()) - _SERVER_FINALIZERS:
                if meta.get("deletionTimestamp"):
                    return _json_reply(200, _as_version(resource, current))
                deleting = copy.deepcopy(current)
                deleting["metadata"].update(deletionTimestamp=_now(), deletionGracePeriodSeconds=0)
                if not dry_run:
                    self._store(resource, deleting)
                return _json_reply(200, deleting)
            if not dry_run:
                self._remove(resource, target.key)
        if resource.kind in _RETURNS_DELETED_OBJECT:
            return _json_reply(200, current)
        details = {**_details(resource, target.name), "uid": meta.get("uid")}
        status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}
        return _json_reply(200, {**status, "details": details})

    def _token_request(self, target: _Target, request: _Request) -> Reply:
        with self._lock:
            account = self._stored(_Target(target.resource, target.namespace, target.name))
        body = request.json_body() or {}
        spec = body.get("spec") or {}
        audiences = spec.get("audiences") or [self.issuer]
        lifetime = int(spec.get("expirationSeconds") or 3600)
        if lifetime < 600:
            raise _invalid(
                target.resource,
                target.name,
                "spec.expirationSeconds",
                f"Invalid value: {lifetime}: may not specify a duration less than 10 minutes",
            )
        issued = int(time.time())
        claims = {
            "aud": audiences,
            "exp": issued + lifetime,
            "iat": issued,
            "nbf": issued,
            "iss": self.issuer,
            "jti": str(uuid.uuid4()),
            "sub": f"system:serviceaccount:{target.namespace}:{target.name}",
            "kubernetes.io": {
                "namespace": target.namespace,
                "serviceaccount": {"name": target.name, "uid": account["metadata"]["uid"]},
            },
        }
        expires = datetime.datetime.fromtimestamp(issued + lifetime, datetime.timezone.utc)
        reply = {
            "kind": "TokenRequest",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"name": target.name, "namespace": target.namespace},
            "spec": {**spec, "audiences": audiences, "expirationSeconds": lifetime},
            "status": {"token": self._sign(claims), "expirationTimestamp": _json_default(expires)},
        }
        return _json_reply(201, reply)

    # storage (callers hold the lock)

    def _store(self, resource: Resource, obj: Object) -> None:
        self._resource_version += 1
        obj["metadata"]["resourceVersion"] = str(self._resource_version)
        key = (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        self._tables.setdefault(resource.storage, _Table()).put(key, obj)
        if resource.storage == CRD_STORAGE:
            self._refresh_registry()

    def _remove(self, resource: Resource, key: Key) -> None:
        self._resource_version += 1
        self._tables.setdefault(resource.storage, _Table()).pop(key)
        if resource.kind == "Namespace":
            for storage, table in self._tables.items():
                if self._registry.for_storage(storage).namespaced:
                    for doomed in [k for k in table.objects if k[0] == key[1]]:
                        table.pop(doomed)
        if resource.storage == CRD_STORAGE:
            self._refresh_registry()

    def _refresh_registry(self) -> None:
        crds = self._tables.get(CRD_STORAGE, _Table()).objects.values()
        custom = [r for crd in crds for r in _crd_resources(crd)]
        self._registry = _Registry([*BUILTIN_RESOURCES, *custom])
        served = {r.storage for r in self._registry.resources}
        for storage in [s for s in self._tables if s not in served]:
            del self._tables[storage]


def _flatten_lists(objects: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    for obj in objects:
        if obj.get("kind") == "List" or (obj.get("kind", "").endswith("List") and "items" in obj):
            yield from _flatten_lists(obj.get("items") or [])
        else:
            yield obj


def _non_negative_int(text: str, name: str) -> int:
    if not text.isdigit():
        raise _bad_request(f"{name} must be a non-negative integer, not {text!r}")
    return int(text)


def _admit(resource: Resource, body: Any, target: _Target) -> Object:
    """Check an incoming object against the URL it was sent to; return a normalized copy."""
    if not isinstance(body, dict):
        raise _bad_request(f"the request body must be a {resource.kind} object")
    obj: Object = _clone(body)
    for field_name, expected in (("apiVersion", resource.api_version), ("kind", resource.kind)):
        if obj.setdefault(field_name, expected) != expected:
            raise _bad_request(f"{field_name} {obj[field_name]!r} does not match {expected!r}")
    meta = obj.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise _bad_request("metadata must be an object")
    if resource.namespaced:
        if meta.setdefault("namespace", target.namespace) != target.namespace:
            raise _bad_request(
                "the namespace of the provided object does not match the namespace sent on the "
                "request"
            )
    else:
        meta.pop("namespace", None)
    if target.name and meta.setdefault("name", target.name) != target.name:
        raise _bad_request(
            f"the name of the object ({meta['name']}) does not match the name on the URL "
            f"({target.name})"
        )
    return obj


def _record_manager(
    meta: Object, manager: str, operation: str, resource: Resource, applied: Object | None
) -> None:
    entry: Object = {
        "manager": manager,
        "operation": operation,
        "apiVersion": resource.api_version,
        "time": _now(),
        "fieldsType": "FieldsV1",
    }
    if applied is not None:
        entry["fieldsV1"] = fields_v1(applied)
    others = [
        e
        for e in meta.get("managedFields") or []
        if (e.get("manager"), e.get("operation")) != (manager, operation)
    ]
    meta["managedFields"] = [*others, entry]


def _as_version(resource: Resource, obj: Object) -> Object:
    if obj.get("apiVersion") == resource.api_version:
        return obj
    return {**obj, "apiVersion": resource.api_version}


def _list_item(resource: Resource, obj: Object) -> Object:
    # Like the real server, built-in lists carry no kind/apiVersion on their items.
    if resource.custom:
        return _as_version(resource, obj)
    return {key: value for key, value in obj.items() if key not in ("kind", "apiVersion")}


def _accepts(accept: str, media_type: str) -> bool:
    """Whether an Accept header admits `media_type` (no header: anything)."""
    if not accept:
        return True
    kinds = {part.split(";")[0].strip() for part in accept.split(",")}
    return bool(kinds & {media_type, "*/*", media_type.split("/")[0] + "/*"})
