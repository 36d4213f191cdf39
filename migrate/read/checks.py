"""The values records are built from, checked once where they are read (one finding each).

Federated credential subjects, ServiceAccount names and annotations are made of these
values: a name Kubernetes would refuse, or a selector no label can hold, must stop the
plan at its source line, not reach Azure or a file name.
"""

from __future__ import annotations

from typing import Any

from migrate.model import findings, names
from migrate.model.inventory import NAMESPACED_BEHAVIOR, PI_LABEL, Finding, Origin

UNSET_TYPE = -1  # "type" not written: 0 unless a patch of the same object says otherwise
TYPES = {0, 1, 2}


def identity_type(raw: Any) -> int | None:
    """0, 1 or 2 written as an int or a string of one digit; UNSET_TYPE when not written."""
    if raw is None or raw == "":
        return UNSET_TYPE
    if isinstance(raw, int) and not isinstance(raw, bool) and raw in TYPES:
        return raw
    if isinstance(raw, str) and raw in ("0", "1", "2"):
        return int(raw)
    return None


def object_names(kind: str, name: str, ns: str, origin: Origin) -> list[Finding]:
    out = []
    if not names.is_object_name(name):
        out.append(_name(kind, name, ns, origin, "name", name))
    if ns and not names.is_namespace(ns):
        out.append(_name(kind, name, ns, origin, "namespace", ns))
    return out


def service_account_name(
    kind: str, name: str, ns: str, origin: Origin, account: str
) -> list[Finding]:
    if not account or names.is_object_name(account):
        return []
    return [_name(kind, name, ns, origin, "serviceAccountName", account)]


def _name(kind: str, name: str, ns: str, origin: Origin, field: str, value: str) -> Finding:
    shown = value if len(value) <= 80 else value[:77] + "..."
    return findings.make(
        "invalid-name",
        origin,
        f"{kind}: {field} {shown!r} is not a valid Kubernetes name (lower-case letters, digits, "
        "'-' and '.'); nothing is planned from this object",
        f"fix {field} (Kubernetes would refuse the object as written) and plan again",
        f"{kind}/{ns}/{name}"[:200],
    )


def label_value(
    kind: str, name: str, ns: str, origin: Origin, field: str, value: str
) -> list[Finding]:
    if names.is_label_value(value):
        return []
    shown = value if len(value) <= 80 else value[:60] + f"... ({len(value)} characters)"
    return [
        findings.make(
            "invalid-label-value",
            origin,
            f"{kind} {ns}/{name}: {field} {shown!r} is not a valid label value (at most 63 "
            "letters, digits, '-', '_' or '.', starting and ending with a letter or digit); "
            "no pod can carry it, nothing is planned from it",
            f"fix {field} and the {PI_LABEL} labels that should match it, then plan again",
            f"{kind}/{ns}/{name}"[:200],
        )
    ]


def shape(
    kind: str, name: str, ns: str, origin: Origin, obj: Any, path: tuple[str, ...]
) -> list[Finding]:
    """Each step of PATH (and the pod spec under it) is a mapping, or absent."""
    current = obj
    for depth, key in enumerate((*path, "spec")):
        current = current.get(key) if isinstance(current, dict) else None
        if current is None:
            return []
        if not isinstance(current, dict):
            what = "a list" if isinstance(current, list) else f"a {type(current).__name__}"
            where = ".".join((*path, "spec")[: depth + 1])
            return [
                findings.make(
                    "invalid-object",
                    origin,
                    f"{kind} {ns}/{name}: {where} is {what}, not a mapping; "
                    "nothing is planned from this object",
                    f"fix {where} (Kubernetes would refuse the object as written)",
                    f"{kind}/{ns}/{name}"[:200],
                )
            ]
    return []


def behavior(name: str, ns: str, origin: Origin, annotations: Any) -> tuple[bool, list[Finding]]:
    """Namespaced only for the exact string Pod Identity compares with (DOMAIN.md §1)."""
    value = annotations.get(NAMESPACED_BEHAVIOR) if isinstance(annotations, dict) else None
    if value == "namespaced":
        return True, []
    if isinstance(value, str) and value.strip().lower() == "namespaced":
        return False, [
            findings.make(
                "behavior-spelling",
                origin,
                f"AzureIdentity {ns}/{name}: annotation {NAMESPACED_BEHAVIOR}: {value!r} is not "
                "'namespaced' (Pod Identity compares the exact string), so its bindings serve "
                "pods in every namespace, and the plan does the same",
                "write 'namespaced' if the identity should serve only its own namespace "
                "(then check that Pod Identity behaves so today), and plan again",
                f"AzureIdentity/{ns}/{name}",
            )
        ]
    return False, []
