"""One plan action against the cluster: read the object, compare desired with actual, write
only the difference (server-side apply as `wi-migrate`, or a delete), journaling first.

Every step is idempotent: run again after a crash, it finds its write done and only
records the after-image. A 409 (someone wrote the object meanwhile) is re-read and retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from migrate.kubeapi.client import APPLY, FIELD_MANAGER, MERGE, ApiFailure, Connection, Object
from migrate.kubeapi.kinds import kind
from migrate.model.inventory import ObjectRef
from migrate.model.plan import (
    Action,
    AddBindingSubject,
    AnnotateServiceAccount,
    CreateServiceAccount,
    DeleteObject,
    RemovePodLabel,
    SetChartValues,
    SetSecretProviderClientID,
    SwitchWorkload,
    target_of,
)
from migrate.model.stages import IMMUTABLE_TEMPLATES
from migrate.write.live.journal import Journal

IMMUTABLE = "its pod template cannot change in place: re-create it (immutable-pod-template)"
CONFLICT_RETRIES = 5
REFUSED = frozenset({400, 403, 422})  # invalid, forbidden, immutable: no retry will help


@dataclass(frozen=True)
class Result:
    stage: str
    target: str  # what was changed, in a few words
    status: str  # "changed", "unchanged", "pending", "skipped" or "failed"
    message: str = ""
    action: Action | None = None  # the plan action, for a step in the cluster

    @classmethod
    def of(cls, action: Action, status: str, message: str = "") -> Result:
        return cls(action.stage, target_of(action), status, message, action)

    def __str__(self) -> str:
        return f"{self.status:9} {self.stage} {self.target}" + (
            f": {self.message}" if self.message else ""
        )


class Steps:
    def __init__(self, connection: Connection, journal: Journal) -> None:
        self.connection = connection
        self.journal = journal

    def run(self, action: Action) -> Result:
        for _ in range(CONFLICT_RETRIES):
            try:
                return self._run(action)
            except ApiFailure as e:  # 409: written meanwhile; read it again
                if e.status in REFUSED:  # this object only: a value, the stage goes on
                    return Result.of(action, "failed", f"{e.status} {e.reason}: {e.message}")
                if e.status != 409:
                    raise
        return Result.of(action, "failed", "the object kept changing (409 conflicts); run again")

    def _run(self, action: Action) -> Result:
        if isinstance(action, SetChartValues):  # values live in git: the rewrite's job
            return Result.of(action, "skipped", "chart values change in git: run rewrite")
        target: ObjectRef = action.target  # type: ignore[union-attr]
        path = kind(target.kind).path(target.namespace, target.name)
        current = self.connection.get(path)
        if isinstance(action, DeleteObject):
            return self._delete(action, path, current)
        if current is None and not isinstance(action, CreateServiceAccount):
            return Result.of(action, "skipped", "the object no longer exists")
        immutable = isinstance(action, SwitchWorkload) and target.kind in IMMUTABLE_TEMPLATES
        if immutable and desired(action, current) is not None:
            return Result.of(action, "skipped", IMMUTABLE)
        if isinstance(action, RemovePodLabel):
            body: Any = _label_removal(action, current or {})
            content = MERGE
        else:
            body = desired(action, current)
            content = APPLY
        if body is None:
            self._record_unchanged(action.stage, str(target), current)
            return Result.of(action, "unchanged")
        self.journal.before(action.stage, str(target), current)
        query = {"fieldManager": FIELD_MANAGER, "force": "true"} if content == APPLY else {}
        if current is not None and (content == MERGE or isinstance(action, AddBindingSubject)):
            # written from what was read: a concurrent change answers 409 and is re-read
            body.setdefault("metadata", {})["resourceVersion"] = current["metadata"][
                "resourceVersion"
            ]
        written = self.connection.call("PATCH", path, query, body, content)
        self.journal.after(action.stage, str(target), written)
        return Result.of(action, "changed")

    def _delete(self, action: DeleteObject, path: str, current: Object | None) -> Result:
        ref = str(action.target)
        if current is None:
            self._record_unchanged(action.stage, ref, None)
            return Result.of(action, "unchanged", "already gone")
        self.journal.before(action.stage, ref, current)
        meta = current["metadata"]
        options = {"preconditions": {"resourceVersion": meta["resourceVersion"]}}
        try:
            self.connection.call("DELETE", path, body=options)
        except ApiFailure as e:
            if e.status != 404:
                raise
        self.journal.after(action.stage, ref, None)
        return Result.of(action, "changed")

    def _record_unchanged(self, stage: str, ref: str, current: Object | None) -> None:
        """A step found done: if a crashed run wrote it, complete that journal entry."""
        entry = self.journal.stage(stage).entries.get(ref)
        if entry is not None and not entry.done:
            self.journal.after(stage, ref, current)


def desired(action: Action, current: Object | None) -> Object | None:
    """The applied configuration that brings `current` to what the action wants, or None
    when it is there already."""
    target: ObjectRef = action.target  # type: ignore[union-attr]
    head: Object = {
        "apiVersion": kind(target.kind).api_version,
        "kind": target.kind,
        "metadata": {"name": target.name, "namespace": target.namespace},
    }
    if isinstance(action, (CreateServiceAccount, AnnotateServiceAccount)):
        wanted = {k: v for k, v in action.annotations if v}
        have = ((current or {}).get("metadata") or {}).get("annotations") or {}
        body: Object = {**head, "metadata": {**head["metadata"], "annotations": wanted}}
        if isinstance(action, CreateServiceAccount):
            if action.image_pull_secrets:
                body["imagePullSecrets"] = [{"name": s} for s in action.image_pull_secrets]
            if action.automount is not None:
                body["automountServiceAccountToken"] = action.automount
            if current is None:
                return body
        missing = {k: v for k, v in wanted.items() if have.get(k) != v}
        return (
            {**head, "metadata": {**head["metadata"], "annotations": missing}} if missing else None
        )
    if isinstance(action, AddBindingSubject):
        subjects = list((current or {}).get("subjects") or [])
        account = action.service_account
        subject = {"kind": "ServiceAccount", "name": account.name, "namespace": account.namespace}
        if subject in subjects:
            return None
        # subjects is an atomic list: apply the whole list, old subjects first
        return {**head, "roleRef": (current or {}).get("roleRef"), "subjects": [*subjects, subject]}
    if isinstance(action, SwitchWorkload):
        return _switch(action, head, current or {})
    if isinstance(action, SetSecretProviderClientID):
        params = ((current or {}).get("spec") or {}).get("parameters") or {}
        wanted_params = {"clientID": action.client_id, "usePodIdentity": "false"}
        if all(params.get(k) == v for k, v in wanted_params.items()):
            return None
        return {**head, "spec": {"parameters": wanted_params}}
    raise ValueError(f"no cluster step for {type(action).__name__}")


def _switch(action: SwitchWorkload, head: Object, current: Object) -> Object | None:
    template = _at(current, action.template_path)
    meta = template.get("metadata") or {}
    labels, annotations = meta.get("labels") or {}, meta.get("annotations") or {}
    spec = template.get("spec") or {}
    wanted_labels = {k: v for k, v in action.labels if labels.get(k) != v}
    wanted_annotations = {k: v for k, v in action.annotations if annotations.get(k) != v}
    account_ok = spec.get("serviceAccountName") == action.service_account
    if not wanted_labels and not wanted_annotations and account_ok:
        return None
    part: Object = {"spec": {"serviceAccountName": action.service_account}}
    template_meta: Object = {}
    if action.labels:
        template_meta["labels"] = dict(action.labels)
    if action.annotations:
        template_meta["annotations"] = dict(action.annotations)
    if template_meta:
        part["metadata"] = template_meta
    for key in reversed(action.template_path):
        part = {key: part}
    return {**head, **part}


def _label_removal(action: RemovePodLabel, current: Object) -> Object | None:
    labels = (_at(current, action.template_path).get("metadata") or {}).get("labels") or {}
    if action.label not in labels:
        return None
    patch: Object = {"metadata": {"labels": {action.label: None}}}
    for key in reversed(action.template_path):
        patch = {key: patch}
    return patch


def _at(obj: Object, path: tuple[str, ...]) -> Object:
    for key in path:
        obj = obj.get(key) or {}
    return obj
