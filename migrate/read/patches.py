"""Kustomize patches as partial objects, and the objects of a build each one applies to.

A strategic-merge patch is already a partial object. A JSON6902 patch (a list of ops) is
turned into one from its `add`/`replace` ops, which is all the inventory needs: labels,
annotations and the ServiceAccount of a pod template. Which objects a patch applies to
follows kustomize: without `target:`, the patch's kind, name and namespace match an
object's as written or as the layers below the patch made them (a patch that names no
namespace matches only objects that name none); with `target:`, its kind, name (a regular
expression), namespace and labelSelector.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from migrate.read.builds import Patch, View
from migrate.read.fields import mapping, string
from migrate.read.files import Document


@dataclass(frozen=True)
class Built:
    """One object of a build as read: where it is, and its names as written and as built."""

    view: View
    kind: str
    name: str  # as written
    namespace: str  # as written ("" when the file names none)
    labels: tuple[tuple[str, str], ...]
    built_name: str
    built_namespace: str

    def name_at(self, depth: int) -> str:
        return self.view.name(self.kind, self.name, depth)

    def namespace_at(self, depth: int) -> str:
        layers = self.view.layers[:depth]
        return next((la.namespace for la in reversed(layers) if la.namespace), self.namespace)


@dataclass(frozen=True)
class Partial:
    """What one patch document says about its target, as a partial object."""

    data: dict[str, Any]
    line: int  # where the document (or the first op that matters) starts
    kind: str
    name: str  # as written in the patch ("" for JSON6902)
    namespace: str


def partials(patch: Patch, doc: Document) -> Iterator[Partial]:
    data = doc.summary
    if isinstance(data, list) or patch.json6902:
        kind = dict(patch.target).get("kind", "")
        found = _from_ops(data if isinstance(data, list) else [], doc.node)
        if found is not None and kind:
            obj, line = found
            yield Partial({"kind": kind, **obj}, line, kind, "", "")
        return
    if not isinstance(data, dict):
        return
    meta = mapping(data.get("metadata"))
    kind = str(data.get("kind", "")) or dict(patch.target).get("kind", "")
    name, ns = string(meta.get("name")), string(meta.get("namespace"))
    if kind:
        yield Partial({**data, "kind": kind}, doc.line, kind, name, ns)


def targets(patch: Patch, part: Partial, objects: list[Built]) -> list[Built]:
    """The objects of the patch's build (within its layer's subtree) it applies to."""
    own = patch.view.layers
    depth_of = {id(o): len(o.view.layers) - len(own) for o in objects}
    mine = [o for o in objects if o.view.layers[len(o.view.layers) - len(own) :] == own]
    if patch.target:
        return [o for o in mine if _selected(dict(patch.target), o, depth_of[id(o)])]
    return [
        o
        for o in mine
        if o.kind == part.kind
        and part.name in (o.name, o.name_at(depth_of[id(o)]))
        and _same_namespace(part.namespace, (o.namespace, o.namespace_at(depth_of[id(o)])))
    ]


def _same_namespace(patch: str, written: tuple[str, ...]) -> bool:
    """kustomize matches a patch that names no namespace with an object in `default`."""
    return patch in written or (patch in ("", "default") and "default" in written)


def _selected(target: dict[str, str], o: Built, depth: int) -> bool:
    if target.get("kind") and target["kind"] != o.kind:
        return False
    name = target.get("name")
    if name and not any(_full_match(name, n) for n in (o.name, o.name_at(depth))):
        return False
    ns = target.get("namespace")
    if ns and ns not in (o.namespace, o.namespace_at(depth)):
        return False
    wanted = target.get("labelSelector")
    if wanted:
        labels = dict(o.labels)
        for term in wanted.split(","):
            key, _, value = term.strip().partition("=")
            if labels.get(key.strip()) != value.strip().lstrip("="):
                return False
    return True


def _full_match(pattern: str, name: str) -> bool:
    try:
        return re.fullmatch(pattern, name) is not None
    except re.error:
        return pattern == name


def _from_ops(ops: list[Any], node: yaml.Node) -> tuple[dict[str, Any], int] | None:
    """The object the `add`/`replace` ops build, and the line of the first of them."""
    out: dict[str, Any] = {}
    first = 0
    for i, op in enumerate(ops):
        if not isinstance(op, dict) or op.get("op") not in ("add", "replace"):
            continue
        path = op.get("path")
        if not isinstance(path, str) or not path.startswith("/"):
            continue
        keys = [k.replace("~1", "/").replace("~0", "~") for k in path[1:].split("/")]
        if any(k.isdigit() or k == "-" for k in keys):
            continue  # an item of a list: nothing the inventory reads
        current = out
        for key in keys[:-1]:
            current = current.setdefault(key, {})
            if not isinstance(current, dict):
                break
        else:
            value = op.get("value")
            current[keys[-1]] = (
                {**current.get(keys[-1], {}), **value}
                if isinstance(value, dict) and isinstance(current.get(keys[-1]), dict)
                else value
            )
            if not first and isinstance(node, yaml.SequenceNode) and i < len(node.value):
                first = node.value[i].start_mark.line + 1
    return (out, first) if out else None
