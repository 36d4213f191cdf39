"""Patch algorithms of the Kubernetes API server, used by the fake in kube_apiserver.py.

- merge_patch: RFC 7386 JSON merge patch.
- strategic_merge_patch: the part of Kubernetes' strategic merge patch the toolkit relies on
  (maps merge, null deletes, lists with a merge key merge by it, `$patch: delete|replace`,
  `$deleteFromPrimitiveList/<field>`; other lists are replaced).
- json_patch: RFC 6902 (add, remove, replace, move, copy, test).
- fields_v1: the managedFields `fieldsV1` set of an applied configuration.

Every function is pure: inputs are never modified, results share no structure with them.
"""

from __future__ import annotations

import copy
import json
from typing import Any

# Merge keys of the lists the API server merges element-wise (patchMergeKey in the Go types).
MERGE_KEYS: dict[str, str] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "volumes": "name",
    "env": "name",
    "volumeMounts": "mountPath",
    "ports": "containerPort",
    "imagePullSecrets": "name",
    "ownerReferences": "uid",
    "conditions": "type",
    "hostAliases": "ip",
}
# Lists of scalars with patchStrategy "merge": the patch adds values instead of replacing.
PRIMITIVE_MERGE_LISTS = frozenset({"finalizers"})

_DELETE_FROM = "$deleteFromPrimitiveList/"
_IGNORED_DIRECTIVES = ("$setElementOrder/", "$retainKeys")


class PatchError(ValueError):
    """The patch cannot be applied to this object (the API server answers 422)."""


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, null removes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def strategic_merge_patch(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Kubernetes strategic merge patch for the fields listed in MERGE_KEYS."""
    return _merge_map(copy.deepcopy(target), patch)


def _merge_map(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    if patch.get("$patch") == "replace":
        replacement: dict[str, Any] = _strip_directives(patch)
        return replacement
    for key, value in patch.items():
        if key == "$patch" or key.startswith(_IGNORED_DIRECTIVES):
            continue
        if key.startswith(_DELETE_FROM):
            field = key[len(_DELETE_FROM) :]
            target[field] = [item for item in target.get(field) or [] if item not in value]
        elif value is None or (isinstance(value, dict) and value.get("$patch") == "delete"):
            target.pop(key, None)
        elif isinstance(value, dict):
            current = target.get(key)
            target[key] = _merge_map(current if isinstance(current, dict) else {}, value)
        elif isinstance(value, list) and key in MERGE_KEYS:
            target[key] = _merge_list(target.get(key) or [], value, MERGE_KEYS[key])
        elif isinstance(value, list) and key in PRIMITIVE_MERGE_LISTS:
            current_items = list(target.get(key) or [])
            target[key] = current_items + [item for item in value if item not in current_items]
        else:
            target[key] = _strip_directives(value)
    return target


def _merge_list(target: list[Any], patch: list[Any], merge_key: str) -> list[Any]:
    replace = [isinstance(item, dict) and item.get("$patch") == "replace" for item in patch]
    if any(replace):
        return [
            _strip_directives(item) for item, drop in zip(patch, replace, strict=True) if not drop
        ]
    result = list(target)
    for item in patch:
        if not isinstance(item, dict) or merge_key not in item:
            raise PatchError(f"map in list must contain the merge key {merge_key!r}: {item!r}")
        index = next(
            (i for i, old in enumerate(result) if old.get(merge_key) == item[merge_key]), None
        )
        if item.get("$patch") == "delete":
            if index is not None:
                del result[index]
        elif index is None:
            result.append(_strip_directives(item))
        else:
            result[index] = _merge_map(result[index], item)
    return result


def _strip_directives(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _strip_directives(item)
            for key, item in value.items()
            if not key.startswith("$") and item is not None
        }
    if isinstance(value, list):
        return [_strip_directives(item) for item in value]
    return value


def json_patch(target: Any, operations: list[Any]) -> Any:
    """RFC 6902, applied to a copy; any failing operation fails the whole patch."""
    document = copy.deepcopy(target)
    for operation in operations:
        if not isinstance(operation, dict) or "op" not in operation or "path" not in operation:
            raise PatchError(f"invalid JSON patch operation: {operation!r}")
        document = _apply_operation(document, operation)
    return document


def _apply_operation(document: Any, operation: dict[str, Any]) -> Any:
    op, path = operation["op"], operation["path"]
    if op == "add":
        return _add(document, path, copy.deepcopy(_value(operation)))
    if op == "remove":
        _remove(document, path)
        return document
    if op == "replace":
        _remove(document, path)
        return _add(document, path, copy.deepcopy(_value(operation)))
    if op in ("move", "copy"):
        value = copy.deepcopy(_resolve(document, operation.get("from", "")))
        if op == "move":
            _remove(document, operation["from"])
        return _add(document, path, value)
    if op == "test":
        if _resolve(document, path) != _value(operation):
            raise PatchError(f"test operation failed at {path!r}")
        return document
    raise PatchError(f"unknown JSON patch operation {op!r}")


def _value(operation: dict[str, Any]) -> Any:
    if "value" not in operation:
        raise PatchError(f"{operation['op']} operation at {operation['path']!r} has no value")
    return operation["value"]


def _split_pointer(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PatchError(f"invalid JSON pointer {pointer!r}")
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]


def _resolve(document: Any, pointer: str) -> Any:
    for part in _split_pointer(pointer):
        document = _child(document, part, pointer)
    return document


def _child(container: Any, part: str, pointer: str) -> Any:
    if isinstance(container, dict) and part in container:
        return container[part]
    if isinstance(container, list) and part.isdigit() and int(part) < len(container):
        return container[int(part)]
    raise PatchError(f"path {pointer!r} does not exist")


def _parent(document: Any, pointer: str) -> tuple[Any, str]:
    parts = _split_pointer(pointer)
    if not parts:
        raise PatchError("the whole document cannot be removed")
    parent = document
    for part in parts[:-1]:
        parent = _child(parent, part, pointer)
    return parent, parts[-1]


def _add(document: Any, pointer: str, value: Any) -> Any:
    if pointer == "":
        return value
    parent, last = _parent(document, pointer)
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list) and last == "-":
        parent.append(value)
    elif isinstance(parent, list) and last.isdigit() and int(last) <= len(parent):
        parent.insert(int(last), value)
    else:
        raise PatchError(f"path {pointer!r} does not exist")
    return document


def _remove(document: Any, pointer: str) -> None:
    parent, last = _parent(document, pointer)
    _child(parent, last, pointer)
    if isinstance(parent, dict):
        del parent[last]
    else:
        del parent[int(last)]


def fields_v1(applied: dict[str, Any]) -> dict[str, Any]:
    """The field set of an applied configuration, in the managedFields FieldsV1 encoding."""
    fields = {key: value for key, value in applied.items() if key not in ("apiVersion", "kind")}
    return _field_set(fields)


def _field_set(value: Any, key: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        return {f"f:{name}": _field_set(item, name) for name, item in value.items()}
    merge_key = MERGE_KEYS.get(key)
    if isinstance(value, list) and merge_key:
        return {
            "k:" + json.dumps({merge_key: item.get(merge_key)}, separators=(",", ":")): {
                ".": {},
                **_field_set(item),
            }
            for item in value
            if isinstance(item, dict)
        }
    return {}
