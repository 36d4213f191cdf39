"""az: a bash script that creates the stage's identities and federated credentials."""

from __future__ import annotations

import jinja2

from migrate.model.plan import Plan
from migrate.write import jinja as render
from migrate.write.render import azure
from migrate.write.render.output import RenderedFile


def files(plan: Plan, stage: str, env: jinja2.Environment) -> list[RenderedFile]:
    context = azure.context(plan, stage)
    if not context["identities"]:
        return []
    text = render.render(env, "az/federated-credentials.sh.j2", context)
    return [RenderedFile("federated-credentials.sh", text, executable=True)]
