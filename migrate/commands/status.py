"""wi-migrate status: where a live migration stands (journal + what the cluster shows)."""

from __future__ import annotations

import sys
from typing import Any

import click

from migrate.commands.options import (
    azure_context,
    azure_options,
    cluster_options,
    journal_options,
    planning_options,
    settings,
)
from migrate.errors import EXIT_OK
from migrate.model import reports
from migrate.model.plan import CreateFederatedCredential, CreateManagedIdentity, Plan
from migrate.model.stages import ORDER, PREPARE

AZURE_ACTIONS = (CreateFederatedCredential, CreateManagedIdentity)


@click.command("status")
@click.argument("plan_file", required=False, metavar="[PLAN]")
@click.option(
    "--check-azure",
    is_flag=True,
    help="Also count what is left in Azure (reads each identity's federated credentials).",
)
@click.option(
    "-o",
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text, or a MigrationStatus document.",
)
@cluster_options
@journal_options
@azure_options
@planning_options
def command(
    plan_file: str | None,
    check_azure: bool,
    output: str,
    kube_context: str,
    kubeconfig: str,
    state_dir: str,
    journal_namespace: str,
    **options: Any,
) -> int:
    """Show each stage: journaled (done / running / rolled back) and what is left to do, in the
    cluster and (with --check-azure) in Azure. Given PLAN, counts with the plan's settings."""
    from migrate.jobs.plan import read_and_plan
    from migrate.kubeapi.client import Connection
    from migrate.write.live.journal import Journal

    connection = Connection.connect(kube_context, kubeconfig)
    try:
        journal = Journal.in_state(connection, journal_namespace, state_dir).load()
        plan, discovery = read_and_plan(connection, settings(**options))
    finally:
        connection.close()
    azure_left = _azure_left(plan, options) if check_azure else None
    stages = []
    for stage in ORDER:
        log = journal.stages.get(stage)
        actions = plan.stage(stage)
        in_azure = [a for a in actions if isinstance(a, AZURE_ACTIONS)]
        left: dict[str, int | None] = {"cluster": len(actions) - len(in_azure)}
        if in_azure:
            left["azure"] = azure_left
        stages.append(
            {
                "stage": stage,
                "state": log.status if log else "not started",
                "journaled": len(log.entries) if log else 0,
                "left": left,
            }
        )
    if output == "json":
        body = {
            "cluster": connection.name,
            "issuer": discovery.issuer,
            "webhook": discovery.webhook,
        }
        click.echo(reports.dumps("MigrationStatus", **body, stages=stages), nl=False)
        return EXIT_OK
    if sys.stdout.isatty():
        _table(connection.name, discovery.issuer, discovery.webhook, stages)
        return EXIT_OK
    click.echo(f"cluster {connection.name}: issuer {discovery.issuer or '(unknown)'}")
    click.echo(f"workload identity webhook: {discovery.webhook or 'not installed'}")
    for row in stages:
        click.echo(_line(row))
    return EXIT_OK


def _table(cluster: str, issuer: str, webhook: str, stages: list[dict[str, Any]]) -> None:
    """On a terminal: the cluster's facts each on its own line, the stages as a fitted table."""
    from rich.console import Console
    from rich.text import Text

    from migrate.write import report_table

    console = Console()
    facts = (("cluster", cluster), ("issuer", issuer or "(unknown)"), ("webhook", webhook))
    for label, value in facts:
        for line in report_table.field(label, value or "not installed", console.width):
            console.print(Text(line), soft_wrap=True)
    rows = []
    for row in stages:
        azure = row["left"].get("azure", "")
        rows.append(
            (
                row["stage"],
                row["state"],
                str(row["journaled"]),
                str(row["left"]["cluster"]),
                "not checked" if azure is None else str(azure),
            )
        )
    header = ("stage", "state", "journaled", "left in cluster", "left in Azure")
    report_table.show(console, header, rows, wrap_last=False)
    if any(row["left"].get("azure", "") is None for row in stages):
        console.print(Text("Azure not checked: --check-azure counts what is left there"))


def _azure_left(plan: Plan, options: dict[str, Any]) -> int:
    """Federated credentials of the prepare stage not found in Azure, and new identities."""
    from migrate.jobs.live_azure import AzureCredentials

    context = azure_context(**options)
    try:
        context.sign_in()
        prepare = plan.stage(PREPARE)
        credentials = [a for a in prepare if isinstance(a, CreateFederatedCredential)]
        new = sum(isinstance(a, CreateManagedIdentity) for a in prepare)
        return new + len(AzureCredentials(context, write=False).missing(credentials))
    finally:
        context.close()


def _line(row: dict[str, Any]) -> str:
    state = row["state"]
    if row["journaled"]:
        state += f", {row['journaled']} object(s) journaled"
    left = f"{row['left']['cluster']} left in the cluster"
    if "azure" in row["left"]:
        azure = row["left"]["azure"]
        left += (
            f", {azure} in Azure"
            if azure is not None
            else "; Azure not checked (--check-azure counts what is left there)"
        )
    return f"{row['stage']:10} {state}; {left}"
