"""Issue edge 4: Azure first, fail fast. The credential is tried (one token request, through the
real azure-identity client) before any cluster write; a sign-in failure is one message naming
the credential chain tried and what to run, exit 4, never a dump of SDK output."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import SAMPLE_ISSUER, azure_args, writes
from tests.conftest import SAMPLE
from tests.fakes.azure import FakeAzure
from tests.fakes.kube_apiserver import FakeKubeApiServer

pytestmark = pytest.mark.kube_fake(snapshot="cluster-sample")

EXIT_NOT_SIGNED_IN = 4
TOKEN_PATH = r"/oauth2/v2\.0/token$"

COMMANDS = {
    "apply-prepare": ["apply", "--stage", "prepare", "--yes", "--cluster-name", "aks1"],
    "apply-switch": ["apply", "--stage", "switch", "--yes"],
    "credentials": ["credentials", str(SAMPLE), "--issuer", SAMPLE_ISSUER],
    "credentials-yes": ["credentials", str(SAMPLE), "--issuer", SAMPLE_ISSUER, "--yes"],
    "verify": ["verify", str(SAMPLE), "--issuer", SAMPLE_ISSUER],
}


def assert_one_sign_in_message(code: int, out: str, err: str) -> None:
    assert code == EXIT_NOT_SIGNED_IN, err
    assert "Traceback" not in err
    assert err.startswith("error: not signed in to Azure"), err
    assert len(err.splitlines()) <= 6, err  # one message, not a line per identity
    assert "EnvironmentCredential" in err  # the chain that was tried (AZURE_TOKEN_CREDENTIALS)
    assert "az login" in err and "AZURE_CLIENT_ID" in err  # what to run, at a desk or in CI
    assert "AZURE_FEDERATED_TOKEN_FILE" in err  # workload identity in a CI job / pod
    for wrong in (
        "federated credential missing",
        "again to resume",
        "DefaultAzureCredential failed",
    ):
        assert wrong not in err + out
    assert "not-a-secret" not in err + out


@pytest.mark.parametrize("command", COMMANDS, ids=list(COMMANDS))
def test_a_refused_token_is_one_message_before_any_write(
    command: str, kube: FakeKubeApiServer, azure: FakeAzure, live: Any
) -> None:
    refused = azure.inject("POST", TOKEN_PATH, status=401, times=None)
    started = time.monotonic()
    code, out, err = live(*COMMANDS[command], *azure_args(azure))
    elapsed = time.monotonic() - started
    assert_one_sign_in_message(code, out, err)
    assert refused.hits == 1  # one cheap token request, then stop
    assert azure.requests(path_regex=r"^/subscriptions/") == []  # nothing asked of ARM
    assert writes(kube) == []
    assert elapsed < 5


def test_no_credential_at_all_is_one_message(
    kube: FakeKubeApiServer, azure: FakeAzure, live: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EnvironmentCredential with nothing configured: unavailable, not refused."""
    monkeypatch.delenv("AZURE_CLIENT_SECRET")
    monkeypatch.delenv("AZURE_CLIENT_ID")
    code, out, err = live(*COMMANDS["apply-prepare"], *azure_args(azure))
    assert_one_sign_in_message(code, out, err)
    assert azure.requests() == []
    assert writes(kube) == []


def test_as_a_program_the_sdk_logs_nothing(
    azure: FakeAzure, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside pytest no logging handler is configured: azure-identity's WARNING per failed
    attempt would reach stderr through Python's last-resort handler."""
    azure.inject("POST", TOKEN_PATH, status=401, times=None)
    program = Path(sys.executable).with_name("wi-migrate")
    done = subprocess.run(
        [str(program), *COMMANDS["credentials"], *azure_args(azure)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ),
    )
    assert done.returncode == EXIT_NOT_SIGNED_IN, done.stderr
    assert len(done.stderr.splitlines()) == 2, done.stderr  # the error and its hint
    assert "WARNING" not in done.stderr and done.stdout == ""
