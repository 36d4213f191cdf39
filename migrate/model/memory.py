"""The cycle collector, paused while a job builds many long-lived objects without cycles.

Reading a repo keeps the node trees and records of every relevant file alive at once; each
collector pass walks all of them again, and at 20,000 files the passes cost more than a
tenth of the plan (benchmarks/). Hardly anything built there holds a cycle, and what does
is freed when the collector runs again, as before, once the block ends.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
