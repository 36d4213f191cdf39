"""Issue edge 2: settings said once. Flags, then WI_MIGRATE_<OPTION> environment variables (the
same name for every command), then wi-migrate.yaml (keys spelled like the long options) at the
root of the planned PATH, in the working directory, or named with --config."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import SAMPLE_ISSUER, document
from tests.conftest import SAMPLE

pytestmark = pytest.mark.kube_fake(snapshot="cluster-sample")


def settings_of(run_cli: Any, *args: str) -> dict[str, Any]:
    code, out, err = run_cli("plan", *args, "-o", "json")
    assert code == 0, err
    return document(out)["settings"]  # type: ignore[no-any-return]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the sample repo, to put a wi-migrate.yaml at its root."""
    target = tmp_path / "repo"
    shutil.copytree(SAMPLE, target)
    return target


def test_environment_variables_set_the_planning_options(
    run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WI_MIGRATE_ISSUER", SAMPLE_ISSUER)
    monkeypatch.setenv("WI_MIGRATE_CLUSTER_NAME", "aks9")
    monkeypatch.setenv("WI_MIGRATE_SA_NAME", "wi-{selector}")
    monkeypatch.setenv("WI_MIGRATE_FORCE_NAMESPACED", "true")
    monkeypatch.setenv("WI_MIGRATE_PROXY_SIDECAR_PORT", "8100")
    settings = settings_of(run_cli, str(SAMPLE))
    assert settings["issuer"] == SAMPLE_ISSUER
    assert settings["clusterName"] == "aks9"
    assert settings["saName"] == "wi-{selector}"
    assert settings["forceNamespaced"] is True
    assert settings["proxySidecarPort"] == 8100


def test_the_same_variable_serves_every_command(
    run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not WI_MIGRATE_RENDER_CLUSTER_NAME (click's per-command auto prefix): one name."""
    monkeypatch.setenv("WI_MIGRATE_ISSUER", SAMPLE_ISSUER)
    monkeypatch.setenv("WI_MIGRATE_CLUSTER_NAME", "aks9")
    code, _, err = run_cli("render", str(SAMPLE), "-d", "out", "-t", "az")
    assert code == 0, err
    scripts = "".join(p.read_text() for p in Path("out", "az").rglob("*.sh"))
    assert "aks9-" in scripts and SAMPLE_ISSUER in scripts
    for command in ("plan", "render", "rewrite", "apply", "status", "credentials", "verify"):
        code, out, err = run_cli(command, "--help")
        assert code == 0, err
        assert "WI_MIGRATE_CLUSTER_NAME" in out, command  # documented where the option is


def test_a_flag_beats_the_environment(run_cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WI_MIGRATE_CLUSTER_NAME", "aks9")
    assert settings_of(run_cli, str(SAMPLE), "--cluster-name", "aks1")["clusterName"] == "aks1"


def test_a_bad_environment_value_names_the_variable(
    run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WI_MIGRATE_PROXY_SIDECAR_PORT", "eighty")
    code, _, err = run_cli("plan", str(SAMPLE))
    assert code == 1
    assert "WI_MIGRATE_PROXY_SIDECAR_PORT" in err and "Traceback" not in err


def test_config_at_the_root_of_the_planned_path(run_cli: Any, repo: Path) -> None:
    (repo / "wi-migrate.yaml").write_text(
        f"# settings for this repo\nissuer: {SAMPLE_ISSUER}\ncluster-name: aks7\n"
        "sa-name: 'wi-{selector}'\nproxy-sidecar-port: 8100\nforce-namespaced: true\n"
    )
    settings = settings_of(run_cli, str(repo))
    assert settings["issuer"] == SAMPLE_ISSUER
    assert settings["clusterName"] == "aks7"
    assert settings["saName"] == "wi-{selector}"
    assert settings["proxySidecarPort"] == 8100
    assert settings["forceNamespaced"] is True


def test_the_config_file_is_not_a_manifest(run_cli: Any, repo: Path) -> None:
    (repo / "wi-migrate.yaml").write_text("cluster-name: aks7\n")
    code, out, err = run_cli("plan", str(repo), "-o", "json")
    assert code == 0, err
    assert "wi-migrate.yaml" not in out
    code, _, err = run_cli("rewrite", str(repo), "--stage", "all", "--allow-dirty")
    assert code == 0, err
    assert (repo / "wi-migrate.yaml").read_text() == "cluster-name: aks7\n"


def test_the_environment_beats_the_config_file(
    run_cli: Any, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "wi-migrate.yaml").write_text("cluster-name: aks7\n")
    monkeypatch.setenv("WI_MIGRATE_CLUSTER_NAME", "aks9")
    assert settings_of(run_cli, str(repo))["clusterName"] == "aks9"
    assert settings_of(run_cli, str(repo), "--cluster-name", "aks1")["clusterName"] == "aks1"


def test_config_in_the_working_directory(run_cli: Any) -> None:
    Path("wi-migrate.yaml").write_text("cluster-name: from-cwd\n")
    assert settings_of(run_cli, str(SAMPLE))["clusterName"] == "from-cwd"


def test_config_named_with_the_option_or_its_variable(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "team.yaml"
    config.write_text("cluster-name: named\n")
    Path("wi-migrate.yaml").write_text("cluster-name: from-cwd\n")
    assert settings_of(run_cli, str(SAMPLE), "--config", str(config))["clusterName"] == "named"
    monkeypatch.setenv("WI_MIGRATE_CONFIG", str(config))
    assert settings_of(run_cli, str(SAMPLE))["clusterName"] == "named"


def test_config_serves_the_cluster_commands_too(
    run_cli: Any, kubeconfig: str, tmp_path: Path
) -> None:
    """kubeconfig, journal and cluster-name from the file: `status` needs no flag at all."""
    Path("wi-migrate.yaml").write_text(
        f"kubeconfig: {kubeconfig}\njournal: {tmp_path / 'j.json'}\ncluster-name: aks1\n"
    )
    code, out, err = run_cli("status")
    assert code == 0, err
    assert "cluster fake" in out
    code, out, err = run_cli("plan", "--cluster", "-o", "json")
    assert code == 0, err
    assert json.loads(out)["settings"]["clusterName"] == "aks1"


def test_an_unknown_key_names_the_file_and_the_key(run_cli: Any, repo: Path) -> None:
    (repo / "wi-migrate.yaml").write_text("issuer: https://x.example/\nclustername: aks7\n")
    code, out, err = run_cli("plan", str(repo))
    assert code == 1
    assert out == ""
    assert f"{repo / 'wi-migrate.yaml'}:2" in err, err
    assert "unknown key 'clustername'" in err and "cluster-name" in err  # the nearest known key
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "text, where",
    [
        ("proxy-sidecar-port: eighty\n", "proxy-sidecar-port"),
        ("force-namespaced: maybe\n", "force-namespaced"),
        ("- issuer\n", "a mapping"),
        ("issuer: [a, b]\n", "issuer"),
        ("issuer: x\n  bad: indent\n", "wi-migrate.yaml"),
        ("sa-name: '{team}'\n", "sa-name"),
    ],
)
def test_a_bad_value_names_the_file_and_the_key(
    run_cli: Any, repo: Path, text: str, where: str
) -> None:
    (repo / "wi-migrate.yaml").write_text(text)
    code, out, err = run_cli("plan", str(repo))
    assert code == 1, err
    assert out == ""
    assert "wi-migrate.yaml" in err and where in err, err
    assert "Traceback" not in err


def test_a_missing_named_config_is_an_error(run_cli: Any) -> None:
    code, _, err = run_cli("plan", str(SAMPLE), "--config", "nowhere.yaml")
    assert code == 1
    assert "nowhere.yaml" in err and "Traceback" not in err


def test_the_plan_records_the_effective_settings(run_cli: Any, repo: Path, tmp_path: Path) -> None:
    """Settings from the file travel in the plan: render of the plan needs neither."""
    (repo / "wi-migrate.yaml").write_text(f"issuer: {SAMPLE_ISSUER}\ncluster-name: aks7\n")
    code, out, err = run_cli("plan", str(repo), "-o", "json")
    assert code == 0, err
    plan = tmp_path / "plan.json"
    plan.write_text(out)
    code, _, err = run_cli("render", str(plan), "-d", "out", "-t", "az")
    assert code == 0, err
    scripts = "".join(p.read_text() for p in Path("out", "az").rglob("*.sh"))
    assert "aks7-" in scripts and SAMPLE_ISSUER in scripts
