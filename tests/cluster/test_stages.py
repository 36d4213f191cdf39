"""The four live stages on a real control plane, through the CLI, as the migrator user bound
only to docs/clusterrole.yaml: real server-side apply, RBAC, TokenRequest and OIDC discovery,
the real webhook mutating the pods the controller-manager rolls out onto kwok's nodes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jwt
import pytest

from tests.cluster.cluster import RealCluster
from tests.cluster.control_plane import ControlPlane
from tests.fakes.azure import FakeAzure
from tests.kube.conftest import TEAMS, azure_args

pytestmark = pytest.mark.real_cluster

AUDIENCE = "api://AzureADTokenExchange"
TOKEN_FILE = "/var/run/secrets/azure/tokens/azure-identity-token"


def apply(cli: Any, stage: str, *extra: str) -> tuple[int, str, str]:
    return cli("apply", "--stage", stage, "--yes", "--cluster-name", "aks1", *extra)  # type: ignore[no-any-return]


def forbidden(plane: ControlPlane, since: int) -> list[str]:
    return [
        f"{e['verb']} {e['requestURI']}"
        for e in plane.audit()[since:]
        if e.get("responseStatus", {}).get("code") == 403
    ]


def test_four_stages_end_to_end_as_the_migrator(
    cluster: RealCluster, control_plane: ControlPlane, azure: FakeAzure, cli: Any, tmp_path: Path
) -> None:
    audit_mark = len(control_plane.audit())
    code, out, err = cli("plan", "--cluster", "-o", "json")
    assert code == 0, err
    plan = json.loads(out)
    assert (
        plan["settings"]["issuer"] == control_plane.issuer
    )  # read from the real discovery document
    assert "webhook-missing" not in out
    saved = tmp_path / "plan.json"
    saved.write_text(out)

    code, out, err = apply(cli, "prepare", *azure_args(azure))
    assert code == 0, err + out
    for i, team in enumerate(TEAMS, 1):
        [identity] = [x for x in azure.identities() if x["name"] == f"id-{team}"]
        [fic] = azure.credentials(identity["id"])
        assert fic["properties"]["issuer"] == control_plane.issuer
        assert fic["properties"]["subject"] == f"system:serviceaccount:{team}:{team}"
        account = cluster.admin.get("v1", "ServiceAccount", team, team)
        assert account is not None
        assert account["metadata"]["annotations"]["azure.workload.identity/client-id"] == (
            f"{i:08d}-aaaa-4bbb-8ccc-{i:012d}"
        )
        assert account["imagePullSecrets"] == [{"name": "registry-creds"}]

    # verify: a TokenRequest per ServiceAccount from the real API server, exchanged at the
    # fake Entra, which checks the signature with the issuer's JWKS and iss/sub/aud exactly
    code, out, err = cli(
        "verify", str(saved), *azure_args(azure), "-o", "json", "--attempts", "2", "--delay", "0.1"
    )
    assert code == 0, err + out
    checks = json.loads(out)["checks"]
    assert len(checks) == 5 and {c["status"] for c in checks} == {"passed"}

    tokens_before = len(azure.tokens())
    code, out, err = apply(cli, "switch", "--token-check", *azure_args(azure))
    assert code == 0, err + out
    exchanged = [t for t in azure.tokens()[tokens_before:] if t.grant == "client_assertion"]
    assert sorted((t.assertion_claims or {})["sub"] for t in exchanged) == sorted(  # type: ignore[index]
        f"system:serviceaccount:{team}:{team}" for team in TEAMS
    )
    for token in exchanged:  # real TokenRequest tokens, verified by the fake Entra with the JWKS
        assert (token.assertion_claims or {})["iss"] == control_plane.issuer  # type: ignore[index]
        assert (token.assertion_claims or {})["aud"] == [AUDIENCE]  # type: ignore[index]

    cluster.settle()
    switched = cluster.pods(selector="azure.workload.identity/use=true")
    assert len(switched) == 15  # api, worker, cache per namespace (backfill: 0 replicas)
    for pod in switched:
        assert_mutated(cluster, pod)

    code, out, err = apply(cli, "retire")
    assert code == 0, err + out
    assert cluster.admin.list("aadpodidentity.k8s.io/v1", "AzureIdentityBinding") == []
    assert cluster.admin.list("aadpodidentity.k8s.io/v1", "AzureIdentity") == []
    cluster.settle()  # new pods without aadpodidbinding; MIC releases the assignments
    assert cluster.pods(selector="aadpodidbinding") == []

    code, out, err = apply(cli, "uninstall")
    assert code == 0, err + out
    crds = cluster.admin.list("apiextensions.k8s.io/v1", "CustomResourceDefinition")
    assert [c for c in crds if c["metadata"]["name"].endswith("aadpodidentity.k8s.io")] == []
    assert cluster.admin.get("apps/v1", "DaemonSet", "nmi", "default") is None
    assert cluster.admin.get("apps/v1", "Deployment", "mic", "default") is None
    assert forbidden(control_plane, audit_mark) == []  # not one 403 for the documented roles


def assert_mutated(cluster: RealCluster, pod: dict[str, Any]) -> None:
    """What the real webhook injects, on a pod kwok made Ready."""
    meta, spec = pod["metadata"], pod["spec"]
    account = cluster.admin.get(
        "v1", "ServiceAccount", spec["serviceAccountName"], meta["namespace"]
    )
    assert account is not None
    client_id = account["metadata"]["annotations"]["azure.workload.identity/client-id"]
    for container in spec["containers"]:
        env = {e["name"]: e.get("value") for e in container.get("env") or []}
        assert env["AZURE_FEDERATED_TOKEN_FILE"] == TOKEN_FILE, meta["name"]
        assert env["AZURE_CLIENT_ID"] == client_id
        assert env["AZURE_TENANT_ID"] and env["AZURE_AUTHORITY_HOST"]
        mounts = {m["name"]: m["mountPath"] for m in container.get("volumeMounts") or []}
        assert mounts["azure-identity-token"] == "/var/run/secrets/azure/tokens"
    [volume] = [v for v in spec["volumes"] if v["name"] == "azure-identity-token"]
    [source] = volume["projected"]["sources"]
    assert source["serviceAccountToken"]["audience"] == AUDIENCE
    conditions = {c["type"]: c["status"] for c in pod["status"].get("conditions") or []}
    assert conditions.get("Ready") == "True" and pod["status"]["phase"] == "Running"


def test_rollback_of_retire_and_switch_restores_the_starting_state(
    cluster: RealCluster, control_plane: ControlPlane, azure: FakeAzure, cli: Any
) -> None:
    audit_mark = len(control_plane.audit())
    start = cluster.state()
    for stage in ("prepare", "switch", "retire"):
        code, out, err = apply(cli, stage, *azure_args(azure))
        assert code == 0, (stage, err + out)
        cluster.settle()
    assert cluster.state() != start
    code, _, err = cli("rollback", "--stage", "switch", "--yes")
    assert code != 0 and "roll back retire first" in err
    for stage in ("retire", "switch", "prepare"):
        code, out, err = cli("rollback", "--stage", stage, "--yes")
        assert code == 0, (stage, err + out)
        cluster.settle()
    assert_same(cluster.state(), start)
    assert forbidden(control_plane, audit_mark) == []


def assert_same(now: dict[str, Any], start: dict[str, Any]) -> None:
    """Object by object, so a failure names the object and the field."""
    assert sorted(set(now) - set(start)) == [], "objects the rollback left behind"
    assert sorted(set(start) - set(now)) == [], "objects the rollback did not restore"
    for key in sorted(start):
        assert now[key] == start[key], key


def test_the_issuer_publishes_the_keys_that_sign_token_requests(
    cluster: RealCluster, control_plane: ControlPlane
) -> None:
    """What the token check relies on, from the real API server: a TokenRequest token verifies
    against the JWKS of the issuer's discovery document, with iss, sub and aud as asked."""
    from tests.cluster.conftest import issuer_jwks

    status, token = control_plane.request(
        "POST",
        "/api/v1/namespaces/orders/serviceaccounts/default/token",
        body={
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "spec": {"audiences": [AUDIENCE]},
        },
    )
    assert status == 201, token
    keys = jwt.PyJWKSet.from_dict(issuer_jwks(control_plane))
    header = jwt.get_unverified_header(token["status"]["token"])
    [key] = [k for k in keys.keys if k.key_id == header["kid"]]
    claims = jwt.decode(token["status"]["token"], key.key, algorithms=["RS256"], audience=AUDIENCE)
    assert claims["iss"] == control_plane.issuer
    assert claims["sub"] == "system:serviceaccount:orders:default"
