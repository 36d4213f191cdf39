"""wi-migrate status: where a live migration stands (journal + what the cluster shows)."""

from __future__ import annotations

import click

from migrate.commands.options import cluster_options, journal_options, planning_options, settings
from migrate.errors import EXIT_OK
from migrate.model.stages import ORDER


@click.command("status")
@cluster_options
@journal_options
@planning_options
def command(
    kubeconfig: str, kube_context: str, state_dir: str, journal_namespace: str, **options: object
) -> int:
    """Show each stage: journaled (done / running / rolled back) and what is left to do."""
    from migrate.jobs.plan import read_and_plan
    from migrate.kubeapi.client import Connection
    from migrate.write.live.journal import Journal

    connection = Connection.connect(kube_context, kubeconfig)
    try:
        journal = Journal.in_state(connection, journal_namespace, state_dir).load()
        plan, discovery = read_and_plan(connection, settings(**options))  # type: ignore[arg-type]
    finally:
        connection.close()
    click.echo(f"cluster {connection.name}: issuer {discovery.issuer or '(unknown)'}")
    click.echo(f"workload identity webhook: {discovery.webhook or 'not installed'}")
    for stage in ORDER:
        log = journal.stages.get(stage)
        state = f"{log.status}, {len(log.entries)} object(s) journaled" if log else "not started"
        left = len(plan.stage(stage))
        click.echo(f"{stage:10} {state}; {left} action(s) left in the cluster's plan")
    return EXIT_OK
