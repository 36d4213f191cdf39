"""Helm charts and the values given to them, read as text: no helm binary, no template engine.

A chart (a folder with Chart.yaml) whose templates or values mention Pod Identity is read
once: where the pod label `aadpodidbinding` comes from (a value such as `podLabels` or a
dedicated `identity.name`, a literal line in a template, or another template expression),
which values name the chart's ServiceAccount, and what its in-chart AzureIdentityBinding
selects. The result is findings that name the values to set per stage (docs/charts-values-iac.md),
and the selectors those values use, which retire keeps in use.

Values given from outside a chart (a Flux HelmRelease, an Argo CD Application) are read by
releases.py; a release of a chart in PATH has the chart's own values files changed (here:
`installs`, `installed_uses`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from migrate.model import findings
from migrate.model.describe import dotted
from migrate.model.inventory import (
    CHART_VALUES,
    PI_LABEL,
    WI_CLIENT_ID,
    WI_USE_LABEL,
    AzureIdentity,
    Finding,
    ObjectRef,
    Origin,
    SelectorUse,
    ValuesSite,
)
from migrate.read.fields import dig
from migrate.read.files import ParseError, is_chart, parse
from migrate.read.helm_values import LABELS_KEY, key_lines, scalar_text, scalars
from migrate.read.releases import Release

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".tpl", ".txt")
EXPRESSION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}")
VALUE_REF = re.compile(r"^\$?\.Values\.([\w.]+)$")
LABEL_LINE = re.compile(r"^(\s*)[\"']?" + PI_LABEL + r"[\"']?\s*:\s*(.*?)\s*(#.*)?$")
SELECTOR_LINE = re.compile(r"^\s*selector\s*:\s*(.*?)\s*$")
CLIENT_ID_LINE = re.compile(r"^\s*clientI[Dd]\s*:\s*(.*?)\s*$")
RESOURCE_ID_LINE = re.compile(r"^\s*resourceI[Dd]\s*:\s*(.*?)\s*$")
# a values map the templates render as pod labels (toYaml .Values.podLabels, with .Values.labels)
LABEL_MAPS = re.compile(r"(?:toYaml|with)\s+\$?\.Values\.((?:[\w]+\.)*(?:podLabels|labels))\b")
IDENTITY_GUARD = re.compile(r"\{\{-?\s*if\s+\$?\.Values\.([\w.]+)\s*-?\}\}")
VALUES_FILE = re.compile(r"^values[\w.-]*\.ya?ml$")


@dataclass(frozen=True)
class LabelSource:
    """One place a chart writes `aadpodidbinding`."""

    file: str  # as shown
    line: int
    kind: str  # "value" (from .Values), "literal" (plain text) or "expression" (anything else)
    expression: str  # the template expression, or the literal text
    value_path: tuple[str, ...] = ()  # for "value"
    value: str = ""  # the value it has in the chart's values, when known
    value_line: int = 0
    values_file: str = ""
    safe: bool = False  # a literal line a YAML edit can take (no template syntax on it)
    indent: str = ""
    written: str = ""  # the text after the colon, as the template writes it


@dataclass
class Chart:
    root: Path
    shown: str  # the chart folder as shown to the user
    name: str
    values: dict[str, Any] = field(default_factory=dict)
    value_lines: dict[tuple[str, ...], int] = field(default_factory=dict)
    values_file: str = ""
    labels: list[LabelSource] = field(default_factory=list)
    label_maps: set[tuple[str, ...]] = field(default_factory=set)
    # file, line, normal form, as written
    selectors: list[tuple[str, int, str, str]] = field(default_factory=list)
    client_ids: list[str] = field(default_factory=list)  # expressions
    resource_ids: list[str] = field(default_factory=list)  # expressions
    identity_at: tuple[str, int] = ("", 0)  # the template line of its own AzureIdentity
    identity_guards: set[tuple[str, ...]] = field(default_factory=set)
    templates: set[str] = field(default_factory=set)  # the full paths read
    creates_account: bool = False  # a template defines a ServiceAccount


def chart_root(full_path: str, cache: dict[str, str]) -> str:
    """The chart folder that holds FULL_PATH as a template or a values file, or ""."""
    folder = os.path.dirname(full_path)
    if folder not in cache:
        found = ""
        here = Path(folder)
        for parent in (here, *here.parents):
            if is_chart(str(parent)):
                inside = Path(full_path).relative_to(parent).parts
                if inside[0] == "templates" or (len(inside) == 1 and VALUES_FILE.match(inside[0])):
                    found = str(parent)
                break
        cache[folder] = found
    return cache[folder]


def read_chart(root: str, shown: str) -> Chart:
    path = Path(root)
    chart = Chart(path, shown, _chart_name(path))
    _read_values(chart)
    for template in sorted((path / "templates").rglob("*")):
        if template.is_file() and template.name.endswith(TEMPLATE_SUFFIXES):
            chart.templates.add(str(template))
            try:
                text = template.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            _read_template(chart, os.path.join(shown, str(template.relative_to(path))), text)
    _resolve(chart)
    return chart


def _chart_name(root: Path) -> str:
    try:
        data = yaml.safe_load((root / "Chart.yaml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        data = None
    name = data.get("name") if isinstance(data, dict) else None
    return str(name) if name else root.name


def _read_values(chart: Chart) -> None:
    layer = _layer(chart, "values.yaml")
    if layer is not None:
        chart.values_file, chart.values, chart.value_lines = layer


def _layer(
    chart: Chart, name: str
) -> tuple[str, dict[str, Any], dict[tuple[str, ...], int]] | None:
    """A values file of the chart (values.yaml, values-prod.yaml): its path as shown, data
    and key lines; None when it is missing or not a YAML mapping (it is reported as a file)."""
    path = chart.root / name
    shown = os.path.join(chart.shown, name)
    try:
        docs = parse(shown, path.read_text(encoding="utf-8"))
        data = docs[0].data if docs else None
    except (OSError, UnicodeDecodeError, ParseError, yaml.YAMLError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    return shown, data, dict(key_lines(docs[0].node, ()))


def _read_template(chart: Chart, shown: str, text: str) -> None:
    lines = text.splitlines()
    if re.search(r"^kind:\s*ServiceAccount\s*$", text, re.M):
        chart.creates_account = True
    binding = "AzureIdentityBinding" in text
    identity = re.search(r"kind:\s*AzureIdentity\s*$", text, re.M) is not None
    for n, line in enumerate(lines, 1):
        for match in LABEL_MAPS.finditer(line):
            chart.label_maps.add(tuple(match.group(1).split(".")))
        label = LABEL_LINE.match(line)
        if label and not _in_selector(lines, n):
            chart.labels.append(_label_source(shown, n, label.group(1), label.group(2)))
        if binding:
            selector = SELECTOR_LINE.match(line)
            if selector:
                written = selector.group(1)
                chart.selectors.append((shown, n, _normal(written), written))
        if identity:
            client_id = CLIENT_ID_LINE.match(line)
            if client_id:
                chart.client_ids.append(_normal(client_id.group(1)))
            resource_id = RESOURCE_ID_LINE.match(line)
            if resource_id:
                chart.resource_ids.append(_normal(resource_id.group(1)))
            if re.match(r"^kind:\s*AzureIdentity\s*$", line) and not chart.identity_at[0]:
                chart.identity_at = (shown, n)
        if binding or identity:
            guard = IDENTITY_GUARD.search(line)
            if guard and n <= 3:
                chart.identity_guards.add(tuple(guard.group(1).split(".")))


def _in_selector(lines: list[str], n: int) -> bool:
    """The label line sits under spec.selector.matchLabels (immutable: never edited)."""
    indent = len(lines[n - 1]) - len(lines[n - 1].lstrip())
    for previous in reversed(lines[: n - 1]):
        stripped = previous.strip()
        if not stripped or stripped.startswith(("{{", "#")):
            continue
        here = len(previous) - len(previous.lstrip())
        if here < indent:
            return stripped.startswith("matchLabels:")
    return False


def _label_source(shown: str, n: int, indent: str, written: str) -> LabelSource:
    if "{{" not in written:
        literal = written.strip("\"'")
        return LabelSource(
            shown, n, "literal", literal, value=literal, safe=True, indent=indent, written=written
        )
    expression = _normal(written)
    ref = VALUE_REF.match(expression)
    if ref:
        path = tuple(ref.group(1).split("."))
        return LabelSource(shown, n, "value", expression, path, indent=indent, written=written)
    return LabelSource(shown, n, "expression", expression, indent=indent, written=written)


def _normal(written: str) -> str:
    """A template expression without delimiters, whitespace trimming or `| quote`: two
    spellings of one value compare equal."""
    written = written.strip().strip("\"'")
    match = EXPRESSION.fullmatch(written)
    if not match:
        return written
    parts = [p.strip() for p in match.group(1).split("|")]
    kept = [p for p in parts if p not in ("quote", "squote", "toString", "trim")]
    return " | ".join(kept).replace("$.Values.", ".Values.")


def _resolve(chart: Chart) -> None:
    """Values read by `.Values.x` labels, and labels the values' label maps carry."""
    resolved = []
    for label in chart.labels:
        if label.kind == "value":
            value = dig(chart.values, *label.value_path)
            label = LabelSource(
                label.file,
                label.line,
                label.kind,
                label.expression,
                label.value_path,
                scalar_text(value),
                chart.value_lines.get(label.value_path, 0),
                chart.values_file,
                indent=label.indent,
                written=label.written,
            )
        resolved.append(label)
    for path in sorted(chart.label_maps):
        value = dig(chart.values, *path, PI_LABEL)
        if value is not None:
            key = (*path, PI_LABEL)
            resolved.append(
                LabelSource(
                    chart.values_file,
                    chart.value_lines.get(key, 0),
                    "value",
                    ".Values." + ".".join(key),
                    key,
                    scalar_text(value),
                    chart.value_lines.get(key, 0),
                    chart.values_file,
                    written=f"{{{{ toYaml .Values.{'.'.join(path)} }}}}",
                )
            )
    chart.labels = resolved


# ---- what the chart's findings say


def chart_findings(
    chart: Chart, client_id: Any, installed: list[SelectorUse]
) -> tuple[list[Finding], list[SelectorUse]]:
    """The chart's findings, and a use of each selector its labels are known to carry (the
    namespace and account are the release's: not known from the chart alone).
    CLIENT_ID(selector) gives the client id of an identity a binding in PATH names; the
    labels of INSTALLED uses (a release in PATH installs the chart) are planned instead."""
    out: list[Finding] = []
    uses: list[SelectorUse] = []
    planned = {u.values.label_key for u in installed if u.values is not None}
    for label in chart.labels:
        if label.kind == "value" and label.value_path in planned:
            continue
        selector = label.value or ""
        cid = _chart_client_id(chart) or (client_id(selector) if selector else "")
        finding = _label_finding(chart, label, cid)
        out.append(finding)
        if selector:
            where = f"{finding.origin.file}:{finding.origin.line}"
            what = f"chart {chart.name} ({where})"
            uses.append(SelectorUse(selector, "", "", what, finding.hint, (finding.origin,)))
    out += _selector_findings(chart)
    return out, uses


def _chart_client_id(chart: Chart) -> str:
    return _resolved(chart.client_ids, chart.values)


def _resolved(expressions: list[str], values: dict[str, Any]) -> str:
    """The first of EXPRESSIONS that is a literal or a value set in VALUES."""
    for expression in expressions:
        ref = VALUE_REF.match(expression)
        if ref:
            value = scalar_text(dig(values, *ref.group(1).split(".")))
            if value:
                return value
        elif "{{" not in expression and expression:
            return expression
    return ""


def _label_finding(chart: Chart, label: LabelSource, client_id: str) -> Finding:
    where = f"chart {chart.name} ({chart.shown})"
    prepare = _prepare_keys(chart, label, client_id)
    if label.kind == "value":
        origin = (
            Origin(label.values_file, label.value_line)
            if label.value_line
            else Origin(label.file, label.line)
        )
        shown = f" = {label.value!r}" if label.value else " (not set in values.yaml)"
        at = f" ({label.values_file}:{label.value_line})" if label.value_line else ""
        message = (
            f"{where}: the pod label {PI_LABEL} comes from the value "
            f"{dotted(label.value_path)}{shown}{at}, written by {label.file}:{label.line}"
            if label.file != label.values_file or not label.value_line
            else f"{where}: the pod label {PI_LABEL} comes from the value "
            f"{dotted(label.value_path)}{shown}{at}, rendered as pod labels by the templates"
        )
        switch = _switch_keys(chart, label)
        retire = f"remove {dotted(label.value_path)}"
        return findings.make(
            "helm-values",
            origin,
            message,
            f"migrate it in the chart's values: prepare: {prepare}; switch: {switch}; "
            f"retire: {retire}",
            f"chart {chart.shown}",
        )
    origin = Origin(label.file, label.line)
    if label.kind == "literal":
        message = (
            f"{where}: {label.file}:{label.line} writes the pod label {PI_LABEL}: "
            f"{label.value} as a literal line"
        )
    else:
        message = (
            f"{where}: {label.file}:{label.line} writes the pod label {PI_LABEL} from the "
            f"template expression {label.written}, which no value alone sets"
        )
    indent = label.indent or "<the same indentation>"
    return findings.make(
        "helm-template-label",
        origin,
        message,
        f"prepare: {prepare}; switch: add the line '{indent}{WI_USE_LABEL}: \"true\"' "
        f"after line {label.line}; retire: delete line {label.line}",
        f"chart {chart.shown}",
    )


def _prepare_keys(chart: Chart, label: LabelSource, client_id: str) -> str:
    account = chart.values.get("serviceAccount")
    cid = client_id or "<the identity's client id>"
    if not isinstance(account, dict):
        return (
            "the chart has no serviceAccount values: give its pods a ServiceAccount "
            f"annotated {WI_CLIENT_ID}: {cid} (a template and values for it)"
        )
    name = account.get("name") or label.value or "<a name>"
    if not chart.creates_account:
        return (
            f"the chart creates no ServiceAccount: create {name} in the release namespace "
            f"annotated {WI_CLIENT_ID}: {cid} (next to the release), then set "
            f"serviceAccount.name: {name}; federated credential subject "
            f"system:serviceaccount:<release namespace>:{name}"
        )
    keys = []
    if "create" in account:
        keys.append("serviceAccount.create: true")
    if not account.get("name"):
        keys.append(
            f"serviceAccount.name: {name} (pinned, so the credential subject does not "
            "depend on the release name)"
        )
    keys.append(f'serviceAccount.annotations."{WI_CLIENT_ID}": "{cid}"')
    return ", ".join(keys) + (
        f"; federated credential subject system:serviceaccount:<release namespace>:{name}"
    )


def _switch_keys(chart: Chart, label: LabelSource) -> str:
    parent = label.value_path[:-1]
    if label.value_path[-1] == PI_LABEL and parent:
        return f'{dotted((*parent, WI_USE_LABEL))}: "true"'
    maps = sorted(chart.label_maps)
    if maps:
        return f'{dotted((*maps[0], WI_USE_LABEL))}: "true"'
    return (
        f'the chart has no pod-labels value: add {WI_USE_LABEL}: "true" next to '
        f"{label.file}:{label.line}"
    )


def _selector_findings(chart: Chart) -> list[Finding]:
    """Whether the in-chart binding's selector can match the pods' label."""
    out = []
    labels = [label for label in chart.labels]
    for file, line, selector, written in chart.selectors:
        matching = [label for label in labels if _same(selector, label, chart)]
        if matching:
            label = matching[0]
            message = (
                f"chart {chart.name}: the AzureIdentityBinding selector {written} "
                f"({file}:{line}) and the pod label at {label.file}:{label.line} are the same "
                "value: they match"
            )
            hint = (
                "nothing to do: keep the binding until retire (the values above drive both); "
                + _guard_hint(chart)
            )
            out.append(findings.make("helm-selector", Origin(file, line), message, hint))
        elif labels:
            shown = ", ".join(f"{lb.file}:{lb.line} ({lb.written})" for lb in labels)
            out.append(
                findings.make(
                    "helm-selector-mismatch",
                    Origin(file, line),
                    f"chart {chart.name}: the AzureIdentityBinding selector "
                    f"{written} ({file}:{line}) and the pod label(s) at "
                    f"{shown} are different values or helpers: they cannot be shown to match",
                    "check with helm template that they render to one value; if they do not, "
                    "the pods get no identity from this binding today",
                )
            )
    return out


def _guard_hint(chart: Chart) -> str:
    if chart.identity_guards:
        guard = dotted(sorted(chart.identity_guards)[0])
        return f"at retire set {guard}: false to delete the chart's AzureIdentity and binding"
    return "at retire delete the chart's AzureIdentity and binding templates"


def _same(selector: str, label: LabelSource, chart: Chart) -> bool:
    if selector == label.expression:
        return True
    ref = VALUE_REF.match(selector)
    if ref:
        path = tuple(ref.group(1).split("."))
        if path == label.value_path:
            return True
        value = scalar_text(dig(chart.values, *path))
        return bool(value) and value == label.value
    return "{{" not in selector and selector == label.value and bool(selector)


# ---- a chart in PATH installed by a release in PATH: its own values file is changed


def installs(release: Release, chart: Chart) -> bool:
    """RELEASE installs the chart folder CHART (a Flux chart path or an Argo CD source path,
    relative to the repository's root, which PATH may be below)."""
    wanted = release.chart.strip("./").rstrip("/")
    shown = chart.shown.replace("\\", "/").rstrip("/")
    return release.local and bool(wanted) and (shown == wanted or shown.endswith("/" + wanted))


def installed_uses(chart: Chart, release: Release, versions: Any) -> list[SelectorUse]:
    """Each pod label the chart's values files set in a pod-labels map, as RELEASE installs
    it: a use the tool changes in the file that sets the label (the last of the release's
    values files to set it), in the release's namespace, served by the chart's own
    AzureIdentity when its templates have one. VERSIONS(path) is a file's fingerprint."""
    if not chart.creates_account:
        return []  # the chart renders no ServiceAccount: its annotations are not values
    layers = [layer for name in release.value_files if (layer := _layer(chart, name))]
    merged: dict[str, Any] = {}
    for _, data, _ in layers:
        merged = _merged(merged, data)
    merged = _merged(merged, release.values)
    label_paths = {lb.value_path for lb in chart.labels if lb.kind == "value"}
    label_paths |= {(*m, PI_LABEL) for m in chart.label_maps}
    out = []
    for path in sorted(label_paths):
        setting = [(f, lines) for f, data, lines in layers if dig(data, *path) is not None]
        selector = scalar_text(dig(merged, *path))
        given = dig(release.values, *path) is not None  # the release's own use
        if not setting or given or not selector or len(path) < 2:
            continue
        if not LABELS_KEY.search(path[-2]):
            continue
        file, lines = setting[-1]
        account_key = (*path[:-2], "serviceAccount")
        identity = _own_identity(chart, merged, release)
        guards = sorted(g for g in chart.identity_guards if dig(merged, *g) is True)
        present = tuple(
            (key, value)
            for key, value in scalars(merged, ())
            if key[: len(account_key)] == account_key or key[:-1] == path[:-1]
        )
        retire = ((guards[0], "false"),) if identity is not None and guards else ()
        site = ValuesSite(
            ObjectRef(CHART_VALUES, chart.name), (), path, account_key, present, retire
        )
        origin = Origin(file, lines.get(path, 0), 0, version=versions(file))
        out.append(
            SelectorUse(
                selector,
                release.namespace,
                scalar_text(dig(merged, *account_key, "name")),
                f"chart {chart.name} ({file}: {dotted(path)}), installed by {release.kind} "
                f"{release.namespace}/{release.name}",
                f"review the value changes the plan lists for {file}: rewrite makes them, "
                "one stage at a time",
                (origin,),
                site,
                identity,
            )
        )
    return out


def _own_identity(chart: Chart, values: dict[str, Any], release: Release) -> AzureIdentity | None:
    """The chart's own AzureIdentity template, its resourceID and clientID from VALUES."""
    resource_id = _resolved(chart.resource_ids, values)
    client_id = _resolved(chart.client_ids, values)
    file, line = chart.identity_at
    if not (file and resource_id.startswith("/subscriptions/") and client_id):
        return None
    origin = Origin(file, line)
    return AzureIdentity(
        release.name, release.namespace, 0, resource_id, client_id, "", "", False, (origin,)
    )


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Helm's merge of a release's values over the chart's."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out
