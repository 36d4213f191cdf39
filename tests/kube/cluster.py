"""What a real cluster's controllers would do, for tests on the fake (which has none)."""

from __future__ import annotations

import copy
from typing import Any

from migrate.jobs.live import Credentials
from migrate.model.inventory import PI_LABEL, WI_USE_LABEL
from migrate.model.plan import Action, CreateFederatedCredential, Plan
from migrate.write.live.steps import Result
from tests.fakes.kube_apiserver import FakeKubeApiServer

TEMPLATES = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}
JOURNAL = ("ConfigMap", "kube-system/wi-migrate-journal")


def rollout(fake: FakeKubeApiServer) -> int:
    """Every pod takes its top owner's current template (labels, ServiceAccount); the webhook
    mutates pods labelled azure.workload.identity/use; all are Ready. Returns pods changed."""
    replica_sets = {
        (rs["metadata"]["namespace"], rs["metadata"]["name"]): rs["metadata"].get(
            "ownerReferences", [{}]
        )[0]
        for rs in fake.objects("ReplicaSet")
    }
    changed = 0
    for pod in fake.objects("Pod"):
        meta = pod["metadata"]
        owner = (meta.get("ownerReferences") or [{}])[0]
        ns = meta["namespace"]
        if owner.get("kind") == "ReplicaSet":
            owner = replica_sets.get((ns, owner["name"])) or owner
        if owner.get("kind") not in TEMPLATES:
            continue
        workload = fake.get(owner["kind"], owner["name"], ns)
        assert workload is not None
        template = workload["spec"]["template"]
        new = copy.deepcopy(pod)
        new["metadata"]["labels"] = dict(template["metadata"].get("labels") or {})
        spec = template.get("spec") or {}
        new["spec"]["serviceAccountName"] = spec.get("serviceAccountName", "default")
        env = [
            {
                "name": "AZURE_FEDERATED_TOKEN_FILE",
                "value": "/var/run/secrets/azure/tokens/azure-identity-token",
            }
        ]
        mutated = new["metadata"]["labels"].get(WI_USE_LABEL) == "true"
        for container in new["spec"]["containers"]:
            container["env"] = env if mutated else []
        new["status"] = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
        if new != pod:
            fake.seed([new])
            changed += 1
    return changed


def mic(fake: FakeKubeApiServer) -> None:
    """MIC releases AzureAssignedIdentities whose binding is gone or whose pod is unlabelled."""
    bindings = {
        (b["metadata"]["namespace"], b["metadata"]["name"])
        for b in fake.objects("AzureIdentityBinding")
    }
    labelled = {
        (p["metadata"]["namespace"], p["metadata"]["name"])
        for p in fake.objects("Pod")
        if PI_LABEL in (p["metadata"].get("labels") or {})
    }
    survivors = []
    for assigned in fake.objects("AzureAssignedIdentity"):
        spec = assigned["spec"]
        binding = spec["azureBindingRef"]["metadata"]
        if (binding["namespace"], binding["name"]) in bindings and (
            spec["podNamespace"],
            spec["pod"],
        ) in labelled:
            survivors.append(assigned)
    state_before = len(fake.objects("AzureAssignedIdentity"))
    if len(survivors) != state_before:
        _delete_all(
            fake,
            "AzureAssignedIdentity",
            keep={(a["metadata"]["namespace"], a["metadata"]["name"]) for a in survivors},
        )


def _delete_all(fake: FakeKubeApiServer, kind: str, keep: set[tuple[str, str]]) -> None:
    import http.client

    for obj in fake.objects(kind):
        key = (obj["metadata"]["namespace"], obj["metadata"]["name"])
        if key in keep:
            continue
        connection = http.client.HTTPConnection("127.0.0.1", fake.port)
        path = (
            f"/apis/aadpodidentity.k8s.io/v1/namespaces/{key[0]}/azureassignedidentities/{key[1]}"
        )
        connection.request("DELETE", path)
        assert connection.getresponse().status == 200
        connection.close()


class InMemoryCredentials(Credentials):
    """FICs by (identity, issuer, subject), for the tests about the cluster side; the CLI and
    crash tests go through migrate.azure to the Azure fake instead."""

    def __init__(self) -> None:
        self.created: dict[tuple[str, str, str], str] = {}

    @staticmethod
    def _key(action: CreateFederatedCredential) -> tuple[str, str, str]:
        return (str(action.identity), action.credential.issuer, action.credential.subject)

    def prepare(self, plan: Plan) -> tuple[Plan, list[Result]]:
        results = []
        for action in plan.stage("prepare"):
            if isinstance(action, CreateFederatedCredential):
                key = self._key(action)
                status = "unchanged" if key in self.created else "changed"
                self.created[key] = action.credential.name
                results.append(Result.of(action, status))
        return plan, results

    def missing(self, actions: Any) -> list[str]:
        return [
            f"{a.credential.name} on {a.identity.name}"
            for a in actions
            if self._key(a) not in self.created
        ]


def state(fake: FakeKubeApiServer, *skip_kinds: str) -> dict[str, Any]:
    """dump_state() without the journal and the kinds a test's controllers own."""
    dumped = fake.dump_state()
    dumped.get(JOURNAL[0], {}).pop(JOURNAL[1], None)
    return {k: v for k, v in dumped.items() if k not in skip_kinds and v}


__all__ = ["Action", "InMemoryCredentials", "mic", "rollout", "state"]
