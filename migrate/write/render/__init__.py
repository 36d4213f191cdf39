"""Writers that turn a plan into files for the tools a platform team already uses.

One module per target builds the template contexts; the text comes from
templates/<target>/*.j2 (overridable with --templates DIR). Every target writes
under OUTDIR/<target>/<stage>/, and only for stages where it has something to say.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jinja2

from migrate.model import progress, stages
from migrate.model.plan import Plan
from migrate.model.trust import refuse_invalid_credentials
from migrate.write import jinja
from migrate.write.render import aso, az, bicep, html, kubernetes, markdown, terraform
from migrate.write.render.output import RenderedFile
from migrate.write.render.quoting import FILTERS

Target = Callable[[Plan, str, jinja2.Environment], list[RenderedFile]]
TARGETS: dict[str, Target] = {
    "kubernetes": kubernetes.files,
    "az": az.files,
    "terraform": terraform.files,
    "bicep": bicep.files,
    "aso": aso.files,
    "markdown": markdown.files,
    "html": html.files,
}


def environment(templates: str | None = None) -> jinja2.Environment:
    """The one Jinja environment (migrate/render.py) with the quoting filters targets need."""
    env = jinja.environment(templates)
    env.filters.update(FILTERS)
    return env


def stages_of(stage: str) -> tuple[str, ...]:
    return stages.selected(stage)


def render(
    plan: Plan, targets: Sequence[str], stage: str, env: jinja2.Environment
) -> list[RenderedFile]:
    """Every file of every target and stage, paths relative to OUTDIR, sorted."""
    refuse_invalid_credentials(plan, "render")
    out: list[RenderedFile] = []
    pairs = [(target, one) for target in targets for one in stages_of(stage)]
    for target, one in progress.track(pairs, "rendering"):
        for f in TARGETS[target](plan, one, env):
            out.append(f.under(f"{target}/{one}"))
    return sorted(out, key=lambda f: f.path)
