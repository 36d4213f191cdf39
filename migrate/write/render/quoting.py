"""Jinja filters that quote a value for the language of the file being written."""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

import yaml

_PLAIN = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_./:@+-]*$")


class _Dumper(yaml.SafeDumper):
    """Quote with double quotes where quoting is needed ("true", not 'true')."""

    def choose_scalar_style(self) -> Any:
        style = super().choose_scalar_style()
        return '"' if style == "'" else style


def to_yaml(value: Any) -> str:
    """A mapping or list as block YAML; strings that YAML 1.1 would misread are quoted."""
    text: str = yaml.dump(
        value,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        width=1000,
        allow_unicode=True,
    )
    return text


def yaml_scalar(value: Any) -> str:
    """One YAML scalar: plain when it reads back as the same string, else double-quoted."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if _PLAIN.match(text) and yaml.safe_load(text) == text:
        return text
    return json.dumps(text, ensure_ascii=False)


def shell(value: Any) -> str:
    return shlex.quote(str(value))


def hcl(value: Any) -> str:
    """An HCL string literal: JSON escapes, with template sequences escaped."""
    return json.dumps(str(value), ensure_ascii=False).replace("${", "$${").replace("%{", "%%{")


def bicep(value: Any) -> str:
    """A Bicep string literal (single quotes; \\ ' and ${ escaped)."""
    text = str(value).replace("\\", "\\\\").replace("'", "\\'").replace("${", "\\${")
    return f"'{text}'"


def identifier(value: Any) -> str:
    """A name usable as a Terraform/Bicep identifier: letters, digits and _."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", str(value)).strip("_")
    return name if name[:1].isalpha() else f"x_{name}"


def oneline(value: Any) -> str:
    """Text for a one-line comment: line breaks would end the comment and start code."""
    return re.sub(r"[\r\n\x0b\x0c\x85\u2028\u2029]+", " ", str(value))


FILTERS = {
    "oneline": oneline,
    "to_yaml": to_yaml,
    "yaml": yaml_scalar,
    "sh": shell,
    "hcl": hcl,
    "bicep": bicep,
    "identifier": identifier,
}
