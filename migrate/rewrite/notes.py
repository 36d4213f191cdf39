"""Findings the rewrite adds to the plan's: what it could not do, or did in a special way."""

from __future__ import annotations

from migrate.model import Finding, Origin

CATALOGUE: dict[str, str] = {
    "placeholder-client-id": "warning",  # a new identity's client id is not known yet
    "redumped-document": "info",  # the logged fallback: a document was re-dumped
    "not-rewritten": "warning",  # a change the tool cannot make safely (alias, odd layout)
    "empty-kustomization": "info",  # a kustomization.yaml lists nothing any more
}


def make(code: str, file: str, line: int, message: str, hint: str, subject: str = "") -> Finding:
    return Finding(code, CATALOGUE[code], Origin(file, line), message, hint, subject)
