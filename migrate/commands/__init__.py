"""One module per subcommand: parse options, call the core, return an exit code."""

from __future__ import annotations

from migrate.commands import plan

COMMANDS = [plan.command]
