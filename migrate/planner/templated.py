"""Objects and selector uses named by placeholders (model/placeholders.py): never planned.

`name: ${APP}` is not the name Kubernetes will see, so no federated credential, ServiceAccount,
patch or delete is planned from it. What it could stand for is kept: a pod label
`aadpodidbinding: ${IDENTITY}` may mean any binding, so retire keeps every binding its
pattern could match, and a binding's `azureIdentity: ${ID}` every identity it could name,
as retire does for a selector used outside (planner/outside.py). Each one is a warning at
the templated field's line.
"""

from __future__ import annotations

from migrate.model import findings, placeholders
from migrate.model.inventory import (
    AzureIdentity,
    AzureIdentityBinding,
    Finding,
    Inventory,
    Origin,
    SelectorUse,
    Substitute,
    TemplatedObject,
    Workload,
)

HINT = (
    "plan the files as they are applied (envsubst, flux build, helm template, terraform), "
    "or migrate this by hand once its values are known"
)


def templated_use(use: SelectorUse) -> list[tuple[str, str]]:
    """(field, value) of each placeholder among a use's selector, namespace and account."""
    fields = (
        ("selector", use.selector),
        ("namespace", use.namespace),
        ("ServiceAccount", use.service_account),
    )
    return [(field, value) for field, value in fields if placeholders.find(value)]


def kept(inventory: Inventory) -> tuple[set[AzureIdentityBinding], set[tuple[str, str]]]:
    """The bindings a templated pod label could mean, and the identities
    ("namespace", "name") those bindings, or a templated binding, could name."""
    bindings = {b for s in _selectors(inventory) for b in _could_use(inventory, s)}
    identities = {(b.namespace, b.identity) for b in bindings}
    for t in inventory.templated:
        identities |= {(i.namespace, i.name) for i in _could_name(inventory, t)}
    return bindings, identities


def all_findings(inventory: Inventory) -> list[Finding]:
    out = [_object(inventory, t) for t in inventory.templated if _matters(inventory, t)]
    out += [_use(inventory, u, f) for u in inventory.selector_uses if (f := templated_use(u))]
    return out


def _matters(inventory: Inventory, obj: TemplatedObject) -> bool:
    """Pod Identity's objects and workloads always; a ServiceAccount only when a Pod
    Identity workload could run as it (templated accounts are common, and mostly unrelated)."""
    return obj.ref.kind != "ServiceAccount" or bool(_runs_as(inventory, obj))


def _runs_as(inventory: Inventory, account: TemplatedObject) -> list[Workload]:
    return [
        w
        for w in inventory.workloads
        if w.selector
        and w.service_account
        and placeholders.could_be(account.ref.namespace, w.namespace)
        and placeholders.could_be(account.ref.name, w.service_account)
    ]


def could_serve(inventory: Inventory, selector: str) -> str:
    """Words naming the templated bindings that SELECTOR's pods may use once filled in."""
    could = [
        t
        for t in inventory.templated
        if _is_binding(t) and t.selector and placeholders.could_be(t.selector, selector)
    ]
    if not could:
        return ""
    shown = ", ".join(f"{t.ref.namespace}/{t.ref.name} ({t.origins[0]})" for t in could)
    return f"; templated AzureIdentityBinding {shown} may serve them once filled in"


def _selectors(inventory: Inventory) -> list[str]:
    """The pod labels of templated workloads and uses, as written."""
    out = [t.selector for t in inventory.templated if t.selector and not _is_binding(t)]
    return out + [u.selector for u in inventory.selector_uses if templated_use(u)]


def _is_binding(obj: TemplatedObject) -> bool:
    return obj.ref.kind == "AzureIdentityBinding"


def _could_use(inventory: Inventory, selector: str) -> list[AzureIdentityBinding]:
    return [b for b in inventory.bindings if placeholders.could_be(selector, b.selector)]


def _could_name(inventory: Inventory, obj: TemplatedObject) -> list[AzureIdentity]:
    if not _is_binding(obj) or not obj.identity:
        return []
    return [
        i
        for i in inventory.identities
        if placeholders.could_be(obj.ref.namespace, i.namespace)
        and placeholders.could_be(obj.identity, i.name)
    ]


def _object(inventory: Inventory, obj: TemplatedObject) -> Finding:
    shown = "; ".join(f"{field} {value!r} (line {line})" for field, value, line in obj.fields)
    if _is_binding(obj):
        keeps = _keeps("AzureIdentity", _could_name(inventory, obj), "it could name")
    elif obj.ref.kind == "ServiceAccount":
        keeps = "; it may be the account " + ", ".join(
            sorted(f"{w.ref} runs as" for w in _runs_as(inventory, obj))
        )
    else:
        keeps = _keeps("AzureIdentityBinding", _could_use(inventory, obj.selector), "it could use")
    first = min(line for _, _, line in obj.fields)
    origin = obj.origins[0]
    given = "".join(f"; {_given(obj, s)}" for s in obj.substitutes)
    return findings.make(
        "templated-value",
        Origin(origin.file, first, origin.document, origin.ref, origin.version),
        f"{obj.ref.kind} {obj.ref.namespace}/{obj.ref.name}: {shown} {_is(obj.fields)} "
        f"filled in later: nothing is planned from this object{keeps}{given}",
        HINT,
        str(obj.ref)[:200],
    )


def _use(inventory: Inventory, use: SelectorUse, fields: list[tuple[str, str]]) -> Finding:
    shown = "; ".join(f"{field} {value!r}" for field, value in fields)
    keeps = _keeps("AzureIdentityBinding", _could_use(inventory, use.selector), "it could use")
    return findings.make(
        "templated-value",
        use.origins[0],
        f"{use.what} gives pods {use.selector!r}: {shown} {_is(fields)} filled in later: "
        f"no federated credential or ServiceAccount change is planned for it{keeps}",
        HINT if use.values is not None else use.hint,  # the values are not changed after all
        f"selector {use.selector}"[:200],
    )


def _given(obj: TemplatedObject, by: Substitute) -> str:
    """What one Flux Kustomization makes of the fields (it may leave some unknown)."""
    values = dict(by.values)
    made = [
        f"{field} {filled!r}"
        for field, value, _ in obj.fields
        if (filled := placeholders.substitute(value, values)) != value
    ]
    where = f"Flux Kustomization {by.by.namespace}/{by.by.name} ({by.origin})"
    others = f" (with what {', '.join(by.others)} gives, not read)" if by.others else ""
    if not made:
        return f"{where} substitutes none of these variables{others}"
    return f"{where} makes {', '.join(made)}{others}"


def _keeps(kind: str, objects: list[AzureIdentity] | list[AzureIdentityBinding], how: str) -> str:
    if not objects:
        return ""
    shown = ", ".join(sorted(f"{o.namespace}/{o.name}" for o in objects))
    return f"; retire keeps {kind} {shown}, which {how}"


def _is(fields: tuple[object, ...] | list[tuple[str, str]]) -> str:
    return "is a placeholder" if len(fields) == 1 else "are placeholders"
