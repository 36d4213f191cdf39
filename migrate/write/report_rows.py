"""An action as the columns every report shows: kind, namespace and name kept apart, so an
identifier is never run together with its neighbours or cut."""

from __future__ import annotations

from dataclasses import dataclass

from migrate.model import describe
from migrate.model.plan import (
    Action,
    CreateFederatedCredential,
    CreateManagedIdentity,
    action_name,
)


@dataclass(frozen=True)
class Row:
    stage: str
    action: str  # the action type, e.g. switch-workload
    kind: str
    namespace: str
    name: str
    change: str
    origins: str

    @property
    def target(self) -> str:
        """Kind/namespace/name, the way kubectl and the plan's other reports spell it."""
        return "/".join(p for p in (self.kind, self.namespace, self.name) if p)


def row(action: Action) -> Row:
    if isinstance(action, CreateFederatedCredential):
        c = action.credential
        kind, namespace, name = "FederatedCredential", action.service_account.namespace, c.name
        change = f"identity {action.identity.name}, {describe.change(action)}"
    elif isinstance(action, CreateManagedIdentity):
        kind, namespace, name = "ManagedIdentity", "", action.identity.name
        change = describe.change(action)
    else:
        t = action.target
        kind, namespace, name, change = t.kind, t.namespace, t.name, describe.change(action)
    return Row(
        action.stage, action_name(action), kind, namespace, name, change, describe.origins(action)
    )
