"""The published JSON Schema of the plan format (plan.schema.json, shipped beside this module).
A plan read back (a plan file, the journal's copy) is checked against it before it is decoded,
so an edited or damaged plan is refused with the JSON path of what is wrong."""

from __future__ import annotations

import functools
import importlib.resources
import json
from collections.abc import Iterable
from typing import Any

from migrate.errors import UserError

SCHEMA_FILE = "plan.schema.json"


def text() -> str:
    return importlib.resources.files(__package__).joinpath(SCHEMA_FILE).read_text("utf-8")


@functools.cache
def _validator() -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(json.loads(text()))


def check(document: Any, where: str) -> None:
    from jsonschema.exceptions import best_match

    error = best_match(_validator().iter_errors(document))
    if error is None:
        return
    raise UserError(
        f"{where}: {json_path(error.absolute_path) or 'the document'}: {error.message} (it does "
        f"not match the plan schema, {SCHEMA_FILE})",
        "the plan file was edited or is damaged: make it again with wi-migrate plan -o json",
    )


def json_path(parts: Iterable[Any]) -> str:
    """`actions[3].credential.subject`, as the codec's messages name a place."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out
