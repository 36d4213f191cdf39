"""AzureIdentity → the user-assigned managed identity that carries its credentials."""

from __future__ import annotations

from migrate.model import findings, names
from migrate.model.inventory import (
    AzureIdentity,
    AzureIdentityBinding,
    Inventory,
    Workload,
)
from migrate.model.plan import CreateManagedIdentity, ManagedIdentity, Settings
from migrate.model.stages import PREPARE
from migrate.planner.planned import NOTHING, Planned, found


class Identities:
    """Resolves each AzureIdentity once; reports each problem once."""

    def __init__(self, inventory: Inventory, settings: Settings) -> None:
        self._by_key = {(i.namespace, i.name): i for i in inventory.identities}
        self._settings = settings
        self._resolved: dict[tuple[str, str], ManagedIdentity | None] = {}
        self._missing: set[tuple[str, str]] = set()

    def lookup(self, namespace: str, name: str) -> AzureIdentity | None:
        return self._by_key.get((namespace, name))

    def report_missing(self, binding: AzureIdentityBinding, user: Workload) -> Planned:
        if (binding.namespace, binding.name) in self._missing:
            return NOTHING
        self._missing.add((binding.namespace, binding.name))
        return found(
            findings.make(
                "missing-identity",
                binding.origins[0],
                f"AzureIdentityBinding {binding.namespace}/{binding.name} names AzureIdentity "
                f"{binding.identity!r}, which does not exist in namespace {binding.namespace} "
                "(a binding's identity is looked up in the binding's own namespace); "
                f"{user.ref} ({user.origins[0]}) uses it and is not migrated",
                "add the AzureIdentity's manifest to the planned paths, fix spec.azureIdentity, "
                "or delete the binding",
                str(binding.ref),
            )
        )

    def resolve(self, identity: AzureIdentity) -> tuple[ManagedIdentity | None, Planned]:
        """The managed identity for `identity`, and what resolving it plans (the first time)."""
        key = (identity.namespace, identity.name)
        if key in self._resolved:
            return self._resolved[key], NOTHING
        invalid = self._invalid_ids(identity)
        if invalid is not None:
            managed, planned = None, invalid
        elif identity.type == 0:
            managed, planned = self._existing(identity)
        else:
            managed, planned = self._new(identity)
        self._resolved[key] = managed
        return managed, planned

    def _invalid_ids(self, identity: AzureIdentity) -> Planned | None:
        """clientID and tenantID end up in ServiceAccount annotations and Azure calls."""
        for field, value in (("clientID", identity.client_id), ("tenantID", identity.tenant_id)):
            if value and not names.is_guid(value):
                return found(
                    findings.make(
                        "invalid-guid",
                        identity.origins[0],
                        f"AzureIdentity {identity.namespace}/{identity.name}: spec.{field} "
                        f"{value[:80]!r} is not a GUID; nothing is planned for this identity",
                        f"set spec.{field} to the identity's {field[:-2].lower()} id "
                        "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
                        str(identity.ref),
                    )
                )
        return None

    def _existing(self, identity: AzureIdentity) -> tuple[ManagedIdentity | None, Planned]:
        parts = names.parse_identity_id(identity.resource_id)
        subject = str(identity.ref)
        if parts is None:
            return None, found(
                findings.make(
                    "invalid-resource-id",
                    identity.origins[0],
                    f"AzureIdentity {identity.namespace}/{identity.name}: resourceID "
                    f"{identity.resource_id!r} is not a user-assigned identity's resource id",
                    "set spec.resourceID to /subscriptions/<id>/resourceGroups/<rg>/providers/"
                    "Microsoft.ManagedIdentity/userAssignedIdentities/<name>",
                    subject,
                )
            )
        if not identity.client_id:
            return None, found(
                findings.make(
                    "missing-client-id",
                    identity.origins[0],
                    f"AzureIdentity {identity.namespace}/{identity.name} has no clientID "
                    "(looked in every definition and patch found)",
                    "plan the overlay that sets spec.clientID together with its base, "
                    "or add spec.clientID",
                    subject,
                )
            )
        return ManagedIdentity(
            name=parts["name"],
            resource_group=parts["resource_group"],
            subscription=parts["subscription"],
            resource_id=identity.resource_id.strip().rstrip("/"),
            client_id=identity.client_id,
            tenant_id=identity.tenant_id,
        ), NOTHING

    def _new(self, identity: AzureIdentity) -> tuple[ManagedIdentity, Planned]:
        """Service principals (types 1, 2) have no managed identity: plan one for review."""
        managed = ManagedIdentity(
            name=names.identity_name(identity.name),
            resource_group=self._settings.identity_resource_group,
            subscription="",
            resource_id="",
            client_id="",
            tenant_id=identity.tenant_id,
        )
        create = CreateManagedIdentity(
            PREPARE, managed, identity.ref, identity.client_id, identity.origins
        )
        kind = _credential(identity)
        where = "" if managed.resource_group else " (pass --identity-resource-group RG)"
        review = findings.make(
            "service-principal-identity",
            identity.origins[0],
            f"AzureIdentity {identity.namespace}/{identity.name} is a service principal with "
            f"a {kind} (type {identity.type}) {_secret(identity)}: workload identity needs a "
            f"user-assigned identity, so {managed.name} is planned{where}; the {kind} is not "
            "copied",
            f"review the role assignments of service principal {identity.client_id} that the "
            "new identity must get (prepare copies them where allowed); delete the "
            f"{kind} and its Secret after the migration",
            str(identity.ref),
        )
        return managed, Planned((create,), (review,))

    def replacements(self) -> dict[tuple[str, str], ManagedIdentity | None]:
        """The managed identity planned for each AzureIdentity (namespace, name) a planned
        workload uses; None where it could not be resolved (its findings say why)."""
        return dict(self._resolved)

    def unused_service_principals(self) -> Planned:
        """Service principals no planned workload uses: nothing replaces them, and their
        Secret still holds a credential someone must revoke."""
        return found(
            *(
                findings.make(
                    "service-principal-identity",
                    i.origins[0],
                    f"AzureIdentity {i.namespace}/{i.name} is a service principal with a "
                    f"{_credential(i)} (type {i.type}) {_secret(i)}, and no workload in the "
                    "planned files uses it: no identity replaces it",
                    "if pods elsewhere use it (another repo, the cluster), plan them too; "
                    f"otherwise revoke the {_credential(i)} of service principal "
                    f"{i.client_id or '(no clientID)'} and delete its Secret after retire",
                    str(i.ref),
                )
                for key, i in sorted(self._by_key.items())
                if i.type in (1, 2) and key not in self._resolved
            )
        )


def _credential(identity: AzureIdentity) -> str:
    return "secret" if identity.type == 1 else "certificate"


def _secret(identity: AzureIdentity) -> str:
    """The Secret spec.clientPassword names (never its content)."""
    if not identity.secret_ref:
        return "whose Secret spec.clientPassword does not name"
    return f"held in Secret {identity.secret_ref}"
