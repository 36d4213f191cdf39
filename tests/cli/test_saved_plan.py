"""Issue edge 1: a saved plan carries its settings. Every command given a plan file uses the
plan's settings and refuses a conflicting flag by name; `apply` refuses a plan made for another
source or cluster."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import SAMPLE_ISSUER, TEAMS, azure_args, saved_plan, writes
from tests.conftest import SAMPLE
from tests.fakes.azure import FakeAzure
from tests.fakes.kube_apiserver import FakeKubeApiServer

pytestmark = pytest.mark.kube_fake(snapshot="cluster-sample")


def test_gates_and_stages_use_the_saved_plans_settings(
    kube: FakeKubeApiServer, azure: FakeAzure, live: Any, tmp_path: Path
) -> None:
    """Planned with --sa-name 'wi-{selector}': prepare creates wi-<team>, and the switch gate
    ('prepared') checks for wi-<team> too, without the flags typed again."""
    plan = saved_plan(
        live,
        tmp_path / "plan.json",
        "--cluster",
        "--sa-name",
        "wi-{selector}",
        "--cluster-name",
        "aks1",
    )
    code, _, err = live("apply", str(plan), "--stage", "prepare", "--yes", *azure_args(azure))
    assert code == 0, err
    assert {
        sa["metadata"]["name"] for sa in kube.objects("ServiceAccount", namespace="orders")
    } >= {"wi-orders"}
    code, _, err = live("apply", str(plan), "--stage", "switch", "--yes", *azure_args(azure))
    assert code == 0, err
    assert "gate prepared" not in err
    for team in TEAMS:
        accounts = {
            d["spec"]["template"]["spec"].get("serviceAccountName")
            for d in kube.objects("Deployment", namespace=team)
        }
        assert accounts == {f"wi-{team}"}


def test_status_given_a_plan_counts_with_its_settings(
    kube: FakeKubeApiServer, azure: FakeAzure, live: Any, tmp_path: Path
) -> None:
    plan = saved_plan(live, tmp_path / "plan.json", "--cluster", "--sa-name", "wi-{selector}")
    code, _, err = live("apply", str(plan), "--stage", "prepare", "--yes", *azure_args(azure))
    assert code == 0, err
    code, out, err = live("status", str(plan))
    assert code == 0, err
    [prepare] = [line for line in out.splitlines() if line.startswith("prepare")]
    assert "done" in prepare and " 0 " in prepare, prepare  # wi-<team> exist: nothing left


# every command that takes a plan file, and a flag that differs from what the plan recorded
CONFLICTS = {
    "apply": ["apply", "{plan}", "--stage", "prepare", "--cluster-name", "other"],
    "status": ["status", "{plan}", "--sa-name", "sa-{selector}"],
    "render": ["render", "{plan}", "-d", "out", "--cluster-name", "other"],
    "rewrite": [
        "rewrite",
        "{plan}",
        "--stage",
        "prepare",
        "--check",
        "--fic-name",
        "x-{namespace}",
    ],
    "credentials": ["credentials", "{plan}", "--issuer", "https://other.example/"],
    "verify": ["verify", "{plan}", "--proxy-sidecar"],
}


@pytest.mark.parametrize("command", CONFLICTS, ids=list(CONFLICTS))
def test_a_flag_that_conflicts_with_the_plan_is_refused_by_name(
    command: str, kube: FakeKubeApiServer, live: Any, tmp_path: Path
) -> None:
    plan = saved_plan(
        live,
        tmp_path / "plan.json",
        str(SAMPLE),
        "--issuer",
        SAMPLE_ISSUER,
        "--cluster-name",
        "aks1",
    )
    args = [a.replace("{plan}", str(plan)) for a in CONFLICTS[command]]
    flag = next(
        a
        for a in args
        if a.startswith("--")
        and a[2:] in ("cluster-name", "sa-name", "fic-name", "issuer", "proxy-sidecar")
    )
    code, out, err = live(*args)
    assert code == 1, err
    assert out == ""
    assert "Traceback" not in err
    assert f"{flag}" in err and "plan.json" in err and "conflicts" in err, err
    assert "plan again" in err  # the way out: re-plan with the flag, or drop it
    assert writes(kube) == []
    assert not (Path.cwd() / "out").exists()


def test_a_flag_equal_to_the_plans_value_is_accepted(live: Any, tmp_path: Path) -> None:
    plan = saved_plan(
        live,
        tmp_path / "plan.json",
        str(SAMPLE),
        "--issuer",
        SAMPLE_ISSUER,
        "--cluster-name",
        "aks1",
    )
    code, _, err = live("render", str(plan), "-d", "out", "-t", "az", "--cluster-name", "aks1")
    assert code == 0, err
    script = next((Path.cwd() / "out" / "az").rglob("*.sh")).read_text()
    assert "aks1-" in script


def test_render_of_a_plan_uses_its_settings_not_the_defaults(live: Any, tmp_path: Path) -> None:
    plan = saved_plan(
        live,
        tmp_path / "plan.json",
        str(SAMPLE),
        "--issuer",
        SAMPLE_ISSUER,
        "--cluster-name",
        "aks1",
    )
    code, _, err = live("render", str(plan), "-d", "out", "-t", "az")
    assert code == 0, err
    scripts = "".join(p.read_text() for p in (Path.cwd() / "out" / "az").rglob("*.sh"))
    assert SAMPLE_ISSUER in scripts and "aks1-" in scripts


def test_apply_refuses_a_plan_made_from_a_repo(
    kube: FakeKubeApiServer, live: Any, tmp_path: Path
) -> None:
    """Like a stale Terraform plan: say which source it was made for and how to re-plan; never
    the 404 and 'run again to resume' of a stage stopped half way."""
    plan = saved_plan(live, tmp_path / "plan.json", str(SAMPLE), "--cluster-name", "aks1")
    code, _, err = live("apply", str(plan), "--stage", "prepare", "--yes")
    assert code == 1, err
    assert f"was made from {SAMPLE}" in err, err
    assert "cluster fake" in err
    assert "wi-migrate plan --cluster" in err
    assert "resume" not in err and "404" not in err
    assert writes(kube) == []


def test_apply_refuses_a_plan_made_on_another_cluster(
    kube: FakeKubeApiServer, live: Any, run_cli: Any, tmp_path: Path
) -> None:
    """Two clusters whose kubeconfig contexts are both called 'fake': the plan knows which
    cluster it read (its kube-system namespace), not only the context's name."""
    with FakeKubeApiServer() as other:
        other.load_snapshot(Path(__file__).parents[2] / "fixtures" / "cluster-sample")
        other_config = str(other.write_kubeconfig(tmp_path / "other-kubeconfig"))
        code, out, err = run_cli("plan", "--cluster", "--kubeconfig", other_config, "-o", "json")
        assert code == 0, err
        plan = tmp_path / "other-plan.json"
        plan.write_text(out)
    code, _, err = live("apply", str(plan), "--stage", "prepare", "--yes")
    assert code == 1, err
    assert "another cluster" in err, err
    assert "wi-migrate plan --cluster" in err
    assert writes(kube) == []


NAMESPACELESS = """\
apiVersion: aadpodidentity.k8s.io/v1
kind: AzureIdentity
metadata:
  name: orders-id
spec:
  type: 0
  resourceID: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/orders-id
  clientID: 11111111-1111-1111-1111-111111111111
---
apiVersion: aadpodidentity.k8s.io/v1
kind: AzureIdentityBinding
metadata:
  name: orders-binding
spec:
  azureIdentity: orders-id
  selector: orders
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
spec:
  selector:
    matchLabels: {app: orders}
  template:
    metadata:
      labels: {app: orders, aadpodidbinding: orders}
    spec:
      containers:
        - name: app
          image: example.azurecr.io/orders:1.4.2
"""


def test_a_plan_made_with_a_namespace_carries_it(live: Any, tmp_path: Path) -> None:
    """Objects that name no namespace, planned with -n team: the saved plan is re-checked with
    team (before: with no namespace, and refused as edited), and another -n is refused by name."""
    app = Path.cwd() / "app"
    app.mkdir()
    (app / "orders.yaml").write_text(NAMESPACELESS)
    plan = saved_plan(live, tmp_path / "plan.json", "app", "-n", "team", "--cluster-name", "c1")
    code, out, err = live("render", str(plan), "-d", "out", "-o", "json")
    assert code == 0, err
    code, _, err = live("rewrite", str(plan), "--stage", "prepare", "--check")
    assert code == 1 and "would rewrite" in err and "not in the plan" not in err, err
    for other in (["-n", "other"], ["--namespace", "other"]):
        code, out, err = live("render", str(plan), "-d", "out2", *other)
        assert code == 1 and out == ""
        assert "--namespace 'other' conflicts with" in err and "namespace 'team'" in err, err
    assert not (Path.cwd() / "out2").exists()


# each option that shapes a plan, with a value other than its default
SHAPING = {
    "--issuer": "https://issuer.example/",
    "--cluster-name": "aks9",
    "--sa-name": "wi-{selector}",
    "--fic-name": "{cluster}-{service_account}",
    "--force-namespaced": None,
    "--proxy-sidecar": None,
    "--proxy-sidecar-port": "8001",
    "--identity-resource-group": "rg-new",
    "--namespace": "team",
}


def test_every_option_that_shapes_a_plan_is_recorded_in_it(live: Any) -> None:
    code, out, _ = live("plan", "--help")
    options = set(re.findall(r"^\s+(?:-\w, )?(--[a-z-]+)", out, re.MULTILINE))
    shaping = options - {"--output", "--details", "--exit-code", "--cluster", "--help"}
    shaping -= {"--kubeconfig", "--context", "--config"}  # where to read, not what is planned
    assert shaping == set(SHAPING), "a new option of plan: record it in Settings and here"
    code, out, err = live("plan", str(SAMPLE), "-o", "json")
    assert code == 0, err
    default = json.loads(out)["settings"]
    for option, value in SHAPING.items():
        code, out, err = live(
            "plan", str(SAMPLE), "-o", "json", option, *([value] if value else [])
        )
        assert code == 0, err
        assert json.loads(out)["settings"] != default, f"{option} is not recorded in the plan"


@pytest.mark.parametrize("command", ["credentials", "verify"])
def test_a_saved_cluster_plan_is_rechecked_through_the_kubeconfig_given(
    command: str,
    azure: FakeAzure,
    live: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`verify plan.json --kubeconfig K` re-plans the cluster through K, not the default
    kubeconfig (which here does not exist: the real-cluster suite found this)."""
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    plan = saved_plan(live, tmp_path / "plan.json", "--cluster", "--cluster-name", "aks1")
    args = [command, str(plan), "-o", "json", *azure_args(azure)]
    if command == "verify":
        args += ["--attempts", "1", "--delay", "0"]
    _, out, err = live(*args)
    assert "cannot load the kubeconfig" not in err, err
    assert json.loads(out)["kind"] in ("CredentialsResult", "VerifyResult"), err


def test_verify_of_the_saved_plan_after_prepare_checks_its_credentials(
    azure: FakeAzure, live: Any, tmp_path: Path
) -> None:
    """prepare writes to the cluster the plan was made of (new ServiceAccounts, RoleBinding
    subjects): verify of that plan still runs, checking its identities and credentials
    against a fresh plan, and refuses one edited to trust another account."""
    plan = saved_plan(live, tmp_path / "plan.json", "--cluster", "--cluster-name", "aks1")
    code, _, err = live("apply", str(plan), "--stage", "prepare", "--yes", *azure_args(azure))
    assert code == 0, err
    verify = ("verify", "-o", "json", "--attempts", "1", "--delay", "0", *azure_args(azure))
    code, out, err = live(verify[0], str(plan), *verify[1:])
    assert "changed since the plan was made" not in err, err
    checks = json.loads(out)["checks"]
    assert checks and {c["status"] for c in checks} == {"passed"}, checks
    doc = json.loads(plan.read_text())
    [fic] = [a for a in doc["actions"] if a["type"] == "create-federated-credential"][:1]
    fic["credential"]["subject"] = "system:serviceaccount:kube-system:default"
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(doc))
    code, _, err = live(verify[0], str(edited), *verify[1:])
    assert code != 0 and "not in the plan of" in err, err
