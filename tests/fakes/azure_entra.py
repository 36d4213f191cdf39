"""Entra half of the fake Azure: OpenID metadata and the v2.0 token endpoint.

A client-assertion grant is accepted only when a FIC on the identity with that client id matches
the assertion's issuer, subject and audience exactly (case-sensitive, docs/domain.md §2) and is older
than `Settings.propagation_delay`. Errors carry the AADSTS codes Entra really returns.
"""

from __future__ import annotations

import base64
import datetime
import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qs

import jwt
from jwt.types import Options

from tests.fakes.azure_state import AzureState, Identity, IssuedToken, Json, Reply, Settings, now

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_LIFETIME = 3599
ALGORITHMS = ["RS256", "PS256", "ES256"]


class AssertionRejected(Exception):
    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.body)
        self.reply = reply


def entra_error(error: str, code: int, description: str, status: int = 400) -> Reply:
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    trace_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
    return Reply(
        status,
        {
            "error": error,
            "error_description": f"AADSTS{code}: {description}\r\nTrace ID: {trace_id}\r\n"
            f"Correlation ID: {correlation_id}\r\nTimestamp: {stamp}",
            "error_codes": [code],
            "timestamp": stamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": f"https://login.microsoftonline.com/error?code={code}",
        },
    )


class Entra:
    def __init__(self, state: AzureState, settings: Settings) -> None:
        self.state = state
        self.settings = settings

    def handle(self, method: str, segments: list[str], body: bytes) -> Reply | None:
        """The reply for an Entra path, or None when the path is not one of Entra's."""
        if len(segments) < 2:
            return None
        tenant, rest = segments[0], [s.lower() for s in segments[1:]]
        if rest == ["v2.0", ".well-known", "openid-configuration"] and method == "GET":
            return Reply(200, self.openid_configuration(tenant))
        if rest == ["discovery", "v2.0", "keys"] and method == "GET":
            return Reply(200, {"keys": []})
        if rest == ["oauth2", "v2.0", "token"] and method == "POST":
            with self.state.lock:
                self.state.counters["token_requests"] += 1
            form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
            return self.token(tenant, form)
        return None

    def openid_configuration(self, tenant: str) -> Json:
        base = f"{self.settings.base_url}/{tenant}"
        return {
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "tenant_region_scope": "EU",
        }

    def token(self, tenant: str, form: dict[str, str]) -> Reply:
        if form.get("grant_type") != "client_credentials":
            return entra_error(
                "unsupported_grant_type", 70003, "The app requested an unsupported grant type."
            )
        client_id, scope = form.get("client_id", ""), form.get("scope", "")
        if form.get("client_assertion"):
            return self.client_assertion(tenant, client_id, scope, form)
        if form.get("client_secret"):
            # Any secret will do: this grant only exists so SDK clients can reach ARM.
            return self.issue(IssuedToken(tenant, client_id, scope, "client_secret", None), None)
        return entra_error(
            "invalid_request",
            7000216,
            "'client_assertion', 'client_secret' or 'request' is required for the "
            "'client_credentials' grant type.",
        )

    def client_assertion(
        self, tenant: str, client_id: str, scope: str, form: dict[str, str]
    ) -> Reply:
        if form.get("client_assertion_type") != JWT_BEARER:
            return entra_error("invalid_request", 50027, "Invalid client_assertion_type.")
        try:
            claims = self.decode(form["client_assertion"])
        except AssertionRejected as rejected:
            return rejected.reply
        with self.state.lock:
            identity = self.state.identity_by_client_id(client_id)
            if identity is None or identity.tenant_id.lower() != tenant.lower():
                return unknown_application(client_id, tenant)
            if not self.federation_matches(identity, claims):
                return no_matching_federated_identity(claims)
            return self.issue(
                IssuedToken(tenant, client_id, scope, "client_assertion", claims), identity
            )

    def decode(self, assertion: str) -> Json:
        """Claims of the assertion, verified with `Settings.assertion_key` when one is set."""
        key = self.settings.assertion_key
        # Entra's own checks (audience, expiry) follow below with Entra's error codes.
        options: Options = {
            "verify_signature": key is not None,
            "verify_aud": False,
            "verify_exp": False,
        }
        try:
            claims: Json = jwt.decode(
                assertion, signing_key(assertion, key), algorithms=ALGORITHMS, options=options
            )
        except jwt.InvalidSignatureError as error:
            reply = entra_error(
                "invalid_client", 50013, "Assertion failed signature validation.", 401
            )
            raise AssertionRejected(reply) from error
        except jwt.PyJWTError as error:
            reply = entra_error("invalid_request", 50027, "JWT token is invalid or malformed.")
            raise AssertionRejected(reply) from error
        if isinstance(claims.get("exp"), (int, float)) and claims["exp"] < time.time():
            message = "Client assertion is not within its valid time range."
            raise AssertionRejected(entra_error("invalid_client", 700024, message))
        return claims

    def federation_matches(self, identity: Identity, claims: Json) -> bool:
        audiences = audience_list(claims)
        settled_before = now() - self.settings.propagation_delay
        return any(
            credential.issuer == claims.get("iss")
            and credential.subject == claims.get("sub")
            and credential.audiences[0] in audiences
            and credential.created_at <= settled_before
            for credential in identity.credentials.values()
        )

    def issue(self, issued: IssuedToken, identity: Identity | None) -> Reply:
        with self.state.lock:
            self.state.tokens.append(issued)
        return Reply(
            200,
            {
                "token_type": "Bearer",
                "expires_in": TOKEN_LIFETIME,
                "ext_expires_in": TOKEN_LIFETIME,
                "access_token": access_token(issued, identity),
            },
        )


def signing_key(assertion: str, key: Any) -> Any:
    """`key` itself, or the key of a JWKS the assertion's `kid` names; "" when there is none."""
    if key is None:
        return ""
    if not (isinstance(key, dict) and "keys" in key):
        return key
    keys = jwt.PyJWKSet.from_dict(key).keys
    kid = jwt.get_unverified_header(assertion).get("kid")
    chosen = next((k for k in keys if k.key_id == kid), keys[0] if len(keys) == 1 else None)
    if chosen is None:
        raise jwt.InvalidSignatureError(f"no key with kid {kid!r} in the JWKS")
    return chosen.key


def audience_list(claims: Json) -> list[str]:
    audience = claims.get("aud")
    return [audience] if isinstance(audience, str) else list(audience or [])


def access_token(issued: IssuedToken, identity: Identity | None) -> str:
    """An unsigned JWT: ARM in the fake accepts any bearer token, tests may read the claims."""
    issued_at = int(time.time())
    claims = {
        "aud": issued.scope.split(" ")[0].removesuffix("/.default"),
        "iss": f"https://sts.windows.net/{issued.tenant_id}/",
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + TOKEN_LIFETIME,
        "tid": issued.tenant_id,
        "appid": issued.client_id,
        "oid": identity.principal_id if identity else issued.client_id,
    }
    return f"{b64_json({'alg': 'none', 'typ': 'JWT'})}.{b64_json(claims)}."


def b64_json(value: Json) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def unknown_application(client_id: str, tenant: str) -> Reply:
    return entra_error(
        "unauthorized_client",
        700016,
        f"Application with identifier '{client_id}' was not found in the directory '{tenant}'. "
        "This can happen if the application has not been installed by the administrator of the "
        "tenant or consented to by any user in the tenant. You may have sent your authentication "
        "request to the wrong tenant.",
    )


def no_matching_federated_identity(claims: Json) -> Reply:
    # Entra really answers 400 invalid_request here (azure-workload-identity#616).
    return entra_error(
        "invalid_request",
        70021,
        "No matching federated identity record found for presented assertion. "
        f"Assertion Issuer: '{claims.get('iss')}'. Assertion Subject: '{claims.get('sub')}'. "
        f"Assertion Audience: '{','.join(audience_list(claims))}'. "
        "https://docs.microsoft.com/en-us/azure/active-directory/develop/workload-identity-federation",
    )
