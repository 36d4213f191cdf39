"""Reading fields of Kubernetes objects held as plain dicts, whatever their spelling."""

from __future__ import annotations

from typing import Any

from migrate.model.inventory import Pairs


def fold(mapping: Any) -> dict[str, Any]:
    """A mapping with lower-cased keys, so any spelling of a field is found."""
    return {str(k).lower(): v for k, v in mapping.items()} if isinstance(mapping, dict) else {}


def pairs(mapping: Any) -> Pairs:
    if not isinstance(mapping, dict):
        return ()
    return tuple((str(k), text(v)) for k, v in mapping.items())


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def mapping(value: Any) -> dict[str, Any]:
    """VALUE when it is a mapping, else an empty one."""
    return value if isinstance(value, dict) else {}


def string(value: Any) -> str:
    """VALUE when it is a string, else "" (a name or namespace written as a number is none)."""
    return value if isinstance(value, str) else ""


def dig(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj
