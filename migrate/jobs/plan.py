"""The top of every job: read → plan. Writers take the Plan this returns."""

from __future__ import annotations

from collections.abc import Sequence

from migrate.model import plan as plans
from migrate.model.plan import Plan, Settings
from migrate.planner.mapping import plan
from migrate.read import manifests


def plan_manifests(paths: Sequence[str], settings: Settings, default_namespace: str = "") -> Plan:
    return plan(manifests.read(paths, default_namespace), settings)


def plan_or_load(sources: Sequence[str], settings: Settings, default_namespace: str = "") -> Plan:
    """A saved plan (plan.json / plan.yaml) as it is, or the plan of manifests."""
    if len(sources) == 1 and plans.is_plan_file(sources[0]):
        return plans.load_file(sources[0])
    return plan_manifests(sources, settings, default_namespace)
