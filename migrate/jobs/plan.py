"""The top of every job: read → plan (manifests, a saved plan, or a live cluster). Writers take
the Plan this returns. A saved plan is re-checked against its source before it is used."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

from migrate.errors import UserError
from migrate.model import plan as plans
from migrate.model.memory import collector_paused
from migrate.model.plan import CreateFederatedCredential, CreateManagedIdentity, Plan, Settings
from migrate.planner.mapping import plan
from migrate.planner.recheck import confirmed
from migrate.read import manifests
from migrate.read.files import STDIN

if TYPE_CHECKING:  # a cluster's reader and planner are imported when a cluster is planned
    from migrate.kubeapi.client import Connection
    from migrate.read.cluster import Discovery


def plan_manifests(paths: Sequence[str], settings: Settings) -> Plan:
    with collector_paused():
        return plan(manifests.read(paths, settings.default_namespace), settings)


def plan_or_load(
    sources: Sequence[str], settings: Settings, kubeconfig: str = "", azure_only: bool = False
) -> Plan:
    """A saved plan (plan.json / plan.yaml) once re-checked against its source, or the plan of
    manifests. KUBECONFIG: how to reach the cluster a saved cluster plan was made of;
    AZURE_ONLY: see load_checked."""
    if len(sources) == 1 and plans.is_plan_file(sources[0]):
        return load_checked(sources[0], kubeconfig, azure_only)
    return plan_manifests(sources, settings)


def load_checked(path: str, kubeconfig: str = "", azure_only: bool = False) -> Plan:
    """The saved plan in PATH, refused unless every action in it is one the planner makes now
    from the plan's source with the plan's settings.

    AZURE_ONLY (verify, credentials): the plan's Azure actions alone, each checked against the
    fresh plan's. These commands run after prepare has written to the cluster the plan was
    made of (new ServiceAccounts, RoleBinding subjects), so that cluster's objects may have
    moved on: what must still hold is every identity and credential."""
    saved = plans.load_file(path)
    fresh = fresh_plan(saved, path, kubeconfig)
    if not azure_only:
        return confirmed(saved, fresh, path)
    live = saved.cluster_context is not None
    return confirmed(_azure(saved), _azure(fresh), path, exact_origins=not live)


def _azure(plan: Plan) -> Plan:
    wanted = (CreateManagedIdentity, CreateFederatedCredential)
    return dataclasses.replace(
        plan, actions=tuple(a for a in plan.actions if isinstance(a, wanted))
    )


def fresh_plan(saved: Plan, path: str, kubeconfig: str = "") -> Plan:
    sources = list(saved.source)
    if saved.cluster_context is not None:
        return plan_cluster(saved.cluster_context, kubeconfig, saved.settings)
    if not sources or STDIN in sources:
        raise UserError(
            f"{path}: planned from {'standard input' if sources else 'no source'}: it cannot be "
            "re-checked against its source",
            "save the manifests to files and plan them (wi-migrate plan PATH -o json)",
        )
    return plan_manifests(sources, saved.settings)


def plan_cluster(kube_context: str, kubeconfig: str, settings: Settings) -> Plan:
    """The plan of a live cluster (read-only)."""
    from migrate.kubeapi.client import Connection

    connection = Connection.connect(kube_context, kubeconfig)
    try:
        return read_and_plan(connection, settings)[0]
    finally:
        connection.close()


def read_and_plan(connection: Connection, settings: Settings) -> tuple[Plan, Discovery]:
    from migrate.planner import live
    from migrate.read import cluster

    inventory, discovery = cluster.read(connection)
    return live.plan_from(inventory, discovery, settings)
