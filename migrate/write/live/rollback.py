"""Undo a live stage from its journal: every touched object back to its before-image,
in reverse order. Deleted objects are re-created (without uid or resourceVersion);
objects the stage created are deleted; changed objects are replaced by the original.
Idempotent: a killed rollback is finished by running it again."""

from __future__ import annotations

from collections.abc import Callable

from migrate.errors import UserError
from migrate.kubeapi.client import ApiFailure, Connection, Object
from migrate.kubeapi.errors import failure
from migrate.kubeapi.kinds import kind
from migrate.model import stages
from migrate.model.stages import UNINSTALL
from migrate.write.live.journal import Journal

SERVER_SET = (
    *("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields"),
    *("deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"),
)
Report = Callable[[str], None]
DONE = {"delete": "deleted", "re-create": "re-created", "restore": "restored"}


def rollback(
    connection: Connection, journal: Journal, stage: str, report: Report, write: bool = True
) -> list[str]:
    """The refs restored (or, without `write`, that would be: nothing is written then)."""
    log = journal.stages.get(stage)
    if log is None or not log.entries:
        raise UserError(
            f"the journal has nothing to roll back for the {stage} stage",
            f"check --journal and --journal-namespace (journal file: {journal.path})",
        )
    later = [s for s in stages.later(stage) if _active(journal, s)]
    if later:
        raise UserError(
            f"the {', '.join(later)} stage(s) ran after {stage}",
            f"roll back {later[-1]} first (wi-migrate rollback --stage {later[-1]})",
        )
    if stage == UNINSTALL:
        raise UserError("uninstall cannot be rolled back", "re-install Pod Identity by hand")
    restored = []
    try:
        for entry in reversed(list(log.entries.values())):
            change = _restore(connection, entry.ref, entry.before, write)
            if change:
                restored.append(entry.ref)
                report(f"{DONE[change]} {entry.ref}" if write else f"would {change} {entry.ref}")
        if write:
            journal.finish(stage, "rolled-back")
    except ApiFailure as e:
        raise failure(e, f"rolling back the {stage} stage") from None
    return restored


def _active(journal: Journal, stage: str) -> bool:
    log = journal.stages.get(stage)
    return log is not None and bool(log.entries) and log.status != "rolled-back"


def _restore(connection: Connection, ref: str, before: Object | None, write: bool) -> str:
    """What restoring ref takes ("" when it is as it was), done only when `write`."""
    kind_name, *rest = ref.split("/")
    namespace, name = (rest[0], rest[1]) if len(rest) == 2 else ("", rest[0])
    target = kind(kind_name)
    path = target.path(namespace, name)
    current = connection.get(path)
    if before is None:
        if current is None:
            return ""
        if write:
            try:
                connection.call("DELETE", path, body={})
            except ApiFailure as e:
                if e.status != 404:
                    raise
        return "delete"  # the stage created it
    wanted = _recreatable(before)
    if current is None:
        if write:
            try:
                connection.call("POST", target.path(namespace), body=wanted)
            except ApiFailure as e:
                if e.status != 409:  # created by a retried request that did arrive
                    raise
        return "re-create"
    if _same(current, wanted):
        return ""
    if write:
        wanted["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        connection.call("PUT", path, body=wanted)
    return "restore"


def _recreatable(obj: Object) -> Object:
    import copy

    clean = copy.deepcopy(obj)
    clean.pop("status", None)
    meta = clean.setdefault("metadata", {})
    for key in SERVER_SET:
        meta.pop(key, None)
    return clean


def _same(current: Object, wanted: Object) -> bool:
    return _recreatable(current) == wanted
