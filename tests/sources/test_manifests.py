"""Reading manifests: what is read, from where, and that nothing is silently skipped."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

from migrate.errors import UserError
from migrate.jobs.plan import plan_manifests
from migrate.model.plan import Settings
from migrate.read import manifests
from tests.conftest import SAMPLE

MENTIONS = re.compile(rb"aadpodidbinding|aadpodidentity|AzureIdentity")


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_every_file_that_mentions_pod_identity_is_accounted_for() -> None:
    plan = plan_manifests([str(SAMPLE)], Settings(issuer="https://i.example/"))
    used = {o.file for a in plan.actions for o in a.caused_by}
    used |= {f.origin.file for f in plan.findings}
    mentioning = {
        str(p)
        for p in SAMPLE.rglob("*")
        if p.suffix in (".yaml", ".yml") and MENTIONS.search(p.read_bytes())
    }
    assert mentioning, "the sample must mention pod identity"
    assert sorted(mentioning - used) == []


def test_sample_inventory_reads_every_kind() -> None:
    inv = manifests.read([str(SAMPLE)])
    kinds = {w.kind for w in inv.workloads if w.selector}
    assert {
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "CronJob",
        "Pod",
        "ReplicaSet",
    } <= kinds
    assert len(inv.identities) >= 5 and inv.exceptions and inv.secret_provider_classes
    assert {c.component for c in inv.components} >= {"nmi", "mic", "crd", "rbac", "exception"}
    sp = next(i for i in inv.identities if i.type == 1)
    assert sp.secret_ref == "legacy/legacy-sp-secret"


def test_overlay_patch_completes_its_base() -> None:
    inv = manifests.read([str(SAMPLE)])
    payments = next(i for i in inv.identities if i.name == "payments-api")
    assert payments.namespace == "payments"  # from kustomization.yaml
    assert payments.client_id and payments.resource_id
    assert [o.file.split("sample-gitops/")[1] for o in payments.origins] == [
        "apps/payments/base/azureidentity.yaml",
        "apps/payments/overlays/prod/identity-patch.yaml",
    ]


def test_conflicting_overlays_are_reported(tmp_path: Path) -> None:
    identity = (
        "apiVersion: aadpodidentity.k8s.io/v1\nkind: AzureIdentity\nmetadata:\n  name: a\n"
        "  namespace: n\nspec:\n  clientID: {}\n"
    )
    write(
        tmp_path,
        {"dev/id.yaml": identity.format("dev-id"), "prod/id.yaml": identity.format("prod-id")},
    )
    inv = manifests.read([str(tmp_path)])
    assert inv.identities[0].client_id == "prod-id"
    (finding,) = [f for f in inv.findings if f.code == "conflicting-definitions"]
    assert "dev/id.yaml" in finding.message and "prod/id.yaml" in finding.message
    assert "client_id" in finding.message


def test_namespace_comes_from_kustomization_then_option_then_default(tmp_path: Path) -> None:
    binding = (
        "apiVersion: aadpodidentity.k8s.io/v1\nkind: AzureIdentityBinding\nmetadata:\n"
        "  name: {}\nspec:\n  azureIdentity: x\n  selector: x\n"
    )
    write(
        tmp_path,
        {
            "k/kustomization.yaml": "namespace: from-kustomize\n",
            "k/deep/er/b.yaml": binding.format("kustomized"),
            "plain/b.yaml": binding.format("plain"),
        },
    )
    by_name = {b.name: b.namespace for b in manifests.read([str(tmp_path)]).bindings}
    assert by_name == {"kustomized": "from-kustomize", "plain": "default"}
    inv = manifests.read([str(tmp_path)], default_namespace="given")
    assert {b.name: b.namespace for b in inv.bindings}["plain"] == "given"
    defaults = [
        f for f in manifests.read([str(tmp_path)]).findings if f.code == "default-namespace"
    ]
    assert len(defaults) == 1 and "plain/b.yaml:1" in str(defaults[0].origin)


def test_files_without_relevant_content_are_not_parsed(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "broken-but-irrelevant.yaml": "key: [unclosed\n",
            "configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
        },
    )
    inv = manifests.read([str(tmp_path)])
    assert inv.findings == () and inv.fingerprints == ()


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (SAMPLE / "apps" / "web" / "identity.yaml").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))
    inv = manifests.read(["-"])
    assert [i.name for i in inv.identities] == ["web-frontend"]
    assert inv.identities[0].origins[0].file == "-"


def test_missing_path_is_a_user_error() -> None:
    with pytest.raises(UserError, match="no/such/dir: no such file or directory"):
        manifests.read(["no/such/dir"])


def test_list_items_keep_their_own_lines(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "list.yaml": "kind: List\napiVersion: v1\nitems:\n"
            "- kind: AzureIdentityBinding\n  apiVersion: aadpodidentity.k8s.io/v1\n"
            "  metadata: {name: one, namespace: n}\n  spec: {azureIdentity: a, selector: s}\n"
            "- kind: AzureIdentityBinding\n  apiVersion: aadpodidentity.k8s.io/v1\n"
            "  metadata: {name: two, namespace: n}\n  spec: {azureIdentity: a, selector: s}\n"
        },
    )
    lines = {b.name: b.origins[0].line for b in manifests.read([str(tmp_path)]).bindings}
    assert lines == {"one": 4, "two": 8}


def test_invalid_identity_type_is_an_error(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "id.yaml": "apiVersion: aadpodidentity.k8s.io/v1\nkind: AzureIdentity\n"
            "metadata: {name: a, namespace: n}\nspec: {type: seven}\n"
        },
    )
    (finding,) = manifests.read([str(tmp_path)]).findings
    assert finding.code == "invalid-identity" and finding.severity == "error"
    assert "'seven'" in finding.message and finding.origin.line == 1


def test_helm_managed_workloads_are_marked(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "d.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  namespace: n\n"
            "  labels: {app.kubernetes.io/managed-by: Helm}\n"
            "  annotations: {meta.helm.sh/release-name: r}\nspec:\n  template:\n"
            "    metadata: {labels: {aadpodidbinding: s}}\n    spec: {containers: []}\n"
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: t\n  namespace: n\n"
            "  labels: {app.kubernetes.io/managed-by: Helm}\nspec:\n  template:\n"
            "    metadata: {labels: {aadpodidbinding: s}}\n    spec: {containers: []}\n"
        },
    )
    owners = {w.name: w.managed_by for w in manifests.read([str(tmp_path)]).workloads}
    # `helm template` output carries managed-by: Helm too: not proof of a release
    assert owners == {"d": "helm", "t": ""}


def test_copies_of_an_install_component_merge_without_conflict() -> None:
    """Copies of one install component (other versions, other API versions) are one object
    with both origins, and no conflict (before: an AttributeError in the conflict text)."""
    from migrate.model.inventory import ObjectRef, Origin, PIComponent
    from migrate.read import merge

    a, b = Origin("east/crds.yaml", 1), Origin("west/crds.yaml", 1)
    crd = "azureidentities.aadpodidentity.k8s.io"
    old = PIComponent(
        ObjectRef("CustomResourceDefinition", crd, "", "apiextensions.k8s.io/v1beta1"),
        "crd",
        "raw",
        (a,),
    )
    new = PIComponent(
        ObjectRef("CustomResourceDefinition", crd, "", "apiextensions.k8s.io/v1"),
        "crd",
        "raw",
        (b,),
    )
    (merged,), problems = merge.records([old, new])
    assert merged.origins == (a, b) and problems == ()
