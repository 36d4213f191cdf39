"""Reading files: paths as Path would print them, in Path order; check() fails where parse()
fails, with the same file, line and problem."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from migrate.read.files import ParseError, check, parse, walk

BROKEN = [
    "a: [1, 2\n",
    "a: 1\n b: 2\n",
    "kind: Deployment\nspec:\n  template: {a: 1\n",
    "---\nkind: A\n---\nkey: 'unterminated\n",
    "a: b: c\n",
    "- a\nb: c\n",
    "a: *undefined\n",  # only the composer knows the alias is undefined
    "a: &x 1\nb: *y\n",
    "\tkey: tab indent\n",
    'a: "bad escape \\q"\n',
]
VALID = ["", "a: 1\n", "---\na: 1\n---\n- b\n...\n", "a: &x 1\nb: *x\n", "s: '*/5 * * * *'\n"]


@pytest.mark.parametrize("text", BROKEN)
def test_check_fails_like_parse(text: str) -> None:
    with pytest.raises(ParseError) as parsed:
        parse("f.yaml", text)
    with pytest.raises(ParseError) as checked:
        check("f.yaml", text)
    assert (checked.value.file, checked.value.line, checked.value.problem) == (
        parsed.value.file,
        parsed.value.line,
        parsed.value.problem,
    )


@pytest.mark.parametrize("text", VALID)
def test_check_passes_what_parse_reads(text: str) -> None:
    parse("f.yaml", text)
    check("f.yaml", text)


def test_walk_prints_paths_as_path_does_in_path_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "a-b" sorts before "a/" as text, after it part by part (as Paths sort)
    for rel in ("a/b.yaml", "a-b/c.yaml", "a/z/d.yml", "a.yaml", "x.txt", ".git/e.yaml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("k: v\n")
    monkeypatch.chdir(tmp_path)
    for given in (".", "./", str(tmp_path), f"{tmp_path}{os.sep}", "a/../a"):
        found = [source.path for source in walk([given])]
        root = Path(given)
        expected = sorted(
            p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and ".git" not in p.parts
        )
        assert found == [str(p) for p in expected], given
