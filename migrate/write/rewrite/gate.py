"""The rewrite's gate before switch: what `prepare` must have put in the repo first.

Like the live gate of the same name (write/live/gates.py): a switched pod whose
ServiceAccount is not there yet, or carries no client-id, gets no token. A ServiceAccount
the repo does not define (a chart's, another repo's) is a manual step, not a blocker: no
rewrite could ever write it, so the gate would block forever. The switch names every
workload that waits on such a step instead (`switch-manual-step`), loudly, as it moves them.
"""

from __future__ import annotations

from migrate.model import describe, findings
from migrate.model.inventory import WI_CLIENT_ID, Finding, Origin
from migrate.model.plan import (
    AddBindingSubject,
    AnnotateServiceAccount,
    CreateServiceAccount,
    Plan,
    SetChartValues,
    SwitchWorkload,
)
from migrate.model.stages import ALL, PREPARE, SWITCH

SHOWN = 20  # workloads listed in the manual-step warning

NAME = "prepared"
HINT = "run rewrite --stage prepare first and merge it"


def prepared(plan: Plan) -> list[str]:
    """What blocks `rewrite --stage switch`: prepare's file changes the repo does not have."""
    manual = _manual_accounts(plan)
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


def manual_steps(plan: Plan, stage: str) -> list[Finding]:
    """One warning listing the workloads that STAGE (switch, or all) moves to a
    ServiceAccount these files do not define: only a person can annotate it."""
    manual = _manual_accounts(plan)
    client_ids = {
        str(a.target): dict(a.annotations).get(WI_CLIENT_ID, "")
        for a in plan.stage(PREPARE)
        if isinstance(a, AnnotateServiceAccount)
    }
    waiting = []
    for action in plan.stage(SWITCH):
        if not isinstance(action, SwitchWorkload):
            continue
        account = f"ServiceAccount/{action.target.namespace}/{action.service_account}"
        if account in manual:
            client_id = client_ids.get(account, "")
            wanted = f"{WI_CLIENT_ID}: {client_id}" if client_id else WI_CLIENT_ID
            waiting.append((action, f"{action.target} → {account.partition('/')[2]} ({wanted})"))
    if not waiting or stage not in (SWITCH, ALL):
        return []
    shown = "; ".join(line for _, line in waiting[:SHOWN])
    more = f"; and {len(waiting) - SHOWN} more" if len(waiting) > SHOWN else ""
    what = (
        f"switch moves {len(waiting)} workload(s) to ServiceAccounts these files do not "
        f"define, so no rewrite adds their annotation: {shown}{more}; until each account "
        "carries it where it is defined, the webhook gives their pods no client id (and "
        "retire takes Pod Identity away from them)"
    )
    first = waiting[0][0].caused_by
    return [
        findings.make(
            "switch-manual-step",
            first[0] if first else Origin(),
            what,
            "annotate each account where it is defined (chart values, another repo, the "
            "cluster) and check it before this rolls out; the live gates (apply) check the "
            "cluster",
        )
    ]


def _manual_accounts(plan: Plan) -> set[str]:
    """'ServiceAccount/ns/name' of the accounts a person annotates (not in the files)."""
    return {f.subject for f in plan.findings if f.code == "service-account-not-found"}
