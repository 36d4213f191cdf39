"""All-or-nothing writes: every new file is staged first, then renamed into place; a
failure part-way renames the originals back. `--check` and `--diff` write nothing."""

from __future__ import annotations

import contextlib
import difflib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from migrate.errors import EXIT_INTERRUPTED, UserError
from migrate.model.outcomes import CHANGED, PENDING, SKIPPED, UNCHANGED, WriteBack
from migrate.read import masking
from migrate.read.decoding import decode
from migrate.write.rewrite import signals
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
        # a Secret's values never reach the terminal, not even as context lines
        before = masking.secret_data(
            ("" if f.original is None else decode(f.original).text).splitlines(True)
        )
        after = masking.secret_data((f.text or "").splitlines(keepends=True))
        old = f"a/{f.path}" if f.original is not None else "/dev/null"
        new = f"b/{f.path}" if f.new is not None else "/dev/null"
        lines = list(difflib.unified_diff(before, after, old, new))
        chunks.append("".join(line if line.endswith("\n") else line + "\n" for line in lines))
    return "".join(chunks)


def commit(files: Sequence[FileState], replace: Replace | None = None) -> None:
    """Write every changed file, or none; none when the plan has error findings.

    Temp files and backups first; then, with Ctrl-C held back, each file is checked
    unchanged since it was read and renamed into place. A failure renames every file
    back; a Ctrl-C is acted on after the last rename (UserError with exit 130).
    Symlinks are written through: the link stays, its target gets the new text.
    """
    changed = [_Write(f) for f in files if f.changed]
    errors = max((w.f.errors for w in changed), default=0)
    if errors:
        raise UserError(
            f"the plan has {errors} error(s): nothing was written",
            "fix them (see the findings above) and run again, or pass --force to write "
            "what the plan has",
        )
    with signals.held() as held:
        try:
            for w in changed:
                w.prepare()
            if held.interrupted:
                raise _Stop()
            for w in changed:
                w.check_unchanged()
            for w in changed:
                w.check_unchanged(quick=True)
                w.put_in_place(replace or os.replace)
        except (OSError, _Changed, _Stop) as e:
            kept = _roll_back(changed)
            for w in changed:
                w.clean()
            raise _failure(e, kept, held.interrupted) from None
        except BaseException:  # a bug: still put every file back before it surfaces
            _roll_back(changed)
            for w in changed:
                w.clean()
            raise
        for w in changed:
            w.clean()
    signals.deliver(held)
    if held.interrupted:
        raise UserError(
            f"interrupted after the commit: all {len(changed)} file(s) were written",
            "review them with git diff",
            EXIT_INTERRUPTED,
        )


class _Changed(Exception):
    pass


class _Stop(Exception):
    pass


class _Write:
    """One file's commit: its temp file, its backup, and how to undo its rename."""

    def __init__(self, f: FileState) -> None:
        self.f = f
        self.target = os.path.realpath(f.path)  # through a symlink, to the file itself
        self.staged = ""
        self.backup = ""
        self.seen: os.stat_result | None = None
        self.done = False

    def prepare(self) -> None:
        with _naming(self.f.path):
            if self.f.new is not None:
                self.staged = _stage(self.target, self.f.new)
            if self.f.original is not None:
                self.backup = _backup(self.target)

    def check_unchanged(self, quick: bool = False) -> None:
        """Refuse to overwrite an edit saved after the file was read."""
        try:
            now = os.stat(self.target)
        except FileNotFoundError:
            if self.f.original is None:
                return
            raise _Changed(self.f.path) from None
        if self.f.original is None:
            raise _Changed(self.f.path)
        if quick and self.seen is not None:
            same = (now.st_size, now.st_mtime_ns, now.st_ino) == (
                self.seen.st_size,
                self.seen.st_mtime_ns,
                self.seen.st_ino,
            )
            if not same:
                raise _Changed(self.f.path)
            return
        with open(self.target, "rb") as current:
            if current.read() != self.f.original:
                raise _Changed(self.f.path)
        self.seen = now

    def put_in_place(self, replace: Replace) -> None:
        with _naming(self.f.path):
            if self.f.new is None:
                os.unlink(self.target)
            else:
                replace(self.staged, self.target)
                self.staged = ""
        self.done = True

    def undo(self) -> None:
        if not self.done:
            return
        if self.backup:
            os.replace(self.backup, self.target)  # the real rename, never an injected one
            self.backup = ""
        else:
            _remove(self.target)  # a new file
        self.done = False

    def clean(self) -> None:
        for path in (self.staged, self.backup):
            if path:
                _remove(path)


def _roll_back(changed: list[_Write]) -> list[str]:
    """Undo every rename done, newest first; what cannot be undone keeps its backup."""
    kept = []
    for w in reversed(changed):
        try:
            w.undo()
        except OSError as e:
            kept.append(f"{w.f.path} (its original is kept in {w.backup}: {e.strerror})")
            w.backup = ""  # keep it on disk for the user
    return kept


def _failure(error: Exception, kept: list[str], interrupted: bool) -> UserError:
    if kept:
        return UserError(
            "a write failed and these files could not be put back: " + "; ".join(kept),
            "move each original back by hand (mv ORIGINAL FILE), then run again",
        )
    if isinstance(error, _Stop) or interrupted:
        return UserError("interrupted: nothing was changed", "", EXIT_INTERRUPTED)
    if isinstance(error, _Changed):
        return UserError(
            f"{error} changed since it was read (saved by someone else meanwhile?); "
            "nothing was changed",
            "plan and rewrite again on the current files",
        )
    assert isinstance(error, OSError)
    return UserError(
        f"{_path_of(error)}: cannot write: {error.strerror or error}; nothing was changed",
        "fix the problem (permissions, an immutable or mounted file, disk space) and run again",
    )


@contextlib.contextmanager
def _naming(path: str) -> Iterator[None]:
    """OSErrors raised inside name PATH (as the user knows it), not a temp file."""
    try:
        yield
    except OSError as e:
        e.wi_migrate_path = path  # type: ignore[attr-defined]
        raise


def _path_of(error: OSError) -> str:
    return getattr(error, "wi_migrate_path", None) or str(error.filename or "a file")


def _stage(target: str, data: bytes) -> str:
    folder = os.path.dirname(target) or "."
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(target)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, _mode(target))
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


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
