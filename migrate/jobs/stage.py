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
from migrate.write.live import lease
from migrate.write.live.journal import Journal


@dataclass(frozen=True)
class StageRun:
    stage: str
    writeback: WriteBack
    settings: Settings
    kube_context: str = ""
    kubeconfig: str = ""
    state_dir: str = ""  # where the local journal and its key live ("" for the default)
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
    note: Callable[[str], None],
    progress: live.Progress | None = None,
) -> live.Outcome:
    """Run one live stage; `azure` connects to Azure when the stage needs it. `echo` prints
    the stage's output, `note` what happens around it (the lease)."""
    saved = plans.load_file(run.plan_file) if run.plan_file else None
    connection = Connection.connect(run.kube_context, run.kubeconfig)
    connection.dry_run = run.writeback is WriteBack.SERVER_DRY_RUN
    context = azure() if run.needs_azure else None
    options = live.Options(
        run.stage, run.writeback.writes, run.patch_owned, run.skip_gates, saved, run.token_check
    )
    writes = run.writeback is WriteBack.WRITE
    try:
        # what can refuse the run is asked before the lease, the run's first write
        if saved is not None:
            live.check_made_here(saved, connection)
        if context is not None and (run.stage == UNINSTALL or live.reads_azure(options)):
            context.sign_in()
        with lease.held(connection, run.journal_namespace, writes) as held:
            journal = Journal.in_state(connection, run.journal_namespace, run.state_dir).load()
            if held is not None:
                journal.guard = held.check
                for line in held.notes:
                    note(line)
            if run.stage == UNINSTALL:
                return uninstall.run(
                    connection,
                    journal,
                    run.settings,
                    options,
                    run.helm_command,
                    echo,
                    context,
                    progress,
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
