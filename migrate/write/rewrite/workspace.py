"""The files a rewrite touches, held in memory until the writer commits them all."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field

from migrate.read.files import Document
from migrate.write.rewrite.edits import Edit, RewriteError, apply
from migrate.write.rewrite.locate import documents, still_yaml
from migrate.write.rewrite.yamltext import BOM


@dataclass
class FileState:
    path: str
    original: bytes | None  # None: the file did not exist
    bom: bool = False
    text: str | None = None  # None: deleted, or not there
    passes: list[tuple[str, tuple[Edit, ...]]] = field(default_factory=list)  # (before, edits)
    notes: list[str] = field(default_factory=list)

    @property
    def new(self) -> bytes | None:
        if self.text is None:
            return None
        return ((BOM if self.bom else "") + self.text).encode("utf-8")

    @property
    def changed(self) -> bool:
        return self.new != self.original


class Workspace:
    def __init__(self, fingerprints: dict[str, str] | None = None) -> None:
        self._files: dict[str, FileState] = {}
        self._fingerprints = fingerprints or {}
        self._parsed: dict[str, tuple[str, list[Document]]] = {}

    def state(self, path: str) -> FileState:
        if path not in self._files:
            self._files[path] = self._load(path)
        return self._files[path]

    def _load(self, path: str) -> FileState:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return FileState(path, None)
        except OSError as e:
            raise RewriteError(f"{path}: cannot read: {e.strerror}") from None
        wanted = self._fingerprints.get(path)
        if wanted and hashlib.sha256(data).hexdigest()[:16] != wanted:
            raise RewriteError(f"{path} changed since the plan was made; plan again")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise RewriteError(f"{path}: not UTF-8 ({e.reason} at byte {e.start})") from None
        bom = text.startswith(BOM)
        return FileState(path, data, bom, text[1:] if bom else text)

    def exists(self, path: str) -> bool:
        return self.state(path).text is not None

    def text(self, path: str) -> str:
        text = self.state(path).text
        if text is None:
            raise RewriteError(f"{path}: no such file (or deleted by this rewrite)")
        return text

    def documents(self, path: str) -> list[Document]:
        text = self.text(path)
        cached = self._parsed.get(path)
        if cached is None or cached[0] is not text:
            cached = (text, documents(path, text))
            self._parsed[path] = cached
        return cached[1]

    def edit(self, path: str, edits: list[Edit]) -> str:
        """Apply EDITS; the result must still parse, or nothing is written at all."""
        state = self.state(path)
        before = self.text(path)
        after = apply(before, edits)
        if after != before:
            still_yaml(path, after)
            state.passes.append((before, tuple(edits)))
            state.text = after
        return after

    def create(self, path: str, text: str) -> None:
        state = self.state(path)
        if state.text is not None:
            raise RewriteError(f"{path} exists already: move it away or pick another --sa-name")
        still_yaml(path, text)
        state.text = text
        state.passes.append(("", (Edit(0, 0, text, "new file"),)))

    def delete(self, path: str) -> None:
        self.state(path).text = None

    def note(self, path: str, line: str) -> None:
        self.state(path).notes.append(line)

    def files(self) -> list[FileState]:
        return sorted(self._files.values(), key=lambda s: s.path)


def folder(path: str) -> str:
    return os.path.dirname(path) or "."
