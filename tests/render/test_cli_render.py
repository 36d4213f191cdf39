"""wi-migrate render from the outside: layout, determinism, idempotency, templates, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.render import sample

ERRORS = ROOT / "tests" / "cases" / "plan" / "binding-without-identity" / "input"


@pytest.fixture(autouse=True)
def at_root(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)


def snapshot(folder: Path) -> dict[str, tuple[bytes, float, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_mode)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_render_twice_changes_nothing(run_cli, tmp_path: Path) -> None:
    code, _, err = run_cli("render", sample.SOURCE, *sample.OPTIONS, "-d", str(tmp_path))
    assert code == 0, err
    assert err.strip().splitlines()[-1] == f"{tmp_path}: wrote 73, unchanged 0"
    first = snapshot(tmp_path)
    code, _, err = run_cli("render", sample.SOURCE, *sample.OPTIONS, "-d", str(tmp_path))
    assert code == 0 and err.strip().splitlines()[-1] == f"{tmp_path}: wrote 0, unchanged 73"
    assert "wrote kubernetes" not in err
    assert snapshot(tmp_path) == first  # same bytes, not even touched
    assert first["kubernetes/prepare/apply.sh"][2] & 0o111, "scripts are executable"
    assert set(p.split("/")[0] for p in first) == {
        "kubernetes",
        "az",
        "terraform",
        "bicep",
        "aso",
        "markdown",
        "html",
    }


def test_a_saved_plan_renders_the_same_bytes_as_the_manifests(run_cli, tmp_path: Path) -> None:
    _, plan_json, _ = run_cli("plan", sample.SOURCE, *sample.OPTIONS, "-o", "json")
    (tmp_path / "plan.json").write_text(plan_json)
    run_cli("render", sample.SOURCE, *sample.OPTIONS, "-d", str(tmp_path / "a"))
    code, _, err = run_cli("render", str(tmp_path / "plan.json"), "-d", str(tmp_path / "b"))
    assert code == 0, err
    a, b = snapshot(tmp_path / "a"), snapshot(tmp_path / "b")
    assert {k: v[0] for k, v in a.items()} == {k: v[0] for k, v in b.items()}


def test_one_stage_and_target(run_cli, tmp_path: Path) -> None:
    code, _, err = run_cli(
        "render",
        sample.SOURCE,
        *sample.OPTIONS,
        "--stage",
        "switch",
        "-t",
        "kubernetes",
        "-t",
        "markdown",
        "-d",
        str(tmp_path),
    )
    assert code == 0, err
    folders = {
        str(p.parent.relative_to(tmp_path)).split("/")[:2] == ["kubernetes", "switch"]
        or str(p.relative_to(tmp_path)).startswith("markdown/switch/")
        for p in tmp_path.rglob("*.*")
    }
    assert folders == {True}


def test_templates_override_by_relative_path(run_cli, tmp_path: Path) -> None:
    mine = tmp_path / "templates" / "az"
    mine.mkdir(parents=True)
    (mine / "federated-credentials.sh.j2").write_text(
        "#!/bin/sh\n# {{ credentials | length }} credentials\n"
    )
    code, _, err = run_cli(
        "render",
        sample.SOURCE,
        *sample.OPTIONS,
        "-t",
        "az",
        "--templates",
        str(tmp_path / "templates"),
        "-d",
        str(tmp_path / "out"),
    )
    assert code == 0, err
    assert (
        tmp_path / "out" / "az" / "prepare" / "federated-credentials.sh"
    ).read_text() == "#!/bin/sh\n# 11 credentials\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{% for x in %}", "az/federated-credentials.sh.j2:1: Expected an expression"),
        (
            "{{ no_such_value }}",
            "template az/federated-credentials.sh.j2: 'no_such_value' is undefined",
        ),
    ],
)
def test_a_broken_user_template_is_an_error_naming_it(
    run_cli, tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "az").mkdir()
    (tmp_path / "az" / "federated-credentials.sh.j2").write_text(text)
    code, _, err = run_cli(
        "render",
        sample.SOURCE,
        *sample.OPTIONS,
        "-t",
        "az",
        "--templates",
        str(tmp_path),
        "-d",
        str(tmp_path / "o"),
    )
    assert code == 1 and message in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_a_missing_templates_folder_is_an_error(run_cli, tmp_path: Path) -> None:
    code, _, err = run_cli(
        "render", sample.SOURCE, "--templates", str(tmp_path / "nope"), "-d", str(tmp_path)
    )
    assert code == 1 and f"--templates {tmp_path / 'nope'}: no such folder" in err


def test_an_invalid_object_from_a_user_template_is_refused(run_cli, tmp_path: Path) -> None:
    (tmp_path / "kubernetes").mkdir()
    (tmp_path / "kubernetes" / "workload-switch.yaml.j2").write_text(
        "{{ body | to_yaml }}spec:\n  template:\n    metadata:\n      labels:\n        azure.workload.identity/use: true\n"
    )
    code, _, err = run_cli(
        "render",
        sample.SOURCE,
        *sample.OPTIONS,
        "-t",
        "kubernetes",
        "--templates",
        str(tmp_path),
        "-d",
        str(tmp_path / "o"),
    )
    assert code == 1, err
    assert (
        "kubernetes/switch/" in err
        and "not valid for Kubernetes 1.37" in err
        and "True is not of type 'string'" in err
    )


def test_kube_version_must_be_one_kubernetes_validate_knows(run_cli, tmp_path: Path) -> None:
    code, _, err = run_cli(
        "render", sample.SOURCE, *sample.OPTIONS, "--kube-version", "1.12", "-d", str(tmp_path)
    )
    assert code == 1 and "--kube-version 1.12: kubernetes-validate has no schemas for it" in err
    code, _, err = run_cli(
        "render",
        sample.SOURCE,
        *sample.OPTIONS,
        "--kube-version",
        "1.30",
        "-t",
        "kubernetes",
        "-d",
        str(tmp_path),
    )
    assert code == 0, err


def test_error_findings_refuse_to_render_unless_forced(run_cli, tmp_path: Path) -> None:
    code, _, err = run_cli("render", str(ERRORS), "-d", str(tmp_path / "o"))
    assert code == 1 and "error missing-identity" in err and "pass --force" in err
    assert not (tmp_path / "o").exists()
    code, _, err = run_cli("render", str(ERRORS), "--force", "-d", str(tmp_path / "o"))
    assert code == 0, err


def test_help_names_the_defaults(run_cli) -> None:
    code, out, _ = run_cli("render", "--help")
    assert code == 0
    assert "[default: all]" in out and "--issuer" in out and "--output-dir" in out
