"""Refuse to rewrite files with uncommitted changes in a git work tree (--allow-dirty)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence

BATCH = 500  # paths per `git status` call: keeps the command line short


def dirty(paths: Sequence[str]) -> list[str]:
    """The PATHS (existing files) that git reports as modified, staged or untracked."""
    existing = [os.path.abspath(p) for p in paths if os.path.exists(p)]
    if not existing:
        return []
    common = os.path.commonpath(existing)
    top = _top_level(common if os.path.isdir(common) else os.path.dirname(common))
    if top is None:
        return []
    found: list[str] = []
    for i in range(0, len(existing), BATCH):
        batch = existing[i : i + BATCH]
        out = _git(top, "status", "--porcelain", "-z", "--untracked-files=all", "--", *batch)
        entries = [e for e in (out or "").split("\0") if len(e) > 3]
        found += [os.path.join(top, e[3:]) for e in entries]
    wanted = {os.path.realpath(p): p for p in paths}
    return sorted(wanted[r] for r in map(os.path.realpath, found) if r in wanted)


def _top_level(folder: str) -> str | None:
    while not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    out = _git(folder, "rev-parse", "--show-toplevel")
    return out.strip() if out else None


def _git(cwd: str, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None
