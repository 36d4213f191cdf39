"""One module per subcommand: parse options, call the core, return an exit code.

Each module here defines `command`; the CLI picks them all up, so adding a
subcommand is adding a module.
"""

from __future__ import annotations

import importlib
import pkgutil

import click


def all_commands() -> list[click.Command]:
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        command = getattr(module, "command", None)
        if isinstance(command, click.Command):
            found.append(command)
    return found
