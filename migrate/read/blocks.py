"""Where a line of Terraform, Bicep or JSON sits: the blocks and arguments around it.

Found by brackets, not by a parser: strings and comments are blanked, each `{`, `[` or `(`
opens a frame named by the text before it on its line (`resource "helm_release" "web"`,
`set`, `values`, `properties`, or "" for a list element), and each closer ends one. A
frame keeps the simple arguments written directly in it (`name = "podLabels.x"`,
`namespace: 'apps'`). Terraform heredocs (`<<-EOT`) are kept whole, as text, for the YAML
they usually hold (docs/charts-values-iac.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

OPENERS, CLOSERS = "{[(", "}])"
HEREDOC = re.compile(r"<<-?\s*([A-Za-z_]\w*)\s*$")
ARGUMENT = re.compile(
    r"""["']?([\w.\-/]+)["']?\s*[=:]\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[\w.\-]+)"""
)
CALL = re.compile(r"^(.*?[=:])?\s*[\w.]+$")  # `body = jsonencode`: the call's name is no label


@dataclass
class Frame:
    label: str  # as written before its bracket, "" for a list element
    line: int
    parent: Frame | None = field(default=None, repr=False)
    # key -> (value as written, line): `"apps"`, `'apps'`, `true`, `var.namespace`
    arguments: dict[str, tuple[str, int]] = field(default_factory=dict)

    def path(self) -> tuple[Frame, ...]:
        frames: list[Frame] = []
        current: Frame | None = self
        while current is not None:
            frames.append(current)
            current = current.parent
        return tuple(reversed(frames))

    def literal(self, key: str) -> str:
        """The argument's value when it is a plain string, a number or a boolean, else ""
        (a reference such as var.namespace, an interpolation "${...}")."""
        written = self.arguments.get(key, ("", 0))[0]
        if written[:1] in "\"'":
            inner = written[1:-1]
            return "" if "${" in inner or "%{" in inner else inner
        return written if re.fullmatch(r"[\d.]+|true|false", written) else ""

    def template(self, key: str) -> str:
        """The argument as a template: a literal as it is, an interpolated string's text
        ("${var.tenant}-reports"), a reference as `${var.identity}`; "" when not written
        (model/placeholders.py: what is not literal is a placeholder)."""
        written = self.arguments.get(key, ("", 0))[0]
        if not written or written[:1] in "\"'":
            return written[1:-1]
        return written if re.fullmatch(r"[\d.]+|true|false", written) else "${" + written + "}"

    def line_of(self, key: str) -> int:
        return self.arguments.get(key, ("", self.line))[1]


@dataclass(frozen=True)
class Heredoc:
    frame: Frame | None  # where it is written
    argument: str  # `values`, `yaml_body`: the argument it is the value of
    line: int  # the line of its first text line
    text: str


@dataclass
class Scan:
    lines: list[tuple[int, str, Frame | None]]  # every line, with its innermost frame
    frames: list[Frame]  # every frame, in the order they opened
    heredocs: list[Heredoc]

    def at(self, number: int) -> Frame | None:
        return self.lines[number - 1][2]


def scan(text: str, quotes: str = "\"'", comments: tuple[str, ...] = ("#", "//")) -> Scan:
    """QUOTES: the string delimiters of the language; COMMENTS: its line-comment marks."""
    result = Scan([], [], [])
    top: Frame | None = None
    heredoc: tuple[str, str, int, list[str]] | None = None  # end, argument, line, text
    for number, line in enumerate(text.splitlines(), 1):
        if heredoc is not None:
            end, argument, first, body = heredoc
            if line.strip() == end:
                result.heredocs.append(Heredoc(top, argument, first, "\n".join(body) + "\n"))
                heredoc = None
            else:
                body.append(line)
            result.lines.append((number, line, top))
            continue
        blanked = blank(line, quotes, comments)
        start = 0
        owner = top  # the line's frame: the last one it opens, else the one it is in
        for index, char in enumerate(blanked):
            if char in OPENERS:
                _arguments(line[start:index], top, number)
                top = owner = Frame(_label(line[start:index], char), number, top)
                result.frames.append(top)
                start = index + 1
            elif char in CLOSERS:
                _arguments(line[start:index], top, number)
                top = top.parent if top is not None else None
                start = index + 1
        rest = line[start : len(blanked.rstrip())]
        found = HEREDOC.search(blanked)
        if found:
            argument = _label(rest[: rest.rfind("<<")]) or (top.label if top else "")
            heredoc = (found.group(1), argument, number + 1, [])
        else:
            _arguments(rest, top, number)
        result.lines.append((number, line, owner))
    return result


def frames_in(scan: Scan, outer: Frame) -> Iterator[Frame]:
    for frame in scan.frames:
        if outer in frame.path():
            yield frame


def blank(line: str, quotes: str, comments: tuple[str, ...]) -> str:
    """LINE with string contents and comments replaced by spaces (the same length)."""
    out, quote, i = [], "", 0
    while i < len(line):
        char = line[i]
        if quote:
            if char == "\\":
                out.append("  ")
                i += 2
                continue
            if char == quote:
                quote = ""
            out.append(" " if quote else char)
        elif char in quotes:
            quote = char
            out.append(char)
        elif any(line.startswith(mark, i) for mark in comments):
            break
        else:
            out.append(char)
        i += 1
    return "".join(out)[: len(line)]


def _label(head: str, opener: str = "") -> str:
    label = head.strip().rstrip("=:").strip()
    if opener == "(":  # `body = jsonencode(`: the argument, not the function
        call = CALL.match(label)
        label = (call.group(1) or "").rstrip("=:").strip() if call else label
    if "," in label or label.startswith(("${", '"${')):
        return ""  # an argument of a call (`templatefile("x.tpl", {`), not a key
    quoted = len(label) > 1 and label[0] == label[-1] and label[0] in "\"'"
    if quoted and label.count(label[0]) == 2:
        return label[1:-1]  # "properties": {
    return label


def _arguments(segment: str, frame: Frame | None, line: int) -> None:
    if frame is None:
        return
    for key, value in ARGUMENT.findall(segment):
        frame.arguments.setdefault(key, (value, line))
