"""All four live stages end to end on the kube cluster, with gates, journal and rollback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from migrate.errors import EXIT_STOPPED, UserError
from migrate.jobs import live as apply
from migrate.kubeapi.client import Connection
from migrate.model.inventory import PI_LABEL, WI_CLIENT_ID, WI_USE_LABEL
from migrate.model.plan import Settings
from migrate.write.live.journal import Journal
from migrate.write.live.rollback import rollback
from tests.conftest import FIXTURES
from tests.fakes.kube_apiserver import FakeKubeApiServer
from tests.kube.cluster import InMemoryCredentials, mic, rollout, state

pytestmark = pytest.mark.kube_fake(snapshot="cluster-sample")

SETTINGS = Settings(cluster_name="aks1")
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "CronJob")


@pytest.fixture
def connection(kube: FakeKubeApiServer) -> Iterator[Connection]:
    connection = Connection(kube.api_client(), "fake", backoff=0.01)
    yield connection
    connection.close()


def run(
    connection: Connection,
    tmp_path: Path,
    stage: str,
    credentials: InMemoryCredentials,
    **options: object,
) -> apply.Outcome:
    journal = Journal(connection, path=str(tmp_path / "journal.json")).load()
    return apply.run(
        connection, journal, SETTINGS, apply.Options(stage, write=True, **options), credentials
    )  # type: ignore[arg-type]


def templates(kube: FakeKubeApiServer) -> list[dict[str, object]]:
    found = []
    for kind in WORKLOAD_KINDS:
        for obj in kube.objects(kind):
            spec = obj["spec"]
            found.append((spec["jobTemplate"]["spec"] if kind == "CronJob" else spec)["template"])
    return found


def test_four_stages_end_to_end(
    kube: FakeKubeApiServer, connection: Connection, tmp_path: Path
) -> None:
    azure = InMemoryCredentials()
    prepared = run(connection, tmp_path, "prepare", azure)
    assert not prepared.failed and len(azure.created) == 5
    account = kube.get("ServiceAccount", "orders", "orders")
    assert account is not None
    assert account["metadata"]["annotations"][WI_CLIENT_ID].startswith("00000001-")
    assert account["imagePullSecrets"] == [{"name": "registry-creds"}]  # carried over
    subjects = kube.get(
        "RoleBinding", "default-reader", "orders", api_version="rbac.authorization.k8s.io/v1"
    )
    assert subjects is not None and len(subjects["subjects"]) == 2

    switched = run(connection, tmp_path, "switch", azure)
    assert len([r for r in switched.results if r.status == "changed"]) == 25

    with pytest.raises(UserError) as stopped:
        run(connection, tmp_path, "retire", azure)
    assert stopped.value.exit_code == EXIT_STOPPED
    assert "gate rollout before retire failed: 10 blocker(s)" in stopped.value.message
    assert (
        "pod orders/orders-api-7d9c8b-x03 of Deployment/orders/orders-api: not mutated"
        in stopped.value.message
    )
    assert "--skip-gate rollout" in stopped.value.hint

    rollout(kube)
    retired = run(connection, tmp_path, "retire", azure)
    assert not retired.failed
    assert kube.objects("AzureIdentityBinding") == [] and kube.objects("AzureIdentity") == []

    with pytest.raises(UserError) as blocked:
        run(connection, tmp_path, "uninstall", azure)
    assert (
        "AzureAssignedIdentity orders/orders-api-7d9c8b-x03-orders-id-orders remains"
        in blocked.value.message
    )
    assert "still carries aadpodidbinding" in blocked.value.message

    rollout(kube)
    mic(kube)
    from migrate.jobs import uninstall

    journal = Journal(connection, path=str(tmp_path / "journal.json")).load()
    done = uninstall.run(
        connection, journal, SETTINGS, apply.Options("uninstall", write=True), False, lambda _: None
    )
    assert not done.failed
    [security] = [n for n in done.notes if n.startswith("security:")]
    assert security.count("/userAssignedIdentities/id-") == 5  # from the retire journal
    dumped = kube.dump_state()
    assert not [k for k in dumped if "aadpodidentity" in k and dumped[k]]
    assert not [
        n
        for n in dumped["CustomResourceDefinition.apiextensions.k8s.io"]
        if n.endswith("aadpodidentity.k8s.io")
    ]
    assert kube.get("DaemonSet", "nmi") is None and kube.get("Deployment", "mic") is None
    for template in templates(kube):
        labels = template["metadata"]["labels"]  # type: ignore[index]
        assert labels.get(WI_USE_LABEL) == "true" and PI_LABEL not in labels
        assert template["spec"]["serviceAccountName"] == labels["app"].split("-")[0]  # type: ignore[index]
    assert len(templates(kube)) == 25


def test_every_stage_run_twice_changes_nothing_the_second_time(
    kube: FakeKubeApiServer, connection: Connection, tmp_path: Path
) -> None:
    azure = InMemoryCredentials()
    for stage in ("prepare", "switch", "retire"):
        run(connection, tmp_path, stage, azure)
        before = state(kube)
        again = run(connection, tmp_path, stage, azure)
        assert [r for r in again.results if r.status == "changed" and r.stage != "prepare"] == []
        assert state(kube) == before
        rollout(kube)


def test_rollback_from_retire_restores_the_exact_starting_state(
    kube: FakeKubeApiServer, connection: Connection, tmp_path: Path
) -> None:
    start = state(kube, "Pod")
    azure = InMemoryCredentials()
    for stage in ("prepare", "switch", "retire"):
        run(connection, tmp_path, stage, azure)
        rollout(kube)
    assert state(kube, "Pod") != start
    journal = Journal(connection, path=str(tmp_path / "journal.json")).load()
    with pytest.raises(UserError, match="roll back retire first"):
        rollback(connection, journal, "switch", lambda _: None)
    for stage in ("retire", "switch", "prepare"):
        journal = Journal(connection, path=str(tmp_path / "journal.json")).load()
        assert len(rollback(connection, journal, stage, lambda _: None)) > 0
    assert state(kube, "Pod") == start


def test_gates_before_switch_name_what_is_missing(
    kube: FakeKubeApiServer, connection: Connection, tmp_path: Path
) -> None:
    with pytest.raises(UserError) as stopped:
        run(connection, tmp_path, "switch", InMemoryCredentials())
    assert "gate prepared before switch failed" in stopped.value.message
    outcome = run(
        connection,
        tmp_path,
        "switch",
        InMemoryCredentials(),
        skip_gates=("prepared", "credentials"),
    )
    assert len(outcome.results) == 25


def test_without_yes_nothing_is_written_and_server_dry_run_stores_nothing(
    kube: FakeKubeApiServer, connection: Connection, tmp_path: Path
) -> None:
    before = kube.dump_state()
    journal = Journal(connection, path=str(tmp_path / "journal.json")).load()
    outcome = apply.run(
        connection, journal, SETTINGS, apply.Options("prepare"), InMemoryCredentials()
    )
    assert len(outcome.actions) == 15 and outcome.results == []
    connection.dry_run = True
    journal = Journal(connection, path=str(tmp_path / "journal.json")).load()
    kube_only = apply.Options("switch", write=True, skip_gates=("prepared", "credentials"))
    dry = apply.run(connection, journal, SETTINGS, kube_only, InMemoryCredentials())
    assert len(dry.results) == 25
    writes = [r for r in kube.requests if r.method in ("PATCH", "POST", "PUT", "DELETE")]
    assert writes and all(r.query.get("dryRun") == "All" for r in writes)
    assert kube.dump_state() == before
    assert not (tmp_path / "journal.json").exists()


def test_owned_workloads_are_left_alone_unless_patch_owned(
    kube: FakeKubeApiServer, connection: Connection, tmp_path: Path
) -> None:
    deployment = kube.get("Deployment", "orders-api", "orders")
    assert deployment is not None
    deployment["metadata"]["annotations"] = {"meta.helm.sh/release-name": "orders"}
    kube.seed([deployment])
    azure = InMemoryCredentials()
    run(connection, tmp_path, "prepare", azure)
    outcome = run(connection, tmp_path, "switch", azure)
    assert "left alone (managed by helm): Deployment/orders/orders-api" in outcome.notes
    assert len(outcome.results) == 24
    outcome = run(connection, tmp_path, "switch", azure, patch_owned=True)
    assert [r.target for r in outcome.results] == ["Deployment/orders/orders-api"]


def test_edge_cluster_rolls_back_from_retire_to_its_exact_starting_state(tmp_path: Path) -> None:
    """Reused and shared ServiceAccounts, a SecretProviderClass, an immutable selector, a bare
    Pod and a Job (skipped: immutable), a Helm-owned Deployment (patched with --patch-owned),
    a service-principal identity, an exception: all of it back as it was."""
    with FakeKubeApiServer() as kube:
        kube.load_snapshot(FIXTURES / "cluster-edge")
        connection = Connection(kube.api_client(), "fake")
        start = state(kube)
        azure = InMemoryCredentials()
        # no webhook here; the stand-in Azure creates no identity for the service principal, so
        # its ServiceAccount lacks a client id; the Pod and the Job stay unswitched
        skip = ("webhook", "prepared", "switched")
        outcomes = {
            stage: run(connection, tmp_path, stage, azure, patch_owned=True, skip_gates=skip)
            for stage in ("prepare", "switch", "retire")
        }
        skipped = {r.target: r.message for r in outcomes["switch"].results if r.status == "skipped"}
        assert set(skipped) == {"Job/shop/migrate-db", "Pod/shop/debug"}
        vault = kube.get(
            "SecretProviderClass", "vault", "shop", api_version="secrets-store.csi.x-k8s.io/v1"
        )
        assert vault is not None and vault["spec"]["parameters"]["usePodIdentity"] == "false"
        checkout = kube.get("Deployment", "checkout", "shop")
        assert (
            checkout is not None and PI_LABEL in checkout["spec"]["template"]["metadata"]["labels"]
        )
        assert kube.objects("AzureIdentity") == []
        for stage in ("retire", "switch", "prepare"):
            journal = Journal(connection, path=str(tmp_path / "journal.json")).load()
            rollback(connection, journal, stage, lambda _: None)
        assert state(kube) == start
        connection.close()
