"""All-or-nothing writes: every new file is staged first, then renamed into place; a
failure part-way renames the originals back. `--check` and `--diff` write nothing."""

from __future__ import annotations

import contextlib
import difflib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from migrate.errors import UserError
from migrate.model.outcomes import CHANGED, PENDING, SKIPPED, UNCHANGED, WriteBack
from migrate.write.rewrite.workspace import FileState

Replace = Callable[[str, str], None]
WORDS = {CHANGED: "rewrote", PENDING: "would rewrite", UNCHANGED: "unchanged", SKIPPED: "skipped"}


@dataclass(frozen=True)
class Status:
    path: str
    outcome: str  # changed / pending / unchanged / skipped (migrate.model.outcomes)
    detail: str = ""

    @property
    def word(self) -> str:
        return WORDS[self.outcome]

    def __str__(self) -> str:
        return f"{self.word} {self.path}" + (f" ({self.detail})" if self.detail else "")


def statuses(
    files: Sequence[FileState], writeback: WriteBack, skipped: dict[str, str]
) -> list[Status]:
    out = []
    for f in files:
        if f.changed:
            outcome = CHANGED if writeback is WriteBack.WRITE else PENDING
            out.append(Status(f.path, outcome, "; ".join(dict.fromkeys(f.notes))))
        elif f.path not in skipped:
            out.append(Status(f.path, UNCHANGED))
    seen = {f.path for f in files if f.changed}
    out += [Status(p, SKIPPED, why) for p, why in skipped.items() if p not in seen]
    return sorted(out, key=lambda s: s.path)


def diff(files: Iterable[FileState]) -> str:
    chunks = []
    for f in files:
        if not f.changed:
            continue
        before = (f.original or b"").decode("utf-8", "replace").splitlines(keepends=True)
        after = (f.new or b"").decode("utf-8", "replace").splitlines(keepends=True)
        old = f"a/{f.path}" if f.original is not None else "/dev/null"
        new = f"b/{f.path}" if f.new is not None else "/dev/null"
        lines = list(difflib.unified_diff(before, after, old, new))
        chunks.append("".join(line if line.endswith("\n") else line + "\n" for line in lines))
    return "".join(chunks)


def commit(files: Sequence[FileState], replace: Replace = os.replace) -> None:
    """Write every changed file, or none: temp files first, backups, then renames."""
    changed = [f for f in files if f.changed]
    staged: dict[str, str] = {}
    backups: dict[str, str] = {}
    done: list[FileState] = []
    try:
        for f in changed:
            if f.new is not None:
                staged[f.path] = _stage(f)
            if f.original is not None:
                backups[f.path] = _backup(f.path)
        for f in changed:
            done.append(f)
            if f.new is None:
                os.unlink(f.path)
            else:
                replace(staged[f.path], f.path)
                del staged[f.path]
    except OSError as e:
        _roll_back(done, backups)
        raise UserError(
            f"{getattr(e, 'filename', None) or 'a file'}: cannot write: {e.strerror or e}; "
            "nothing was changed",
            "fix the problem (permissions, disk space) and run again",
        ) from None
    finally:
        for path in [*staged.values(), *backups.values()]:
            _remove(path)


def _stage(f: FileState) -> str:
    folder = os.path.dirname(f.path) or "."
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(f.path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(f.new or b"")
        os.chmod(tmp, _mode(f.path))
    except OSError:
        _remove(tmp)
        raise
    return tmp


def _mode(path: str) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _backup(path: str) -> str:
    folder, name = os.path.split(path)
    fd, backup = tempfile.mkstemp(dir=folder or ".", prefix=f".{name}.", suffix=".orig")
    os.close(fd)
    os.unlink(backup)
    try:
        os.link(path, backup)
    except OSError:
        shutil.copy2(path, backup)
    return backup


def _roll_back(done: list[FileState], backups: dict[str, str]) -> None:
    for f in reversed(done):
        backup = backups.get(f.path)
        if backup is None:
            if os.path.exists(f.path):
                os.unlink(f.path)  # a new file
        # a backup is a hard link: renaming it onto the untouched original would do nothing
        elif not (os.path.exists(f.path) and os.path.samefile(backup, f.path)):
            os.replace(backup, f.path)  # the real rename, not the injected one
            del backups[f.path]


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
