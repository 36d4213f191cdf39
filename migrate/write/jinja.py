"""The one Jinja environment: shipped templates, optionally overridden by --templates DIR."""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any

import jinja2

from migrate.errors import UserError


def shipped_templates() -> Path:
    try:
        return Path(str(importlib.resources.files("migrate.templates")))
    except ModuleNotFoundError:  # running from a source checkout without installing
        return Path(__file__).resolve().parent.parent / "templates"


def environment(override: str | None = None) -> jinja2.Environment:
    folders = [override] if override else []
    if override and not Path(override).is_dir():
        raise UserError(f"--templates {override}: no such folder", "pass a folder of .j2 files")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([*folders, str(shipped_templates())]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # HTML pages escape every value (names come from untrusted files); text targets
        # (YAML, shell, HCL, Bicep, markdown) quote with their own filters
        autoescape=jinja2.select_autoescape(["html.j2"], default_for_string=False, default=False),
    )
    from migrate.model import describe

    env.filters.update(describe.FILTERS)
    return env


def render(env: jinja2.Environment, template: str, context: dict[str, Any]) -> str:
    """(template, context) -> text; a missing or broken template is a UserError naming it."""
    try:
        return env.get_template(template).render(**context)
    except jinja2.TemplateNotFound:
        raise UserError(
            f"template {template} not found", "check --templates DIR: it overrides by file name"
        ) from None
    except jinja2.TemplateSyntaxError as e:
        raise UserError(
            f"template {e.filename or template}:{e.lineno}: {e.message}", "fix the template"
        ) from None
    except jinja2.UndefinedError as e:
        raise UserError(
            f"template {template}: {e.message}", "the template uses a value the plan lacks"
        ) from None
