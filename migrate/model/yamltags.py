"""PyYAML's implicit-tag resolver, remembered.

The C loader and the C dumper ask PyYAML's Python resolver (a list of regular expressions
per first character) for the tag of every scalar, and a repo or a plan repeats the same keys
and values thousands of times. The safe loader and dumper have no path resolvers, so a tag
depends on (value, implicit) alone and can be remembered (scalars only: a collection's tag
needs no regular expression).
"""

from __future__ import annotations

import io
from typing import Any

import yaml

REMEMBERED_MAX = 64  # scalars up to this length have their tag remembered
REMEMBERED_ENTRIES = 100_000  # and the memory is forgotten when it holds this many
_TAGS: dict[tuple[str, Any], str] = {}

SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SafeDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class RememberedTags:
    """Mixed in before a PyYAML loader or dumper class."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is not yaml.ScalarNode or len(value) > REMEMBERED_MAX:
            return super().resolve(kind, value, implicit)  # type: ignore[misc, no-any-return]
        key = (value, implicit)
        tag = _TAGS.get(key)
        if tag is None:
            if len(_TAGS) >= REMEMBERED_ENTRIES:
                _TAGS.clear()
            tag = _TAGS[key] = super().resolve(kind, value, implicit)  # type: ignore[misc]
        return tag


class Loader(RememberedTags, SafeLoader):  # type: ignore[misc]
    """The safe loader (libyaml's where installed), tags remembered."""


class Dumper(RememberedTags, SafeDumper):  # type: ignore[misc]
    """The safe dumper (libyaml's where installed: the same text), tags remembered."""


STR, INT, BOOL, NULL = (f"tag:yaml.org,2002:{t}" for t in ("str", "int", "bool", "null"))
MAP, SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


class _NotPlain(Exception):
    pass


def dump(value: Any, width: int = 1000) -> str:
    """`yaml.safe_dump(value, sort_keys=False, width=width)`, byte for byte, written by libyaml, for
    plain data (str, int, bool, None, lists, dicts; no object twice, so no aliases): the
    nodes are built here, as SafeRepresenter builds them, without its per-value dispatch.
    Anything else goes to PyYAML's own emitter, as before: a lone scalar (which it ends with
    "...", libyaml does not), an empty key (it writes "? ''", libyaml "''")."""
    if not isinstance(value, (dict, list)):
        return yaml.dump(value, Dumper=yaml.SafeDumper, width=width)  # type: ignore[no-any-return]
    try:
        node = _node(value, set())
    except _NotPlain:
        return yaml.dump(value, Dumper=yaml.SafeDumper, sort_keys=False, width=width)  # type: ignore[no-any-return]
    stream = io.StringIO()
    dumper = Dumper(stream, default_flow_style=False, sort_keys=False, width=width)
    try:
        dumper.open()
        dumper.serialize(node)
        dumper.close()
    finally:
        dumper.dispose()
    return stream.getvalue()


def _node(value: Any, seen: set[int]) -> yaml.Node:
    if isinstance(value, str):
        return yaml.ScalarNode(STR, value)
    if value is None:
        return yaml.ScalarNode(NULL, "null")
    if value is True or value is False:
        return yaml.ScalarNode(BOOL, "true" if value else "false")
    if type(value) is int:
        return yaml.ScalarNode(INT, str(value))
    if type(value) in (dict, list):
        if id(value) in seen:  # the representer would write an anchor and an alias
            raise _NotPlain
        seen.add(id(value))
        if type(value) is dict:
            if "" in value:  # PyYAML writes "? ''" for it, libyaml "''"
                raise _NotPlain
            pairs = [(_node(k, seen), _node(v, seen)) for k, v in value.items()]
            return yaml.MappingNode(MAP, pairs, flow_style=False)
        return yaml.SequenceNode(SEQ, [_node(v, seen) for v in value], flow_style=False)
    raise _NotPlain
