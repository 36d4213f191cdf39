"""kubernetes: ServiceAccounts, strategic-merge patches, a kustomization, kubectl scripts.

Layout of OUTDIR/kubernetes/<stage>/: one file per object or patch under a folder per
namespace (`_cluster/` for cluster-scoped objects), `kustomization.yaml` listing them,
`apply.sh` running the same changes with kubectl, and for deletions `delete.yaml`
(the list, for review) with `delete.sh` (kubectl delete, in the plan's safe order).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jinja2

from migrate.model.inventory import ObjectRef
from migrate.model.plan import (
    PLACEHOLDER_MARK,
    Action,
    AddBindingSubject,
    AnnotateServiceAccount,
    CreateServiceAccount,
    DeleteObject,
    Plan,
    RemovePodLabel,
    SetSecretProviderClientID,
    SwitchWorkload,
)
from migrate.model.stages import IMMUTABLE
from migrate.write import jinja as render
from migrate.write.render import kubeobjects
from migrate.write.render.output import RenderedFile
from migrate.write.render.quoting import oneline


@dataclass(frozen=True)
class Step:
    """One file: a kustomization entry and an apply.sh command."""

    path: str
    type: str  # "resource", "strategic", "merge" (custom resources) or "json"
    target: ObjectRef
    resource: str  # kind.group for kubectl
    manual: str  # why kubectl cannot apply it to a live object ("" when it can)
    subject: ObjectRef | None = None  # the ServiceAccount a json patch adds to a binding


def files(plan: Plan, stage: str, env: jinja2.Environment) -> list[RenderedFile]:
    actions = plan.stage(stage)
    out: list[RenderedFile] = []
    steps: list[Step] = []
    for action in actions:
        made = _file(action, stage, env)
        if made:
            out.append(made[0])
            steps.append(made[1])
    deletes = [a for a in actions if isinstance(a, DeleteObject)]
    context: dict[str, Any] = {
        "plan": plan,
        "stage": stage,
        "source": oneline(plan.shown_source),
        "steps": steps,
        "deletes": deletes,
        "resource": kubeobjects.kubectl_resource,
        "placeholder_mark": PLACEHOLDER_MARK,
        "placeholders": any(PLACEHOLDER_MARK in f.text for f in out),
    }
    if steps:
        for name in ("kustomization.yaml", "apply.sh"):
            text = render.render(env, f"kubernetes/{name}.j2", context)
            out.append(RenderedFile(name, text, executable=name.endswith(".sh")))
    if deletes:
        for name in ("delete.yaml", "delete.sh"):
            text = render.render(env, f"kubernetes/{name}.j2", context)
            out.append(RenderedFile(name, text, executable=name.endswith(".sh")))
    return out


def _file(action: Action, stage: str, env: jinja2.Environment) -> tuple[RenderedFile, Step] | None:
    if isinstance(action, CreateServiceAccount):
        body: Any = kubeobjects.service_account(action)
        return _make(env, "serviceaccount", action, body, "resource", stage, check="object")
    if isinstance(action, AnnotateServiceAccount):
        body = kubeobjects.service_account_patch(action)
        return _make(env, "serviceaccount-patch", action, body, "strategic", stage)
    if isinstance(action, SwitchWorkload):
        body = kubeobjects.switch_patch(action)
        return _make(env, "workload-switch", action, body, "strategic", stage)
    if isinstance(action, RemovePodLabel):
        body = kubeobjects.retire_patch(action)
        # the label on the object's own metadata is a patch of its own beside the template's
        own = ".metadata" if not action.template_path and action.target.kind != "Pod" else ""
        return _make(env, "workload-retire", action, body, "strategic", stage, suffix=own)
    if isinstance(action, SetSecretProviderClientID):
        body = kubeobjects.secret_provider_patch(action)
        return _make(env, "secretproviderclass-patch", action, body, "merge", stage)
    if isinstance(action, AddBindingSubject):
        body = kubeobjects.binding_patch(action)
        sa = action.service_account
        suffix = f".add-{sa.namespace}-{sa.name}"
        step = _make(env, "binding-patch", action, body, "json", stage, suffix=suffix, check="")
        return step[0], Step(**{**vars(step[1]), "subject": sa})
    return None


def _make(
    env: jinja2.Environment,
    template: str,
    action: Any,
    body: Any,
    kind: str,
    stage: str,
    suffix: str = "",
    check: str = "patch",
) -> tuple[RenderedFile, Step]:
    ref: ObjectRef = action.target
    extension = ".yaml" if kind == "resource" else ".patch.yaml"
    path = f"{ref.namespace or '_cluster'}/{ref.kind.lower()}-{ref.name}{suffix}{extension}"
    manual = ""
    if stage in IMMUTABLE.get(ref.kind, ()):
        manual = f"a {ref.kind}'s pod template cannot change in place: re-create it"
    text = render.render(
        env,
        f"kubernetes/{template}.yaml.j2",
        {"action": action, "body": body, "stage": stage, "manual": manual},
    )
    step = Step(path, kind, ref, kubeobjects.kubectl_resource(ref), manual)
    return RenderedFile(path, text, check=check), step
