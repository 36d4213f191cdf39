"""The top of every job: read → plan (manifests, a saved plan, or a live cluster). Writers take
the Plan this returns."""

from __future__ import annotations

from collections.abc import Sequence

from migrate.kubeapi.client import Connection
from migrate.model import plan as plans
from migrate.model.memory import collector_paused
from migrate.model.plan import Plan, Settings
from migrate.planner import live
from migrate.planner.mapping import plan
from migrate.read import cluster, manifests
from migrate.read.cluster import Discovery


def plan_manifests(paths: Sequence[str], settings: Settings, default_namespace: str = "") -> Plan:
    with collector_paused():
        return plan(manifests.read(paths, default_namespace), settings)


def plan_or_load(sources: Sequence[str], settings: Settings, default_namespace: str = "") -> Plan:
    """A saved plan (plan.json / plan.yaml) as it is, or the plan of manifests."""
    if len(sources) == 1 and plans.is_plan_file(sources[0]):
        return plans.load_file(sources[0])
    return plan_manifests(sources, settings, default_namespace)


def plan_cluster(kube_context: str, kubeconfig: str, settings: Settings) -> Plan:
    """The plan of a live cluster (read-only)."""
    connection = Connection.connect(kube_context, kubeconfig)
    try:
        return read_and_plan(connection, settings)[0]
    finally:
        connection.close()


def read_and_plan(connection: Connection, settings: Settings) -> tuple[Plan, Discovery]:
    inventory, discovery = cluster.read(connection)
    return live.plan_from(inventory, discovery, settings)
