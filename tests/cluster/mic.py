"""What MIC does with AzureAssignedIdentities, on the real cluster: NMI and MIC run here as
plain kwok workloads (no Azure to assign identities on), so the tests reconcile the
assignments the way MIC would: one per (pod, binding) for every running pod labelled
aadpodidbinding with a matching AzureIdentityBinding (any namespace, PI's default), deleted
once the pod, its label or the binding is gone."""

from __future__ import annotations

from tests.cluster.admin import Admin, Json

PI = "aadpodidentity.k8s.io/v1"
PI_LABEL = "aadpodidbinding"


def reconcile(admin: Admin) -> tuple[int, int]:
    """Create the missing assignments and delete the stale ones: (created, deleted). Nothing
    once uninstall has removed the CRDs."""
    crd = "azureassignedidentities.aadpodidentity.k8s.io"
    if admin.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd) is None:
        return 0, 0
    bindings = admin.list(PI, "AzureIdentityBinding")
    wanted: dict[tuple[str, str], Json] = {}
    for pod in admin.list("v1", "Pod", label_selector=PI_LABEL):
        meta = pod["metadata"]
        if meta.get("deletionTimestamp") or (pod.get("status") or {}).get("phase") != "Running":
            continue
        for binding in bindings:
            if binding["spec"].get("selector") != meta["labels"][PI_LABEL]:
                continue
            identity_ns = binding["metadata"]["namespace"]
            identity = binding["spec"]["azureIdentity"]
            name = f"{meta['name']}-{identity_ns}-{identity}"
            wanted[(meta["namespace"], name)] = assignment(pod, binding, name)
    existing = {
        (a["metadata"]["namespace"], a["metadata"]["name"])
        for a in admin.list(PI, "AzureAssignedIdentity")
    }
    created = deleted = 0
    for key, obj in wanted.items():
        if key not in existing:
            admin.create(obj)
            created += 1
    for namespace, name in existing - set(wanted):
        admin.delete(PI, "AzureAssignedIdentity", name, namespace)
        deleted += 1
    return created, deleted


def assignment(pod: Json, binding: Json, name: str) -> Json:
    bmeta = binding["metadata"]
    return {
        "apiVersion": PI,
        "kind": "AzureAssignedIdentity",
        "metadata": {"name": name, "namespace": pod["metadata"]["namespace"]},
        "spec": {
            "azureIdentityRef": {
                "metadata": {
                    "name": binding["spec"]["azureIdentity"],
                    "namespace": bmeta["namespace"],
                }
            },
            "azureBindingRef": {
                "metadata": {"name": bmeta["name"], "namespace": bmeta["namespace"]}
            },
            "pod": pod["metadata"]["name"],
            "podNamespace": pod["metadata"]["namespace"],
            "nodename": pod["spec"].get("nodeName", ""),
        },
    }
