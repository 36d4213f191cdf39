"""The wi-migrate command group: assembles the subcommands and is the one error boundary."""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from pathlib import Path

import click

from migrate.azure import errors as azure_errors
from migrate.commands import LazyGroup, progress_bars
from migrate.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, REPORT_URL, UserError
from migrate.kubeapi import errors as kube_errors
from migrate.model import progress


class Group(LazyGroup):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # here, before click's own handler turns it into exit 1
            return _reader_gone()


@click.group(
    cls=Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="wi-migrate")
def group() -> None:
    """Move Kubernetes workloads from AAD Pod Identity to Azure Workload Identity.

    Start with `wi-migrate plan PATH`: a dry-run plan of every change, by stage
    (prepare, switch, retire, uninstall). Exit codes: 0 ok, 1 errors (and
    `rewrite --check` with changes), 2 changes needed (`plan --exit-code`), 3 a live
    stage stopped (re-run to resume), 4 not signed in to Azure, 70 a bug in
    wi-migrate (please report it), 130 interrupted.
    """


def main(argv: list[str] | None = None) -> int:
    try:
        with progress.reporting(progress_bars.on_terminal()):
            result = group.main(argv, prog_name="wi-migrate", standalone_mode=False)
    except UserError as e:
        return _user_error(e)
    except click.ClickException as e:
        e.show()
        return 1
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except Exception as e:  # the boundary: outside systems' errors, then our own bugs
        known = kube_errors.translate(e) or azure_errors.translate(e)
        if known is not None:
            return _user_error(known)
        return _internal_error(e)
    return result if isinstance(result, int) else 0


def _reader_gone() -> int:
    """stdout's reader left (`wi-migrate plan | head`): nothing to say. stdout is pointed at
    /dev/null so that the interpreter's flush at exit does not fail on the pipe again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return EXIT_OK


def _user_error(e: UserError) -> int:
    from migrate.commands import terminal

    lines = terminal.fitted(f"error: {e.message}", sys.stderr)
    if e.hint:
        lines += terminal.fitted(f"  hint: {e.hint}", sys.stderr)
    for line in lines:
        click.echo(line, err=True)
    return e.exit_code


def _internal_error(e: Exception) -> int:
    """A bug: one line, where to report it; the traceback only with WI_MIGRATE_DEBUG=1."""
    if os.environ.get("WI_MIGRATE_DEBUG") == "1":
        traceback.print_exc()
    where = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
    at = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
    click.echo(f"internal error: {type(e).__name__}{at}: {e}", err=True)
    click.echo(
        f"  this is a bug in wi-migrate: please report it at {REPORT_URL} with the command "
        "(run with WI_MIGRATE_DEBUG=1 for the traceback; it shows no secrets)",
        err=True,
    )
    return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
