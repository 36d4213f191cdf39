"""Paths into Helm values (a chart's values files, a release's values): what charts.py and
releases.py both read them with.

A path is a tuple of keys, `("serviceAccount", "annotations")`: read one with fields.dig,
write one as `helm --set` names it with describe.dotted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml

LABELS_KEY = re.compile(r"(?:^|[a-z])[Ll]abels$")  # a labels map: podLabels, labels, commonLabels


def scalar_text(value: Any) -> str:
    """A scalar as the chart would render it; "" for a missing value or a collection."""
    return "" if value is None or isinstance(value, (dict, list)) else str(value)


def key_lines(node: yaml.Node, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], int]]:
    """The path of every mapping key under NODE, with its 1-based line."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                here = (*path, str(key.value))
                yield here, key.start_mark.line + 1
                yield from key_lines(value, here)


def scalars(values: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    """The path and text of every scalar under VALUES (booleans as YAML writes them)."""
    if isinstance(values, dict):
        for key, value in values.items():
            yield from scalars(value, (*path, str(key)))
    elif not isinstance(values, list) and values is not None:
        yield path, str(values).lower() if isinstance(values, bool) else str(values)
