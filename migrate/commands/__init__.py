"""One module per subcommand: parse options, call the job, print, return an exit code.

COMMANDS is the list the CLI shows, in its order; adding a subcommand is adding a module
that defines `command` and its name here.
"""

from __future__ import annotations

import importlib

import click

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


# what `wi-migrate --help` lists for each, so that it imports no command module (each brings
# rich, jinja2, PyYAML and the SDK glue); a test keeps these equal to the commands' own help
SUMMARIES = {
    "plan": "Plan the migration of the manifests in PATH (files, folders, or - for stdin), "
    "or of a live cluster with --cluster.",
    "rewrite": "Rewrite the manifests in PATH for one migration stage, with minimal diffs.",
    "render": "Render the plan of SOURCE_OR_PLAN (manifests, or a saved plan.json) as files.",
    "apply": "Run STAGE of the live migration (prepare, switch, retire, uninstall).",
    "status": "Show each stage: journaled (done / running / rolled back) and what is left to do, "
    "in the cluster and (with --check-azure) in Azure.",
    "rollback": "Undo what STAGE changed, from its journal, in reverse order.",
    "credentials": "Create the federated credentials (and the identities replacing service "
    "principals) that the plan of SOURCE_OR_PLAN needs.",
    "verify": "For each ServiceAccount the plan of SOURCE_OR_PLAN federates: a Kubernetes "
    "TokenRequest (audience api://AzureADTokenExchange), then the exchange at Entra.",
    "completion": "Print the completion script for SHELL (commands, options, choices such as "
    "--stage).",
}


def load(name: str) -> click.Command:
    from migrate.commands import settings_sources  # not for --help: it reads no settings

    command = importlib.import_module(f"{__name__}.{name}").command
    assert isinstance(command, click.Command), name
    return settings_sources.share(command)


def all_commands() -> list[click.Command]:
    return [load(name) for name in COMMANDS]


class LazyGroup(click.Group):
    """COMMANDS, each module imported only when its command runs (or shows its own help)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)  # as click's Group lists them

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return load(cmd_name) if cmd_name in COMMANDS else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [
            (name, click.Command(name, help=SUMMARIES[name]).get_short_help_str(limit))
            for name in self.list_commands(ctx)
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
