"""wi-migrate rollback: undo a live stage exactly, from its journal."""

from __future__ import annotations

import click

from migrate.commands.options import cluster_options, journal_options
from migrate.errors import EXIT_OK


@click.command("rollback")
@click.option(
    "--stage",
    type=click.Choice(["prepare", "switch", "retire"]),
    required=True,
    help="The stage to undo (later stages first).",
)
@cluster_options
@journal_options
def command(
    stage: str, kubeconfig: str, kube_context: str, state_dir: str, journal_namespace: str
) -> int:
    """Restore every object STAGE touched to its journaled before-image, in reverse order.

    Deleted Pod Identity objects are re-created, patched workloads get their previous
    template back, objects the stage created are deleted. Federated credentials in
    Azure are left in place (they grant nothing without a ServiceAccount using them).
    """
    from migrate.kubeapi.client import Connection
    from migrate.write.live.journal import Journal
    from migrate.write.live.rollback import rollback

    connection = Connection.connect(kube_context, kubeconfig)
    try:
        journal = Journal.in_state(connection, journal_namespace, state_dir).load()
        changed = rollback(connection, journal, stage, lambda line: click.echo(line, err=True))
    finally:
        connection.close()
    click.echo(f"rollback {stage}: {changed} object(s) restored", err=True)
    return EXIT_OK
