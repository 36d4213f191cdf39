"""apply / rollback / status through the CLI, against the kube cluster (kubeconfig file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from migrate.errors import EXIT_CHANGES, EXIT_NOT_SIGNED_IN, EXIT_STOPPED
from migrate.jobs import live as apply
from migrate.kubeapi.client import Connection
from migrate.model.inventory import PI_LABEL, WI_USE_LABEL
from migrate.model.plan import Settings
from migrate.write.live.journal import Journal
from tests.fakes.azure import FakeAzure
from tests.fakes.kube_apiserver import FakeKubeApiServer
from tests.kube.cluster import InMemoryCredentials, mic, rollout
from tests.kube.conftest import SUBSCRIPTION, TEAMS, azure_args

pytestmark = pytest.mark.kube_fake(snapshot="cluster-sample")


@pytest.fixture
def cli(kube: FakeKubeApiServer, tmp_path: Path, run_cli: Any) -> Any:
    kubeconfig = kube.write_kubeconfig(tmp_path / "kubeconfig")
    journal = str(tmp_path / "state")

    def run(*args: str) -> tuple[int, str, str]:
        common = ["--kubeconfig", str(kubeconfig)]
        common += [] if args[0] == "plan" else ["--state-dir", journal]
        return run_cli(*args, *common)  # type: ignore[no-any-return]

    return run


def prepare(kube: FakeKubeApiServer, tmp_path: Path) -> None:
    """The prepare stage in-process, with a stand-in for Azure."""
    connection = Connection(kube.api_client(), "fake")
    journal = Journal.in_state(connection, "kube-system", str(tmp_path / "state")).load()
    options = apply.Options("prepare", write=True)
    apply.run(connection, journal, Settings(cluster_name="aks1"), options, InMemoryCredentials())


def test_apply_without_yes_prints_the_stage_and_writes_nothing(
    kube: FakeKubeApiServer, cli: Any
) -> None:
    before = kube.dump_state()
    code, out, err = cli("apply", "--stage", "prepare", "--exit-code")
    assert code == EXIT_CHANGES
    assert "would prepare: create-service-account ServiceAccount/orders/orders" in out
    assert (
        "would prepare: create-federated-credential credential cluster-orders-orders on id-orders"
        in out
    )
    assert "run again with --yes" in err
    assert kube.dump_state() == before
    assert [r.method for r in kube.requests if r.method != "GET"] == []


def test_four_stages_through_the_cli_with_azure(
    kube: FakeKubeApiServer, azure: FakeAzure, cli: Any
) -> None:
    """The end-to-end path a user runs: every FIC ends up in (the kube) Azure."""
    code, _, err = cli(
        "apply", "--stage", "prepare", "--yes", "--cluster-name", "aks1", *azure_args(azure)
    )
    assert code == 0, err
    for team in TEAMS:
        [identity] = [i for i in azure.identities() if i["name"] == f"id-{team}"]
        [credential] = azure.credentials(identity["id"])
        assert credential["properties"]["subject"] == f"system:serviceaccount:{team}:{team}"
        assert credential["properties"]["issuer"] == kube.issuer
    code, _, err = cli(
        "apply",
        "--stage",
        "switch",
        "--yes",
        "--token-check",
        "--cluster-name",
        "aks1",
        *azure_args(azure),
    )
    exchanged = [t for t in azure.tokens() if t.grant != "client_secret"]
    assert len(exchanged) == 5  # one exchange per ServiceAccount, all honoured
    assert code == 0, err
    rollout(kube)
    code, _, err = cli("apply", "--stage", "retire", "--yes", "--cluster-name", "aks1")
    assert code == 0, err
    rollout(kube)
    mic(kube)
    pools = node_pools(kube, azure)
    code, out, err = cli(
        "apply",
        "--stage",
        "uninstall",
        "--yes",
        "--check-node-pools",
        "--cluster-name",
        "aks1",
        *azure_args(azure),
    )
    assert code == 0, err
    assert "[14/14] changed" in err  # progress on stderr, as in every stage
    # the security check: both PI identities left on node pools, the kubelet identity untouched
    security = [line for line in out.splitlines() if "pi-identity-on-node" in line]
    assert security == [
        "warning: pi-identity-on-node: security: Pod Identity's identity id-orders is still "
        "attached to the VM scale set aks-system-123: any pod on its nodes can get its tokens "
        "from IMDS",
        "warning: pi-identity-on-node: security: Pod Identity's identity id-payments is still "
        "attached to the VM scale set aks-user-456: any pod on its nodes can get its tokens "
        "from IMDS",
    ]
    assert (
        f"  detach it once no pod needs it through IMDS (never the kubelet identity): "
        f"az vmss identity remove --subscription {SUBSCRIPTION} -g mc_rg_aks1 -n aks-system-123 "
        f"--identities {pools['orders']}"
    ) in out.splitlines()
    assert "kubelet" not in "".join(security)
    assert "not checked: 1 node(s) without an Azure VM providerID (virtual-node-aci)" in err
    assert not [k for k, v in kube.dump_state().items() if "aadpodidentity" in k and v]
    switched = 0
    for kind in ("Deployment", "StatefulSet", "CronJob"):
        for obj in kube.objects(kind):
            spec = obj["spec"]["jobTemplate"]["spec"] if kind == "CronJob" else obj["spec"]
            labels = spec["template"]["metadata"]["labels"]
            if obj["metadata"]["namespace"] in TEAMS:
                assert labels.get(WI_USE_LABEL) == "true" and PI_LABEL not in labels
                assert (
                    spec["template"]["spec"]["serviceAccountName"] == obj["metadata"]["namespace"]
                )
                switched += 1
    assert switched == 25


# a dry run of uninstall on a cluster not yet migrated, with the node-pool check
CHECK_NODE_POOLS = (
    "apply",
    "--stage",
    "uninstall",
    "--skip-gate",
    "released",
    "--check-node-pools",
)


def seed_nodes(kube: FakeKubeApiServer, nodes: list[tuple[str, str]]) -> None:
    """Nodes (name, spec.providerID)."""
    kube.seed(
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}, "spec": {"providerID": p}}
        for name, p in nodes
    )


def node_pools(kube: FakeKubeApiServer, azure: FakeAzure) -> dict[str, str]:
    """Two AKS node pools (three nodes) and a virtual node; id-orders and id-payments are still
    attached beside the kubelet identity, id-search was detached. Returns the attached PI ids."""
    rid = {i["name"].removeprefix("id-"): i["id"] for i in azure.identities()}
    kubelet = azure.add_identity(SUBSCRIPTION, "mc_rg_aks1", "aks1-agentpool")["id"]
    system = azure.add_node_host(
        SUBSCRIPTION, "mc_rg_aks1", "aks-system-123", [kubelet, rid["orders"]]
    )
    user = azure.add_node_host(
        SUBSCRIPTION, "MC_rg_aks1", "aks-user-456", [rid["payments"], kubelet]
    )
    azure.add_node_host(SUBSCRIPTION, "mc_rg_aks1", "aks-spare-789", [kubelet])
    nodes = [
        ("aks-system-123-vmss000000", f"azure://{system}/virtualMachines/0"),
        ("aks-system-123-vmss000001", f"azure://{system}/virtualMachines/1"),
        ("aks-user-456-vmss000000", f"azure://{user.lower()}/virtualMachines/0"),
        ("virtual-node-aci", "virtual-kubelet://aci"),
    ]
    seed_nodes(kube, nodes)
    return {"orders": rid["orders"], "payments": rid["payments"]}


def test_node_pool_check_names_hosts_azure_would_not_show(
    kube: FakeKubeApiServer, azure: FakeAzure, cli: Any
) -> None:
    """A scale set that cannot be read is a note with the command to check it by hand; a
    cluster whose nodes hold no PI identity gives no finding. Nothing is written."""
    host = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/mc_rg/providers/Microsoft.Compute"
    seed_nodes(
        kube,
        [
            ("gone", f"azure://{host}/virtualMachineScaleSets/deleted-pool/virtualMachines/0"),
            ("vm", f"azure://{host}/virtualMachines/standalone"),
        ],
    )
    azure.add_node_host(SUBSCRIPTION, "mc_rg", "standalone", [], scale_set=False)
    before = kube.dump_state()
    code, out, err = cli(*CHECK_NODE_POOLS, *azure_args(azure))
    assert code == 0, err
    assert "pi-identity-on-node" not in out
    assert (
        f"could not read the identities of {host}/virtualMachineScaleSets/deleted-pool: "
    ) in err
    assert f"az vmss identity show --subscription {SUBSCRIPTION} -g mc_rg -n deleted-pool" in err
    assert kube.dump_state() == before


def test_node_pool_check_without_list_nodes_says_what_to_grant(
    kube: FakeKubeApiServer, azure: FakeAzure, cli: Any
) -> None:
    kube.inject(method="GET", path_regex=r"^/api/v1/nodes$", status=403, times=None)
    code, _, err = cli(*CHECK_NODE_POOLS, *azure_args(azure))
    assert code == 0, err
    assert "may not list (grant 'list nodes', see docs/clusterrole.yaml)" in err
    assert err.count("/userAssignedIdentities/id-") == 5  # what to look for by hand


def test_uninstall_without_check_lists_identities_to_look_for(cli: Any) -> None:
    code, _, err = cli("apply", "--stage", "uninstall", "--skip-gate", "released")
    assert code == 0, err
    assert "Run again with --check-node-pools" in err
    assert err.count("/userAssignedIdentities/id-") == 5


def test_switch_without_azure_stops_before_its_gates_saying_not_signed_in(
    kube: FakeKubeApiServer, tmp_path: Path, cli: Any
) -> None:
    """The credentials gate reads Azure: without a sign-in, one message (exit 4), not a gate
    failure per credential; nothing is journaled."""
    prepare(kube, tmp_path)
    before = kube.dump_state()
    code, _, err = cli("apply", "--stage", "switch", "--yes")
    assert code == EXIT_NOT_SIGNED_IN
    assert err.startswith("error: not signed in to Azure: tried EnvironmentCredential")
    assert "gate" not in err
    assert kube.dump_state() == before


def test_switch_gate_failure_names_the_gate_and_exits_3(cli: Any) -> None:
    code, _, err = cli("apply", "--stage", "switch", "--yes", "--skip-gate", "credentials")
    assert code == EXIT_STOPPED
    assert "gate prepared before switch failed: 10 blocker(s)" in err
    assert "--skip-gate prepared" in err


def test_switch_retire_status_and_rollback(
    kube: FakeKubeApiServer, tmp_path: Path, cli: Any
) -> None:
    prepare(kube, tmp_path)
    code, _, err = cli("apply", "--stage", "switch", "--yes", "--skip-gate", "credentials")
    assert code == 0, err
    assert "[25/25] changed   switch" in err and "switch: 25 changed" in err
    code, out, _ = cli("status")
    assert code == 0
    assert "prepare    done, 10 object(s) journaled" in out
    assert "switch     done, 25 object(s) journaled; 0 left in the cluster" in out
    assert "workload identity webhook: azure-wi-webhook-mutating-webhook-configuration" in out
    code, _, err = cli("apply", "--stage", "retire", "--yes")
    assert code == EXIT_STOPPED and "not mutated" in err
    rollout(kube)
    code, _, err = cli("apply", "--stage", "retire", "--yes")
    assert code == 0, err
    code, _, err = cli("rollback", "--stage", "switch", "--yes")
    assert code == 1 and "roll back retire first" in err
    code, _, err = cli("rollback", "--stage", "retire", "--yes")
    assert code == 0 and "rollback retire: 35 object(s) restored" in err
    assert len(kube.objects("AzureIdentityBinding")) == 5


def test_server_dry_run_sends_dry_run_all(
    kube: FakeKubeApiServer, tmp_path: Path, cli: Any
) -> None:
    prepare(kube, tmp_path)
    before = kube.dump_state()
    kube.clear_requests()
    code, _, err = cli(
        "apply", "--stage", "switch", "--dry-run", "server", "--skip-gate", "credentials"
    )
    assert code == 0, err
    assert "switch (server dry-run): 25 changed" in err
    writes = [r for r in kube.requests if r.method != "GET"]
    assert len(writes) == 25 and all(r.query["dryRun"] == "All" for r in writes)
    assert kube.dump_state() == before


def test_stale_saved_plan_is_refused(kube: FakeKubeApiServer, tmp_path: Path, cli: Any) -> None:
    code, out, _ = cli("plan", "--cluster", "-o", "json")
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(out)
    code, _, err = cli("apply", str(plan_file), "--stage", "prepare")
    assert code == 0, err
    deployment = kube.get("Deployment", "orders-api", "orders")
    assert deployment is not None
    deployment["spec"]["replicas"] = 3
    kube.seed([deployment])
    code, _, err = cli("apply", str(plan_file), "--stage", "prepare")
    assert code == 1 and "stale" in err and "Deployment/orders/orders-api" in err


def test_token_gate_names_the_service_accounts_whose_exchange_fails(
    kube: FakeKubeApiServer, azure: FakeAzure, tmp_path: Path, cli: Any
) -> None:
    prepare(kube, tmp_path)  # the stand-in for Azure: no credential exists in the kube Azure
    args = ("--skip-gate", "credentials", "--token-check", "--cluster-name", "aks1")
    code, _, err = cli("apply", "--stage", "switch", "--yes", *args, *azure_args(azure))
    assert code == EXIT_STOPPED
    assert "gate token before switch failed: 5 blocker(s)" in err
    assert "ServiceAccount orders/orders with id-orders: failed" in err
    assert "--skip-gate token" in err
