"""The admission checks the fake applies: names, labels, workloads, CRDs."""

from __future__ import annotations

import re
from typing import Any

from tests.fakes.kube_replies import (
    _bad_request,
    _invalid,
)
from tests.fakes.kube_resources import (
    CRD_STORAGE,
    Object,
    Resource,
)
from tests.fakes.kube_selectors import (
    _labels_match,
    label_selector_requirements,
)

# --- validation ------------------------------------------------------------------------------

_DNS_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
API_APPROVED = "api-approved.kubernetes.io"
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
    group = spec["group"]
    protected = group in ("k8s.io", "kubernetes.io") or group.endswith(
        (".k8s.io", ".kubernetes.io")
    )
    if protected and not (crd["metadata"].get("annotations") or {}).get(API_APPROVED):
        raise _invalid(
            resource,
            name,
            f"metadata.annotations[{API_APPROVED}]",
            f'Required value: protected groups must have approval annotation "{API_APPROVED}", '
            "see https://github.com/kubernetes/enhancements/pull/1111",
        )
