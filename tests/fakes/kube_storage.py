"""Requests, injected faults and the object tables (with continue tokens)."""

from __future__ import annotations

import base64
import bisect
import datetime
import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

import yaml
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes.kube_replies import (
    _FAULT_REASONS,
    ApiError,
    _bad_request,
)
from tests.fakes.kube_resources import (
    _T,
    Key,
    Object,
    Resource,
)

# --- requests, faults, storage ---------------------------------------------------------------


class RecordedRequest(NamedTuple):
    method: str
    path: str
    query: dict[str, str]


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    query: dict[str, str]
    body: bytes
    content_type: str
    user_agent: str
    accept: str = ""
    authorization: str = ""

    @property
    def dry_run(self) -> bool:
        return self.query.get("dryRun") == "All"

    def json_body(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError as error:
            raise _bad_request(f"the request body is not valid JSON: {error}") from None

    def field_manager(self) -> str:
        return self.query.get("fieldManager") or self.user_agent.split("/")[0] or "unknown"


@dataclass(frozen=True)
class RequestTarget:
    """What an API request acts on, as the authorizer sees it (verb, resource, namespace)."""

    verb: str  # get list create update patch delete, or "" for a non-resource URL
    kind: str  # "" when the resource is not served
    group: str
    plural: str
    namespace: str
    continued: bool  # a list request carrying a continue token


@dataclass
class Fault:
    """An injected failure; `hits` counts the requests it has answered so far. It matches by
    method and path, and by what the request acts on (kind, verb, a list continuation)."""

    method: str | None
    path_regex: re.Pattern[str]
    status: int | None
    times: int | None
    retry_after: int | None
    drop: bool
    latency: float
    kind: str | None = None
    verb: str | None = None
    continued: bool | None = None
    hits: int = 0

    def take(self, method: str, path: str, target: RequestTarget) -> bool:
        """Count this request against the fault if it matches and has not run out."""
        if self.method not in (None, method) or not self.path_regex.search(path):
            return False
        if self.kind not in (None, target.kind) or self.verb not in (None, target.verb):
            return False
        if self.continued not in (None, target.continued):
            return False
        if self.times is not None and self.hits >= self.times:
            return False
        self.hits += 1
        return True

    def error(self, target: RequestTarget) -> ApiError:
        assert self.status is not None
        headers = () if self.retry_after is None else (("Retry-After", str(self.retry_after)),)
        reason = _FAULT_REASONS.get(self.status, "InternalError")
        return ApiError(self.status, reason, _fault_message(self.status, target), {}, headers)


def _fault_message(status: int, target: RequestTarget) -> str:
    """The API server's own wording for a refusal (so clients parse what they would see)."""
    resource = f"{target.plural}.{target.group}" if target.group else target.plural
    if status == 403 and target.verb:
        scope = (
            f'in the namespace "{target.namespace}"' if target.namespace else "at the cluster scope"
        )
        return (
            f'{resource} is forbidden: User "fake-user" cannot {target.verb} resource '
            f'"{target.plural}" in API group "{target.group}" {scope}'
        )
    if status == 410:
        return (
            "The provided continue parameter is too old to display a consistent list result. "
            "You can start a new list without the continue parameter."
        )
    if status == 401:
        return "Unauthorized"
    return f"injected fault: {_FAULT_REASONS.get(status, 'InternalError')}"


@dataclass
class _Table:
    """One resource's objects by (namespace, name), with a lazily sorted key list for paging."""

    objects: dict[Key, Object] = field(default_factory=dict)
    _keys: list[Key] | None = None

    def sorted_keys(self) -> list[Key]:
        if self._keys is None:
            self._keys = sorted(self.objects)
        return self._keys

    def put(self, key: Key, obj: Object) -> None:
        if key not in self.objects:
            self._keys = None
        self.objects[key] = obj

    def pop(self, key: Key) -> None:
        if self.objects.pop(key, None) is not None:
            self._keys = None


def _key_range(keys: list[Key], namespace: str) -> tuple[int, int]:
    if not namespace:
        return 0, len(keys)
    return bisect.bisect_left(keys, (namespace,)), bisect.bisect_left(keys, (namespace + "\0",))


def _encode_continue(resource_version: str, key: Key) -> str:
    token = json.dumps({"rv": resource_version, "start": list(key)}).encode()
    return base64.urlsafe_b64encode(token).decode()


def _decode_continue(token: str) -> tuple[str, Key]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        return str(data["rv"]), (str(data["start"][0]), str(data["start"][1]))
    except (ValueError, KeyError, IndexError, TypeError):
        raise _bad_request("continue key is not valid") from None


@dataclass(frozen=True)
class _Target:
    resource: Resource
    namespace: str = ""  # "" for cluster-scoped resources and all-namespaces lists
    name: str = ""  # "" for the collection
    subresource: str = ""

    @property
    def key(self) -> Key:
        return (self.namespace, self.name)


_SYSTEM_FIELDS = (
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "generation",
    "managedFields",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
)
# Kinds whose DELETE answers with the deleted object instead of a Status.
_RETURNS_DELETED_OBJECT = frozenset({"Pod", "Service", "ServiceAccount"})
# Finalizers the API server clears by itself (it deletes a CRD's custom objects).
_SERVER_FINALIZERS = frozenset({"customresourcecleanup.apiextensions.k8s.io"})


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json_default(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
        return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON data")


def _clone(obj: _T) -> _T:
    """A deep copy as plain JSON data (YAML timestamps become RFC 3339 strings)."""
    return cast(_T, json.loads(json.dumps(obj, default=_json_default)))


def _without_volatile(obj: Object, strip: bool) -> Object:
    if not strip:
        return obj
    meta = obj.get("metadata") or {}
    for volatile in ("resourceVersion", "uid", "creationTimestamp", "managedFields", "generation"):
        meta.pop(volatile, None)
    if "deletionTimestamp" in meta:
        meta["deletionTimestamp"] = "<set>"
    return obj


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@functools.lru_cache(maxsize=1)
def _default_signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
