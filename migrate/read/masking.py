"""Source lines quoted in findings, with anything that looks like a secret masked.

Findings quote the lines of a file that could not be parsed (so that the user sees what
to migrate by hand). Such a file may hold a Secret's data, a service principal's
password, or a token pasted into a comment: those values never reach the report.
"""

from __future__ import annotations

import re

MASK = "***"
SECRET_WORD = (
    r"pass(?:word|wd|phrase)?|secret|token|api[-_]?key|private[-_]?key|access[-_]?key"
    r"|account[-_]?key|client[-_]?key|credential|connection[-_]?string|sas|sig|signature"
)
# `key: value` (or `key=value`) where the key names a secret: the whole value goes
SECRET_KEY_LINE = re.compile(
    r"^(?P<lead>\s*(?:-\s+)?[\"']?[\w./-]*(?:" + SECRET_WORD + r")[\w./-]*[\"']?\s*[:=]\s*)"
    r"(?P<value>\S.*)$",
    re.IGNORECASE,
)
# the same inside a line (comments, `--set a=b,token=c`): the value up to a separator
SECRET_PAIR = re.compile(
    r"(?P<lead>\b(?:" + SECRET_WORD + r")\b[\"']?\s*[:=]\s*)(?P<value>[^\s,;&\"']+)",
    re.IGNORECASE,
)
SECRET_VALUES = (
    re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*"),  # a JWT
    re.compile(r"[\w~.-]{3}\dQ~[\w~.-]{30,40}"),  # an Entra client secret
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*", re.DOTALL),
    re.compile(r"(?:AccountKey|SharedAccessKey|SharedAccessSignature)=[^;\s\"']+", re.I),
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"),
)
# a long run of base64 that mixes cases and digits (a GUID or a path does not match)
BLOB = re.compile(r"(?<![\w/+=])[A-Za-z0-9+/]{32,}={0,2}(?![\w/+=])")
DATA_BLOCK = re.compile(r"^(?P<indent>\s*)(?:data|stringData|binaryData)\s*:\s*$")
KEY_VALUE = re.compile(r"^(?P<lead>\s*[\"']?[^\s:#\"']+[\"']?\s*:\s+)(?P<value>\S.*)$")


def lines(text: str) -> list[str]:
    """Every line of TEXT, masked; a line inside a `data:` / `stringData:` block keeps
    only its key."""
    out = []
    block_indent: int | None = None
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip())
        if block_indent is not None and line.strip() and indent <= block_indent:
            block_indent = None
        if block_indent is not None and (m := KEY_VALUE.match(line)):
            out.append(m["lead"] + MASK)
            continue
        opened = DATA_BLOCK.match(line)
        if opened:
            block_indent = len(opened["indent"])
        out.append(line_masked(line))
    return out


def line_masked(line: str) -> str:
    whole = SECRET_KEY_LINE.match(line)
    if whole and not line.lstrip().startswith("#"):
        return whole["lead"] + MASK
    line = SECRET_PAIR.sub(lambda m: m["lead"] + MASK, line)
    for pattern in SECRET_VALUES:
        line = pattern.sub(MASK, line)
    return BLOB.sub(lambda m: MASK if _mixed(m[0]) else m[0], line)


def _mixed(text: str) -> bool:
    return (
        any(c.isupper() for c in text)
        and any(c.islower() for c in text)
        and any(c.isdigit() for c in text)
    )


DOCUMENT_MARK = re.compile(r"^(?:---|\.\.\.)(?:\s|$)")
SECRET_KIND = re.compile(
    r"(?:^\s*(?:-\s+)?|[{,]\s*)[\"']?kind[\"']?\s*:\s*[\"']?Secret[\"']?\s*(?:[,}].*|#.*)?$"
)
# a data mapping that opens inside a line (JSON, a minified manifest): the rest is masked
INLINE_DATA = re.compile(r"(?P<lead>[\"']?\b(?:data|stringData|binaryData)[\"']?\s*:\s*)\{.*$")
DATA_KEY = re.compile(
    r"^(?P<lead>(?P<indent>\s*)(?:-\s+)?[\"']?(?:data|stringData|binaryData)[\"']?\s*:)"
    r"(?P<rest>.*)$"
)


def secret_data(lines: list[str]) -> list[str]:
    """LINES (with their line ends) where every line of a Secret's data, stringData or
    binaryData is masked: an entry keeps its key, any other line (a block scalar's text)
    only its indent. A diff of two texts masked so shows no Secret value as context."""
    out = list(lines)
    start = 0
    marks = [i for i, line in enumerate(lines) if DOCUMENT_MARK.match(line)]
    for end in [*marks, len(lines)]:
        document = range(start, end)
        if any(SECRET_KIND.search(lines[i]) for i in document):
            _mask_data(lines, out, document)
        start = end + 1
    return out


def _mask_data(lines: list[str], out: list[str], document: range) -> None:
    block: int | None = None  # the indent of the data key whose entries are being masked
    for i in document:
        body = lines[i].rstrip("\r\n")
        ending = lines[i][len(body) :]
        indent = len(body) - len(body.lstrip())
        if block is not None and body.strip() and indent <= block:
            block = None
        if block is not None:
            if body.strip():
                entry = KEY_VALUE.match(body)
                out[i] = (entry["lead"] if entry else body[:indent]) + MASK + ending
            continue
        opened = DATA_KEY.match(body)
        inline = None if opened else INLINE_DATA.search(body)
        if inline:
            out[i] = body[: inline.start()] + inline["lead"] + MASK + ending
            continue
        if opened:
            block = len(opened["indent"])
            if opened["rest"].strip() and not opened["rest"].lstrip().startswith("#"):
                out[i] = opened["lead"] + " " + MASK + ending  # a flow mapping on its line
