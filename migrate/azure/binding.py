"""Put identities created in Azure into a plan: their resource and client ids, wherever the plan
left them empty (credentials, ServiceAccount client-id annotations, SecretProviderClasses)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any, cast

from migrate.model.inventory import WI_CLIENT_ID
from migrate.model.plan import (
    Action,
    AnnotateServiceAccount,
    CreateServiceAccount,
    ManagedIdentity,
    Plan,
    SetSecretProviderClientID,
)


def bind_identities(plan: Plan, created: Iterable[ManagedIdentity]) -> Plan:
    """The plan with every still-new identity that now exists replaced by the real one."""
    by_name = {_key(i): i for i in created if i.resource_id}
    if not by_name:
        return plan
    return dataclasses.replace(plan, actions=tuple(_bind(a, by_name) for a in plan.actions))


def _bind(action: Action, by_name: dict[tuple[str, str], ManagedIdentity]) -> Action:
    identity = getattr(action, "identity", None)
    if not isinstance(identity, ManagedIdentity) or not identity.new:
        return action
    real = by_name.get(_key(identity))
    if real is None:
        return action
    bound: Action = dataclasses.replace(cast(Any, action), identity=real)
    if isinstance(bound, (CreateServiceAccount, AnnotateServiceAccount)):
        annotations = tuple(
            (k, real.client_id if k == WI_CLIENT_ID and not v else v) for k, v in bound.annotations
        )
        return dataclasses.replace(bound, annotations=annotations)
    if isinstance(bound, SetSecretProviderClientID) and not bound.client_id:
        return dataclasses.replace(bound, client_id=real.client_id)
    return bound


def _key(identity: ManagedIdentity) -> tuple[str, str]:
    return (identity.resource_group.lower(), identity.name.lower())
