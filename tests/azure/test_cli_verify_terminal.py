"""wi-migrate verify in an 80-column terminal: a long ServiceAccount name is shown whole, so
it can be copied and grepped."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import terminal
from tests.azure.builders import ISSUER, SUBSCRIPTION, write_app
from tests.fakes.azure import FakeAzure
from tests.fakes.kube_apiserver import FakeKubeApiServer

pytestmark = pytest.mark.kube_fake(issuer=ISSUER)

LONG = "payments-settlement-reconciliation-worker-eu-west-primary-01"  # 60: a label value fits


def test_verify_shows_a_long_service_account_name_whole_at_80_columns(
    fake: FakeAzure,
    kube: FakeKubeApiServer,
    kubeconfig: str,
    azure_args: list[str],
    tmp_path: Path,
) -> None:
    seeded = fake.add_identity(SUBSCRIPTION, "rg-id", "id-settlement")
    write_app(
        tmp_path / "repo", "payments", LONG, resource_id=seeded["id"], client_id=seeded["clientId"]
    )
    kube.seed(
        [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "payments"}},
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": LONG, "namespace": "payments"},
            },
        ]
    )

    shown = terminal.run(
        "verify",
        str(tmp_path / "repo"),
        "--kubeconfig",
        kubeconfig,
        *azure_args,
        "--attempts",
        "1",
        "--delay",
        "0",
        columns=80,
        stderr_tty=True,
    )

    assert shown.code == 1, shown.err  # no federated credential yet: the check fails
    lines = shown.out.splitlines()
    assert all(len(line) <= 80 or " " not in line.strip() for line in lines), shown.out
    assert any(LONG in line for line in lines), shown.out
    assert any(seeded["clientId"] in line for line in lines), shown.out
    assert any(ISSUER in line for line in lines), shown.out  # quoted in the explanation
    assert "AADSTS" in shown.out
    # the checks (retries with a delay each) get a progress bar on the stderr terminal
    assert any("token checks" in line and "━" in line for line in shown.err.splitlines()), shown.err
