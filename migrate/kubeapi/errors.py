"""API-server failures as the user reads them: a permission problem names what to grant, a
transient failure that outlasted the retries is a resumable stop."""

from __future__ import annotations

from urllib.parse import unquote

from migrate.errors import EXIT_STOPPED, UserError
from migrate.kubeapi.client import ApiFailure
from migrate.kubeapi.kinds import KINDS

RBAC_DOC = "docs/rbac.md lists the permissions of each command (docs/clusterrole.yaml)"


def translate(error: BaseException) -> UserError | None:
    """The UserError for an API failure that reached the boundary, or None if not one."""
    return failure(error, "talking to it") if isinstance(error, ApiFailure) else None


def failure(error: ApiFailure, doing: str) -> UserError:
    """What stops the command: a refused credential or permission (fix, then re-run), or a
    failure that outlasted the retries (resumable by a re-run)."""
    if error.status == 401:
        return UserError(
            f"the API server refused the credentials while {doing}: {error}",
            "refresh the kubeconfig's credentials (e.g. az aks get-credentials, kubelogin) "
            "and run the same command again",
        )
    request = permission(error.method, error.path)
    if error.status == 403:
        needed = f"wi-migrate may not {request}" if request else "a permission is missing"
        return UserError(
            f"the API server forbade a request while {doing}: {needed} ({error.message or error})",
            f"grant the permission named above to the identity you run as; {RBAC_DOC}",
        )
    return UserError(
        f"the API server failed while {doing}: {error}" + (f" ({request})" if request else ""),
        "nothing is lost: every change so far is in the journal; run the same command again "
        "to resume",
        EXIT_STOPPED,
    )


VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


def permission(method: str, path: str) -> str:
    """The RBAC permission a request needs, in words: "list deployments.apps in all
    namespaces", "patch configmaps in namespace kube-system"; "" when not a resource path."""
    parts = path.strip("/").split("/")
    core = len(parts) >= 3 and parts[0] == "api"
    if not (core or (len(parts) >= 4 and parts[0] == "apis")):
        return f"get {path}" if path.startswith("/") and method == "GET" else ""
    group, rest = ("", parts[2:]) if core else (parts[1], parts[3:])
    namespace = ""
    if rest[0] == "namespaces" and len(rest) > 2:
        namespace, rest = unquote(rest[1]), rest[2:]
    named = len(rest) > 1
    verb = ("get" if named else "list") if method == "GET" else VERBS.get(method, method.lower())
    resource = f"{rest[0]}.{group}" if group else rest[0]
    if len(rest) > 2:
        resource += f"/{rest[2]}"  # a subresource: serviceaccounts/token
    namespaced = any(k.plural == rest[0] and k.namespaced for k in KINDS.values())
    scope = (
        f" in namespace {namespace}" if namespace else (" in all namespaces" if namespaced else "")
    )
    return f"{verb} {resource}{scope}"
