"""The uninstall stage: Pod Identity's own installation, in a safe order (docs/domain.md §1).

Refuses while a pod still carries aadpodidbinding or an AzureAssignedIdentity remains.
A live Helm release can be left to `helm uninstall` (--helm-command); the AKS add-on is
removed through Azure, so its steps are printed and no object is deleted (AKS would
re-create them). Every path ends with the node-pool check (`node_pools`): through Azure when
given a context, else a list of the identities to look for.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from migrate.azure.context import AzureContext
from migrate.jobs.live import Options, Outcome, Progress, check_made_here
from migrate.kubeapi.client import ApiFailure, Connection
from migrate.kubeapi.errors import failure
from migrate.kubeapi.kinds import kind
from migrate.model import plan as plans
from migrate.model.inventory import Inventory
from migrate.model.plan import Action, DeleteObject, Plan, Settings
from migrate.model.progress import track
from migrate.model.stages import UNINSTALL
from migrate.planner import live, retirement
from migrate.read import cluster
from migrate.read.cluster import Discovery
from migrate.write.live import gates, node_pools
from migrate.write.live.journal import Journal
from migrate.write.live.steps import Steps

RELEASE = "meta.helm.sh/release-name"
RELEASE_NAMESPACE = "meta.helm.sh/release-namespace"
Echo = Callable[[str], None]


def run(
    connection: Connection,
    journal: Journal,
    settings: Settings,
    options: Options,
    helm_command: bool,
    echo: Echo,
    azure: AzureContext | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """The stage, then the node-pool check: through Azure with `azure`, else a reminder."""
    if options.saved_plan is not None:
        check_made_here(options.saved_plan, connection)
    if azure is not None:
        azure.sign_in()  # before the stage deletes anything
    try:
        outcome, inventory = _run(
            connection, journal, settings, options, helm_command, echo, progress
        )
        used = node_pools.used_identities(inventory, journal)
        if azure is None:
            outcome.notes += node_pools.unchecked(used)
        elif used:
            found, notes = node_pools.check(connection, azure, used)
            outcome.findings += found
            outcome.notes += notes
    except ApiFailure as e:
        raise failure(e, "running the uninstall stage") from None
    return outcome


def _run(
    connection: Connection,
    journal: Journal,
    settings: Settings,
    options: Options,
    helm_command: bool,
    echo: Echo,
    progress: Progress | None,
) -> tuple[Outcome, Inventory]:
    """The stage's outcome and the inventory it read (empty when resuming)."""
    recorded = journal.resumable(UNINSTALL) if options.write else None
    if recorded is not None:  # a killed run: finish its plan
        plan = plans.from_document(recorded, f"journal {journal.path}")
        resuming = "resuming the uninstall stage from the journal (its gate passed then)"
        todo = list(plan.stage(UNINSTALL))
        return _delete(connection, journal, plan, todo, [resuming], progress), Inventory()
    inventory, discovery = cluster.read(connection)
    plan, _ = live.plan_from(inventory, discovery, settings)
    notes = gates.enforce([gates.released(connection)], options.skip_gates)
    if retirement.addon(inventory):
        for line in addon_steps(inventory, settings):
            echo(line)
        notes.append("the AKS pod-identity add-on is removed through Azure: nothing deleted")
        return Outcome(plan, [], notes=notes), inventory
    actions: list[Action] = [a for a in plan.stage(UNINSTALL) if isinstance(a, DeleteObject)]
    releases = _helm_releases(connection, actions, discovery) if helm_command else {}
    if releases:
        for release in sorted(releases):
            namespace, name = release.split("/", 1)
            echo(f"helm uninstall {name} --namespace {namespace}")
        notes.append(
            "run the helm command(s) above, then this stage again: it deletes the CRDs and "
            "leftovers Helm keeps"
        )
        return Outcome(plan, [], notes=notes), inventory
    if not options.write:
        return Outcome(plan, actions, notes=notes), inventory
    plan = dataclasses.replace(plan, actions=tuple(actions))
    journal.start(UNINSTALL, plans.to_document(plan))
    return _delete(connection, journal, plan, actions, notes, progress), inventory


def _delete(
    connection: Connection,
    journal: Journal,
    plan: Plan,
    actions: list[Action],
    notes: list[str],
    progress: Progress | None,
) -> Outcome:
    outcome = Outcome(plan, actions, notes=notes)
    steps = Steps(connection, journal)
    for index, action in enumerate(track(actions, "uninstall: the cluster"), 1):
        result = steps.run(action)
        outcome.results.append(result)
        if progress is not None:
            progress(index, len(actions), result)
    if not outcome.failed:
        journal.finish(UNINSTALL)
    return outcome


def _helm_releases(connection: Connection, actions: list[Action], discovery: Discovery) -> set[str]:
    """Live releases ("namespace/name") that own objects to delete: the annotation alone is
    no proof (`helm template` output has it), the release Secret must exist too."""
    found = set()
    for action in actions:
        assert isinstance(action, DeleteObject)
        target = action.target
        obj = connection.get(kind(target.kind).path(target.namespace, target.name)) or {}
        annotations = (obj.get("metadata") or {}).get("annotations") or {}
        name = annotations.get(RELEASE)
        release = f"{annotations.get(RELEASE_NAMESPACE, target.namespace)}/{name}"
        if name and release in discovery.helm_releases:
            found.add(release)
    return found


def addon_steps(inventory: Inventory, settings: Settings) -> list[str]:
    """The az aks commands that remove the add-on, one managed-cluster update at a time: its
    identities (with their bindings) and exceptions, then the add-on itself."""
    cluster_name = settings.cluster_name or "<cluster>"
    base = f"--resource-group <resource-group> --cluster-name {cluster_name}"
    lines = ["# AKS pod-identity add-on: run one at a time (each is a full cluster update)"]
    lines += [
        f"az aks pod-identity delete {base} --namespace {ns} --name {name}"
        for ns, name in sorted((i.namespace, i.name) for i in inventory.identities)
    ]
    lines += [
        f"az aks pod-identity exception delete {base} --namespace {ns} --name {name}"
        for ns, name in sorted((e.namespace, e.name) for e in inventory.exceptions)
    ]
    lines.append(
        f"az aks update --resource-group <resource-group> --name {cluster_name} "
        "--disable-pod-identity"
    )
    lines.append("# only then delete the identities or their role assignments in Azure")
    return lines
