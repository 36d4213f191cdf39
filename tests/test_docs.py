"""Docs that must not drift from the code."""

from __future__ import annotations

import re

from migrate.findings import CATALOGUE
from tests.conftest import ROOT


def test_every_finding_code_is_documented_with_its_severity() -> None:
    text = (ROOT / "docs" / "findings.md").read_text()
    documented = dict(re.findall(r"^### `([a-z-]+)` \((error|warning|info)\)$", text, re.M))
    assert documented == {code: severity for code, (severity, _) in CATALOGUE.items()}
