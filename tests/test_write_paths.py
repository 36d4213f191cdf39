"""Every file render writes stays inside its output folder, resolved, symlinks included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.test_subjects import ISSUER, manifests


def files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_render_writes_nothing_outside_the_output_folder_for_a_dot_dot_namespace(
    run_cli: Any, tmp_path: Path
) -> None:
    work = tmp_path / "a" / "b" / "c"
    (work / "repo").mkdir(parents=True)
    (work / "repo" / "shop.yaml").write_text(manifests(namespace="../../../../../escape"))
    _, _, err = run_cli(
        "render", str(work / "repo"), "--issuer", ISSUER, "--force", "-d", str(work / "out")
    )
    assert "Traceback" not in err
    outside = {f for f in files(tmp_path) if not f.startswith("a/b/c/out/")}
    assert outside == {"a/b/c/repo/shop.yaml"}, err


def test_render_refuses_a_symlink_out_of_the_output_folder(run_cli: Any, tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "shop.yaml").write_text(manifests())
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "kubernetes").symlink_to(tmp_path / "elsewhere")
    code, _, err = run_cli(
        "render", str(tmp_path / "repo"), "--issuer", ISSUER, "-d", str(tmp_path / "out")
    )
    assert code == 1
    assert "outside the output folder" in err and "kubernetes" in err
    assert files(tmp_path / "elsewhere") == set()


def test_rewrite_refuses_to_write_through_a_symlink_out_of_the_repo(
    run_cli: Any, tmp_path: Path
) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "shop.yaml").write_text(manifests())
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "shop.yaml").symlink_to(tmp_path / "elsewhere" / "shop.yaml")
    before = (tmp_path / "elsewhere" / "shop.yaml").read_bytes()
    code, _, err = run_cli(
        "rewrite", str(tmp_path / "repo"), "--stage", "all", "--issuer", ISSUER, "--allow-dirty"
    )
    assert code == 1
    assert "outside the folders being rewritten" in err and "Traceback" not in err
    assert files(tmp_path / "elsewhere") == {"shop.yaml"}
    assert (tmp_path / "elsewhere" / "shop.yaml").read_bytes() == before
