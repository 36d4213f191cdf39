"""The journal: before and after image of every object a live stage touches.

Kept twice: in the ConfigMap `wi-migrate-journal` (gzip JSON per stage in binaryData, so
a few hundred objects fit in the 1 MiB object limit) and in a local JSON file in the
operator's state directory (seal.py). The before-image of an object is recorded before its
first write and never replaced: a resumed run keeps the true original, which is what rollback
restores. Secrets are never touched, so never journaled; container env values are left out.

Each stage document is sealed (seal.py) and numbered (`seq`, one more per write); loading
refuses a cluster document that fails its seal, and a local and a cluster copy that disagree
(other than by the one last write a kill can lose). ConfigMap writes carry the resourceVersion
last seen: a write by anyone else in between is a conflict, never overwritten.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migrate.errors import UserError
from migrate.kubeapi.client import MERGE, ApiFailure, Connection, Object
from migrate.kubeapi.errors import failure
from migrate.kubeapi.kinds import kind
from migrate.write.live.seal import Seal, state_dir, write_private

NAME = "wi-migrate-journal"
DEFAULT_NAMESPACE = "kube-system"
DEFAULT_FILE = "wi-migrate-journal.json"
CONFLICT_RETRIES = 5
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


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
    seq: int = 0  # how many times this stage's document was written


class Journal:
    def __init__(
        self, connection: Connection, namespace: str = DEFAULT_NAMESPACE, path: str = DEFAULT_FILE
    ) -> None:
        self.connection = connection
        self.namespace = namespace
        self.path = Path(path)
        self.seal = Seal(self.path.parent)
        self.stages: dict[str, StageLog] = {}
        self.writes = not connection.dry_run  # a server dry-run leaves no journal
        self._version = ""  # the ConfigMap's resourceVersion as last read or written
        self._remote: dict[str, Any] = {}  # its stage documents as last read or written
        self.guard: Callable[[], None] = lambda: None  # before each write: the lease still held

    @classmethod
    def in_state(cls, connection: Connection, namespace: str, given_state_dir: str) -> Journal:
        """The journal of this cluster (kubeconfig context) and namespace, kept locally in the
        state directory."""
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in connection.name)
        folder = state_dir(given_state_dir)
        return cls(
            connection, namespace, str(folder / f"journal-{safe or 'cluster'}-{namespace}.json")
        )

    # loading

    def load(self) -> Journal:
        try:
            self._remote, self._version = self._read_remote()
        except ApiFailure as e:
            raise failure(e, f"reading the journal ConfigMap {self.namespace}/{NAME}") from None
        local = self._read_local()
        for stage in sorted(set(self._remote) | set(local)):
            for where, document in (
                ("cluster", self._remote.get(stage)),
                ("local", local.get(stage)),
            ):
                if document is not None and (problem := self.seal.problem(stage, document)):
                    raise self._refused(
                        stage, f"the {where} journal fails its integrity check: {problem}"
                    )
            chosen = self._reconcile(stage, local.get(stage), self._remote.get(stage))
            self.stages[stage] = _decode(stage, chosen)
        return self

    def _reconcile(self, stage: str, mine: Any, theirs: Any) -> Any:
        if mine is None or mine == theirs:
            return theirs
        ahead = (theirs or {}).get("seq", 0) + 1 == mine.get("seq")
        if ahead:  # the last write reached this machine, not the cluster (a kill between)
            return mine
        raise self._refused(
            stage,
            f"the local journal ({self.path}, write {mine.get('seq')}) and the cluster's "
            f"({'write ' + str(theirs.get('seq')) if theirs else 'missing'}) disagree",
        )

    def _refused(self, stage: str, problem: str) -> UserError:
        return UserError(
            f"journal of the {stage} stage: {problem}; nothing was changed",
            "run from the state directory (--state-dir) of the run that wrote it; if someone "
            f"else edited the ConfigMap {self.namespace}/{NAME}, find out why before going on "
            "(docs/security.md)",
        )

    def _read_local(self) -> dict[str, Any]:
        if not self.path.exists():
            return {}
        try:
            document = json.loads(self.path.read_bytes())
            _check_shape(document)
        except (OSError, ValueError) as e:  # JSONDecodeError, UnicodeDecodeError included
            raise _corrupt(str(self.path), e) from None
        return dict(document)

    def _read_remote(self) -> tuple[dict[str, Any], str]:
        cm = self.connection.get(kind("ConfigMap").path(self.namespace, NAME))
        if not cm:
            return {}, ""
        try:
            documents = {
                key.removesuffix(".json.gz"): json.loads(gzip.decompress(base64.b64decode(value)))
                for key, value in (cm.get("binaryData") or {}).items()
            }
            _check_shape(documents)
        except (OSError, ValueError, EOFError, AttributeError) as e:  # gzip, base64, JSON, shape
            raise _corrupt(f"ConfigMap {self.namespace}/{NAME}", e) from None
        return documents, str((cm.get("metadata") or {}).get("resourceVersion", ""))

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
        """Record the stage's plan before its first write: a killed run resumes with it. A
        stage run again keeps the actions of its earlier runs too: rollback undoes what any
        run of the stage did, and only that."""
        log = self.stage(stage)
        earlier = list((log.plan or {}).get("actions") or [])
        added = [a for a in plan.get("actions") or [] if a not in earlier]
        log.status, log.plan = "running", {**plan, "actions": earlier + added}
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
        self.guard()
        log = self.stage(stage)
        log.seq += 1
        documents = {name: self.seal.sign(_encode(one)) for name, one in self.stages.items()}
        write_private(self.path, json.dumps(documents, indent=1))
        self._save_remote(stage, documents[stage])

    def _save_remote(self, stage: str, document: Any) -> None:
        packed = base64.b64encode(gzip.compress(json.dumps(document).encode(), mtime=0)).decode()
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                self._write_remote({f"{stage}.json.gz": packed})
                self._remote[stage] = document
                return
            except ApiFailure as e:  # 409: changed meanwhile (or an injected conflict)
                if e.status != 409 or attempt == CONFLICT_RETRIES:
                    raise
                self._check_unchanged(stage)

    def _check_unchanged(self, stage: str) -> None:
        """After a conflict: go on only if nobody else wrote this stage's document."""
        now, self._version = self._read_remote()
        if now.get(stage) != self._remote.get(stage):
            raise UserError(
                f"the journal ConfigMap {self.namespace}/{NAME} was changed by someone else "
                f"during this run (the {stage} stage's document); stopped without overwriting it",
                "another wi-migrate run without the lease, or a hand edit: see who changed it "
                f"(kubectl -n {self.namespace} get configmap {NAME} -o yaml) before going on",
            )

    def _write_remote(self, data: dict[str, str]) -> None:
        configmap = kind("ConfigMap")
        if self._version:
            patch = {"metadata": {"resourceVersion": self._version}, "binaryData": data}
            path = configmap.path(self.namespace, NAME)
            written = self.connection.call("PATCH", path, body=patch, content_type=MERGE)
        else:
            labels = {"app.kubernetes.io/managed-by": "wi-migrate"}
            meta = {"name": NAME, "namespace": self.namespace, "labels": labels}
            body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "binaryData": data}
            written = self.connection.call("POST", configmap.path(self.namespace), body=body)
        self._version = str(((written or {}).get("metadata") or {}).get("resourceVersion", ""))


def _clean(obj: Object | None) -> Object | None:
    """The object as the journal keeps it: no status, no managedFields, no env values (they
    may hold secrets; rollback restores only the fields a stage changed, never these)."""
    if obj is None:
        return None
    copy: Object = json.loads(json.dumps(obj))
    copy.pop("status", None)
    (copy.get("metadata") or {}).pop("managedFields", None)
    _drop_env_values(copy)
    return copy


def _drop_env_values(node: Any) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in CONTAINER_LISTS and isinstance(value, list):
                for container in value:
                    for variable in (container or {}).get("env") or []:
                        if isinstance(variable, dict):
                            variable.pop("value", None)
            _drop_env_values(value)
    elif isinstance(node, list):
        for item in node:
            _drop_env_values(item)


def _encode(log: StageLog) -> dict[str, Any]:
    return {
        "stage": log.stage,
        "seq": log.seq,
        "status": log.status,
        "plan": log.plan,
        "entries": [
            {"ref": e.ref, "before": e.before, "after": e.after, "done": e.done}
            for e in log.entries.values()
        ],
    }


def _decode(stage: str, raw: dict[str, Any]) -> StageLog:
    entries = {
        e["ref"]: Entry(e["ref"], e.get("before"), e.get("after"), bool(e.get("done")))
        for e in raw.get("entries") or []
    }
    status = str(raw.get("status", "running"))
    return StageLog(stage, status, entries, raw.get("plan"), int(raw.get("seq") or 0))


def _check_shape(document: Any) -> None:
    """ValueError unless document is an object of stage documents, each with a list of
    entries that name their object and hold object images."""
    if not isinstance(document, dict):
        raise ValueError(f"a JSON {type(document).__name__}, not an object of stages")
    for name, raw in document.items():
        if not isinstance(raw, dict) or not isinstance(raw.get("entries") or [], list):
            raise ValueError(f"stage {name!r} is not an object with a list of entries")
        for e in raw.get("entries") or []:
            if not isinstance(e, dict) or not isinstance(e.get("ref"), str):
                raise ValueError(f"stage {name!r} has an entry without a ref")
            for image in ("before", "after"):
                if not isinstance(e.get(image), (dict, type(None))):
                    raise ValueError(f"{e['ref']}: its {image}-image is not an object")
        if not isinstance(raw.get("plan"), (dict, type(None))):
            raise ValueError(f"stage {name!r} has a plan that is not an object")


def _corrupt(where: str, error: Exception) -> UserError:
    reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
    return UserError(
        f"{where}: not a wi-migrate journal ({reason})",
        "it is left as found: restore it from a backup, or move it away to start afresh "
        "(only if no stage is half done)",
    )
