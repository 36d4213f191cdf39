"""Frozen dataclasses to plain data (camelCase keys) and back, driven by type hints.

Only what the plan needs: str, int, bool, optional values, nested dataclasses,
tuples of them, and `Pairs` (an ordered string mapping) written as a mapping.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from typing import Any


class DecodeError(ValueError):
    pass


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@functools.cache
def _hints(cls: type[Any]) -> dict[str, Any]:
    return typing.get_type_hints(cls)


@functools.cache
def _fields(cls: Any) -> tuple[tuple[str, str, bool], ...]:
    """(attribute, key, is Pairs) of each field of a dataclass, worked out once per class."""
    hints = _hints(cls)
    return tuple((f.name, camel(f.name), _is_pairs(hints[f.name])) for f in dataclasses.fields(cls))


def dump(obj: Any) -> Any:
    if isinstance(obj, (str, int, type(None))):  # bool is an int
        return obj
    if isinstance(obj, tuple):
        return [dump(v) for v in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {
            key: dump_pairs(value) if pairs else dump(value)
            for name, key, pairs in _fields(type(obj))
            for value in (getattr(obj, name),)
        }
    return obj


def json_text(value: Any) -> str:
    """`json.dumps(value, indent=2)`, byte for byte, several times faster for plain data
    (str, int, bool, None, lists, dicts with str keys): the standard library's indenting
    encoder is the pure-Python one. Anything else goes to json.dumps itself."""
    out: list[str] = []
    try:
        _json(value, "\n", out)
    except _NotPlain:
        return json.dumps(value, indent=2)
    return "".join(out)


class _NotPlain(Exception):
    pass


_QUOTED = json.encoder.encode_basestring_ascii  # the C one where the json module has it


def _json(value: Any, newline: str, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(_QUOTED(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif type(value) is int:
        out.append(int.__repr__(value))
    elif type(value) is dict:
        if not value:
            out.append("{}")
            return
        inner, separator = newline + "  ", "{"
        for key, item in value.items():
            if type(key) is not str:
                raise _NotPlain
            out.append(separator + inner + _QUOTED(key) + ": ")
            _json(item, inner, out)
            separator = ","
        out.append(newline + "}")
    elif type(value) in (list, tuple):
        if not value:
            out.append("[]")
            return
        inner, separator = newline + "  ", "["
        for item in value:
            out.append(separator + inner)
            _json(item, inner, out)
            separator = ","
        out.append(newline + "]")
    else:
        raise _NotPlain


def dump_pairs(pairs: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return dict(pairs)


def load_pairs(raw: Any, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, dict):
        raise DecodeError(f"{where}: expected a mapping")
    return tuple((str(k), str(v)) for k, v in raw.items())


def load(cls: Any, raw: Any, where: str) -> Any:
    if _is_pairs(cls):
        return load_pairs(raw, where)
    origin = typing.get_origin(cls)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(cls)
        if raw is None and type(None) in options:
            return None
        (inner,) = [o for o in options if o is not type(None)]
        return load(inner, raw, where)
    if origin is tuple:
        if not isinstance(raw, list):
            raise DecodeError(f"{where}: expected a list")
        item = typing.get_args(cls)[0]
        return tuple(load(item, v, f"{where}[{i}]") for i, v in enumerate(raw))
    if dataclasses.is_dataclass(cls):
        if not isinstance(raw, dict):
            raise DecodeError(f"{where}: expected a mapping")
        hints = _hints(typing.cast(type, cls))
        known = {camel(f.name): f.name for f in dataclasses.fields(cls)}
        unknown = set(raw) - set(known)
        if unknown:
            raise DecodeError(f"{where}: unknown field {sorted(unknown)[0]!r}")
        kwargs = {
            name: load(hints[name], raw[key], f"{where}.{key}")
            for key, name in known.items()
            if key in raw
        }
        try:
            return typing.cast(Any, cls)(**kwargs)
        except TypeError as e:
            raise DecodeError(f"{where}: {e}") from None
    if cls in (str, int, bool):
        if type(raw) is not cls:
            raise DecodeError(f"{where}: expected {cls.__name__}, got {raw!r}")
        return raw
    raise DecodeError(f"{where}: cannot load {cls!r}")  # pragma: no cover


def _is_pairs(tp: Any) -> bool:
    if typing.get_origin(tp) is not tuple:
        return False
    args = typing.get_args(tp)
    return len(args) == 2 and args[1] is Ellipsis and typing.get_args(args[0]) == (str, str)
