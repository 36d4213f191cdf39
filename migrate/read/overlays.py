"""The reader's side of kustomize builds: objects as a top build makes them, patches on them.

Each object of a file a top build reaches is read as that build makes it (its namespace
and name through every layer); its origin keeps the object as written (`Origin.ref`), so a
rewrite finds it in the file. A ServiceAccount that a pod template or a RoleBinding names
is renamed with it when the build holds it (kustomize's name references). Patches are
applied after every file is read: their records merge into their targets' (later origins
win), patches of inner layers first.
"""

from __future__ import annotations

import dataclasses
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from migrate.model import findings
from migrate.model.inventory import (
    PI_LABEL,
    REMOTE_ENTRY,
    Finding,
    ObjectRef,
    Origin,
    PIComponent,
    RoleBinding,
    Workload,
)
from migrate.read import upstream
from migrate.read.builds import Builds, Patch, View
from migrate.read.fields import mapping, string
from migrate.read.files import Document, SourceFile, real_path
from migrate.read.objects import Record, field_lines, records
from migrate.read.patches import Built, Partial, partials, targets

# Flux's controllers run as ServiceAccounts of their own names (flux2 manifests/install)
FLUX_CONTROLLERS = frozenset(
    {
        "source-controller",
        "kustomize-controller",
        "helm-controller",
        "notification-controller",
        "image-reflector-controller",
        "image-automation-controller",
    }
)
PI_INSTALL = ("aad-pod-identity", "aad-pod-id", "deployment-rbac.yaml", "mic-exception.yaml")


@dataclass
class Overlays:
    builds: Builds
    _objects: dict[str, list[Built]] = field(default_factory=lambda: defaultdict(list))
    _accounts: dict[str, dict[str, tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(dict)
    )  # top -> account as written -> (namespace, name) as built
    _patches: list[tuple[Patch, SourceFile, Document]] = field(default_factory=list)
    _in_view: list[tuple[Record, View]] = field(default_factory=list)

    def built(self, data: dict[str, Any], view: View) -> tuple[dict[str, Any], str]:
        """DATA as the build makes it, and the object as written ("" when the same)."""
        kind = str(data.get("kind", ""))
        meta = mapping(data.get("metadata"))
        name, ns = string(meta.get("name")), string(meta.get("namespace"))
        built_name, built_ns = view.name(kind, name), view.namespace(kind, ns)
        labels = mapping(meta.get("labels"))
        if name:
            pairs = tuple((str(k), str(v)) for k, v in labels.items())
            self._objects[view.top].append(Built(view, kind, name, ns, pairs, built_name, built_ns))
            if kind == "ServiceAccount":
                self._accounts[view.top].setdefault(name, (built_ns, built_name))
        if (built_name, built_ns) == (name, ns):
            return data, ""
        meta = {**meta, "name": built_name, **({"namespace": built_ns} if built_ns else {})}
        return {**data, "metadata": meta}, f"{kind}/{ns}/{name}"

    def keep(self, found: list[Record], view: View) -> None:
        """Records read in VIEW: their account references are settled at the end."""
        self._in_view += [(r, view) for r in found if isinstance(r, Workload | RoleBinding)]

    def patch(self, patch: Patch, source: SourceFile, doc: Document) -> None:
        self._patches.append((patch, source, doc))

    def remote_installs(self) -> list[Record]:
        """Pod Identity's install that a kustomization lists by URL (upstream's
        deployment-rbac.yaml, mic-exception.yaml...): its objects by name, as the build
        makes them, each from the entry's line. Their patches resolve against them."""
        out: list[Record] = []
        for remote in self.builds.remotes:
            view = View(remote.top, remote.layers)
            origin = Origin(remote.kustomization, remote.line, ref=REMOTE_ENTRY + remote.entry)
            parts, namespace = upstream.objects(remote.entry)
            for kind, name, part, api, namespaced in parts:
                written = namespace if namespaced else ""
                built_ns = view.namespace(kind, written) if namespaced else ""
                built_name = view.name(kind, name)
                self._objects[remote.top].append(
                    Built(view, kind, name, written, (), built_name, built_ns)
                )
                ref = ObjectRef(kind, built_name, built_ns, api)
                out.append(PIComponent(ref, part, "raw", (origin,)))
        return out

    def patch_files_of(self, files: set[str]) -> set[str]:
        """Real paths of the patch files of every build that reaches one of FILES (real),
        or lists Pod Identity's install by URL."""
        tops = {t for t in self.builds.tops if files & set(self.builds.files_of(t))}
        tops |= {r.top for r in self.builds.remotes if upstream.objects(r.entry)[0]}
        return {
            path
            for path, patches in self.builds.patches.items()
            if any(p.view.top in tops for p in patches)
        }

    def patched_files(self) -> set[str]:
        """Real paths of the resources of every build a patch read so far applies in."""
        return {f for p, _, _ in self._patches for f in self.builds.files_of(p.view.top)}

    def finish(
        self, client_id: Callable[[str], str] = lambda selector: ""
    ) -> tuple[list[Record], list[Finding]]:
        """The patches' records (to merge after every other), and the findings. CLIENT_ID:
        the client id of the identity a selector's binding names, for manual steps."""
        out: list[Record] = []
        problems: list[Finding] = []
        problems += self._shared_bases()
        ordered = sorted(self._patches, key=lambda p: -p[0].depth)  # inner layers first
        for patch, source, doc in ordered:
            for part in partials(patch, doc):
                found, notes = self._apply(patch, source, doc, part, client_id)
                out += found
                problems += notes
        return out, problems

    def _shared_bases(self) -> list[Finding]:
        """One note per base file whose Pod Identity workloads several top builds deploy."""
        tops: dict[str, set[str]] = defaultdict(set)
        first: dict[str, Origin] = {}
        for record, view in self._in_view:
            if isinstance(record, Workload) and record.selector and record.origins:
                tops[record.origins[0].file].add(view.top)
                first.setdefault(record.origins[0].file, record.origins[0])
        return [
            findings.make(
                "shared-kustomize-base",
                first[file],
                f"{file} is built by {len(names)} kustomizations ({', '.join(sorted(names))}): "
                "each is planned as its own deployment, in its own namespace, of one cluster",
                "if they deploy to different clusters, plan each one on its own with that "
                "cluster's --issuer (and --cluster-name)",
            )
            for file, names in sorted(tops.items())
            if len(names) > 1
        ]

    def _apply(
        self,
        patch: Patch,
        source: SourceFile,
        doc: Document,
        part: Partial,
        client_id: Callable[[str], str],
    ) -> tuple[list[Record], list[Finding]]:
        ref = f"{part.kind}/{part.namespace}/{part.name}" if part.name else ""
        origin = Origin(source.path, part.line, doc.index, ref, source.fingerprint)
        hits = targets(patch, part, self._objects[patch.view.top])
        notes: list[Finding] = []
        sets_label = _sets_label(part.data)
        if sets_label and (patch.text or not part.name):
            notes.append(_manual_patch(patch, origin, sets_label))
        if not hits:
            if not sets_label:
                return [], notes
            notes.append(self._unresolved(patch, origin, part, sets_label, client_id(sets_label)))
            return self._flux_controller(patch, origin, part), notes
        out: list[Record] = []
        for hit in hits:
            meta = mapping(part.data.get("metadata"))
            meta = {**meta, "name": hit.built_name}
            if hit.built_namespace:
                meta["namespace"] = hit.built_namespace
            found, problems = records(
                {**part.data, "metadata": meta}, hit.built_namespace or "default", origin
            )
            node = doc.node if part.name and isinstance(doc.summary, dict) else None  # SMP
            found = [field_lines(r, node, part.line) for r in found]
            self._in_view += [(r, hit.view) for r in found if isinstance(r, Workload)]
            out += found
            notes += problems
        return out, notes

    def settle(self, found: list[Record]) -> list[Record]:
        """FOUND with the account references and name affixes of their builds."""
        changed: dict[int, Record] = {}
        for record, view in self._in_view:
            accounts = self._accounts[view.top]
            if isinstance(record, Workload):
                account = record.service_account
                new_account = accounts[account][1] if account in accounts else account
                affixes = view.affixes
                if new_account != account or affixes != ("", ""):
                    changed[id(record)] = dataclasses.replace(
                        record,
                        service_account=new_account,
                        name_affixes=affixes if affixes != ("", "") else (),
                    )
            else:
                subjects = []
                for subject in record.service_accounts:
                    _, _, name = subject.partition("/")
                    subjects.append("/".join(accounts[name]) if name in accounts else subject)
                if tuple(subjects) != record.service_accounts:
                    changed[id(record)] = dataclasses.replace(
                        record, service_accounts=tuple(subjects)
                    )
        return [changed.get(id(r), r) for r in found]

    def install_entries(self, source: SourceFile) -> list[Finding]:
        """A finding for each `resources:` entry of this kustomization that names a Pod
        Identity install file (a URL or a vendored copy)."""
        k = self.builds.kustomizations.get(real_path(os.path.dirname(source.full_path)))
        if k is None:
            return []
        out = []
        for entry, line in k.entries("resources"):
            if not isinstance(entry, str) or not any(word in entry for word in PI_INSTALL):
                continue
            if "aad-pod-id" in entry or (
                "://" not in entry and _installs(os.path.join(k.folder, entry))
            ):
                out.append(_install_entry(source, line, entry))
        return out

    def remotes_of(self, top: str) -> list[str]:
        return [r.entry for r in self.builds.remotes if r.top == top]

    def _flux_controller(self, patch: Patch, origin: Origin, part: Partial) -> list[Record]:
        """A patch of one of Flux's own controllers, whose base (Flux's install) is not in
        PATH: the workload is planned with the account Flux gives it, which the patch does
        not name (a rewrite sets no serviceAccountName on it)."""
        name = part.name or dict(patch.target).get("name", "")
        if part.kind != "Deployment" or name not in FLUX_CONTROLLERS:
            return []
        namespace = patch.view.namespace(part.kind, part.namespace or "flux-system")
        meta = {**mapping(part.data.get("metadata")), "name": name, "namespace": namespace}
        found, _ = records({**part.data, "metadata": meta}, namespace, origin)
        return [
            dataclasses.replace(r, service_account=name) if isinstance(r, Workload) else r
            for r in found
        ]

    def _unresolved(
        self, patch: Patch, origin: Origin, part: Partial, selector: str, client_id: str
    ) -> Finding:
        remote = self.remotes_of(patch.view.top)
        where = (
            f"its base is not in PATH (remote: {', '.join(remote)})"
            if remote
            else "no object it applies to is in PATH"
        )
        name = part.name or dict(patch.target).get("name", "")
        namespace = patch.view.namespace(part.kind, part.namespace or "flux-system")
        # Flux's own controllers: the account is known by name; any other base's is not
        account = f"{namespace}/{name}" if name in FLUX_CONTROLLERS else ""
        client_id = client_id or "<the client id of its identity>"
        who = f"ServiceAccount {account}" if account else "the ServiceAccount the base's pods use"
        subject = (
            f"system:serviceaccount:{account.replace('/', ':')}"
            if account
            else "system:serviceaccount:<namespace>:<that account>"
        )
        if account:  # planned: its credential, and the label beside the patch's
            return findings.make(
                "kustomize-patch-base-missing",
                origin,
                f"{origin.file}: a kustomize patch of Flux's {name} sets {PI_LABEL}: "
                f"{selector}, but {where}: its federated credential is planned for {subject}; "
                f"annotate {who} by hand with azure.workload.identity/client-id: {client_id}",
                "add the annotation with a patch of that ServiceAccount beside this one "
                "(Flux's install is not edited), before the switch",
                f"ServiceAccount/{account}",
            )
        return findings.make(
            "kustomize-patch-base-missing",
            origin,
            f"{origin.file}: a kustomize patch of {part.kind} {name} sets {PI_LABEL}: "
            f"{selector}, but {where}: nothing is planned for it; by hand, annotate {who} with "
            f"azure.workload.identity/client-id: {client_id}",
            f"add a federated credential for {subject} (wi-migrate does not guess the base's "
            'account), then put azure.workload.identity/use: "true" beside the label in this '
            "patch; retire its binding only after that",
            f"selector {selector}",
        )


def _sets_label(data: dict[str, Any]) -> str:
    for path in (("spec", "template"), ("spec", "jobTemplate", "spec", "template"), ()):
        current: Any = data
        for key in (*path, "metadata", "labels"):
            current = current.get(key) if isinstance(current, dict) else None
        if isinstance(current, dict) and current.get(PI_LABEL):
            return str(current[PI_LABEL])
    return ""


def _manual_patch(patch: Patch, origin: Origin, selector: str) -> Finding:
    kind = "an inline patch" if patch.text else "a JSON6902 patch"
    return findings.make(
        "kustomize-patch-manual",
        origin,
        f"{origin.file}:{origin.line}: {kind} sets {PI_LABEL}: {selector}; the tool does not "
        "edit it",
        'at switch, add azure.workload.identity/use: "true" (and serviceAccountName) to it by '
        f"hand; at retire, remove its {PI_LABEL} op",
    )


def _installs(path: str) -> bool:
    """A vendored file is Pod Identity's install, not another project's deployment-rbac.yaml."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return False
    return b"aad-pod-id" in data or b"aadpodidentity.k8s.io" in data


def _install_entry(source: SourceFile, line: int, entry: str) -> Finding:
    remote = "://" in entry or entry.startswith(("github.com/", "git@"))
    known = remote and bool(upstream.objects(entry)[0])
    if known:  # planned: the entry and the objects it makes, by upstream's names
        hint = (
            "uninstall removes this entry, and deletes the objects upstream's file makes by "
            "their upstream names (in the namespace the build gives them) with the patches "
            "of them: compare with `kubectl kustomize` of this folder if the file is a fork"
        )
    else:
        hint = "at uninstall (after retire), remove this entry from resources:" + (
            "; the tool cannot delete a remote file's objects" if remote else ""
        )
    return findings.make(
        "pi-install-resource",
        Origin(source.path, line, version=source.fingerprint),
        f"resources: entry {entry!r} installs Pod Identity"
        + (" from outside the repo" if remote else ""),
        hint,
    )
