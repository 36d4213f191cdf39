"""Gates between live stages (docs/architecture.md#stages): each names what is not ready yet.

A gate runs at the start of the stage it guards. A failed gate stops the run with exit
code 3 and the list of what blocks it; `--skip-gate NAME` overrides one gate explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from migrate.errors import EXIT_STOPPED, UserError
from migrate.kubeapi.client import Connection, Object
from migrate.model.inventory import PI_LABEL, WI_USE_LABEL
from migrate.model.plan import CreateFederatedCredential, CreateManagedIdentity, Plan, target_of
from migrate.model.stages import PREPARE, RETIRE, SWITCH, UNINSTALL
from migrate.read import cluster
from migrate.read.cluster import Discovery
from migrate.read.objects import TEMPLATE_PATHS

TOKEN_ENV = "AZURE_FEDERATED_TOKEN_FILE"
SHOWN = 20  # blockers listed per gate


@dataclass(frozen=True)
class Gate:
    name: str
    guards: str  # the stage it runs before
    blockers: tuple[str, ...]
    hint: str

    @property
    def passed(self) -> bool:
        return not self.blockers


Missing = Callable[[Sequence[CreateFederatedCredential]], list[str]]


def check(
    stage: str,
    connection: Connection,
    plan: Plan,
    discovery: Discovery,
    missing_credentials: Missing | None,
) -> list[Gate]:
    if stage == SWITCH:
        wanted = [a for a in plan.stage(PREPARE) if isinstance(a, CreateFederatedCredential)]
        gates = [
            Gate(
                "prepared",
                stage,
                tuple(
                    f"{a.stage} {target_of(a)}"
                    for a in plan.stage(PREPARE)
                    if not isinstance(a, (CreateFederatedCredential, CreateManagedIdentity))
                ),
                "run apply --stage prepare first",
            ),
            Gate(
                "webhook",
                stage,
                ()
                if discovery.webhook
                else (f"MutatingWebhookConfiguration {cluster.WEBHOOK_NAME} not found",),
                "install the Azure Workload Identity webhook (AKS: --enable-workload-identity)",
            ),
        ]
        blockers: tuple[str, ...] = ("cannot check: Azure is not reachable",)
        if missing_credentials is not None:
            blockers = tuple(
                f"federated credential missing: {m}" for m in missing_credentials(wanted)
            )
        gates.append(Gate("credentials", stage, blockers, "run apply --stage prepare again"))
        return gates
    if stage == RETIRE:
        return [
            Gate(
                "switched",
                stage,
                tuple(f"not switched: {target_of(a)}" for a in plan.stage(SWITCH)),
                "run apply --stage switch first",
            ),
            Gate(
                "rollout",
                stage,
                tuple(_unmutated(connection)),
                "wait for the rollout (kubectl rollout status), or restart the workloads of the "
                "listed pods",
            ),
        ]
    if stage == UNINSTALL:
        return [released(connection)]
    return []


def released(connection: Connection) -> Gate:
    """No AzureAssignedIdentity left and no pod still labelled aadpodidbinding."""
    blockers = [
        f"AzureAssignedIdentity {_name(obj)} remains (MIC has not released it)"
        for obj in cluster.objects(connection, "AzureAssignedIdentity")
    ]
    blockers += [
        f"pod {_name(pod)} still carries {PI_LABEL}"
        for pod in cluster.objects(connection, "Pod", labels=PI_LABEL)
    ]
    return Gate(
        "released",
        UNINSTALL,
        tuple(blockers),
        "run apply --stage retire and wait until MIC has removed the AzureAssignedIdentities "
        "and the labelled pods have been replaced",
    )


def _unmutated(connection: Connection) -> list[str]:
    """Pods of switched workloads (template labelled azure.workload.identity/use) that the
    webhook has not mutated yet, or that are not Ready."""
    switched = _switched_workloads(connection)
    out = []
    for key, pods in sorted(cluster.pods_by_owner(connection).items()):
        if key not in switched:
            continue
        for pod in pods:
            problem = _pod_problem(pod)
            if problem:
                out.append(f"pod {_name(pod)} of {key[0]}/{key[1]}/{key[2]}: {problem}")
    return out


def _switched_workloads(connection: Connection) -> set[tuple[str, str, str]]:
    found = set()
    for kind_name in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "CronJob", "Job"):
        path = TEMPLATE_PATHS[kind_name]
        for obj in cluster.objects(connection, kind_name):
            template: Object = obj
            for key in path:
                template = template.get(key) or {}
            if ((template.get("metadata") or {}).get("labels") or {}).get(WI_USE_LABEL) == "true":
                meta = obj["metadata"]
                found.add((kind_name, meta.get("namespace", ""), meta.get("name", "")))
    return found


def _pod_problem(pod: Object) -> str:
    spec = pod.get("spec") or {}
    containers = [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]
    mutated = any(e.get("name") == TOKEN_ENV for c in containers for e in c.get("env") or [])
    if not mutated:
        return f"not mutated (no {TOKEN_ENV})"
    conditions = (pod.get("status") or {}).get("conditions") or []
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
    succeeded = (pod.get("status") or {}).get("phase") == "Succeeded"
    return "" if ready or succeeded else "not Ready"


def _name(obj: Object) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace', '')}/{meta.get('name', '')}"


def enforce(gates: list[Gate], skipped: Sequence[str]) -> list[str]:
    """Raise for the first failed gate not skipped; returns notes for skipped failures."""
    notes = []
    for gate in gates:
        if gate.passed:
            continue
        if gate.name in skipped:
            notes.append(f"gate {gate.name} skipped with {len(gate.blockers)} blocker(s)")
            continue
        shown = "\n".join(f"  - {b}" for b in gate.blockers[:SHOWN])
        more = (
            f"\n  ... and {len(gate.blockers) - SHOWN} more" if len(gate.blockers) > SHOWN else ""
        )
        raise UserError(
            f"gate {gate.name} before {gate.guards} failed: {len(gate.blockers)} blocker(s)\n"
            f"{shown}{more}",
            f"{gate.hint}; then run the same command again "
            f"(or override with --skip-gate {gate.name})",
            EXIT_STOPPED,
        )
    return notes
