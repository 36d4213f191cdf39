"""wi-migrate plan: the dry-run migration plan of a manifests repo or a live cluster."""

from __future__ import annotations

from typing import Any

import click

from migrate.commands.options import cluster_options, planning_options, settings
from migrate.errors import EXIT_CHANGES, EXIT_ERROR, EXIT_OK, UserError
from migrate.write import report
from migrate.write.report_text import SUMMARY_OVER


@click.command("plan")
@click.argument("paths", nargs=-1, metavar="PATH...")
@click.option(
    "-o",
    "--output",
    type=click.Choice(report.FORMATS),
    default="table",
    show_default=True,
    help="table for people (fitted to the terminal; plain lines in a pipe), json/yaml for "
    "tools, markdown for a PR, html for reviewers.",
)
@click.option(
    "--details",
    is_flag=True,
    help=f"List every action even when the plan has more than {SUMMARY_OVER} "
    "(by default a big plan shows a summary: counts per stage and namespace, errors and "
    "warnings in full).",
)
@click.option(
    "--exit-code",
    is_flag=True,
    help="Exit 2 when the plan has changes or findings (and no errors), like terraform plan.",
)
@click.option("--cluster", is_flag=True, help="Plan the live cluster (read-only) instead of PATH.")
@cluster_options
@planning_options
def command(
    paths: tuple[str, ...],
    output: str,
    details: bool,
    exit_code: bool,
    cluster: bool,
    kubeconfig: str,
    kube_context: str,
    **options: Any,
) -> int:
    """Plan the migration of the manifests in PATH (files, folders, or - for stdin),
    or of a live cluster with --cluster.

    Nothing is written. Errors in the plan exit 1.
    """
    if cluster == bool(paths):
        raise UserError("pass PATH... or --cluster (one of them)", "see wi-migrate plan --help")
    from migrate.jobs.plan import plan_cluster, plan_manifests  # the readers: not for --help

    if cluster:
        plan = plan_cluster(kube_context, kubeconfig, settings(**options))
    else:
        plan = plan_manifests(paths, settings(**options))
    if output == "table":
        report.show(plan, details)
    else:
        click.echo(report.text(plan, output), nl=False)
    if plan.errors:
        return EXIT_ERROR
    # a finding is Pod Identity found where the tool only reports (Terraform, a template):
    # work is left even when no action is planned
    return EXIT_CHANGES if exit_code and (plan.actions or plan.findings) else EXIT_OK
