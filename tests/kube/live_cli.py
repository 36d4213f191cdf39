"""The live commands through the CLI against the fake cluster and the fake Azure, with a state
directory per test (shared by the trust, lease and state tests)."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.fakes.azure import FakeAzure
from tests.fakes.kube_apiserver import FakeKubeApiServer
from tests.kube.conftest import azure_args

Cli = Callable[..., tuple[int, str, str]]
AZURE_COMMANDS = ("apply",)
STATE_COMMANDS = ("apply", "rollback", "status")
JOURNAL = ("wi-migrate-journal", "kube-system")


def live_cli(
    run_cli: Any, fake: FakeKubeApiServer, azure: FakeAzure, tmp_path: Path, state: str = "state"
) -> Cli:
    kubeconfig = str(fake.write_kubeconfig(tmp_path / "kubeconfig"))
    state_dir = str(tmp_path / state)

    def run(*args: str) -> tuple[int, str, str]:
        common = ["--kubeconfig", kubeconfig]
        if args[0] in STATE_COMMANDS:
            common += ["--state-dir", state_dir]
        if args[0] in AZURE_COMMANDS:
            common += ["--cluster-name", "aks1", *azure_args(azure)]
        return run_cli(*args, *common)  # type: ignore[no-any-return]

    return run


def switched(fake: FakeKubeApiServer) -> list[str]:
    """Deployments whose pod template carries the Workload Identity label."""
    return [
        f"{d['metadata']['namespace']}/{d['metadata']['name']}"
        for d in fake.objects("Deployment")
        if (d["spec"]["template"]["metadata"].get("labels") or {}).get(
            "azure.workload.identity/use"
        )
    ]


def cluster_journal(fake: FakeKubeApiServer) -> dict[str, Any]:
    """The journal ConfigMap's stage documents, decoded."""
    configmap = fake.get("ConfigMap", *JOURNAL)
    assert configmap is not None
    return {
        key.removesuffix(".json.gz"): json.loads(gzip.decompress(base64.b64decode(value)))
        for key, value in (configmap.get("binaryData") or {}).items()
    }


def write_cluster_journal(fake: FakeKubeApiServer, stages: dict[str, Any]) -> None:
    """Replace the journal ConfigMap's stage documents, as someone with `patch configmaps` in
    the journal namespace could."""
    configmap = fake.get("ConfigMap", *JOURNAL)
    assert configmap is not None
    configmap["binaryData"] = {
        f"{stage}.json.gz": base64.b64encode(gzip.compress(json.dumps(doc).encode())).decode()
        for stage, doc in stages.items()
    }
    fake.seed([configmap])
