"""What collector_paused rests on: a plan builds no reference cycles, so pausing the collector
while it runs leaves nothing for the collector to find afterwards."""

from __future__ import annotations

import gc
from pathlib import Path

ISSUER = "https://issuer.example/"


def test_a_plan_and_its_rewrite_leave_no_cycles_behind() -> None:
    """What a plan builds is freed by reference counting as soon as the plan returns. A cycle
    (one was a bound method of the reader stored in its overlays) kept every node tree and
    record of the repo alive until the next full collection, which then walked them all:
    0.08-0.1 s after a 5,000-file plan."""
    from migrate.model.plan import Settings
    from migrate.planner.mapping import plan
    from migrate.read import manifests
    from migrate.write.rewrite import stages

    root = Path(__file__).resolve().parents[2] / "fixtures"
    for sample in ("sample-gitops", "sample-platform"):
        gc.collect()
        gc.disable()  # as collector_paused does
        try:
            paths = [str(root / sample)]
            result = plan(manifests.read(paths), Settings(issuer=ISSUER))
            rewritten = stages.rewrite(result, "all", paths)  # in memory: nothing is written
            left = gc.collect()
        finally:
            gc.enable()
        assert result.actions and any(f.changed for f in rewritten.files)
        assert left == 0, f"{sample}: {left} objects in reference cycles"
