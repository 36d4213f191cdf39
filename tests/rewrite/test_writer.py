"""All or nothing: a failure in the middle of a multi-file rewrite leaves the repo as it was."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from migrate.errors import UserError
from migrate.jobs.plan import plan_manifests
from migrate.model.plan import Settings
from migrate.write.rewrite import stages, writer
from tests.conftest import SAMPLE, copy_repo, snapshot


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return copy_repo(SAMPLE, tmp_path, monkeypatch)


def result_of(stage: str) -> stages.Result:
    plan = plan_manifests(["repo"], Settings(issuer="https://issuer.example/", cluster_name="c1"))
    return stages.rewrite(plan, stage, ["repo"])


@pytest.mark.parametrize("stage", ["prepare", "retire", "all"])
@pytest.mark.parametrize("fail_at", [1, 3, 7])
def test_a_failed_rename_leaves_every_file_as_it_was(repo: Path, stage: str, fail_at: int) -> None:
    before = snapshot(repo)
    result = result_of(stage)
    changed = [f for f in result.files if f.changed]
    # new files, edited files and deleted files all take part
    assert any(f.original is None for f in changed) or stage == "retire"
    assert any(f.new is None for f in changed) or stage == "prepare"
    assert len(changed) > fail_at
    calls = []

    def replace(src: str, dst: str) -> None:
        calls.append(dst)
        if len(calls) == fail_at:
            raise OSError(28, "No space left on device", dst)
        os.replace(src, dst)

    with pytest.raises(UserError, match="nothing was changed"):
        writer.commit(result.files, replace=replace)
    assert len(calls) == fail_at  # the failure really came in the middle
    assert snapshot(repo) == before  # byte for byte, no new file, no temp or backup left


def test_a_failed_staging_writes_nothing(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(repo)
    result = result_of("switch")
    real_chmod = os.chmod
    staged = []

    def chmod(path: str, mode: int) -> None:
        staged.append(path)
        if len(staged) == 2:
            raise PermissionError(13, "Permission denied", path)
        real_chmod(path, mode)

    monkeypatch.setattr(writer.os, "chmod", chmod)
    with pytest.raises(UserError):
        writer.commit(result.files)
    assert snapshot(repo) == before


def test_commit_writes_every_change_and_keeps_modes(repo: Path) -> None:
    target = repo / "apps/orders/orders-api-deployment.yaml"
    target.chmod(0o640)
    result = result_of("all")
    writer.commit(result.files)
    for f in result.files:
        if f.new is None:
            assert not os.path.exists(f.path)
        else:
            assert Path(f.path).read_bytes() == f.new
    assert target.stat().st_mode & 0o777 == 0o640
    assert not [p for p in repo.rglob(".*") if p.is_file() and p.name != ".gitattributes"]
