"""Findings the rewrite adds to the plan's: what it could not do, or did in a special way."""

from __future__ import annotations

from migrate.model import findings
from migrate.model.inventory import Finding, Origin


def make(code: str, file: str, line: int, message: str, hint: str, subject: str = "") -> Finding:
    return findings.make(code, Origin(file, line), message, hint, subject)
