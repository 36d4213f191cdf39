"""ARM calls with our retries: 429 after Retry-After (capped), the FIC concurrency 409 and 5xx
after a short backoff; every other error goes back to the caller, described in one line."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from migrate.azure.context import Retries

T = TypeVar("T")
CONCURRENT_WRITES = "ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity"
TRANSIENT = frozenset({429, 500, 502, 503, 504})


def call(operation: Callable[[], T], retries: Retries) -> T:
    """`operation()`, retried on throttling, concurrent FIC writes and server errors."""
    from azure.core.exceptions import HttpResponseError

    wait = retries.backoff
    for attempt in range(1, retries.attempts + 1):
        retries.gate.wait()
        try:
            return operation()
        except HttpResponseError as error:
            if attempt == retries.attempts or not retryable(error):
                raise
            after = retry_after(error)
            if status_of(error) == 429 and after is not None:  # every worker waits it out
                retries.gate.hold(min(after, retries.retry_after_cap))
            elif after is not None:
                time.sleep(min(after, retries.retry_after_cap))
            else:
                time.sleep(min(wait, retries.backoff_cap))
                wait *= 2
    raise AssertionError("unreachable")


def retryable(error: Any) -> bool:
    status = status_of(error)
    code = code_of(error)
    # a role assignment for an identity created seconds ago: Entra has not replicated it yet
    return status in TRANSIENT or code in (CONCURRENT_WRITES, "PrincipalNotFound")


def status_of(error: Any) -> int:
    return int(getattr(error, "status_code", None) or 0)


def code_of(error: Any) -> str:
    inner = getattr(error, "error", None)
    return str(getattr(inner, "code", "") or "")


def retry_after(error: Any) -> float | None:
    response = getattr(error, "response", None)
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:  # an HTTP date: rare on ARM; fall back to the backoff
        return None


def describe(error: BaseException) -> str:
    """One line for a failed call: status, ARM error code, message."""
    status, code = status_of(error), code_of(error)
    inner = getattr(error, "error", None)
    message = str(getattr(inner, "message", "") or getattr(error, "message", "") or error)
    message = message.strip().splitlines()[0] if message.strip() else type(error).__name__
    head = " ".join(p for p in (str(status) if status else "", code) if p)
    if status == 403:
        message += " (the signed-in principal lacks this permission: see docs/azure.md)"
    return f"{head}: {message}" if head else message


def is_not_found(error: BaseException) -> bool:
    return status_of(error) == 404


def is_forbidden(error: BaseException) -> bool:
    return status_of(error) == 403
