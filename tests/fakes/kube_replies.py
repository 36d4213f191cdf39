"""Errors and replies in the API server's Status shape."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from tests.fakes.kube_resources import (
    Object,
    Resource,
)

# --- errors and replies ----------------------------------------------------------------------


class Reply(NamedTuple):
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def _json_reply(status: int, body: Any, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    return Reply(status, json.dumps(body, separators=(",", ":")).encode(), headers)


class ApiError(Exception):
    """An error the server answers with a `Status` body."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        details: Object | None = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message
        self.details, self.headers = details, headers

    def reply(self) -> Reply:
        status: Object = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            status["details"] = self.details
        return _json_reply(self.code, status, self.headers)


def _details(resource: Resource, name: str, kind: str | None = None) -> Object:
    details: Object = {"name": name, "kind": kind or resource.plural}
    if resource.group:
        details["group"] = resource.group
    return details


def _bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def _not_found(resource: Resource, name: str) -> ApiError:
    message = f'{resource.qualified} "{name}" not found'
    return ApiError(404, "NotFound", message, _details(resource, name))


def _path_not_found() -> ApiError:
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def _conflict(resource: Resource, name: str) -> ApiError:
    message = (
        f'Operation cannot be fulfilled on {resource.qualified} "{name}": the object has been '
        "modified; please apply your changes to the latest version and try again"
    )
    return ApiError(409, "Conflict", message, _details(resource, name))


def _invalid(resource: Resource, name: str, path: str, problem: str) -> ApiError:
    kind = f"{resource.kind}.{resource.group}" if resource.group else resource.kind
    cause = {"reason": "FieldValueInvalid", "message": problem, "field": path}
    details = {**_details(resource, name, resource.kind), "causes": [cause]}
    return ApiError(422, "Invalid", f'{kind} "{name}" is invalid: {path}: {problem}', details)


_FAULT_REASONS = {
    401: "Unauthorized",
    403: "Forbidden",
    409: "Conflict",
    410: "Expired",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}
