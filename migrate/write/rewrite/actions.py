"""Each plan action as ops on the documents that hold its target (docs/architecture.md).

A record defined in a kustomize base and patched in an overlay has both documents as
origins: the switch goes where the `aadpodidbinding` label is set (the last such
document, the one that wins), the label is removed from every document that sets it,
and a deleted object goes from every document that defines or patches it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Union

import yaml

from migrate.model import names
from migrate.model.inventory import (
    PI_LABEL,
    WI_CLIENT_ID,
    WI_USE_LABEL,
    Finding,
    ObjectRef,
    Origin,
)
from migrate.model.plan import (
    AddBindingSubject,
    AnnotateServiceAccount,
    CreateServiceAccount,
    DeleteObject,
    ManagedIdentity,
    RemovePodLabel,
    SetChartValues,
    SetSecretProviderClientID,
    SwitchWorkload,
)
from migrate.read.files import Document, child
from migrate.write.rewrite import notes
from migrate.write.rewrite.edits import RewriteError
from migrate.write.rewrite.locate import Located, at, find, labels, scalar_of
from migrate.write.rewrite.ops import AppendItem, Op, RemovePair, Scalar, SetPairs

# a comment that speaks of Pod Identity is wrong once its label is gone
POD_IDENTITY_WORDS = r"aadpod|pod[- ]?identity|azureidentity|\bbindings?\b|\bnmi\b|\bmic\b"


@dataclass(frozen=True)
class Target:
    """An op on one located object of one file."""

    file: str
    located: Located
    op: Op
    why: str


Documents = Callable[[str], list[Document]]
FileAction = Union[  # noqa: UP007 - the actions that change files (the others act in Azure)
    CreateServiceAccount,
    AnnotateServiceAccount,
    AddBindingSubject,
    SwitchWorkload,
    SetSecretProviderClientID,
    RemovePodLabel,
    SetChartValues,
    DeleteObject,
]


def holders(action: FileAction, documents: Documents) -> list[tuple[str, Located]]:
    """Every (file, object) among the action's origins that is its target."""
    found: dict[tuple[str, int, tuple[str | int, ...]], tuple[str, Located]] = {}
    for origin in action.caused_by:
        if not origin.file or origin.file == "-" or origin.remote_entry:
            continue
        located = find(documents(origin.file), as_written(origin, action.target), origin.document)
        if located is not None:
            found.setdefault(
                (origin.file, located.doc.index, located.prefix), (origin.file, located)
            )
    if not found:
        where = ", ".join(sorted({o.file for o in action.caused_by if o.file}))
        raise RewriteError(
            f"{action.target} is not in {where or 'any file'} any more: "
            "the files changed since the plan; plan again"
        )
    return list(found.values())


def as_written(origin: Origin, target: ObjectRef) -> ObjectRef:
    """The object as its file writes it: a kustomize build may rename it (Origin.ref)."""
    if not origin.file or origin.ref.count("/") != 2:
        return target
    kind, namespace, name = origin.ref.split("/")
    if kind != target.kind:  # the origin of another object that caused the action
        return target
    return ObjectRef(kind, name, namespace, target.api_version)


def ops(action: FileAction, documents: Documents, findings: list[Finding]) -> list[Target]:
    why = f"{type(action).__name__} {action.target}"
    if isinstance(action, SwitchWorkload):
        return _switch(action, holders(action, documents), why)
    if isinstance(action, RemovePodLabel):
        return _remove_label(action, holders(action, documents), why, findings)
    if isinstance(action, SetChartValues):
        return _set_values(action, holders(action, documents), why, findings)
    if isinstance(action, AnnotateServiceAccount) and not _defined(action, documents):
        findings.append(_annotate_by_hand(action))
        return []
    file, obj = holders(action, documents)[0]
    prefix = obj.prefix
    if isinstance(action, AnnotateServiceAccount):
        pairs = _client_ids(action.annotations, action.identity, obj, file, findings)
        op: Op = SetPairs((*prefix, "metadata", "annotations"), pairs)
    elif isinstance(action, AddBindingSubject):
        subject = (
            ("kind", Scalar("ServiceAccount")),
            ("name", Scalar(action.service_account.name)),
            ("namespace", Scalar(action.service_account.namespace)),
        )
        op = AppendItem((*prefix, "subjects"), subject)
    elif isinstance(action, SetSecretProviderClientID):
        client_id = action.client_id or placeholder(action.identity, file, obj.line, findings)
        pairs = (("usePodIdentity", Scalar("false", True)), ("clientID", Scalar(client_id, True)))
        op = SetPairs((*prefix, "spec", "parameters"), pairs, fold=True)
    else:  # pragma: no cover - the stage runner sends only the kinds above here
        raise RewriteError(f"{why}: not a file edit")
    return [Target(file, obj, op, why)]


def _set_values(
    action: SetChartValues, found: list[tuple[str, Located]], why: str, findings: list[Finding]
) -> list[Target]:
    file, obj = found[0]
    values = (*obj.prefix, *action.values_at)
    out: list[Op] = []
    for change in action.changes:
        *parent, key = change.key
        if change.remove:
            out.append(_remove(key, (*values, *parent)))
            continue
        value = change.value or placeholder(action.identity, file, obj.line, findings)
        scalar = Scalar(value, quoted=change.style == "string", plain=change.style == "flag")
        out.append(SetPairs((*values, *parent), ((key, scalar),)))
    return [Target(file, obj, op, why) for op in out]


def _defined(action: AnnotateServiceAccount, documents: Documents) -> bool:
    """Whether a file of the plan defines the account (a chart's or Flux's install does
    not: the plan's service-account-not-found finding says so)."""
    try:
        return bool(holders(action, documents))
    except RewriteError:
        return not any(o.file for o in action.caused_by)  # let holders say what is wrong


def _annotate_by_hand(action: AnnotateServiceAccount) -> Finding:
    origin = next(o for o in action.caused_by if o.file)
    pairs = ", ".join(
        f"{k}: {v or action.identity.client_id_or_placeholder}" for k, v in action.annotations
    )
    return notes.make(
        "not-rewritten",
        origin.file,
        origin.line,
        f"{action.target} is not defined in the files rewritten: annotate it by hand ({pairs})",
        "add the annotation where the account is defined (chart values, a patch of it, "
        "another repo) before the switch",
        str(action.target),
    )


def _switch(action: SwitchWorkload, found: list[tuple[str, Located]], why: str) -> list[Target]:
    labelled = [(f, o) for f, o in found if PI_LABEL in labels(o, action.template_path)]
    file, obj = labelled[-1] if labelled else found[0]
    template = (*obj.prefix, *action.template_path)
    out = []
    if action.labels:
        quoted = tuple((k, Scalar(v, True)) for k, v in action.labels)
        out.append(SetPairs((*template, "metadata", "labels"), quoted))
    if action.annotations:
        quoted = tuple((k, Scalar(v, True)) for k, v in action.annotations)
        out.append(SetPairs((*template, "metadata", "annotations"), quoted))
    spec = at(obj.node, (*action.template_path, "spec"))
    keys = [k for k in ("serviceAccountName", "serviceAccount") if spec and child(spec, k)]
    written = names.written(action.service_account, action.name_affixes)
    # a kustomize patch does not repeat the account its base already names, and gets none
    # when its base was not read (Flux's own controllers: the account is the base's)
    patches_only = all(_is_patch(o, action.template_path) for _, o in found)
    named = any(_account(o, action.template_path) == written for _, o in found)
    if keys or not (named or patches_only):
        account = Scalar(written)
        pairs = tuple((k, account) for k in keys or ["serviceAccountName"])
        out.append(SetPairs((*template, "spec"), pairs))
    return [Target(file, obj, op, why) for op in out]


def _is_patch(located: Located, template_path: tuple[str, ...]) -> bool:
    """A strategic-merge patch of a workload: no container with an image, no selector."""
    if at(located.node, ("spec", "selector")) is not None:
        return False
    containers = at(located.node, (*template_path, "spec", "containers"))
    items = containers.value if isinstance(containers, yaml.SequenceNode) else []
    return not any(child(c, "image") is not None for c in items)


def _account(located: Located, template_path: tuple[str, ...]) -> str:
    spec = at(located.node, (*template_path, "spec"))
    for key in ("serviceAccountName", "serviceAccount"):
        node = child(spec, key) if spec is not None else None
        if node is not None:
            return scalar_of(node)
    return ""


def _remove_label(
    action: RemovePodLabel, found: list[tuple[str, Located]], why: str, findings: list[Finding]
) -> list[Target]:
    out = []
    for file, obj in found:
        if action.label not in labels(obj, action.template_path):
            continue
        # the immutable selector is the pod template's; an object's own labels are free
        selector = (
            at(obj.node, ("spec", "selector", "matchLabels")) if action.template_path else None
        )
        if isinstance(selector, yaml.MappingNode) and child(selector, action.label) is not None:
            findings.append(
                notes.make(
                    "not-rewritten",
                    file,
                    obj.line,
                    f"{action.target}: {action.label} is in this document's immutable "
                    "spec.selector.matchLabels: the label stays",
                    "re-create the workload with a selector without the label",
                    str(action.target),
                )
            )
            continue
        path = (*obj.prefix, *action.template_path, "metadata", "labels")
        out.append(Target(file, obj, _remove(action.label, path), why))
    return out


def _remove(label: str, path: tuple[str | int, ...]) -> RemovePair:
    """The removal of LABEL from the mapping at PATH. A comment after aadpodidbinding is
    kept on the line of the label switch put beside it (`aadpodidbinding: web  # prod` →
    `azure.workload.identity/use: "true"  # prod`), unless it speaks of Pod Identity
    (`# match the AzureIdentityBinding selector`): then it goes with the label."""
    if label != PI_LABEL:
        return RemovePair(path, label)
    return RemovePair(path, label, WI_USE_LABEL, POD_IDENTITY_WORDS)


def _client_ids(
    annotations: tuple[tuple[str, str], ...],
    identity: ManagedIdentity,
    obj: Located,
    file: str,
    findings: list[Finding],
) -> tuple[tuple[str, Scalar], ...]:
    existing = at(obj.node, ("metadata", "annotations"))
    out = []
    for key, value in annotations:
        if not value and key == WI_CLIENT_ID:
            if existing is not None and child(existing, key) is not None:
                continue  # a placeholder (or an id) is already there: keep it
            value = placeholder(identity, file, obj.line, findings)
        out.append((key, Scalar(value, True)))
    return tuple(out)


def placeholder(identity: ManagedIdentity, file: str, line: int, findings: list[Finding]) -> str:
    value = identity.client_id_or_placeholder
    findings.append(
        notes.make(
            "placeholder-client-id",
            file,
            line,
            f"the client id of the new identity {identity} is not known yet: "
            f"{value} was written in its place",
            "create the identity (wi-migrate apply --stage prepare, or az identity create), "
            "then replace the placeholder with its client id",
            str(identity),
        )
    )
    return value
