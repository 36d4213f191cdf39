"""The rewrite's gate before switch: what `prepare` must have put in the repo first.

Like the live gate of the same name (write/live/gates.py): a switched pod whose
ServiceAccount is not there yet, or carries no client-id, gets no token. A ServiceAccount
the repo does not define (a chart's, another repo's) is a manual step, not a blocker: the
plan's `service-account-not-found` finding says so.
"""

from __future__ import annotations

from migrate.model import describe
from migrate.model.inventory import WI_CLIENT_ID
from migrate.model.plan import (
    AddBindingSubject,
    AnnotateServiceAccount,
    CreateServiceAccount,
    Plan,
    SetChartValues,
)
from migrate.model.stages import PREPARE

NAME = "prepared"
HINT = "run rewrite --stage prepare first and merge it"


def prepared(plan: Plan) -> list[str]:
    """What blocks `rewrite --stage switch`: prepare's file changes the repo does not have."""
    manual = {f.subject for f in plan.findings if f.code == "service-account-not-found"}
    blockers = []
    for action in plan.stage(PREPARE):
        if isinstance(action, SetChartValues):
            wanted = ", ".join(describe.dotted(c.key) for c in action.changes)
            blockers.append(f"{action.target} does not have {wanted} in its values yet")
            continue
        if not isinstance(
            action, CreateServiceAccount | AnnotateServiceAccount | AddBindingSubject
        ):
            continue  # Azure's part: the live gate checks it
        target = action.target.namespace + "/" + action.target.name
        if isinstance(action, CreateServiceAccount):
            blockers.append(f"ServiceAccount {target} is not in the repo yet")
        elif isinstance(action, AnnotateServiceAccount) and str(action.target) not in manual:
            keys = [k for k, v in action.annotations if v]  # a placeholder waits for Azure
            if keys:
                what = WI_CLIENT_ID if WI_CLIENT_ID in keys else ", ".join(keys)
                blockers.append(f"ServiceAccount {target} has no {what} annotation yet")
        elif isinstance(action, AddBindingSubject):
            account = action.service_account
            blockers.append(
                f"{action.target} does not name ServiceAccount "
                f"{account.namespace}/{account.name} yet"
            )
    return blockers
