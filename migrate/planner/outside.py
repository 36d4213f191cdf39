"""Selectors used where the tool cannot edit (inventory SelectorUse): still migrated in Azure.

The pods such a use makes keep their aadpodidbinding label until a person changes the
source (a Terraform argument, a custom resource's pod template). So prepare plans the
federated credential and the ServiceAccount annotation as for any workload, and retire
keeps the bindings and identities that serve the selector: deleting them would cut those
pods off from Azure while the label still stands (docs/charts-values-iac.md).
"""

from __future__ import annotations

from migrate.model import describe, findings
from migrate.model.inventory import (
    PI_LABEL,
    AzureIdentity,
    AzureIdentityBinding,
    Finding,
    Inventory,
    SelectorUse,
)
from migrate.planner import values


def kept(inventory: Inventory) -> tuple[set[AzureIdentityBinding], set[tuple[str, str]]]:
    """The bindings retire keeps (their selector is used outside), and the identities
    ("namespace", "name") they name."""
    selectors = {u.selector for u in inventory.selector_uses if values.editable(u) is None}
    bindings = {b for b in inventory.bindings if b.selector in selectors}
    return bindings, {(b.namespace, b.identity) for b in bindings}


def in_use(use: SelectorUse, bindings: list[AzureIdentityBinding]) -> Finding:
    if values.editable(use) is not None:
        return _changed(use, bindings)
    held = ", ".join(f"{b.namespace}/{b.name} (identity {b.identity})" for b in bindings)
    return findings.make(
        "selector-in-use",
        use.origins[0],
        f"{use.what} gives pods {PI_LABEL}: {use.selector}"
        + (f" in namespace {use.namespace}" if use.namespace else "")
        + "; the tool does not change it: "
        + (
            f"retire keeps AzureIdentityBinding {held} while it stands"
            if bindings
            else "no AzureIdentityBinding in the planned files serves it"
        ),
        use.hint,
        f"selector {use.selector}",
    )


def account_unknown(use: SelectorUse, identity: AzureIdentity) -> Finding:
    missing = "namespace and ServiceAccount" if not use.namespace else "ServiceAccount"
    return findings.make(
        "selector-use-account-unknown",
        use.origins[0],
        f"{use.what} gives pods {PI_LABEL}: {use.selector}, but the {missing} they run as "
        f"is not known: no federated credential is planned for identity "
        f"{identity.namespace}/{identity.name} there",
        "name the ServiceAccount where the pods are defined (e.g. serviceAccount.name in the "
        "values or a set block, the namespace of the release) and plan again",
        f"selector {use.selector}",
    )


def _changed(use: SelectorUse, bindings: list[AzureIdentityBinding]) -> Finding:
    served = ", ".join(f"{b.namespace}/{b.name}" for b in bindings)
    return findings.make(
        "chart-values-changed",
        use.origins[0],
        f"{use.what} gives pods {PI_LABEL}: {use.selector} in namespace {use.namespace}: "
        "rewrite changes these values stage by stage"
        + (f"; retire deletes AzureIdentityBinding {served} with the label" if served else "")
        + "".join(
            f"; retire sets {describe.dotted(key)}: {value} (the chart's own AzureIdentity)"
            for key, value in (use.values.retire if use.values else ())
        ),
        use.hint,
        f"selector {use.selector}",
    )


def kept_findings(inventory: Inventory) -> list[Finding]:
    """An info at each binding retire keeps, naming what still uses its selector."""
    bindings, _ = kept(inventory)
    users: dict[str, list[str]] = {}
    for use in inventory.selector_uses:
        if values.editable(use) is None:
            users.setdefault(use.selector, []).append(use.what)
    return [
        findings.make(
            "binding-kept",
            b.origins[0],
            f"AzureIdentityBinding {b.namespace}/{b.name} and AzureIdentity {b.identity} are "
            f"kept at retire: selector {b.selector!r} is still used by "
            + "; ".join(users[b.selector][:3])
            + (" ..." if len(users[b.selector]) > 3 else ""),
            "migrate that use by hand (see its selector-in-use finding), then plan again: "
            "retire deletes them once nothing uses the selector",
            str(b.ref),
        )
        for b in sorted(bindings, key=lambda b: (b.namespace, b.name))
        if b.origins
    ]
