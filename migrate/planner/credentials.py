"""Federated identity credentials to create: one per (identity, issuer, namespace, account)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from migrate.model import findings, names
from migrate.model.inventory import FIC_LIMIT, Finding, Inventory, ObjectRef, Origin
from migrate.model.plan import (
    CreateFederatedCredential,
    FederatedCredential,
    ManagedIdentity,
    Settings,
)
from migrate.model.stages import PREPARE

DEFAULT_CLUSTER = "cluster"
AKS_ISSUER_HOST = "oic.prod-aks.azure.com"


@dataclass(frozen=True)
class _Wanted:
    identity: ManagedIdentity
    account: ObjectRef
    caused_by: tuple[Origin, ...]
    selector: str


class Credentials:
    def __init__(self, inventory: Inventory, settings: Settings) -> None:
        self._settings = settings
        self._existing: dict[str, list[tuple[str, str, str]]] = {}
        for c in inventory.credentials:
            self._existing.setdefault(c.identity_resource_id.lower(), []).append(
                (c.name, c.issuer, c.subject)
            )
        self._wanted: dict[tuple[str, str, str], _Wanted] = {}

    def want(
        self,
        identity: ManagedIdentity,
        namespace: str,
        account: str,
        caused_by: tuple[Origin, ...],
        selector: str,
    ) -> None:
        key = (identity.key, namespace, account)
        if key not in self._wanted:
            ref = ObjectRef("ServiceAccount", account, namespace, "v1")
            self._wanted[key] = _Wanted(identity, ref, caused_by, selector)

    def finish(self) -> tuple[list[CreateFederatedCredential], list[Finding]]:
        """The credentials to create, and what the user should know about them."""
        planned = []
        notes: list[Finding] = []
        used_names: dict[str, set[str]] = {}
        for key, wanted in self._wanted.items():
            existing = self._existing.get(key[0], [])
            sub = names.subject(wanted.account.namespace, wanted.account.name)
            match = [n for n, issuer, s in existing if issuer == self._settings.issuer and s == sub]
            if match:
                notes.append(_exists(wanted, match[0], sub))
                continue
            taken = used_names.setdefault(key[0], {n for n, _, _ in existing})
            name = self._name(wanted, taken, sub)
            taken.add(name)
            planned.append(
                CreateFederatedCredential(
                    PREPARE,
                    wanted.identity,
                    FederatedCredential(name, self._settings.issuer, sub),
                    wanted.account,
                    wanted.caused_by,
                )
            )
        notes += self._limit_findings(planned)
        if self._wanted:
            first = next(iter(self._wanted.values())).caused_by
            notes += self._issuer_findings(first[0] if first else Origin())
        if planned and not self._settings.cluster_name:
            notes.append(
                findings.make(
                    "cluster-name-default",
                    Origin(),
                    f"federated credential names start with {DEFAULT_CLUSTER!r}: several clusters "
                    "sharing an identity would need distinct names",
                    "pass --cluster-name NAME (e.g. the AKS cluster's name)",
                )
            )
        return planned, notes

    def _name(self, wanted: _Wanted, taken: set[str], sub: str) -> str:
        values = {
            "cluster": self._settings.cluster_name or DEFAULT_CLUSTER,
            "namespace": wanted.account.namespace,
            "service_account": wanted.account.name,
            "selector": wanted.selector,
            "identity": wanted.identity.name,
        }
        name = names.credential_name(names.fill(self._settings.fic_name, values))
        if name in taken:
            name = names.credential_name(f"{name[:100]}-{names.short_hash(sub)}")
        return name

    def _limit_findings(self, planned: list[CreateFederatedCredential]) -> list[Finding]:
        per_identity: dict[str, list[CreateFederatedCredential]] = {}
        for action in planned:
            per_identity.setdefault(action.identity.key, []).append(action)
        out = []
        for key, actions in per_identity.items():
            existing = len(self._existing.get(key, []))
            if existing + len(actions) <= FIC_LIMIT:
                continue
            identity = actions[0].identity
            first_over = actions[min(len(actions) - 1, max(0, FIC_LIMIT - existing))]
            out.append(
                findings.make(
                    "too-many-credentials",
                    first_over.caused_by[0] if first_over.caused_by else Origin(),
                    f"identity {identity.name} would have {existing + len(actions)} federated "
                    f"credentials ({existing} existing, {len(actions)} planned); Azure allows "
                    f"{FIC_LIMIT} per identity",
                    "give some namespaces their own identity (a new UAMI with the same role "
                    "assignments) or let workloads share fewer ServiceAccounts; the plan cannot "
                    "be applied as it is",
                    str(identity),
                )
            )
        return out

    def _issuer_findings(self, origin: Origin) -> list[Finding]:
        issuer = self._settings.issuer
        if not issuer:
            return [
                findings.make(
                    "issuer-unknown",
                    origin,
                    "no OIDC issuer given: federated credentials show the issuer as (unknown)",
                    "pass --issuer URL; for AKS: az aks show -g RG -n NAME --query "
                    "oidcIssuerProfile.issuerUrl -o tsv (use it exactly, trailing slash included)",
                )
            ]
        parsed = urlparse(issuer)
        problem = ""
        if parsed.scheme != "https" or not parsed.netloc:
            problem = "is not an https URL"
        elif parsed.netloc.endswith(AKS_ISSUER_HOST) and not issuer.endswith("/"):
            problem = (
                "is an AKS issuer without its trailing '/': tokens would fail with AADSTS70021"
            )
        if not problem:
            return []
        return [
            findings.make(
                "issuer-format",
                origin,
                f"issuer {issuer!r} {problem}",
                "copy the issuer exactly as the cluster publishes it "
                "(az aks show ... --query oidcIssuerProfile.issuerUrl)",
            )
        ]


def _exists(wanted: _Wanted, name: str, sub: str) -> Finding:
    return findings.make(
        "credential-exists",
        wanted.caused_by[0] if wanted.caused_by else Origin(),
        f"identity {wanted.identity.name} already has federated credential {name} for {sub}",
        "nothing to do",
        str(wanted.identity),
    )
