"""az, terraform, bicep, aso: every credential once, per identity in order, placeholders when unknown."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import hcl2
import pytest
import yaml

from migrate.model.inventory import ObjectRef
from migrate.model.plan import CreateFederatedCredential, FederatedCredential
from tests.render import sample

SUBJECTS = {
    "system:serviceaccount:analytics:analytics-reader",
    "system:serviceaccount:legacy:legacy-archive",
    "system:serviceaccount:legacy:legacy-sp",
    "system:serviceaccount:monitoring:log-shipper",
    # the Prometheus's pods (spec.podMetadata carries the label): a selector in use
    "system:serviceaccount:monitoring:prometheus-k8s",
    "system:serviceaccount:orders:orders-api",
    "system:serviceaccount:orders:orders-reconcile",
    "system:serviceaccount:payments:payments-api",
    "system:serviceaccount:reporting:report-builder",
    "system:serviceaccount:web:web-frontend",
}


def unquoted(value):
    """python-hcl2 8 keeps the quotes of string literals and labels: drop them."""
    if isinstance(value, dict):
        return {unquoted(k): unquoted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unquoted(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def with_second_credential(plan):
    """The sample plan plus a second credential on id-orders-api (writes must be serialized)."""
    first = next(
        a
        for a in plan.actions
        if isinstance(a, CreateFederatedCredential) and a.identity.name == "id-orders-api"
    )
    second = dataclasses.replace(
        first,
        credential=FederatedCredential(
            "prod-aks-orders-batch", first.credential.issuer, "system:serviceaccount:orders:batch"
        ),
        service_account=ObjectRef("ServiceAccount", "batch", "orders", "v1"),
    )
    actions = list(plan.actions)
    actions.insert(actions.index(first) + 1, second)
    return dataclasses.replace(plan, actions=tuple(actions))


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return sample.rendered(
        with_second_credential(sample.plan()), ("az", "terraform", "bicep", "aso")
    )


@pytest.fixture(scope="module")
def unknown() -> dict[str, str]:
    return sample.rendered(sample.plan(issuer=""), ("az", "terraform", "bicep", "aso"))


def test_azure_targets_render_only_the_prepare_stage(files) -> None:
    assert {p.split("/")[1] for p in files} == {"prepare"}


def test_terraform_parses_and_chains_credentials_of_one_identity(files) -> None:
    main = unquoted(hcl2.loads(files["terraform/prepare/main.tf"]))
    fics = {
        name: body
        for block in main["resource"]
        for kind, named in block.items()
        if "federated" in kind
        for name, body in named.items()
    }
    assert {f["subject"] for f in fics.values()} == SUBJECTS | {
        "system:serviceaccount:orders:batch"
    }
    assert all(
        f["issuer"] == sample.ISSUER and f["audience"] == ["api://AzureADTokenExchange"]
        for f in fics.values()
    )
    batch = fics["id_orders_api_prod_aks_orders_batch"]
    assert "azurerm_federated_identity_credential.id_orders_api_prod_aks_orders_orders_api" in str(
        batch["depends_on"]
    )
    uami_id = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-identities-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-orders-api"
    assert batch["user_assigned_identity_id"] == uami_id
    assert "azurerm_user_assigned_identity.legacy_sp.id" in files["terraform/prepare/main.tf"]
    for name in ("variables.tf", "outputs.tf", "versions.tf"):
        hcl2.loads(files[f"terraform/prepare/{name}"])


@pytest.mark.skipif(not shutil.which("terraform"), reason="needs terraform")
def test_terraform_files_are_formatted(files, unknown, tmp_path: Path) -> None:
    for rendered in (files, unknown):
        for path, text in rendered.items():
            if path.startswith("terraform/"):
                (tmp_path / Path(path).name).write_text(text)
        subprocess.run(
            ["terraform", "fmt", "-check", "-diff", str(tmp_path)], check=True, capture_output=True
        )


def test_az_script_skips_by_issuer_and_subject_and_writes_one_identity_in_order(files) -> None:
    script = files["az/prepare/federated-credentials.sh"]
    assert "[?issuer=='${issuer}' && subject=='${subject}'] | length(@)" in script
    assert "az identity federated-credential create" in script and "--audiences" in script
    calls = [line for line in script.splitlines() if line.startswith("create_credential ")]
    assert len(calls) == 12
    orders = [c for c in calls if " id-orders-api " in c]
    assert [c.split()[4] for c in orders] == ["prod-aks-orders-orders-api", "prod-aks-orders-batch"]
    assert "&" not in "".join(calls), "no background writes"
    assert 'az identity create --name legacy-sp --resource-group "$legacy_sp_group"' in script


def test_bicep_pins_the_api_version_and_serializes_writes(files) -> None:
    module = files["bicep/prepare/federated-credentials.bicep"]
    assert "@batchSize(1)" in module
    assert "federatedIdentityCredentials@2023-01-31" in module
    assert "userAssignedIdentities@2023-01-31" in module
    main = files["bicep/prepare/main.bicep"]
    assert main.count("subject: ") == 12
    assert (
        "scope: resourceGroup('00000000-0000-0000-0000-000000000001', 'rg-identities-prod')" in main
    )


def test_aso_resources(files) -> None:
    docs = [
        yaml.safe_load(t)
        for p, t in files.items()
        if p.startswith("aso/") and "kustomization" not in p
    ]
    fics = [d for d in docs if d["kind"] == "FederatedIdentityCredential"]
    assert {d["spec"]["subject"] for d in fics} == SUBJECTS | {"system:serviceaccount:orders:batch"}
    assert all(d["apiVersion"] == "managedidentity.azure.com/v1api20230131" for d in docs)
    names = [(d["metadata"]["namespace"], d["metadata"]["name"]) for d in docs]
    assert len(names) == len(set(names)), (
        "two identities federating one ServiceAccount do not clash"
    )
    sp = next(d for d in fics if d["spec"]["subject"].endswith(":legacy-sp"))
    assert sp["spec"]["owner"] == {"name": "legacy-sp"}
    kustomization = yaml.safe_load(files["aso/prepare/kustomization.yaml"])
    assert len(kustomization["resources"]) == len(docs)


def test_unknown_issuer_is_a_required_variable_never_an_empty_string(unknown) -> None:
    script = unknown["az/prepare/federated-credentials.sh"]
    assert ': "${OIDC_ISSUER:?' in script and '"$OIDC_ISSUER"' in script
    main = unknown["terraform/prepare/main.tf"]
    assert "issuer                    = var.oidc_issuer" in main
    assert 'variable "oidc_issuer"' in unknown["terraform/prepare/variables.tf"]
    assert "param oidcIssuer string" in unknown["bicep/prepare/main.bicep"]
    assert "issuer: oidcIssuer" in unknown["bicep/prepare/main.bicep"]
    fic = yaml.safe_load(
        unknown[
            "aso/prepare/orders/federatedidentitycredential-id-orders-api-prod-aks-orders-orders-api.yaml"
        ]
    )
    assert "issuer" not in fic["spec"] and fic["spec"]["issuerFromConfig"]["name"] == "oidc-issuer"
    for path, text in unknown.items():
        assert (
            'issuer = ""' not in text and "issuer: ''" not in text and 'issuer: ""' not in text
        ), path


# A stand-in for the az CLI: keeps federated credentials in a JSON file and answers the two
# list queries the script makes (same issuer and subject; same name). Everything else it logs.
FAKE_AZ = r"""
import json, re, sys
from pathlib import Path

state = Path(__file__).with_name("state.json")
data = json.loads(state.read_text()) if state.exists() else {"credentials": {}, "calls": []}
args = sys.argv[1:]
opt = lambda name: args[args.index(name) + 1]
data["calls"].append(" ".join(args[:3]))
if args[:3] == ["identity", "federated-credential", "list"]:
    have = data["credentials"].get(opt("--identity-name"), [])
    pair = re.fullmatch(r"\[\?issuer=='(.*)' && subject=='(.*)'\] \| length\(@\)", opt("--query"))
    if pair:
        print(sum(1 for c in have if (c["issuer"], c["subject"]) == pair.groups()))
    else:
        name = re.fullmatch(r"\[\?name=='(.*)'\] \| length\(@\)", opt("--query")).group(1)
        print(sum(1 for c in have if c["name"] == name))
elif args[:3] == ["identity", "federated-credential", "create"]:
    data["credentials"].setdefault(opt("--identity-name"), []).append(
        {k: opt("--" + k) for k in ("name", "issuer", "subject", "audiences")}
    )
elif args[:2] in (["identity", "create"], ["identity", "show"]):
    print("11111111-2222-3333-4444-555555555555")
state.write_text(json.dumps(data))
"""


@pytest.mark.skipif(not shutil.which("bash"), reason="needs bash")
def test_az_script_runs_creates_every_credential_once_and_skips_them_on_a_second_run(
    files, tmp_path: Path
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "az.py").write_text(FAKE_AZ)
    (bin_dir / "az").write_text(f'#!/bin/sh\nexec {sys.executable} "{bin_dir}/az.py" "$@"\n')
    (bin_dir / "az").chmod(0o755)
    script = tmp_path / "federated-credentials.sh"
    script.write_text(files["az/prepare/federated-credentials.sh"])
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "IDENTITY_RESOURCE_GROUP": "rg"}

    def run() -> str:
        done = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    first = run()
    state = yaml.safe_load((bin_dir / "state.json").read_text())
    created = [c for credentials in state["credentials"].values() for c in credentials]
    assert first.count("created: ") == len(created) == 12
    assert {c["subject"] for c in created} == SUBJECTS | {"system:serviceaccount:orders:batch"}
    assert {c["audiences"] for c in created} == {"api://AzureADTokenExchange"}
    assert [c["name"] for c in state["credentials"]["id-orders-api"]] == [
        "prod-aks-orders-orders-api",
        "prod-aks-orders-batch",
    ]
    second = run()
    assert second.count("exists:  ") == 12 and "created: " not in second
    state = yaml.safe_load((bin_dir / "state.json").read_text())
    assert sum(len(c) for c in state["credentials"].values()) == 12
