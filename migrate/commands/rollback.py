"""wi-migrate rollback: undo a live stage exactly, from its journal (a preview without --yes)."""

from __future__ import annotations

import sys

import click

from migrate.commands import terminal
from migrate.commands.options import cluster_options, journal_options
from migrate.errors import EXIT_OK
from migrate.model import reports
from migrate.model.outcomes import WriteBack
from migrate.model.stages import REVERSIBLE


@click.command("rollback")
@click.option(
    "--stage",
    type=click.Choice(REVERSIBLE),
    required=True,
    help="The stage to undo (later stages first).",
)
@click.option("--yes", is_flag=True, help="Write. Without it, print what would be restored.")
@click.option(
    "-o",
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text lines, or a RollbackResult document on stdout.",
)
@cluster_options
@journal_options
def command(
    stage: str,
    yes: bool,
    output: str,
    kubeconfig: str,
    kube_context: str,
    state_dir: str,
    journal_namespace: str,
) -> int:
    """Undo what STAGE changed, from its journal, in reverse order.

    Only the fields the stage changed are put back (a later change to any other field
    stays); a field someone changed since stops the rollback before any write. Deleted
    Pod Identity objects are re-created, ServiceAccounts the stage created are deleted.
    Federated credentials in Azure are left in place (they grant nothing without a
    ServiceAccount using them). Holds the lease, like apply --yes. Without --yes nothing is
    written: each object that would be restored is printed.
    """
    from migrate.kubeapi.client import Connection
    from migrate.write.live import lease
    from migrate.write.live.journal import Journal
    from migrate.write.live.rollback import rollback

    writeback = WriteBack.of(yes=yes)
    lines: list[str] = []
    connection = Connection.connect(kube_context, kubeconfig)
    try:
        with lease.held(connection, journal_namespace, writeback.writes) as held:
            journal = Journal.in_state(connection, journal_namespace, state_dir).load()
            if held is not None:
                journal.guard = held.check
                for note in held.notes:
                    terminal.note(note)
            restored = rollback(connection, journal, stage, lines.append, write=writeback.writes)
    finally:
        connection.close()
    if output == "json":
        body = {
            "stage": stage,
            "write": writeback.writes,
            "restores": lines,
            "restored": len(restored),
        }
        click.echo(reports.dumps("RollbackResult", **body), nl=False)
    elif sys.stdout.isatty():
        _table(lines)
    else:
        for line in lines:
            click.echo(line, err=writeback.writes)  # a preview is the output; a restore, progress
    if not writeback.writes:
        click.echo(
            f"rollback {stage}: {len(restored)} object(s) would be restored; run again with "
            "--yes to restore them",
            err=True,
        )
        return EXIT_OK
    click.echo(f"rollback {stage}: {len(restored)} object(s) restored", err=True)
    return EXIT_OK


def _table(lines: list[str]) -> None:
    """On a terminal: each object as its verb, kind, namespace and name columns."""
    from rich.console import Console

    from migrate.write import report_table

    rows = []
    for line in lines:  # "would restore Deployment/orders/api", "re-created AzureIdentity/..."
        verb, _, ref = line.rpartition(" ")
        rows.append((verb, *report_table.split_ref(ref)))
    header = ("rollback", "kind", "namespace", "name")
    report_table.show(Console(), header, rows, wrap_last=False)
