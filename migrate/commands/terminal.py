"""Text for a person at a terminal: each line wrapped at spaces to the terminal's width (an
identifier is never split: one wider than the terminal stands alone on its line). A pipe, a
file or a CI log gets the lines as they are (grep finds a name with its context)."""

from __future__ import annotations

import os
import sys
from typing import TextIO

import click


def width(stream: TextIO) -> int | None:
    """The columns of the terminal STREAM writes to; None when it is no terminal."""
    try:
        return os.get_terminal_size(stream.fileno()).columns if stream.isatty() else None
    except (OSError, ValueError, AttributeError):
        return None


def fitted(text: str, stream: TextIO) -> list[str]:
    """TEXT's lines for STREAM; on a terminal a continued line is indented four more."""
    columns = width(stream)
    if columns is None:
        return text.splitlines()
    from migrate.write import report_text

    lines = []
    for raw in text.splitlines():
        indent = raw[: len(raw) - len(raw.lstrip())]
        lines += report_text.wrap(raw.strip(), columns, indent, hanging="    ")
    return lines


def note(text: str) -> None:
    """TEXT on stderr, fitted to it."""
    for line in fitted(text, sys.stderr):
        click.echo(line, err=True)
