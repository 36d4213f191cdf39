"""html: the reviewer's page per stage (the graph, budgets and findings of the whole plan, the
actions of the stage), for the pull request or change ticket that carries the stage."""

from __future__ import annotations

import jinja2

from migrate.model.plan import Plan
from migrate.write import report_html
from migrate.write.render.output import RenderedFile


def files(plan: Plan, stage: str, env: jinja2.Environment) -> list[RenderedFile]:
    if not plan.stage(stage):
        return []
    return [RenderedFile("plan.html", report_html.page(plan, env, stage))]
