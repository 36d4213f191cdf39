"""`plan -o markdown`: a report that fits one pull-request body (65,536 characters) at any size.

A small plan is shown whole. A big one gets the summary (actions per stage and namespace), the
errors and warnings in full, and each stage's actions in a collapsed <details> section, as many
as fit; what is left out is counted, with a pointer to `render --target markdown`, which writes
the full report as several files. Names come from files: cells are HTML-escaped and pipes
escaped, so a name cannot close a table, a section or add markup.
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from dataclasses import dataclass

import jinja2

from migrate.model import describe
from migrate.model.inventory import Finding
from migrate.model.plan import STAGES, Plan
from migrate.write import jinja
from migrate.write.report_rows import Row, row

PR_BODY_LIMIT = 65_536  # characters in a GitHub pull-request body or comment
SMALL = 100  # actions: a plan this small is shown whole, without collapsed sections
TEMPLATE = "report/plan.md.j2"
ROW_CELLS = ("action", "kind", "namespace", "name", "change", "origins")


def cell(text: str) -> str:
    """TEXT safe in one table cell: no markup, no pipe, no line break."""
    return html.escape(" ".join(text.split()), quote=False).replace("|", "\\|")


def table_row(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(cell(c) for c in cells) + " |\n"


@dataclass(frozen=True)
class Section:
    stage: str
    total: int
    rows: tuple[str, ...]  # rendered table rows that fit


def markdown(plan: Plan, env: jinja2.Environment | None = None, limit: int = PR_BODY_LIMIT) -> str:
    env = env or jinja.environment()
    small = len(plan.actions) <= SMALL
    budget = limit
    while True:
        text = jinja.render(env, TEMPLATE, _context(plan, small, budget))
        if len(text) <= limit:
            return text
        budget -= len(text) - limit + 1024  # the frame took more than measured: fit again


def _context(plan: Plan, small: bool, budget: int) -> dict[str, object]:
    serious = [f for f in plan.findings if f.severity != "info"]
    frame = 6_000 + sum(len(_finding_row(f)) for f in serious)
    namespaces = _per_namespace(plan)
    frame += sum(len(table_row(r)) for r in namespaces)
    sections = _sections(plan, None if small else budget - frame)
    left_out = sum(s.total - len(s.rows) for s in sections)
    infos = Counter(f.code for f in plan.findings if f.severity == "info")
    return {
        "plan": plan,
        "small": small,
        "counts": describe.counts(plan),
        "namespaces": [table_row(r) for r in namespaces],
        "findings": [_finding_row(f) for f in (plan.findings if small else serious)],
        "infos": sorted(infos.items()),
        "sections": sections,
        "left_out": left_out,
        "limit": PR_BODY_LIMIT,
    }


def _finding_row(f: Finding) -> str:
    # the code is the tool's own vocabulary (no markup); the rest comes from files
    rest = table_row((describe.where(f), f.message, f.hint))
    return f"| {f.severity} | `{f.code}` {rest}"


def _per_namespace(plan: Plan) -> list[tuple[str, ...]]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for r in map(row, plan.actions):
        counts[r.namespace or "(cluster-wide or Azure)"][r.stage] += 1
    return [
        (ns, *(str(c[s]) for s in STAGES), str(sum(c.values()))) for ns, c in sorted(counts.items())
    ]


def _sections(plan: Plan, budget: int | None) -> list[Section]:
    """Each stage's rows; with a budget, shared out evenly, a stage's unused share passed on."""
    stages = [(s, [table_row(_cells(row(a))) for a in plan.stage(s)]) for s in STAGES]
    stages = [(s, rows) for s, rows in stages if rows]
    out = []
    for i, (stage, rows) in enumerate(stages):
        if budget is None:
            out.append(Section(stage, len(rows), tuple(rows)))
            continue
        share, taken = budget // (len(stages) - i), []
        for r in rows:
            if share - len(r) < 0:
                break
            share -= len(r)
            taken.append(r)
        budget -= sum(map(len, taken))
        out.append(Section(stage, len(rows), tuple(taken)))
    return out


def _cells(r: Row) -> tuple[str, ...]:
    return tuple(getattr(r, name) for name in ROW_CELLS)
