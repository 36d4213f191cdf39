"""What only a live cluster adds to the plan: the issuer it publishes, objects owned by Helm /
Flux / Argo CD (a live patch would be reverted), and whether the webhook is installed. Pure:
the cluster was read before (migrate.read.cluster)."""

from __future__ import annotations

import dataclasses

from migrate.model import findings
from migrate.model.inventory import Finding, Inventory, ObjectRef, Origin, Workload
from migrate.model.plan import Plan, RemovePodLabel, Settings, SwitchWorkload
from migrate.planner.issuer import resolve_issuer
from migrate.planner.mapping import plan as plan_inventory
from migrate.read.cluster import WEBHOOK_NAME, Discovery

OWNER_FIX = {
    "helm": "set it in the chart's values (pod labels / podLabels: "
    'azure.workload.identity/use: "true", serviceAccount.name) and run helm upgrade',
    "flux": "change the manifests in the Git repository Flux syncs (wi-migrate rewrite --stage "
    "switch), or pass --patch-owned and suspend the Kustomization/HelmRelease first",
    "argocd": "change the manifests in the Git repository Argo CD syncs (wi-migrate rewrite "
    "--stage switch), or pass --patch-owned and disable self-heal first",
}


def plan_from(
    inventory: Inventory, discovery: Discovery, settings: Settings
) -> tuple[Plan, Discovery]:
    issuer = resolve_issuer(settings.issuer, discovery.issuer, "the cluster")
    planned = plan_inventory(inventory, dataclasses.replace(settings, issuer=issuer))
    extra = [*owned(planned, inventory, discovery.releases), *_webhook(discovery)]
    planned = dataclasses.replace(
        planned, findings=(*planned.findings, *extra), cluster_id=discovery.cluster_id
    )
    return planned, discovery


def owned_targets(plan: Plan, inventory: Inventory) -> dict[ObjectRef, Workload]:
    """Workloads the plan changes that Helm, Flux or Argo CD would put back."""
    by_ref = {w.ref: w for w in inventory.workloads if w.managed_by}
    return {
        a.target: by_ref[a.target]
        for a in plan.actions
        if isinstance(a, (SwitchWorkload, RemovePodLabel)) and a.target in by_ref
    }


def owned(
    plan: Plan, inventory: Inventory, releases: dict[str, str] | None = None
) -> list[Finding]:
    return [
        findings.make(
            "owned-workload",
            workload.origins[0],
            f"{ref} is managed by {_manager(workload, (releases or {}).get(str(ref)))}: a live "
            "patch would be reverted, so apply leaves it alone (unless --patch-owned)",
            OWNER_FIX[workload.managed_by],
            str(ref),
        )
        for ref, workload in owned_targets(plan, inventory).items()
    ]


def _manager(workload: Workload, release: str | None) -> str:
    if workload.managed_by == "helm" and release:
        namespace, name = release.split("/", 1)
        return f"Helm release {release} (see: helm get values {name} -n {namespace})"
    return {"helm": "Helm", "flux": "Flux", "argocd": "Argo CD"}[workload.managed_by]


def _webhook(discovery: Discovery) -> list[Finding]:
    if discovery.webhook:
        return []
    return [
        findings.make(
            "webhook-missing",
            Origin(ref="MutatingWebhookConfiguration"),
            "the Azure Workload Identity webhook is not installed "
            f"(no MutatingWebhookConfiguration {WEBHOOK_NAME})",
            "install it (helm chart workload-identity-webhook, or the AKS OIDC/workload identity "
            "feature) before the switch stage: without it pods get no token",
        )
    ]
