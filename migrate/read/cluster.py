"""Read a live cluster into an Inventory: the only read path to the Kubernetes API.

Each kind is listed once across all namespaces, page by page (docs/architecture.md, performance
budget): the number of calls grows with kinds x pages, never with namespaces or pods. Objects
are plain dicts (camelCase, as in YAML) fed to the same `objects.records` the manifests reader
uses. Pods are read to find bare pods and pods whose owner the tool does not know; a
workload with no running pod is still found through its controller.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from migrate.kubeapi.client import Connection, Object
from migrate.kubeapi.kinds import kind
from migrate.kubeapi.oidc import published_issuer
from migrate.model import findings, progress
from migrate.model.inventory import CLUSTER_SOURCE, PI_LABEL, Finding, Inventory, Origin
from migrate.model.memory import collector_paused
from migrate.read import merge
from migrate.read.objects import Record, records

# read in this order; pods last, when every controller is known
LISTED = (
    "AzureIdentity",
    "AzureIdentityBinding",
    "AzurePodIdentityException",
    "AzureAssignedIdentity",
    "SecretProviderClass",
    "ServiceAccount",
    "RoleBinding",
    "ClusterRoleBinding",
    "ClusterRole",
    "CustomResourceDefinition",
    "PodDisruptionBudget",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "CronJob",
    "ReplicaSet",
    "Job",
    "ReplicationController",
)
# leftovers of Pod Identity read by name only: listing every ConfigMap would read data
BY_NAME = {"ConfigMap": "aad-pod-identity-config", "Endpoints": "aad-pod-identity-mic"}
TOP_OWNERS = {"ReplicaSet": "Deployment", "Job": "CronJob"}  # the controllers we resolve
POD_OWNERS = frozenset({"ReplicaSet", "Job", "StatefulSet", "DaemonSet", "ReplicationController"})
WEBHOOK_NAME = "azure-wi-webhook-mutating-webhook-configuration"
WEBHOOK_LABEL = "azure-workload-identity.io/system"


@dataclass
class Discovery:
    """What a read of the cluster found beyond the inventory itself."""

    issuer: str = ""
    cluster_id: str = ""  # kube-system's uid: which cluster this is, whatever the context's name
    webhook: str = ""  # name of the WI MutatingWebhookConfiguration, "" when absent
    helm_releases: dict[str, str] = field(default_factory=dict)  # "ns/release" -> status
    releases: dict[str, str] = field(default_factory=dict)  # "Kind/ns/name" -> its Helm release


def read(connection: Connection) -> tuple[Inventory, Discovery]:
    """The cluster's inventory. The cycle collector is paused meanwhile: a big cluster's
    pods are all alive at once (decoded JSON, no cycles), and each pass of the collector
    would walk every one of them again (at 50,000 pods, seconds of a read's time)."""
    with collector_paused():
        reader = _Reader(connection)
        reader.run()
        found, conflicts = merge.records(reader.records)
        inventory = merge.inventory(
            found,
            findings=(*reader.findings, *conflicts),
            source=(CLUSTER_SOURCE + connection.name,),
            fingerprints=tuple(sorted(reader.fingerprints.items())),
        )
    return inventory, reader.discovery


def objects(
    connection: Connection,
    kind_name: str,
    *,
    labels: str = "",
    fields: str = "",
    stop: Callable[[], bool] | None = None,
) -> Iterator[Object]:
    """Every object of a kind in all namespaces, page by page (plain dicts); STOP: see
    Connection.pages."""
    target = kind(kind_name)
    query = {k: v for k, v in (("labelSelector", labels), ("fieldSelector", fields)) if v}
    for page in connection.pages(target.path(), query, stop):
        for obj in page:
            obj.setdefault("kind", target.kind)
            obj.setdefault("apiVersion", target.api_version)
            yield obj


def get(connection: Connection, kind_name: str, namespace: str, name: str) -> Object | None:
    return connection.get(kind(kind_name).path(namespace, name))


def origin(obj: Object) -> Origin:
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace", "")
    ref = (
        f"{obj.get('kind')}/{ns}/{meta.get('name')}"
        if ns
        else f"{obj.get('kind')}/{meta.get('name')}"
    )
    return Origin(ref=ref, version=str(meta.get("resourceVersion", "")))


def cluster_id(connection: Connection) -> str:
    """The uid of the kube-system Namespace, the usual identity of a cluster (it lives as long
    as the cluster); "" when it may not be read."""
    from migrate.kubeapi.client import ApiFailure

    try:
        found = connection.get(kind("Namespace").path("", "kube-system"))
    except ApiFailure as e:
        if e.status not in (401, 403):
            raise
        return ""
    return str(((found or {}).get("metadata") or {}).get("uid", ""))


def webhook(connection: Connection) -> str:
    for obj in objects(connection, "MutatingWebhookConfiguration"):
        meta = obj.get("metadata") or {}
        if (
            meta.get("name") == WEBHOOK_NAME
            or (meta.get("labels") or {}).get(WEBHOOK_LABEL) == "true"
        ):
            return str(meta.get("name"))
    return ""


def helm_releases(connection: Connection) -> dict[str, str]:
    """Live Helm releases ("namespace/release" -> status) from their release Secrets' labels;
    only Secrets labelled owner=helm are listed, and their data is dropped unread."""
    from migrate.kubeapi.client import ApiFailure

    releases: dict[str, str] = {}
    try:
        found = list(objects(connection, "Secret", labels="owner=helm"))
    except ApiFailure as e:
        if e.status != 403:
            raise
        return releases  # not granted (docs/rbac.md): no release is known to be live
    for obj in found:
        obj.pop("data", None)
        meta = obj.get("metadata") or {}
        labels = meta.get("labels") or {}
        if obj.get("type") == "helm.sh/release.v1" and labels.get("name"):
            releases[f"{meta.get('namespace', '')}/{labels['name']}"] = str(
                labels.get("status", "")
            )
    return releases


class _Reader:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.records: list[Record] = []
        self.findings: list[Finding] = []
        self.fingerprints: dict[str, str] = {}
        self.discovery = Discovery()
        self.owners: dict[tuple[str, str, str], str] = {}  # (kind, ns, name) -> owner kind or ""

    def run(self) -> None:
        """The pods, a cluster's longest list by far, are read in a thread of their own while
        the other kinds are read here, one list at a time; they are looked at last, when every
        controller is known. A failure stops the pods' list at its next page."""
        stop = threading.Event()
        with ThreadPoolExecutor(1, thread_name_prefix="wi-migrate-pods") as pool:
            pods = pool.submit(lambda: list(objects(self.connection, "Pod", stop=stop.is_set)))
            steps: list[Callable[[], None]] = [
                *(functools.partial(self._list, k) for k in LISTED),
                *(
                    functools.partial(self._list, k, f"metadata.name={n}")
                    for k, n in BY_NAME.items()
                ),
                lambda: self._pods(pods.result()),
                self._cluster_wide,
            ]
            try:
                for step in progress.track(steps, f"reading the cluster ({self.connection.name})"):
                    step()
            finally:
                stop.set()

    def _list(self, kind_name: str, fields: str = "") -> None:
        self._add(objects(self.connection, kind_name, fields=fields))

    def _cluster_wide(self) -> None:
        self.discovery.issuer = published_issuer(self.connection)
        self.discovery.cluster_id = cluster_id(self.connection)
        self.discovery.webhook = webhook(self.connection)
        self.discovery.helm_releases = helm_releases(self.connection)

    def _add(self, objs: Iterable[Object]) -> None:
        for obj in objs:
            meta = obj.get("metadata") or {}
            owner = _controller(meta)
            if obj["kind"] in TOP_OWNERS:
                self.owners[(obj["kind"], meta.get("namespace", ""), meta.get("name", ""))] = (
                    owner["kind"] if owner else ""
                )
                if owner:
                    self._owned(obj, owner)
                    continue  # a Deployment's ReplicaSet, a CronJob's Job: not workloads
            self._records(obj)

    def _records(self, obj: Object) -> None:
        where = origin(obj)
        found, problems = records(obj, "", where)
        if found:
            self.records.extend(found)
            self.fingerprints[where.ref] = where.version
            annotations = (obj.get("metadata") or {}).get("annotations") or {}
            if "meta.helm.sh/release-name" in annotations:
                namespace = annotations.get("meta.helm.sh/release-namespace") or "?"
                release = f"{namespace}/{annotations['meta.helm.sh/release-name']}"
                self.discovery.releases[where.ref] = release
        self.findings.extend(problems)

    def _owned(self, obj: Object, owner: dict[str, Any]) -> None:
        if owner.get("kind") != TOP_OWNERS[obj["kind"]] and _labelled(obj):
            self.findings.append(_unknown_owner(obj, owner))

    def _pods(self, pods: Iterable[Object]) -> None:
        for pod in pods:
            owner = _controller(pod.get("metadata") or {})
            if not owner:
                self._records(pod)  # a bare pod is its own workload
            elif _labelled(pod) and not self._known(pod, owner):
                self.findings.append(_unknown_owner(pod, owner))

    def _known(self, pod: Object, owner: dict[str, Any]) -> bool:
        if owner.get("kind") not in POD_OWNERS:
            return False
        if owner["kind"] not in TOP_OWNERS:
            return True
        key = (owner["kind"], (pod.get("metadata") or {}).get("namespace", ""), owner.get("name"))
        return key in self.owners  # an owner of unknown kind was reported with the owner


def _controller(meta: Any) -> dict[str, Any] | None:
    for ref in meta.get("ownerReferences") or ():
        if isinstance(ref, dict) and ref.get("controller"):
            return ref
    return None


def _labelled(obj: Object) -> bool:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    template = ((obj.get("spec") or {}).get("template") or {}).get("metadata") or {}
    return PI_LABEL in labels or PI_LABEL in (template.get("labels") or {})


def _unknown_owner(obj: Object, owner: dict[str, Any]) -> Finding:
    where = origin(obj)
    return findings.make(
        "unknown-owner",
        where,
        f"{where.ref} carries {PI_LABEL} and is controlled by {owner.get('kind')} "
        f"{owner.get('name')}, which wi-migrate does not know (or could not find): "
        "it is not migrated",
        f'add the label azure.workload.identity/use: "true" and the ServiceAccount to the '
        f"pod template of the {owner.get('kind')} by hand (patching the pods would be reverted)",
        where.ref,
    )


def pods_by_owner(connection: Connection) -> dict[tuple[str, str, str], list[Object]]:
    """Every pod under the (kind, namespace, name) of its top owner (a Deployment for a
    ReplicaSet's pod, a CronJob for a Job's); bare pods under ("Pod", ns, name)."""
    parents: dict[tuple[str, str, str], tuple[str, str]] = {}
    for kind_name in TOP_OWNERS:
        for obj in objects(connection, kind_name):
            meta = obj.get("metadata") or {}
            owner = _controller(meta)
            if owner:
                parents[(kind_name, meta.get("namespace", ""), meta.get("name", ""))] = (
                    str(owner.get("kind")),
                    str(owner.get("name")),
                )
    found: dict[tuple[str, str, str], list[Object]] = {}
    for pod in objects(connection, "Pod"):
        meta = pod.get("metadata") or {}
        ns, owner = meta.get("namespace", ""), _controller(meta)
        key = (
            (str(owner.get("kind")), ns, str(owner.get("name")))
            if owner
            else ("Pod", ns, meta.get("name", ""))
        )
        if key in parents:
            key = (parents[key][0], ns, parents[key][1])
        found.setdefault(key, []).append(pod)
    return found
