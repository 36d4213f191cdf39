"""wi-migrate credentials: the CLI reaches the fake only through --arm-endpoint, --authority and
REQUESTS_CA_BUNDLE, like a private cloud."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.azure.builders import ISSUER, SUBSCRIPTION, write_app
from tests.conftest import ROOT
from tests.fakes.azure import FakeAzure

pytestmark = pytest.mark.kube_fake(issuer=ISSUER)


def repo(tmp_path: Path, fake: FakeAzure, count: int = 2) -> Path:
    for n in range(count):
        seeded = fake.add_identity(SUBSCRIPTION, "rg-id", f"id-app{n}")
        write_app(
            tmp_path / "repo",
            f"ns{n}",
            f"app{n}",
            resource_id=seeded["id"],
            client_id=seeded["clientId"],
        )
    return tmp_path / "repo"


def test_dry_run_then_write_then_nothing_left(
    run_cli, fake: FakeAzure, azure_args: list[str], tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    source = str(repo(tmp_path, fake))
    args = ["credentials", source, "--issuer", ISSUER, "--cluster-name", "prod", *azure_args]

    code, out, _ = run_cli(*args)
    assert code == 0 and "2 pending" in out and "pass --yes to write" in out
    assert fake.counters()["arm_writes"] == 0

    code, out, _ = run_cli(*args, "--yes")
    assert code == 0 and "2 changed" in out

    code, out, _ = run_cli(*args, "--yes", "-o", "json")
    document = json.loads(out)
    assert code == 0 and document["write"] is True and document["issuer"] == ISSUER
    assert [r["status"] for r in document["results"]] == ["unchanged", "unchanged"]
    assert fake.counters()["fic_writes"] == 2


def test_issuer_comes_from_aks_and_a_mismatching_plan_is_refused(
    run_cli, fake: FakeAzure, azure_args: list[str], tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    source = str(repo(tmp_path, fake, count=1))
    fake.add_cluster(SUBSCRIPTION, "rg-aks", "prod", oidc_issuer_url=ISSUER, workload_identity=True)

    code, out, _ = run_cli("credentials", source, "--aks", "rg-aks/prod", "--yes", *azure_args)
    assert code == 0 and "1 changed" in out
    (identity,) = fake.identities()
    assert fake.credentials(identity["id"])[0]["properties"]["issuer"] == ISSUER

    plan_file = tmp_path / "plan.json"
    code, out, _ = run_cli("plan", source, "-o", "json")
    plan_file.write_text(out)
    code, _, err = run_cli("credentials", str(plan_file), "--aks", "rg-aks/prod", *azure_args)
    assert code == 1 and "was planned without an issuer" in err
    assert f"plan again with --issuer {ISSUER}" in err

    code, _, err = run_cli(
        "credentials", source, "--issuer", ISSUER.rstrip("/"), "--aks", "rg-aks/prod", *azure_args
    )
    assert code == 1 and "differ only by the trailing '/'" in err


def test_issuer_from_the_cluster(
    run_cli, fake: FakeAzure, azure_args: list[str], tmp_path: Path, kubeconfig: str
) -> None:  # type: ignore[no-untyped-def]
    source = str(repo(tmp_path, fake, count=1))
    code, out, _ = run_cli(
        "credentials",
        source,
        "--issuer-from-cluster",
        "--kubeconfig",
        kubeconfig,
        *azure_args,
        "-o",
        "json",
    )
    assert code == 0 and json.loads(out)["issuer"] == ISSUER


def test_no_issuer_is_a_user_error_and_writes_nothing(
    run_cli, fake: FakeAzure, azure_args: list[str], tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    source = str(repo(tmp_path, fake, count=1))
    code, _, err = run_cli("credentials", source, "--yes", *azure_args)
    assert code == 1 and "the plan has no OIDC issuer" in err and "--aks" in err
    assert "Traceback" not in err and fake.counters()["arm_writes"] == 0


def test_over_the_limit_exits_1_before_any_write(
    run_cli, fake: FakeAzure, azure_args: list[str], tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    seeded = fake.add_identity(SUBSCRIPTION, "rg-id", "id-shared")
    for n in range(20):
        fake.add_credential(
            seeded["id"], f"old-{n}", issuer=ISSUER, subject=f"system:serviceaccount:o:s{n}"
        )
    write_app(tmp_path, "shop", "api", resource_id=seeded["id"], client_id=seeded["clientId"])

    code, out, _ = run_cli("credentials", str(tmp_path), "--issuer", ISSUER, "--yes", *azure_args)

    assert code == 1 and "would pass 20" in out
    assert fake.counters()["arm_writes"] == 0


def test_azure_commands_load_no_sdk_until_they_run() -> None:
    script = (
        "import sys\n"
        "from migrate.cli import main\n"
        "main(['credentials', '--help']); main(['verify', '--help'])\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('kubernetes', 'azure')]\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_the_authority_may_come_from_azure_authority_host(
    run_cli, fake: FakeAzure, azure_args: list[str], tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    source = str(repo(tmp_path, fake, count=1))
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", fake.authority)
    at = azure_args.index("--authority")
    without_authority = azure_args[:at] + azure_args[at + 2 :]
    code, out, _ = run_cli("credentials", source, "--issuer", ISSUER, *without_authority)
    assert code == 0 and "1 pending" in out
    assert fake.tokens() and fake.tokens()[0].grant == "client_secret"
