"""Federated identity credentials: read what exists, create only what is missing.

docs/domain.md §2: an existing FIC is found by (issuer, subject), not by name; names are immutable;
at most 20 per identity; writes on one identity must be sequential (409 otherwise), different
identities may be written in parallel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from migrate.azure import retry
from migrate.azure.context import AzureContext
from migrate.azure.results import (
    CHANGED,
    FAILED,
    PENDING,
    SKIPPED,
    UNCHANGED,
    ItemResult,
    OnResult,
)
from migrate.errors import UserError
from migrate.model.inventory import FIC_AUDIENCE, FIC_LIMIT
from migrate.model.plan import CreateFederatedCredential, FederatedCredential, ManagedIdentity

KIND = "federated-credential"


@dataclass(frozen=True)
class Existing:
    name: str
    issuer: str
    subject: str
    audiences: tuple[str, ...]


@dataclass
class _Identity:
    """One identity's planned credentials (indexes into the caller's list) and what exists."""

    identity: ManagedIdentity
    indexes: list[int]
    existing: list[Existing] | None = None
    problem: str = ""  # why the identity could not be read


def ensure_federated_credentials(
    actions: Sequence[CreateFederatedCredential],
    context: AzureContext,
    *,
    write: bool,
    on_result: OnResult | None = None,
) -> list[ItemResult]:
    """One result per action, in the same order. Reads every identity first; writes nothing at
    all when any identity would pass the limit; then writes, one identity per worker."""
    if any(not a.credential.issuer for a in actions):
        raise UserError(
            "the plan has no OIDC issuer: federated credentials cannot be written",
            "plan again with --issuer URL, or pass --aks RESOURCE_GROUP/NAME to read it from AKS",
        )
    results: list[ItemResult | None] = [None] * len(actions)
    report = _reporter(results, on_result)
    groups = _group(actions, report, write)
    _parallel(lambda g: _read(g, context), groups, context.concurrency)
    to_write = {id(g): _decide(g, actions, report) for g in groups}
    over = [g for g in groups if len(g.existing or []) + len(to_write[id(g)]) > FIC_LIMIT]
    for g in groups:
        for i in to_write[id(g)]:
            if over:
                report(i, _refused(actions[i], g, over))
            elif not write:
                report(i, _result(actions[i], PENDING, "would create (dry run)"))
    if write and not over:
        _parallel(
            lambda g: _write(g, to_write[id(g)], actions, context, report),
            groups,
            context.concurrency,
        )
    return [r for r in results if r is not None]


def list_existing(identity: ManagedIdentity, context: AzureContext) -> list[Existing]:
    """Every FIC on an existing identity (all pages)."""
    msi = context.msi(identity.subscription)
    found = retry.call(
        lambda: list(
            msi.federated_identity_credentials.list(identity.resource_group, identity.name)
        ),
        context.retries,
    )
    return [
        Existing(c.name, c.issuer or "", c.subject or "", tuple(c.audiences or ())) for c in found
    ]


def _reporter(
    results: list[ItemResult | None], on_result: OnResult | None
) -> Callable[[int, ItemResult], None]:
    def report(index: int, result: ItemResult) -> None:
        results[index] = result
        if on_result is not None:
            on_result(result)

    return report


def _group(
    actions: Sequence[CreateFederatedCredential],
    report: Callable[[int, ItemResult], None],
    write: bool,
) -> list[_Identity]:
    groups: dict[str, _Identity] = {}
    for i, action in enumerate(actions):
        if action.identity.new and write:
            detail = f"identity {action.identity} was not created (see its own result)"
            report(i, _result(action, SKIPPED, detail))
            continue
        if action.identity.new:
            detail = f"identity {action.identity} does not exist yet: it is created first"
            report(i, _result(action, PENDING, detail))
            continue
        key = action.identity.key
        groups.setdefault(key, _Identity(action.identity, [])).indexes.append(i)
    return list(groups.values())


def _read(group: _Identity, context: AzureContext) -> None:
    from azure.core.exceptions import AzureError

    try:
        group.existing = list_existing(group.identity, context)
    except AzureError as error:
        if retry.is_not_found(error):
            group.problem = f"identity {group.identity.resource_id} was not found"
        else:
            group.problem = f"cannot list the identity's credentials: {retry.describe(error)}"


def _decide(
    group: _Identity,
    actions: Sequence[CreateFederatedCredential],
    report: Callable[[int, ItemResult], None],
) -> list[int]:
    """Report what needs no write; return the indexes still to create."""
    if group.existing is None:
        for i in group.indexes:
            report(i, _result(actions[i], FAILED, group.problem))
        return []
    by_pair = {(c.issuer, c.subject): c for c in group.existing}
    by_name = {c.name.lower(): c for c in group.existing}
    missing = []
    for i in group.indexes:
        wanted = actions[i].credential
        same = by_pair.get((wanted.issuer, wanted.subject))
        clash = by_name.get(wanted.name.lower())
        if same is not None and list(same.audiences) != [FIC_AUDIENCE]:
            detail = (
                f"exists as {same.name} with audiences {list(same.audiences)}: tokens need "
                f"exactly [{FIC_AUDIENCE!r}]; fix or delete that credential by hand"
            )
            report(i, _result(actions[i], FAILED, detail))
        elif same is not None:
            report(i, _result(actions[i], UNCHANGED, f"exists as {same.name}"))
        elif clash is not None:
            detail = (
                f"a credential named {clash.name} exists for issuer {clash.issuer!r}, subject "
                f"{clash.subject!r}; names are immutable, so it is not overwritten: plan "
                "with another --fic-name, or delete it by hand"
            )
            report(i, _result(actions[i], FAILED, detail))
        else:
            missing.append(i)
    return missing


def _refused(
    action: CreateFederatedCredential, group: _Identity, over: list[_Identity]
) -> ItemResult:
    names = ", ".join(g.identity.name for g in over)
    if group in over:
        detail = (
            f"identity {group.identity.name} would pass {FIC_LIMIT} federated credentials; "
            "nothing was written: give some namespaces their own identity"
        )
        return _result(action, FAILED, detail)
    return _result(action, SKIPPED, f"nothing was written: {names} would pass {FIC_LIMIT}")


def _write(
    group: _Identity,
    indexes: list[int],
    actions: Sequence[CreateFederatedCredential],
    context: AzureContext,
    report: Callable[[int, ItemResult], None],
) -> None:
    """This identity's credentials one by one: concurrent writes on one identity fail."""
    from azure.core.exceptions import AzureError

    identity = group.identity
    msi = context.msi(identity.subscription)
    for i in indexes:
        credential = actions[i].credential
        try:
            _put(msi, identity, credential, context)
        except AzureError as error:
            report(i, _result(actions[i], FAILED, retry.describe(error)))
        else:
            report(i, _result(actions[i], CHANGED, f"created for {credential.subject}"))


def _put(
    msi: Any, identity: ManagedIdentity, credential: FederatedCredential, context: AzureContext
) -> None:
    body = {
        "issuer": credential.issuer,
        "subject": credential.subject,
        "audiences": list(credential.audiences),
    }
    retry.call(
        lambda: msi.federated_identity_credentials.create_or_update(
            identity.resource_group, identity.name, credential.name, body
        ),
        context.retries,
    )


def _parallel(work: Callable[[_Identity], None], groups: list[_Identity], workers: int) -> None:
    if len(groups) <= 1:
        for g in groups:
            work(g)
        return
    with ThreadPoolExecutor(max_workers=min(workers, len(groups))) as pool:
        list(pool.map(work, groups))


def _result(action: CreateFederatedCredential, status: str, detail: str) -> ItemResult:
    return ItemResult(KIND, f"{action.identity.name}/{action.credential.name}", status, detail)
