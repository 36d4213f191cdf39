"""docs/clusterrole.yaml allows every request wi-migrate makes, and a test keeps it so."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from migrate.kubeapi.kinds import KINDS
from tests.conftest import FIXTURES, ROOT
from tests.fakes.kube_apiserver import FakeKubeApiServer, RecordedRequest
from tests.kube.cluster import mic, rollout
from tests.kube.conftest import azure_args

ROLES = {
    doc["metadata"]["name"]: doc["rules"]
    for doc in yaml.safe_load_all((ROOT / "docs" / "clusterrole.yaml").read_text())
}


def verb(request: RecordedRequest) -> tuple[str, str, str]:
    """(apiGroup, resource, verb) of a request, as the API server's authorizer sees it."""
    parts = request.path.strip("/").split("/")
    if parts[0] not in ("api", "apis"):
        return ("", request.path, "get")  # a non-resource URL
    rest = parts[2:] if parts[0] == "api" else parts[3:]
    group = "" if parts[0] == "api" else parts[1]
    if rest[0] == "namespaces" and len(rest) > 2:
        rest = rest[2:]
    plural, named = rest[0], len(rest) > 1
    if len(rest) > 2:  # a subresource: RBAC names it "serviceaccounts/token"
        plural = f"{plural}/{rest[2]}"
    method = {
        "GET": "get" if named else "list",
        "POST": "create",
        "PUT": "update",
        "PATCH": "patch",
        "DELETE": "delete",
    }[request.method]
    return (group, plural, method)


def allowed(rules: Iterable[dict[str, Any]], group: str, resource: str, action: str) -> bool:
    for rule in rules:
        if resource.startswith("/"):
            if resource in rule.get("nonResourceURLs", []) and action in rule["verbs"]:
                return True
        elif (
            group in rule.get("apiGroups", [])
            and resource in rule.get("resources", [])
            and action in rule["verbs"]
        ):
            return True
    return False


def denied(requests: Iterable[RecordedRequest], *roles: str) -> set[tuple[str, str, str]]:
    rules = [rule for role in roles for rule in ROLES[role]]
    return {v for v in map(verb, requests) if not allowed(rules, *v)}


def test_read_role_covers_plan_and_status_and_apply_role_covers_every_stage_and_rollback(
    run_cli: Any, tmp_path: Path, azure: Any
) -> None:
    with FakeKubeApiServer() as fake:
        fake.load_snapshot(FIXTURES / "cluster-sample")
        kube = ["--kubeconfig", str(fake.write_kubeconfig(tmp_path / "kubeconfig"))]
        journal = ["--state-dir", str(tmp_path / "state")]
        assert run_cli("plan", "--cluster", *kube)[0] == 0
        assert run_cli("status", *kube, *journal)[0] == 0
        assert denied(fake.requests, "wi-migrate-read") == set()
        fake.clear_requests()
        for stage in ("prepare", "switch", "retire"):
            token_check = ["--token-check"] if stage == "switch" else []
            code, _, err = run_cli(
                "apply",
                "--stage",
                stage,
                "--yes",
                *token_check,
                *kube,
                *journal,
                *azure_args(azure),
            )
            assert code == 0, err
            rollout(fake)
        for stage in ("retire", "switch", "prepare"):
            assert run_cli("rollback", "--stage", stage, "--yes", *kube, *journal)[0] == 0
        for stage in ("prepare", "switch", "retire"):
            assert (
                run_cli("apply", "--stage", stage, "--yes", *kube, *journal, *azure_args(azure))[0]
                == 0
            )
            rollout(fake)
        mic(fake)
        uninstall = ["apply", "--stage", "uninstall", "--yes", "--check-node-pools"]
        assert run_cli(*uninstall, *kube, *journal, *azure_args(azure))[0] == 0
        mine = [r for r in fake.requests if "azureassignedidentities/" not in r.path]  # mic()'s
        used = {verb(r) for r in mine}
        assert denied(mine, "wi-migrate-read", "wi-migrate-apply") == set()
        assert {
            ("", "serviceaccounts", "delete"),
            ("aadpodidentity.k8s.io", "azureidentities", "create"),
            ("apps", "deployments", "patch"),
            ("", "nodes", "list"),
            ("", "serviceaccounts/token", "create"),
        } <= used


def test_every_kind_the_tool_knows_is_readable() -> None:
    rules = ROLES["wi-migrate-read"]
    for kind in KINDS.values():
        if kind.kind in ("Namespace", "Secret", "Lease"):  # the Lease is read by name only
            continue
        assert allowed(rules, kind.group, kind.plural, "list"), kind
