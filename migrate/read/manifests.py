"""Read a manifests repo (files, folders or stdin) into an Inventory.

Fast path (docs/architecture.md, rewriting files): every file is read as bytes once; only files
that mention Pod Identity are parsed in the first pass. The second pass parses just the files that
hold ServiceAccounts, (Cluster)RoleBindings, or workloads naming a ServiceAccount that
a Pod Identity workload uses: what the ServiceAccount rules need, nothing more.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from migrate.model import findings
from migrate.model.inventory import (
    PI_LABEL,
    AzureIdentity,
    AzureIdentityBinding,
    Finding,
    Inventory,
    ObjectRef,
    Origin,
    PIComponent,
    SelectorUse,
    TemplatedObject,
    Workload,
)
from migrate.read import (
    builds,
    charts,
    components,
    files,
    iac,
    masking,
    merge,
    pod_labels,
    releases,
    substitutions,
)
from migrate.read.builds import View
from migrate.read.decoding import Undecodable
from migrate.read.files import (
    STDIN,
    YAML_SUFFIXES,
    Document,
    ParseError,
    SourceFile,
    node_at,
    parse,
    real_path,
    walk,
)
from migrate.read.files import mentions as scalar_mentions
from migrate.read.kustomize import KUSTOMIZATION_NAMES, Namespaces
from migrate.read.objects import PI_KINDS, READERS, Record, field_lines, records
from migrate.read.overlays import Overlays
from migrate.read.values import DuplicateKey

PI_MARKERS = iac.MARKER_BYTES
ACCOUNT_KINDS = re.compile(rb"kind:\s*[\"']?(?:ServiceAccount|RoleBinding|ClusterRoleBinding)\b")
# a release may install a chart of PATH whose own values set the label (charts.installs)
RELEASE_KINDS = re.compile(rb"kind:\s*[\"']?(?:HelmRelease|Application)\b")
MENTION_WORDS = (
    "aadpodidbinding",
    "AzureIdentity",
    "aadpodidentity",
    "aadPodIdentity",
    "podIdentityProfile",
)
# the label as a key, or in a value like "aadpodidbinding=web" (helm --set, comma lists)
# documents worth building: these words also find Pod Identity's own install (aad-pod-id-*)
RELEVANT_WORDS = (*MENTION_WORDS, "aad-pod-id")
LABEL_VALUE = re.compile(PI_LABEL + r"\s*[=:]\s*[\w.-]")


def read(paths: Sequence[str], default_namespace: str = "") -> Inventory:
    sources = list(walk(paths))
    overlays = _overlays(sources)
    reader = Reader(
        Namespaces([_root(p) for p in paths if p != STDIN]), default_namespace, overlays
    )
    later: list[SourceFile] = []
    for source in sources:
        if iac.marked(source.searchable) or iac.reads_values(source):
            reader.read_file(source, relevant=True)
        elif source.path == STDIN or source.path.endswith(YAML_SUFFIXES):
            later.append(source)  # a file of another kind matters only with a marker
    used = _account_pattern(reader.service_account_names())
    patched = overlays.patched_files() if overlays else set()
    if overlays:  # the patches of Pod Identity's install: uninstall deletes them with it
        installed = reader.install_files()
        patched |= overlays.patch_files_of(
            {real_path(s.full_path) for s in sources if s.full_path and s.path in installed}
        )
    charted = reader.has_charts()
    for source in later:
        data = source.searchable
        if (
            ACCOUNT_KINDS.search(data)
            or (charted and RELEASE_KINDS.search(data))
            or (used and used.search(data))
            or (patched and real_path(source.full_path) in patched)
        ):
            reader.read_file(source, relevant=False)
    roots = [str(_root(p)) for p in paths if p != STDIN]
    return reader.inventory(tuple(paths), lambda: substitutions.read(sources, roots))


def _overlays(sources: list[SourceFile]) -> Overlays | None:
    """The kustomize builds under PATH, and the files they reach out of it (read too)."""
    found = []
    for source in sources:
        if source.full_path and os.path.basename(source.full_path) in KUSTOMIZATION_NAMES:
            try:
                found.append((source.path, source.text()))
            except Undecodable:
                continue
    if not found:
        return None
    scanned = builds.scan(found)
    inside = {real_path(s.full_path) for s in sources if s.full_path}
    sources += [files.source(path) for path in scanned.outside(inside)]
    return Overlays(scanned)


def _root(path: str) -> Path:
    p = Path(path)
    return p if p.is_dir() else p.parent


def _account_pattern(names: set[str]) -> re.Pattern[bytes] | None:
    if not names:
        return None
    alternatives = b"|".join(re.escape(n.encode()) for n in sorted(names))
    return re.compile(
        rb"serviceAccount(?:Name)?:\s*[\"']?(?:" + alternatives + rb")[\"']?\s*$", re.M
    )


class Reader:
    def __init__(
        self, namespaces: Namespaces, default_namespace: str, overlays: Overlays | None = None
    ) -> None:
        self._namespaces = namespaces
        self._overlays = overlays
        self._default_namespace = default_namespace
        self._records: list[Record] = []
        self._findings: list[Finding] = []
        self._fingerprints: dict[str, str] = {}
        self._charts: dict[str, bool] = {}  # folder -> inside a chart's templates/
        self._chart_roots: dict[str, str] = {}  # folder -> the chart it is part of, or ""
        self._chart_files: dict[str, list[SourceFile]] = {}  # chart -> its relevant files
        self._releases: list[releases.Release] = []  # HelmReleases, Argo CD Applications
        self._iac_labels: list[iac.Label] = []  # pod labels Terraform or a template gives

    def service_account_names(self) -> set[str]:
        return {
            r.service_account
            for r in self._records
            if isinstance(r, Workload) and r.selector and r.service_account not in ("", "default")
        }

    def inventory(
        self,
        source: tuple[str, ...],
        flux: Callable[[], list[substitutions.FluxKustomization]] = list,
    ) -> Inventory:
        """FLUX: the Flux Kustomizations that substitute variables, read only when a
        templated object has a ${VAR} they could fill in."""
        self._records += self._finish_charts()
        found, patches = self._records, 0
        if self._overlays:
            self._records += self._overlays.remote_installs()
            patched, problems = self._overlays.finish(self._client_id)
            self._findings += problems
            found, patches = self._overlays.settle(found + patched), len(patched)
        merged, conflicts = merge.records(found, patches)
        if any(isinstance(r, TemplatedObject) and r.variables for r in merged):
            kustomizations = flux()
            merged = [
                substitutions.given(r, r.origins[0].file, kustomizations)
                if isinstance(r, TemplatedObject) and r.origins and kustomizations
                else r
                for r in merged
            ]
        return merge.inventory(
            merged,
            findings=tuple(self._findings) + conflicts,
            source=source,
            fingerprints=tuple(sorted(self._fingerprints.items())),
        )

    def _finish_charts(self) -> list[SelectorUse]:
        """The releases' values, and each chart that mentions Pod Identity, read once: the
        selectors they use, the charts' findings; a chart's file that no finding explains
        is reported as before."""
        in_use = [u for r in self._releases for u in r.uses(self._client_id)]
        in_use += [
            SelectorUse(
                label.selector,
                label.namespace,
                label.account,
                label.what,
                label.hint.replace(iac.CLIENT_ID, self._client_id(label.selector) or iac.CLIENT_ID),
                (label.origin,),
            )
            for label in self._iac_labels
        ]
        self._findings += [f for r in self._releases if (f := r.assumed()) is not None]
        bound = {r.selector for r in self._records if isinstance(r, AzureIdentityBinding)}
        for root, sources in sorted(self._chart_files.items()):
            first = sources[0]
            inside = os.path.relpath(first.full_path, root)
            shown = first.path[: len(first.path) - len(inside)].rstrip("/\\") or "."
            chart = charts.read_chart(root, shown)
            if chart.name == components.PI_CHART:
                self._pod_identity_chart(chart, sources)
                continue
            installed = [
                use
                for release in self._releases
                if charts.installs(release, chart)
                for use in charts.installed_uses(chart, release, self._version)
            ]
            in_use += installed
            found, uses = charts.chart_findings(chart, self._client_id, installed)
            self._findings += found
            explained = {f.origin.file for f in found} | {u.origins[0].file for u in installed}
            # a template the chart's findings name (a _helpers.tpl writing the label) too
            explained |= {label.file for label in chart.labels if found}
            explained |= {selector[0] for selector in chart.selectors if found}
            # the chart's own binding (a template) is no record: a use keeps those in PATH
            in_use += [u for u in uses if u.selector in bound]
            for source in sources:
                if source.path in explained:
                    continue
                if real_path(source.full_path) in {real_path(t) for t in chart.templates}:
                    self._unparsed(source, source.text(), "helm-template", 0, "a Helm template")
                else:
                    self._read_plain(source, relevant=True)
        return in_use

    def _version(self, path: str) -> str:
        """The fingerprint of a file read (a chart's values file)."""
        return self._fingerprints.get(path, "")

    def _pod_identity_chart(self, chart: charts.Chart, sources: list[SourceFile]) -> None:
        """Pod Identity's own chart, vendored: its CRDs are read (uninstall deletes them);
        its templates are its release's, uninstalled with it, not a workload to migrate."""
        for source in sources:
            if "crds" in Path(os.path.relpath(source.full_path, chart.root)).parts:
                self._read_plain(source, relevant=True)
        identities = [k for k in ("azureIdentities", "azureIdentity") if chart.values.get(k)]
        self._findings.append(
            findings.make(
                "pi-chart",
                Origin(f"{chart.shown}/Chart.yaml", 1),
                f"{chart.shown} is Pod Identity's own chart ({components.PI_CHART}): its "
                "templates install NMI, MIC and their exceptions; they are not migrated but "
                "uninstalled with the release that installs the chart"
                + (
                    f"; the identities its values define ({', '.join(identities)}) are not "
                    "read from there"
                    if identities
                    else ""
                ),
                "a HelmRelease or Application of it in PATH is deleted at uninstall; a release "
                "installed by hand: helm uninstall <release> -n <namespace> (helm list -A) after "
                "retire, then delete the CRDs; remove the chart folder afterwards",
            )
        )

    def _client_id(self, selector: str) -> str:
        """The client id of an identity a binding with SELECTOR names, as read so far."""
        bindings = [
            (b.namespace, b.identity)
            for b in self._records
            if isinstance(b, AzureIdentityBinding) and b.selector == selector
        ]
        ids = [
            i.client_id
            for i in self._records
            if isinstance(i, AzureIdentity) and (i.namespace, i.name) in bindings and i.client_id
        ]
        return ids[-1] if ids else ""

    def install_files(self) -> set[str]:
        """The files (as shown) that define a part of Pod Identity's install, read so far."""
        return {o.file for r in self._records if isinstance(r, PIComponent) for o in r.origins}

    def has_charts(self) -> bool:
        """A chart folder mentions Pod Identity (its releases are worth reading)."""
        return bool(self._chart_files)

    def read_file(self, source: SourceFile, relevant: bool) -> None:
        if relevant:
            self._fingerprints[source.path] = source.fingerprint
        root = charts.chart_root(source.full_path, self._chart_roots) if source.full_path else ""
        if root:
            if relevant:
                self._chart_files.setdefault(root, []).append(source)
            return
        if relevant and source.path != STDIN and not source.path.endswith(YAML_SUFFIXES):
            self._read_marked(source)
            return
        self._read_plain(source, relevant)

    def _read_marked(self, source: SourceFile) -> None:
        """Terraform, Bicep, JSON, a templated manifest: a JSON manifest is read as YAML
        (JSON is YAML); the others are reported line by line (read/iac.py)."""
        try:
            text = source.text()
        except Undecodable as e:
            self._findings.append(_undecodable(source, e))
            return
        kind = iac.kind_of(source.path)
        if kind == "arm" and _json_manifest(text):
            self._read_plain(source, relevant=True)
            return
        found = iac.read(source.path, text, kind, source.fingerprint)
        self._findings += found.findings
        self._iac_labels += found.labels
        self._records += [
            PIComponent(
                ObjectRef("ManagedCluster", f"{o.file}:{o.line}", "", "podIdentityProfile"),
                "config",
                "addon",
                (o,),
            )
            for o in found.addon
        ]

    def _read_plain(self, source: SourceFile, relevant: bool) -> None:
        try:
            text = source.text()
        except Undecodable as e:
            if relevant:
                self._findings.append(_undecodable(source, e))
            return
        if _is_helm_template(source, self._charts):
            if relevant:
                self._unparsed(source, text, "helm-template", 0, "a Helm template")
            return
        try:
            docs = parse(source.path, text)
        except ParseError as e:
            if relevant:
                code = "helm-template" if "{{" in text else "invalid-yaml"
                self._unparsed(source, text, code, e.line, e.problem)
            return
        views: list[View | None] = [None]
        if self._overlays and source.full_path:
            if os.path.basename(source.full_path) in KUSTOMIZATION_NAMES:
                self._read_kustomization(source, relevant)
                return
            views = list(self._overlays.builds.of(source.full_path)) or [None]
            patches = [] if views[0] else self._overlays.builds.patches_in(source.full_path)
            if patches:
                for patch in patches:
                    for doc in docs:
                        self._overlays.patch(patch, source, doc)
                return
        namespace = self._namespaces.for_file(source.full_path) or self._default_namespace
        for view in views:
            ns = namespace if view is None else self._default_namespace
            for doc in docs:
                wanted = (
                    doc.kind in READERS
                    or doc.kind in releases.RELEASE_KINDS
                    or doc.kind == "List"
                    or doc.mentions_any(RELEVANT_WORDS)
                )
                if wanted and not self._read_guarded(source, text, doc, ns, relevant, view):
                    return

    def _read_kustomization(self, source: SourceFile, relevant: bool) -> None:
        """Its inline patches, and its resources: entries that install Pod Identity."""
        assert self._overlays is not None
        if not relevant:
            return
        self._findings += self._overlays.install_entries(source)
        for patch in self._overlays.builds.patches_in(source.full_path):
            if not patch.text or not PI_MARKERS.search(patch.text.encode()):
                continue
            try:
                docs = parse(source.path, "\n" * (patch.line - 1) + patch.text)
            except ParseError:
                continue
            for doc in docs:
                self._overlays.patch(patch, source, doc)

    def _read_guarded(
        self,
        source: SourceFile,
        text: str,
        doc: Document,
        namespace: str,
        relevant: bool,
        view: View | None = None,
    ) -> bool:
        """The per-document boundary: a document that cannot be read is a finding at its
        line; the file's other documents are read as usual (False: stop reading the file,
        a Helm template outside a chart)."""
        try:
            self._read_document(source, doc, namespace, view)
        except DuplicateKey as e:
            self._findings.append(_bad_document(source, doc, "duplicate-key", e))
        except (yaml.YAMLError, RecursionError) as e:
            if "{{" in text:
                if relevant:
                    line = _bad_document(source, doc, "unreadable-document", e).origin.line
                    problem = str(getattr(e, "problem", "")) or "nested too deeply"
                    self._unparsed(source, text, "helm-template", line, problem)
                return False
            if relevant or doc.mentions_any(RELEVANT_WORDS):
                self._findings.append(_bad_document(source, doc, "unreadable-document", e))
        return True

    def _unparsed(self, source: SourceFile, text: str, code: str, line: int, problem: str) -> None:
        shown = masking.lines(text)
        lines = [
            f"{n}: {shown[n - 1].strip()}"
            for n, content in enumerate(text.splitlines(), 1)
            if any(word in content for word in MENTION_WORDS)
        ]
        where = f"line {line}: " if line else ""
        self._findings.append(
            findings.make(
                code,
                Origin(source.path, line or (int(lines[0].split(":")[0]) if lines else 0)),
                f"{source.path}: {where}{problem}; Pod Identity is mentioned on "
                + (f"{len(lines)} line(s): " + "; ".join(lines) if lines else "no line"),
                "render the template (helm template) and migrate the lines above by hand, "
                "or fix the YAML and plan again"
                if code == "helm-template"
                else "fix the YAML at that line and plan again",
            )
        )

    def _read_document(
        self, source: SourceFile, doc: Document, namespace: str, view: View | None
    ) -> None:
        data = doc.summary
        if (
            isinstance(data, dict)
            and data.get("kind") == "List"
            and isinstance(data.get("items"), list)
        ):
            items = node_at(doc.node, ["items"])
            for i, item in enumerate(data["items"] if isinstance(data["items"], list) else []):
                node = items.value[i] if items is not None else doc.node
                sub = Document(doc.file, doc.index, node.start_mark.line + 1, node, doc.text)
                sub.summary = item
                self._read_object(source, sub, namespace, view)
        else:
            self._read_object(source, doc, namespace, view)

    def _read_object(
        self, source: SourceFile, doc: Document, namespace: str, view: View | None
    ) -> None:
        data = doc.summary
        kind = str(data.get("kind", "")) if isinstance(data, dict) else ""
        written = ""
        if view is not None and kind:
            assert self._overlays is not None
            data, written = self._overlays.built(data, view)
        origin = Origin(source.path, doc.line, doc.index, written, version=source.fingerprint)
        release = (
            releases.release(data, doc, origin)
            if kind in releases.RELEASE_KINDS and not components.installs_pod_identity(data)
            else None
        )
        if release is not None:
            self._releases.append(release)
            return
        found: list[Record] = []
        if kind:
            ns = namespace or "default"
            found, problems = records(data, ns, origin)
            found = [field_lines(r, doc.node, doc.line) for r in found]
            self._findings.extend(problems)
            if problems and not found:
                return  # the object's own finding says it all
            if found and not namespace and _needs_namespace(data, found):
                self._findings.append(_default_namespace(origin, kind, data))
            self._records.extend(found)
            if view is not None:
                assert self._overlays is not None
                self._overlays.keep(found, view)
        self._check_mentions(doc, origin, kind, found, namespace or "default")

    def _check_mentions(
        self, doc: Document, origin: Origin, kind: str, found: list[Record], namespace: str
    ) -> None:
        if kind in PI_KINDS or (found and not isinstance(found[0], Workload)):
            return
        if not doc.mentions_any(MENTION_WORDS):
            return
        allowed = _label_lines(doc, found[0]) if found else set()
        uses = pod_labels.uses(doc, origin, kind, namespace) if kind and not found else []
        self._records += uses  # a custom resource whose operator builds pods from labels
        allowed |= {u.origins[0].line for u in uses}
        stray = [
            (n, text)
            for n, text, is_key in scalar_mentions(doc.node, PI_LABEL)
            if n not in allowed and (text == PI_LABEL if is_key else LABEL_VALUE.search(text))
        ]
        if stray:
            self._findings.append(_stray_label(origin, kind, doc, stray))
        elif (
            not found
            and not uses
            and any(next(scalar_mentions(doc.node, word), None) for word in MENTION_WORDS)
        ):
            self._findings.append(
                findings.make(
                    "pi-mention",
                    origin,
                    f"{kind or 'a document'} {_name(doc.summary)} mentions Pod Identity "
                    "without being one of its objects",
                    "review it by hand: a policy or document may need updating after the migration",
                )
            )


def _json_manifest(text: str) -> bool:
    """A Kubernetes object (or List) written as JSON, not an ARM template."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return False
    return isinstance(data, dict) and "kind" in data and "apiVersion" in data


def _bad_document(source: SourceFile, doc: Document, code: str, error: Exception) -> Finding:
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        line, problem = (mark.line + 1 if mark else doc.line), str(error.problem)
    else:
        line, problem = doc.line, "nested too deeply"
    kind = doc.kind or "a document without kind"
    return findings.make(
        code,
        Origin(source.path, line, doc.index, version=source.fingerprint),
        f"{source.path}: {kind} (document {doc.index + 1}, line {doc.line}) cannot be read: "
        f"{problem}",
        "fix the YAML at that line and plan again; nothing is planned from this document",
    )


def _undecodable(source: SourceFile, error: Undecodable) -> Finding:
    return findings.make(
        "unreadable-file",
        Origin(source.path, error.line, version=source.fingerprint),
        f"{source.path}: {error.reason}; the file mentions Pod Identity but is not read",
        "convert it to UTF-8 (or UTF-16 with a BOM) and plan again",
    )


def _is_helm_template(source: SourceFile, charts: dict[str, bool]) -> bool:
    """In a chart's templates/ folder (at any depth); `charts` remembers each folder."""
    if not source.full_path:
        return False
    folder = os.path.dirname(source.full_path)
    if folder not in charts:
        charts[folder] = any(
            parent.name == "templates" and files.is_chart(str(parent.parent))
            for parent in Path(source.full_path).parents
        )
    return charts[folder]


def _needs_namespace(data: dict[str, Any], found: list[Record]) -> bool:
    meta = data.get("metadata")
    if isinstance(meta, dict) and meta.get("namespace"):
        return False
    first = found[0]
    return getattr(first, "namespace", "") != "" and (
        not isinstance(first, Workload) or bool(first.selector)
    )


def _default_namespace(origin: Origin, kind: str, data: dict[str, Any]) -> Finding:
    return findings.make(
        "default-namespace",
        origin,
        f"{kind} {_name(data)} names no namespace and no kustomization.yaml above it does: "
        "using 'default'",
        "add metadata.namespace, or pass --namespace NS",
    )


def _label_lines(doc: Document, workload: Workload) -> set[int]:
    lines = set()
    for path in (
        (*workload.template_path, "metadata", "labels", PI_LABEL),
        ("spec", "selector", "matchLabels", PI_LABEL),
        ("metadata", "labels", PI_LABEL),  # no effect: planned as own-label
    ):
        node = node_at(doc.node, path)
        if node is not None:
            lines.add(node.start_mark.line + 1)
    return lines


def _stray_label(origin: Origin, kind: str, doc: Document, stray: list[tuple[int, str]]) -> Finding:
    where = ", ".join(f"line {line}" for line, _ in stray)
    return findings.make(
        "label-outside-pod-template",
        Origin(origin.file, stray[0][0], origin.document, version=origin.version),
        f"{f'{kind} {_name(doc.summary)}' if kind else 'a document without kind (values?)'}: "
        f"{PI_LABEL} at {where} is not in a workload's pod template; the tool does not change it",
        "move the workload to a ServiceAccount by hand: set serviceAccountName and the label "
        'azure.workload.identity/use: "true" where this object builds its pods, then remove '
        f"{PI_LABEL}",
    )


def _name(data: Any) -> str:
    meta = data.get("metadata") if isinstance(data, dict) else None
    return str(meta.get("name", "")) if isinstance(meta, dict) else ""
