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
from migrate.model.plan import Plan
from migrate.model.stages import ORDER
from migrate.write import jinja
from migrate.write.report_rows import Row, row
from migrate.write.report_text import SUMMARY_OVER

PR_BODY_LIMIT = 65_536  # characters in a GitHub pull-request body or comment
TEMPLATE = "report/plan.md.j2"
FRAME = 4_000  # characters of headings, the stage table and the closing notes, generously
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
    small = len(plan.actions) <= SUMMARY_OVER
    budget = limit - FRAME
    while True:
        text = jinja.render(env, TEMPLATE, _context(plan, small, budget))
        if len(text) <= limit:
            return text
        if small:  # a few actions but findings by the thousand: summarize after all
            small = False
            continue
        budget -= len(text) - limit + 1024  # measured short: fit again (ends at budget <= 0)


def _context(plan: Plan, small: bool, budget: int) -> dict[str, object]:
    """Everything for a small plan; for a big one, up to half of BUDGET for the errors and
    warnings, a quarter for the namespaces, and what is left for the actions."""
    serious = [f for f in plan.findings if f.severity != "info"]
    findings = [_finding_row(f) for f in (plan.findings if small else serious)]
    namespaces = [table_row(r) for r in _per_namespace(plan)]
    if not small:
        findings = _fitting(findings, budget // 2)
        namespaces = _fitting(namespaces, budget // 4)
        budget -= sum(map(len, findings)) + sum(map(len, namespaces))
    sections = _sections(plan, None if small else budget)
    infos = Counter(f.code for f in plan.findings if f.severity == "info")
    return {
        "plan": plan,
        "small": small,
        "counts": describe.counts(plan),
        "namespaces": namespaces,
        "namespaces_left_out": len(_per_namespace(plan)) - len(namespaces),
        "findings": findings,
        "findings_left_out": (len(plan.findings) if small else len(serious)) - len(findings),
        "infos": sorted(infos.items()),
        "sections": sections,
        "left_out": sum(s.total - len(s.rows) for s in sections),
        "limit": PR_BODY_LIMIT,
    }


def _fitting(rows: list[str], budget: int) -> list[str]:
    """The first ROWS that together fit BUDGET characters."""
    out = []
    for r in rows:
        budget -= len(r)
        if budget < 0:
            break
        out.append(r)
    return out


def _finding_row(f: Finding) -> str:
    # the code is the tool's own vocabulary (no markup); the rest comes from files
    rest = table_row((describe.where(f), f.message, f.hint))
    return f"| {f.severity} | `{f.code}` {rest}"


def _per_namespace(plan: Plan) -> list[tuple[str, ...]]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for r in map(row, plan.actions):
        counts[r.namespace or "(cluster-wide or Azure)"][r.stage] += 1
    return [
        (ns, *(str(c[s]) for s in ORDER), str(sum(c.values()))) for ns, c in sorted(counts.items())
    ]


def _sections(plan: Plan, budget: int | None) -> list[Section]:
    """Each stage's rows; with a budget, shared out evenly, a stage's unused share passed on."""
    stages = [(s, [table_row(_cells(row(a))) for a in plan.stage(s)]) for s in ORDER]
    stages = [(s, rows) for s, rows in stages if rows]
    out = []
    for i, (stage, rows) in enumerate(stages):
        taken = rows if budget is None else _fitting(rows, budget // (len(stages) - i))
        if budget is not None:
            budget -= sum(map(len, taken))
        out.append(Section(stage, len(rows), tuple(taken)))
    return out


def _cells(r: Row) -> tuple[str, ...]:
    return tuple(getattr(r, name) for name in ROW_CELLS)
