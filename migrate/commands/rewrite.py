"""wi-migrate rewrite: edit a manifests repo in place, one stage (one pull request) at a time."""

from __future__ import annotations

import dataclasses
from typing import Any

import click

from migrate.commands import terminal
from migrate.commands.options import planning_options, settings
from migrate.errors import EXIT_ERROR, EXIT_STOPPED, UserError
from migrate.jobs.plan import plan_or_load
from migrate.model.inventory import Finding
from migrate.model.outcomes import Tally, WriteBack
from migrate.model.plan import Plan
from migrate.model.stages import CHOICES, SWITCH
from migrate.write.rewrite import gate, stages, worktree, writer
from migrate.write.rewrite.edits import RewriteError

SHOWN = 20  # blockers listed, as the live gates do
MANUAL = (
    "helm-template",
    "helm-values",
    "helm-template-label",
    "invalid-yaml",
    "label-outside-pod-template",
    "not-rewritten",
)


@click.command("rewrite")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "--stage",
    type=click.Choice(CHOICES),
    required=True,
    help="prepare, switch, retire, uninstall (one pull request each), or all four in order.",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if anything would change.")
@click.option("--diff", "show_diff", is_flag=True, help="Write nothing; print unified diffs.")
@click.option(
    "--allow-dirty", is_flag=True, help="Rewrite files that have uncommitted changes in git."
)
@click.option(
    "--force", is_flag=True, help="Write what the plan has even when it has error findings."
)
@click.option(
    "--skip-gate",
    multiple=True,
    type=click.Choice([gate.NAME]),
    metavar="NAME",
    help="switch: rewrite even though prepare's changes are not in the repo yet (prepared).",
)
@planning_options
def command(
    paths: tuple[str, ...],
    stage: str,
    check: bool,
    show_diff: bool,
    allow_dirty: bool,
    force: bool,
    skip_gate: tuple[str, ...],
    **options: Any,
) -> int:
    """Rewrite the manifests in PATH for one migration stage, with minimal diffs.

    Edits are spliced into the files: comments, quoting, indentation, line endings
    stay as they are. All files are written, or none; none when the plan has error
    findings, unless --force. Helm templates and invalid YAML are never touched: they
    get findings with the change to make by hand.
    """
    plan = plan_or_load(paths, settings(**options))
    roots = plan.source or paths
    try:
        result = stages.rewrite(plan, stage, roots, force=force)
    except RewriteError as e:
        raise UserError(f"{e}; nothing was changed", "fix the file, or plan again") from None
    if stage == SWITCH:
        _gate(gate.prepared(plan), gate.NAME in skip_gate)
    manual = gate.manual_steps(plan, stage)  # loud, each time: no rewrite can do them
    result = dataclasses.replace(result, findings=(*result.findings, *manual))
    findings = (*plan.findings, *result.findings)
    for finding in plan.findings:
        if finding.severity != "info":
            _show(finding)
    for finding in result.findings:  # the rewrite's own notes, the fallback among them
        _show(finding)
    writeback = WriteBack.of(check=check, diff=show_diff)
    changed = [f for f in result.files if f.changed]
    if writeback is WriteBack.WRITE and changed and not allow_dirty:
        _refuse_dirty([f.path for f in changed if f.original is not None])
    if writeback is WriteBack.DIFF:
        click.echo(writer.diff(changed), nl=False)
    if writeback is WriteBack.WRITE:
        writer.commit(result.files)
    statuses = writer.statuses(result.files, writeback, _skipped(findings, plan))
    for status in statuses:
        terminal.note(str(status))
    terminal.note(_summary(writeback, len(changed)))
    errors = plan.errors or any(f.severity == "error" for f in result.findings)
    return EXIT_ERROR if errors else Tally.of(s.outcome for s in statuses).exit_code(writeback)


def _gate(blockers: list[str], skipped: bool) -> None:
    """Refuse, as the live gate does, to switch pods to accounts the repo does not have."""
    if not blockers:
        return
    if skipped:
        terminal.note(f"gate {gate.NAME} skipped with {len(blockers)} blocker(s)")
        return
    shown = "\n".join(f"  - {b}" for b in blockers[:SHOWN])
    more = f"\n  ... and {len(blockers) - SHOWN} more" if len(blockers) > SHOWN else ""
    raise UserError(
        f"gate {gate.NAME} before {SWITCH} failed: {len(blockers)} blocker(s)\n{shown}{more}",
        f"{gate.HINT}; then run the same command again (or override with --skip-gate {gate.NAME})",
        EXIT_STOPPED,
    )


def _show(finding: Finding) -> None:
    text = f"{finding.origin}: {finding.severity} {finding.code}: {finding.message}"
    if finding.hint:
        text += f"\n  hint: {finding.hint}"
    terminal.note(text)


def _skipped(findings: tuple[Finding, ...], plan: Plan) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in findings:
        if f.code in MANUAL and f.origin.file:
            out.setdefault(f.origin.file, f"{f.code}: change by hand, line {f.origin.line}")
    return out


def _refuse_dirty(paths: list[str]) -> None:
    dirty = worktree.dirty(paths)
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise UserError(
            f"uncommitted changes in files to rewrite: {shown}",
            "commit or stash them first (each stage should be its own commit), "
            "or pass --allow-dirty",
        )


def _summary(writeback: WriteBack, changed: int) -> str:
    if writeback is WriteBack.WRITE:
        return f"{changed} file(s) rewritten" if changed else "nothing to change"
    return f"{changed} file(s) would be rewritten" if changed else "nothing to change"
