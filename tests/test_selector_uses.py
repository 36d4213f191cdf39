"""SelectorUse: a selector used where the tool cannot edit still gets its credential and
annotation, and retire keeps what serves it (planner/outside.py)."""

from __future__ import annotations

from migrate.model.inventory import (
    AzureIdentity,
    AzureIdentityBinding,
    Inventory,
    Origin,
    SelectorUse,
)
from migrate.model.plan import (
    AnnotateServiceAccount,
    CreateFederatedCredential,
    DeleteObject,
    Settings,
)
from migrate.planner.mapping import plan

ISSUER = "https://issuer.example/"
SUB = "6f1d2c3b-4a59-4e8f-9a01-2b3c4d5e6f70"
RID = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-web"
CLIENT = "3f1c9a2e-5b7d-4e8f-9a01-2b3c4d5e6f70"
HERE = (Origin("pi.yaml", 1),)
TF = (Origin("infra/web.tf", 12),)


def _inventory(*uses: SelectorUse) -> Inventory:
    return Inventory(
        identities=(
            AzureIdentity("web", "apps", 0, RID, CLIENT, "", "", False, HERE),
            AzureIdentity("other", "apps", 0, RID + "2", CLIENT, "", "", False, HERE),
        ),
        bindings=(
            AzureIdentityBinding("web-binding", "apps", "web", "web", HERE),
            AzureIdentityBinding("other-binding", "apps", "other", "other", HERE),
        ),
        selector_uses=uses,
    )


def _use(account: str = "web-sa", namespace: str = "apps") -> SelectorUse:
    return SelectorUse(
        "web",
        namespace,
        account,
        'helm_release "web" (set podLabels.aadpodidbinding)',
        "remove the set block",
        TF,
    )


def _deleted(p) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(str(a.target) for a in p.actions if isinstance(a, DeleteObject))


def test_a_selector_in_use_keeps_its_binding_and_identity_and_gets_its_credential() -> None:
    p = plan(_inventory(_use()), Settings(issuer=ISSUER))
    # the unused selector's objects go; the one in use stays
    assert _deleted(p) == [
        "AzureIdentity/apps/other",
        "AzureIdentityBinding/apps/other-binding",
    ]
    (fic,) = [a for a in p.actions if isinstance(a, CreateFederatedCredential)]
    assert fic.credential.subject == "system:serviceaccount:apps:web-sa"
    assert fic.caused_by == TF
    (annotate,) = [a for a in p.actions if isinstance(a, AnnotateServiceAccount)]
    assert str(annotate.target) == "ServiceAccount/apps/web-sa"
    assert dict(annotate.annotations)["azure.workload.identity/client-id"] == CLIENT
    codes = [f.code for f in p.findings]
    assert "selector-in-use" in codes
    assert not any(f.code == "unused-binding" and "web-binding" in f.subject for f in p.findings)


def test_without_the_use_everything_is_retired() -> None:
    p = plan(_inventory(), Settings(issuer=ISSUER))
    assert len(_deleted(p)) == 4
    assert not [a for a in p.actions if isinstance(a, CreateFederatedCredential)]


def test_an_unknown_account_plans_no_credential_but_keeps_the_binding() -> None:
    p = plan(_inventory(_use(account="")), Settings(issuer=ISSUER))
    assert not [a for a in p.actions if isinstance(a, CreateFederatedCredential)]
    assert "AzureIdentityBinding/apps/web-binding" not in _deleted(p)
    assert "selector-use-account-unknown" in [f.code for f in p.findings]


def test_one_document_two_builds_kept_for_one_is_kept_for_both() -> None:
    """base/identity.yaml built by overlays staging and production: the use keeps
    production's binding, so the document (one text) is not deleted for staging either."""
    written = (Origin("base/identity.yaml", 11, 1, "AzureIdentityBinding/apps/web-binding"),)
    inventory = Inventory(
        identities=(AzureIdentity("web", "prod", 0, RID, CLIENT, "", "", False, HERE),),
        bindings=(
            AzureIdentityBinding("web-binding", "prod", "web", "web", written),
            AzureIdentityBinding("web-binding", "staging", "web", "web-staging", written),
        ),
        selector_uses=(_use(namespace="prod"),),
    )
    assert not [
        a
        for a in plan(inventory, Settings(issuer=ISSUER)).actions
        if isinstance(a, DeleteObject) and a.target.kind == "AzureIdentityBinding"
    ]
