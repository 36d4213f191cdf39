"""wi-migrate render: a plan as files to review and apply with kubectl, az, terraform, ..."""

from __future__ import annotations

from typing import Any

import click

from migrate.commands import terminal
from migrate.commands.options import planning_options, settings
from migrate.errors import UserError
from migrate.jobs.plan import plan_or_load
from migrate.model import reports, stages
from migrate.model.outcomes import CHANGED, UNCHANGED, Tally, WriteBack
from migrate.model.plan import Plan
from migrate.write import render as targets
from migrate.write.render import kubevalidate, output


@click.command("render")
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE_OR_PLAN...")
@click.option(
    "--stage",
    type=click.Choice(stages.CHOICES),
    default=stages.ALL,
    show_default=True,
    help="The stage to render, or all four (each in its own folder).",
)
@click.option(
    "-t",
    "--target",
    "target_names",
    type=click.Choice([*targets.TARGETS, "all"]),
    multiple=True,
    help="What to render (repeatable): " + ", ".join(targets.TARGETS) + ", or all (default).",
)
@click.option(
    "-d",
    "--output-dir",
    required=True,
    metavar="OUTDIR",
    help="Folder to write OUTDIR/<target>/<stage>/...; files are written only when they change.",
)
@click.option(
    "-o",
    "--output",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="What was written: text lines on stderr, or a RenderResult document on stdout.",
)
@click.option(
    "--templates",
    metavar="DIR",
    help="Folder of templates overriding the shipped ones by relative path, "
    "e.g. DIR/az/federated-credentials.sh.j2.",
)
@click.option(
    "--kube-version",
    metavar="X.Y",
    help="Kubernetes version to validate objects and patches against "
    "(default: the newest kubernetes-validate knows).",
)
@click.option("--force", is_flag=True, help="Render even when the plan has error findings.")
@planning_options
def command(
    sources: tuple[str, ...],
    stage: str,
    target_names: tuple[str, ...],
    output_dir: str,
    output_format: str,
    templates: str | None,
    kube_version: str | None,
    force: bool,
    **options: Any,
) -> int:
    """Render the plan of SOURCE_OR_PLAN (manifests, or a saved plan.json) as files.

    Files go to OUTDIR/<target>/<stage>/. A plan with error findings is refused unless
    --force. Rendering is deterministic: the same plan gives the same bytes.
    """
    plan = plan_or_load(sources, settings(**options))
    _refuse_errors(plan, force)
    chosen = _targets(target_names)
    rendered = targets.render(plan, chosen, stage, targets.environment(templates))
    _validate(rendered, kube_version)
    written = output.write(output_dir, rendered)
    tally = Tally.of(CHANGED if w.changed else UNCHANGED for w in written)
    if output_format == "json":
        files = [
            {"path": r.path, "status": "written" if w.changed else "unchanged"}
            for r, w in zip(rendered, written, strict=True)
        ]
        click.echo(reports.dumps("RenderResult", outputDir=output_dir, files=files), nl=False)
    else:
        for w in written:
            if w.changed:
                terminal.note(f"wrote {w.path}")
    terminal.note(f"{output_dir}: wrote {tally[CHANGED]}, unchanged {tally[UNCHANGED]}")
    return tally.exit_code(WriteBack.WRITE)


def _targets(names: tuple[str, ...]) -> list[str]:
    if not names or "all" in names:
        return list(targets.TARGETS)
    return [t for t in targets.TARGETS if t in names]


def _refuse_errors(plan: Plan, force: bool) -> None:
    for finding in plan.findings:
        if finding.severity != "info":
            where = f"{finding.origin}: " if str(finding.origin) != "-" else ""
            terminal.note(f"{where}{finding.severity} {finding.code}: {finding.message}")
    if plan.errors and not force:
        raise UserError(
            f"the plan has {len(plan.errors)} error finding(s) (above); nothing was rendered",
            "fix them and plan again, or pass --force to render what the plan has",
        )


def _validate(rendered: list[output.RenderedFile], kube_version: str | None) -> None:
    if not kubevalidate.available():
        if kube_version:
            raise UserError(
                f"--kube-version {kube_version}: kubernetes-validate is not installed",
                "pip install kubernetes-validate, or leave out --kube-version",
            )
        terminal.note("note: kubernetes-validate is not installed: objects not validated")
        return
    version = kubevalidate.supported(kube_version) if kube_version else kubevalidate.latest()
    kubevalidate.check(rendered, version)
