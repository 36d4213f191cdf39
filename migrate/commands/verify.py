"""wi-migrate verify: a token check for every planned ServiceAccount, without deploying a pod."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console

from migrate.commands.options import (
    azure_context,
    azure_options,
    cluster_options,
    planning_options,
    settings,
)
from migrate.errors import EXIT_ERROR, EXIT_OK
from migrate.jobs.plan import plan_or_load
from migrate.model import progress, reports


@click.command("verify")
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE_OR_PLAN...")
@click.option(
    "--tenant-id",
    default="",
    metavar="T",
    help="Tenant of the identities (default: from the plan, else read from ARM).",
)
@click.option(
    "--attempts",
    default=6,
    show_default=True,
    type=click.IntRange(1, 100),
    help="Tries per ServiceAccount while a new credential propagates.",
)
@click.option(
    "--delay",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0, 600),
    help="Seconds between tries.",
)
@click.option(
    "-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@cluster_options
@azure_options
@planning_options
def command(
    sources: tuple[str, ...],
    kubeconfig: str,
    kube_context: str,
    tenant_id: str,
    attempts: int,
    delay: float,
    output: str,
    **options: Any,
) -> int:
    """For each ServiceAccount the plan of SOURCE_OR_PLAN federates: a Kubernetes TokenRequest
    (audience api://AzureADTokenExchange), then the exchange at Entra. Refusals are explained
    (AADSTS codes, the nearest federated credential). Exit 1 unless every check passes.
    """
    from migrate.azure.tokens import Probe, planned_pairs, verify_tokens
    from migrate.commands.azure_output import checks_table
    from migrate.kubeapi.client import Connection
    from migrate.kubeapi.oidc import token_source

    plan = plan_or_load(sources, settings(**options), kubeconfig, azure_only=True)
    kube = Connection.connect(kube_context, kubeconfig)
    context = azure_context(**options)
    try:
        with progress.counting(len(planned_pairs(plan)), "token checks") as advance:
            checks = verify_tokens(
                plan,
                token_source(kube),
                context,
                tenant_id=tenant_id,
                probe=Probe(attempts, delay),
                on_check=lambda _: advance(),
            )
    finally:
        context.close()
        kube.close()
    if output == "json":
        click.echo(reports.dumps("VerifyResult", checks=checks), nl=False)
    else:
        checks_table(checks, Console())
    return EXIT_OK if all(c.status == "passed" for c in checks) else EXIT_ERROR
