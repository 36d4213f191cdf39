"""Find the document and node of a plan's target object in a file's text."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import yaml

from migrate.model.inventory import CHART_VALUES, ObjectRef
from migrate.read.files import Document, ParseError, check, child, parse
from migrate.write.rewrite.edits import RewriteError

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Located:
    """One object in a file: its document, its mapping node, and its path in the document."""

    doc: Document
    node: yaml.MappingNode
    prefix: Path  # () for a document, ("items", i) for an item of a `kind: List`

    @property
    def line(self) -> int:
        return int(self.node.start_mark.line) + 1


def documents(file: str, text: str) -> list[Document]:
    try:
        return parse(file, text)
    except ParseError as e:
        raise RewriteError(f"{e}: the file is not valid YAML any more") from None


def still_yaml(file: str, text: str) -> None:
    """What `documents` raises for TEXT, without keeping (or building) its nodes."""
    try:
        check(file, text)
    except ParseError as e:
        raise RewriteError(f"{e}: the file is not valid YAML any more") from None


def objects(doc: Document) -> Iterator[Located]:
    node = doc.node
    if not isinstance(node, yaml.MappingNode):
        return
    if scalar_of(child(node, "kind")) == "List":
        items = child(node, "items")
        if isinstance(items, yaml.SequenceNode):
            for i, item in enumerate(items.value):
                if isinstance(item, yaml.MappingNode):
                    yield Located(doc, item, ("items", i))
        return
    yield Located(doc, node, ())


def find(docs: list[Document], target: ObjectRef, hint: int = -1) -> Located | None:
    """The object TARGET names; the document index HINT wins a tie. A chart's values
    (CHART_VALUES) are the whole document HINT."""
    if target.kind == CHART_VALUES:
        doc = next((d for d in docs if d.index == max(hint, 0)), None)
        if doc is None or not isinstance(doc.node, yaml.MappingNode):
            return None
        return Located(doc, doc.node, ())
    found = [o for doc in docs for o in objects(doc) if _is(o.node, target)]
    found.sort(key=lambda o: o.doc.index != hint)
    return found[0] if found else None


def _is(node: yaml.MappingNode, target: ObjectRef) -> bool:
    if scalar_of(child(node, "kind")) != target.kind:
        return False
    meta = child(node, "metadata")
    if scalar_of(child(meta, "name") if meta is not None else None) != target.name:
        return False
    namespace = scalar_of(child(meta, "namespace")) if meta is not None else ""
    return not namespace or not target.namespace or namespace == target.namespace


def scalar_of(node: yaml.Node | None) -> str:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else ""


def at(node: yaml.Node, path: Path) -> yaml.Node | None:
    current: yaml.Node | None = node
    for key in path:
        if isinstance(key, int):
            seq = current.value if isinstance(current, yaml.SequenceNode) else []
            current = seq[key] if key < len(seq) else None
        else:
            current = child(current, key) if current is not None else None
        if current is None:
            return None
    return current


def labels(located: Located, template_path: tuple[str, ...]) -> dict[str, str]:
    node = at(located.node, (*template_path, "metadata", "labels"))
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {scalar_of(k): scalar_of(v) for k, v in node.value}
