"""Text facts of a YAML document: line ending, indentation style, and scalar quoting."""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

BOM = "\ufeff"
PLAIN_SAFE = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*\Z")
# words YAML 1.1 reads as booleans or null: never write them plain as strings
YAML11_WORDS = {
    "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~",
}  # fmt: skip


@dataclass(frozen=True)
class Layout:
    """How a document is indented, detected from its own nodes (docs/architecture.md)."""

    newline: str = "\n"
    step: int = 2  # spaces per mapping level (1-5 seen in the wild)
    seq_indent: int = 2  # dash column minus the parent key's column (0 = flush sequences)
    seq_offset: int = 2  # item content column minus the dash column ("- " or "-   ")


def newline_of(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def detect(text: str, node: yaml.Node) -> Layout:
    steps: list[int] = []
    seq_indents: list[int] = []
    offsets: list[int] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode) and not current.flow_style:
            for key, value in current.value:
                if value.start_mark.index < key.end_mark.index:
                    continue  # an alias: its marks are the anchor's
                column = key.start_mark.column
                if isinstance(value, yaml.MappingNode) and value.value and not value.flow_style:
                    inner = value.value[0][0].start_mark.column
                    if value.start_mark.line > key.start_mark.line and inner > column:
                        steps.append(inner - column)
                elif isinstance(value, yaml.SequenceNode) and value.value and not value.flow_style:
                    dash = dash_column(text, value.value[0])
                    if dash is not None:
                        seq_indents.append(dash - column)
                        offsets.append(value.value[0].start_mark.column - dash)
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode) and not current.flow_style:
            stack.extend(current.value)
    return Layout(
        newline=newline_of(text),
        step=_most_common(steps, 2),
        seq_indent=_most_common([i for i in seq_indents if i >= 0], 2),
        seq_offset=_most_common([o for o in offsets if o > 0], 2),
    )


def _most_common(values: list[int], default: int) -> int:
    if not values:
        return default
    return max(sorted(set(values)), key=values.count)


def dash_column(text: str, item: yaml.Node) -> int | None:
    """Column of the `-` before a block sequence item (None if not on the item's line)."""
    start = item.start_mark.index
    line_start = text.rfind("\n", 0, start) + 1
    head = text[line_start:start]
    stripped = head.rstrip()
    if not stripped.endswith("-"):
        return None
    return len(stripped) - 1


def scalar(value: str, quoted: bool = False) -> str:
    """VALUE as a YAML scalar: plain when that reads back as the same string, else "..."."""
    if not quoted and PLAIN_SAFE.match(value) and value.lower() not in YAML11_WORDS:
        return value
    return double_quoted(value)


def double_quoted(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def like(node: yaml.ScalarNode, value: str, quoted: bool) -> str:
    """VALUE written in the style of the scalar it replaces."""
    if node.style == "'":
        return "'" + value.replace("'", "''") + "'"
    if node.style == '"':
        return double_quoted(value)
    return scalar(value, quoted)


def line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def after_line(text: str, pos: int) -> int:
    """Offset just past the line break that ends the line holding POS (len(text) at EOF)."""
    end = text.find("\n", pos)
    return len(text) if end < 0 else end + 1


def only_space_before(text: str, pos: int) -> bool:
    return text[line_start(text, pos) : pos].strip() == ""
