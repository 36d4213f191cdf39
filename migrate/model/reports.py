"""Machine output (-o json) of the commands that report: one envelope, like the plan's.

Every document carries `apiVersion: wi-migrate/v1` and a `kind` (RenderResult, ApplyResult,
RollbackResult, MigrationStatus, CredentialsResult, VerifyResult), so a script can tell what it
reads and refuse what it does not know.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from migrate.model.plan import API_VERSION


def dumps(kind: str, **body: Any) -> str:
    return json.dumps({"apiVersion": API_VERSION, "kind": kind, **plain(body)}, indent=2) + "\n"


def plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value
