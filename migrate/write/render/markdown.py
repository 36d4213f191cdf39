"""markdown: a migration report per stage, for the pull request that carries the stage."""

from __future__ import annotations

import jinja2

from migrate.model import describe
from migrate.model.plan import (
    CreateManagedIdentity,
    Plan,
    RemovePodLabel,
    SetSecretProviderClientID,
    SwitchWorkload,
)
from migrate.model.stages import IMMUTABLE, ORDER, PREPARE, named
from migrate.write import jinja as render
from migrate.write.render.output import RenderedFile


def manual_steps(plan: Plan, stage: str) -> list[str]:
    """What a person must do for this stage that the rendered files cannot do."""
    steps = []
    for action in plan.stage(stage):
        if isinstance(action, CreateManagedIdentity):
            steps.append(
                f"New identity `{action.identity.name}` (replaces service principal "
                f"`{action.service_principal_client_id}`, {action.replaces}): create it, copy the "
                "role assignments it needs, and put its client id in place of "
                f"`{action.identity.client_id_or_placeholder}`."
            )
        elif isinstance(action, (SwitchWorkload, RemovePodLabel)):
            if stage in IMMUTABLE.get(action.target.kind, ()):
                steps.append(
                    f"`{action.target}`: its pod template cannot change in place; delete and "
                    "re-create it with the patched manifest."
                )
        elif isinstance(action, SetSecretProviderClientID) and not action.client_id:
            steps.append(
                f"`{action.target}`: clientID of the new identity `{action.identity.name}`."
            )
    if stage == PREPARE and not plan.settings.issuer and plan.stage(stage):
        steps.append("Pass the cluster's OIDC issuer (the plan has none): see the docs per target.")
    return steps


def files(plan: Plan, stage: str, env: jinja2.Environment) -> list[RenderedFile]:
    if not plan.stage(stage) and stage != ORDER[0]:
        return []
    context = {
        "plan": plan,
        "stage": stage,
        "stages": ORDER,
        "actions": plan.stage(stage),
        "counts": describe.counts(plan),
        "manual": manual_steps(plan, stage),
        "gate": named(stage).done_when,
        "findings": sorted(
            plan.findings, key=lambda f: ("error", "warning", "info").index(f.severity)
        ),
    }
    return [RenderedFile("report.md", render.render(env, "markdown/report.md.j2", context))]
