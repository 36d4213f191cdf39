"""The files a rewrite touches, held in memory until the writer commits them all."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field

from migrate.read.decoding import UTF8, Undecodable, decode, encode
from migrate.read.files import Document
from migrate.write.rewrite.edits import Edit, RewriteError, apply
from migrate.write.rewrite.locate import documents, still_yaml


@dataclass
class FileState:
    path: str
    original: bytes | None  # None: the file did not exist
    bom: bool = False
    encoding: str = UTF8  # written back in the encoding it was read in
    text: str | None = None  # None: deleted, or not there
    passes: list[tuple[str, tuple[Edit, ...]]] = field(default_factory=list)  # (before, edits)
    notes: list[str] = field(default_factory=list)
    errors: int = 0  # error findings of the plan (and rewrite) this text comes from

    @property
    def new(self) -> bytes | None:
        if self.text is None:
            return None
        return encode(self.text, self.encoding, self.bom)

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
            decoded = decode(data)
        except Undecodable as e:
            raise RewriteError(f"{path}: {e}") from None
        return FileState(path, data, decoded.bom, decoded.encoding, decoded.text)

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

    def revert(self, path: str) -> None:
        """Forget this rewrite's changes to PATH."""
        state = self.state(path)
        state.text = None if state.original is None else decode(state.original).text
        state.passes.clear()
        state.notes.clear()

    def delete(self, path: str) -> None:
        self.state(path).text = None

    def note(self, path: str, line: str) -> None:
        self.state(path).notes.append(line)

    def files(self) -> list[FileState]:
        return sorted(self._files.values(), key=lambda s: s.path)


def folder(path: str) -> str:
    return os.path.dirname(path) or "."
