"""wi-migrate completion: the shell completion script, from click's own completion support."""

from __future__ import annotations

import click

from migrate.errors import EXIT_OK

SHELLS = ("bash", "zsh", "fish")
PROGRAM = "wi-migrate"
COMPLETE_VAR = "_WI_MIGRATE_COMPLETE"  # the variable click's completion protocol reads


@click.command("completion")
@click.argument("shell", type=click.Choice(SHELLS))
def command(shell: str) -> int:
    """Print the completion script for SHELL (commands, options, choices such as --stage).

    bash: add `eval "$(wi-migrate completion bash)"` to ~/.bashrc;
    zsh: add `eval "$(wi-migrate completion zsh)"` to ~/.zshrc;
    fish: `wi-migrate completion fish > ~/.config/fish/completions/wi-migrate.fish`.
    """
    from click.shell_completion import get_completion_class

    completion = get_completion_class(shell)
    assert completion is not None  # every one of SHELLS is built into click
    root = click.get_current_context().find_root().command
    click.echo(completion(root, {}, PROGRAM, COMPLETE_VAR).source())
    return EXIT_OK
