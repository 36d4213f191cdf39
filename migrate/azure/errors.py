"""Azure SDK errors that escape a command, as one line for the user (never an SDK dump)."""

from __future__ import annotations

import sys

from migrate.errors import EXIT_STOPPED, UserError


def translate(error: BaseException) -> UserError | None:
    """The UserError for an Azure SDK error, or None when error is not one."""
    if "azure.core.exceptions" not in sys.modules:  # no SDK loaded: it cannot be one
        return None
    from azure.core.exceptions import AzureError, ClientAuthenticationError, HttpResponseError

    if not isinstance(error, AzureError):
        return None
    if isinstance(error, ClientAuthenticationError):
        from migrate.azure.sign_in import not_signed_in

        return not_signed_in(error)
    first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
    if isinstance(error, HttpResponseError) and error.status_code in (401, 403):
        return UserError(
            f"Azure refused a request ({error.status_code}): {first_line}",
            "grant the role named in docs/azure.md to the identity you signed in as",
        )
    return UserError(
        f"Azure failed: {first_line}",
        "nothing is lost: run the same command again to resume",
        EXIT_STOPPED,
    )
