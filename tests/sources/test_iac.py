"""Pod Identity in Terraform, Bicep, ARM JSON and templated manifests (read/iac.py): every
mention is reported at its line with a hint for its kind; pod labels are selectors in use."""

from __future__ import annotations

import json
from pathlib import Path

from migrate.model.inventory import Origin
from migrate.read import blocks, iac, manifests
from tests.conftest import ROOT

CASES = ROOT / "tests" / "cases" / "plan"
ISSUER = [
    "--issuer",
    "https://westeurope.oic.prod-aks.azure.com/8c1d2e3f-0000-4000-8000-000000000abc/",
]


def _hints(path: Path) -> dict[tuple[str, int], str]:
    inventory = manifests.read([str(path)])
    out = {(u.origins[0].file, u.origins[0].line): u.hint for u in inventory.selector_uses}
    out.update({(f.origin.file, f.origin.line): f.hint for f in inventory.findings})
    return out


def test_a_set_block_names_the_block_and_the_set_blocks_to_write() -> None:
    hints = _hints(CASES / "terraform-helm-release" / "input" / "terraform")
    keda = hints[(str(CASES / "terraform-helm-release/input/terraform/keda.tf"), 9)]
    assert keda.startswith('in resource "helm_release" "keda": prepare: add set { name = ')
    # the account the release names (serviceAccount.operator.name) gets the annotation
    assert '"serviceAccount.operator.annotations.azure\\\\.workload\\\\.identity/client-id"' in keda
    assert 'set { name = "podLabels.keda.azure\\\\.workload\\\\.identity/use"' in keda
    assert "remove the set block podLabels.keda.aadpodidbinding (line 9)" in keda


def test_a_values_heredoc_names_the_keys_per_stage() -> None:
    path = CASES / "terraform-helm-release" / "input"
    hints = _hints(path)
    hint = hints[(str(path / "terraform" / "external-dns.tf"), 15)]
    assert hint == (
        'in resource "helm_release" "external_dns" values (the heredoc from line 9): prepare: '
        'serviceAccount.annotations: azure.workload.identity/client-id: "1a2b3c4d-0001-4000-'
        '8000-00000000e001"; switch: podLabels: azure.workload.identity/use: "true"; retire: '
        "remove podLabels.aadpodidbinding (line 15)"
    )


def test_the_account_and_namespace_come_from_the_release() -> None:
    inventory = manifests.read([str(CASES / "terraform-helm-release" / "input")])
    uses = {u.selector: (u.namespace, u.service_account) for u in inventory.selector_uses}
    assert uses == {
        "external-dns": ("external-dns", "external-dns"),
        "cert-manager": ("cert-manager", ""),  # no name set: the plan asks for it
        "keda": ("keda", "keda-operator"),
        "reloader": ("", ""),  # namespace = var.tools_namespace is not known
        "inventory": ("shop", "inventory"),
        # a values file the release reads: serviceAccount.server.name
        "velero": ("velero", "velero-server"),
    }


def test_every_marker_line_of_a_file_that_is_no_manifest_is_reported(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "kubernetes_manifest" "id" {\n'
        "  manifest = {\n"
        '    apiVersion = "aadpodidentity.k8s.io/v1"\n'
        '    kind       = "AzureIdentity"\n'
        "  }\n"
        "}\n"
    )
    (tmp_path / "aks.bicep").write_text(
        "resource aks 'Microsoft.ContainerService/managedClusters@2023-05-01' = {\n"
        "  name: clusterName\n"
        "  properties: {\n"
        "    podIdentityProfile: {\n"
        "      enabled: false\n"
        "    }\n"
        "  }\n"
        "}\n"
    )
    (tmp_path / "notes.txt").write_text("aadpodidbinding: web\n")  # not a kind the tool reads
    found = {
        (Path(f.origin.file).name, f.origin.line): f.message
        for f in manifests.read([str(tmp_path)]).findings
    }
    assert found == {
        ("main.tf", 3): 'Terraform resource "kubernetes_manifest" "id" > manifest > apiVersion '
        'mentions Pod Identity: apiVersion = "aadpodidentity.k8s.io/v1"',
        ("main.tf", 4): 'Terraform resource "kubernetes_manifest" "id" > manifest > kind mentions '
        'Pod Identity: kind       = "AzureIdentity"',
        (
            "aks.bicep",
            4,
        ): "Bicep resource aks 'Microsoft.ContainerService/managedClusters@2023-05-01'"
        " > properties.podIdentityProfile mentions Pod Identity: podIdentityProfile: {",
    }


def test_a_disabled_profile_is_no_add_on_and_an_enabled_one_is() -> None:
    text = "resource a 'x' = {\n  podIdentityProfile: {\n    enabled: %s\n  }\n}\n"
    assert iac.read("a.bicep", text % "false", "bicep", "v").addon == []
    assert iac.read("a.bicep", text % "true", "bicep", "v").addon == [
        Origin("a.bicep", 2, version="v")
    ]


def test_a_comment_alone_is_reported_as_a_comment() -> None:
    found = iac.read("x.tf", "# see the AzureIdentity in k8s/\nlocals {}\n", "terraform", "v")
    (finding,) = found.findings
    assert "in a comment" in finding.message and finding.hint.startswith("update the comment")


def test_heredocs_and_strings_do_not_open_blocks() -> None:
    scan = blocks.scan(
        'resource "a" "b" {\n  x = "{ not a block"\n  body = <<-EOT\n    {\n  EOT\n}\nlocals {}\n'
    )
    assert [f.label for f in scan.frames] == ['resource "a" "b"', "locals"]
    assert scan.heredocs[0].argument == "body"


def test_a_json_manifest_is_planned_like_yaml(run_cli) -> None:
    path = CASES / "iac-never-silent" / "input"
    code, out, _ = run_cli(
        "plan", str(path / "json"), str(path / "identities.yaml"), *ISSUER, "-o", "json"
    )
    plan = json.loads(out)
    assert code == 0
    (switch,) = [a for a in plan["actions"] if a["type"] == "switch-workload"]
    assert switch["target"]["name"] == "cart"
    assert switch["causedBy"][0]["file"].endswith("json/cart-deployment.json")


def test_exit_code_is_never_0_while_a_file_mentions_pod_identity(run_cli, tmp_path: Path) -> None:
    for name, text in {
        "aks.tf": 'resource "azapi_update_resource" "aks" {\n  body = jsonencode({\n'
        "    properties = { podIdentityProfile = { enabled = true } }\n  })\n}\n",
        "app.yaml.tpl": "metadata:\n  labels:\n    aadpodidbinding: ${selector}\n",
    }.items():
        folder = tmp_path / name.split(".")[0]
        folder.mkdir()
        (folder / name).write_text(text)
        code, out, _ = run_cli("plan", str(folder), *ISSUER, "--exit-code")
        assert code == 2, out
        assert "Nothing to migrate" not in out


def test_render_targets_carry_the_credentials_of_terraform_releases(
    run_cli, tmp_path: Path
) -> None:
    path = CASES / "terraform-helm-release" / "input"
    code, _, err = run_cli("plan", str(path), *ISSUER, "-o", "json")
    out = tmp_path / "out"
    code, _, err = run_cli(
        "render",
        str(path),
        *ISSUER,
        "--cluster-name",
        "aks-platform",
        "-t",
        "az",
        "-t",
        "terraform",
        "-t",
        "bicep",
        "-t",
        "aso",
        "--stage",
        "prepare",
        "-d",
        str(out),
    )
    assert code == 0, err
    subjects = (
        "system:serviceaccount:external-dns:external-dns",
        "system:serviceaccount:keda:keda-operator",
        "system:serviceaccount:shop:inventory",
    )
    for target in ("az", "terraform", "bicep", "aso"):
        text = "".join(p.read_text() for p in sorted((out / target).rglob("*")) if p.is_file())
        for subject in subjects:
            assert subject in text, (target, subject)


def test_a_values_file_naming_aad_pod_identity_is_reported(tmp_path: Path) -> None:
    # AGIC's chart: armAuth.type selects Pod Identity; no label, no AzureIdentity
    (tmp_path / "agic-values.yaml").write_text(
        "armAuth:\n  type: aadPodIdentity\n  identityClientID: 4c5d6e7f-8091-4a2b-b3c4-d5e6f7081923\n"
    )
    (finding,) = manifests.read([str(tmp_path)]).findings
    assert finding.code == "pi-mention"


def test_the_add_on_enabled_by_the_cli_in_terraform_is_the_add_on() -> None:
    text = (
        'resource "null_resource" "pi" {\n  provisioner "local-exec" {\n'
        '    command = "az aks update -g rg -n aks --enable-pod-identity"\n  }\n}\n'
    )
    found = iac.read("pi.tf", text, "terraform", "v")
    assert found.addon == [Origin("pi.tf", 3, version="v")]
    (finding,) = found.findings
    assert finding.hint.startswith("the AKS pod-identity add-on is configured here")


def test_hostile_files_are_findings_not_crashes(tmp_path: Path) -> None:
    (tmp_path / "deep.json").write_text("[" * 100_000 + '"AzureIdentity"' + "]" * 100_000)
    (tmp_path / "broken.tf").write_text('}}\nresource "a" "b" {{\n  values = [<<-EOT\n  aadpodid\n')
    inventory = manifests.read([str(tmp_path)])
    messages = {Path(f.origin.file).name: f.message for f in inventory.findings}
    assert set(messages) == {"deep.json", "broken.tf"}
    assert len(messages["deep.json"]) < 250  # a minified line is cut short


def test_a_template_label_takes_its_documents_literal_namespace_and_account() -> None:
    text = (
        "metadata:\n  namespace: ${ns}\nspec:\n  template:\n    metadata:\n      labels:\n"
        "        aadpodidbinding: web  # a comment\n---\nmetadata:\n  namespace: shop\n"
        "spec:\n  template:\n    metadata:\n      labels:\n        aadpodidbinding: api\n"
        "    spec:\n      serviceAccountName: api\n"
    )
    labels = iac.read("app.yaml.tpl", text, "template", "v").labels
    assert [(x.selector, x.namespace, x.account) for x in labels] == [
        ("web", "", ""),
        ("api", "shop", "api"),
    ]


def test_a_label_terraform_fills_in_keeps_the_bindings_it_could_mean(
    run_cli, tmp_path: Path
) -> None:
    """`value = var.identity`, `${azurerm_user_assigned_identity.dns.name}` in a heredoc, a
    template's `${worker_selector}`: placeholders (templated-value), no credential, and
    retire deletes no binding such a label could mean (it did: they were no use at all)."""
    (tmp_path / "main.tf").write_text(
        'resource "helm_release" "dns" {\n'
        '  name      = "external-dns"\n'
        '  namespace = "external-dns"\n'
        "  values = [<<-EOT\n"
        "podLabels:\n"
        "  aadpodidbinding: ${azurerm_user_assigned_identity.dns.name}\n"
        "EOT\n"
        "  ]\n"
        "  set {\n"
        '    name  = "podLabels.aadpodidbinding"\n'
        "    value = var.identity\n"
        "  }\n"
        "}\n"
    )
    (tmp_path / "worker.yaml.tpl").write_text(
        "metadata:\n  labels:\n    aadpodidbinding: ${worker_selector}\n"
    )
    identities = ROOT / "tests/cases/rewrite/all-templated-values/input/identities.yaml"
    (tmp_path / "identity.yaml").write_text(identities.read_text())
    _, out, err = run_cli("plan", str(tmp_path), "-o", "json", *ISSUER)
    document = json.loads(out)
    assert [a for a in document["actions"] if a["type"] == "delete-object"] == [], err
    templated = [f for f in document["findings"] if f["code"] == "templated-value"]
    shown = sorted(f["message"].split(" gives pods ")[1].split(":")[0] for f in templated)
    assert shown == [
        "'${azurerm_user_assigned_identity.dns.name}'",
        "'${var.identity}'",
        "'${worker_selector}'",
    ]
    kept = "retire keeps AzureIdentityBinding shop/reports-contoso-binding, shop/shop-binding"
    assert all(kept in f["message"] for f in templated)
