"""The documents of a YAML stream as line ranges, for deleting or re-dumping whole ones."""

from __future__ import annotations

import re
from dataclasses import dataclass

from migrate.read.files import Document
from migrate.write.rewrite.edits import Edit

MARKER = re.compile(r"^---(?=[ \t]|\r?$)", re.M)
BARE_MARKER = re.compile(r"---[ \t]*(?:#.*)?\r?\n?\Z")
EMPTY_LINE = re.compile(r"[ \t]*(?:#.*|---[ \t]*(?:#.*)?|\.\.\.[ \t]*(?:#.*)?)?\r?\n?\Z")


@dataclass(frozen=True)
class Chunk:
    """The text between two `---` lines; chunk i > 0 follows the marker line at `marker`."""

    start: int
    end: int
    marker: int  # offset of the `---` line before it, -1 for the first chunk


def chunks(text: str) -> list[Chunk]:
    markers = [m.start() for m in MARKER.finditer(text)]
    out = [Chunk(0, markers[0] if markers else len(text), -1)]
    for i, marker in enumerate(markers):
        start = text.find("\n", marker)
        start = len(text) if start < 0 else start + 1
        end = markers[i + 1] if i + 1 < len(markers) else len(text)
        out.append(Chunk(start, end, marker))
    return out


def chunk_of(text: str, doc: Document, all_chunks: list[Chunk]) -> int:
    line_start = _line_offset(text, doc.node.start_mark.line)
    return max(i for i, c in enumerate(all_chunks) if c.marker <= line_start)


def _line_offset(text: str, line: int) -> int:
    pos = 0
    for _ in range(line):
        pos = text.index("\n", pos) + 1
    return pos


def delete(text: str, indexes: set[int], why: str) -> list[Edit]:
    """Edits that remove the chunks INDEXES with one adjacent `---` line each."""
    all_chunks = chunks(text)
    out = []
    for i in sorted(indexes):
        chunk = all_chunks[i]
        if chunk.marker >= 0:
            out.append(Edit(chunk.marker, chunk.end, "", why))
            continue
        end = chunk.end
        following = all_chunks[1] if len(all_chunks) > 1 else None
        if following and 1 not in indexes and BARE_MARKER.match(text[end : following.start]):
            end = following.start
        out.append(Edit(0, end, "", why))
    return out


def is_empty(text: str) -> bool:
    """True when nothing but blank lines, comments and document markers is left."""
    return all(EMPTY_LINE.match(line) for line in text.splitlines(keepends=True))


def span(text: str, doc: Document) -> tuple[int, int]:
    """The document's own text: from its first node's line to the end of its chunk."""
    all_chunks = chunks(text)
    chunk = all_chunks[chunk_of(text, doc, all_chunks)]
    start = max(chunk.start, _line_offset(text, doc.node.start_mark.line))
    return start, chunk.end
