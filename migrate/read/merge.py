"""One record per object: a base and its kustomize patches become one record."""

from __future__ import annotations

import dataclasses
from typing import Any

from migrate.model import findings
from migrate.model.inventory import (
    AzureAssignedIdentity,
    AzureIdentity,
    AzureIdentityBinding,
    AzurePodIdentityException,
    ExistingCredential,
    Finding,
    Inventory,
    PIComponent,
    RoleBinding,
    SecretProviderClass,
    SelectorUse,
    ServiceAccount,
    TemplatedObject,
    Workload,
    text_of,
)
from migrate.read.objects import UNSET_TYPE, Record

FIELDS = {
    AzureIdentity: "identities",
    AzureIdentityBinding: "bindings",
    AzurePodIdentityException: "exceptions",
    AzureAssignedIdentity: "assigned",
    Workload: "workloads",
    ServiceAccount: "service_accounts",
    RoleBinding: "role_bindings",
    SecretProviderClass: "secret_provider_classes",
    PIComponent: "components",
    ExistingCredential: "credentials",
    SelectorUse: "selector_uses",
    TemplatedObject: "templated",
}


def key(record: Record) -> tuple[str, ...]:
    if isinstance(record, PIComponent):
        ref = record.ref
        return ("PIComponent", ref.kind, ref.namespace, ref.name)
    if isinstance(record, ExistingCredential):
        return ("ExistingCredential", record.identity_resource_id, record.name)
    if isinstance(record, SelectorUse):
        first = str(record.origins[0]) if record.origins else ""
        return ("SelectorUse", first, record.namespace, record.selector, record.what)
    if isinstance(record, TemplatedObject):
        first = str(record.origins[0]) if record.origins else ""
        return ("TemplatedObject", record.ref.kind, record.ref.namespace, record.ref.name, first)
    kind = getattr(record, "kind", type(record).__name__)
    return (type(record).__name__, kind, record.namespace, record.name)


def records(found: list[Record], patches: int = 0) -> tuple[list[Record], tuple[Finding, ...]]:
    """Merge records of the same object; later origins (overlay patches) win conflicts.
    The last PATCHES records come from kustomize patches: changing a value is what they
    are for, not a conflict."""
    by_key: dict[tuple[str, ...], Record] = {}
    problems: list[Finding] = []
    first_patch = len(found) - patches
    for i, record in enumerate(found):
        k = key(record)
        installed = ("PIComponent", *k[1:])  # a patch of Pod Identity's own install
        if i >= first_patch and k not in by_key and installed in by_key:
            k, record = installed, dataclasses.replace(by_key[installed], origins=record.origins)
        if k in by_key:
            by_key[k], conflicts = _merge(by_key[k], record)
            if conflicts and i < first_patch:
                problems.append(_conflict(by_key[k], conflicts))
        else:
            by_key[k] = record
    merged = [_finish(r) for r in by_key.values()]
    # a patch that writes a placeholder (an overlay's `aadpodidbinding: ${ID}`) makes the
    # object it patches templated: the value as built is not known, so it is not planned
    templated = {
        (r.ref.kind, r.ref.namespace, r.ref.name) for r in merged if isinstance(r, TemplatedObject)
    }
    if templated:
        gone = [r for r in merged if _superseded(r, templated)]
        # another overlay's build of the same document: its edits would reach that build
        texts = {text_of(r.origins[0], r.ref): r for r in gone if r.origins and r.origins[0].file}
        shared = [
            r
            for r in merged
            if isinstance(r, Workload)
            and r not in gone
            and r.origins
            and text_of(r.origins[0], r.ref) in texts
        ]
        problems += [_shared_with_templated(r, texts) for r in shared]
        merged = [r for r in merged if r not in gone and r not in shared]
    return merged, tuple(problems)


def _shared_with_templated(
    record: Workload, texts: dict[tuple[str, int, int, str], Record]
) -> Finding:
    first = record.origins[0]
    other = texts[text_of(first, record.ref)]
    return findings.make(
        "templated-value",
        first,
        f"{record.ref} is not planned: {first} is also built as {other.kind} "
        f"{other.namespace}/{other.name}, which a patch gives a placeholder, and an edit of "
        "the file would change that build too",
        "migrate the build with the placeholder first (plan its rendered output), or give "
        "each overlay its own patch of the pod template",
        str(record.ref),
    )


def _superseded(record: Record, templated: set[tuple[str, str, str]]) -> bool:
    if isinstance(record, TemplatedObject | PIComponent | ExistingCredential | SelectorUse):
        return False
    kind = getattr(record, "kind", type(record).__name__)
    return (kind, record.namespace, record.name) in templated


def _merge(old: Record, new: Record) -> tuple[Record, list[str]]:
    # a file two builds reach without renaming its objects is one origin, not two
    changes: dict[str, Any] = {
        "origins": old.origins + tuple(o for o in new.origins if o not in old.origins)
    }
    if isinstance(old, PIComponent):
        # copies of one install (vendored per cluster, of other versions): uninstall
        # deletes every copy, so they are one object with all their origins, no conflict
        return dataclasses.replace(old, **changes), []
    conflicts = []
    for field in dataclasses.fields(old):
        if field.name == "origins":
            continue
        a, b = getattr(old, field.name), getattr(new, field.name)
        if a == b or _empty(b):
            continue
        if _is_pairs(a) and _is_pairs(b):
            joined = dict(a)
            conflicts += [k for k, v in b if k in joined and joined[k] != v]
            joined.update(b)
            changes[field.name] = tuple(joined.items())
            continue
        if not _empty(a):
            conflicts.append(field.name)
        changes[field.name] = b
    return dataclasses.replace(old, **changes), conflicts


def _empty(value: Any) -> bool:
    return value in ("", (), None, False, UNSET_TYPE)


def _is_pairs(value: Any) -> bool:
    return isinstance(value, tuple) and all(isinstance(v, tuple) and len(v) == 2 for v in value)


def _finish(record: Record) -> Record:
    if isinstance(record, AzureIdentity) and record.type == UNSET_TYPE:
        return dataclasses.replace(record, type=0)  # a missing type means 0 (docs/domain.md §1)
    return record


def _conflict(record: Record, fields: list[str]) -> Finding:
    where = ", ".join(str(o) for o in record.origins)
    _, kind, namespace, name = key(record)[:4]
    return findings.make(
        "conflicting-definitions",
        record.origins[-1],
        f"{kind} {namespace}/{name} is defined more than once "
        f"with different {', '.join(sorted(set(fields)))} ({where}); the last one is used",
        "keep one definition of it, or plan the folders that hold them one at a time",
    )


def inventory(records: list[Record], **extra: Any) -> Inventory:
    groups: dict[str, list[Record]] = {name: [] for name in FIELDS.values()}
    for record in records:
        groups[FIELDS[type(record)]].append(record)
    fields: dict[str, Any] = {name: tuple(sorted(rs, key=key)) for name, rs in groups.items()}
    return Inventory(**fields, **extra)
