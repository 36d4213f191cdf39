"""Finding manifest files, and parsing them into documents that keep their lines.

Parsing uses PyYAML's C loader; each document keeps its node tree so that a line can
be found for any key without a second parse (docs/architecture.md#rewriting-files).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from migrate.errors import UserError
from migrate.model import progress
from migrate.model.yamltags import Loader
from migrate.read import decoding, values
from migrate.read.decoding import Decoded

YAML_SUFFIXES = (".yaml", ".yml")
# files read as bytes and searched for Pod Identity's markers, parsed only when they have one:
# Helm helpers and templated manifests, Terraform, Bicep, JSON (ARM, JSON manifests)
MARKED_SUFFIXES = (".tpl", ".tf", ".bicep", ".json")
# keys whose values no inventory record reads: left out of Document.summary, which makes
# reading a big repo fast, and keeps Secret and ConfigMap contents out of memory
PRUNED_KEYS = frozenset(
    {
        "env",
        "envFrom",
        "args",
        "command",
        "livenessProbe",
        "readinessProbe",
        "startupProbe",
        "resources",
        "ports",
        "volumeMounts",
        "lifecycle",
        "securityContext",
        "affinity",
        "tolerations",
        "topologySpreadConstraints",
        "data",
        "binaryData",
        "stringData",
        "rules",
    }
)
ANCHOR = re.compile(r"(?:^|[\s\[{,])&[^\s,\[\]{}]")  # `&name`, not `a&b` in a URL
SUFFIXES = YAML_SUFFIXES + MARKED_SUFFIXES
SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".terraform"}
STDIN = "-"


@dataclass(frozen=True)
class SourceFile:
    path: str  # as shown to the user: relative to the scanned root, or "-"
    full_path: str  # on disk ("" for stdin)
    data: bytes

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.data).hexdigest()[:16]

    @functools.cached_property
    def decoded(self) -> Decoded:
        """The text; raises decoding.Undecodable."""
        return decoding.decode(self.data)

    def text(self) -> str:
        return self.decoded.text

    @functools.cached_property
    def searchable(self) -> bytes:
        """The bytes to look for markers in: UTF-8 whatever the file's encoding."""
        if decoding.encoding_of(self.data)[0] == decoding.UTF8:
            return self.data
        try:
            return self.decoded.text.encode()
        except decoding.Undecodable:
            return self.data


@dataclass
class Document:
    """One YAML document: its node tree, and its data built only when asked for."""

    file: str
    index: int
    line: int  # 1-based line of the document's first node
    node: yaml.Node
    text: str = field(repr=False)  # the document's own text

    @functools.cached_property
    def data(self) -> Any:
        # constructing is most of a parse's cost: only documents that matter pay it
        return values.build(self.node)

    @functools.cached_property
    def summary(self) -> Any:
        """The data without PRUNED_KEYS: all that inventory records need. Raises
        values.BadValue (a yaml.MarkedYAMLError) naming the line of the culprit."""
        return values.build(self.node, PRUNED_KEYS)

    @property
    def kind(self) -> str:
        kind = child(self.node, "kind")
        return str(kind.value) if isinstance(kind, yaml.ScalarNode) else ""

    def mentions_any(self, words: Sequence[str]) -> bool:
        return any(word in self.text for word in words)


class ParseError(Exception):
    def __init__(self, file: str, line: int, problem: str) -> None:
        super().__init__(f"{file}:{line}: {problem}")
        self.file, self.line, self.problem = file, line, problem


def walk(paths: Sequence[str]) -> Iterator[SourceFile]:
    """Every YAML file under PATHS (files, directories, or "-" for stdin), and every file
    that may mention Pod Identity in another form (MARKED_SUFFIXES), sorted."""
    forget_paths()  # a new run: folders may have moved since the last
    for given in paths:
        if given == STDIN:
            yield SourceFile(STDIN, "", sys.stdin.buffer.read())
            continue
        root = Path(given)
        if root.is_file():
            yield SourceFile(str(root), str(root), _read(str(root)))
        elif root.is_dir():
            for full in progress.track(_yaml_files(root), f"reading {given}"):
                yield SourceFile(full, full, _read(full))
        else:
            raise UserError(f"{given}: no such file or directory", "pass a file, a folder or -")


def source(path: str) -> SourceFile:
    """One file read by path (a kustomize base out of PATH)."""
    return SourceFile(path, path, _read(path))


def _yaml_files(root: Path) -> list[str]:
    """Paths as `str(Path(folder, name))` would print them, in the order of sorted Paths
    (part by part), built as plain strings: one Path per scan, not per file. Walks as
    os.walk does (links to folders are not followed, unreadable folders are skipped), with
    os.scandir's entries, which know a link without a stat."""
    found: list[str] = []
    links: set[str] = set()
    folders = [str(Path(root, "x"))[:-1]]  # "" for ".", "a/b/" otherwise
    while folders:
        prefix = folders.pop()
        try:
            entries = list(os.scandir(prefix or os.curdir))
        except OSError:
            continue
        for entry in entries:
            path = prefix + entry.name
            if entry.is_dir():
                if entry.name not in SKIP_DIRS and not entry.is_symlink():
                    folders.append(path + os.sep)
            elif entry.name.endswith(SUFFIXES):
                found.append(path)
                if entry.is_symlink():
                    links.add(path)
    # a symlink to a file read anyway is that file: reading it twice would plan (and
    # rewrite) its objects twice; its edits go to the file, the link stays a link
    if links:
        real = {real_path(p) for p in found if p not in links}
        found = [p for p in found if not (p in links and os.path.realpath(p) in real)]
    return sorted(found, key=_parts)


@functools.lru_cache(maxsize=65536)
def _real_folder(folder: str) -> str:
    return os.path.realpath(folder)


@functools.lru_cache(maxsize=65536)
def real_path(path: str) -> str:
    """os.path.realpath(PATH), resolving each folder once per run (a repo has thousands of
    files in hundreds of folders): PATH's own link, if it is one, is always followed.
    forget_paths() starts afresh (a new run, or a test that moves links around)."""
    folder, name = os.path.split(path)
    if name in ("", ".", "..") or os.path.islink(path):
        return os.path.realpath(path)
    return os.path.join(_real_folder(folder or os.curdir), name)


@functools.lru_cache(maxsize=65536)
def is_chart(folder: str) -> bool:
    """FOLDER holds a Chart.yaml: a Helm chart's root (asked once per folder per run)."""
    return os.path.isfile(os.path.join(folder, "Chart.yaml"))


def forget_paths() -> None:
    _real_folder.cache_clear()
    real_path.cache_clear()
    is_chart.cache_clear()


def _parts(path: str) -> list[str]:
    return path.split(os.sep)


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError as e:
        raise UserError(
            f"{path}: cannot read: {e.strerror}", "check the file's permissions"
        ) from None


def parse(file: str, text: str) -> list[Document]:
    """All documents of a YAML stream, with their nodes; raises ParseError."""
    loader = Loader(text)
    docs: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:  # pragma: no cover
                continue
            span = text[node.start_mark.index : node.end_mark.index]
            if "*" in span and ANCHOR.search(span):  # no anchor, no alias
                values.check_aliases(node)
            docs.append(Document(file, len(docs), node.start_mark.line + 1, node, span))
    except yaml.YAMLError as e:
        raise _parse_error(file, e) from None
    finally:
        loader.dispose()
    return docs


def check(file: str, text: str) -> None:
    """Raise the ParseError `parse` would, without building nodes: libyaml's parser alone
    (several times faster), unless the text may hold anchors or aliases, which only the
    composer checks."""
    if "&" in text or "*" in text or not hasattr(Loader, "raw_parse"):
        parse(file, text)
        return
    loader = Loader(text)
    try:
        loader.raw_parse()
    except yaml.YAMLError as e:
        raise _parse_error(file, e) from None
    finally:
        loader.dispose()


def _parse_error(file: str, e: yaml.YAMLError) -> ParseError:
    if isinstance(e, yaml.MarkedYAMLError):
        mark = e.problem_mark or e.context_mark
        return ParseError(file, mark.line + 1 if mark else 0, e.problem or str(e))
    return ParseError(file, 0, str(e))  # pragma: no cover - errors without a mark


def child(node: yaml.Node, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v  # type: ignore[no-any-return]
    return None


def node_at(node: yaml.Node, path: Sequence[str]) -> yaml.Node | None:
    current: yaml.Node | None = node
    for key in path:
        if current is None:
            return None
        current = child(current, key)
    return current


def mentions(node: yaml.Node, needle: str) -> Iterator[tuple[int, str, bool]]:
    """(line, text, is_key) of every scalar (key or value) containing NEEDLE."""
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, is_key = stack.pop()
        if isinstance(current, yaml.ScalarNode):
            if needle in current.value:
                yield current.start_mark.line + 1, current.value, is_key
        elif isinstance(current, yaml.MappingNode):
            for k, v in reversed(current.value):
                stack.extend(((v, False), (k, True)))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((item, False) for item in reversed(current.value))
