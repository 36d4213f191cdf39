"""The seeded sample on the real control plane, for one test: reset to the seed, wait until
the controllers have settled, read the state back object by object."""

from __future__ import annotations

import time
from typing import Any

from tests.cluster import mic, seed
from tests.cluster.admin import Admin, Json
from tests.cluster.control_plane import ControlPlane
from tests.cluster.processes import wait_for

SAMPLE_NAMESPACES = ("orders", "payments", "search", "billing", "reports")
PI = "aadpodidentity.k8s.io/v1"
SETTLE_TIMEOUT = 300.0
# compared by state(): what the migration reads and writes (pods, ReplicaSets, Jobs and the
# AzureAssignedIdentities are the controllers' and MIC's, compared through their owners)
STATE_KINDS = (
    ("v1", "Namespace"),
    ("v1", "ServiceAccount"),
    ("v1", "ConfigMap"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "CronJob"),
    ("policy/v1", "PodDisruptionBudget"),
    ("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    (PI, "AzureIdentity"),
    (PI, "AzureIdentityBinding"),
    (PI, "AzurePodIdentityException"),
)
# annotations the controllers and the API server keep up to date on their own
SERVER_ANNOTATIONS = (
    "deployment.kubernetes.io/revision",
    "deprecated.daemonset.template.generation",
)


class RealCluster:
    def __init__(self, plane: ControlPlane, admin: Admin) -> None:
        self.plane = plane
        self.admin = admin

    # -- reset and seed --------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the seeded sample, whatever the last test left behind."""
        self.plane.check_alive()
        admin = self.admin
        for namespace in SAMPLE_NAMESPACES:
            admin.delete("v1", "Namespace", namespace)
        sample = seed.documents(seed.SAMPLE)
        for doc in sample:  # PI's install in `default` and its cluster-wide RBAC
            meta = doc["metadata"]
            if doc["kind"] in seed.CONTROLLER_MADE or doc["kind"] == "Namespace":
                continue
            if meta.get("namespace") in SAMPLE_NAMESPACES:
                continue
            if self._has(doc["apiVersion"]):
                admin.delete(doc["apiVersion"], doc["kind"], meta["name"], meta.get("namespace"))
        admin.delete("v1", "ConfigMap", "wi-migrate-journal", "kube-system")
        self._documented_roles()

        def gone() -> bool:
            left = [n for n in SAMPLE_NAMESPACES if admin.get("v1", "Namespace", n) is not None]
            pods = admin.list("v1", "Pod", namespace="default")
            return not left and not pods

        wait_for(
            "the sample's namespaces and pods to go", gone, SETTLE_TIMEOUT, self.plane.processes
        )
        if (
            admin.get(
                "apiextensions.k8s.io/v1",
                "CustomResourceDefinition",
                "azureidentities.aadpodidentity.k8s.io",
            )
            is None
        ):
            seed.crds(admin)
        seed.sample(admin)
        self.settle()

    def _has(self, api_version: str) -> bool:
        if not api_version.startswith("aadpodidentity.k8s.io"):
            return True
        crd = "azureidentities.aadpodidentity.k8s.io"
        return (
            self.admin.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd) is not None
        )

    def _documented_roles(self) -> None:
        """docs/clusterrole.yaml as written (a test may have taken a verb away)."""
        for role in seed.documents(seed.CLUSTER_ROLES):
            live = self.admin.get(role["apiVersion"], role["kind"], role["metadata"]["name"])
            if live is not None and live.get("rules") != role["rules"]:
                self.admin.patch(live, {"rules": role["rules"]})

    # -- the controllers -------------------------------------------------------------------

    def settle(self, timeout: float = SETTLE_TIMEOUT) -> None:
        """Wait until every workload has rolled out (new pods Running and Ready, old ones
        gone), then let the MIC stand-in reconcile the assignments."""
        wait_for("the workloads to roll out", self._settled, timeout, self.plane.processes, 0.5)
        mic.reconcile(self.admin)

    def _settled(self) -> bool:
        """True once settled; else raises NotSettled naming the first workload still moving
        (wait_for reports the last one when time runs out)."""
        for deployment in self.admin.list("apps/v1", "Deployment"):
            if not deployment_done(deployment):
                pods = self._pods_of(deployment)
                raise NotSettled(
                    f"Deployment {_key(deployment)}: {deployment.get('status')}; pods: "
                    + "; ".join(f"{_key(p)} {_pod_state(p)}" for p in pods)
                )
        for sts in self.admin.list("apps/v1", "StatefulSet"):
            status, want = sts.get("status") or {}, sts["spec"].get("replicas", 1)
            if sts["spec"].get("updateStrategy", {}).get("type") == "OnDelete":
                continue
            moving = (
                status.get("observedGeneration", 0) < sts["metadata"]["generation"]
                or status.get("updatedReplicas", 0) != want
                or status.get("readyReplicas", 0) != want
                or status.get("currentRevision") != status.get("updateRevision")
            )
            if moving:
                raise NotSettled(f"StatefulSet {_key(sts)}: {status}")
        for ds in self.admin.list("apps/v1", "DaemonSet"):
            status = ds.get("status") or {}
            want = status.get("desiredNumberScheduled", -1)
            if (
                status.get("observedGeneration", 0) < ds["metadata"]["generation"]
                or want < 1
                or status.get("numberReady") != want
                or status.get("updatedNumberScheduled") != want
            ):
                raise NotSettled(f"DaemonSet {_key(ds)}: {status}")
        terminating = [
            _key(p) for p in self.admin.list("v1", "Pod") if p["metadata"].get("deletionTimestamp")
        ]
        if terminating:
            raise NotSettled(f"pods terminating: {terminating[:5]}")
        return True

    def _pods_of(self, deployment: Json) -> list[Json]:
        labels = deployment["spec"]["selector"].get("matchLabels") or {}
        selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
        namespace = deployment["metadata"]["namespace"]
        return self.admin.list("v1", "Pod", namespace=namespace, label_selector=selector)

    # -- reading back ----------------------------------------------------------------------

    def state(self) -> dict[str, Json]:
        """Every object the migration reads or writes, in the sample's namespaces, `default`
        and cluster-wide, as declared (no server-set fields); the journal left out."""
        out: dict[str, Json] = {}
        crd_present = self._has(PI)
        for api_version, kind in STATE_KINDS:
            if api_version == PI and not crd_present:
                continue
            for obj in self.admin.list(api_version, kind):
                meta = obj["metadata"]
                namespace = meta.get("namespace")
                if namespace is not None and namespace not in (*SAMPLE_NAMESPACES, "default"):
                    continue
                if kind == "Namespace" and meta["name"] not in SAMPLE_NAMESPACES:
                    continue
                if kind == "ConfigMap" and meta["name"] == "kube-root-ca.crt":
                    continue
                if kind in ("ClusterRole", "ClusterRoleBinding") and meta["name"].startswith(
                    "system:"
                ):
                    continue
                out[f"{kind}/{namespace or ''}/{meta['name']}"] = declared(obj)
        return out

    def pods(self, namespace: str | None = None, selector: str | None = None) -> list[Json]:
        return self.admin.list("v1", "Pod", namespace=namespace, label_selector=selector)

    def wait(self, what: str, probe: Any, timeout: float = 60.0) -> Any:
        return wait_for(what, probe, timeout, self.plane.processes, 0.5)


class NotSettled(Exception):
    pass


def _pod_state(pod: Json) -> str:
    status = pod.get("status") or {}
    conditions = ",".join(
        f"{c.get('type')}={c.get('status')}" for c in status.get("conditions") or []
    )
    node = (pod.get("spec") or {}).get("nodeName") or "unscheduled"
    gone = " deleting" if pod["metadata"].get("deletionTimestamp") else ""
    return f"{status.get('phase')} on {node} [{conditions}]{gone}"


def _key(obj: Json) -> str:
    return f"{obj['metadata'].get('namespace', '')}/{obj['metadata']['name']}"


def deployment_done(deployment: Json) -> bool:
    status, want = deployment.get("status") or {}, deployment["spec"].get("replicas", 1)
    if status.get("observedGeneration", 0) < deployment["metadata"]["generation"]:
        return False
    return (
        status.get("updatedReplicas", 0) == want
        and status.get("readyReplicas", 0) == want
        and status.get("availableReplicas", 0) == want
        and status.get("replicas", 0) == want
    )


def declared(obj: Json) -> Json:
    out: Json = seed.strip_server_fields(obj)
    annotations = out.get("metadata", {}).get("annotations") or {}
    for name in SERVER_ANNOTATIONS:
        annotations.pop(name, None)
    if not annotations:
        out.get("metadata", {}).pop("annotations", None)
    return out


def since(started: float) -> float:
    return round(time.monotonic() - started, 1)
