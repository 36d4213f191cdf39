"""Label and field selectors, as the API server parses and matches them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.fakes.kube_replies import (
    _bad_request,
)
from tests.fakes.kube_resources import (
    Object,
    Resource,
)

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
