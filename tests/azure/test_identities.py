"""Service-principal AzureIdentities: a new identity, its credentials, the role assignments
copied from the service principal (or the az commands that do it), through prepare_azure."""

from __future__ import annotations

from migrate.azure.binding import bind_identities
from migrate.azure.context import AzureContext
from migrate.azure.prepare import prepare_azure
from migrate.model.inventory import WI_CLIENT_ID, ObjectRef
from migrate.model.plan import CreateServiceAccount, ManagedIdentity
from tests.azure.builders import SUBSCRIPTION, fic, new_identity, plan_of
from tests.fakes.azure import FakeAzure

SP_CLIENT = "33333333-0000-4000-8000-000000000003"
SP_OBJECT = "44444444-0000-4000-8000-000000000004"
READER = f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7"
VAULT = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-app/providers/Microsoft.KeyVault/vaults/kv"
)


def sp_plan(resource_group: str = "rg-new"):  # type: ignore[no-untyped-def]
    action = new_identity("legacy-sp", resource_group, SP_CLIENT)
    return plan_of(action, fic(action.identity, "prod-legacy-legacy", "legacy", "legacy"))


def grant_sp(fake: FakeAzure) -> None:
    fake.add_role_assignment(
        f"/subscriptions/{SUBSCRIPTION}", role_definition_id=READER, principal_id=SP_OBJECT
    )
    fake.add_role_assignment(VAULT, role_definition_id=READER, principal_id=SP_OBJECT)


def by_kind(results: tuple) -> dict[str, list[str]]:  # type: ignore[type-arg]
    out: dict[str, list[str]] = {}
    for r in results:
        out.setdefault(r.kind, []).append(r.status)
    return out


def test_new_identity_gets_its_credentials_and_the_roles_of_the_service_principal(
    fake: FakeAzure, context: AzureContext
) -> None:
    grant_sp(fake)
    ids = {SP_CLIENT: SP_OBJECT}

    dry = prepare_azure(sp_plan(), context, write=False, location="westeurope", sp_object_ids=ids)
    assert fake.counters()["arm_writes"] == 0
    assert by_kind(dry.results) == {
        "managed-identity": ["pending"],
        "federated-credential": ["pending"],
        "role-assignment": ["pending", "pending"],
    }

    done = prepare_azure(sp_plan(), context, write=True, location="westeurope", sp_object_ids=ids)
    writes = fake.counters()["arm_writes"]
    again = prepare_azure(sp_plan(), context, write=True, location="westeurope", sp_object_ids=ids)

    assert by_kind(done.results) == {
        "managed-identity": ["changed"],
        "federated-credential": ["changed"],
        "role-assignment": ["changed", "changed"],
    }
    (created,) = [i for i in fake.identities() if i["name"] == "legacy-sp"]
    assert created["tags"] == {"wi-migrate-replaces": "AzureIdentity/legacy/legacy-sp"}
    assert [c["name"] for c in fake.credentials(created["id"])] == ["prod-legacy-legacy"]
    principal = created["properties"]["principalId"]
    copied = fake.role_assignments(principal)
    assert sorted(a["properties"]["scope"] for a in copied) == sorted(
        [f"/subscriptions/{SUBSCRIPTION}", VAULT]
    )
    assert {a["properties"]["principalType"] for a in copied} == {"ServicePrincipal"}
    # the plan handed back carries the new identity: the ServiceAccount can be annotated
    (bound,) = [a for a in done.plan.actions if hasattr(a, "credential")]
    assert bound.identity.client_id == created["properties"]["clientId"]

    assert writes == 4 and fake.counters()["arm_writes"] == 4  # the re-run wrote nothing
    assert by_kind(again.results) == {
        "managed-identity": ["unchanged"],
        "federated-credential": ["unchanged"],
        "role-assignment": ["unchanged", "unchanged"],
    }


def test_without_the_object_id_the_az_commands_are_rendered(
    fake: FakeAzure, context: AzureContext
) -> None:
    done = prepare_azure(sp_plan(), context, write=True, location="westeurope")
    (roles,) = [r for r in done.results if r.kind == "role-assignment"]
    assert roles.status == "skipped" and f"--sp-object-id {SP_CLIENT}=OBJECT_ID" in roles.detail
    (command,) = roles.commands
    principal = next(i for i in fake.identities() if i["name"] == "legacy-sp")["properties"][
        "principalId"
    ]
    assert f"az role assignment list --assignee {SP_CLIENT} --all" in command
    assert f"az role assignment create --assignee-object-id {principal}" in command
    assert "secret" not in " ".join(r.detail for r in done.results).lower()


def test_not_allowed_to_read_role_assignments_renders_the_commands(
    fake: FakeAzure, context: AzureContext
) -> None:
    grant_sp(fake)
    fake.inject("GET", "/roleAssignments$", status=403, code="AuthorizationFailed", times=None)
    done = prepare_azure(
        sp_plan(), context, write=False, location="x", sp_object_ids={SP_CLIENT: SP_OBJECT}
    )
    (roles,) = [r for r in done.results if r.kind == "role-assignment"]
    assert roles.status == "skipped" and "not allowed to read" in roles.detail
    # the identity is not created in a dry run: the command looks its principal id up
    assert (
        "$(az identity show -g rg-new -n legacy-sp --query principalId -o tsv)"
        in (roles.commands[0])
    )


def test_a_new_identity_needs_a_resource_group_and_a_location(
    fake: FakeAzure, context: AzureContext
) -> None:
    no_group = prepare_azure(sp_plan(resource_group=""), context, write=True, location="x")
    no_location = prepare_azure(sp_plan(), context, write=True)

    assert no_group.results[0].status == "failed"
    assert "--identity-resource-group" in no_group.results[0].detail
    assert (
        no_location.results[0].status == "failed" and "--location" in no_location.results[0].detail
    )
    assert [r.status for r in no_location.results if r.kind == "federated-credential"] == [
        "skipped"
    ]
    assert fake.counters()["arm_writes"] == 0


def test_bind_identities_fills_client_ids_the_plan_left_empty() -> None:
    planned = new_identity("legacy-sp", "rg-new", SP_CLIENT).identity
    account = CreateServiceAccount(
        "prepare",
        ObjectRef("ServiceAccount", "legacy", "legacy", "v1"),
        planned,
        ((WI_CLIENT_ID, ""), ("azure.workload.identity/tenant-id", "t")),
        (),
        None,
        "",
        (),
    )
    real = ManagedIdentity("legacy-sp", "RG-NEW", SUBSCRIPTION, "/subscriptions/x", "cid", "t")

    (bound,) = bind_identities(plan_of(account), [real]).actions

    assert isinstance(bound, CreateServiceAccount) and bound.identity == real
    assert dict(bound.annotations)[WI_CLIENT_ID] == "cid"
