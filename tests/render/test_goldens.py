"""Golden outputs of every target on the sample repo: tests/cases/render/<target>/<stage>/...

Read every changed golden before committing it (WI_MIGRATE_UPDATE_GOLDENS=1 rewrites them):
subjects, issuer, quoting and order are what reviewers of a migration rely on.
"""

from __future__ import annotations

import pytest

from migrate.write.render import TARGETS
from tests.conftest import ROOT, UPDATE_GOLDENS
from tests.render import sample

GOLDENS = ROOT / "tests" / "cases" / "render"


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return sample.rendered(sample.plan())


@pytest.mark.parametrize("target", list(TARGETS))
def test_target_matches_its_goldens(files: dict[str, str], target: str) -> None:
    mine = {p: t for p, t in files.items() if p.startswith(f"{target}/")}
    assert mine, f"{target} rendered nothing for the sample repo"
    if UPDATE_GOLDENS:
        for path, text in mine.items():
            (GOLDENS / path).parent.mkdir(parents=True, exist_ok=True)
            (GOLDENS / path).write_text(text, encoding="utf-8", newline="")
    expected = {
        str(p.relative_to(GOLDENS)): p.read_text(encoding="utf-8")
        for p in (GOLDENS / target).rglob("*")
        if p.is_file()
    }
    assert sorted(mine) == sorted(expected), "files added or gone: update the goldens"
    for path, text in mine.items():
        assert text == expected[path], f"{path} differs from its golden"
