"""The rewrite commit is all or nothing: a rename refused by the filesystem (an immutable
file, a bind mount), Ctrl-C in the rename phase, or an edit saved meanwhile leave the repo
as it was (or, for Ctrl-C, wholly rewritten), with a clear message and no traceback."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLE
from tests.hostile.manifests import ARGS, BASE, repo_with, snapshot

MIDDLE = "repo/apps/orders/orders-api-deployment.yaml"  # 13th of the 38 files `all` changes
LATER = "repo/apps/web/web-frontend-deployment.yaml"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(SAMPLE, tmp_path / "repo")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "repo"


def rewritten(tmp_path: Path, run_cli: Any) -> dict[str, bytes]:
    """What an undisturbed `rewrite --stage all` makes of the sample repo."""
    shutil.copytree(SAMPLE, tmp_path / "clean" / "repo")
    cwd = os.getcwd()
    os.chdir(tmp_path / "clean")
    try:
        code, _, err = run_cli("rewrite", "repo", "--stage", "all", *ARGS)
    finally:
        os.chdir(cwd)
    assert code == 0, err
    return snapshot(tmp_path / "clean" / "repo")


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[None]:
    if os.geteuid() != 0 or not shutil.which("chattr"):
        pytest.skip("chattr +i needs root")
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("this filesystem has no immutable flag")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@contextlib.contextmanager
def bind_mounted(path: Path) -> Iterator[None]:
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("a bind mount needs root")
    if subprocess.run(["mount", "--bind", str(path), str(path)], capture_output=True).returncode:
        pytest.skip("no bind mounts here")
    try:
        yield
    finally:
        subprocess.run(["umount", str(path)], check=True)


@pytest.mark.parametrize(
    ("fault", "words"),
    [(immutable, "Operation not permitted"), (bind_mounted, "Device or resource busy")],
)
def test_a_rename_the_filesystem_refuses_leaves_the_repo_as_it_was(
    repo: Path, run_cli: Any, fault: Callable[[Path], Any], words: str
) -> None:
    before = snapshot(repo)
    with fault(repo.parent / MIDDLE):
        code, _, err = run_cli("rewrite", "repo", "--stage", "all", *ARGS)
        assert code == 1
        assert "Traceback" not in err
        assert f"{MIDDLE}: cannot write: {words}; nothing was changed" in err, err
        assert snapshot(repo) == before  # byte for byte; no temp file or backup left


def replacing(monkeypatch: pytest.MonkeyPatch, hook: Callable[[str, int], None]) -> list[str]:
    """Call HOOK(destination, n) before the n-th rename into the repo (os.replace/os.rename)."""
    calls: list[str] = []
    for name in ("replace", "rename"):
        real = getattr(os, name)

        def wrapped(src: Any, dst: Any, *a: Any, _real: Any = real, **k: Any) -> None:
            if not os.fspath(src).endswith(".orig"):  # a rename into place, not a restore
                calls.append(os.fspath(dst))
                hook(os.fspath(dst), len(calls))
            _real(src, dst, *a, **k)

        monkeypatch.setattr(os, name, wrapped)
    return calls


@pytest.mark.parametrize("code_", [errno.EPERM, errno.EBUSY, errno.EXDEV], ids=errno.errorcode.get)
def test_any_failed_rename_is_rolled_back_without_a_traceback(
    repo: Path, run_cli: Any, monkeypatch: pytest.MonkeyPatch, code_: int
) -> None:
    before = snapshot(repo)

    def hook(dst: str, n: int) -> None:
        if dst.endswith(MIDDLE.removeprefix("repo/")):
            raise OSError(code_, os.strerror(code_), dst)

    calls = replacing(monkeypatch, hook)
    code, _, err = run_cli("rewrite", "repo", "--stage", "all", *ARGS)
    monkeypatch.undo()
    assert code == 1 and "Traceback" not in err
    assert len(calls) > 5  # the fault came after several files were renamed into place
    assert f"{MIDDLE}: cannot write: {os.strerror(code_)}; nothing was changed" in err, err
    assert snapshot(repo) == before


def test_ctrl_c_during_the_renames_leaves_no_mixed_repo(
    repo: Path, run_cli: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    before = snapshot(repo)
    after = rewritten(tmp_path, run_cli)

    def hook(dst: str, n: int) -> None:
        if n == 5:
            os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl-C, in the middle of the renames

    calls = replacing(monkeypatch, hook)
    code, _, err = run_cli("rewrite", "repo", "--stage", "all", *ARGS)
    monkeypatch.undo()
    assert code == 130, err
    assert len(calls) >= 5
    got = snapshot(repo)
    assert got in (before, after), "a mix of old and new files"
    if got == after:
        assert "interrupted after the commit" in err


def test_an_edit_saved_between_read_and_rename_is_not_overwritten(
    repo: Path, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(repo)
    edited = repo.parent / LATER
    mine = edited.read_text() + "# saved by someone else while wi-migrate ran\n"

    def hook(dst: str, n: int) -> None:
        if n == 1:
            edited.write_text(mine)

    replacing(monkeypatch, hook)
    code, _, err = run_cli("rewrite", "repo", "--stage", "all", *ARGS)
    monkeypatch.undo()
    assert code == 1 and "Traceback" not in err
    assert f"{LATER} changed since it was read" in err, err
    assert edited.read_text() == mine
    assert snapshot(repo) == {**before, LATER.removeprefix("repo/"): mine.encode()}


def test_a_symlink_inside_the_repo_is_edited_through(
    tmp_path: Path, monkeypatch: Any, run_cli: Any
) -> None:
    root = repo_with(tmp_path / "repo", {"shared/app.yaml": BASE})
    (root / "team").mkdir()
    (root / "team/app.yaml").symlink_to("../shared/app.yaml")
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("rewrite", "repo", "--stage", "switch", "--skip-gate", "prepared", *ARGS)
    assert code == 0, err
    assert (root / "team/app.yaml").is_symlink()
    assert str((root / "team/app.yaml").readlink()) == "../shared/app.yaml"
    assert '        azure.workload.identity/use: "true"\n' in (root / "shared/app.yaml").read_text()


def test_a_symlink_out_of_the_repo_is_refused(
    tmp_path: Path, monkeypatch: Any, run_cli: Any
) -> None:
    outside = repo_with(tmp_path / "elsewhere", {"app.yaml": BASE})
    root = repo_with(tmp_path / "repo", {"cart.yaml": BASE.replace("shop", "cart")})
    (root / "app.yaml").symlink_to(outside / "app.yaml")
    monkeypatch.chdir(tmp_path)
    before, theirs = snapshot(root), snapshot(outside)
    code, _, err = run_cli("rewrite", "repo", "--stage", "switch", "--skip-gate", "prepared", *ARGS)
    assert code == 1 and "Traceback" not in err
    assert "repo/app.yaml:1: error symlink-out-of-repo" in err, err
    assert snapshot(root) == before and snapshot(outside) == theirs
    assert (root / "app.yaml").is_symlink()


BROKEN = "apiVersion: aadpodidentity.k8s.io/v1\nkind: AzureIdentityBinding\nmetadata:\n  name: web\nspec:\n  selector: [web\n"


def test_error_findings_mean_no_write_at_all(
    tmp_path: Path, monkeypatch: Any, run_cli: Any
) -> None:
    root = repo_with(tmp_path / "repo", {"app.yaml": BASE, "web/broken.yaml": BROKEN})
    monkeypatch.chdir(tmp_path)
    before = snapshot(root)
    code, _, err = run_cli("rewrite", "repo", "--stage", "switch", "--skip-gate", "prepared", *ARGS)
    assert code == 1 and "invalid-yaml" in err
    assert "the plan has 1 error(s): nothing was written" in err, err
    assert snapshot(root) == before


def test_force_writes_what_the_plan_has_despite_errors(
    tmp_path: Path, monkeypatch: Any, run_cli: Any
) -> None:
    root = repo_with(tmp_path / "repo", {"app.yaml": BASE, "web/broken.yaml": BROKEN})
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(
        "rewrite", "repo", "--stage", "switch", "--force", "--skip-gate", "prepared", *ARGS
    )
    assert code == 1, err  # the errors still fail the run
    assert '        azure.workload.identity/use: "true"\n' in (root / "app.yaml").read_text()
    assert (root / "web/broken.yaml").read_text() == BROKEN
