"""The fields a stage changed in an object (before-image against after-image), and what putting
them back takes: rollback restores those fields only, so a later change to any other field
(an image, replicas) survives, and a later change to one of them is a conflict."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from migrate.kubeapi.client import Object

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "(absent)"})()
FieldPath = tuple[str, ...]
SERVER_SET = frozenset(
    {
        *("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields"),
        *("deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"),
    }
)


@dataclass(frozen=True)
class Change:
    path: FieldPath
    before: Any  # MISSING when the field was added
    after: Any  # MISSING when the field was removed

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


def changes(before: Object | None, after: Object | None) -> list[Change]:
    """Every leaf field that differs (lists compare whole: JSON merge patch replaces them)."""
    return list(_walk(before or {}, after or {}, ()))


def _walk(a: Any, b: Any, path: FieldPath) -> Iterator[Change]:
    if _ignored(path):
        return
    if _mapping(a) and _mapping(b) and (isinstance(a, dict) or isinstance(b, dict)):
        left = a if isinstance(a, dict) else {}
        right = b if isinstance(b, dict) else {}
        for key in sorted(set(left) | set(right)):
            yield from _walk(left.get(key, MISSING), right.get(key, MISSING), (*path, key))
    elif a != b:
        yield Change(path, a, b)


def _mapping(value: Any) -> bool:
    return isinstance(value, dict) or value is MISSING


def _ignored(path: FieldPath) -> bool:
    return path == ("status",) or (
        len(path) == 2 and path[0] == "metadata" and path[1] in SERVER_SET
    )


def at(obj: Object | None, path: FieldPath) -> Any:
    node: Any = obj if obj is not None else MISSING
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return MISSING
        node = node[key]
    return node


def restoring_patch(undo: list[Change]) -> Object:
    """A JSON merge patch that sets each field back to its before value (null: removed)."""
    patch: Object = {}
    for change in undo:
        node = patch
        for key in change.path[:-1]:
            node = node.setdefault(key, {})
        node[change.path[-1]] = None if change.before is MISSING else change.before
    return patch
