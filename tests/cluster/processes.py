"""The control plane's processes: started in their own process group with a log file each,
stopped (SIGTERM, then SIGKILL) in reverse order, every wait bounded."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
STOP_GRACE = 10.0  # seconds between SIGTERM and SIGKILL


class StartupError(Exception):
    """A component did not come up; the message names it and ends with its log's tail."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Process:
    name: str
    argv: list[str]
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                self.argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **self.env},
                start_new_session=True,  # its own group: stop() reaches its children too
            )
        return self

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        group = self.popen.pid
        _signal_group(group, signal.SIGTERM)
        try:
            self.popen.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            _signal_group(group, signal.SIGKILL)
            self.popen.wait(STOP_GRACE)
        _signal_group(group, signal.SIGKILL)  # anything the leader left behind in its group

    def tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return "(no log)"
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


def _signal_group(group: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, sig)


def wait_for(
    what: str,
    probe: Callable[[], T | None],
    timeout: float,
    watched: list[Process] = (),  # type: ignore[assignment]
    interval: float = 0.2,
) -> T:
    """Call `probe` until it returns something other than None (or False); StartupError when
    `timeout` passes or a watched process exits, with the last error and the logs' tails."""
    deadline = time.monotonic() + timeout
    last = ""
    while True:
        for process in watched:
            if not process.alive():
                raise StartupError(
                    f"{process.name} exited while waiting for {what}:\n{process.tail()}"
                )
        try:
            value = probe()
            if value is not None and value is not False:
                return value
        except Exception as error:  # the probe's failure is reported if time runs out
            last = f"{type(error).__name__}: {error}"
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {p.name}\n{p.tail(15)}" for p in watched)
            raise StartupError(f"timed out after {timeout:.0f}s waiting for {what} {last}\n{tails}")
        time.sleep(interval)
