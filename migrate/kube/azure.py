"""The Azure side of a live stage, through migrate.azure (federated credentials).

wi-migrate's core never imports an Azure SDK: this adapter turns the prepare stage's
Azure actions into calls of migrate.azure and its per-item results into step results.
"""

from __future__ import annotations

from migrate.kube.apply import Credentials


def credentials() -> Credentials | None:
    """The adapter over migrate.azure, or None when that package is not available."""
    try:
        import migrate.azure  # noqa: F401
    except ImportError:
        return None
    return None  # adapted when migrate.azure's API is committed (see docs/live-migration.md)
