"""What `kustomize build` of each top kustomization does to the objects of the files it reaches.

Without the kustomize binary: a kustomization's `resources:` (and `bases:`, `components:`)
are followed by relative path, recursively, also out of PATH; remote entries are noted. A
*top* kustomization is one that no other kustomization under PATH includes: each top is one
deployment, so a base reached by two overlays is read once per overlay and never on its own
(docs/gitops-guide.md#kustomize). What each layer does, innermost first, is a `Layer`:

- `namespace:` overrides every namespaced object's namespace, the outermost layer winning;
- `namePrefix`/`nameSuffix` wrap names, the outer layer's outside the inner's;
- patches (`patches:`, `patchesStrategicMerge:`, `patchesJson6902:`, files or inline) apply
  to the objects of the layer's own subtree (`Patch`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from migrate.read.fields import string
from migrate.read.files import Document, ParseError, child, forget_paths, parse, real_path
from migrate.read.kustomize import KUSTOMIZATION_NAMES

# a URL, a go-getter or git address: kustomize fetches it, this tool cannot
REMOTE = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://|git@|(?:github|gitlab)\.com/|bitbucket\.org/)|\?ref="
)
RESOURCE_LISTS = ("resources", "bases", "components")
CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "PriorityClass",
        "StorageClass",
    }
)


@dataclass(frozen=True)
class Layer:
    folder: str  # the kustomization's folder, as shown
    file: str  # the kustomization file, as shown
    namespace: str
    prefix: str
    suffix: str


@dataclass(frozen=True)
class View:
    """How one top build sees the objects of one file: its layers, innermost first."""

    top: str  # the top kustomization's folder, as shown
    layers: tuple[Layer, ...]

    def namespace(self, kind: str, own: str) -> str:
        if kind in CLUSTER_SCOPED:
            return own
        return next((layer.namespace for layer in reversed(self.layers) if layer.namespace), own)

    def name(self, kind: str, name: str, depth: int | None = None) -> str:
        """NAME after the first DEPTH layers (all of them by default)."""
        if kind == "CustomResourceDefinition" or kind == "Namespace":
            return name
        for layer in self.layers[:depth]:
            name = f"{layer.prefix}{name}{layer.suffix}"
        return name

    @property
    def affixes(self) -> tuple[str, str]:
        """The prefix and suffix a name written in this file gets in the build."""
        built = self.name("", "\0")
        prefix, _, suffix = built.partition("\0")
        return prefix, suffix


@dataclass(frozen=True)
class Patch:
    """A patch of one layer: a file, or inline text in the kustomization."""

    view: View  # of the declaring kustomization (its layers: it and those above it)
    depth: int  # layers of the top build below it (patches of deeper layers apply first)
    file: str  # as shown: the patch file, or the kustomization for an inline patch
    full_path: str
    text: str  # inline text ("" for a file)
    line: int  # line of the inline text in the kustomization
    target: tuple[tuple[str, str], ...]  # kind, name, namespace... of `target:`, if any
    json6902: bool  # `patchesJson6902:` (a `patches:` entry may be one too: see its text)


@dataclass(frozen=True)
class Remote:
    """A `resources:` entry the tool cannot read: a URL or a git address."""

    kustomization: str  # as shown
    line: int
    entry: str
    top: str
    layers: tuple[Layer, ...] = ()  # of the kustomization that lists it, innermost first


@dataclass
class _Kustomization:
    folder: str
    file: str
    data: dict[str, Any]
    doc: Document | None

    @property
    def layer(self) -> Layer:
        return Layer(
            self.folder,
            self.file,
            string(self.data.get("namespace")),
            string(self.data.get("namePrefix")),
            string(self.data.get("nameSuffix")),
        )

    def text_line(self, key: str, entry: dict[str, Any], line: int) -> int:
        """The first line of an entry's inline `patch:` text (a block scalar starts on the
        line after its `|`)."""
        node = child(self.doc.node, key) if self.doc else None
        items = self.data.get(key)
        if not isinstance(node, yaml.SequenceNode) or not isinstance(items, list):
            return line
        for item, item_node in zip(items, node.value, strict=False):
            if item is entry:
                text = child(item_node, "patch")
                if isinstance(text, yaml.ScalarNode):
                    block = text.style in ("|", ">")
                    return int(text.start_mark.line) + 1 + (1 if block else 0)
        return line

    def entries(self, key: str) -> Iterator[tuple[Any, int]]:
        """Each item of the list KEY, with its line."""
        node = child(self.doc.node, key) if self.doc else None
        items = self.data.get(key)
        if not isinstance(items, list):
            return
        lines = [
            n.start_mark.line + 1
            for n in (node.value if isinstance(node, yaml.SequenceNode) else [])
        ]
        for i, item in enumerate(items):
            yield item, lines[i] if i < len(lines) else 1


@dataclass
class Builds:
    """Every top build under the roots: which files they reach, and how."""

    views: dict[str, list[View]] = field(default_factory=dict)  # real path -> views
    shown: dict[str, str] = field(default_factory=dict)  # real path -> path as shown
    patches: dict[str, list[Patch]] = field(default_factory=dict)  # real path -> patches in it
    remotes: list[Remote] = field(default_factory=list)
    kustomizations: dict[str, _Kustomization] = field(default_factory=dict)  # real folder ->
    tops: list[str] = field(default_factory=list)
    _files_of: dict[str, list[str]] = field(default_factory=dict)  # top -> real paths

    def of(self, full_path: str) -> list[View]:
        return self.views.get(_real(full_path), []) if full_path else []

    def patches_in(self, full_path: str) -> list[Patch]:
        return self.patches.get(_real(full_path), []) if full_path else []

    def files_of(self, top: str) -> list[str]:
        """Real paths of the resource files one top build reaches."""
        return self._files_of.get(top, [])

    def outside(self, inside: Iterable[str]) -> list[str]:
        """Files the builds reach (resources and patch files) that are not among INSIDE
        (real paths): bases out of PATH, as shown."""
        known = set(inside)
        wanted = [*self.views, *(p for p in self.patches if p not in self.kustomizations_files)]
        return sorted({self.shown[p] for p in wanted if p not in known and p in self.shown})

    @property
    def kustomizations_files(self) -> set[str]:
        return {_real(k.file) for k in self.kustomizations.values()}


def scan_roots(roots: Iterable[str]) -> Builds:
    """The builds under ROOTS (folders or files), found on disk: for writers."""
    forget_paths()
    found = []
    for root in roots:
        top = root if os.path.isdir(root) else os.path.dirname(root) or "."
        for folder, dirs, names in os.walk(top):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(n for n in names if n in KUSTOMIZATION_NAMES):
                path = os.path.join(folder, name)
                try:
                    with open(path, encoding="utf-8-sig") as f:
                        found.append((path, f.read()))
                except (OSError, UnicodeDecodeError):
                    continue
    return scan(found)


def scan(found: Iterable[tuple[str, str]]) -> Builds:
    """FOUND: (path as shown, text) of each kustomization file under the roots."""
    builds = Builds()
    loaded = builds.kustomizations
    for shown, text in found:
        folder = os.path.dirname(shown) or "."
        loaded[_real(folder)] = _load(folder, shown, text)
    included: set[str] = set()
    for k in list(loaded.values()):
        for key in RESOURCE_LISTS:
            for entry, _ in k.entries(key):
                path = _join(k.folder, entry)
                if path and os.path.isdir(path):
                    included.add(_real(path))
    builds.tops = sorted(loaded[r].folder for r in loaded if r not in included)
    for top in builds.tops:
        _visit(builds, top, loaded[_real(top)], (), set())
    return builds


def _visit(
    builds: Builds, top: str, k: _Kustomization, outer: tuple[Layer, ...], seen: set[str]
) -> None:
    real = _real(k.folder)
    if real in seen:  # a cycle: kustomize refuses it, this tool stops there
        return
    seen = seen | {real}
    layers = (k.layer, *outer)
    view = View(top, layers)
    for key in RESOURCE_LISTS:
        for entry, line in k.entries(key):
            if not isinstance(entry, str):
                continue
            if REMOTE.search(entry):
                builds.remotes.append(Remote(k.file, line, entry, top, layers))
                continue
            path = _join(k.folder, entry)
            if os.path.isdir(path):
                inner = _kustomization_in(builds, path)
                if inner is not None:
                    _visit(builds, top, inner, layers, seen)
            elif os.path.isfile(path):
                _reach(builds, top, path, view)
    for patch in _patches(k, view, len(outer)):
        builds.patches.setdefault(_real(patch.full_path), []).append(patch)
        if not patch.text:
            builds.shown.setdefault(_real(patch.full_path), patch.file)


def _reach(builds: Builds, top: str, path: str, view: View) -> None:
    real = _real(path)
    views = builds.views.setdefault(real, [])
    if any(v.top == top for v in views):  # reached twice by one build: kustomize refuses
        return
    views.append(view)
    builds.shown.setdefault(real, path)
    builds._files_of.setdefault(top, []).append(real)


def _kustomization_in(builds: Builds, folder: str) -> _Kustomization | None:
    real = _real(folder)
    if real not in builds.kustomizations:
        for name in KUSTOMIZATION_NAMES:
            file = os.path.join(folder, name)
            if os.path.isfile(file):
                try:
                    with open(file, encoding="utf-8-sig") as f:
                        text = f.read()
                except (OSError, UnicodeDecodeError):
                    return None
                builds.kustomizations[real] = _load(folder, file, text)
                break
        else:
            return None
    return builds.kustomizations[real]


def _patches(k: _Kustomization, view: View, depth: int) -> Iterator[Patch]:
    for key in ("patches", "patchesStrategicMerge", "patchesJson6902"):
        for entry, line in k.entries(key):
            if isinstance(entry, str):  # patchesStrategicMerge: a path, or an inline patch
                if "\n" in entry or (":" in entry and not entry.endswith((".yaml", ".yml"))):
                    yield Patch(view, depth, k.file, k.file, entry, line, (), False)
                else:
                    yield _file_patch(k, view, depth, entry, (), False)
            elif isinstance(entry, dict):
                target = tuple(
                    (str(a), string(b))
                    for a, b in (entry.get("target") or {}).items()
                    if isinstance(entry.get("target"), dict)
                )
                json = key == "patchesJson6902"
                if isinstance(entry.get("patch"), str):
                    text = entry["patch"]
                    line = k.text_line(key, entry, line)
                    yield Patch(view, depth, k.file, k.file, text, line, target, json)
                elif isinstance(entry.get("path"), str):
                    yield _file_patch(k, view, depth, entry["path"], target, json)


def _file_patch(
    k: _Kustomization,
    view: View,
    depth: int,
    entry: str,
    target: tuple[tuple[str, str], ...],
    json: bool,
) -> Patch:
    path = _join(k.folder, entry)
    return Patch(view, depth, path, path, "", 0, target, json)


def _load(folder: str, shown: str, text: str) -> _Kustomization:
    try:
        docs = parse(shown, text)
    except ParseError:
        return _Kustomization(folder, shown, {}, None)
    doc = docs[0] if docs else None
    try:
        data = doc.data if doc is not None else {}
    except yaml.YAMLError:
        data = {}
    return _Kustomization(folder, shown, data if isinstance(data, dict) else {}, doc)


def _join(folder: str, entry: str) -> str:
    if not isinstance(entry, str) or not entry.strip():
        return ""
    return os.path.normpath(os.path.join(folder, entry.strip()))


def _real(path: str) -> str:
    return real_path(path)
