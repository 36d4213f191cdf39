"""Which OIDC issuer the federated credentials name: one policy for every path.

The issuer is used exactly as published (AKS issuers end with "/"; a missing slash is the
classic AADSTS70021). When both the settings and a discovery (the cluster, AKS) give one, they
must be the same string; a discovered issuer fills in a missing one.
"""

from __future__ import annotations

from migrate.errors import UserError


def resolve_issuer(planned: str, discovered: str, where: str) -> str:
    """The issuer to plan with: `planned` unless `discovered` says otherwise (then an error)."""
    if not discovered:
        return planned
    if planned and planned != discovered:
        slash = (
            " (they differ only by the trailing '/': tokens would fail with AADSTS70021)"
            if planned.rstrip("/") == discovered.rstrip("/")
            else ""
        )
        raise UserError(
            f"the plan's issuer {planned!r} is not {where}'s {discovered!r}{slash}",
            f"plan again with --issuer {discovered}",
        )
    return discovered
