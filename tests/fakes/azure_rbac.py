"""Role assignments of the fake Azure (`Microsoft.Authorization`, as azure-mgmt-authorization 4.x
calls it: api-version 2022-04-01), enough to copy a principal's assignments to a new identity.

`/{scope}/providers/Microsoft.Authorization/roleAssignments` lists what is at, above or below the
scope (`$filter=principalId eq '...'`, `atScope()`); `.../roleAssignments/{guid}` creates, reads
and deletes. A second assignment of the same role to the same principal at the same scope is 409
`RoleAssignmentExists`, as in ARM.
"""

from __future__ import annotations

import datetime
import re

from tests.fakes.azure_arm import ArmRequest, page
from tests.fakes.azure_state import AzureState, Json, Reply, Settings, arm_error

ROLE_ASSIGNMENT_TYPE = "Microsoft.Authorization/roleAssignments"
GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_PATH = ["providers", "microsoft.authorization", "roleassignments"]


class RoleAssignments:
    def __init__(self, state: AzureState, settings: Settings) -> None:
        self.state = state
        self.settings = settings

    def handle(self, request: ArmRequest) -> Reply | None:
        """The reply for a role assignment path, or None when the path is not one."""
        lowered = [s.lower() for s in request.segments]
        at = next((i for i in range(len(lowered)) if lowered[i : i + 3] == _PATH), None)
        if at is None or len(lowered) > at + 4:
            return None
        scope = "/" + "/".join(request.segments[:at])
        if len(lowered) == at + 3:
            return self.list(request, scope) if request.method == "GET" else None
        name = request.segments[at + 3]
        key = assignment_id(scope, name).lower()
        if request.method == "PUT":
            return self.put(request, scope, name)
        with self.state.lock:
            if request.method == "GET":
                found = self.state.role_assignments.get(key)
                return Reply(200, found) if found else not_found()
            if request.method == "DELETE":
                found = self.state.role_assignments.pop(key, None)
                return Reply(200, found) if found else Reply(204)
        return None

    def list(self, request: ArmRequest, scope: str) -> Reply:
        wanted = parse_filter(request.query.get("$filter", ""))
        if wanted is None:
            message = "The fake only supports principalId eq '...' and atScope()."
            return arm_error(400, "BadRequest", message)
        principal_id, at_scope_only = wanted
        with self.state.lock:
            found = [
                (a["id"].lower(), a)
                for a in self.state.role_assignments.values()
                if (principal_id is None or a["properties"]["principalId"].lower() == principal_id)
                and scope_related(a["properties"]["scope"], scope, at_scope_only)
            ]
        return page(request, found, self.settings)

    def put(self, request: ArmRequest, scope: str, name: str) -> Reply:
        if not GUID.fullmatch(name):
            return arm_error(
                400,
                "InvalidRoleAssignmentId",
                f"The role assignment ID '{name}' is not valid. "
                "The role assignment ID must be a GUID.",
            )
        properties = (request.body or {}).get("properties") or {}
        if not properties.get("roleDefinitionId") or not properties.get("principalId"):
            message = "roleDefinitionId and principalId are required."
            return arm_error(400, "InvalidRequestContent", message)
        with self.state.lock:
            return store(self.state, role_assignment(scope, name, properties))


def store(state: AzureState, wanted: Json) -> Reply:
    key = wanted["id"].lower()
    existing = state.role_assignments.get(key)
    twin = next((a for a in state.role_assignments.values() if same_grant(a, wanted)), None)
    if twin is not None and twin is existing:
        return Reply(201, existing)
    if twin is not None:
        return arm_error(409, "RoleAssignmentExists", "The role assignment already exists.")
    if existing is not None:
        return arm_error(
            400,
            "RoleAssignmentUpdateNotPermitted",
            "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
        )
    state.role_assignments[key] = wanted
    return Reply(201, wanted)


def same_grant(one: Json, other: Json) -> bool:
    fields = ("principalId", "roleDefinitionId", "scope")
    return all(
        one["properties"][f].lower().rstrip("/") == other["properties"][f].lower().rstrip("/")
        for f in fields
    )


def assignment_id(scope: str, name: str) -> str:
    return f"{scope.rstrip('/')}/providers/{ROLE_ASSIGNMENT_TYPE}/{name}"


def role_assignment(scope: str, name: str, properties: Json) -> Json:
    stamp = datetime.datetime.now(datetime.timezone.utc).isoformat()
    return {
        "id": assignment_id(scope, name),
        "name": name,
        "type": ROLE_ASSIGNMENT_TYPE,
        "properties": {
            "scope": scope,
            "roleDefinitionId": properties["roleDefinitionId"],
            "principalId": properties["principalId"],
            "principalType": properties.get("principalType") or "ServicePrincipal",
            "description": properties.get("description"),
            "createdOn": stamp,
            "updatedOn": stamp,
        },
    }


def parse_filter(text: str) -> tuple[str | None, bool] | None:
    """(principal id or None, at-scope-only) from a `$filter`, or None when unsupported."""
    principal_id, at_scope_only = None, False
    clauses = [c.strip() for c in re.split(r"\s+and\s+", text.strip(), flags=re.I)]
    for clause in filter(None, clauses):
        by_principal = re.fullmatch(
            r"(?:principalId\s+eq\s+|assignedTo\()'([^']*)'\)?", clause, re.I
        )
        if by_principal:
            principal_id = by_principal.group(1).lower()
        elif clause.lower() == "atscope()":
            at_scope_only = True
        else:
            return None
    return principal_id, at_scope_only


def scope_related(assignment_scope: str, scope: str, at_scope_only: bool) -> bool:
    """ARM lists assignments at or above a scope, and below it too unless `atScope()`."""
    assigned, asked = assignment_scope.lower().rstrip("/"), scope.lower().rstrip("/")
    at_or_above = asked == assigned or asked.startswith(assigned + "/")
    return at_or_above or (not at_scope_only and assigned.startswith(asked + "/"))


def not_found() -> Reply:
    return arm_error(404, "RoleAssignmentNotFound", "The role assignment was not found.")
