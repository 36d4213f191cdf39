"""Pod Identity's own installation (MIC, NMI, RBAC, CRDs, exceptions) recognized in objects."""

from __future__ import annotations

from typing import Any

from migrate.model.inventory import PI_GROUP, ObjectRef, Origin, PIComponent
from migrate.read.fields import dig, text

PI_CHART = "aad-pod-identity"  # the chart's name, and its repository's path
# what AKS puts on the objects it manages (the pod-identity add-on's included); the
# exception kube-system/aks-addon-exception is no such mark: the raw manifests and the
# chart create it too (docs/domain.md §1)
AKS_MANAGED_LABELS = (("kubernetes.azure.com/managedby", "aks"),)
# the Kubernetes addon manager's mark (aks-engine's addons, kube-up clusters): a
# self-managed install that the addon manager re-creates from the control plane's files
ADDON_MANAGER = "addonmanager.kubernetes.io/mode"
ADDON_MANAGED = "addon-manager"  # the install of objects with ADDON_MANAGER
PI_ACCOUNTS = {"aad-pod-id-nmi-service-account", "aad-pod-id-mic-service-account"}
# the pod labels of MIC and NMI (raw manifests, chart, aks-engine): an exception that
# selects them is the install's own, removed with it at uninstall, not at retire
INSTALL_POD_LABELS = {
    ("app", "mic"),
    ("component", "mic"),
    ("app.kubernetes.io/component", "mic"),
    ("component", "nmi"),
    ("app.kubernetes.io/component", "nmi"),
    ("kubernetes.azure.com/managedby", "aks"),
}
PI_HELM_NAMES = {"aad-pod-identity-mic", "aad-pod-identity-nmi", "mic-pdb"}
PI_RAW_NAMES = {
    ("DaemonSet", "nmi"): "nmi",
    ("Deployment", "mic"): "mic",
    ("ServiceAccount", "aad-pod-id-nmi-service-account"): "rbac",
    ("ServiceAccount", "aad-pod-id-mic-service-account"): "rbac",
    ("ClusterRole", "aad-pod-id-nmi-role"): "rbac",
    ("ClusterRole", "aad-pod-id-mic-role"): "rbac",
    ("ClusterRoleBinding", "aad-pod-id-nmi-binding"): "rbac",
    ("ClusterRoleBinding", "aad-pod-id-mic-binding"): "rbac",
    ("ConfigMap", "aad-pod-identity-config"): "config",
    ("Endpoints", "aad-pod-identity-mic"): "config",
    ("AzurePodIdentityException", "mic-exception"): "exception",
    ("AzurePodIdentityException", "aks-addon-exception"): "exception",
}


def component(
    obj: dict[str, Any], kind: str, name: str, ns: str, meta: dict[str, Any], origin: Origin
) -> PIComponent | None:
    labels: dict[str, Any] = meta["labels"] if isinstance(meta.get("labels"), dict) else {}
    ref = ObjectRef(kind, name, ns, str(obj.get("apiVersion", "")))
    if aks_managed(meta) and _pi_named(kind, name, labels):
        part = PI_RAW_NAMES.get((kind, name), "") or _component_kind(kind, _part_of(name))
        return PIComponent(ref, part, "addon", (origin,))
    gitops = _gitops(obj, kind, ref.api_version)
    if gitops:
        return PIComponent(ref, gitops, "helm", (origin,))
    raw = ADDON_MANAGED if ADDON_MANAGER in labels else "raw"
    if kind == "CustomResourceDefinition" and name.endswith("." + PI_GROUP):
        return PIComponent(ref, "crd", raw, (origin,))
    if labels.get("app.kubernetes.io/name") == "aad-pod-identity" or name in PI_HELM_NAMES:
        part = str(labels.get("app.kubernetes.io/component", "")) or _part_of(name)
        # a live release annotates its objects; `helm template` output only labels them
        annotations = meta.get("annotations")
        live = isinstance(annotations, dict) and "meta.helm.sh/release-name" in annotations
        install = "helm" if live else raw
        return PIComponent(ref, _component_kind(kind, part), install, (origin,))
    part = PI_RAW_NAMES.get((kind, name), "")
    if part in ("nmi", "mic") and not _runs_pod_identity(obj):
        part = ""  # a Deployment merely called mic
    if not part and kind == "AzurePodIdentityException" and _selects_install(obj):
        part = "exception"
    return PIComponent(ref, part, raw, (origin,)) if part else None


def aks_managed(meta: dict[str, Any]) -> bool:
    """Labelled or annotated as managed by AKS (an add-on's object), not by its name."""
    marks: dict[str, Any] = {}
    for key in ("labels", "annotations"):
        if isinstance(meta.get(key), dict):
            marks.update(meta[key])
    return any(str(marks.get(key, "")).lower() == value for key, value in AKS_MANAGED_LABELS)


def _pi_named(kind: str, name: str, labels: dict[str, Any]) -> bool:
    """One of Pod Identity's own objects by name (NMI, MIC, their RBAC, config)."""
    return (kind, name) in PI_RAW_NAMES or labels.get("app.kubernetes.io/name") == PI_CHART


def installs_pod_identity(obj: dict[str, Any]) -> bool:
    """A Flux HelmRelease, Argo CD Application or HelmRepository of Pod Identity's chart:
    a component to uninstall, not a release whose values migrate."""
    return bool(_gitops(obj, str(obj.get("kind", "")), str(obj.get("apiVersion", ""))))


def _gitops(obj: Any, kind: str, api: str) -> str:
    """A GitOps object that installs Pod Identity's chart: a Flux HelmRelease or an Argo CD
    Application of it ("release"), a Flux HelmRepository that serves only it ("source")."""
    if kind == "HelmRelease" and api.startswith("helm.toolkit.fluxcd.io/"):
        # the chart by name (a HelmRepository) or by its path (a GitRepository, a bucket)
        chart = text(dig(obj, "spec", "chart", "spec", "chart")).rstrip("/")
        return "release" if chart == PI_CHART or chart.endswith("/" + PI_CHART) else ""
    if kind == "Application" and api.startswith("argoproj.io/"):
        source = (
            text(dig(obj, "spec", "source", "chart")),
            text(dig(obj, "spec", "source", "path")),
        )
        return "release" if any(s.rstrip("/").endswith(PI_CHART) for s in source) else ""
    if kind == "HelmRepository" and api.startswith("source.toolkit.fluxcd.io/"):
        return "source" if PI_CHART in text(dig(obj, "spec", "url")) else ""
    return ""


def _runs_pod_identity(obj: Any) -> bool:
    """NMI or MIC: its image is Pod Identity's (any registry that mirrors its path), or
    its pods run as the install's ServiceAccount (an image renamed in a private mirror)."""
    spec = dig(obj, "spec", "template", "spec")
    containers = dig(spec, "containers")
    images = [text(dig(c, "image")) for c in containers] if isinstance(containers, list) else []
    return any("aad-pod-identity" in i for i in images) or (
        text(dig(spec, "serviceAccountName")) in PI_ACCOUNTS
    )


def _selects_install(obj: Any) -> bool:
    """An exception whose pod labels pick MIC's or NMI's pods (the chart's `mic`, a
    renamed copy of mic-exception.yaml): the install's, not a user's."""
    spec = dig(obj, "spec")
    labels = (
        next(
            (v for k, v in spec.items() if str(k).lower() == "podlabels"),
            None,
        )
        if isinstance(spec, dict)
        else None
    )
    if not isinstance(labels, dict) or not labels:
        return False
    return all((str(k), str(v)) in INSTALL_POD_LABELS for k, v in labels.items())


def _part_of(name: str) -> str:
    return "mic" if "mic" in name else "nmi" if "nmi" in name else "config"


def _component_kind(kind: str, part: str) -> str:
    if kind in ("Deployment", "DaemonSet"):
        return part
    if kind == "AzurePodIdentityException":
        return "exception"
    if kind in ("ConfigMap", "Endpoints", "PodDisruptionBudget"):
        return "config"
    return "rbac"
