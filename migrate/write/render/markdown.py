"""markdown: a migration report per stage, for the pull request that carries the stage."""

from __future__ import annotations

from typing import Any

import jinja2

from migrate.model import describe
from migrate.model.plan import (
    Action,
    CreateManagedIdentity,
    Plan,
    RemovePodLabel,
    SetSecretProviderClientID,
    SwitchWorkload,
)
from migrate.model.stages import IMMUTABLE, ORDER, PREPARE, named
from migrate.write import jinja as render
from migrate.write.render.output import RenderedFile
from migrate.write.report_markdown import PR_BODY_LIMIT


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
    """report.md per stage; a stage too big for one pull-request body continues in
    report-2.md, report-3.md, ... (each at most PR_BODY_LIMIT characters)."""
    if not plan.stage(stage) and stage != ORDER[0]:
        return []
    actions = plan.stage(stage)
    context = {
        "plan": plan,
        "stage": stage,
        "stages": ORDER,
        "actions": actions,
        "counts": describe.counts(plan),
        "manual": manual_steps(plan, stage),
        "gate": named(stage).done_when,
        "findings": sorted(
            plan.findings, key=lambda f: ("error", "warning", "info").index(f.severity)
        ),
        "part": 1,
        "parts": 1,
        "first": 1,
        "total": len(actions),
    }
    texts: list[tuple[str, int, int]] = []
    start = 0
    while True:
        template = "markdown/report.md.j2" if not texts else "markdown/report-part.md.j2"
        chunk = _fitting(env, template, context, actions[start:], first=start + 1)
        texts.append((template, start, chunk))
        start += chunk
        if start >= len(actions):
            break
    out = []
    for i, (template, first, chunk) in enumerate(texts, 1):
        part = {
            **context,
            "actions": actions[first : first + chunk],
            "part": i,
            "parts": len(texts),
            "first": first + 1,
        }
        name = "report.md" if i == 1 else f"report-{i}.md"
        out.append(RenderedFile(name, render.render(env, template, part)))
    return out


def _fitting(
    env: jinja2.Environment,
    template: str,
    context: dict[str, Any],
    actions: tuple[Action, ...],
    first: int,
) -> int:
    """How many of ACTIONS fit in one file of TEMPLATE (at least one)."""
    n = len(actions)
    while n > 1:
        # parts=2 so the text that mentions other parts is counted
        text = render.render(
            env, template, {**context, "actions": actions[:n], "parts": 2, "first": first}
        )
        if len(text) <= PR_BODY_LIMIT:
            break
        n = min(n - 1, int(n * PR_BODY_LIMIT / len(text) * 0.97))
    return max(n, 1)
