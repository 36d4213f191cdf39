"""Docs that must not drift from the code."""

from __future__ import annotations

import re

from migrate.model.findings import CATALOGUE
from tests.conftest import ROOT


def test_every_finding_code_is_documented_with_its_severity() -> None:
    text = (ROOT / "docs" / "findings.md").read_text()
    documented = dict(re.findall(r"^### `([a-z-]+)` \((error|warning|info)\)$", text, re.M))
    assert documented == {code: severity for code, (severity, _) in CATALOGUE.items()}


def cli_reference(run_cli) -> str:  # type: ignore[no-untyped-def]
    from migrate.commands import all_commands

    parts = [
        "# CLI reference\n\n",
        "Generated from `--help` (`WI_MIGRATE_UPDATE_GOLDENS=1 pytest tests/test_docs.py` "
        "rewrites it; a test fails when it drifts).\n",
    ]
    for args in [[], *([c.name] for c in all_commands())]:
        code, out, err = run_cli(*args, "--help")
        assert code == 0, err
        title = " ".join(["wi-migrate", *args])
        parts.append(f"\n## `{title}`\n\n```\n{out.rstrip()}\n```\n")
    return "".join(parts)


def test_cli_reference_is_current(run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import UPDATE_GOLDENS

    monkeypatch.setenv("COLUMNS", "100")
    text = cli_reference(run_cli)
    path = ROOT / "docs" / "cli.md"
    if UPDATE_GOLDENS:
        path.write_text(text)
    assert path.read_text() == text, "docs/cli.md is stale: regenerate it (see its header)"
