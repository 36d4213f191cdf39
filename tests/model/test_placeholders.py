"""Placeholders in names and selectors (model/placeholders.py): what counts as one, and
which written values it could stand for."""

from __future__ import annotations

import pytest

from migrate.model import placeholders


@pytest.mark.parametrize(
    "text, found",
    [
        ("${APP_NAME}", "${APP_NAME}"),
        ("report-${TENANT}", "${TENANT}"),
        ("{{ .Release.Namespace }}", "{{ .Release.Namespace }}"),
        ('%{ if env != "prod" }-dev%{ endif }', '%{ if env != "prod" }'),
        ("migrate-$(context.taskRun.name)", "$(context.taskRun.name)"),
        ("${NS:=shop}", "${NS:=shop}"),
        ("shop", ""),
        ("price-$5", ""),
        ("a{b}c", ""),
    ],
)
def test_find(text: str, found: str) -> None:
    assert placeholders.find(text) == found


@pytest.mark.parametrize(
    "written, value, could",
    [
        ("reports-${TENANT}", "reports-contoso", True),
        ("reports-${TENANT}", "shop", False),
        ("${IDENTITY}", "anything", True),
        ("${A}-${B}", "x-y-z", True),
        ("${A}-${B}", "xyz", False),
        ("shop", "shop", True),
        ("shop", "shop2", False),
        # a directive may drop the text around it: it could be anything
        ('audit%{ if env != "prod" }-${env}%{ endif }', "audit", True),
        ("{{ if .Values.ha }}orders-ha{{ else }}orders{{ end }}", "orders", True),
    ],
)
def test_could_be(written: str, value: str, could: bool) -> None:
    assert placeholders.could_be(written, value) is could


def test_variables_and_their_defaults() -> None:
    assert placeholders.variables("${APP}-${NS:=shop}-${X:-y}") == [
        ("APP", None),
        ("NS", "shop"),
        ("X", "y"),
    ]
