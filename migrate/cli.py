"""The wi-migrate command group: assembles the subcommands and is the one error boundary."""

from __future__ import annotations

import sys

import click

from migrate.commands import all_commands
from migrate.errors import EXIT_INTERRUPTED, UserError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="wi-migrate")
def group() -> None:
    """Move Kubernetes workloads from AAD Pod Identity to Azure Workload Identity.

    Start with `wi-migrate plan PATH`: a dry-run plan of every change, by stage
    (prepare, switch, retire, uninstall). Exit codes: 0 ok, 1 errors (and
    `rewrite --check` with changes), 2 changes needed (`plan --exit-code`), 3 a live
    stage stopped (re-run to resume), 130 interrupted.
    """


for command in all_commands():
    group.add_command(command)


def main(argv: list[str] | None = None) -> int:
    try:
        result = group.main(argv, prog_name="wi-migrate", standalone_mode=False)
    except UserError as e:
        click.echo(f"error: {e.message}", err=True)
        if e.hint:
            click.echo(f"  hint: {e.hint}", err=True)
        return e.exit_code
    except click.ClickException as e:
        e.show()
        return 1
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    return result if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
