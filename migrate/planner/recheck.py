"""A saved plan is a request, not an authority: every action it asks for must be one the
planner makes now from the same source with the plan's own settings (docs/security.md)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection, Iterable

from migrate.errors import UserError
from migrate.model import codec
from migrate.model.plan import Action, CreateFederatedCredential, Plan, action_name, target_of

SHOWN = 5


def confirmed(
    saved: Plan,
    fresh: Plan,
    where: str,
    *,
    stage: str = "all",
    exact_origins: bool = True,
    done: Collection[str] = (),
) -> Plan:
    """SAVED, once each of its actions (of STAGE) is one of FRESH's, with FRESH's findings and
    fingerprints (a saved plan cannot hide an error finding either). Without exact_origins the
    source objects' versions may differ (a live cluster the tool itself has written to); an
    action on a target in `done` (written by this stage, says the journal) is a re-run's."""
    if exact_origins:
        _refuse_stale(saved, fresh, where)
    planned = {_key(a, exact_origins) for a in fresh.stage(stage)}
    refused = [
        a
        for a in saved.stage(stage)
        if _key(a, exact_origins) not in planned and str(getattr(a, "target", "")) not in done
    ]
    if refused:
        raise UserError(
            f"{where}: {len(refused)} action(s) are not in the plan of {saved.shown_source} made "
            f"now with the plan's own settings: {_shown(refused)}",
            "the plan was edited, or its source changed since it was made: plan again "
            "(wi-migrate plan ... -o json) and review it",
        )
    return dataclasses.replace(saved, findings=fresh.findings, fingerprints=fresh.fingerprints)


def _refuse_stale(saved: Plan, fresh: Plan, where: str) -> None:
    now = dict(fresh.fingerprints)
    changed = [path for path, version in saved.fingerprints if now.get(path) != version]
    if changed:
        more = f" and {len(changed) - SHOWN} more" if len(changed) > SHOWN else ""
        raise UserError(
            f"{where}: {', '.join(changed[:SHOWN])}{more} changed since the plan was made; "
            "nothing was changed",
            "plan again (wi-migrate plan ... -o json) and review it",
        )


def describe(action: Action) -> str:
    text = f"{action_name(action)} {target_of(action)}"
    if isinstance(action, CreateFederatedCredential):
        credential = action.credential
        text += f" (subject {credential.subject!r}, issuer {credential.issuer!r})"
    return text


def _key(action: Action, exact_origins: bool) -> str:
    dumped = codec.dump(action)
    if not exact_origins:
        dumped.pop("causedBy", None)
    return json.dumps([action_name(action), dumped], sort_keys=True)


def _shown(actions: Iterable[Action]) -> str:
    listed = [describe(a) for a in actions]
    more = f" and {len(listed) - SHOWN} more" if len(listed) > SHOWN else ""
    return "; ".join(listed[:SHOWN]) + more
