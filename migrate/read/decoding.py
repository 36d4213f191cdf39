"""Bytes to text: UTF-8 (with or without a BOM) and UTF-16 (a BOM, or the NUL pattern of
ASCII text without one). Anything else is reported with the line of the first bad byte,
never read with replacement characters."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

UTF8 = "utf-8"


@dataclass(frozen=True)
class Decoded:
    text: str  # without the BOM
    encoding: str  # "utf-8", "utf-16-le" or "utf-16-be": how to write the text back
    bom: bool


class Undecodable(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line, self.reason = line, reason


def encoding_of(data: bytes) -> tuple[str, bool]:
    """(encoding, has a BOM) of DATA, from its first bytes."""
    if data.startswith(codecs.BOM_UTF8):
        return UTF8, True
    if data.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", True
    if data.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", True
    head = data[:4]
    if len(head) == 4 and head[1] == head[3] == 0 and head[0] and head[2]:
        return "utf-16-le", False
    if len(head) == 4 and head[0] == head[2] == 0 and head[1] and head[3]:
        return "utf-16-be", False
    return UTF8, False


def decode(data: bytes) -> Decoded:
    encoding, bom = encoding_of(data)
    body = data[{UTF8: 3}.get(encoding, 2) :] if bom else data
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as e:
        line = body[: e.start].count(b"\n" if encoding == UTF8 else "\n".encode(encoding)) + 1
        raise Undecodable(
            line,
            f"not {encoding.upper()} (byte {body[e.start]:#04x} at offset {e.start}); "
            "save the file as UTF-8",
        ) from None
    return Decoded(text, encoding, bom)


def encode(text: str, encoding: str, bom: bool) -> bytes:
    marks = {UTF8: codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE}
    return (marks.get(encoding, codecs.BOM_UTF16_BE) if bom else b"") + text.encode(encoding)
