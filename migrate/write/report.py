"""A plan shown to people (terminal, markdown, HTML) or to machines (JSON, YAML).

Each format's module is imported when it is asked for: `plan -o json` on a big repo should not
pay for rich's and Jinja's imports (benchmarks/README.md, start-up)."""

from __future__ import annotations

import sys
from typing import IO

from migrate.model.plan import Plan, dumps_json, dumps_yaml
from migrate.write import report_text

FORMATS = ("table", "json", "yaml", "markdown", "html")


def text(plan: Plan, output: str) -> str:
    """JSON, YAML, markdown or HTML text of a plan."""
    if output == "json":
        return dumps_json(plan)
    if output == "yaml":
        return dumps_yaml(plan)
    if output == "html":
        from migrate.write import report_html

        return report_html.page(plan)
    from migrate.write import report_markdown

    return report_markdown.markdown(plan)


def show(plan: Plan, details: bool = False, file: IO[str] | None = None) -> None:
    """The plan for a person: fitted to a terminal, or plain lines for a pipe or a file."""
    out = file or sys.stdout
    big = len(plan.actions) > report_text.SUMMARY_OVER
    if out.isatty():
        from rich.console import Console

        from migrate.write import report_terminal

        report_terminal.show(plan, Console(file=out), details, big)
    else:
        out.write("\n".join(report_text.plain(plan, details, big)) + "\n")
