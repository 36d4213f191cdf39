"""The one user-facing error class and the exit codes; cli.py is the boundary that prints them."""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1  # error findings, bad input, a failed write
EXIT_CHANGES = 2  # --exit-code / --check: changes are needed
EXIT_STOPPED = 3  # a gate or an outside system stopped a live stage; re-run to resume
EXIT_NOT_SIGNED_IN = 4  # Azure gave no token: sign in (az login, or the environment) first
EXIT_INTERNAL = 70  # a bug in wi-migrate (EX_SOFTWARE): please report it
EXIT_INTERRUPTED = 130

REPORT_URL = "https://github.com/wi-migrate/wi-migrate/issues"


class UserError(Exception):
    """Something the user can fix: says what, where, and what to do next."""

    def __init__(self, message: str, hint: str = "", exit_code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.exit_code = exit_code

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message
