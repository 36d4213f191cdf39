"""The fast JSON and YAML writers give exactly the standard library's and PyYAML's text."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from migrate.jobs.plan import plan_manifests
from migrate.model import codec, yamltags
from migrate.model import plan as plans
from migrate.model.plan import Settings
from tests.conftest import SAMPLE

# strings that need quoting, escaping, folding or a style of their own in JSON or YAML
AWKWARD = [
    "", " ", "a", "null", "yes", "No", "~", "1", "1.5", "0x1F", "1e3", "0o17", ".inf", "-",
    "- a", "a: b", "a #b", "#x", "'q'", '"dq"', "tab\tin", "line\nbreak", "trail ", " lead",
    "ünïcödé", "日本", "emoji 😀", "\x07bell", "\u2028sep", "x" * 1200, "a b " * 400, "{x}",
    "[y]", "@at", "`bt", "%pct", "!bang", "&amp", "*star", "?q", "|pipe", ">gt", "a\r\nb",
    "\ufeffbom", "\x85nel", "\u00a0nbsp", "multi\n\nlines\n", "ends\n", "2026-01-01", "12:30",
    "=", "<<", "kind: x\n---\n", "\\back", "a\u200bzw", "\x00nul", "ключ",
]  # fmt: skip


def documents() -> list[Any]:
    out: list[Any] = [{}, [], {"a": {}}, {"a": []}, [[], {}], 0, -7, True, None, "s"]
    for text in AWKWARD:
        out += [{"k": text}, {"k": [text, {"n": text, "e": [], "m": {}}]}, {text: 1}, [text]]
    out.append({"i": 10**30, "b": [True, False, None], "deep": {"a": {"b": {"c": [1, [2]]}}}})
    return out


@pytest.mark.parametrize("document", documents())
def test_json_text_is_json_dumps_indent_2(document: Any) -> None:
    assert codec.json_text(document) == json.dumps(document, indent=2)


@pytest.mark.parametrize("document", documents())
def test_yaml_dump_is_pyyaml_safe_dump(document: Any) -> None:
    expected = yaml.dump(document, Dumper=yaml.SafeDumper, sort_keys=False, width=1000)
    assert yamltags.dump(document) == expected


def test_what_is_not_plain_data_goes_to_the_libraries() -> None:
    shared = {"x": 1}
    twice = {"a": shared, "b": shared}  # PyYAML writes an anchor and an alias
    assert "&id001" in yamltags.dump(twice)
    assert yamltags.dump(twice) == yaml.dump(twice, Dumper=yaml.SafeDumper, sort_keys=False)
    for odd in ({"f": 1.5}, {1: "int key"}, {"t": (1, 2)}):
        assert codec.json_text(odd) == json.dumps(odd, indent=2)


def test_the_sample_plan_is_written_as_before() -> None:
    plan = plan_manifests([str(SAMPLE)], Settings(issuer="https://issuer.example/"))
    document = plans.to_document(plan)
    assert plans.dumps_json(plan) == json.dumps(document, indent=2) + "\n"
    assert plans.dumps_yaml(plan) == yaml.safe_dump(document, sort_keys=False, width=1000)
    assert yaml.SafeLoader is not yamltags.SafeLoader  # the C loader and dumper are in use
