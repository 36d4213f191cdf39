"""Kubernetes objects (plain dicts, from files or the API) to inventory records.

Shared by both sources: `records(obj, namespace, origin)` returns the records and
findings one object yields. Field names of Pod Identity's kinds are matched without
regard to case: users wrote `ResourceID`, `resourceID` and `resourceid` (docs/domain.md §1).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import yaml

from migrate.model import findings, placeholders
from migrate.model.inventory import (
    PI_LABEL,
    AzureAssignedIdentity,
    AzureIdentity,
    AzureIdentityBinding,
    AzurePodIdentityException,
    Finding,
    ObjectRef,
    Origin,
    Pairs,
    PIComponent,
    RoleBinding,
    SecretProviderClass,
    ServiceAccount,
    TemplatedObject,
    Workload,
)
from migrate.read import checks, components
from migrate.read.fields import dig, fold, pairs, text
from migrate.read.files import node_at

Record = Any  # one of the model's record types
Found = tuple[list[Record], list[Finding]]  # what one object yields
TEMPLATE_PATHS = {
    "Pod": (),
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
UNSET_TYPE = checks.UNSET_TYPE
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "MutatingWebhookConfiguration",
}


def records(obj: dict[str, Any], namespace: str, origin: Origin) -> Found:
    kind = str(obj.get("kind", ""))
    meta: dict[str, Any] = obj["metadata"] if isinstance(obj.get("metadata"), dict) else {}
    name = text(meta.get("name"))
    ns = text(meta.get("namespace")) or ("" if kind in CLUSTER_SCOPED else namespace)
    component = components.component(obj, kind, name, ns, meta, origin)
    if component:
        return [component], []
    reader = READERS.get(kind)
    if reader is None:
        return [], []
    if kind in CHECKED_KINDS:
        templated = _templated(obj, kind, name, ns, meta, origin)
        if templated is not None:
            return [templated], []
        # a workload without the label is read for the accounts it shares, as written: a
        # placeholder in its own name is no concern of the migration
        unchecked = kind in WORKLOAD_KINDS and placeholders.find(name + " " + ns)
        problems = [] if unchecked else checks.object_names(kind, name, ns, origin)
        if problems:
            return [], problems
    found, problems = reader(obj, name, ns, meta, origin)
    if found and kind in PI_KINDS and components.aks_managed(meta):
        # `az aks pod-identity add` made it: the add-on runs, and AKS owns the object
        ref = ObjectRef(kind, name, ns, str(obj.get("apiVersion", "")))
        found = [*found, PIComponent(ref, "config", "addon", (origin,))]
    return found, problems


def _templated(
    obj: Any, kind: str, name: str, ns: str, meta: Any, origin: Origin
) -> TemplatedObject | None:
    """The object, when a field its records are made of is a placeholder; else None."""
    written: list[tuple[tuple[str, ...], str]] = [
        (("metadata", "name"), name),
        (("metadata", "namespace") if meta.get("namespace") else ("namespace",), ns),
    ]
    selector = identity = account = ""
    if kind in ("AzureIdentity", "AzureIdentityBinding"):
        spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
        wanted = ("selector", "azureidentity", "resourceid", "clientid")
        for key, value in spec.items():
            if str(key).lower() in wanted:
                written.append((("spec", str(key)), text(value)))
        folded = fold(spec)
        if kind == "AzureIdentityBinding":
            selector, identity = text(folded.get("selector")), text(folded.get("azureidentity"))
    elif kind in TEMPLATE_PATHS:
        path = TEMPLATE_PATHS[kind]
        template = dig(obj, *path) if path else obj
        labels = dig(template, "metadata", "labels")
        if not isinstance(labels, dict) or PI_LABEL not in labels:
            return None  # not a Pod Identity workload: nothing to say about its names
        selector = text(labels[PI_LABEL])
        written.append(((*path, "metadata", "labels", PI_LABEL), selector))
        spec = dig(template, "spec")
        for key in ("serviceAccountName", "serviceAccount"):
            if isinstance(spec, dict) and spec.get(key):
                written.append(((*path, "spec", key), text(spec[key])))
                account = account or text(spec[key])
    fields = tuple(
        (".".join(path), value, 0) for path, value in written if placeholders.find(value)
    )
    if not fields:
        return None
    ref = ObjectRef(kind, name, ns, str(obj.get("apiVersion", "")))
    return TemplatedObject(ref, fields, selector, identity, (origin,), service_account=account)


def field_lines(record: Record, node: yaml.Node | None, line: int) -> Record:
    """A TemplatedObject with the line of each templated field under NODE (LINE when it
    cannot be found there); any other record as it is."""
    if not isinstance(record, TemplatedObject):
        return record
    fields = []
    for field, value, _ in record.fields:
        at = node_at(node, field.split(".")) if node is not None else None
        fields.append((field, value, at.start_mark.line + 1 if at is not None else line))
    return dataclasses.replace(record, fields=tuple(fields))


def _identity(obj: Any, name: str, ns: str, meta: Any, origin: Origin) -> Found:
    spec = fold(obj.get("spec"))
    raw_type = spec.get("type")
    id_type = checks.identity_type(raw_type)
    if id_type is None:
        return [], [
            findings.make(
                "invalid-identity",
                origin,
                f"AzureIdentity {ns}/{name}: type {raw_type!r} is not 0, 1 or 2",
                "use 0 for a user-assigned identity, 1 or 2 for a service principal",
                f"AzureIdentity/{ns}/{name}",
            )
        ]
    password = fold(spec.get("clientpassword"))
    secret = f"{password.get('namespace') or ns}/{password['name']}" if password.get("name") else ""
    namespaced, spelling = checks.behavior(name, ns, origin, meta.get("annotations"))
    return [
        AzureIdentity(
            name=name,
            namespace=ns,
            type=id_type,
            resource_id=text(spec.get("resourceid")),
            client_id=text(spec.get("clientid")),
            tenant_id=text(spec.get("tenantid")),
            secret_ref=secret,
            namespaced=namespaced,
            origins=(origin,),
        )
    ], spelling


def _binding(obj: Any, name: str, ns: str, meta: Any, origin: Origin) -> Found:
    spec = fold(obj.get("spec"))
    selector = text(spec.get("selector"))
    problems = checks.label_value("AzureIdentityBinding", name, ns, origin, "selector", selector)
    if problems:
        return [], problems
    return [
        AzureIdentityBinding(
            name=name,
            namespace=ns,
            identity=text(spec.get("azureidentity")),
            selector=selector,
            origins=(origin,),
        )
    ], []


def _exception(obj: Any, name: str, ns: str, meta: Any, origin: Origin) -> Found:
    spec = fold(obj.get("spec"))
    return [AzurePodIdentityException(name, ns, pairs(spec.get("podlabels")), (origin,))], []


def _assigned(obj: Any, name: str, ns: str, meta: Any, origin: Origin) -> Found:
    spec = fold(obj.get("spec"))

    def ref(key: str) -> str:
        m = fold(dig(spec.get(key), "metadata"))
        return f"{m.get('namespace', '')}/{m.get('name', '')}"

    pod = f"{text(spec.get('podnamespace'))}/{text(spec.get('pod'))}"
    record = AzureAssignedIdentity(
        name,
        ns,
        ref("azureidentityref"),
        ref("azurebindingref"),
        pod,
        text(spec.get("nodename")),
        (origin,),
    )
    return [record], []


def _workload(obj: Any, name: str, ns: str, meta: Any, origin: Origin) -> Found:
    kind = str(obj["kind"])
    path = TEMPLATE_PATHS[kind]
    problems = checks.shape(kind, name, ns, origin, obj, path)
    if problems:
        return [], problems
    template = dig(obj, *path) if path else obj
    spec = dig(template, "spec") or {}
    labels = pairs(dig(template, "metadata", "labels"))
    account = text(spec.get("serviceAccountName") or spec.get("serviceAccount"))
    # (a Pod Identity workload's placeholder made it a TemplatedObject already)
    templated = placeholders.find(account)
    problems = [] if templated else checks.service_account_name(kind, name, ns, origin, account)
    for key, value in labels:
        if key == PI_LABEL:
            problems += checks.label_value(kind, name, ns, origin, f"label {PI_LABEL}", value)
    if problems:
        return [], problems
    volumes: list[Any] = spec["volumes"] if isinstance(spec.get("volumes"), list) else []
    classes = tuple(
        text(dig(v, "csi", "volumeAttributes", "secretProviderClass"))
        for v in volumes
        if dig(v, "csi", "driver") == "secrets-store.csi.k8s.io"
    )
    workload = Workload(
        kind=kind,
        api_version=str(obj.get("apiVersion", "")),
        name=name,
        namespace=ns,
        template_path=path,
        labels=labels,
        selector_labels=_selector_labels(dig(obj, "spec", "selector")) if path else (),
        service_account=account,
        secret_provider_classes=tuple(c for c in classes if c),
        host_network=spec.get("hostNetwork") is True,
        managed_by=managed_by(meta),
        origins=(origin,),
        annotations=pairs(dig(template, "metadata", "annotations")),
        own_label=dict(pairs(meta.get("labels"))).get(PI_LABEL, "") if path else "",
    )
    return [workload], []


def _selector_labels(selector: Any) -> Pairs:
    """The labels an immutable spec.selector names: matchLabels, and the keys of
    matchExpressions (with the value "" : any value may be selected)."""
    expressions = dig(selector, "matchExpressions")
    keys = tuple(
        (text(e.get("key")), "")
        for e in (expressions if isinstance(expressions, list) else [])
        if isinstance(e, dict) and e.get("key")
    )
    return pairs(dig(selector, "matchLabels")) + keys


def managed_by(meta: Any) -> str:
    """Which GitOps or release tool owns an object (and would revert a live patch)."""
    labels = meta.get("labels") if isinstance(meta.get("labels"), dict) else {}
    annotations = meta.get("annotations") if isinstance(meta.get("annotations"), dict) else {}
    # managed-by: Helm alone is not proof of a release: `helm template` output has it too
    if "meta.helm.sh/release-name" in annotations:
        return "helm"
    if any(k.startswith("kustomize.toolkit.fluxcd.io/") for k in labels) or any(
        k.startswith("helm.toolkit.fluxcd.io/") for k in labels
    ):
        return "flux"
    if "argocd.argoproj.io/instance" in labels or "argocd.argoproj.io/tracking-id" in annotations:
        return "argocd"
    return ""


def _service_account(obj: Any, name: str, ns: str, meta: Any, origin: Origin) -> Found:
    secrets = obj.get("imagePullSecrets") if isinstance(obj.get("imagePullSecrets"), list) else []
    automount = obj.get("automountServiceAccountToken")
    return [
        ServiceAccount(
            name=name,
            namespace=ns,
            annotations=pairs(meta.get("annotations")),
            image_pull_secrets=tuple(text(dig(s, "name")) for s in secrets if dig(s, "name")),
            automount=automount if isinstance(automount, bool) else None,
            origins=(origin,),
        )
    ], []


def _role_binding(obj: Any, name: str, ns: str, meta: Any, origin: Origin) -> Found:
    subjects = obj.get("subjects") if isinstance(obj.get("subjects"), list) else []
    accounts = tuple(
        f"{text(s.get('namespace')) or ns}/{text(s.get('name'))}"
        for s in subjects
        if isinstance(s, dict) and s.get("kind") == "ServiceAccount"
    )
    if not accounts:
        return [], []
    kind = str(obj["kind"])
    return [RoleBinding(kind, name, ns if kind == "RoleBinding" else "", accounts, (origin,))], []


def _secret_provider_class(obj: Any, name: str, ns: str, meta: Any, origin: Origin) -> Found:
    params = fold(dig(obj, "spec", "parameters"))
    if dig(obj, "spec", "provider") != "azure":
        return [], []
    use = text(params.get("usepodidentity")).lower() == "true"
    return [SecretProviderClass(name, ns, use, text(params.get("clientid")), (origin,))], []


Reader = Callable[[Any, str, str, Any, Origin], Found]
READERS: dict[str, Reader] = {
    "AzureIdentity": _identity,
    "AzureIdentityBinding": _binding,
    "AzurePodIdentityException": _exception,
    "AzureAssignedIdentity": _assigned,
    "ServiceAccount": _service_account,
    "RoleBinding": _role_binding,
    "ClusterRoleBinding": _role_binding,
    "SecretProviderClass": _secret_provider_class,
    **{kind: _workload for kind in TEMPLATE_PATHS},
}
WORKLOAD_KINDS = frozenset(TEMPLATE_PATHS)
PI_KINDS = frozenset(
    {"AzureIdentity", "AzureIdentityBinding", "AzurePodIdentityException", "AzureAssignedIdentity"}
)
CHECKED_KINDS = PI_KINDS | WORKLOAD_KINDS | {"ServiceAccount"}
__all__ = ["PI_LABEL", "READERS", "WORKLOAD_KINDS", "records"]
