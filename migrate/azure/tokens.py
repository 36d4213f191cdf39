"""Token checks without a pod: a Kubernetes TokenRequest for the ServiceAccount (audience
api://AzureADTokenExchange), then the client-assertion exchange at Entra, as the workload's SDK
would do it (docs/domain.md §2). Failures are explained from the AADSTS code and, for a missing
match, from the identity's federated credentials."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from migrate.azure import diagnose
from migrate.azure.context import AzureContext
from migrate.model.inventory import ObjectRef
from migrate.model.plan import (
    AnnotateServiceAccount,
    CreateFederatedCredential,
    CreateServiceAccount,
    ManagedIdentity,
    Plan,
)

# A ServiceAccount's token, or ("", why there is none): migrate.kubeapi.oidc asks the cluster
TokenSource = Callable[[ObjectRef], tuple[str, str]]
PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
EXPLAINED = {
    "70021": "no federated credential matches the token's issuer, subject and audience",
    "700211": "no federated credential has the token's issuer",
    "700212": "no federated credential has the token's audience",
    "700213": "no federated credential has the token's subject",
    "70025": "the identity has no federated credentials",
    "700016": "no identity with this client id in the tenant (wrong client id or --tenant-id)",
    "700024": "the token is expired or not yet valid (clock skew on this machine or the cluster)",
    "50013": "the token's signature was not verified: Entra cannot read the issuer's public keys "
    "(is the cluster's OIDC issuer published?)",
    "90002": "the tenant does not exist in this cloud: check --tenant-id and --cloud",
}
NO_MATCH = frozenset({"70021", "700211", "700212", "700213", "70025"})


@dataclass(frozen=True)
class TokenCheck:
    service_account: str  # namespace/name
    identity: str
    client_id: str
    status: str  # passed, failed or skipped
    code: str  # AADSTS code of the last refusal, "" when none
    detail: str
    attempts: int = 0


@dataclass(frozen=True)
class Probe:
    """How often and how long to retry while a new credential propagates."""

    attempts: int = 6
    delay: float = 10.0


def planned_pairs(plan: Plan) -> list[tuple[ObjectRef, ManagedIdentity]]:
    """Each (ServiceAccount, identity) the plan federates, once, in plan order."""
    pairs: dict[tuple[ObjectRef, str], tuple[ObjectRef, ManagedIdentity]] = {}
    for action in plan.actions:
        if isinstance(action, CreateFederatedCredential):
            account = action.service_account
        elif isinstance(action, (CreateServiceAccount, AnnotateServiceAccount)):
            account = action.target
        else:
            continue
        key = (account, action.identity.key)
        pairs.setdefault(key, (account, action.identity))
    return list(pairs.values())


def verify_tokens(
    plan: Plan,
    tokens: TokenSource,
    context: AzureContext,
    *,
    tenant_id: str = "",
    probe: Probe = Probe(),
    on_check: Callable[[TokenCheck], None] | None = None,
) -> list[TokenCheck]:
    """A token check for every planned ServiceAccount and identity, in parallel."""
    context.sign_in()  # before the first TokenRequest: fail fast when Azure is out of reach

    def one(pair: tuple[ObjectRef, ManagedIdentity]) -> TokenCheck:
        checked = check_token(pair[0], pair[1], tokens, context, tenant_id=tenant_id, probe=probe)
        if on_check is not None:
            on_check(checked)
        return checked

    pairs = planned_pairs(plan)
    with ThreadPoolExecutor(max_workers=max(1, min(context.concurrency, len(pairs)))) as pool:
        return list(pool.map(one, pairs))


def check_token(
    account: ObjectRef,
    identity: ManagedIdentity,
    tokens: TokenSource,
    context: AzureContext,
    *,
    tenant_id: str = "",
    probe: Probe = Probe(),
) -> TokenCheck:
    """One ServiceAccount and identity: a TokenRequest, then the exchange, retried while a
    matching credential exists but is not honoured yet."""
    sa = f"{account.namespace}/{account.name}"
    resolved = diagnose.resolve_identity(identity, context, tenant_id)
    if isinstance(resolved, str):
        return TokenCheck(sa, identity.name, identity.client_id, SKIPPED, "", resolved)
    identity = resolved
    token, missing = tokens(account)
    if not token:
        return TokenCheck(sa, identity.name, identity.client_id, FAILED, "", missing)
    claims = _claims(token)
    code, message = "", ""
    for attempt in range(1, probe.attempts + 1):
        code, message = _exchange(identity, token, context)
        if not code and not message:
            detail = f"token issued for {claims.get('sub')} (issuer {claims.get('iss')})"
            return TokenCheck(sa, identity.name, identity.client_id, PASSED, "", detail, attempt)
        why = diagnose.no_match(identity, claims, context) if code in NO_MATCH else None
        if why is None or not why.propagating or attempt == probe.attempts:
            break
        time.sleep(probe.delay)
    detail = _explain(code, message, why, attempt, probe)
    aadsts = f"AADSTS{code}" if code else ""
    return TokenCheck(sa, identity.name, identity.client_id, FAILED, aadsts, detail, attempt)


def _explain(
    code: str, message: str, why: diagnose.Mismatch | None, attempt: int, probe: Probe
) -> str:
    if why is not None and why.propagating:
        waited = (attempt - 1) * probe.delay
        return f"{why.text}; still refused after {attempt} tries over {waited:g} s: re-run later"
    if why is not None:
        return why.text
    return EXPLAINED.get(code, message.splitlines()[0] if message else "refused")


def _claims(token: str) -> dict[str, Any]:
    """The JWT's claims, unverified: only read to explain a refusal."""
    try:
        payload = token.split(".")[1]
        decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return decoded if isinstance(decoded, dict) else {}


def _exchange(identity: ManagedIdentity, token: str, context: AzureContext) -> tuple[str, str]:
    """("", "") when Entra issued a token; else (AADSTS code or "", message)."""
    from azure.core.exceptions import ClientAuthenticationError
    from azure.identity import ClientAssertionCredential

    credential = ClientAssertionCredential(
        identity.tenant_id,
        identity.client_id,
        _constant(token),
        authority=context.endpoints.authority,
        disable_instance_discovery=not context.endpoints.known_authority,
    )
    try:
        credential.get_token(context.endpoints.arm_scope)
    except ClientAuthenticationError as error:
        message = str(error.message or error)
        found = re.search(r"AADSTS(\d+)", message)
        return (found.group(1) if found else "", message)
    finally:
        credential.close()
    return ("", "")


def _constant(token: str) -> Callable[[], str]:
    return lambda: token
