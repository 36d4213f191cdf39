"""Issuer discovery: from AKS (ARM managedClusters) and from the cluster's OIDC document."""

from __future__ import annotations

import pytest

from migrate.azure.context import AzureContext
from migrate.azure.issuer import aks_cluster, aks_issuer, parse_aks
from migrate.errors import UserError
from migrate.kubeapi.client import Connection
from migrate.kubeapi.oidc import published_issuer
from migrate.planner.issuer import resolve_issuer
from tests.azure.builders import ISSUER, SUBSCRIPTION
from tests.fakes.azure import FakeAzure
from tests.fakes.kube_apiserver import FakeKubeApiServer

pytestmark = pytest.mark.kube_fake(issuer=ISSUER)


def test_aks_issuer_is_used_exactly_as_published_with_the_add_on_state(
    fake: FakeAzure, context: AzureContext
) -> None:
    fake.add_cluster(
        SUBSCRIPTION,
        "rg-aks",
        "prod",
        location="northeurope",
        oidc_issuer_url=ISSUER,
        workload_identity=False,
        pod_identity_profile={"enabled": True},
    )

    cluster = aks_cluster(context, *parse_aks("rg-aks/prod"))

    assert aks_issuer(cluster) == ISSUER and ISSUER.endswith("/")
    assert cluster.location == "northeurope" and cluster.pod_identity
    notes = " ".join(cluster.notes())
    assert "--enable-workload-identity" in notes and "--disable-pod-identity" in notes


def test_aks_without_oidc_issuer_and_missing_clusters_are_user_errors(
    fake: FakeAzure, context: AzureContext
) -> None:
    fake.add_cluster(SUBSCRIPTION, "rg-aks", "old", workload_identity=True)
    with pytest.raises(UserError, match="no OIDC issuer") as raised:
        aks_issuer(aks_cluster(context, "rg-aks", "old"))
    assert "--enable-oidc-issuer" in raised.value.hint
    with pytest.raises(UserError, match="cannot read AKS cluster rg-aks/ghost: 404"):
        aks_cluster(context, "rg-aks", "ghost")
    with pytest.raises(UserError, match="RESOURCE_GROUP/NAME"):
        parse_aks("prod")


def test_issuer_from_the_cluster_discovery_document(
    kube: FakeKubeApiServer, kubeconfig: str
) -> None:
    connection = Connection.connect("", kubeconfig)
    try:
        assert published_issuer(connection) == ISSUER
    finally:
        connection.close()


def test_a_plan_issuer_without_its_trailing_slash_is_refused() -> None:
    assert resolve_issuer("", ISSUER, "the cluster") == ISSUER
    assert resolve_issuer(ISSUER, "", "the cluster") == ISSUER  # nothing discovered
    assert resolve_issuer(ISSUER, ISSUER, "the cluster") == ISSUER
    with pytest.raises(UserError, match="differ only by the trailing '/'") as raised:
        resolve_issuer(ISSUER.rstrip("/"), ISSUER, "the cluster")
    assert raised.value.hint == f"plan again with --issuer {ISSUER}"
