"""The real control plane, once per test run, for tests marked real_cluster.

Its binaries are built on first use (tests/cluster/toolchain.py, progress on stderr). Without
Go, or when a build fails, the tests are skipped, except in CI (CI=true), where that fails the
run. The processes' logs stay in the run's temporary directory; on a failure their tails are
printed at the end of the session.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jwt
import pytest

from tests.cluster import seed, toolchain
from tests.cluster.admin import Admin
from tests.cluster.cluster import RealCluster
from tests.cluster.control_plane import ControlPlane
from tests.cluster.pki import MIGRATOR
from tests.fakes.azure import FakeAzure
from tests.kube.conftest import SUBSCRIPTION, TEAMS, TENANT

FAILED = pytest.StashKey[bool]()


def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> None:
    if call.excinfo is not None and item.get_closest_marker("real_cluster"):
        item.session.stash[FAILED] = True


@pytest.fixture(scope="session")
def control_plane(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ControlPlane]:
    try:
        binaries = toolchain.ensure(log=sys.__stderr__)
    except toolchain.ToolchainError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"real cluster: {error}", pytrace=False)
        pytest.skip(f"real cluster unavailable: {error}")
    plane = ControlPlane(binaries, tmp_path_factory.mktemp("real-cluster")).start()
    admin = Admin(plane.admin_kubeconfig)
    try:
        seed.bootstrap(plane, admin)
        yield plane
    finally:
        admin.close()
        plane.stop()
        if request.session.stash.get(FAILED, False):
            print(f"\nreal cluster logs: {plane.logs}\n{plane.log_tails()}", file=sys.__stderr__)


@pytest.fixture
def cluster(control_plane: ControlPlane) -> Iterator[RealCluster]:
    """The sample, freshly seeded and settled."""
    admin = Admin(control_plane.admin_kubeconfig)
    real = RealCluster(control_plane, admin)
    real.reset()
    yield real
    admin.close()


@pytest.fixture(autouse=True)
def no_ambient_azure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "EnvironmentCredential")
    for name in (
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_TENANT_ID",
        "AZURE_SUBSCRIPTION_ID",
    ):
        monkeypatch.delenv(name, raising=False)


@contextmanager
def azure_for(plane: ControlPlane, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAzure]:
    """The Azure fake with the sample's identities; its Entra checks every client assertion's
    signature against the keys the real issuer publishes (fetched the way Entra fetches
    them: anonymously, from the issuer's discovery document). The CLI (in-process or a
    child) reaches it through the environment."""
    with FakeAzure(tenant_id=TENANT, assertion_key=issuer_jwks(plane)) as fake:
        for i, team in enumerate(TEAMS, 1):
            client_id = f"{i:08d}-aaaa-4bbb-8ccc-{i:012d}"
            fake.add_identity(SUBSCRIPTION, f"rg-{team}", f"id-{team}", client_id=client_id)
        monkeypatch.setenv("AZURE_CLIENT_ID", "wi-migrate-tests")
        monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-a-secret")
        monkeypatch.setenv("AZURE_TENANT_ID", TENANT)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", fake.ca_path)
        yield fake


@pytest.fixture
def azure(control_plane: ControlPlane, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAzure]:
    with azure_for(control_plane, monkeypatch) as fake:
        yield fake


def issuer_jwks(plane: ControlPlane) -> dict[str, Any]:
    status, discovery = plane.request("GET", "/.well-known/openid-configuration", user=None)
    assert status == 200, discovery
    assert discovery["issuer"] == plane.issuer
    jwks_path = discovery["jwks_uri"].removeprefix(plane.url)
    # the real server answers 406 to Accept: application/json here
    status, jwks = plane.request("GET", jwks_path, user=None, accept="application/jwk-set+json")
    assert status == 200 and jwks["keys"], jwks
    jwt.PyJWKSet.from_dict(jwks)  # well-formed
    return dict(jwks)


@pytest.fixture
def cli(control_plane: ControlPlane, run_cli: Any, tmp_path: Path) -> Any:
    """wi-migrate in-process as the migrator user, with this test's state directory."""
    kubeconfig = str(control_plane.migrator_kubeconfig)
    state = str(tmp_path / "state")

    def run(*args: str) -> tuple[int, str, str]:
        common = ["--kubeconfig", kubeconfig]
        common += [] if args[0] in ("plan", "verify") else ["--state-dir", state]
        return run_cli(*args, *common)  # type: ignore[no-any-return]

    return run


__all__ = ["MIGRATOR"]
