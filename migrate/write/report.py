"""A plan shown to people (a rich table, markdown) or to machines (JSON, YAML)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from migrate.model import describe
from migrate.model.plan import (
    ACTION_TYPES,
    Plan,
    action_name,
    dumps_json,
    dumps_yaml,
    target_of,
)
from migrate.model.stages import ORDER
from migrate.write import jinja as render

FORMATS = ("table", "json", "yaml", "markdown")
ACTION_WIDTH = max(len(name) for name in ACTION_TYPES)
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def text(plan: Plan, output: str) -> str:
    """JSON, YAML or markdown text of a plan."""
    if output == "json":
        return dumps_json(plan)
    if output == "yaml":
        return dumps_yaml(plan)
    return markdown(plan)


def markdown(plan: Plan, templates: str | None = None) -> str:
    env = render.environment(templates)
    context = {"plan": plan, "stages": ORDER, "counts": describe.counts(plan)}
    return render.render(env, "report/plan.md.j2", context)


def table(plan: Plan, console: Console) -> None:
    counts = describe.counts(plan)
    stages = ", ".join(f"{s} {n}" for s, n in counts["stages"].items())
    console.print(
        f"[bold]Migration plan[/bold] for {plan.shown_source}: {len(plan.actions)} actions "
        f"({stages}); {counts['errors']} errors, {counts['warnings']} warnings, "
        f"{counts['infos']} info"
    )
    for stage in ORDER:
        actions = plan.stage(stage)
        if not actions:
            continue
        t = Table(title=f"stage {stage}", title_justify="left", expand=True, show_lines=False)
        t.add_column("action", no_wrap=True, min_width=ACTION_WIDTH)
        t.add_column("target", ratio=4, overflow="fold")
        t.add_column("change", ratio=5, overflow="fold")
        for action in actions:
            t.add_row(action_name(action), target_of(action), describe.change(action))
        console.print(t)
    if plan.findings:
        t = Table(title="findings", title_justify="left", expand=True)
        t.add_column("severity", no_wrap=True, min_width=7)
        t.add_column("code / where", ratio=3, overflow="fold")
        t.add_column("message and what to do", ratio=7, overflow="fold")
        for f in sorted(
            plan.findings, key=lambda f: ("error", "warning", "info").index(f.severity)
        ):
            message = Text(f.message)
            message.append("\n→ " + f.hint, style="dim")
            t.add_row(
                Text(f.severity, style=SEVERITY_STYLE[f.severity]),
                f"{f.code}\n{describe.where(f)}",
                message,
            )
        console.print(t)
    if not plan.actions and not plan.findings:
        console.print("Nothing to migrate: no Pod Identity objects or labels found.")
