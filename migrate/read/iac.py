"""Pod Identity in files the tool reports but does not rewrite: Terraform, Bicep, ARM JSON,
and templated manifests (Terraform `templatefile`, envsubst).

Every line that mentions Pod Identity gets a finding at its file and line that says where it
sits (the block and argument; the resource and property path) and what to change there. A
pod label such a file gives (a helm_release `set` block or `values`, a kubernetes_* resource's
labels, a templated manifest's label) is a selector in use: retire keeps the bindings that
serve it. An enabled `podIdentityProfile` is the AKS add-on (docs/charts-values-iac.md).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from migrate.model import findings, placeholders
from migrate.model.inventory import PI_LABEL, WI_CLIENT_ID, WI_USE_LABEL, Finding, Origin
from migrate.read import blocks, masking
from migrate.read.blocks import Frame, Scan

MARKERS = re.compile(
    r"aadpodid|AzureIdentity|AzurePodIdentityException|usePodIdentity|aad-pod-id"
    r"|aadPodIdentity|podIdentityProfile|aks pod-identity|enable-pod-identity"
)
MARKER_BYTES = re.compile(MARKERS.pattern.encode())
# every marker holds one of these: a plain substring search skips most files faster than
# the regex would (the benchmark repo: 20 ms for 12 MB, the regex alone 80 ms)
MARKER_PARTS = (b"Identity", b"aadpodid", b"pod-id")
# the add-on turned on by the CLI (a null_resource's local-exec, a script in a heredoc)
ADDON_COMMAND = re.compile(r"az aks (?:create|update)\b.*--enable-pod-identity\b")
KINDS = {".tf": "terraform", ".bicep": "bicep", ".json": "arm"}
LANGUAGES = {"terraform": ('"', ("#", "//")), "bicep": ("'", ("//",)), "arm": ('"', ())}
SHOWN = {"terraform": "Terraform", "bicep": "Bicep", "arm": "ARM template"}
CLIENT_ID = "<client-id>"  # replaced by the identity's client id once bindings are read
RESOURCE = re.compile(r'^resource\s+"([\w-]+)"\s+"([\w-]+)"$')
SET_BLOCKS = ("set", "set_string")
VALUES_FILE = re.compile(r'\b(?:file|templatefile)\(\s*"([^"]+)"')
DOCUMENT_START = re.compile(r"^---\s*$")
_SCALAR = r"\s*:\s*[\"']?([^\s\"'#]+)[\"']?\s*(?:#.*)?$"
TEMPLATE_LABEL = re.compile(r"^\s*[\"']?" + PI_LABEL + r"[\"']?" + _SCALAR)
TEMPLATE_NAMESPACE = re.compile(r"^\s+namespace" + _SCALAR)
TEMPLATE_ACCOUNT = re.compile(r"^\s+serviceAccountName" + _SCALAR)
LABELS_KEY = re.compile(r"(?:^|[a-z])[Ll]abels$")  # podLabels, labels, commonLabels
HELM_ESCAPED = WI_USE_LABEL.replace(".", "\\\\.")  # a dot in a helm --set key is escaped


@dataclass(frozen=True)
class Label:
    """A pod label `aadpodidbinding: SELECTOR` such a file gives, as SelectorUse wants it."""

    selector: str
    namespace: str
    account: str
    what: str
    hint: str  # with CLIENT_ID where the identity's client id goes
    origin: Origin


@dataclass
class Found:
    findings: list[Finding] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    addon: list[Origin] = field(default_factory=list)  # an enabled podIdentityProfile


def marked(data: bytes) -> bool:
    """DATA (a file's bytes, UTF-8) mentions Pod Identity."""
    return any(part in data for part in MARKER_PARTS) and MARKER_BYTES.search(data) is not None


def reads_values(source: Any) -> bool:
    """A Terraform file whose helm_release may read its values from a file (`file(...)`,
    `templatefile(...)`): read for the labels those files give, marker or not."""
    return (
        source.path.endswith(".tf") and b"helm_release" in source.data and (b"file(" in source.data)
    )


def kind_of(path: str) -> str:
    """ "terraform", "bicep", "arm" (any JSON that is no manifest) or "template"."""
    for suffix, kind in KINDS.items():
        if path.endswith(suffix):
            return kind
    return "template"


def read(path: str, text: str, kind: str, version: str) -> Found:
    if kind == "template":
        return _template(path, text, version)
    quotes, comments = LANGUAGES[kind]
    scan = blocks.scan(text, quotes, comments)
    found = Found()
    if kind == "terraform":
        found.labels = list(_terraform_labels(scan, path, version))
    used = {label.origin.line for label in found.labels}
    heredoc_lines = {
        n: h.argument for h in scan.heredocs for n in range(h.line, h.line + h.text.count("\n"))
    }
    for profile in scan.frames:
        if profile.label == "podIdentityProfile" and profile.literal("enabled") != "false":
            found.addon.append(Origin(path, profile.line, version=version))
    found.addon += [
        Origin(path, n, version=version) for n, line, _ in scan.lines if ADDON_COMMAND.search(line)
    ]
    shown = masking.lines(text)
    marked = [(n, line, frame) for n, line, frame in scan.lines if MARKERS.search(line)]
    code = [m for m in marked if m[0] in heredoc_lines or _code(kind, m[1])]
    for number, line, frame in code if code or found.labels else marked:
        if number in used:
            continue
        comment = number not in heredoc_lines and not _code(kind, line)
        where = _where(kind, frame, line, heredoc_lines.get(number))
        found.findings.append(
            findings.make(
                "iac-pod-identity",
                Origin(path, number, version=version),
                f"{SHOWN[kind]} {where} mentions Pod Identity"
                + (" in a comment" if comment else "")
                + f": {_cut(shown[number - 1])}",
                "update the comment after the migration" if comment else _hint(kind, frame, line),
            )
        )
    return found


def _cut(line: str, width: int = 160) -> str:
    """The line as a message shows it: stripped, a minified file's line cut short."""
    line = line.strip()
    return line if len(line) <= width else line[: width - 3] + "..."


def _code(kind: str, line: str) -> bool:
    """LINE says something once its comment is gone (a line that is only a comment is not)."""
    quotes, comments = LANGUAGES[kind]
    return bool(blocks.blank(line, quotes, comments).strip())


def _where(kind: str, frame: Frame | None, line: str, heredoc: str | None) -> str:
    """`resource "helm_release" "web" > set > name`: the block, then the argument path."""
    frames = list(frame.path()) if frame is not None else []
    block = ""
    if kind == "arm":  # the innermost resource: an element with a type
        typed = [i for i, f in enumerate(frames) if f.literal("type") and "/" in f.literal("type")]
        if typed:
            element = frames[typed[-1]]
            block = f"resource {element.literal('type')} {element.literal('name')}".strip()
            frames = frames[typed[-1] + 1 :]
    elif frames:
        block, frames = frames[0].label, frames[1:]
    keys = [f.label for f in frames if f.label]
    argument = blocks.ARGUMENT.match(line.strip())
    key = heredoc if heredoc is not None else argument.group(1) if argument else ""
    if key and (not keys or key != keys[-1]):
        keys.append(key)
    path = ".".join(keys) if kind != "terraform" else " > ".join(keys)
    if heredoc is not None:
        path += " (heredoc)"
    return " > ".join(p for p in (block or "(top level)", path) if p)


def _hint(kind: str, frame: Frame | None, line: str) -> str:
    labels = [f.label for f in frame.path()] if frame is not None else []
    top = frame.path()[0] if frame is not None else None
    if "podIdentityProfile" in labels or "podIdentityProfile" in line or "pod-identity" in line:
        return (
            "the AKS pod-identity add-on is configured here: after retire, remove "
            "podIdentityProfile (or set enabled to false), or the az aks pod-identity command, "
            "in this file and deploy it; `az aks update --disable-pod-identity` alone is "
            "undone by the next deployment"
        )
    if kind != "terraform":
        return (
            "the tool does not change this file: after retire, remove the Pod Identity "
            "objects it declares, and declare the federated credentials the plan lists "
            "(render -t bicep)"
        )
    if top is not None and "aad-pod-identity" in top.literal("chart"):
        return (
            f"{top.label} installs Pod Identity itself: remove it after retire (the uninstall "
            "stage), then delete the CRDs Helm keeps (kubectl delete crd "
            "azureassignedidentities.aadpodidentity.k8s.io azureidentities.aadpodidentity.k8s.io "
            "azureidentitybindings.aadpodidentity.k8s.io "
            "azurepodidentityexceptions.aadpodidentity.k8s.io)"
        )
    return (
        "the tool does not change Terraform: after retire, remove the Pod Identity objects "
        "this block declares (terraform apply deletes them), and declare the federated "
        "credentials and ServiceAccount annotations the plan lists (render -t terraform)"
    )


def _terraform_labels(scan: Scan, path: str, version: str) -> list[Label]:
    out: list[Label] = []
    for top in (f for f in scan.frames if f.parent is None):
        resource = RESOURCE.match(top.label)
        if resource is None:
            continue
        kind = resource.group(1)
        inside = list(blocks.frames_in(scan, top))
        if kind == "helm_release":
            out += _helm_release(top, inside, scan, path, version)
        else:
            out += _object_labels(top, inside, path, version)
    return out


def _sets(inside: list[Frame]) -> list[tuple[str, str, int]]:
    """(name, value, line) of every set block: `set { name = .. }`, `set = [{ .. }]`."""
    out = []
    for frame in inside:
        parent = frame.parent.label if frame.parent is not None else ""
        if frame.label in SET_BLOCKS or (frame.label == "" and parent in SET_BLOCKS):
            name = frame.literal("name")
            if name:
                out.append((name, frame.template("value"), frame.line_of("name")))
    return out


def _helm_release(
    top: Frame, inside: list[Frame], scan: Scan, path: str, version: str
) -> list[Label]:
    namespace = top.literal("namespace") if "namespace" in top.arguments else "default"
    sets = _sets(inside)
    values: dict[str, Any] = {}
    heredocs = [h for h in scan.heredocs if h.frame is not None and top in h.frame.path()]
    for heredoc in heredocs:
        values.update(_yaml(heredoc.text))
    out = []
    for name, value, line in sets:
        key = name.replace("\\.", ".")
        if not key.endswith("." + PI_LABEL) or not value:
            continue
        prefix = name[: -len(PI_LABEL)]  # podLabels.
        base = _base(key[: -len(PI_LABEL) - 1])
        sa_key, account = _set_account(sets, values, base)
        annotation = f"{sa_key}.annotations.{_escaped(WI_CLIENT_ID)}"
        prepare = f'add set {{ name = "{annotation}", value = "{CLIENT_ID}" }}'
        if not account:
            prepare += f' and set {{ name = "{sa_key}.name", value = "{value}" }} (then plan again)'
        hint = (
            f"in {top.label}: prepare: {prepare}; switch: add set {{ name = "
            f'"{prefix}{HELM_ESCAPED}", value = "true", type = "string" }}; retire: remove the '
            f"set block {name} (line {line})"
        )
        what = f"{_short(top)} (set {name})"
        origin = Origin(path, line, version=version)
        out.append(Label(value, namespace, account, what, hint, origin))
    for heredoc in heredocs:
        where = f"{top.label} {heredoc.argument} (the heredoc from line {heredoc.line})"
        out += _values_labels(
            top, heredoc.text, heredoc.line, where, path, sets, namespace, version
        )
    for file in _values_files(top, scan, path):
        try:
            with open(file, encoding="utf-8") as values_file:
                text = values_file.read()
        except (OSError, UnicodeDecodeError):
            continue
        where = f"{file} (the values {top.label} in {path} reads)"
        out += _values_labels(top, text, 1, where, file, sets, namespace, version)
    for frame in inside:
        if PI_LABEL in frame.arguments and frame.template(PI_LABEL):
            out.append(_object_label(top, frame, namespace, "", path, version, helm=True))
    return out


def _values_labels(
    top: Frame,
    text: str,
    first: int,
    where: str,
    file: str,
    sets: list[tuple[str, str, int]],
    namespace: str,
    version: str,
) -> list[Label]:
    """The pod labels of values TEXT (a heredoc, or a values file the release reads) whose
    line FIRST is the text's first line in FILE."""
    values = _yaml(text)
    out = []
    lines = text.splitlines()
    for key, selector in _label_keys(values, ()):
        base = _base(".".join(key[:-1]))
        sa_key, account = _set_account(sets, values, base)
        at = next((i for i, t in enumerate(lines) if PI_LABEL in t and selector in t), 0)
        line = first + at
        labels_key = ".".join(key[:-1])
        prepare = f'{sa_key}.annotations: {WI_CLIENT_ID}: "{CLIENT_ID}"'
        if not account:
            prepare += f", {sa_key}.name: {selector} (then plan again)"
        hint = (
            f'in {where}: prepare: {prepare}; switch: {labels_key}: {WI_USE_LABEL}: "true"; '
            f"retire: remove {'.'.join(key)} (line {line})"
        )
        what = f"{_short(top)} (values: {'.'.join(key)})"
        origin = Origin(file, line, version=version)
        out.append(Label(selector, namespace, account, what, hint, origin))
    return out


def _values_files(top: Frame, scan: Scan, path: str) -> list[str]:
    """The files a release's `values` reads: file("x.yaml"), templatefile("x.yaml.tpl", ..),
    relative to this file's folder (`${path.module}`), when they exist."""
    folder = os.path.dirname(path)
    out = []
    for _, line, frame in scan.lines:
        if frame is None or top not in frame.path():
            continue
        if not any(f.label == "values" for f in frame.path()):
            continue
        for written in VALUES_FILE.findall(line):
            relative = re.sub(r"^\$\{path\.(?:module|root)\}/", "", written)
            if "${" in relative:
                continue
            full = os.path.normpath(os.path.join(folder, relative))
            if os.path.isfile(full) and full not in out:
                out.append(full)
    return out


def _object_labels(top: Frame, inside: list[Frame], path: str, version: str) -> list[Label]:
    """kubernetes_deployment and friends: `labels = { aadpodidbinding = "web" }`."""
    metadata = next((f for f in inside if f.label == "metadata" and f.parent is top), None)
    namespace = ""
    if metadata is not None:
        written = "namespace" in metadata.arguments
        namespace = metadata.literal("namespace") if written else "default"
    account = next(
        (f.literal("service_account_name") for f in inside if f.literal("service_account_name")),
        "",
    )
    return [
        _object_label(top, frame, namespace, account, path, version)
        for frame in inside
        if PI_LABEL in frame.arguments and frame.template(PI_LABEL)
    ]


def _object_label(
    top: Frame,
    frame: Frame,
    namespace: str,
    account: str,
    path: str,
    version: str,
    helm: bool = False,
) -> Label:
    keys = [f.label for f in frame.path()[1:] if f.label]
    line = frame.line_of(PI_LABEL)
    selector = frame.template(PI_LABEL)
    where = " > ".join(keys)
    prepare = (
        f'serviceAccount.annotations = {{ "{WI_CLIENT_ID}" = "{CLIENT_ID}" }} in the values'
        if helm
        else f'a ServiceAccount annotated "{WI_CLIENT_ID}" = "{CLIENT_ID}", named by '
        "service_account_name"
    )
    hint = (
        f"in {top.label} > {where}: prepare: {prepare}; switch: add "
        f'"{WI_USE_LABEL}" = "true" beside {PI_LABEL}; retire: remove {PI_LABEL} (line {line})'
    )
    what = f"{_short(top)} ({where})"
    return Label(selector, namespace, account, what, hint, Origin(path, line, version=version))


def _short(top: Frame) -> str:
    """`helm_release "web"` for `resource "helm_release" "web"`."""
    resource = RESOURCE.match(top.label)
    return f'{resource.group(1)} "{resource.group(2)}"' if resource else top.label


def _base(labels_key: str) -> str:
    """The values prefix of a pod-labels key, where its chart's serviceAccount sits: "" for
    podLabels or podLabels.keda, "controller." for controller.podLabels."""
    parts = labels_key.split(".")
    at = max((i for i, p in enumerate(parts) if LABELS_KEY.search(p)), default=len(parts) - 1)
    return "".join(p + "." for p in parts[:at])


def _set_account(
    sets: list[tuple[str, str, int]], values: dict[str, Any], base: str
) -> tuple[str, str]:
    """The ServiceAccount values key and the name it gives: a set block wins over values."""
    pattern = re.compile(re.escape(base) + r"serviceAccount(?:\.[\w-]+)?\.name$")
    for name, value, _ in sets:
        if pattern.match(name) and value:
            return name[: -len(".name")], value
    node: Any = values
    for part in (*(base.rstrip(".").split(".") if base else ()), "serviceAccount"):
        node = node.get(part) if isinstance(node, dict) else None
    key = base + "serviceAccount"
    if isinstance(node, dict) and "name" not in node:  # one component's: serviceAccount.server
        named = [(k, v) for k, v in node.items() if isinstance(v, dict) and "name" in v]
        if len(named) == 1:
            key, node = f"{key}.{named[0][0]}", named[0][1]
    written = node.get("name") if isinstance(node, dict) else None
    literal = isinstance(written, str) and "${" not in written
    return key, str(written) if literal else ""


def _escaped(key: str) -> str:
    return key.replace(".", "\\\\.")


def _yaml(text: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def _label_keys(values: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], str]]:
    out = []
    if isinstance(values, dict):
        for key, value in values.items():
            here = (*path, str(key))
            if key == PI_LABEL and isinstance(value, str) and value:
                out.append((here, value))
            else:
                out += _label_keys(value, here)
    return out


def _template(path: str, text: str, version: str) -> Found:
    """A templated manifest (`*.yaml.tpl`, a `.tpl` outside a chart): not YAML until
    rendered. Each mention is reported; a literal pod label keeps its selector in use, for
    the literal namespace and serviceAccountName of its document when they are written."""
    found = Found()
    shown = masking.lines(text)
    namespace = account = ""
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        if number == 1 or DOCUMENT_START.match(line):
            start = number if DOCUMENT_START.match(line) else number - 1
            namespace, account = _document_names(lines[start:])
        if not MARKERS.search(line):
            continue
        label = TEMPLATE_LABEL.match(line)
        origin = Origin(path, number, version=version)
        if label and (
            re.fullmatch(r"[A-Za-z0-9][\w.-]*", label.group(1)) or placeholders.find(label.group(1))
        ):
            hint = (
                "render the template (terraform templatefile, envsubst) and plan the result, "
                f"or by hand: prepare: the ServiceAccount annotation {WI_CLIENT_ID}: "
                f'"{CLIENT_ID}"; switch: {WI_USE_LABEL}: "true" beside this label; retire: '
                f"remove it (line {number})"
            )
            found.labels.append(
                Label(label.group(1), namespace, account, f"template {path}", hint, origin)
            )
            continue
        found.findings.append(
            findings.make(
                "templated-manifest",
                origin,
                f"{path}:{number} is a template (not YAML until rendered) and mentions Pod "
                f"Identity: {_cut(shown[number - 1])}",
                "render it (terraform templatefile, envsubst, helm template) and plan the "
                "result (e.g. envsubst < FILE | wi-migrate plan -), or migrate this line by hand",
            )
        )
    return found


def _document_names(lines: list[str]) -> tuple[str, str]:
    """The literal namespace and serviceAccountName of the document LINES start (up to its
    next `---`): "" for one not written, or written with a placeholder."""
    namespace = account = None
    for line in lines:
        if DOCUMENT_START.match(line):
            break
        if namespace is None and (m := TEMPLATE_NAMESPACE.match(line)):
            namespace = m.group(1)
        if account is None and (m := TEMPLATE_ACCOUNT.match(line)):
            account = m.group(1)
    return _plain(namespace), _plain(account)


def _plain(value: str | None) -> str:
    return value if value and re.fullmatch(r"[a-z0-9][a-z0-9.-]*", value) else ""
