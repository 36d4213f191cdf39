"""The rewrite job: the plan's actions of a stage, as new file contents (nothing written).

    rewrite(plan, stage, roots) -> Result

For `--stage all` the four stages run in order, each on the text the previous one left,
so every stage's edits are computed on the text they apply to.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import yaml

from migrate.model import progress, stages
from migrate.model.inventory import Finding
from migrate.model.memory import collector_paused
from migrate.model.plan import (
    CreateFederatedCredential,
    CreateManagedIdentity,
    CreateServiceAccount,
    DeleteObject,
    Plan,
)
from migrate.read import builds
from migrate.read.files import Document
from migrate.read.kustomize import Namespaces
from migrate.write.rewrite import actions, blocks, documents, kustomizations, notes, redump
from migrate.write.rewrite.actions import FileAction, Target
from migrate.write.rewrite.edits import Edit, RewriteError
from migrate.write.rewrite.locate import Located
from migrate.write.rewrite.locate import Path as KeyPath
from migrate.write.rewrite.ops import NeedsRedump, Op, RemoveItems, SetPairs, Unsafe
from migrate.write.rewrite.serviceaccounts import path_of, text
from migrate.write.rewrite.workspace import FileState, Workspace
from migrate.write.rewrite.yamltext import detect

AZURE_ONLY = (CreateManagedIdentity, CreateFederatedCredential)  # nothing to write in files


@dataclass(frozen=True)
class Result:
    files: tuple[FileState, ...]  # every file looked at, changed or not
    findings: tuple[Finding, ...]  # what the rewrite itself adds to the plan's findings


def rewrite(plan: Plan, stage: str, roots: Sequence[str], force: bool = False) -> Result:
    """FORCE: let the files be written even when the plan (or the rewrite) has errors."""
    workspace = Workspace(dict(plan.fingerprints))
    findings: list[Finding] = []
    namespaces = Namespaces([_folder(r) for r in roots])
    with collector_paused():  # the node trees of every file to change are alive at once
        for name in stages.selected(stage):
            todo = [a for a in plan.actions if a.stage == name and not isinstance(a, AZURE_ONLY)]
            _Stage(workspace, roots, namespaces, findings).run(todo)
    touched = tuple(f for f in workspace.files() if f.original is not None or f.text is not None)
    for f in touched:
        if not f.changed or _inside(f.path, roots):
            continue
        if not os.path.islink(f.path):  # a new file planned outside (an edited plan's nextTo)
            real = os.path.realpath(f.path)
            raise RewriteError(f"{f.path} is outside the folders being rewritten ({real})")
        findings.append(_outside(f))
        workspace.revert(f.path)
    errors = 0 if force else len(plan.errors) + sum(f.severity == "error" for f in findings)
    for f in touched:
        f.errors = errors
    return Result(touched, tuple(findings))


def _inside(path: str, roots: Sequence[str]) -> bool:
    """Whether PATH, symlinks resolved, is inside one of ROOTS (a root file is its folder)."""
    real = os.path.realpath(path)
    for root in roots:
        top = os.path.realpath(root)
        top = top if os.path.isdir(top) else os.path.dirname(top)
        if os.path.commonpath([top, real]) == top:
            return True
    return False


def _outside(f: FileState) -> Finding:
    return notes.make(
        "symlink-out-of-repo",
        f.path,
        1,
        f"{f.path} is a link to {os.path.realpath(f.path)}, outside the folders being "
        "rewritten: not written",
        "make the change in the file the link points to (in its own repo), or replace "
        "the link with a copy",
    )


def _folder(root: str) -> Path:
    path = Path(root)
    return path if path.is_dir() else path.parent


class _Stage:
    def __init__(
        self, ws: Workspace, roots: Sequence[str], namespaces: Namespaces, findings: list[Finding]
    ) -> None:
        self.ws, self.roots, self.namespaces, self.findings = ws, roots, namespaces, findings
        self.builds: builds.Builds | None = None
        self.created: set[str] = set()

    def run(self, todo: list[FileAction]) -> None:
        targets: list[Target] = []
        doomed: dict[str, list[Located]] = defaultdict(list)
        creates: list[CreateServiceAccount] = []
        entries: set[tuple[str, str]] = set()  # (kustomization, remote entry) to drop
        for action in todo:
            if isinstance(action, CreateServiceAccount):
                creates.append(action)
            elif isinstance(action, DeleteObject):
                remote = {(o.file, o.remote_entry) for o in action.caused_by if o.remote_entry}
                entries |= remote
                if remote and all(o.remote_entry for o in action.caused_by if o.file):
                    continue  # made by a URL only: its entry goes, no document to delete
                for file, obj in actions.holders(action, self.ws.documents):
                    doomed[file].append(obj)
            else:
                targets += actions.ops(action, self.ws.documents, self.findings)
        by_file: dict[str, list[Target]] = defaultdict(list)
        for target in targets:
            by_file[target.file].append(target)
        emptied = []
        files = sorted(set(by_file) | set(doomed))
        for file in progress.track(files, f"rewriting {len(files)} files"):
            after = self.ws.edit(file, self._edits(file, by_file[file], doomed[file]))
            if doomed[file] and documents.is_empty(after):
                self.ws.delete(file)
                self.ws.note(file, "no document left")
                emptied.append(file)
        created = [self._create(action) for action in creates]
        self._kustomizations(emptied, [c for c in created if c], sorted(entries))

    def _create(self, action: CreateServiceAccount) -> str:
        path = path_of(action)
        if self.builds is None:
            self.builds = builds.scan_roots(self.roots)
        new = text(self.ws, action, self.namespaces, self.findings, self.builds)
        if path in self.created and self.ws.text(path) == new:
            return ""  # one file in a base serves every overlay that reaches it
        self.ws.create(path, new)
        self.ws.note(path, "new file")
        self.created.add(path)
        return path

    def _kustomizations(
        self, emptied: list[str], created: list[str], entries: Sequence[tuple[str, str]] = ()
    ) -> None:
        ops: dict[str, list[Op]] = defaultdict(list)
        for kustomization, entry in entries:
            remove = kustomizations.drop_entry(self.ws, kustomization, entry)
            if remove is not None:
                ops[kustomization].append(remove)
        for file in emptied:
            for kustomization, remove in kustomizations.drop_references(self.ws, file, self.roots):
                ops[kustomization].append(remove)
        for file in created:
            found = kustomizations.add_resource(self.ws, file)
            if found:
                ops[found[0]].append(found[1])
        for kustomization, todo in sorted(ops.items()):
            doc = self.ws.documents(kustomization)[0]
            root = cast(yaml.MappingNode, doc.node)
            targets = [
                Target(kustomization, Located(doc, root, ()), op, "kustomize") for op in todo
            ]
            self.ws.edit(kustomization, self._edits(kustomization, targets, []))
            if kustomizations.is_empty(self.ws, kustomization):
                self.findings.append(
                    notes.make(
                        "empty-kustomization",
                        kustomization,
                        1,
                        f"{kustomization} lists no resources any more",
                        "delete the folder and its entry in the kustomization above, if any",
                    )
                )

    def _edits(self, file: str, targets: list[Target], doomed: list[Located]) -> list[Edit]:
        text = self.ws.text(file)
        chunks = documents.chunks(text)
        deleted = {documents.chunk_of(text, o.doc, chunks) for o in doomed if not o.prefix}
        by_doc: dict[int, list[tuple[Op, str]]] = defaultdict(list)
        docs: dict[int, Document] = {}
        for target in targets:
            by_doc[target.located.doc.index].append((target.op, target.why))
            docs[target.located.doc.index] = target.located.doc
        for obj in doomed:
            if obj.prefix:  # an item of a `kind: List`
                index = obj.prefix[1]
                by_doc[obj.doc.index].append((RemoveItems(("items",), (int(index),)), "delete"))
                docs[obj.doc.index] = obj.doc
        out = documents.delete(text, deleted, "delete-object")
        for index, todo in by_doc.items():
            doc = docs[index]
            if documents.chunk_of(text, doc, chunks) not in deleted:
                out += self._document_edits(file, text, doc, todo)
        return out

    def _document_edits(
        self, file: str, text: str, doc: Document, todo: list[tuple[Op, str]]
    ) -> list[Edit]:
        layout = detect(text, doc.node)
        out: list[Edit] = []
        kept: list[tuple[Op, str]] = []
        redump_reason: NeedsRedump | None = None
        todo, clashes = _clashes(_merged(todo))
        for key, whys in clashes:
            self.findings.append(_clash(file, doc, key, whys))
        for op, why in todo:
            try:
                out += blocks.edits(text, layout, doc.node, op, why)
                kept.append((op, why))
            except NeedsRedump as e:
                redump_reason = redump_reason or e
                kept.append((op, why))
            except Unsafe as e:
                self.findings.append(_unsafe(file, doc, why, e))
        if redump_reason is None:
            return out
        start, end = documents.span(text, doc)
        self.findings.append(_redumped(file, doc, redump_reason))
        self.ws.note(file, f"re-dumped document {doc.index + 1} ({redump_reason.reason})")
        return [redump.edit(text, start, end, layout, [op for op, _ in kept], "re-dump")]


def _merged(todo: list[tuple[Op, str]]) -> list[tuple[Op, str]]:
    """One RemoveItems per list: removing every item must leave `[]`, not nothing."""
    out: list[tuple[Op, str]] = []
    removals: dict[tuple[str | int, ...], set[int]] = defaultdict(set)
    for op, why in todo:
        if isinstance(op, RemoveItems):
            removals[op.path].update(op.indexes)
        else:
            out.append((op, why))
    out += [(RemoveItems(path, tuple(sorted(i))), "remove entries") for path, i in removals.items()]
    return out


def _clashes(
    todo: list[tuple[Op, str]],
) -> tuple[list[tuple[Op, str]], list[tuple[str, list[str]]]]:
    """One document, several actions: a kustomize base that two overlays build. The same
    edit is made once; a key that they want set to different values is not set at all."""
    values: dict[tuple[KeyPath, str], set[str]] = defaultdict(set)
    for op, _ in todo:
        if isinstance(op, SetPairs):
            for key, value in op.pairs:
                values[(op.path, key)].add(value.value)
    clashing = {k for k, v in values.items() if len(v) > 1}
    kept: list[tuple[Op, str]] = []
    seen: set[Op] = set()
    whys: dict[str, list[str]] = defaultdict(list)
    for op, why in todo:
        if isinstance(op, SetPairs) and any((op.path, k) in clashing for k, _ in op.pairs):
            for k, _ in op.pairs:
                if (op.path, k) in clashing:
                    whys[k].append(why)
            pairs = tuple(p for p in op.pairs if (op.path, p[0]) not in clashing)
            if not pairs:
                continue
            op = SetPairs(op.path, pairs, op.fold)
        if op not in seen:
            seen.add(op)
            kept.append((op, why))
    return kept, sorted(whys.items())


def _clash(file: str, doc: Document, key: str, whys: list[str]) -> Finding:
    targets = sorted({why.partition(" ")[2] for why in whys})
    return notes.make(
        "not-rewritten",
        file,
        doc.line,
        f"{key} would get different values for {', '.join(targets)}, which all come from "
        f"document {doc.index + 1} of {file} (a kustomize base several overlays build): "
        "not set",
        f"set {key} in a patch in each overlay (patches: - path: ...), with that overlay's value",
        targets[0],
    )


def _unsafe(file: str, doc: Document, why: str, e: Unsafe) -> Finding:
    return notes.make(
        "not-rewritten",
        file,
        e.line or doc.line,
        f"{why}: not rewritten: {e.reason}",
        "make this change by hand",
        why.partition(" ")[2],  # the target, as actions.ops wrote it into `why`
    )


def _redumped(file: str, doc: Document, e: NeedsRedump) -> Finding:
    return notes.make(
        "redumped-document",
        file,
        e.line,
        f"document {doc.index + 1} of {file} was re-dumped with ruamel.yaml ({e.reason}): "
        "its comments are kept, but its layout may differ",
        "review the whole document in the diff",
    )
