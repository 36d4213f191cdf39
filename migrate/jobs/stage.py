"""The live job's top function: connect → (Azure) → journal → one stage → close.

`wi-migrate apply` converts its options into a StageRun and prints what comes back; the stage
itself is jobs/live.py (prepare, switch, retire) or jobs/uninstall.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from migrate.azure.context import AzureContext
from migrate.jobs import live, uninstall
from migrate.jobs.live_azure import AzureCredentials
from migrate.kubeapi.client import Connection
from migrate.model import plan as plans
from migrate.model.outcomes import WriteBack
from migrate.model.plan import Settings
from migrate.model.stages import PREPARE, SWITCH, UNINSTALL
from migrate.write.live.journal import Journal


@dataclass(frozen=True)
class StageRun:
    stage: str
    writeback: WriteBack
    settings: Settings
    kube_context: str = ""
    kubeconfig: str = ""
    journal_file: str = ""
    journal_namespace: str = "kube-system"
    plan_file: str = ""  # a saved plan to run instead of a fresh one
    patch_owned: bool = False
    skip_gates: tuple[str, ...] = ()
    token_check: bool = False
    helm_command: bool = False
    check_node_pools: bool = False
    location: str = ""  # region of new identities

    @property
    def needs_azure(self) -> bool:
        return self.stage in (PREPARE, SWITCH) or (
            self.stage == UNINSTALL and self.check_node_pools
        )


def run_stage(
    run: StageRun,
    azure: Callable[[], AzureContext],
    echo: Callable[[str], None],
    progress: live.Progress | None = None,
) -> live.Outcome:
    """Run one live stage; `azure` connects to Azure when the stage needs it."""
    saved = plans.load_file(run.plan_file) if run.plan_file else None
    connection = Connection.connect(run.kube_context, run.kubeconfig)
    connection.dry_run = run.writeback is WriteBack.SERVER_DRY_RUN
    context = azure() if run.needs_azure else None
    options = live.Options(
        run.stage, run.writeback.writes, run.patch_owned, run.skip_gates, saved, run.token_check
    )
    try:
        journal = Journal(connection, run.journal_namespace, run.journal_file).load()
        if run.stage == UNINSTALL:
            return uninstall.run(
                connection, journal, run.settings, options, run.helm_command, echo, context
            )
        credentials = None
        if context is not None:
            credentials = AzureCredentials(
                context, write=not connection.dry_run, location=run.location
            )
        return live.run(connection, journal, run.settings, options, credentials, progress)
    finally:
        connection.close()
        if context is not None:
            context.close()
