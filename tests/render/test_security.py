"""The service principal's secret never leaves its Secret: not in the plan, files, or logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from migrate.model.stages import CHOICES
from tests.conftest import SAMPLE
from tests.render import sample

CANARY = "CANARY-do-not-leak-7f3a9c"


def test_the_fixture_really_holds_the_canary() -> None:
    assert CANARY in (SAMPLE / "apps" / "legacy" / "legacy-sp-secret.yaml").read_text()


def test_no_plan_output_or_rendered_file_contains_the_secret(
    run_cli, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.chdir(sample.ROOT)
    seen: list[str] = []
    for output in ("json", "yaml", "markdown", "table"):
        code, out, err = run_cli("plan", sample.SOURCE, *sample.OPTIONS, "-o", output)
        seen += [out, err]
    (tmp_path / "plan.json").write_text(seen[0])
    for stage in CHOICES:
        code, out, err = run_cli(
            "render", sample.SOURCE, *sample.OPTIONS, "--stage", stage, "-d", str(tmp_path / "m")
        )
        assert code == 0, err
        seen += [out, err]
        code, out, err = run_cli(
            "render", str(tmp_path / "plan.json"), "--stage", stage, "-d", str(tmp_path / "p")
        )
        assert code == 0, err
        seen += [out, err]
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) > 60
    for path in written:
        assert CANARY not in path.read_text(errors="replace"), path
    for text in seen:
        assert CANARY not in text
    assert CANARY not in caplog.text
    # the plan names the Secret, never its content
    assert "legacy-sp-secret" not in "".join(p.read_text() for p in written if "/az/" in str(p))
