"""Values given to a chart from outside it: a Flux HelmRelease's spec.values, an Argo CD
Application's spec.source.helm.valuesObject or values string.

A release is read when its values set the pod label `aadpodidbinding` or when it installs a
chart of the same repository (whose own values may: charts.installed_uses). A chart that is not
in PATH is assumed to have the common keys (podLabels, serviceAccount.*), and a finding says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from migrate.model import findings
from migrate.model.describe import dotted
from migrate.model.inventory import (
    PI_LABEL,
    WI_CLIENT_ID,
    WI_USE_LABEL,
    Finding,
    ObjectRef,
    Origin,
    SelectorUse,
    ValuesSite,
)
from migrate.read.fields import dig, mapping
from migrate.read.files import Document, ParseError, node_at, parse
from migrate.read.helm_values import LABELS_KEY, key_lines, scalars

RELEASE_KINDS = ("HelmRelease", "Application")


@dataclass(frozen=True)
class Release:
    kind: str  # "HelmRelease" or "Application"
    name: str
    namespace: str  # where the chart's objects go
    origin: Origin
    values: dict[str, Any]
    where: str  # the values' field, e.g. spec.values
    lines: dict[tuple[str, ...], int]  # key path in the values -> file line (0: not known)
    chart: str  # the chart it installs, as the release names it
    local: bool  # a chart folder in the same repository (its keys were read there)
    target: ObjectRef  # the release object, as its file names it
    values_at: tuple[str, ...] | None  # the values' mapping in it; None: not plain YAML
    # values files of a chart in PATH, in order, relative to the chart folder (Argo CD
    # helm.valueFiles after values.yaml; Flux chart.spec.valuesFiles instead of it)
    value_files: tuple[str, ...] = ("values.yaml",)

    def uses(self, client_id: Any) -> list[SelectorUse]:
        """One use per label the values set: the planner plans the credential and
        annotation for the account the values name, and retire keeps the bindings."""
        out = []
        for path, selector in _labels(self.values, ()):
            line = self.lines.get(path, 0) or self.origin.line
            origin = Origin(
                self.origin.file, line, self.origin.document, version=self.origin.version
            )
            # an umbrella chart's subchart values sit under its name: kong.podLabels
            account_key = (*path[:-2], "serviceAccount")
            account = mapping(dig(self.values, *account_key))
            # an account only when the values name it: a chart's default name depends on
            # its release name and on keys of its own, which are not read here
            named = str(account.get("name") or "")
            sa = dotted(account_key)
            prepare = []
            if account.get("create") is False:
                prepare.append(f"({sa}.create is false: annotate {named} where it is)")
            elif "create" in account and account.get("create") is not True:
                prepare.append(f"{sa}.create: true")
            if not named:
                prepare.append(f"{sa}.name: {selector} (then plan again)")
            cid = client_id(selector) or "<the identity's client id>"
            prepare.append(f'{sa}.annotations."{WI_CLIENT_ID}": "{cid}"')
            what = f"{self.kind} {self.namespace}/{self.name} ({self.where}: {dotted(path)})"
            site = self._site(path, account_key)
            hint = (
                f"review the value changes the plan lists for {self.where}: rewrite makes "
                "them, one stage at a time"
                if site is not None
                else f"migrate it in {self.where}: prepare: {', '.join(prepare)}; switch: "
                f'{dotted((*path[:-1], WI_USE_LABEL))}: "true"; retire: remove {dotted(path)}'
            )
            out.append(SelectorUse(selector, self.namespace, named, what, hint, (origin,), site))
        return out

    def assumed(self) -> Finding | None:
        """A chart not in PATH: the keys the tool reads and changes are the common ones."""
        if self.local:
            return None
        return findings.make(
            "chart-keys-assumed",
            self.origin,
            f"{self.kind} {self.namespace}/{self.name} installs chart {self.chart}, which is "
            "not in PATH: its values are read and changed with the common chart keys "
            "(podLabels, serviceAccount.create/name/annotations)",
            f"check that chart {self.chart} has these keys (helm show values); if it names "
            "them otherwise, make the changes by hand",
            f"{self.kind}/{self.namespace}/{self.name}",
        )

    def _site(self, label_key: tuple[str, ...], account_key: tuple[str, ...]) -> ValuesSite | None:
        """Where the tool edits these values itself: plain YAML, the pod label in a labels
        map (podLabels, labels, ...) that can take the use label beside it."""
        if self.values_at is None or len(label_key) < 2 or not LABELS_KEY.search(label_key[-2]):
            return None
        parent = label_key[:-1]
        present = [
            (key, value)
            for key, value in scalars(self.values, ())
            if key[: len(account_key)] == account_key or key[:-1] == parent
        ]
        return ValuesSite(self.target, self.values_at, label_key, account_key, tuple(present))


def _labels(values: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(values, dict):
        for key, value in values.items():
            here = (*path, str(key))
            if key == PI_LABEL and isinstance(value, (str, int)) and str(value):
                yield here, str(value)
            else:
                yield from _labels(value, here)


def release(data: Any, doc: Document, origin: Origin) -> Release | None:
    """The release's values when they set aadpodidbinding or install a chart of the same
    repository (whose own values may); None for anything else (an Application of kustomize
    manifests, a HelmRelease of a remote chart without the label)."""
    if not isinstance(data, dict):
        return None
    api = str(data.get("apiVersion", ""))
    meta = mapping(data.get("metadata"))
    spec = mapping(data.get("spec"))
    if data.get("kind") == "HelmRelease" and api.startswith("helm.toolkit.fluxcd.io/"):
        values = spec.get("values")
        chart_spec = dig(spec, "chart", "spec") or {}
        chart = str(chart_spec.get("chart", "")) if isinstance(chart_spec, dict) else ""
        namespace = str(spec.get("targetNamespace") or meta.get("namespace") or "default")
        where = "spec.values"
        key_path: tuple[str, ...] = ("spec", "values")
        local = chart.startswith("./") or chart.startswith("../")
        # Flux: paths in the source, in place of values.yaml when given
        given = chart_spec.get("valuesFiles") if isinstance(chart_spec, dict) else None
        value_files = _inside_chart(chart, given) or ("values.yaml",)
    elif data.get("kind") == "Application" and api.startswith("argoproj.io/"):
        helm = dig(spec, "source", "helm")
        local = not dig(spec, "source", "chart") and bool(dig(spec, "source", "path"))
        if not isinstance(helm, dict):
            if not local:
                return None
            helm = {}  # a chart folder Argo CD finds by its Chart.yaml, no values given
        chart = str(dig(spec, "source", "chart") or dig(spec, "source", "path") or "")
        # Argo CD: paths in the chart folder, after its values.yaml ($ref files: elsewhere)
        files = helm.get("valueFiles")
        extra = [f for f in (files if isinstance(files, list) else []) if isinstance(f, str)]
        value_files = ("values.yaml", *(f.removeprefix("./") for f in extra if _plain(f)))
        namespace = str(dig(spec, "destination", "namespace") or "default")
        if isinstance(helm.get("valuesObject"), dict):
            values, where = helm["valuesObject"], "spec.source.helm.valuesObject"
            key_path = ("spec", "source", "helm", "valuesObject")
        elif isinstance(helm.get("values"), str):
            return _string_values(data, doc, origin, helm["values"], chart, local, namespace)
        else:
            values, where = {}, "spec.source.helm.valuesObject"
            key_path = ("spec", "source", "helm", "valuesObject")
    else:
        return None
    if not isinstance(values, dict):
        values = {}
    if not local and not any(True for _ in _labels(values, ())):
        return None
    lines = {}
    base = node_at(doc.node, key_path)
    if base is not None:
        lines = {p: line for p, line in key_lines(base, ())}
    return Release(
        str(data["kind"]),
        str(meta.get("name", "")),
        namespace,
        origin,
        values,
        where,
        lines,
        chart or "?",
        local,
        _ref(data),
        key_path,
        value_files,
    )


def _string_values(
    data: dict[str, Any],
    doc: Document,
    origin: Origin,
    text: str,
    chart: str,
    local: bool,
    namespace: str,
) -> Release | None:
    """An Argo CD values string: YAML inside a YAML string, read for its keys; its lines
    are found by the key's text in the file (a string's lines start after `values: |`)."""
    try:  # the project's parser: its alias and depth limits hold inside the string too
        inner = parse(doc.file, text)
        values = inner[0].data if inner else None
    except (ParseError, yaml.YAMLError, RecursionError):
        return None
    if not isinstance(values, dict) or not any(True for _ in _labels(values, ())):
        return None
    lines: dict[tuple[str, ...], int] = {}
    node = node_at(doc.node, ("spec", "source", "helm", "values"))
    if node is not None and getattr(node, "style", None) in ("|", ">"):
        first = node.start_mark.line + 2  # the line after `values: |`
        lines = {p: first + line - 1 for p, line in key_lines(inner[0].node, ())}
    meta = mapping(data.get("metadata"))
    return Release(
        "Application",
        str(meta.get("name", "")),
        namespace,
        origin,
        values,
        "spec.source.helm.values (a YAML string)",
        lines,
        chart or "?",
        local,
        _ref(data),
        None,
    )


def _inside_chart(chart: str, paths: Any) -> tuple[str, ...]:
    """Flux valuesFiles (paths in the source) as names in the chart folder CHART."""
    if not isinstance(paths, list):
        return ()
    folder = chart.strip("./").rstrip("/") + "/"
    names = (str(p).removeprefix("./") for p in paths if isinstance(p, str))
    return tuple(n[len(folder) :] for n in names if n.startswith(folder) and _plain(n))


def _plain(path: str) -> bool:
    """A path the tool can follow: in the repository, not a $ref, URL or absolute path."""
    return not path.startswith(("$", "/")) and "://" not in path and ".." not in path


def _ref(data: dict[str, Any]) -> ObjectRef:
    meta = mapping(data.get("metadata"))
    return ObjectRef(
        str(data.get("kind", "")),
        str(meta.get("name", "")),
        str(meta.get("namespace", "")),
        str(data.get("apiVersion", "")),
    )
