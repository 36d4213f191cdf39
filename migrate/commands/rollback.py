"""wi-migrate rollback: undo a live stage exactly, from its journal."""

from __future__ import annotations

import click

from migrate.commands.options import cluster_options, journal_options
from migrate.errors import EXIT_OK
from migrate.model.stages import REVERSIBLE


@click.command("rollback")
@click.option(
    "--stage",
    type=click.Choice(REVERSIBLE),
    required=True,
    help="The stage to undo (later stages first).",
)
@cluster_options
@journal_options
def command(
    stage: str, kubeconfig: str, kube_context: str, state_dir: str, journal_namespace: str
) -> int:
    """Undo what STAGE changed, from its journal, in reverse order.

    Only the fields the stage changed are put back (a later change to any other field
    stays); a field someone changed since stops the rollback before any write. Deleted
    Pod Identity objects are re-created, ServiceAccounts the stage created are deleted.
    Federated credentials in Azure are left in place (they grant nothing without a
    ServiceAccount using them). Holds the lease, like apply --yes.
    """
    from migrate.kubeapi.client import Connection
    from migrate.write.live import lease
    from migrate.write.live.journal import Journal
    from migrate.write.live.rollback import rollback

    connection = Connection.connect(kube_context, kubeconfig)
    try:
        with lease.held(connection, journal_namespace) as held:
            journal = Journal.in_state(connection, journal_namespace, state_dir).load()
            assert held is not None
            journal.guard = held.check
            for note in held.notes:
                click.echo(note, err=True)
            changed = rollback(connection, journal, stage, lambda line: click.echo(line, err=True))
    finally:
        connection.close()
    click.echo(f"rollback {stage}: {changed} object(s) restored", err=True)
    return EXIT_OK
