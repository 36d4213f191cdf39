"""Which ServiceAccount a group of pod templates moves to (docs/mapping-rules.md, rule 2)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from migrate.model import findings, names, placeholders
from migrate.model.inventory import (
    Finding,
    Inventory,
    Origin,
    RoleBinding,
    ServiceAccount,
    TemplatedObject,
    Workload,
)
from migrate.model.plan import Settings

DEFAULT = "default"


@dataclass(frozen=True)
class Choice:
    name: str
    create: bool
    existing: ServiceAccount | None  # the declared account that is annotated
    image_pull_secrets: tuple[str, ...]  # carried over to a new account
    automount: bool | None
    role_bindings: tuple[RoleBinding, ...]  # that must also name the new account
    findings: tuple[Finding, ...]


class ServiceAccounts:
    def __init__(self, inventory: Inventory, settings: Settings) -> None:
        self._settings = settings
        self._declared = {(sa.namespace, sa.name): sa for sa in inventory.service_accounts}
        self._users: dict[tuple[str, str], list[Workload]] = defaultdict(list)
        for workload in inventory.workloads:
            self._users[(workload.namespace, _account(workload))].append(workload)
        # indexes, so that each choice looks at its own namespace only (linear planning)
        self._names: dict[str, set[str]] = defaultdict(set)  # declared or used, by namespace
        for namespace, name in [*self._declared, *self._users]:
            self._names[namespace].add(name)
        self._bindings_of: dict[str, list[int]] = defaultdict(list)  # "ns/sa" -> role bindings
        for i, rb in enumerate(inventory.role_bindings):
            for account in dict.fromkeys(rb.service_accounts):
                self._bindings_of[account].append(i)
        self._role_bindings = inventory.role_bindings
        # pods whose namespace or account is a placeholder may run as any account it matches
        self._maybe: list[tuple[str, str, Workload | TemplatedObject]] = [
            (t.ref.namespace, t.service_account or DEFAULT, t)
            for t in inventory.templated
            if t.selector and t.ref.kind != "AzureIdentityBinding"  # a templated workload
        ] + [
            (w.namespace, _account(w), w)
            for w in inventory.workloads
            if placeholders.find(f"{w.namespace} {_account(w)}")
        ]
        self._planned: dict[str, dict[str, str]] = defaultdict(
            dict
        )  # namespace -> name -> selector

    def declared(self, namespace: str, name: str) -> bool:
        """A manifest in PATH defines the account (its annotations can be rewritten)."""
        return (namespace, name) in self._declared

    def choose(self, namespace: str, selector: str, workloads: Sequence[Workload]) -> Choice:
        used = sorted({_account(w) for w in workloads})
        notes: list[Finding] = []
        if len(used) == 1 and used[0] != DEFAULT:
            others = self._others(namespace, used[0], selector)
            if not others and self._planned[namespace].get(used[0], selector) == selector:
                return self._reuse(namespace, selector, used[0], workloads)
            notes.append(_shared(namespace, used[0], workloads[0], others))
        wanted = names.dns_subdomain(
            names.fill(self._settings.sa_name, {"selector": selector, "namespace": namespace})
        )
        name = names.unique(_affixed(wanted, workloads), self._taken(namespace, selector))
        self._planned[namespace][name] = selector
        previous = [
            self._declared[(namespace, u)] for u in used if (namespace, u) in self._declared
        ]
        automounts = {sa.automount for sa in previous if sa.automount is not None}
        existing = self._declared.get((namespace, name))
        return Choice(
            name=name,
            create=existing is None,
            existing=existing,
            image_pull_secrets=tuple(
                dict.fromkeys(s for sa in previous for s in sa.image_pull_secrets)
            ),
            automount=automounts.pop() if len(automounts) == 1 else None,
            role_bindings=self._bindings_to_extend(namespace, used, name),
            findings=tuple(notes),
        )

    def _reuse(
        self, namespace: str, selector: str, name: str, workloads: Sequence[Workload]
    ) -> Choice:
        self._planned[namespace][name] = selector
        existing = self._declared.get((namespace, name))
        first = workloads[0]
        notes = () if existing else (not_found(namespace, name, str(first.ref), first.origins[0]),)
        return Choice(name, False, existing, (), None, (), notes)

    def _others(self, namespace: str, name: str, selector: str) -> list[Workload | TemplatedObject]:
        """Who else runs as the account: they must not get the identity (trust is never
        widened), a templated pod that could run as it included."""
        others: list[Workload | TemplatedObject] = [
            w for w in self._users[(namespace, name)] if w.selector != selector
        ]
        return others + [
            user
            for ns, account, user in self._maybe
            if placeholders.could_be(ns, namespace) and placeholders.could_be(account, name)
        ]

    def _taken(self, namespace: str, selector: str) -> set[str]:
        taken = {n for n in self._names[namespace] if self._others(namespace, n, selector)}
        taken |= {n for n, s in self._planned[namespace].items() if s != selector}
        return taken | {DEFAULT}

    def _bindings_to_extend(
        self, namespace: str, used: list[str], name: str
    ) -> tuple[RoleBinding, ...]:
        new = f"{namespace}/{name}"
        naming_old = sorted({i for u in used for i in self._bindings_of[f"{namespace}/{u}"]})
        return tuple(
            self._role_bindings[i]
            for i in naming_old
            if new not in self._role_bindings[i].service_accounts
        )


def _affixed(name: str, workloads: Sequence[Workload]) -> str:
    """A new account written next to the workloads gets their kustomize build's namePrefix
    and nameSuffix: its credential must name the account as built."""
    affixes = {w.name_affixes for w in workloads}
    if len(affixes) != 1 or not workloads[0].name_affixes:
        return name
    prefix, suffix = workloads[0].name_affixes
    return names.dns_subdomain(f"{prefix}{name}{suffix}")


def _account(workload: Workload) -> str:
    return workload.service_account or DEFAULT


def _shared(
    namespace: str, name: str, first: Workload, others: list[Workload | TemplatedObject]
) -> Finding:
    who = ", ".join(str(w.ref) for w in others[:3]) + (" ..." if len(others) > 3 else "")
    return findings.make(
        "service-account-shared",
        first.origins[0],
        f"ServiceAccount {namespace}/{name} is also used by {who}, which must not get this "
        "identity: a dedicated ServiceAccount is planned",
        "nothing to do; its imagePullSecrets and role bindings are carried over",
        f"ServiceAccount/{namespace}/{name}",
    )


def not_found(namespace: str, name: str, user: str, origin: Origin) -> Finding:
    return findings.make(
        "service-account-not-found",
        origin,
        f"ServiceAccount {namespace}/{name} is used by {user} but is not defined in the "
        "planned files; its annotations must be added where it is defined",
        "add its manifest to the planned paths, or annotate it by hand (chart values, "
        "another repo)",
        f"ServiceAccount/{namespace}/{name}",
    )
