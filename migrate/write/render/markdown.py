"""markdown: a migration report per stage, for the pull request that carries the stage."""

from __future__ import annotations

import jinja2

from migrate.model import describe
from migrate.model.inventory import PI_LABEL
from migrate.model.plan import (
    STAGES,
    CreateManagedIdentity,
    Plan,
    RemovePodLabel,
    SetSecretProviderClientID,
    SwitchWorkload,
)
from migrate.write import jinja as render
from migrate.write.render.kubernetes import IMMUTABLE
from migrate.write.render.output import RenderedFile

GATES = {
    "prepare": "every federated credential exists, the workload identity webhook is installed, "
    "and a token check per ServiceAccount passes",
    "switch": "every pod of every switched workload is mutated (has AZURE_FEDERATED_TOKEN_FILE) "
    "and ready",
    "retire": f"no AzureAssignedIdentity is left and no pod is still labelled {PI_LABEL}",
    "uninstall": "none: this is the last stage",
}


def manual_steps(plan: Plan, stage: str) -> list[str]:
    """What a person must do for this stage that the rendered files cannot do."""
    steps = []
    for action in plan.stage(stage):
        if isinstance(action, CreateManagedIdentity):
            steps.append(
                f"New identity `{action.identity.name}` (replaces service principal "
                f"`{action.service_principal_client_id}`, {action.replaces}): create it, copy the "
                "role assignments it needs, and put its client id in place of "
                f"`REPLACE-WITH-CLIENT-ID-OF-{action.identity.name}`."
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
    if stage == "prepare" and not plan.settings.issuer and plan.stage(stage):
        steps.append("Pass the cluster's OIDC issuer (the plan has none): see the docs per target.")
    return steps


def files(plan: Plan, stage: str, env: jinja2.Environment) -> list[RenderedFile]:
    if not plan.stage(stage) and stage != STAGES[0]:
        return []
    context = {
        "plan": plan,
        "stage": stage,
        "stages": STAGES,
        "actions": plan.stage(stage),
        "counts": describe.counts(plan),
        "manual": manual_steps(plan, stage),
        "gate": GATES[stage],
        "findings": sorted(
            plan.findings, key=lambda f: ("error", "warning", "info").index(f.severity)
        ),
    }
    return [RenderedFile("report.md", render.render(env, "markdown/report.md.j2", context))]
