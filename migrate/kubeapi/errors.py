"""API-server failures as the user reads them: a permission problem names what to grant, a
transient failure that outlasted the retries is a resumable stop."""

from __future__ import annotations

from migrate.errors import EXIT_STOPPED, UserError
from migrate.kubeapi.client import ApiFailure

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
    if error.status == 403:
        return UserError(
            f"the API server forbade a request while {doing}: {error.message or error}",
            f"grant the permission named above to the identity you run as; {RBAC_DOC}",
        )
    return UserError(
        f"the API server failed while {doing}: {error}",
        "nothing is lost: every change so far is in the journal; run the same command again "
        "to resume",
        EXIT_STOPPED,
    )
