"""Keep kustomization.yaml files in step with files the rewrite creates or deletes."""

from __future__ import annotations

import os
from collections.abc import Sequence

import yaml

from migrate.read.files import child
from migrate.read.kustomize import KUSTOMIZATION_NAMES
from migrate.write.rewrite.locate import scalar_of
from migrate.write.rewrite.ops import AppendItem, RemoveItems, Scalar
from migrate.write.rewrite.workspace import Workspace, folder

LISTS = ("resources", "patchesStrategicMerge", "components", "bases")  # entries are paths
PATCH_LISTS = ("patches", "patchesJson6902")  # entries are mappings with a `path`


def in_folder(ws: Workspace, where: str) -> str | None:
    for name in KUSTOMIZATION_NAMES:
        path = os.path.join(where, name) if where != "." else name
        if ws.exists(path):
            return path
    return None


def add_resource(ws: Workspace, new_file: str) -> tuple[str, AppendItem] | None:
    """The op that lists NEW_FILE in `resources:` of its folder's kustomization, if any."""
    kustomization = in_folder(ws, folder(new_file))
    if kustomization is None:
        return None
    return kustomization, AppendItem(("resources",), Scalar(os.path.basename(new_file)))


def drop_references(
    ws: Workspace, deleted: str, roots: Sequence[str]
) -> list[tuple[str, RemoveItems]]:
    """Ops removing DELETED from the kustomizations of its folder and the folders above."""
    target = os.path.abspath(deleted)
    out = []
    for where in _folders_up(folder(deleted), roots):
        kustomization = in_folder(ws, where)
        if kustomization is None:
            continue
        docs = ws.documents(kustomization)
        root = docs[0].node if docs else None
        if not isinstance(root, yaml.MappingNode):
            continue
        base = os.path.dirname(os.path.abspath(kustomization))
        for key in (*LISTS, *PATCH_LISTS):
            seq = child(root, key)
            if not isinstance(seq, yaml.SequenceNode):
                continue
            hits = tuple(
                i
                for i, item in enumerate(seq.value)
                if os.path.abspath(os.path.join(base, _entry(item, key))) == target
            )
            if hits:
                out.append((kustomization, RemoveItems((key,), hits)))
    return out


def drop_entry(ws: Workspace, kustomization: str, entry: str) -> RemoveItems | None:
    """The op removing ENTRY (a URL, as written) from the kustomization's `resources:`."""
    docs = ws.documents(kustomization) if ws.exists(kustomization) else []
    root = docs[0].node if docs else None
    seq = child(root, "resources") if isinstance(root, yaml.MappingNode) else None
    if not isinstance(seq, yaml.SequenceNode):
        return None
    hits = tuple(i for i, item in enumerate(seq.value) if scalar_of(item) == entry)
    return RemoveItems(("resources",), hits) if hits else None


def _entry(item: yaml.Node, key: str) -> str:
    if key in PATCH_LISTS:
        return scalar_of(child(item, "path")) or "\0"
    return scalar_of(item) or "\0"


def _folders_up(start: str, roots: Sequence[str]) -> list[str]:
    tops = [os.path.abspath(r if os.path.isdir(r) else os.path.dirname(r) or ".") for r in roots]
    out, current = [start], start
    while os.path.abspath(current) not in tops:
        parent = os.path.dirname(current)
        if (
            not parent
            or parent == current
            or not any(os.path.abspath(parent).startswith(t) for t in tops)
        ):
            break
        out.append(parent)
        current = parent
    return out


def is_empty(ws: Workspace, kustomization: str) -> bool:
    docs = ws.documents(kustomization)
    data = docs[0].data if docs else None
    return isinstance(data, dict) and not any(data.get(k) for k in (*LISTS, *PATCH_LISTS))
