"""Undo a live stage from its journal, in reverse order, field by field (fields.py).

Only entries for targets of the stage's own journaled plan are undone, each in the shape its
action allows (only a created ServiceAccount may be deleted, only a deleted object re-created).
Every entry is checked against the cluster before anything is written: a field someone changed
since the stage is a conflict that stops the rollback, naming object and field. Idempotent: a
killed rollback is finished by running it again."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

from migrate.errors import UserError
from migrate.kubeapi.client import MERGE, ApiFailure, Connection, Object
from migrate.kubeapi.errors import failure
from migrate.kubeapi.kinds import kind
from migrate.model import plan as plans
from migrate.model import stages
from migrate.model.plan import Action, CreateServiceAccount, DeleteObject
from migrate.model.stages import UNINSTALL
from migrate.write.live.fields import MISSING, SERVER_SET, Change, at, changes, restoring_patch
from migrate.write.live.journal import Entry, Journal, StageLog

Report = Callable[[str], None]


@dataclass(frozen=True)
class Undo:
    ref: str
    path: str  # the object's API path
    method: str  # "PATCH", "POST", "DELETE" or "" (nothing left to do)
    body: Object | None = None


VERBS = {"PATCH": "restore", "POST": "re-create", "DELETE": "delete"}
DONE = {"PATCH": "restored", "POST": "re-created", "DELETE": "deleted"}


def rollback(
    connection: Connection, journal: Journal, stage: str, report: Report, write: bool = True
) -> list[str]:
    """The refs restored (or, without `write`, that would be: nothing is written then)."""
    log = journal.stages.get(stage)
    if log is None or not log.entries:
        raise UserError(
            f"the journal has nothing to roll back for the {stage} stage",
            f"check --state-dir and --journal-namespace (local journal: {journal.path})",
        )
    later = [s for s in stages.later(stage) if _active(journal, s)]
    if later:
        raise UserError(
            f"the {', '.join(later)} stage(s) ran after {stage}",
            f"roll back {later[-1]} first (wi-migrate rollback --stage {later[-1]})",
        )
    if stage == UNINSTALL:
        raise UserError("uninstall cannot be rolled back", "re-install Pod Identity by hand")
    actions = _planned(log, journal)
    entries = list(reversed(log.entries.values()))
    try:
        undos, conflicts = [], []
        for entry in entries:
            undo, conflict = _undo(connection, entry, actions[entry.ref])
            undos.append(undo)
            conflicts += conflict
        if conflicts:
            raise UserError(
                f"rollback of the {stage} stage stopped before any write: "
                f"{len(conflicts)} conflict(s): " + "; ".join(conflicts[:5]),
                "someone changed these fields after the stage: put them back as the stage left "
                "them, or restore those objects by hand, then run rollback again",
            )
        if not write:
            for undo in undos:
                if undo.method:
                    report(f"would {VERBS[undo.method]} {undo.ref}")
            return [u.ref for u in undos if u.method]
        restored = []
        for undo in undos:
            if _write(connection, undo):
                restored.append(undo.ref)
                report(f"{DONE[undo.method]} {undo.ref}")
        journal.finish(stage, "rolled-back")
    except ApiFailure as e:
        raise failure(e, f"rolling back the {stage} stage") from None
    return restored


def _active(journal: Journal, stage: str) -> bool:
    log = journal.stages.get(stage)
    return log is not None and bool(log.entries) and log.status != "rolled-back"


def _planned(log: StageLog, journal: Journal) -> dict[str, Action]:
    """Each journaled object's action in the stage's plan; an entry without one, or in a shape
    its action cannot leave, is refused (nothing is written)."""
    if log.plan is None:
        raise UserError(f"the journal of the {log.stage} stage holds no plan", "")
    plan = plans.from_document(log.plan, f"journal {journal.path}")
    by_target = {str(getattr(a, "target", "")): a for a in plan.stage(log.stage)}
    found: dict[str, Action] = {}
    for entry in log.entries.values():
        action = by_target.get(entry.ref)
        problem = _shape_problem(entry, action)
        if problem:
            raise UserError(
                f"journal of the {log.stage} stage: entry {entry.ref} {problem}; nothing was "
                "rolled back",
                "the journal was edited: find out by whom before going on (docs/security.md)",
            )
        assert action is not None
        found[entry.ref] = action
    return found


def _shape_problem(entry: Entry, action: Action | None) -> str:
    if action is None:
        return "is not a target of the stage's plan"
    for image in (entry.before, entry.after):
        if image is not None and _ref_of(image) != entry.ref:
            return f"holds an image of {_ref_of(image)}"
    if entry.before is None and not isinstance(action, CreateServiceAccount):
        return f"says it was created, but its action ({plans.action_name(action)}) creates nothing"
    if entry.done and entry.after is None and not isinstance(action, DeleteObject):
        return f"says it was deleted, but its action ({plans.action_name(action)}) deletes nothing"
    return ""


def _ref_of(image: Object) -> str:
    meta = image.get("metadata") or {}
    parts = [str(image.get("kind", "")), str(meta.get("namespace") or ""), str(meta.get("name"))]
    return "/".join(p for p in parts if p)


def _undo(connection: Connection, entry: Entry, action: Action) -> tuple[Undo, list[str]]:
    kind_name, *rest = entry.ref.split("/")
    namespace, name = (rest[0], rest[1]) if len(rest) == 2 else ("", rest[0])
    target = kind(kind_name)
    path = target.path(namespace, name)
    current = connection.get(path)
    if entry.before is None:  # created by the stage: delete it, if it is still as created
        if current is None:
            return Undo(entry.ref, path, ""), []
        conflicts = _conflicts(entry.ref, current, changes(None, entry.after or current))
        return Undo(entry.ref, path, "DELETE", {}), conflicts
    if isinstance(action, DeleteObject):
        if current is None:
            return Undo(entry.ref, target.path(namespace), "POST", _recreatable(entry.before)), []
        same = not [c for c in changes(None, entry.before) if at(current, c.path) != c.after]
        problem = [] if same else [f"{entry.ref} was re-created since, with other fields"]
        return Undo(entry.ref, path, ""), problem
    if current is None:
        return Undo(entry.ref, path, ""), [f"{entry.ref} was deleted since the stage"]
    if entry.after is None:  # the write may not have happened (a kill): undo what differs
        undo = changes(current, entry.before)
        undo = [Change(c.path, c.after, c.before) for c in undo if _in_scope(c.path, action)]
    else:
        done = changes(entry.before, entry.after)
        conflicts = _conflicts(entry.ref, current, done)
        if conflicts:
            return Undo(entry.ref, path, ""), conflicts
        undo = [c for c in done if at(current, c.path) != c.before]
    if not undo:
        return Undo(entry.ref, path, ""), []
    patch = restoring_patch(undo)
    patch.setdefault("metadata", {})["resourceVersion"] = current["metadata"]["resourceVersion"]
    return Undo(entry.ref, path, "PATCH", patch), []


def _conflicts(ref: str, current: Object, done: list[Change]) -> list[str]:
    """Fields changed by the stage that now hold neither the stage's value nor the original."""
    return [
        f"{ref} {c.dotted} is {_shown(at(current, c.path))}, the stage left {_shown(c.after)}"
        for c in done
        if at(current, c.path) not in (c.after, c.before)
    ]


def _in_scope(path: tuple[str, ...], action: Action) -> bool:
    """Whether the action could have changed the field: its pod template, or an object's
    content other than server-set metadata."""
    template = tuple(getattr(action, "template_path", ()) or ())
    if template:
        return path[: len(template)] == template
    return path[:1] != ("metadata",) or path[1:2] in (("annotations",), ("labels",))


def _shown(value: object) -> str:
    return "(absent)" if value is MISSING else repr(value)


def _write(connection: Connection, undo: Undo) -> bool:
    if not undo.method:
        return False
    try:
        if undo.method == "PATCH":
            connection.call("PATCH", undo.path, body=undo.body, content_type=MERGE)
        else:
            connection.call(undo.method, undo.path, body=undo.body)
    except ApiFailure as e:
        gone = undo.method == "DELETE" and e.status == 404
        again = undo.method == "POST" and e.status == 409  # a retried request that did arrive
        if not (gone or again):
            raise
    return True


def _recreatable(obj: Object) -> Object:
    clean = copy.deepcopy(obj)
    clean.pop("status", None)
    meta = clean.setdefault("metadata", {})
    for key in SERVER_SET:
        meta.pop(key, None)
    return clean
