"""Ctrl-C (and SIGTERM, SIGHUP) held back while a rewrite renames files into place.

A rename phase cut in the middle would leave a repo half old, half new. The signals that
arrive meanwhile are remembered and acted on once the phase is over, all files renamed
or all put back. SIGKILL cannot be held back: docs/security.md says what that leaves.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

HELD = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class Held:
    def __init__(self) -> None:
        self.received: list[int] = []

    def _note(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)

    @property
    def interrupted(self) -> bool:
        return bool(self.received)


@contextlib.contextmanager
def held() -> Iterator[Held]:
    """Hold HELD signals inside the block; outside the main thread there is nothing to hold
    (Python delivers signals to the main thread only)."""
    state = Held()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return
    previous = {sig: signal.signal(sig, state._note) for sig in HELD}
    try:
        yield state
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def deliver(state: Held) -> None:
    """Act on a held signal other than SIGINT as if it came now (SIGINT is the caller's)."""
    for sig in dict.fromkeys(state.received):
        if sig != signal.SIGINT:
            signal.raise_signal(sig)
