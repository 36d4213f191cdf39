"""The journal: before and after image of every object a live stage touches.

Kept twice: in the ConfigMap `wi-migrate-journal` (gzip JSON per stage in binaryData, so
a few hundred objects fit in the 1 MiB object limit) and in a local JSON file. The
before-image of an object is recorded before its first write and never replaced: a
resumed run keeps the true original, which is what rollback restores. Secrets are
never touched, so never journaled.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migrate.errors import UserError
from migrate.kubeapi.client import MERGE, ApiFailure, Connection, Object
from migrate.kubeapi.errors import failure
from migrate.kubeapi.kinds import kind

NAME = "wi-migrate-journal"
DEFAULT_NAMESPACE = "kube-system"
DEFAULT_FILE = "wi-migrate-journal.json"
CONFLICT_RETRIES = 5


@dataclass
class Entry:
    ref: str  # "Kind/namespace/name" (or "Kind/name")
    before: Object | None
    after: Object | None = None  # None: deleted, or not written yet (see done)
    done: bool = False


@dataclass
class StageLog:
    stage: str
    status: str = "running"  # "running", "done", "rolled-back"
    entries: dict[str, Entry] = field(default_factory=dict)  # ordered by first write
    plan: dict[str, Any] | None = None  # the stage's plan document, recorded at its start


class Journal:
    def __init__(
        self, connection: Connection, namespace: str = DEFAULT_NAMESPACE, path: str = DEFAULT_FILE
    ) -> None:
        self.connection = connection
        self.namespace = namespace
        self.path = Path(path)
        self.stages: dict[str, StageLog] = {}
        self.writes = not connection.dry_run  # a server dry-run leaves no journal

    # loading

    def load(self) -> Journal:
        try:
            remote = self._remote()
        except ApiFailure as e:
            raise failure(e, f"reading the journal ConfigMap {self.namespace}/{NAME}") from None
        local = self._local()
        for stage in sorted(set(remote) | set(local)):
            mine, theirs = remote.get(stage), local.get(stage)
            chosen = (
                mine
                if mine and (not theirs or len(mine.entries) >= len(theirs.entries))
                else theirs
            )
            assert chosen is not None
            self.stages[stage] = chosen
        return self

    def _local(self) -> dict[str, StageLog]:
        if not self.path.exists():
            return {}
        try:
            return _decode(json.loads(self.path.read_bytes()))
        except (OSError, ValueError) as e:  # JSONDecodeError, UnicodeDecodeError included
            raise _corrupt(str(self.path), e) from None

    def _remote(self) -> dict[str, StageLog]:
        cm = self.connection.get(kind("ConfigMap").path(self.namespace, NAME))
        if not cm:
            return {}
        try:
            data = {
                key.removesuffix(".json.gz"): json.loads(gzip.decompress(base64.b64decode(value)))
                for key, value in (cm.get("binaryData") or {}).items()
            }
            return _decode(data)
        except (OSError, ValueError, AttributeError) as e:  # gzip, base64, JSON, shape
            raise _corrupt(f"ConfigMap {self.namespace}/{NAME}", e) from None

    # recording

    def stage(self, stage: str) -> StageLog:
        return self.stages.setdefault(stage, StageLog(stage))

    def before(self, stage: str, ref: str, obj: Object | None) -> None:
        log = self.stage(stage)
        if ref in log.entries:  # a resumed run: keep the first before-image
            log.entries[ref].done = False
        else:
            log.entries[ref] = Entry(ref, _clean(obj))
        log.status = "running"
        self.save(stage)

    def after(self, stage: str, ref: str, obj: Object | None) -> None:
        entry = self.stage(stage).entries[ref]
        entry.after, entry.done = _clean(obj), True
        self.save(stage)

    def start(self, stage: str, plan: dict[str, Any]) -> None:
        """Record the stage's plan before its first write: a killed run resumes with it."""
        log = self.stage(stage)
        log.status, log.plan = "running", plan
        self.save(stage)

    def resumable(self, stage: str) -> dict[str, Any] | None:
        """The plan of a stage that started and did not finish, or None."""
        log = self.stages.get(stage)
        return log.plan if log is not None and log.status == "running" else None

    def finish(self, stage: str, status: str = "done") -> None:
        self.stage(stage).status = status
        self.save(stage)

    def save(self, stage: str) -> None:
        if not self.writes:
            return
        document = _encode(self.stages)
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(document, indent=1))
        os.replace(temporary, self.path)
        self._save_remote(stage, document[stage])

    def _save_remote(self, stage: str, document: Any) -> None:
        packed = base64.b64encode(gzip.compress(json.dumps(document).encode(), mtime=0)).decode()
        patch = {"binaryData": {f"{stage}.json.gz": packed}}
        for _ in range(CONFLICT_RETRIES):
            try:
                self._patch_or_create(patch)
                return
            except ApiFailure as e:  # 409: created meanwhile, or an injected conflict
                if e.status != 409:
                    raise
        self._patch_or_create(patch)

    def _patch_or_create(self, patch: Object) -> None:
        configmap = kind("ConfigMap")
        path = configmap.path(self.namespace, NAME)
        try:
            self.connection.call("PATCH", path, body=patch, content_type=MERGE)
            return
        except ApiFailure as e:
            if e.status != 404:
                raise
        labels = {"app.kubernetes.io/managed-by": "wi-migrate"}
        meta = {"name": NAME, "namespace": self.namespace, "labels": labels}
        body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, **patch}
        self.connection.call("POST", configmap.path(self.namespace), body=body)


def _clean(obj: Object | None) -> Object | None:
    """The object as it can be re-created: no status, no server-set metadata."""
    if obj is None:
        return None
    copy: Object = json.loads(json.dumps(obj))
    copy.pop("status", None)
    meta = copy.get("metadata") or {}
    meta.pop("managedFields", None)
    return copy


def _encode(stages: dict[str, StageLog]) -> dict[str, Any]:
    return {
        name: {
            "status": log.status,
            "plan": log.plan,
            "entries": [
                {"ref": e.ref, "before": e.before, "after": e.after, "done": e.done}
                for e in log.entries.values()
            ],
        }
        for name, log in stages.items()
    }


def _decode(document: Any) -> dict[str, StageLog]:
    """The stages of a journal document; ValueError when it is not one."""
    if not isinstance(document, dict):
        raise ValueError(f"a JSON {type(document).__name__}, not an object of stages")
    out = {}
    for name, raw in document.items():
        if not isinstance(raw, dict) or not isinstance(raw.get("entries") or [], list):
            raise ValueError(f"stage {name!r} is not an object with a list of entries")
        entries = {}
        for e in raw.get("entries") or []:
            if not isinstance(e, dict) or not isinstance(e.get("ref"), str):
                raise ValueError(f"stage {name!r} has an entry without a ref")
            for image in ("before", "after"):
                if not isinstance(e.get(image), (dict, type(None))):
                    raise ValueError(f"{e['ref']}: its {image}-image is not an object")
            entries[e["ref"]] = Entry(
                e["ref"], e.get("before"), e.get("after"), bool(e.get("done"))
            )
        if not isinstance(raw.get("plan"), (dict, type(None))):
            raise ValueError(f"stage {name!r} has a plan that is not an object")
        status = str(raw.get("status", "running"))
        out[name] = StageLog(name, status, entries, raw.get("plan"))
    return out


def _corrupt(where: str, error: Exception) -> UserError:
    reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
    return UserError(
        f"{where}: not a wi-migrate journal ({reason})",
        "it is left as found: restore it from a backup, or move it away to start afresh "
        "(only if no stage is half done)",
    )
