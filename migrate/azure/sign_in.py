"""Signed in to Azure? One cheap token request (`AzureContext.sign_in`) before anything else, so
that a command that needs Azure fails fast, once, with what to run, before any cluster write."""

from __future__ import annotations

import logging
import os
from typing import Any

from migrate.errors import EXIT_NOT_SIGNED_IN, UserError

DEFAULT_CHAIN = (
    "DefaultAzureCredential (environment, workload identity, managed identity, Azure CLI, ...)"
)
HINT = (
    "at a desk: az login (then az account set -s SUBSCRIPTION); in CI or a pod: a service "
    "principal (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET) or workload identity "
    "(AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE); AZURE_TOKEN_CREDENTIALS "
    "names the one credential to try"
)
REASON_CHARS = 160  # of each credential's own reason: one line, never the SDK's dump


def quiet_sdk_logging() -> None:
    """azure-identity logs every failed attempt as a WARNING; with no handler configured Python
    would print them all to stderr (the 'last resort'). The one error below says it instead."""
    logging.getLogger("azure").addHandler(logging.NullHandler())


def check(credential: Any, scope: str) -> None:
    """Get one token for `scope` (ARM), or raise the one 'not signed in' error."""
    from azure.core.exceptions import ClientAuthenticationError

    try:
        credential.get_token(scope)
    except ClientAuthenticationError as error:  # CredentialUnavailableError is one too
        raise not_signed_in(error, credential) from None


def not_signed_in(error: Exception, credential: Any = None) -> UserError:
    """The one message for a credential that gave no token (exit 4)."""
    return UserError(
        f"not signed in to Azure: tried {chain(credential)}: {reasons(error)}",
        HINT,
        EXIT_NOT_SIGNED_IN,
    )


def chain(credential: Any) -> str:
    """The credentials tried, by name: AZURE_TOKEN_CREDENTIALS's choice, or the default chain."""
    chosen = os.environ.get("AZURE_TOKEN_CREDENTIALS", "").strip()
    if chosen and chosen.lower() not in ("dev", "prod"):
        return chosen
    included = [type(c).__name__ for c in getattr(credential, "credentials", ())]
    return ", ".join(included) if included else DEFAULT_CHAIN


def reasons(error: Exception) -> str:
    """Each credential's reason from the SDK's message (its "Attempted credentials:" lines),
    first line only and shortened; else the message's first line."""
    text = str(getattr(error, "message", "") or error)
    attempted = [line.strip() for line in text.splitlines() if line.startswith("\t")]
    shown = attempted or [text.strip().splitlines()[0] if text.strip() else type(error).__name__]
    return "; ".join(_short(line) for line in shown)


def _short(line: str) -> str:
    return line if len(line) <= REASON_CHARS else line[: REASON_CHARS - 1] + "…"
