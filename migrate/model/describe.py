"""Actions and findings in words: shared by the table, markdown and the templates."""

from __future__ import annotations

from collections import Counter
from typing import Any

from migrate.model.inventory import WI_CLIENT_ID, Finding
from migrate.model.plan import (
    Action,
    AddBindingSubject,
    AnnotateServiceAccount,
    CreateFederatedCredential,
    CreateManagedIdentity,
    CreateServiceAccount,
    DeleteObject,
    Plan,
    RemovePodLabel,
    SetChartValues,
    SetSecretProviderClientID,
    SwitchWorkload,
    ValueChange,
    action_name,
    target_of,
)
from migrate.model.stages import ORDER

UNKNOWN = "(unknown)"
PENDING = "(client id of the new identity)"


def change(action: Action) -> str:
    """The change an action makes, in one line."""
    if isinstance(action, CreateManagedIdentity):
        return (
            f"new user-assigned identity replacing service principal "
            f"{action.service_principal_client_id} ({action.replaces}); copy its role assignments"
        )
    if isinstance(action, CreateFederatedCredential):
        c = action.credential
        return f"issuer {c.issuer or UNKNOWN}, subject {c.subject}"
    if isinstance(action, (CreateServiceAccount, AnnotateServiceAccount)):
        text = ", ".join(f"{k}={v or PENDING}" for k, v in action.annotations)
        if isinstance(action, CreateServiceAccount):
            if action.image_pull_secrets:
                text += "; imagePullSecrets " + ", ".join(action.image_pull_secrets)
            if action.automount is not None:
                text += f"; automountServiceAccountToken {str(action.automount).lower()}"
        return text
    if isinstance(action, AddBindingSubject):
        return f"add subject {action.service_account}"
    if isinstance(action, SwitchWorkload):
        parts = [f"serviceAccountName: {action.service_account}"]
        parts += [f"label {k}: {v!r}".replace("'", '"') for k, v in action.labels]
        parts += [f"annotation {k}: {v}" for k, v in action.annotations]
        return "; ".join(parts)
    if isinstance(action, SetSecretProviderClientID):
        return f'clientID {action.client_id or PENDING}, usePodIdentity "false"'
    if isinstance(action, RemovePodLabel):
        if not action.template_path and action.target.kind != "Pod":
            return f"remove label {action.label} from its own metadata (it has no effect)"
        return f"remove pod label {action.label}"
    if isinstance(action, SetChartValues):
        # a chart's own values file is the whole document: its path says where
        where = ".".join(action.values_at) or next((o.file for o in action.caused_by), "")
        return f"{where}: " + "; ".join(map(value_change, action.changes))
    if isinstance(action, DeleteObject):
        return f"delete: {action.reason}"
    raise TypeError(action)  # pragma: no cover


def dotted(key: tuple[str, ...]) -> str:
    """A key path of chart values as `--set` and the docs write it: podLabels."a/b"."""
    return ".".join(f'"{k}"' if "." in k or "/" in k else k for k in key)


def value_change(change: ValueChange) -> str:
    key = dotted(change.key)
    if change.remove:
        return f"remove {key}"
    if not change.value:
        return f"{key}: {PENDING}"
    return f'{key}: "{change.value}"' if change.style == "string" else f"{key}: {change.value}"


def client_id(action: Action) -> str:
    return str(dict(getattr(action, "annotations", ())).get(WI_CLIENT_ID, ""))


def counts(plan: Plan) -> dict[str, Any]:
    """Summary figures: actions per stage and type, findings per severity."""
    severities = Counter(f.severity for f in plan.findings)
    return {
        "stages": {s: len(plan.stage(s)) for s in ORDER},
        "actions": dict(Counter(action_name(a) for a in plan.actions)),
        "errors": severities["error"],
        "warnings": severities["warning"],
        "infos": severities["info"],
    }


def where(finding: Finding) -> str:
    return str(finding.origin) if str(finding.origin) != "-" else ""


def origins(action: Action) -> str:
    return ", ".join(dict.fromkeys(str(o) for o in action.caused_by))


FILTERS = {
    "change": change,
    "target": target_of,
    "action_name": action_name,
    "where": where,
    "origins": origins,
}
