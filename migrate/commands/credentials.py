"""wi-migrate credentials: the Azure part of the prepare stage (federated credentials, identities
for service principals and their role assignments). Reads Azure; writes only with --yes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console

from migrate.azure.results import OnResult, tally
from migrate.commands.options import (
    azure_context,
    azure_options,
    cluster_options,
    planning_options,
    settings,
)
from migrate.errors import UserError
from migrate.jobs.plan import load_checked, plan_or_load
from migrate.model import plan as plans
from migrate.model import reports
from migrate.model.outcomes import WriteBack
from migrate.model.plan import Plan, Settings
from migrate.model.stages import PREPARE
from migrate.planner.issuer import resolve_issuer

PROGRESS_FROM = 10  # items: fewer finish before a bar is worth drawing


@click.command("credentials")
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE_OR_PLAN...")
@click.option("--yes", is_flag=True, help="Write to Azure (without it: read and show).")
@click.option(
    "--aks",
    default="",
    metavar="RG/NAME",
    help="Read the OIDC issuer (and location, add-on state) from this AKS cluster.",
)
@click.option(
    "--issuer-from-cluster",
    is_flag=True,
    help="Read the OIDC issuer from the cluster's /.well-known/openid-configuration.",
)
@click.option("--location", default="", metavar="REGION", help="Region of new identities.")
@click.option(
    "--sp-object-id",
    multiple=True,
    metavar="CLIENT_ID=OBJECT_ID",
    help="Object id of a service principal whose role assignments are copied (repeatable).",
)
@click.option(
    "-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@cluster_options
@azure_options
@planning_options
def command(
    sources: tuple[str, ...],
    yes: bool,
    aks: str,
    issuer_from_cluster: bool,
    kubeconfig: str,
    kube_context: str,
    location: str,
    sp_object_id: tuple[str, ...],
    output: str,
    **options: Any,
) -> int:
    """Create the federated credentials (and the identities replacing service principals) that
    the plan of SOURCE_OR_PLAN needs. Matches existing credentials on (issuer, subject); a second
    run writes nothing. Dry run unless --yes.
    """
    from migrate.azure import issuer as issuers
    from migrate.azure.prepare import prepare_azure
    from migrate.commands.azure_output import results_table

    object_ids = _object_ids(sp_object_id)
    wanted = settings(**options)
    context = azure_context(**options)
    notes: list[str] = []
    cluster = None
    try:
        discovered = ""
        if aks:
            cluster = issuers.aks_cluster(context, *issuers.parse_aks(aks))
            notes += cluster.notes()
            discovered = issuers.aks_issuer(cluster)
            location = location or cluster.location
        if issuer_from_cluster:
            discovered = resolve_issuer(
                discovered, _cluster_issuer(kubeconfig, kube_context), "the cluster"
            )
        plan = _plan(sources, wanted, discovered, kubeconfig)
        if plan.errors:
            notes.append(
                f"the plan has {len(plan.errors)} errors (see wi-migrate plan); only its Azure "
                "part is done here"
            )
        with _progress(plan, output) as advance:
            prepared = prepare_azure(
                plan,
                context,
                write=yes,
                location=location,
                sp_object_ids=object_ids,
                on_result=advance,
            )
    finally:
        context.close()
    results = prepared.results
    if output == "json":
        click.echo(
            reports.dumps(
                "CredentialsResult",
                write=yes,
                issuer=plan.settings.issuer,
                cluster=cluster,
                notes=notes,
                results=list(results),
            ),
            nl=False,
        )
    else:
        results_table(results, Console(), write=yes, notes=notes)
    return tally(results).exit_code(WriteBack.of(yes=yes))


def _plan(sources: Sequence[str], wanted: Settings, discovered: str, kubeconfig: str) -> Plan:
    """The plan, with the discovered issuer; a saved plan must already carry it."""
    if len(sources) == 1 and plans.is_plan_file(sources[0]):
        plan = load_checked(sources[0], kubeconfig, azure_only=True)
        if discovered and not plan.settings.issuer:
            raise UserError(
                f"{sources[0]} was planned without an issuer",
                f"plan again with --issuer {discovered}",
            )
        if discovered:
            resolve_issuer(plan.settings.issuer, discovered, "the cluster")
        return plan
    if discovered:
        wanted = dataclasses.replace(
            wanted, issuer=resolve_issuer(wanted.issuer, discovered, "the cluster")
        )
    return plan_or_load(sources, wanted)


def _cluster_issuer(kubeconfig: str, kube_context: str) -> str:
    from migrate.kubeapi.client import Connection
    from migrate.kubeapi.oidc import published_issuer

    connection = Connection.connect(kube_context, kubeconfig)
    try:
        issuer = published_issuer(connection)
    finally:
        connection.close()
    if not issuer:
        raise UserError(
            "the cluster publishes no OIDC issuer (/.well-known/openid-configuration)",
            "pass --issuer URL (az aks show ... --query oidcIssuerProfile.issuerUrl)",
        )
    return issuer


def _object_ids(pairs: Sequence[str]) -> dict[str, str]:
    found = {}
    for pair in pairs:
        client_id, _, object_id = pair.partition("=")
        if not client_id.strip() or not object_id.strip():
            raise UserError(
                f"--sp-object-id {pair!r} is not CLIENT_ID=OBJECT_ID",
                "the object id: az ad sp show --id CLIENT_ID --query id -o tsv",
            )
        found[client_id.strip()] = object_id.strip()
    return found


@contextmanager
def _progress(plan: Plan, output: str) -> Iterator[OnResult | None]:
    """A progress bar on stderr for long runs on a terminal; nothing otherwise."""
    from rich.progress import Progress

    total = sum(
        plans.action_name(a) in ("create-federated-credential", "create-managed-identity")
        for a in plan.stage(PREPARE)
    )
    console = Console(stderr=True)
    if total < PROGRESS_FROM or not console.is_terminal or output == "json":
        yield None
        return
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Azure", total=total)

        def advance(result: Any) -> None:
            if result.kind != "role-assignment":
                progress.advance(task)

        yield advance
