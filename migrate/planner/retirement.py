"""What the retire and uninstall stages delete (docs/architecture.md#stages, docs/domain.md §1)."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping

from migrate.model import findings
from migrate.model.inventory import (
    PI_GROUP,
    PI_LABEL,
    AzureIdentity,
    AzureIdentityBinding,
    Finding,
    Inventory,
    Origin,
    PIComponent,
    text_of,
)
from migrate.model.plan import DeleteObject, ManagedIdentity
from migrate.model.stages import RETIRE, UNINSTALL
from migrate.planner import outside, templated

# the GitOps release of the chart first (its uninstall removes what the chart made), then
# NMI/MIC (after bindings, which retire deletes while MIC still runs), CRDs, the chart source
PI_CRDS = (
    "azureassignedidentities",
    "azureidentities",
    "azureidentitybindings",
    "azurepodidentityexceptions",
)
UNINSTALL_ORDER = ("release", "nmi", "mic", "exception", "config", "rbac", "crd", "source")


def addon(inventory: Inventory) -> bool:
    """The AKS pod-identity add-on runs: AKS owns every Pod Identity object."""
    return any(c.install == "addon" for c in inventory.components)


def self_managed(inventory: Inventory) -> list[PIComponent]:
    """The parts of Pod Identity's install that are not AKS's add-on: uninstall deletes them."""
    return [c for c in inventory.components if c.install != "addon"]


def pod_identity_objects(
    inventory: Inventory, replacements: Mapping[tuple[str, str], ManagedIdentity | None]
) -> list[DeleteObject]:
    """Bindings, then identities, then user exceptions: deleted while MIC still runs. None
    with the AKS add-on: AKS re-creates them; `az aks pod-identity delete` removes them.
    REPLACEMENTS: the managed identity planned for each AzureIdentity (namespace, name)."""
    if addon(inventory):
        return []
    kept_bindings, kept_identities, kept_documents = _kept(inventory)
    objects = [
        *[
            (b.ref, "the workloads it served use workload identity now", b.origins)
            for b in inventory.bindings
            if b not in kept_bindings and _document(b) not in kept_documents
        ],
        *[
            (i.ref, _replaced(i, replacements), i.origins)
            for i in inventory.identities
            if (i.namespace, i.name) not in kept_identities and _document(i) not in kept_documents
        ],
        *[(e.ref, "NMI is no longer in the request path", e.origins) for e in inventory.exceptions],
    ]
    return [DeleteObject(RETIRE, ref, reason, origins) for ref, reason, origins in objects]


def _kept(
    inventory: Inventory,
) -> tuple[set[AzureIdentityBinding], set[tuple[str, str]], set[tuple[str, int, int, str]]]:
    """The bindings and identities ("namespace", "name") retire keeps, and their texts."""
    # a selector used where the tool cannot edit keeps its bindings and their identities
    kept_bindings, kept_identities = outside.kept(inventory)
    # a placeholder may stand for any selector or identity its pattern matches
    could_bindings, could_identities = templated.kept(inventory)
    kept_bindings |= could_bindings
    kept_identities |= could_identities
    # one document built by several kustomize overlays is one text: kept for one, kept
    kept_documents = {_document(b) for b in kept_bindings} | {
        _document(i) for i in inventory.identities if (i.namespace, i.name) in kept_identities
    }
    return kept_bindings, kept_identities, kept_documents


def _document(record: AzureIdentity | AzureIdentityBinding) -> tuple[str, int, int, str]:
    return text_of(record.origins[0], record.ref) if record.origins else ("", 0, 0, str(record.ref))


def _replaced(
    identity: AzureIdentity, replacements: Mapping[tuple[str, str], ManagedIdentity | None]
) -> str:
    if identity.type == 0:
        return "replaced by federated credentials"
    secret = (
        f"; its Secret {identity.secret_ref} is kept for you to delete"
        if identity.secret_ref
        else ""
    )
    key = (identity.namespace, identity.name)
    if key not in replacements:
        return f"nothing replaces it: no planned workload uses this service principal{secret}"
    managed = replacements[key]
    if managed is None:
        return f"no identity replaces this service principal (see its findings){secret}"
    return (
        f"replaced by the new user-assigned identity {managed.name} and its federated "
        f"credentials{secret}"
    )


def uninstall(inventory: Inventory) -> list[DeleteObject]:
    parts = self_managed(inventory)
    parts.sort(key=lambda c: (UNINSTALL_ORDER.index(c.component), c.ref.kind, c.ref.name))
    return [DeleteObject(UNINSTALL, c.ref, _uninstall_reason(c), c.origins) for c in parts]


def _uninstall_reason(part: PIComponent) -> str:
    if part.component == "release":
        return "Pod Identity's chart release: its controller uninstalls NMI, MIC and their objects"
    if part.component == "source":
        return "the chart repository of Pod Identity, which nothing else installs from"
    return f"Pod Identity {part.component} ({part.install} install)"


def unused_bindings(inventory: Inventory) -> list[Finding]:
    used = {w.selector for w in inventory.workloads if w.selector}
    used |= {u.selector for u in inventory.selector_uses}
    used |= {b.selector for b in templated.kept(inventory)[0]}  # templated-value says why
    kept = _kept(inventory)[2]  # its document is kept for another build of it
    return [
        findings.make(
            "unused-binding",
            b.origins[0],
            f"AzureIdentityBinding {b.namespace}/{b.name} has selector {b.selector!r}, which no "
            f"workload's {PI_LABEL} label uses; it is deleted in the retire stage",
            "if pods outside these files use it, plan them too (or plan the cluster)",
            str(b.ref),
        )
        for b in inventory.bindings
        if b.selector not in used and _document(b) not in kept
    ]


def installation_findings(inventory: Inventory) -> list[Finding]:
    out = []
    raw = self_managed(inventory)
    if raw:
        # an object defined in several folders: copies of one install (one per cluster)
        folders = sorted(
            {posixpath.dirname(o.file) or "." for c in raw if len(c.origins) > 1 for o in c.origins}
        )
        copies = (
            f", every copy of each: it is in {len(folders)} folders ({', '.join(folders)})"
            if len(folders) > 1
            else ""
        )
        out.append(
            findings.make(
                "pi-installation",
                raw[0].origins[0],
                f"Pod Identity's own installation ({len(raw)} objects: "
                + ", ".join(sorted({c.component for c in raw}))
                + f") is removed by the uninstall stage{copies}",
                "run uninstall only after retire: MIC must still run while bindings are deleted",
            )
        )
    release = next((c for c in raw if c.component == "release"), None)
    if release is not None:
        out.append(
            findings.make(
                "pi-release-crds",
                release.origins[0],
                f"{release.ref} installs Pod Identity's chart: deleting it at uninstall makes "
                "its controller uninstall the release (NMI, MIC, their exceptions and RBAC), "
                "but Helm keeps the CRDs the chart installed",
                "after uninstall: kubectl delete crd "
                + " ".join(f"{kind}.{PI_GROUP}" for kind in PI_CRDS),
                str(release.ref),
            )
        )
    managed = [c for c in raw if c.install == "addon-manager"]
    if managed:
        out.append(
            findings.make(
                "pi-addon-manager",
                managed[0].origins[0],
                f"{len(managed)} of Pod Identity's objects are labelled "
                "addonmanager.kubernetes.io/mode: the Kubernetes addon manager of the control "
                "plane (aks-engine's addons) keeps them: uninstall deletes them here and in "
                "the cluster, but the addon manager re-creates them while its copy of the "
                "manifest stays",
                "disable the aad-pod-identity addon in the aks-engine API model "
                "(kubernetesConfig.addons: name aad-pod-identity, enabled: false) and upgrade, "
                "or remove its manifest from /etc/kubernetes/addons on every control-plane "
                "node, before the uninstall stage",
            )
        )
    if addon(inventory):
        component = next(c for c in inventory.components if c.install == "addon")
        out.append(
            findings.make(
                "aks-addon",
                component.origins[0] if component.origins else Origin(),
                "the AKS pod-identity add-on runs here: AKS re-creates its objects if they are "
                "deleted by hand, so retire only removes the pod label and leaves the "
                "AzureIdentities, bindings and exceptions to Azure",
                "after retire: az aks pod-identity delete for each identity (and exception "
                "delete for each exception), then az aks update --disable-pod-identity, one "
                "change at a time (apply --stage uninstall prints them)",
            )
        )
    return out
