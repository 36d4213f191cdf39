"""wi-migrate apply: run one live migration stage against the cluster (and Azure)."""

from __future__ import annotations

import sys
from typing import Any

import click

from migrate.commands import terminal
from migrate.commands.options import (
    azure_context,
    azure_options,
    cluster_options,
    journal_options,
    planning_options,
    settings,
)
from migrate.model.outcomes import Tally, WriteBack
from migrate.model.plan import target_of
from migrate.model.stages import ORDER


@click.command("apply")
@click.argument("plan_file", required=False, metavar="[PLAN]")
@click.option("--stage", type=click.Choice(ORDER), required=True, help="The stage to run.")
@click.option("--yes", is_flag=True, help="Write. Without it, print what the stage would do.")
@click.option(
    "--dry-run",
    type=click.Choice(["server"]),
    default=None,
    help="server: send every write with dryRun=All (implies --yes; nothing is stored).",
)
@click.option("--exit-code", is_flag=True, help="Without --yes: exit 2 when there is work to do.")
@click.option("--skip-gate", multiple=True, metavar="NAME", help="Override one failed gate.")
@click.option(
    "--token-check",
    is_flag=True,
    help="switch: gate on a real token exchange for every ServiceAccount (TokenRequest + Entra).",
)
@click.option("--patch-owned", is_flag=True, help="Also patch objects owned by Helm/Flux/Argo CD.")
@click.option(
    "--helm-command",
    is_flag=True,
    help="uninstall: print helm uninstall for a live Helm release instead of deleting it.",
)
@click.option(
    "--check-node-pools",
    is_flag=True,
    help="uninstall: ask Azure which Pod Identity identities are still attached to the nodes' "
    "VM scale sets (read-only; needs Microsoft.Compute/virtualMachineScaleSets/read).",
)
@click.option("--location", default="", metavar="REGION", help="Region of new identities.")
@click.option(
    "-o",
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text, or an ApplyResult document on stdout (progress stays on stderr).",
)
@cluster_options
@journal_options
@azure_options
@planning_options
def command(
    plan_file: str | None,
    stage: str,
    yes: bool,
    dry_run: str | None,
    exit_code: bool,
    skip_gate: tuple[str, ...],
    token_check: bool,
    patch_owned: bool,
    helm_command: bool,
    check_node_pools: bool,
    kubeconfig: str,
    kube_context: str,
    state_dir: str,
    journal_namespace: str,
    location: str,
    output: str,
    **options: Any,
) -> int:
    """Run STAGE of the live migration (prepare, switch, retire, uninstall).

    Without --yes nothing is written: the stage's actions are printed. Gates between
    stages stop the run (exit 3) with what blocks them; re-run to resume after a
    failure or a kill: every write is journaled, and done steps are skipped.
    """
    from migrate.jobs.stage import StageRun, run_stage
    from migrate.model import plan as plans

    writeback = WriteBack.of(yes=yes, server=dry_run == "server")
    run = StageRun(
        stage,
        writeback,
        settings(**options),
        kube_context,
        kubeconfig,
        state_dir,
        journal_namespace,
        plan_file or "",
        patch_owned,
        skip_gate,
        token_check,
        helm_command,
        check_node_pools,
        location,
    )
    echo = _echo if output == "text" else _note
    outcome = run_stage(run, lambda: azure_context(**options), echo, _note, _progress)
    for note in outcome.notes:
        _note(note)
    if output == "json":
        click.echo(_document(outcome, stage, writeback), nl=False)
        statuses = (
            (r.status for r in outcome.results)
            if writeback.writes
            else ("pending" for _ in outcome.actions)
        )
        return Tally.of(statuses).exit_code(writeback, changes_exit=exit_code)
    for finding in outcome.findings:
        text = f"{finding.severity}: {finding.code}: {finding.message}\n  {finding.hint}"
        for line in terminal.fitted(text, sys.stdout):
            click.echo(line)
    if not writeback.writes:
        if sys.stdout.isatty():
            _would(outcome.actions)
        for action in [] if sys.stdout.isatty() else outcome.actions:
            click.echo(f"would {action.stage}: {plans.action_name(action)} {target_of(action)}")
        click.echo(f"{len(outcome.actions)} action(s); run again with --yes to apply", err=True)
        return Tally.of("pending" for _ in outcome.actions).exit_code(
            writeback, changes_exit=exit_code
        )
    tally = Tally.of(r.status for r in outcome.results)
    dry = " (server dry-run)" if writeback is WriteBack.SERVER_DRY_RUN else ""
    if _at_a_terminal():
        _results(outcome.results)
    click.echo(f"{stage}{dry}: {tally.summary()}", err=True)
    for result in [] if _at_a_terminal() else outcome.failed:
        click.echo(str(result), err=True)
    return tally.exit_code(writeback)


def _at_a_terminal() -> bool:
    """A person at a terminal: bars show the progress, a fitted table the results at the end
    (a step's line is for logs, and it is wider than a terminal)."""
    return sys.stdout.isatty() and sys.stderr.isatty()


def _would(actions: Any) -> None:
    from rich.console import Console

    from migrate.write import report_table, report_terminal
    from migrate.write.report_rows import row

    rows = [(r.action, r.kind, r.namespace, r.name, r.change) for r in map(row, actions)]
    report_table.show(Console(), report_terminal.HEADER, rows)


def _results(results: Any) -> None:
    from rich.console import Console

    from migrate.write import report_table
    from migrate.write.report_rows import row

    rows = []
    for result in results:
        if result.action is not None:
            r = row(result.action)
            kind, namespace, name = r.kind, r.namespace, r.name
            message = result.message
        else:  # an Azure item, e.g. "federated-credential id-orders/aks1-orders-orders"
            kind, _, target = result.target.partition(" ")
            namespace = ""
            owner, _, name = target.rpartition("/")
            if kind != "federated-credential" or not owner:
                name = target
            message = f"identity {owner}: {result.message}" if name != target else result.message
        rows.append((result.status, kind, namespace, name, message))
    header = ("result", "kind", "namespace", "name", "message")
    report_table.show(Console(), header, rows)


def _progress(index: int, total: int, result: Any) -> None:
    if not _at_a_terminal():
        click.echo(f"[{index}/{total}] {result}", err=True)


def _echo(text: str) -> None:
    click.echo(text)


def _note(text: str) -> None:
    terminal.note(text)


def _document(outcome: Any, stage: str, writeback: WriteBack) -> str:
    from migrate.model import codec, reports
    from migrate.model import plan as plans

    return reports.dumps(
        "ApplyResult",
        stage=stage,
        write=writeback.writes,
        serverDryRun=writeback is WriteBack.SERVER_DRY_RUN,
        actions=[
            {"stage": a.stage, "type": plans.action_name(a), "target": target_of(a)}
            for a in outcome.actions
        ],
        results=[
            {"stage": r.stage, "target": r.target, "status": r.status, "message": r.message}
            for r in outcome.results
        ],
        findings=[codec.dump(f) for f in outcome.findings],
        notes=list(outcome.notes),
    )
