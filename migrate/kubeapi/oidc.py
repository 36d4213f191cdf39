"""What the API server says about its service-account tokens: the issuer it publishes (OIDC
discovery) and a token for one ServiceAccount (TokenRequest). The only place that asks."""

from __future__ import annotations

from collections.abc import Callable

from migrate.kubeapi.client import ApiFailure, Connection
from migrate.model.inventory import FIC_AUDIENCE, ObjectRef

DISCOVERY = "/.well-known/openid-configuration"
TOKEN_SECONDS = 600  # the shortest lifetime the API server grants

# A ServiceAccount's token, or ("", why there is none)
TokenSource = Callable[[ObjectRef], tuple[str, str]]


def published_issuer(connection: Connection) -> str:
    """`issuer` of the API server's OIDC discovery document; "" when it serves none."""
    try:
        document = connection.call("GET", DISCOVERY)
    except ApiFailure:
        return ""
    issuer = document.get("issuer") if isinstance(document, dict) else None
    return issuer if isinstance(issuer, str) else ""


def service_account_token(connection: Connection, account: ObjectRef) -> tuple[str, str]:
    """A token for `account` with the federation audience: (token, "") or ("", why not)."""
    body = {
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenRequest",
        "spec": {"audiences": [FIC_AUDIENCE], "expirationSeconds": TOKEN_SECONDS},
    }
    path = f"/api/v1/namespaces/{account.namespace}/serviceaccounts/{account.name}/token"
    try:
        answer = connection.call("POST", path, body=body)
    except ApiFailure as error:
        if error.status == 404:
            return "", (
                f"ServiceAccount {account.namespace}/{account.name} is not in the cluster: "
                "run the prepare stage first"
            )
        return "", f"TokenRequest failed: {error}"
    token = ((answer or {}).get("status") or {}).get("token")
    return (str(token), "") if token else ("", "no token in the answer")


def token_source(connection: Connection) -> TokenSource:
    return lambda account: service_account_token(connection, account)
