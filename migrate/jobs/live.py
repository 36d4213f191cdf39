"""A live stage: read → plan → gates → (print, or journal and write) → results.

The plan is recomputed from the cluster on every run, so a stage that was killed half way
simply finds the rest to do; with a saved plan, its fingerprints must still match (or
match what this tool itself wrote, according to the journal).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from migrate.errors import UserError
from migrate.kubeapi.client import IN_CLUSTER, ApiFailure, Connection
from migrate.kubeapi.errors import failure
from migrate.model import plan as plans
from migrate.model.inventory import Finding, ObjectRef, Workload
from migrate.model.plan import (
    Action,
    CreateFederatedCredential,
    CreateManagedIdentity,
    Plan,
    Settings,
)
from migrate.model.progress import track
from migrate.model.stages import SWITCH
from migrate.planner import live
from migrate.planner.recheck import confirmed
from migrate.read import cluster
from migrate.write.live import gates
from migrate.write.live.journal import Journal
from migrate.write.live.steps import Result, Steps

AZURE_ACTIONS = (CreateFederatedCredential, CreateManagedIdentity)
Progress = Callable[[int, int, Result], None]


class Credentials:
    """The Azure side of the prepare stage (migrate.azure): ensure and check credentials."""

    def sign_in(self) -> None:
        """Fail now if Azure cannot be reached (before the stage writes or gates on it)."""

    def prepare(self, plan: Plan) -> tuple[Plan, list[Result]]:
        """Identities and federated credentials of the plan's prepare stage; the plan comes
        back with the client ids of identities created for service principals bound in."""
        raise NotImplementedError

    def missing(self, actions: Sequence[CreateFederatedCredential]) -> list[str]:
        raise NotImplementedError

    def token_failures(self, plan: Plan, connection: Connection) -> list[str]:
        """Each planned ServiceAccount's token exchanged for its identity's: what fails."""
        raise NotImplementedError


@dataclass(frozen=True)
class Options:
    stage: str
    write: bool = False  # --yes
    patch_owned: bool = False
    skip_gates: tuple[str, ...] = ()
    saved_plan: Plan | None = None
    token_check: bool = False  # the optional gate before switch: a real token exchange


@dataclass
class Outcome:
    plan: Plan
    actions: list[Action]  # what the stage does (or would do)
    results: list[Result] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # found while running (not the plan's)

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.status == "failed"]


def run(
    connection: Connection,
    journal: Journal,
    settings: Settings,
    options: Options,
    credentials: Credentials | None = None,
    progress: Progress | None = None,
) -> Outcome:
    try:
        return _run(connection, journal, settings, options, credentials, progress)
    except ApiFailure as e:
        raise failure(e, f"running the {options.stage} stage") from None


def _run(
    connection: Connection,
    journal: Journal,
    settings: Settings,
    options: Options,
    credentials: Credentials | None,
    progress: Progress | None,
) -> Outcome:
    if options.saved_plan is not None:
        check_made_here(options.saved_plan, connection)
    if credentials is not None and reads_azure(options):
        credentials.sign_in()  # Azure first: before the journal or any object is written
    plan, actions, notes = stage_plan(connection, journal, settings, options, credentials)
    outcome = Outcome(plan, actions, notes=notes)
    if not options.write:
        return outcome
    if any(isinstance(a, AZURE_ACTIONS) for a in actions):
        if credentials is None:
            raise UserError(
                "the prepare stage needs Azure for federated credentials",
                "sign in to Azure (az login, or the environment of DefaultAzureCredential)",
            )
        plan, results = credentials.prepare(plan)
        outcome.results.extend(results)
        actions = list(plan.stage(options.stage))
    steps = Steps(connection, journal)
    kube = [a for a in actions if not isinstance(a, AZURE_ACTIONS)]
    for index, action in enumerate(track(kube, f"{options.stage}: the cluster"), 1):
        result = steps.run(action)
        outcome.results.append(result)
        if progress is not None:
            progress(index, len(kube), result)
    if not outcome.failed:
        journal.finish(options.stage)
    return outcome


def stage_plan(
    connection: Connection,
    journal: Journal,
    settings: Settings,
    options: Options,
    credentials: Credentials | None = None,
    gate: bool = True,
) -> tuple[Plan, list[Action], list[str]]:
    """The stage's plan: the one recorded by a run that was killed (its gates passed then),
    or a new one from the cluster once the gates pass; recorded in the journal."""
    recorded = journal.resumable(options.stage)
    if recorded is not None and options.write:
        plan = plans.from_document(recorded, f"journal {journal.path}")
        resuming = f"resuming the {options.stage} stage from the journal (its gates passed then)"
        return plan, list(plan.stage(options.stage)), [resuming]
    inventory, discovery = cluster.read(connection)
    saved = options.saved_plan
    current, _ = live.plan_from(inventory, discovery, saved.settings if saved else settings)
    plan = current
    if saved is not None:
        _check_fresh(saved, dict(inventory.fingerprints), journal)
        log = journal.stages.get(options.stage)
        done = {ref for ref, entry in log.entries.items() if entry.done} if log else set()
        where = "the saved plan"
        plan = confirmed(saved, current, where, stage=options.stage, exact_origins=False, done=done)
    notes: list[str] = []
    if gate:
        missing = credentials.missing if credentials is not None else None
        found = gates.check(options.stage, connection, current, discovery, missing)
        if options.stage == SWITCH and options.token_check:
            found.append(_token_gate(connection, current, credentials))
        notes = gates.enforce(found, options.skip_gates)
    owned = live.owned_targets(plan, inventory)
    actions = _chosen(plan, options, owned, notes)
    plan = dataclasses.replace(plan, actions=tuple(actions))
    if options.write:
        journal.start(options.stage, plans.to_document(plan))
    return plan, actions, notes


def reads_azure(options: Options) -> bool:
    """prepare writes to Azure; switch's gates read it (without --yes too) unless skipped."""
    if options.stage == "prepare":
        return options.write
    if options.stage == "switch":
        return options.token_check or "credentials" not in options.skip_gates
    return False


def _token_gate(connection: Connection, plan: Plan, credentials: Credentials | None) -> gates.Gate:
    failures = ["cannot check: Azure is not reachable"]
    if credentials is not None:
        failures = credentials.token_failures(plan, connection)
    hint = "wait for the new credentials to propagate (minutes), or fix what is listed"
    return gates.Gate("token", SWITCH, tuple(failures), hint)


def _chosen(
    plan: Plan, options: Options, owned: dict[ObjectRef, Workload], notes: list[str]
) -> list[Action]:
    """The stage's actions, without objects Helm / Flux / Argo CD would revert."""
    actions = []
    for action in plan.stage(options.stage):
        target = getattr(action, "target", None)
        if target in owned and not options.patch_owned:
            notes.append(f"left alone (managed by {owned[target].managed_by}): {target}")
            continue
        actions.append(action)
    return actions


def _check_fresh(saved: Plan, now: dict[str, str], journal: Journal) -> None:
    ours = {
        ref: str((entry.after or {}).get("metadata", {}).get("resourceVersion", ""))
        for log in journal.stages.values()
        for ref, entry in log.entries.items()
    }
    changed = [
        ref
        for ref, version in saved.fingerprints
        if now.get(ref) not in (version, ours.get(ref)) and not (ref not in now and ref in ours)
    ]
    if changed:
        shown = ", ".join(changed[:5]) + (
            f" and {len(changed) - 5} more" if len(changed) > 5 else ""
        )
        raise UserError(
            f"the saved plan is stale: {len(changed)} object(s) changed since it was made "
            f"({shown})",
            "make a new plan (wi-migrate plan --cluster -o json > plan.json) and review it",
        )


def check_made_here(saved: Plan, connection: Connection) -> None:
    """A saved plan runs only on the cluster it was made from, like a Terraform plan on its
    workspace: not a repo's plan, not another cluster's (told apart by kube-system's uid, since
    two kubeconfigs may give different clusters one context name)."""
    replan = (
        f"plan this cluster and review the plan: wi-migrate plan --cluster "
        f"{'' if connection.name == IN_CLUSTER else f'--context {connection.name} '}"
        "-o json > plan.json"
    )
    if saved.cluster_context is None:
        raise UserError(
            f"the saved plan was made from {saved.shown_source}, not from cluster "
            f"{connection.name}: apply runs a plan of the cluster it changes",
            f"{replan} (a repo's plan is for wi-migrate rewrite or render)",
        )
    here = cluster.cluster_id(connection)
    if saved.cluster_id and here and saved.cluster_id != here:
        raise UserError(
            f"the saved plan was made on another cluster ({saved.shown_source}, kube-system uid "
            f"{saved.cluster_id}) than cluster {connection.name} (kube-system uid {here})",
            replan,
        )
