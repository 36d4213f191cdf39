"""The one error boundary (migrate/cli.py): every failure is one message, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

from migrate.azure import errors as azure_errors
from migrate.errors import EXIT_ERROR, EXIT_INTERNAL, EXIT_STOPPED
from migrate.jobs import plan as plan_job
from tests.conftest import SAMPLE
from tests.fakes.kube_apiserver import FakeKubeApiServer

ISSUER = "https://issuer.example/"


def plan_cluster(run_cli, kube: FakeKubeApiServer, tmp_path: Path):  # type: ignore[no-untyped-def]
    kubeconfig = str(kube.write_kubeconfig(tmp_path / "kubeconfig"))
    return run_cli("plan", "--cluster", "--kubeconfig", kubeconfig, "--issuer", ISSUER)


def test_a_forbidden_list_under_plan_cluster_names_the_permission_problem(
    run_cli, kube: FakeKubeApiServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fault = kube.inject(method="GET", path_regex=r"^/api/v1/pods$", status=403, times=None)

    code, out, err = plan_cluster(run_cli, kube, tmp_path)

    assert fault.hits >= 1
    assert code == EXIT_ERROR and out == ""
    assert "Traceback" not in err
    assert "error: the API server forbade a request" in err
    assert "docs/rbac.md" in err and "run the same command again" not in err


def test_refused_credentials_are_not_called_resumable(
    run_cli, kube: FakeKubeApiServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fault = kube.inject(method="GET", path_regex=r"^/api/v1/pods$", status=401, times=None)

    code, _, err = plan_cluster(run_cli, kube, tmp_path)

    assert fault.hits >= 1 and code == EXIT_ERROR and "Traceback" not in err
    assert "refused the credentials" in err and "refresh the kubeconfig" in err


def test_a_failure_that_outlasts_the_retries_is_a_resumable_stop(
    run_cli, kube: FakeKubeApiServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fault = kube.inject(method="GET", path_regex=r"^/api/v1/pods$", status=500, times=None)

    code, _, err = plan_cluster(run_cli, kube, tmp_path)

    assert fault.hits == 6  # the connection's attempts, then the stop
    assert code == EXIT_STOPPED and "Traceback" not in err
    assert "the API server failed" in err and "run the same command again" in err


@pytest.fixture
def bug(monkeypatch: pytest.MonkeyPatch) -> None:
    """The planner raises: our own code, standing in for a bug."""

    def broken(*_: object, **__: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(plan_job, "plan", broken)


@pytest.mark.usefixtures("bug")
def test_a_bug_is_one_line_with_where_to_report_it(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli("plan", str(SAMPLE), "--issuer", ISSUER)

    assert code == EXIT_INTERNAL and out == ""
    assert "Traceback" not in err
    (first, second) = err.strip().splitlines()
    assert first.startswith("internal error: ZeroDivisionError at ")
    assert "please report it at https://" in second and "WI_MIGRATE_DEBUG=1" in second


@pytest.mark.usefixtures("bug")
def test_the_traceback_is_shown_only_when_asked_for(
    run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("WI_MIGRATE_DEBUG", "1")

    code, _, err = run_cli("plan", str(SAMPLE), "--issuer", ISSUER)

    assert code == EXIT_INTERNAL and "Traceback (most recent call last)" in err


def test_azure_sdk_errors_become_one_line() -> None:
    signed_out = azure_errors.translate(ClientAuthenticationError("DefaultAzureCredential failed"))
    assert signed_out is not None and signed_out.message.startswith("not signed in to Azure")
    assert "az login" in signed_out.hint

    forbidden = HttpResponseError("AuthorizationFailed: the client has no permission\nmore")
    forbidden.status_code = 403
    refused = azure_errors.translate(forbidden)
    assert refused is not None and refused.exit_code == EXIT_ERROR
    assert (
        refused.message
        == "Azure refused a request (403): AuthorizationFailed: the client has no permission"
    )

    failing = HttpResponseError("InternalServerError")
    failing.status_code = 500
    stopped = azure_errors.translate(failing)
    assert stopped is not None and stopped.exit_code == EXIT_STOPPED

    assert azure_errors.translate(ValueError("not Azure")) is None
