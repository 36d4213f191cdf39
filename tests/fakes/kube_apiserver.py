"""A small, faithful Kubernetes API server for tests (DESIGN.md §7).

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

import base64
import bisect
import contextlib
import copy
import datetime
import functools
import hashlib
import json
import re
import secrets
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple, TypeVar, cast
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from kubernetes import client as kube_client

from tests.fakes.kube_patch import (
    PatchError,
    fields_v1,
    json_patch,
    merge_patch,
    strategic_merge_patch,
)

_T = TypeVar("_T")
Object = dict[str, Any]
Key = tuple[str, str]  # (namespace, name); namespace is "" for cluster-scoped objects


# --- resources -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True
    custom: bool = False  # served because a CustomResourceDefinition exists

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def storage(self) -> tuple[str, str]:
        return (self.group, self.plural)

    @property
    def qualified(self) -> str:
        """`deployments.apps`, as the API server names a resource in error messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def discovery(self) -> Object:
        return {
            "name": self.plural,
            "singularName": self.kind.lower(),
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": ["create", "delete", "get", "list", "patch", "update"],
        }


def _resources(group: str, cluster: set[str], **kinds: str) -> list[Resource]:
    return [
        Resource(group, "v1", plural, kind, namespaced=plural not in cluster)
        for plural, kind in kinds.items()
    ]


BUILTIN_RESOURCES: tuple[Resource, ...] = (
    *_resources(
        "",
        {"namespaces", "nodes"},
        namespaces="Namespace",
        nodes="Node",
        pods="Pod",
        serviceaccounts="ServiceAccount",
        secrets="Secret",
        configmaps="ConfigMap",
        endpoints="Endpoints",
        services="Service",
    ),
    *_resources(
        "apps",
        set(),
        deployments="Deployment",
        statefulsets="StatefulSet",
        daemonsets="DaemonSet",
        replicasets="ReplicaSet",
    ),
    *_resources("batch", set(), jobs="Job", cronjobs="CronJob"),
    *_resources(
        "rbac.authorization.k8s.io",
        {"clusterroles", "clusterrolebindings"},
        roles="Role",
        rolebindings="RoleBinding",
        clusterroles="ClusterRole",
        clusterrolebindings="ClusterRoleBinding",
    ),
    *_resources(
        "apiextensions.k8s.io",
        {"customresourcedefinitions"},
        customresourcedefinitions="CustomResourceDefinition",
    ),
    *_resources(
        "admissionregistration.k8s.io",
        {"mutatingwebhookconfigurations"},
        mutatingwebhookconfigurations="MutatingWebhookConfiguration",
    ),
    *_resources("policy", set(), poddisruptionbudgets="PodDisruptionBudget"),
)
CRD_STORAGE = ("apiextensions.k8s.io", "customresourcedefinitions")
TOKEN_REQUEST_DISCOVERY: Object = {
    "name": "serviceaccounts/token",
    "singularName": "",
    "namespaced": True,
    "group": "authentication.k8s.io",
    "version": "v1",
    "kind": "TokenRequest",
    "verbs": ["create"],
}


def custom_resource_definition(
    group: str, kind: str, plural: str, *, namespaced: bool = True, version: str = "v1"
) -> Object:
    """A minimal CustomResourceDefinition; seed it to serve another custom kind."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced" if namespaced else "Cluster",
            "names": {"kind": kind, "plural": plural, "singular": kind.lower()},
            "versions": [
                {
                    "name": version,
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            ],
        },
    }


DEFAULT_CRDS: tuple[Object, ...] = (
    custom_resource_definition("aadpodidentity.k8s.io", "AzureIdentity", "azureidentities"),
    custom_resource_definition(
        "aadpodidentity.k8s.io", "AzureIdentityBinding", "azureidentitybindings"
    ),
    custom_resource_definition(
        "aadpodidentity.k8s.io", "AzurePodIdentityException", "azurepodidentityexceptions"
    ),
    custom_resource_definition(
        "aadpodidentity.k8s.io", "AzureAssignedIdentity", "azureassignedidentities"
    ),
    custom_resource_definition(
        "secrets-store.csi.x-k8s.io", "SecretProviderClass", "secretproviderclasses"
    ),
)
DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public")


def _crd_resources(crd: Object) -> list[Resource]:
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    return [
        Resource(
            spec["group"],
            version["name"],
            names["plural"],
            names["kind"],
            namespaced=spec.get("scope", "Namespaced") == "Namespaced",
            custom=True,
        )
        for version in spec.get("versions") or []
        if version.get("served", True)
    ]


class _Registry:
    """The routing table: which resources are served, found by URL path or by kind."""

    def __init__(self, resources: Iterable[Resource]) -> None:
        self.resources = list(resources)
        self.by_path = {(r.group, r.version, r.plural): r for r in self.resources}
        self.groups: dict[str, list[str]] = {}
        for resource in self.resources:
            versions = self.groups.setdefault(resource.group, [])
            if resource.version not in versions:
                versions.append(resource.version)

    def for_kind(self, kind: str, api_version: str | None = None) -> Resource:
        for resource in self.resources:
            if resource.kind == kind and api_version in (None, resource.api_version):
                return resource
        served = f"{api_version} {kind}" if api_version else kind
        raise KeyError(f"the fake API server serves no {served} (seed its CRD first?)")

    def for_storage(self, storage: tuple[str, str]) -> Resource:
        return next(r for r in self.resources if r.storage == storage)


# --- selectors -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """One term of a label selector (operator: =, !=, in, notin, exists, !exists, gt, lt)."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.key)
        if self.operator in ("=", "in"):
            return value in self.values
        if self.operator in ("!=", "notin"):
            return value not in self.values
        if self.operator == "exists":
            return self.key in labels
        if self.operator == "!exists":
            return self.key not in labels
        if value is None or not re.fullmatch(r"-?\d+", value):
            return False
        bound = int(self.values[0])
        return int(value) > bound if self.operator == "gt" else int(value) < bound


_KEY = r"[A-Za-z0-9](?:[-A-Za-z0-9_./]*[A-Za-z0-9])?"
_SET_TERM = re.compile(rf"({_KEY})\s+(in|notin)\s*\(([^()]*)\)")
_EQUALITY_TERM = re.compile(rf"({_KEY})\s*(==|=|!=|>|<)\s*([-A-Za-z0-9_.]*)")
_EXISTS_TERM = re.compile(rf"(!?)\s*({_KEY})")
_OPERATORS = {"==": "=", "=": "=", "!=": "!=", ">": "gt", "<": "lt"}
_EXPRESSION_OPERATORS = {
    "In": "in",
    "NotIn": "notin",
    "Exists": "exists",
    "DoesNotExist": "!exists",
}


def parse_label_selector(text: str) -> tuple[Requirement, ...]:
    """Parse the `labelSelector` query syntax; raises ApiError 400 when it is malformed."""
    return tuple(_parse_requirement(term) for term in _split_terms(text))


def _split_terms(text: str) -> list[str]:
    terms, depth, start = [], 0, 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            terms.append(text[start:index])
            start = index + 1
    terms.append(text[start:])
    return [term.strip() for term in terms if term.strip()]


def _parse_requirement(term: str) -> Requirement:
    if match := _SET_TERM.fullmatch(term):
        values = tuple(value.strip() for value in match[3].split(",") if value.strip())
        return Requirement(match[1], match[2], values)
    if match := _EQUALITY_TERM.fullmatch(term):
        operator = _OPERATORS[match[2]]
        if operator in ("gt", "lt") and not re.fullmatch(r"-?\d+", match[3]):
            raise _bad_request(f"unable to parse requirement: {term!r}: value must be an integer")
        return Requirement(match[1], operator, (match[3],))
    if match := _EXISTS_TERM.fullmatch(term):
        return Requirement(match[2], "!exists" if match[1] else "exists")
    raise _bad_request(f"unable to parse requirement: {term!r}")


def label_selector_requirements(selector: Mapping[str, Any]) -> tuple[Requirement, ...]:
    """The requirements of a LabelSelector object (matchLabels and matchExpressions)."""
    equal = [Requirement(k, "=", (v,)) for k, v in (selector.get("matchLabels") or {}).items()]
    expressions = [
        Requirement(e["key"], _EXPRESSION_OPERATORS[e["operator"]], tuple(e.get("values") or ()))
        for e in selector.get("matchExpressions") or []
    ]
    return (*equal, *expressions)


def _labels_match(requirements: Iterable[Requirement], labels: Mapping[str, str]) -> bool:
    return all(requirement.matches(labels) for requirement in requirements)


_FIELD_TERM = re.compile(r"([A-Za-z.]+)\s*(==|=|!=)\s*(.*)")
_EXTRA_FIELDS = {
    "Pod": {"spec.nodeName", "spec.serviceAccountName", "status.phase"},
    "Secret": {"type"},
}


def parse_field_selector(resource: Resource, text: str) -> tuple[tuple[str, bool, str], ...]:
    """(field path, must equal?, value) terms; the fields each kind supports, as the server."""
    supported = {"metadata.name", "metadata.namespace", *_EXTRA_FIELDS.get(resource.kind, ())}
    terms = []
    for term in _split_terms(text):
        match = _FIELD_TERM.fullmatch(term)
        if not match:
            raise _bad_request(f"invalid field selector: {term!r}")
        if match[1] not in supported:
            raise _bad_request(f'field label not supported: "{match[1]}"')
        terms.append((match[1], match[2] != "!=", match[3].strip()))
    return tuple(terms)


def _fields_match(terms: Iterable[tuple[str, bool, str]], obj: Object) -> bool:
    for path, equal, value in terms:
        current: Any = obj
        for part in path.split("."):
            current = current.get(part) if isinstance(current, dict) else None
        if ((current or "") == value) != equal:
            return False
    return True


# --- errors and replies ----------------------------------------------------------------------


class Reply(NamedTuple):
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def _json_reply(status: int, body: Any, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    return Reply(status, json.dumps(body, separators=(",", ":")).encode(), headers)


class ApiError(Exception):
    """An error the server answers with a `Status` body."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        details: Object | None = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message
        self.details, self.headers = details, headers

    def reply(self) -> Reply:
        status: Object = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            status["details"] = self.details
        return _json_reply(self.code, status, self.headers)


def _details(resource: Resource, name: str, kind: str | None = None) -> Object:
    details: Object = {"name": name, "kind": kind or resource.plural}
    if resource.group:
        details["group"] = resource.group
    return details


def _bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def _not_found(resource: Resource, name: str) -> ApiError:
    message = f'{resource.qualified} "{name}" not found'
    return ApiError(404, "NotFound", message, _details(resource, name))


def _path_not_found() -> ApiError:
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def _conflict(resource: Resource, name: str) -> ApiError:
    message = (
        f'Operation cannot be fulfilled on {resource.qualified} "{name}": the object has been '
        "modified; please apply your changes to the latest version and try again"
    )
    return ApiError(409, "Conflict", message, _details(resource, name))


def _invalid(resource: Resource, name: str, path: str, problem: str) -> ApiError:
    kind = f"{resource.kind}.{resource.group}" if resource.group else resource.kind
    cause = {"reason": "FieldValueInvalid", "message": problem, "field": path}
    details = {**_details(resource, name, resource.kind), "causes": [cause]}
    return ApiError(422, "Invalid", f'{kind} "{name}" is invalid: {path}: {problem}', details)


_FAULT_REASONS = {
    409: "Conflict",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


# --- validation ------------------------------------------------------------------------------

_DNS_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_DNS_SUBDOMAIN = re.compile(rf"{_DNS_LABEL}(?:\.{_DNS_LABEL})*")
_LABEL_NAME = re.compile(r"[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?")
_STRING_MAPS = (
    ("metadata",),
    ("spec", "template", "metadata"),
    ("spec", "jobTemplate", "spec", "template", "metadata"),
)


def _validate(resource: Resource, obj: Object, current: Object | None) -> None:
    """What the API server rejects in objects the toolkit writes (400 decode, 422 invalid)."""
    name = obj["metadata"].get("name", "")
    for path in _STRING_MAPS:
        meta = _dig(obj, path)
        for field_name in ("labels", "annotations"):
            _check_string_map(meta.get(field_name), ".".join((*path, field_name)))
        for key, value in (meta.get("labels") or {}).items():
            if problem := _label_problem(key, value):
                field_path = ".".join((*path, "labels"))
                raise _invalid(resource, name, field_path, f"Invalid value: {value!r}: {problem}")
    _validate_name(resource, name)
    if resource.group == "apps":
        _validate_workload(resource, obj, current)
    if resource.storage == CRD_STORAGE:
        _validate_crd(resource, obj)
    deleting = current is not None and current["metadata"].get("deletionTimestamp")
    added = set(obj["metadata"].get("finalizers") or ()) - set(
        (current or {}).get("metadata", {}).get("finalizers") or ()
    )
    if deleting and added:
        problem = "Forbidden: no new finalizers can be added if the object is being deleted"
        raise _invalid(resource, name, "metadata.finalizers", problem)


def _dig(obj: Object, path: tuple[str, ...]) -> Object:
    for part in path:
        child = obj.get(part)
        obj = child if isinstance(child, dict) else {}
    return obj


def _check_string_map(value: Any, path: str) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        raise _bad_request(f"json: cannot unmarshal {type(value).__name__} into {path}")
    for item in value.values():
        if not isinstance(item, str):
            go_type = {bool: "bool", int: "number", float: "number"}.get(type(item), "object")
            raise _bad_request(
                f"json: cannot unmarshal {go_type} into Go struct field ObjectMeta.{path} "
                "of type string"
            )


def _label_problem(key: str, value: str) -> str | None:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.fullmatch(prefix)):
        return f"label key prefix {prefix!r} must be a DNS subdomain"
    if len(name) > 63 or not _LABEL_NAME.fullmatch(name):
        return f"label key name {name!r} must be 63 characters or less, alphanumeric, '-_.'"
    if value and (len(value) > 63 or not _LABEL_NAME.fullmatch(value)):
        return "a valid label must be 63 characters or less, alphanumeric, '-_.'"
    return None


def _validate_name(resource: Resource, name: str) -> None:
    if resource.group == "rbac.authorization.k8s.io":
        valid = name not in (".", "..") and "/" not in name and "%" not in name
    elif resource.kind == "Namespace":
        valid = len(name) <= 63 and re.fullmatch(_DNS_LABEL, name) is not None
    else:
        valid = len(name) <= 253 and _DNS_SUBDOMAIN.fullmatch(name) is not None
    if not valid:
        raise _invalid(resource, name, "metadata.name", f"Invalid value: {name!r}")


def _validate_workload(resource: Resource, obj: Object, current: Object | None) -> None:
    # apps/v1: spec.selector is required, must match the pod template, and is immutable.
    name = obj["metadata"]["name"]
    spec = obj.get("spec") or {}
    selector = spec.get("selector") or {}
    if not (selector.get("matchLabels") or selector.get("matchExpressions")):
        raise _invalid(resource, name, "spec.selector", "Required value")
    template_labels = _dig(obj, ("spec", "template", "metadata")).get("labels") or {}
    if not _labels_match(label_selector_requirements(selector), template_labels):
        raise _invalid(
            resource,
            name,
            "spec.template.metadata.labels",
            f"Invalid value: {template_labels!r}: `selector` does not match template `labels`",
        )
    if current is not None and (current.get("spec") or {}).get("selector") != selector:
        raise _invalid(
            resource, name, "spec.selector", f"Invalid value: {selector!r}: field is immutable"
        )


def _validate_crd(resource: Resource, crd: Object) -> None:
    name = crd["metadata"]["name"]
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    if not (spec.get("group") and names.get("plural") and names.get("kind")):
        raise _invalid(resource, name, "spec", "Required value: group, names.plural, names.kind")
    if name != f"{names['plural']}.{spec['group']}":
        raise _invalid(
            resource, name, "metadata.name", "Invalid value: must be spec.names.plural+.+spec.group"
        )
    if not spec.get("versions"):
        raise _invalid(resource, name, "spec.versions", "Required value")


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


@dataclass
class Fault:
    """An injected failure; `hits` counts the requests it has answered so far."""

    method: str | None
    path_regex: re.Pattern[str]
    status: int | None
    times: int | None
    retry_after: int | None
    drop: bool
    latency: float
    hits: int = 0

    def take(self, method: str, path: str) -> bool:
        """Count this request against the fault if it matches and has not run out."""
        if self.method not in (None, method) or not self.path_regex.search(path):
            return False
        if self.times is not None and self.hits >= self.times:
            return False
        self.hits += 1
        return True

    def error(self) -> ApiError:
        assert self.status is not None
        headers = () if self.retry_after is None else (("Retry-After", str(self.retry_after)),)
        reason = _FAULT_REASONS.get(self.status, "InternalError")
        return ApiError(self.status, reason, f"injected fault: {reason}", {}, headers)


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
    ) -> None:
        self._issuer = issuer
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
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        """The service-account token issuer (default: the server URL with a trailing slash)."""
        return self._issuer or f"{self.url}/"

    # clients

    def api_client(self) -> kube_client.ApiClient:
        configuration = kube_client.Configuration(host=self.url)
        return kube_client.ApiClient(configuration)

    def write_kubeconfig(
        self, path: str | Path, *, context: str = "fake", namespace: str = "default"
    ) -> Path:
        """Write a kubeconfig for `kubernetes.config.load_kube_config(config_file=path)`."""
        kubeconfig = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": context, "cluster": {"server": self.url}}],
            "users": [{"name": context, "user": {"token": "fake-token"}}],
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
    ) -> Fault:
        """Fail (status), cut (drop) or delay (latency seconds) the next `times` matching
        requests (None: all of them). A 429 carries Retry-After (default 1 second)."""
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
        fault = self._take_fault(request)
        if fault is not None and fault.drop:
            return None
        try:
            if fault is not None and fault.status is not None:
                raise fault.error()
            return self._dispatch(request)
        except ApiError as error:
            return error.reply()
        except Exception:
            self.internal_errors.append(traceback.format_exc())
            return ApiError(500, "InternalError", traceback.format_exc(limit=1)).reply()

    def _take_fault(self, request: _Request) -> Fault | None:
        with self._traffic_lock:
            self._requests.append(RecordedRequest(request.method, request.path, request.query))
            taken = [f for f in self._faults if f.take(request.method, request.path)]
        delay = sum(fault.latency for fault in taken)
        if delay:
            time.sleep(delay)
        return next((f for f in taken if f.drop or f.status is not None), None)

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
