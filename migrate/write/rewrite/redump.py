"""The logged fallback: re-dump one document with ruamel.yaml when splicing cannot work
(flow-style mappings like `labels: {app: web}`). Comments survive; layout may not."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from migrate.write.rewrite.edits import Edit
from migrate.write.rewrite.ops import (
    AppendItem,
    Op,
    Pairs,
    RemoveItems,
    RemovePair,
    Scalar,
    SetPairs,
)
from migrate.write.rewrite.yamltext import Layout


def document(text: str, layout: Layout, ops: Sequence[Op], why: str) -> str:
    """TEXT (one document) with OPS applied, re-dumped."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold long lines
    yaml.indent(
        mapping=layout.step,
        sequence=layout.seq_indent + layout.seq_offset,
        offset=layout.seq_indent,
    )
    data = yaml.load(text)
    for op in ops:
        _apply(data, op)
    out = io.StringIO()
    yaml.dump(data, out)
    dumped = out.getvalue()
    if layout.newline != "\n":
        dumped = dumped.replace("\n", layout.newline)
    return dumped


def edit(text: str, start: int, end: int, layout: Layout, ops: Sequence[Op], why: str) -> Edit:
    return Edit(start, end, document(text[start:end], layout, ops, why), why)


def _apply(data: Any, op: Op) -> None:
    from ruamel.yaml.comments import CommentedMap

    if isinstance(op, SetPairs):
        node = data
        for key in op.path:
            if isinstance(key, str) and node.get(key) is None:
                node[key] = CommentedMap()
            node = node[key]
        for key, value in op.pairs:
            existing = next((k for k in node if op.fold and str(k).lower() == key.lower()), key)
            node[existing] = _scalar(value)
    elif isinstance(op, RemovePair):
        node = _at(data, op.path)
        if node is not None and op.key in node:
            del node[op.key]
    elif isinstance(op, AppendItem):
        *head, last = op.path
        parent = _at(data, tuple(head))
        if parent.get(last) is None:
            parent[last] = []
        item = _scalar(op.item) if isinstance(op.item, Scalar) else _mapping(op.item)
        if item not in parent[last]:
            parent[last].append(item)
    elif isinstance(op, RemoveItems):
        seq = _at(data, op.path)
        for index in sorted(set(op.indexes), reverse=True):
            del seq[index]


def _at(data: Any, path: tuple[str | int, ...]) -> Any:
    for key in path:
        data = data[key] if isinstance(key, int) else data.get(key)
        if data is None:
            return None
    return data


def _scalar(value: Scalar) -> Any:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if value.plain:  # a bool flag
        return value.value == "true"
    return DoubleQuotedScalarString(value.value) if value.quoted else value.value


def _mapping(pairs: Pairs) -> Any:
    from ruamel.yaml.comments import CommentedMap

    return CommentedMap((k, _scalar(v)) for k, v in pairs)
