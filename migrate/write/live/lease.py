"""One live run at a time per cluster: a `coordination.k8s.io` Lease held for the whole run.

`apply --yes` and `rollback` take the Lease `wi-migrate` in the journal namespace before they
read the journal, renew it every few seconds from a background thread, and give it back at
the end. A second run stops at once (exit 3) naming the holder. A run killed with SIGKILL
cannot give it back: once not renewed for its duration, the next run takes it over (and
says from whom). Every journal write first checks that the lease is still held, so a run
that lost it (a renewal refused, another run took over) stops before its next write.
"""

from __future__ import annotations

import contextlib
import datetime
import getpass
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from migrate.errors import EXIT_STOPPED, UserError
from migrate.kubeapi.client import ApiFailure, Connection, Object
from migrate.kubeapi.kinds import kind

NAME = "wi-migrate"
DURATION = 30  # seconds without renewal after which a holder is presumed dead
RENEW_EVERY = 5.0


def holder_identity() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()} pid {os.getpid()}"


class Lease:
    def __init__(self, connection: Connection, namespace: str, holder: str = "") -> None:
        self.connection = connection
        self.namespace = namespace
        self.holder = holder or holder_identity()
        self.path = kind("Lease").path(namespace, NAME)
        self.notes: list[str] = []
        self.lost = ""  # why the lease is no longer ours, once it is not
        self._version = ""
        self._acquired = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def acquire(self) -> None:
        current = self.connection.get(self.path)
        now = self._acquired = _now()
        if current is None:
            body = self._body(now, now, transitions=0)
            self._keep(self.connection.call("POST", kind("Lease").path(self.namespace), body=body))
        else:
            spec = current.get("spec") or {}
            holder = str(spec.get("holderIdentity") or "")
            dead = _dead_here(holder)
            if holder and holder != self.holder and not dead and not _expired(spec, now):
                raise self._held(holder, spec)
            if holder and holder != self.holder:
                why = (
                    "that process is gone from this machine"
                    if dead
                    else f"not renewed since {spec.get('renewTime')}"
                )
                self.notes.append(
                    f"took over the lease {self.namespace}/{NAME} from {holder} ({why}: that run "
                    "was killed or lost its connection)"
                )
            body = self._body(now, now, int(spec.get("leaseTransitions") or 0) + 1)
            body["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
            try:
                self._keep(self.connection.call("PUT", self.path, body=body))
            except ApiFailure as e:
                if e.status != 409:
                    raise
                taken = (self.connection.get(self.path) or {}).get("spec") or {}
                raise self._held(str(taken.get("holderIdentity") or "(unknown)"), taken) from None
        self._thread = threading.Thread(target=self._renew, name="wi-migrate-lease", daemon=True)
        self._thread.start()

    def check(self) -> None:
        """Stop before a write when the lease is no longer ours."""
        if self.lost:
            raise UserError(
                f"this run lost the lease {self.namespace}/{NAME}: {self.lost}; stopped before "
                "its next write",
                "every change so far is in the journal; run the same command again to resume "
                "once no other run holds the lease",
                EXIT_STOPPED,
            )

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.lost or not self._version:
            return
        options = {"preconditions": {"resourceVersion": self._version}}
        with contextlib.suppress(ApiFailure):  # taken over meanwhile, or gone: not ours
            self.connection.call("DELETE", self.path, body=options)

    def _renew(self) -> None:
        while not self._stop.wait(RENEW_EVERY):
            body = self._body(self._acquired, _now(), transitions=None)
            body["metadata"]["resourceVersion"] = self._version
            try:
                self._keep(self.connection.call("PUT", self.path, body=body))
            except ApiFailure as e:
                self.lost = f"renewing it failed: {e}"
                return

    def _keep(self, written: Any) -> None:
        self._version = str(((written or {}).get("metadata") or {}).get("resourceVersion", ""))

    def _body(self, acquired: str, renewed: str, transitions: int | None) -> Object:
        spec: Object = {
            "holderIdentity": self.holder,
            "leaseDurationSeconds": DURATION,
            "acquireTime": acquired,
            "renewTime": renewed,
        }
        if transitions is not None:
            spec["leaseTransitions"] = transitions
        meta = {"name": NAME, "namespace": self.namespace}
        return {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": meta,
            "spec": spec,
        }

    def _held(self, holder: str, spec: Object) -> UserError:
        return UserError(
            f"another wi-migrate run holds the lease {self.namespace}/{NAME}: {holder} (renewed "
            f"{spec.get('renewTime')}); this run changed nothing",
            "wait for it to finish and run the same command again; a run that was killed lets "
            f"its lease expire after {spec.get('leaseDurationSeconds') or DURATION}s",
            EXIT_STOPPED,
        )


@contextmanager
def held(connection: Connection, namespace: str, needed: bool = True) -> Iterator[Lease | None]:
    """The lease for a run that writes (None for one that only reads)."""
    if not needed:
        yield None
        return
    lease = Lease(connection, namespace)
    lease.acquire()
    try:
        yield lease
    finally:
        lease.release()


def _dead_here(holder: str) -> bool:
    """A holder on this machine (same user and host) whose process no longer runs: a run
    killed with SIGKILL, whose lease need not be waited out."""
    mine, _, pid = holder_identity().rpartition(" pid ")
    theirs, _, their_pid = holder.rpartition(" pid ")
    if theirs != mine or not their_pid.isdigit() or their_pid == pid:
        return False
    try:
        os.kill(int(their_pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _expired(spec: Object, now: str) -> bool:
    renewed = _parse(str(spec.get("renewTime") or ""))
    if renewed is None:
        return True
    duration = int(spec.get("leaseDurationSeconds") or DURATION)
    age = _parse(now) - renewed  # type: ignore[operator]
    return age.total_seconds() > duration


def _parse(text: str) -> datetime.datetime | None:
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)
