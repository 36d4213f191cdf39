"""Pod labels in custom resources whose operator builds the pods (inventory SelectorUse).

A Prometheus writes `spec.podMetadata.labels`, a KEDA ScaledJob
`spec.jobTargetRef.template.metadata.labels`, an Argo Rollout or a Strimzi Kafka their own
template: the tool does not rewrite these kinds, but their pods carry the label, so the
selector is in use (retire keeps its bindings) and prepare still plans the credential for the
ServiceAccount the resource names (docs/charts-values-iac.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from migrate.model.inventory import PI_LABEL, WI_USE_LABEL, Origin, SelectorUse
from migrate.read.files import Document, node_at


def uses(doc: Document, origin: Origin, kind: str, namespace: str) -> list[SelectorUse]:
    """One use per `labels: {aadpodidbinding: X}` map in the resource."""
    data = doc.summary
    if not isinstance(data, dict):
        return []
    meta: dict[str, Any] = data["metadata"] if isinstance(data.get("metadata"), dict) else {}
    name = str(meta.get("name", ""))
    ns = str(meta.get("namespace") or namespace)
    out = []
    for path, selector in _labels(data, ()):
        node = node_at(doc.node, list(path))
        line = node.start_mark.line + 1 if node is not None else origin.line
        at = Origin(origin.file, line, origin.document, origin.ref, origin.version)
        dotted = ".".join(path[:-1])
        use_label = ".".join((*path[:-1], f'"{WI_USE_LABEL}"'))
        out.append(
            SelectorUse(
                selector,
                ns,
                _account(data, path),
                f"{kind} {ns}/{name} ({dotted})",
                f'where {kind} {name} builds its pods: set {use_label}: "true" and the '
                f"pods' serviceAccountName at switch, remove {dotted}.{PI_LABEL} at retire",
                (at,),
            )
        )
    return out


def _labels(data: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        here = (*path, str(key))
        if key == PI_LABEL and path[-1:] == ("labels",) and isinstance(value, (str, int)):
            if str(value):
                yield here, str(value)
        else:
            yield from _labels(value, here)


def _account(data: dict[str, Any], label: tuple[str, ...]) -> str:
    """The ServiceAccount of the pods: the template's (beside its metadata), else the
    resource's own spec.serviceAccountName (Prometheus, Alertmanager); "" when neither."""
    template = label[:-3]  # (..., metadata, labels, aadpodidbinding) -> the template
    for path in ((*template, "spec", "serviceAccountName"), ("spec", "serviceAccountName")):
        value: Any = data
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str) and value:
            return value
    return ""
