"""`wi-migrate --help` loads no subcommand: the group lists COMMANDS with their summaries,
which must be what each command's own help says."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from migrate.commands import COMMANDS, SUMMARIES, load


@pytest.mark.parametrize("name", COMMANDS)
def test_each_summary_is_the_commands_own(name: str) -> None:
    command = load(name)
    assert command.help is not None
    for limit in (30, 45, 60, 80, 200):  # however wide the terminal, the same line
        summary = click.Command(name, help=SUMMARIES[name])
        assert summary.get_short_help_str(limit) == command.get_short_help_str(limit)


def test_help_imports_no_command_and_no_heavy_library() -> None:
    code, out, loaded = _run_and_list_modules(["--help"])
    assert code == 0
    assert "plan" in out and "Commands:" in out
    kinds = ("migrate", "rich", "jinja2", "yaml", "ruamel", "kubernetes", "azure", "requests")
    loaded = [m for m in loaded if m.split(".")[0] in kinds]
    # the progress hook is loaded (it imports rich only when a bar is drawn); no command module
    commands = [m for m in loaded if m.startswith("migrate.commands.")]
    assert commands == ["migrate.commands.progress_bars"], loaded
    assert not [m for m in loaded if m.split(".")[0] != "migrate"], loaded


def test_a_command_still_runs_and_shows_its_own_help(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli("plan", "--help")
    assert code == 0 and "--issuer" in out
    code, _, err = run_cli("no-such-command")
    assert code != 0 and "no-such-command" in err


def test_a_json_plan_imports_neither_the_terminal_nor_the_cluster_code(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`plan -o json` of manifests pays for no rich, Jinja or cluster reader import (start-up
    is part of what a big repo's plan costs: benchmarks/README.md)."""
    (tmp_path / "app.yaml").write_text(
        "apiVersion: aadpodidentity.k8s.io/v1\nkind: AzureIdentity\n"
        "metadata: {name: web, namespace: shop}\n"
        "spec: {type: 0, clientID: 00000000-0000-0000-0000-000000000001,\n"
        "  resourceID: /subscriptions/s/resourceGroups/g/providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities/web}\n"
    )
    _, out, loaded = _run_and_list_modules(["plan", str(tmp_path), "-o", "json"])
    assert '"actions"' in out
    heavy = (
        "rich",
        "jinja2",
        "kubernetes",
        "azure",
        "migrate.read.cluster",
        "migrate.planner.live",
    )
    assert not [m for m in loaded if m.split(".")[0] in heavy or m in heavy], loaded


def test_plan_help_imports_no_reader() -> None:
    """`wi-migrate plan --help` (and shell completion of its options) loads the command's
    options, not the readers, PyYAML or the report's formats."""
    _, out, loaded = _run_and_list_modules(["plan", "--help"])
    assert "--cluster" in out
    heavy = ("yaml", "rich", "jinja2", "migrate.read", "migrate.planner", "migrate.jobs")
    assert not [m for m in loaded if m.startswith(heavy)], loaded


def _run_and_list_modules(args: list[str]) -> tuple[int, str, list[str]]:
    """`wi-migrate ARGS` in a fresh interpreter: its exit code, what it printed, and every
    module it had imported by the end."""
    probe = (
        "import sys\n"
        "from migrate.cli import main\n"
        "try:\n"
        f"    code = main({args!r})\n"
        "finally:\n"
        "    sys.stdout.flush()\n"
        "    print('LOADED', ' '.join(sorted(sys.modules)))\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert "LOADED" in done.stdout and "Traceback" not in done.stderr, done.stderr
    out, modules = done.stdout.rsplit("LOADED", 1)
    return done.returncode, out, modules.split()
