"""One module per subcommand: parse options, call the job, print, return an exit code.

COMMANDS is the list the CLI shows, in its order; adding a subcommand is adding a module
that defines `command` and its name here.
"""

from __future__ import annotations

import importlib

import click

from migrate.commands import settings_sources

COMMANDS = (
    "plan",
    "rewrite",
    "render",
    "apply",
    "status",
    "rollback",
    "credentials",
    "verify",
    "completion",
)


def all_commands() -> list[click.Command]:
    found = []
    for name in COMMANDS:
        command = importlib.import_module(f"{__name__}.{name}").command
        assert isinstance(command, click.Command), name
        found.append(settings_sources.share(command))
    return found
