"""The stage vocabulary: one order, "all", rollback order, immutable pod templates."""

from __future__ import annotations

import pytest

from migrate.errors import UserError
from migrate.model import stages


def test_all_is_the_four_stages_in_order() -> None:
    assert stages.selected("all") == ("prepare", "switch", "retire", "uninstall")
    assert stages.selected("retire") == ("retire",)
    assert (*stages.ORDER, "all") == stages.CHOICES


def test_an_unknown_stage_is_refused_by_name() -> None:
    with pytest.raises(UserError, match="unknown stage 'swtich'"):
        stages.selected("swtich")


def test_later_stages_are_rolled_back_first() -> None:
    assert stages.later("prepare") == ("switch", "retire", "uninstall")
    assert stages.later("uninstall") == ()
    assert stages.REVERSIBLE == ("prepare", "switch", "retire")


def test_each_stage_says_what_must_hold_before_the_next() -> None:
    assert "webhook is installed" in stages.named("prepare").done_when
    assert "AZURE_FEDERATED_TOKEN_FILE" in stages.named("switch").done_when
    assert "aadpodidbinding" in stages.named("retire").done_when


def test_immutable_templates() -> None:
    assert stages.IMMUTABLE["Job"] == ("switch", "retire")
    assert set(stages.IMMUTABLE_TEMPLATES) == {"Pod", "Job"}
