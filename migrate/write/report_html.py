"""The reviewer's page: one self-contained HTML file (inline SVG, no script, no network).

It shows the graph (report_graph), each identity's federated-credential budget, the findings
grouped by file with line numbers, and the actions per stage. Autoescape is on for .html.j2
templates (write/jinja.py): every name comes from files someone else wrote.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import jinja2

from migrate.model import describe
from migrate.model.inventory import FIC_LIMIT, Finding
from migrate.model.plan import CreateFederatedCredential, Plan
from migrate.model.stages import ORDER
from migrate.write import jinja, report_graph
from migrate.write.report_rows import Row, row

TEMPLATE = "html/plan.html.j2"
COLLAPSE_AFTER = 12  # namespaces drawn open; the rest are one click away
OPEN_UP_TO = 200  # a stage's table starts open when it has at most this many actions
SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Budget:
    name: str
    client_id: str
    count: int
    accounts: tuple[str, ...]


def page(plan: Plan, env: jinja2.Environment | None = None, stage: str = "") -> str:
    """The page for the whole plan, or with the actions of one stage (render --target html)."""
    return jinja.render(env or jinja.environment(), TEMPLATE, context(plan, stage))


def context(plan: Plan, stage: str = "") -> dict[str, Any]:
    shown = (stage,) if stage else ORDER
    stages: list[tuple[str, list[Row]]] = [
        (s, [row(a) for a in plan.stage(s)]) for s in shown if plan.stage(s)
    ]
    return {
        "plan": plan,
        "stage": stage,
        "counts": describe.counts(plan),
        "graphs": report_graph.graphs(plan),
        "budgets": budgets(plan),
        "findings": by_file(plan.findings),
        "stages": stages,
        "limit": FIC_LIMIT,
        "node_height": report_graph.NODE_HEIGHT,
        "collapse_after": COLLAPSE_AFTER,
        "open_up_to": OPEN_UP_TO,
    }


def budgets(plan: Plan) -> list[Budget]:
    """Per identity: the credentials the plan gives it, most first."""
    found: dict[str, list[CreateFederatedCredential]] = defaultdict(list)
    for action in plan.actions:
        if isinstance(action, CreateFederatedCredential):
            found[action.identity.key].append(action)
    out = [
        Budget(
            fics[0].identity.name,
            fics[0].identity.client_id,
            len(fics),
            tuple(f"{f.service_account.namespace}/{f.service_account.name}" for f in fics),
        )
        for fics in found.values()
    ]
    return sorted(out, key=lambda b: (-b.count, b.name))


def by_file(findings: tuple[Finding, ...]) -> list[tuple[str, list[Finding]]]:
    """Findings grouped by the file they were found in (cluster objects: '(cluster)'),
    by line inside a file, errors first among equals."""
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[f.origin.file or ("(cluster)" if f.origin.ref else "(the plan as a whole)")].append(
            f
        )
    return [
        (name, sorted(items, key=lambda f: (f.origin.line, SEVERITIES.index(f.severity))))
        for name, items in sorted(groups.items())
    ]
