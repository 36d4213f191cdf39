"""Flux Kustomizations' postBuild.substitute: the values `${VAR}` placeholders get.

A Flux `Kustomization` (kustomize.toolkit.fluxcd.io) builds `spec.path` of its source and
replaces `${VAR}` (`${VAR:=default}`) in the result with `spec.postBuild.substitute`, and
with the ConfigMaps and Secrets of `substituteFrom`, which are not read here (a Secret's
values are never read). The values are shown beside a templated field; the plan does not use
them: one path is often built by several Kustomizations (one per cluster or tenant), and the
files must keep their placeholders (docs/gitops-guide.md, templated files).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from typing import Any

from migrate.model import placeholders
from migrate.model.inventory import ObjectRef, Origin, Substitute, TemplatedObject
from migrate.read.fields import dig, text
from migrate.read.files import ParseError, SourceFile, parse

MARKER = b"postBuild"
API = "kustomize.toolkit.fluxcd.io/"


@dataclasses.dataclass(frozen=True)
class FluxKustomization:
    ref: ObjectRef
    folders: tuple[str, ...]  # real paths spec.path may mean: under PATH, under the checkout
    values: tuple[tuple[str, str], ...]
    others: tuple[str, ...]  # substituteFrom: "ConfigMap/name", "Secret/name"
    origin: Origin


def read(sources: Iterable[SourceFile], roots: list[str]) -> list[FluxKustomization]:
    """The Flux Kustomizations with postBuild substitutions among SOURCES, read from ROOTS."""
    found = []
    for source in sources:
        if MARKER not in source.searchable or not source.full_path:
            continue
        try:
            docs = parse(source.path, source.text())
        except (ParseError, ValueError):
            continue  # not ours to report: it mentions no Pod Identity
        for doc in docs:
            data = doc.summary
            if isinstance(data, dict) and _is_flux(data):
                origin = Origin(source.path, doc.line, doc.index, version=source.fingerprint)
                kustomization = _kustomization(data, source.full_path, roots, origin)
                if kustomization is not None:
                    found.append(kustomization)
    return found


def given(
    obj: TemplatedObject, file: str, kustomizations: list[FluxKustomization]
) -> TemplatedObject:
    """OBJ with what each Kustomization that builds FILE substitutes into its fields."""
    wanted = {v for _, value, _ in obj.fields for v, _ in placeholders.variables(value)}
    if not wanted:
        return obj
    real = os.path.realpath(file)
    substitutes = tuple(
        Substitute(
            k.ref,
            tuple((name, value) for name, value in k.values if name in wanted),
            k.others,
            k.origin,
        )
        for k in kustomizations
        if any(os.path.commonpath([folder, real]) == folder for folder in k.folders)
    )
    return dataclasses.replace(obj, substitutes=substitutes) if substitutes else obj


def _is_flux(data: dict[str, Any]) -> bool:
    return data.get("kind") == "Kustomization" and str(data.get("apiVersion", "")).startswith(API)


def _kustomization(
    data: dict[str, Any], full_path: str, roots: list[str], origin: Origin
) -> FluxKustomization | None:
    post = dig(data, "spec", "postBuild")
    if not isinstance(post, dict):
        return None
    substitute, sources = post.get("substitute"), post.get("substituteFrom")
    substitute = substitute if isinstance(substitute, dict) else {}
    sources = sources if isinstance(sources, list) else []
    others = tuple(
        f"{text(s.get('kind'))}/{text(s.get('name'))}" for s in sources if isinstance(s, dict)
    )
    meta = data.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    name, namespace = text(meta.get("name")), text(meta.get("namespace"))
    ref = ObjectRef("Kustomization", name, namespace, API + "v1")
    path = text(dig(data, "spec", "path")) or "."
    real = os.path.realpath(full_path)
    tops = [os.path.realpath(r) for r in roots]
    tops = [t for t in tops if os.path.commonpath([t, real]) == t]
    checkout = _checkout(real)
    folders = tuple(dict.fromkeys(os.path.realpath(os.path.join(t, path)) for t in tops + checkout))
    values = tuple((str(k), text(v)) for k, v in substitute.items())
    return FluxKustomization(ref, folders, values, others, origin)


def _checkout(real: str) -> list[str]:
    """The git checkout holding the file (spec.path is relative to its source's root)."""
    current = os.path.dirname(real)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return [current]
        parent = os.path.dirname(current)
        if parent == current:
            return []
        current = parent
