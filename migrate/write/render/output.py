"""A rendered file, and writing files only when their bytes differ."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from migrate.errors import UserError


@dataclass(frozen=True)
class RenderedFile:
    path: str  # "/"-separated, relative to the output folder
    text: str
    executable: bool = False
    check: str = ""  # kubernetes-validate it as: "object", "patch", or "" (not a k8s object)

    def under(self, folder: str) -> RenderedFile:
        return replace(self, path=f"{folder}/{self.path}")


@dataclass(frozen=True)
class Written:
    path: str
    changed: bool


def write(outdir: str, files: Iterable[RenderedFile]) -> list[Written]:
    """Write each file whose bytes or mode differ (temp file + rename); leave the rest alone."""
    results = []
    root = Path(outdir)
    files = list(files)
    for f in files:
        _refuse_outside(root, f.path)
    for f in files:
        target = root / f.path
        data = f.text.encode("utf-8")
        mode = 0o755 if f.executable else 0o644
        try:
            same = target.read_bytes() == data and (target.stat().st_mode & 0o777) == mode
        except OSError:
            same = False
        if not same:
            _write_atomic(target, data, mode)
        results.append(Written(f.path, not same))
    return results


def _refuse_outside(root: Path, path: str) -> None:
    """Every file stays inside the output folder, once resolved (symlinks included): a name
    from the plan (a namespace with '../') cannot lead out of it."""
    top = root.resolve()
    target = (root / path).resolve()
    if Path(path).is_absolute() or not target.is_relative_to(top) or target == top:
        raise UserError(
            f"{path}: outside the output folder {root} (resolved: {target}); nothing was written",
            "check the names in the plan (a namespace or name with '/' or '..') and any "
            "symlink in the output folder",
        )


def _write_atomic(target: Path, data: bytes, mode: int) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as e:
        raise UserError(
            f"{target}: cannot write: {e.strerror or e}",
            "check that the output folder is writable (-o/--output-dir)",
        ) from None
