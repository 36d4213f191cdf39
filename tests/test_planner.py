"""plan() on hand-built inventories: the rules the file-based goldens cannot reach."""

from __future__ import annotations

import dataclasses

from migrate.model.inventory import (
    AzureIdentity,
    AzureIdentityBinding,
    ExistingCredential,
    Inventory,
    Origin,
    Workload,
)
from migrate.model.plan import CreateFederatedCredential, Settings
from migrate.planner.mapping import plan

ISSUER = "https://issuer.example/"
SUB = "6f1d2c3b-4a59-4e8f-9a01-2b3c4d5e6f70"
RID = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-shared"
ORIGINS = (Origin("f.yaml", 1),)


def inventory(namespaces: int = 1, existing: tuple[ExistingCredential, ...] = ()) -> Inventory:
    identity = AzureIdentity(
        "shared", "ids", 0, RID, "3f1c9a2e-5b7d-4e8f-9a01-2b3c4d5e6f70", "", "", False, ORIGINS
    )
    binding = AzureIdentityBinding("b", "ids", "shared", "sel", ORIGINS)
    workloads = tuple(
        Workload(
            "Deployment",
            "apps/v1",
            "app",
            f"ns{i:02d}",
            ("spec", "template"),
            (("aadpodidbinding", "sel"),),
            (),
            "",
            (),
            False,
            "",
            ORIGINS,
        )
        for i in range(namespaces)
    )
    return Inventory(
        identities=(identity,), bindings=(binding,), workloads=workloads, credentials=existing
    )


def credentials(p) -> list[CreateFederatedCredential]:  # type: ignore[no-untyped-def]
    return [a for a in p.actions if isinstance(a, CreateFederatedCredential)]


def test_existing_credentials_are_matched_on_issuer_and_subject() -> None:
    existing = (
        # same subject, other issuer: does not count as done
        ExistingCredential(RID.lower(), "old", "https://other/", "system:serviceaccount:ns00:sel"),
        # same issuer and subject under any name: done
        ExistingCredential(RID, "whatever-name", ISSUER, "system:serviceaccount:ns01:sel"),
    )
    p = plan(inventory(3, existing), Settings(issuer=ISSUER))
    subjects = [a.credential.subject for a in credentials(p)]
    assert subjects == ["system:serviceaccount:ns00:sel", "system:serviceaccount:ns02:sel"]
    assert [f.code for f in p.findings if f.code == "credential-exists"] == ["credential-exists"]


def test_a_name_taken_by_another_subject_gets_a_hash() -> None:
    existing = (ExistingCredential(RID, "cluster-ns00-sel", ISSUER, "system:serviceaccount:x:y"),)
    (action,) = credentials(plan(inventory(1, existing), Settings(issuer=ISSUER)))
    assert action.credential.name.startswith("cluster-ns00-sel-")
    assert action.credential.name != "cluster-ns00-sel"


def test_limit_counts_existing_credentials() -> None:
    existing = tuple(
        ExistingCredential(RID, f"c{i}", ISSUER, f"system:serviceaccount:other{i}:sa")
        for i in range(19)
    )
    assert not plan(inventory(1, existing), Settings(issuer=ISSUER)).errors
    (error,) = plan(inventory(2, existing), Settings(issuer=ISSUER)).errors
    assert error.code == "too-many-credentials"
    assert "21 federated credentials (19 existing, 2 planned)" in error.message


def test_plan_is_deterministic_and_pure() -> None:
    inv = inventory(5)
    settings = Settings(issuer=ISSUER, cluster_name="c")
    assert plan(inv, settings) == plan(inv, settings)
    # the inventory is frozen: planning cannot have changed it
    assert inv == inventory(5)
    assert dataclasses.replace(settings) == settings


def test_switch_is_not_planned_twice() -> None:
    inv = inventory(1)
    switched = dataclasses.replace(
        inv.workloads[0],
        service_account="sel",
        labels=(("aadpodidbinding", "sel"), ("azure.workload.identity/use", "true")),
    )
    p = plan(dataclasses.replace(inv, workloads=(switched,)), Settings(issuer=ISSUER))
    assert [a.stage for a in p.actions if a.stage == "switch"] == []
    assert any(a.stage == "retire" for a in p.actions)


def test_sidecar_annotations_already_there_are_not_planned_again() -> None:
    inv = inventory(1)
    done = dataclasses.replace(
        inv.workloads[0],
        service_account="sel",
        labels=(("aadpodidbinding", "sel"), ("azure.workload.identity/use", "true")),
        annotations=(
            ("azure.workload.identity/inject-proxy-sidecar", "true"),
            ("azure.workload.identity/proxy-sidecar-port", "8000"),
        ),
    )
    settings = Settings(issuer=ISSUER, proxy_sidecar=True)
    assert [a for a in plan(inv, settings).actions if a.stage == "switch"]
    replanned = plan(dataclasses.replace(inv, workloads=(done,)), settings)
    assert [a for a in replanned.actions if a.stage == "switch"] == []
