"""The sample repo planned and rendered the way the goldens were, plus its original objects."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import ROOT, SAMPLE

ISSUER = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/"
CLUSTER = "prod-aks"
SOURCE = "fixtures/sample-gitops"  # relative, so the goldens do not depend on the checkout
OPTIONS = ("--issuer", ISSUER, "--cluster-name", CLUSTER)


@contextmanager
def at_root() -> Iterator[None]:
    before = Path.cwd()
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(before)


def plan(issuer: str = ISSUER, **settings: Any) -> Any:
    from migrate.jobs.plan import plan_manifests
    from migrate.model.plan import Settings

    with at_root():
        return plan_manifests([SOURCE], Settings(issuer=issuer, cluster_name=CLUSTER, **settings))


def rendered(the_plan: Any, targets: tuple[str, ...] = (), stage: str = "all") -> dict[str, str]:
    from migrate.write import render as all_targets

    chosen = targets or tuple(all_targets.TARGETS)
    files = all_targets.render(the_plan, chosen, stage, all_targets.environment())
    return {f.path: f.text for f in files}


def originals() -> dict[tuple[str, str], dict[str, Any]]:
    """Every object of the sample repo by (kind, name), as written (List items unpacked)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(SAMPLE.rglob("*.yaml")):
        if "charts" in path.parts:
            continue
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8-sig")):
            if not isinstance(doc, dict) or "kind" not in doc:
                continue
            for obj in doc.get("items", []) if doc["kind"] == "List" else [doc]:
                if "name" in obj.get("metadata", {}):
                    found.setdefault((obj["kind"], obj["metadata"]["name"]), obj)
    return found


def strategic_merge(original: Any, patch: Any) -> Any:
    """Strategic merge for what our patches hold: maps merge, null deletes, scalars replace."""
    if not (isinstance(original, dict) and isinstance(patch, dict)):
        return patch
    out = dict(original)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = strategic_merge(out.get(key), value) if key in out else value
    return out
