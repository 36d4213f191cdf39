"""terraform: azurerm resources for the stage's identities and federated credentials."""

from __future__ import annotations

import jinja2

from migrate.model.plan import Plan
from migrate.write import jinja as render
from migrate.write.render import azure
from migrate.write.render.output import RenderedFile

# provider >= 4.66 names the identity `user_assigned_identity_id` (parent_id is deprecated)
AZURERM_VERSION = ">= 4.66.0"


def files(plan: Plan, stage: str, env: jinja2.Environment) -> list[RenderedFile]:
    context = azure.context(plan, stage)
    if not context["identities"]:
        return []
    context["azurerm_version"] = AZURERM_VERSION
    out = [
        RenderedFile("main.tf", render.render(env, "terraform/main.tf.j2", context)),
        RenderedFile("versions.tf", render.render(env, "terraform/versions.tf.j2", context)),
    ]
    if context["issuer_unknown"] or context["new_identities"]:
        text = render.render(env, "terraform/variables.tf.j2", context)
        out.append(RenderedFile("variables.tf", text))
    if context["new_identities"]:
        text = render.render(env, "terraform/outputs.tf.j2", context)
        out.append(RenderedFile("outputs.tf", text))
    return out
