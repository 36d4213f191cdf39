"""The checks every federated credential passes wherever it is planned, rendered or written:
its subject names exactly one ServiceAccount (a valid Kubernetes name, the action's own), its
issuer is the plan's, its audience the one Entra accepts (docs/security.md)."""

from __future__ import annotations

from urllib.parse import urlsplit

from migrate.errors import UserError
from migrate.model import names
from migrate.model.inventory import FIC_AUDIENCE
from migrate.model.plan import CreateFederatedCredential, Plan

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def issuer_problem(issuer: str) -> str:
    """Why ISSUER cannot be a federated credential's issuer, or "" ("" itself: not known yet)."""
    if not issuer:
        return ""
    parts = urlsplit(issuer)
    loopback = parts.scheme == "http" and parts.hostname in LOOPBACK  # a local test cluster
    if (
        (parts.scheme != "https" and not loopback)
        or not parts.hostname
        or parts.username is not None
        or parts.query
        or parts.fragment
        or not issuer.isascii()
        or any(c.isspace() or c == "*" for c in issuer)
    ):
        return f"issuer {issuer!r} is not a plain https URL"
    return ""


def credential_problems(plan: Plan) -> list[str]:
    """One line per federated credential of PLAN that must not be created, saying why."""
    problems = []
    for action in plan.actions:
        if not isinstance(action, CreateFederatedCredential):
            continue
        credential, account = action.credential, action.service_account
        problem = (
            names.subject_problem(credential.subject)
            or issuer_problem(credential.issuer)
            or _mismatch(credential.subject, names.subject(account.namespace, account.name))
            or _mismatch(credential.issuer, plan.settings.issuer, "the plan's issuer")
            or _mismatch(credential.audiences, (FIC_AUDIENCE,), "the Workload Identity audience")
        )
        if problem:
            where = f"create-federated-credential {credential.name} on {action.identity.name}"
            problems.append(f"{where}: {problem}")
    return problems


def refuse_invalid_credentials(plan: Plan, doing: str) -> None:
    problems = credential_problems(plan)
    if problems:
        shown = "; ".join(problems[:3]) + (
            f" and {len(problems) - 3} more" if len(problems) > 3 else ""
        )
        raise UserError(
            f"refusing to {doing}: {shown}",
            "plan again from the source (wi-migrate plan ... -o json) and review the plan",
        )


def _mismatch(value: object, wanted: object, what: str = "its ServiceAccount's subject") -> str:
    return "" if value == wanted else f"{value!r} is not {what} ({wanted!r})"
